"""The home page dashboards: the clinician's introductions, the lead's review work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance import roles
from tests.factories import (
    ConditionFactory,
    IntroductionFactory,
    ReviewFactory,
    UserFactory,
    default_organisation,
)

pytestmark = pytest.mark.django_db


def section(html: str, title: str) -> str:
    """The HTML of the home page section with that heading."""
    return html.split(f">{title}</h2>")[1].split("</section>")[0]


def test_a_clinician_sees_their_introductions_and_what_each_needs_next(
    client, applicant, make_introduction
):
    draft = make_introduction("draft", title="Dynamic stabilisation")
    make_introduction("changes_requested", title="Interspinous spacer")
    make_introduction("submitted", title="Facet replacement")
    client.force_login(applicant)

    mine = section(client.get("/").text, "My introductions")

    assert "Next: Submit your application" in mine
    assert "Next: Respond to requested changes" in mine
    assert "Next: Waiting for a governance lead to start the review" in mine
    assert reverse("governance:introduction_edit", args=[draft.pk]) in mine
    assert mine.index("Interspinous spacer") < mine.index("Facet replacement")
    assert "Apply to introduce a procedure" in mine


def test_a_clinician_does_not_see_someone_elses_introductions(
    client, applicant, clinician, make_introduction
):
    make_introduction("draft", title="Someone else's", applicant=clinician)
    client.force_login(applicant)

    mine = section(client.get("/").text, "My introductions")

    assert "Someone else's" not in mine
    assert "You have not applied to introduce a procedure yet" in mine


def test_a_lead_sees_applications_awaiting_review_but_not_their_own(
    client, lead, make_introduction
):
    make_introduction("submitted", title="Submitted by a clinician")
    make_introduction("under_review", title="Being reviewed")
    make_introduction("draft", title="Still a draft")
    make_introduction("submitted", title="The lead's own", applicant=lead)
    client.force_login(lead)

    waiting = section(client.get("/").text, "Awaiting review")

    assert "Submitted by a clinician" in waiting
    assert "Next: Start the review" in waiting
    assert "Being reviewed" in waiting
    assert "Still a draft" not in waiting
    assert "The lead's own" not in waiting


def test_a_lead_sees_reviews_due_and_overdue_overdue_first(client, lead, make_introduction):
    today = timezone.localdate()
    due = make_introduction("approved", title="Due this week")
    overdue = make_introduction("approved", title="Long overdue")
    ReviewFactory(introduction=due, due_on=today, flagged_due_at=timezone.now())
    ReviewFactory(
        introduction=overdue,
        due_on=today - timedelta(days=60),
        flagged_due_at=timezone.now(),
        flagged_overdue_at=timezone.now(),
    )
    ReviewFactory(introduction=due, due_on=today + timedelta(days=90))
    client.force_login(lead)

    reviews = section(client.get("/").text, "Reviews due or overdue")

    assert reviews.index("Long overdue") < reviews.index("Due this week")
    assert ">Overdue</strong>" in reviews
    assert ">Due</strong>" in reviews
    assert reviews.count("<li>") == 2


def test_a_lead_sees_open_conditions_of_live_introductions(client, lead, make_introduction):
    live = make_introduction("approved", title="Approved with a condition")
    ConditionFactory(introduction=live, text="A mentor attends the first 5 cases")
    ConditionFactory(introduction=live, text="Already met", status="met")
    client.force_login(lead)

    conditions = section(client.get("/").text, "Open conditions")

    assert "A mentor attends the first 5 cases" in conditions
    assert "Already met" not in conditions
    assert reverse("governance:introduction_detail", args=[live.pk]) + "#conditions" in (conditions)


def test_nobody_sees_another_organisations_work_on_the_home_page(client, lead, other_org_lead):
    theirs = IntroductionFactory(
        title="Their application",
        status="submitted",
        organisation=other_org_lead.organisations.get(),
    )
    ConditionFactory(
        introduction=IntroductionFactory(status="approved", organisation=theirs.organisation)
    )
    ReviewFactory(introduction=theirs, flagged_due_at=timezone.now())
    client.force_login(lead)

    html = client.get("/").text

    assert "Their application" not in html
    assert "No condition of approval is open" in html
    assert "No review is due" in html


def make_rows(count: int, lead_applicant) -> None:
    """`count` of each thing the dashboards list, for a lead and a clinician to see."""
    for _ in range(count):
        IntroductionFactory(status="submitted", applicant=UserFactory())
        IntroductionFactory(status="draft", applicant=lead_applicant)
        live = IntroductionFactory(status="approved", applicant=UserFactory())
        ConditionFactory(introduction=live)
        ReviewFactory(introduction=live, flagged_due_at=timezone.now())


def test_the_home_pages_queries_do_not_grow_with_the_rows(client, django_assert_max_num_queries):
    # A clinician and lead at once: every section of the dashboards is on one page.
    user = UserFactory(username="both", roles=[roles.CLINICIAN, roles.LEAD])
    default_organisation().members.add(user)
    make_rows(1, user)
    client.force_login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as one_row:
        client.get("/")
    make_rows(9, user)

    with django_assert_max_num_queries(len(one_row)):
        html = client.get("/").text

    assert section(html, "My introductions").count("<li>") == 10
    assert section(html, "Awaiting review").count("<li>") == 10
    assert section(html, "Reviews due or overdue").count("<li>") == 10
    assert section(html, "Open conditions").count("<li>") == 10
