"""The reconciliation in the rest of the product: the audit history shows who uploaded which
extract and what it found, and each finding explained (not the findings' creation, the run's);
the lead's home page links to the latest runs; the header links to the page."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from governance.audit import queries as audit
from governance.reconciliation import services

pytestmark = pytest.mark.django_db


def entries(viewer, **filters) -> list[audit.Entry]:
    return audit.history_page(
        viewer=viewer, filters=audit.HistoryFilter(**filters), limit=100
    ).entries


def test_the_audit_history_shows_the_upload_the_run_and_the_explanation(reconcile, extract, lead):
    run = reconcile(extract)
    finding = run.findings.get(finding="outside_governance")
    services.finding_explain(finding=finding, note="Private patient, logged elsewhere", actor=lead)

    mine = [e for e in entries(lead) if e.model in ("reconciliation", "finding")]

    assert [(e.model, e.type_label, e.reason.split(":")[0]) for e in mine] == [
        ("finding", "Finding explained", "Private patient, logged elsewhere"),
        ("reconciliation", "Changed", "Reconciliation done"),
        ("reconciliation", "Changed", "Reconciliation started"),
        ("reconciliation", "Created", "Extract of coded episodes uploaded"),
    ]
    explained = mine[0]
    assert explained.user == "lead"
    assert explained.object_id == finding.pk
    assert explained.reason == "Private patient, logged elsewhere"
    assert {c.field: c.new for c in explained.changes}["explanation"] == (
        "Private patient, logged elsewhere"
    )
    done = {c.field: c.new_display for c in mine[1].changes}
    assert done["status"] == "Done"
    assert done["file"] == ""  # the extract was deleted


def test_the_record_types_can_be_filtered(reconcile, extract, lead):
    run = reconcile(extract)
    services.finding_explain(finding=run.findings.first(), note="Seen", actor=lead)

    assert {e.model for e in entries(lead, model="finding")} == {"finding"}
    assert len(entries(lead, model="reconciliation")) == 3


def test_another_organisations_runs_are_not_in_its_history(
    reconcile, extract, lead, other_org_lead
):
    run = reconcile(extract)
    services.finding_explain(finding=run.findings.first(), note="Seen", actor=lead)

    assert not [e for e in entries(other_org_lead) if e.model in ("reconciliation", "finding")]


def test_runs_belong_to_no_introduction_nor_member(reconcile, extract, lead, live):
    reconcile(extract)

    assert not [e for e in entries(lead, introduction=live.pk) if e.model == "reconciliation"]
    assert not [e for e in entries(lead, member="lead") if e.model == "reconciliation"]


def test_the_audit_page_shows_the_explanation(client, reconcile, extract, lead):
    run = reconcile(extract)
    services.finding_explain(
        finding=run.findings.first(), note="Logged at the Nuffield", actor=lead
    )
    client.force_login(lead)

    page = html.unescape(client.get(reverse("governance:audit_history")).content.decode())

    assert "Finding explained: Logged at the Nuffield" in " ".join(
        re.sub(r"<[^>]+>", "", page).split()
    )
    assert "Finding explained: Finding explained" not in page


# --- the home page and the header ------------------------------------------------------------


def section(page: str, title: str) -> str:
    return page.split(f">{title}</h2>")[1].split("</section>")[0]


def test_the_lead_home_page_links_to_the_latest_runs_and_what_is_left(
    client, reconcile, extract, lead
):
    run = reconcile(extract, "March.csv")
    services.finding_explain(finding=run.findings.first(), note="Seen", actor=lead)
    client.force_login(lead)

    home = section(
        html.unescape(client.get("/").content.decode()), "Reconciliation of coded episodes"
    )

    assert reverse("governance:reconciliation_detail", args=[run.pk]) in home
    assert "March.csv" in home
    assert "4 findings, 1 outside governance" in home
    assert "3 to explain" in home
    assert reverse("governance:reconciliation_list") in home


def test_the_lead_home_page_says_what_will_appear(client, lead):
    client.force_login(lead)

    home = section(
        html.unescape(client.get("/").content.decode()), "Reconciliation of coded episodes"
    )

    assert "No extract of coded episodes has been reconciled yet" in home
    assert "Reconcile coded episodes" in home


@pytest.mark.parametrize(
    ("persona", "shown"), [("lead", True), ("admin_user", True), ("applicant", False)]
)
def test_the_header_links_to_the_reconciliations_for_leads_and_administrators(
    client, request, persona, shown
):
    client.force_login(request.getfixturevalue(persona))

    navigation = client.get("/").context["navigation"]

    assert ("Reconciliation" in [item["label"] for item in navigation]) is shown
