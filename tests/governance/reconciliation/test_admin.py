"""Administrators read the runs and their findings in the administration site, without the NHS
numbers, and only their own organisations'; nobody changes them there."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

from .conftest import OTHER_PATIENT

pytestmark = pytest.mark.django_db


def test_an_administrator_reads_the_runs_and_findings_without_nhs_numbers(
    client, admin_user, reconcile, extract
):
    run = reconcile(extract, "March.csv")
    finding = run.findings.get(finding="miscoded")
    client.force_login(admin_user)

    listing = client.get("/admin/governance/reconciliation/")
    detail = client.get(f"/admin/governance/finding/{finding.pk}/change/")

    assert listing.status_code == 200
    assert b"March.csv" in listing.content
    assert detail.status_code == 200
    assert b"H2" in detail.content
    assert OTHER_PATIENT.encode() not in detail.content


def test_nobody_adds_changes_or_deletes_them_there(client, admin_user, reconcile, extract):
    run = reconcile(extract)
    finding = run.findings.first()
    client.force_login(admin_user)

    for model, pk in (("reconciliation", run.pk), ("finding", finding.pk)):
        assert client.get(f"/admin/governance/{model}/add/").status_code == 403
        assert client.post(f"/admin/governance/{model}/{pk}/change/", {}).status_code == 403
        assert client.post(f"/admin/governance/{model}/{pk}/delete/", {}).status_code == 403


def test_another_organisations_administrator_sees_none(
    client, reconcile, extract, other_organisation
):
    reconcile(extract, "March.csv")
    stranger = UserFactory(username="stranger", roles=["Administrator"], is_staff=True)
    other_organisation.members.add(stranger)
    client.force_login(stranger)

    assert b"March.csv" not in client.get("/admin/governance/reconciliation/").content
    assert b"H2" not in client.get("/admin/governance/finding/").content
