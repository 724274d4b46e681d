"""The introduction's approved operators: the list, and a lead adding one with the evidence."""

from __future__ import annotations

import pytest

from governance.cases.models import Operator

from .conftest import TODAY
from .pages import date_fields, url

pytestmark = pytest.mark.django_db


def test_a_lead_adds_an_operator_with_the_evidence_and_date(client, lead, applicant, live):
    client.force_login(lead)
    data = {"user": str(applicant.pk), "evidence": "Cadaver course; 5 cases mentored",
            **date_fields("approved_on", TODAY)}  # fmt: skip

    response = client.post(url("operator_list", live.pk), data, follow=True)

    operator = Operator.objects.get()
    assert (operator.user, operator.added_by, operator.approved_on) == (applicant, lead, TODAY)
    assert operator.history.get().history_change_reason == "Operator approved"
    assert "is now an approved operator" in response.text
    assert "Cadaver course; 5 cases mentored" in response.text


def test_the_form_offers_only_clinicians_not_yet_approved(client, lead, applicant, clinician, live):
    Operator.objects.create(
        introduction=live, user=applicant, evidence="x", approved_on=TODAY, added_by=lead
    )
    client.force_login(lead)

    form = client.get(url("operator_list", live.pk)).context["form"]

    offered = {value for value, _ in form.fields["user"].choices if value}
    assert str(applicant.pk) not in offered and str(clinician.pk) in offered


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"evidence": "   "}, "evidence", "Enter the training and competence evidence"),
        ({"evidence": "x" * 6000}, "evidence", "must be 5000 characters or fewer"),
        ({"user": ""}, "user", "Choose the clinician to approve"),
        (date_fields("approved_on", (1, 1, "0001")), "approved_on", "1990 or later"),
        (date_fields("approved_on", (31, 2, 2026)), "approved_on", "must be a real date"),
    ],
)
def test_operator_errors_name_their_field(client, lead, applicant, live, fields, field, message):
    client.force_login(lead)
    data = {"user": str(applicant.pk), "evidence": "Course", **date_fields("approved_on", TODAY)}
    data.update(fields)

    response = client.post(url("operator_list", live.pk), data)

    assert message in " ".join(response.context["form"].errors[field])
    assert not Operator.objects.exists()


def test_a_clinician_sees_the_operators_but_may_not_add_one(client, applicant, clinician, live):
    client.force_login(applicant)

    page = client.get(url("operator_list", live.pk))
    refused = client.post(
        url("operator_list", live.pk),
        {"user": str(clinician.pk), "evidence": "x", **date_fields("approved_on", TODAY)},
    )

    assert page.status_code == 200 and 'data-testid="operator-form"' not in page.text
    assert refused.status_code == 403
    assert "Only a governance lead may approve the operators" in refused.text
    assert not Operator.objects.exists()


def test_approved_operators_come_first_on_the_quick_form(client, lead, applicant, clinician, live):
    Operator.objects.create(
        introduction=live, user=clinician, evidence="x", approved_on=TODAY, added_by=lead
    )
    client.force_login(applicant)

    choices = client.get(url("case_new", live.pk)).context["form"].fields["operator"].choices

    assert choices[0] == ("Approved operators", [(str(clinician.pk), clinician.get_full_name())])
    assert choices[1][0] == "Not approved for this procedure"
