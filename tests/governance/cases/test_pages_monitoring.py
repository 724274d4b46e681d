"""The monitoring page, its PNG downloads, and the signal on the introduction, review and home
pages."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.urls import reverse

from governance.models import Review

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def two_failures(log_case):
    # p0 0.1, p1 0.2, h 1 (the `live` fixture): the second failure takes S to 1.386.
    first = log_case(days_ago=3, device_failure=True)
    second = log_case(days_ago=2, major_complication=True)
    log_case(days_ago=1)
    return first, second


def test_the_monitoring_page_shows_the_figures_charts_and_their_tables(
    client, lead, live, log_case
):
    _, second = two_failures(log_case)
    client.force_login(lead)

    response = client.get(reverse("governance:monitoring", args=[live.pk]))

    page = text(response)
    assert response.status_code == 200
    assert "Cases 3" in page
    assert "Failures 2 (67%)" in page
    assert "Signal The CUSUM reached h at case " + str(second.pk) in page
    body = response.content.decode()
    for chart in ("cusum", "vlad"):
        url = reverse("governance:monitoring_chart_svg", args=[live.pk, chart])
        assert f'aria-labelledby="{chart}-caption"><img src="{url}"' in body
    assert 'data-testid="cusum-table"' in body and 'data-testid="vlad-table"' in body
    assert "1.386" in page  # S at the second case, in the data table
    assert "-1.80" in page  # the VLAD after the second case: (0.1 - 1) + (0.1 - 1)


def test_the_charts_are_svg_images_with_their_titles_and_lines(client, lead, live, log_case):
    two_failures(log_case)
    client.force_login(lead)

    cusum = client.get(reverse("governance:monitoring_chart_svg", args=[live.pk, "cusum"]))
    vlad = client.get(reverse("governance:monitoring_chart_svg", args=[live.pk, "vlad"]))

    assert cusum["Content-Type"] == vlad["Content-Type"] == "image/svg+xml"
    assert f"CUSUM of failures: {live.title}" in cusum.content.decode()
    assert "h = 1" in cusum.content.decode() and "Signal" in cusum.content.decode()
    assert ">VLAD<" in vlad.content.decode()
    assert client.get(f"/introductions/{live.pk}/monitoring/other.svg").status_code == 404


def test_the_charts_download_as_png(client, applicant, live, log_case):
    two_failures(log_case)
    client.force_login(applicant)

    for chart in ("cusum", "vlad"):
        response = client.get(reverse("governance:monitoring_chart", args=[live.pk, chart]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")
        assert f"introduction-{live.pk}-{chart}.png" in response["Content-Disposition"]
    assert client.get(f"/introductions/{live.pk}/monitoring/other.png").status_code == 404


def test_another_trust_cannot_see_the_monitoring(client, other_org_lead, live):
    client.force_login(other_org_lead)

    assert client.get(reverse("governance:monitoring", args=[live.pk])).status_code == 404
    for name in ("monitoring_chart", "monitoring_chart_svg"):
        chart = reverse(f"governance:{name}", args=[live.pk, "cusum"])
        assert client.get(chart).status_code == 404


def test_without_a_monitoring_plan_the_page_says_what_is_missing(client, lead, live):
    live.cusum_h = None
    live.save()
    client.force_login(lead)

    page = text(client.get(reverse("governance:monitoring", args=[live.pk])))

    assert "There is no monitoring plan" in page


def test_the_introduction_page_shows_the_signal_and_links_to_the_monitoring(
    client, lead, live, log_case
):
    two_failures(log_case)
    client.force_login(lead)

    response = client.get(reverse("governance:introduction_detail", args=[live.pk]))

    assert "Signal The CUSUM reached its threshold" in text(response)
    assert reverse("governance:monitoring", args=[live.pk]) in response.content.decode()


def test_the_review_page_shows_what_the_lead_decides_on(client, lead, live, log_case):
    two_failures(log_case)
    review = Review.objects.create(introduction=live, kind="periodic", due_on=live.created_at)
    client.force_login(lead)

    response = client.get(reverse("governance:review_complete", args=[live.pk, review.pk]))

    page = text(response)
    assert 'data-testid="review-monitoring"' in response.content.decode()
    assert "Cases 3" in page and "Signal" in page
    chart = reverse("governance:monitoring_chart_svg", args=[live.pk, "cusum"])
    assert f'aria-labelledby="review-cusum-caption"><img src="{chart}"' in response.content.decode()


def test_the_leads_home_page_lists_the_introductions_with_a_signal(client, lead, live, log_case):
    client.force_login(lead)
    quiet = text(client.get("/"))
    two_failures(log_case)

    page = text(client.get("/"))

    assert "No introduction's failure rate has reached its alarm threshold" in quiet
    assert "Monitoring signals" in page
    assert f"{live.title} Signal" in page or f"{live.title}" in page.split("Monitoring signals")[1]


@pytest.fixture
def many_cases(log_case):
    """`many_cases(n)`: n cases, one a day up to yesterday, every tenth a failure; in date
    order."""

    def log(n: int) -> list:
        return [log_case(days_ago=n - i, device_failure=i % 10 == 9) for i in range(n)]

    return log


def rows(response, table: str) -> list[str]:
    """The text of each row of the table whose data-testid is `table`."""
    body = response.content.decode()
    found = re.search(rf'data-testid="{table}">(.*?)</table>', body, re.S)
    return [
        text_of(row)
        for row in re.findall(r"<tr class=\"nhsuk-table__row\">(.*?)</tr>", found[1], re.S)
    ][1:]


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_the_tables_open_on_the_latest_cases_and_page_back_by_50(client, lead, live, many_cases):
    cases = many_cases(120)
    client.force_login(lead)
    page = reverse("governance:monitoring", args=[live.pk])

    latest = client.get(page)
    middle = client.get(page + "?page=2")
    first = client.get(page + "?page=1")

    assert [r.split()[0] for r in rows(latest, "cusum-table")] == [str(n) for n in range(101, 121)]
    assert [r.split()[0] for r in rows(latest, "vlad-table")] == [str(n) for n in range(101, 121)]
    assert "CUSUM after each case: Cases 101 to 120 of 120" in text(latest)
    assert f'<a href="/cases/{cases[100].pk}/">101</a>' in latest.content.decode()
    assert "Previous page : Cases 51 to 100" in text(latest)
    assert "Next page" not in text(latest)

    assert len(rows(middle, "cusum-table")) == len(rows(middle, "vlad-table")) == 50
    assert rows(middle, "cusum-table")[0].split()[0] == "51"
    assert "Previous page : Cases 1 to 50" in text(middle)
    assert "Next page : Cases 101 to 120" in text(middle)
    assert 'href="?page=1#cusum-cases"' in middle.content.decode()
    assert 'href="?page=3#vlad-cases"' in middle.content.decode()

    assert rows(first, "cusum-table")[0].split()[0] == "1"
    assert "Previous page" not in text(first)


@pytest.mark.parametrize("asked", ["0", "4", "two", "-1", "9" * 30])
def test_a_page_that_is_not_there_shows_the_latest_cases(client, lead, live, many_cases, asked):
    many_cases(60)
    client.force_login(lead)

    response = client.get(reverse("governance:monitoring", args=[live.pk]) + f"?page={asked}")

    assert response.status_code == 200
    assert "Cases 51 to 60 of 60" in text(response)


def test_the_csv_has_every_case_in_date_order_with_the_apis_figures(
    client, api_as, lead, live, many_cases
):
    cases = many_cases(120)
    client.force_login(lead)

    response = client.get(reverse("governance:monitoring_csv", args=[live.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"introduction-{live.pk}-monitoring.csv" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0] == ["number", "case", "performed_on", "failed", "s", "vlad"]
    assert [int(line[1]) for line in lines[1:]] == [case.pk for case in cases]
    assert [line[0] for line in lines[1:]] == [str(n) for n in range(1, 121)]
    api = api_as(lead).get(f"/api/v1/introductions/{live.pk}/monitoring/").json()
    assert [
        (p["performed_on"], str(p["failed"]).lower(), p["s"], v["value"])
        for p, v in zip(api["cusum"], api["vlad"], strict=True)
    ] == [(line[2], line[3], float(line[4]), float(line[5])) for line in lines[1:]]


def test_the_page_links_to_the_csv(client, lead, live, log_case):
    log_case()
    client.force_login(lead)

    body = client.get(reverse("governance:monitoring", args=[live.pk])).content.decode()

    assert f'href="{reverse("governance:monitoring_csv", args=[live.pk])}" download' in body


def test_without_a_monitoring_plan_there_is_no_csv(client, lead, live, log_case):
    log_case()
    live.cusum_h = None
    live.save()
    client.force_login(lead)

    assert client.get(reverse("governance:monitoring_csv", args=[live.pk])).status_code == 404
