"""GET /api/v1/introductions/{id}/history/, /api/v1/history/ and their CSV exports."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.introductions import services
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def _url(introduction, suffix="") -> str:
    return f"/api/v1/introductions/{introduction.pk}/history/{suffix}"


def _busy_introduction(applicant, edits: int):
    from tests.factories import IntroductionFactory

    introduction = IntroductionFactory(applicant=applicant)
    for n in range(edits):
        services.introduction_update(
            introduction=introduction, actor=applicant, title=f"Title {n}", reason=f"Edit {n}"
        )
        if n % 5 == 0:
            services.introduction_update(
                introduction=introduction, actor=applicant, devices=[DeviceFactory()]
            )
    return introduction


def test_the_history_of_an_introduction_in_the_spec_shape(
    api_as, lead, make_introduction, applicant
):
    introduction = make_introduction()
    services.introduction_update(
        introduction=introduction, actor=applicant, department="Neurosurgery", reason="Moved"
    )

    response = api_as(lead).get(_url(introduction))

    assert response.status_code == 200
    body = response.json()
    assert "Link" not in response
    latest = body[0]
    assert {k: latest[k] for k in ("user", "model", "object_id", "type", "reason")} == {
        "user": "applicant",
        "model": "introduction",
        "object_id": introduction.pk,
        "type": "~",
        "reason": "Moved",
    }
    assert latest["at"]
    assert latest["changes"] == [
        {
            "field": "department",
            "label": "Department",
            "old": "Spinal surgery",
            "new": "Neurosurgery",
            "old_display": "Spinal surgery",
            "new_display": "Neurosurgery",
        }
    ]


@pytest.mark.parametrize(
    ("persona", "code"), [("applicant", 403), ("clinician", 403), ("admin_user", 200)]
)
def test_history_is_for_leads_and_administrators(request, api_as, make_introduction, persona, code):
    introduction = make_introduction()

    client = api_as(request.getfixturevalue(persona))

    assert client.get(_url(introduction)).status_code == code
    assert client.get(_url(introduction, "export/")).status_code == code
    assert client.get("/api/v1/history/").status_code == code


def test_filters_and_their_errors(api_as, lead, make_introduction, applicant):
    introduction = make_introduction()
    services.introduction_transition(introduction=introduction, action="submit", actor=applicant)
    client = api_as(lead)

    by_user = client.get(_url(introduction), {"user": "applicant", "model": "introduction"})
    assert {e["user"] for e in by_user.json()} == {"applicant"}
    assert client.get(_url(introduction), {"model": "review"}).json() == []
    assert client.get(_url(introduction), {"since": "2999-01-01"}).json() == []
    for params in ({"since": "tomorrow"}, {"model": "x"}, {"limit": "0"}, {"cursor": "%%"}):
        response = client.get(_url(introduction), params)
        assert response.status_code == 400, params
        assert set(response.json()) <= {"since", "model", "limit", "cursor"}


def test_following_the_next_link_walks_every_entry_once(api_as, lead, applicant):
    introduction = _busy_introduction(applicant, edits=7)
    client = api_as(lead)

    seen, url = [], _url(introduction) + "?limit=4"
    while url:
        response = client.get(url)
        seen.extend((e["model"], e["object_id"], e["at"]) for e in response.json())
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
        assert link is None or link.endswith('; rel="next"')

    # created, 7 edits, and device links: one added, then removed and another added
    assert len(seen) == len(set(seen)) == 1 + 7 + 3


def test_the_organisation_wide_history_can_be_narrowed_to_one_introduction(
    api_as, lead, make_introduction
):
    one, other = make_introduction(), make_introduction()

    everything = api_as(lead).get("/api/v1/history/").json()
    narrowed = api_as(lead).get("/api/v1/history/", {"introduction": one.pk}).json()

    # and the personas joining the organisation: no introduction's
    assert {e["introduction"] for e in everything} == {one.pk, other.pk, None}
    assert {e["introduction"] for e in narrowed} == {one.pk}


def test_the_csv_export_streams_a_download(api_as, lead, make_introduction):
    introduction = make_introduction()

    response = api_as(lead).get(_url(introduction, "export/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert (
        lines[0] == "at,user,model,object_id,introduction_id,introduction,type,reason,field,old,new"
    )
    assert any(",title," in line for line in lines[1:])


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_a_history_page_costs_the_same_queries_for_few_or_many_changes(
    api_as, lead, applicant, django_assert_max_num_queries
):
    client = api_as(lead)
    small = _busy_introduction(applicant, edits=2)
    large = _busy_introduction(applicant, edits=60)
    few = _queries(client, _url(small))

    with django_assert_max_num_queries(few):
        response = client.get(_url(large))
    assert len(response.json()) == 50
    with django_assert_max_num_queries(few):
        client.get("/api/v1/history/?limit=200")
    # One query a tracked record type (audit.TRACKED) plus the request's own: a bound that
    # grows with the kinds of record, never with the rows.
    from governance.audit.queries import TRACKED

    assert few <= 12 + len(TRACKED)
