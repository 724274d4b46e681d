"""The monitoring page, its PNG downloads, and the signal on the introduction, review and home
pages."""

from __future__ import annotations

import html
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
