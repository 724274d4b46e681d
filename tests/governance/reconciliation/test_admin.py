"""Superusers read the runs and their findings in the Django admin, without the NHS numbers;
nobody changes them there, and nobody else reaches them there."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

from .conftest import OTHER_PATIENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(admin_user):
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    return admin_user


def test_a_superuser_reads_the_runs_and_findings_without_nhs_numbers(
    client, superuser, reconcile, extract
):
    run = reconcile(extract, "March.csv")
    finding = run.findings.get(finding="miscoded")
    client.force_login(superuser)

    listing = client.get("/admin/governance/reconciliation/")
    detail = client.get(f"/admin/governance/finding/{finding.pk}/change/")

    assert listing.status_code == 200
    assert b"March.csv" in listing.content
    assert detail.status_code == 200
    assert b"H2" in detail.content
    assert OTHER_PATIENT.encode() not in detail.content


def test_nobody_adds_changes_or_deletes_them_there(client, superuser, reconcile, extract):
    run = reconcile(extract)
    finding = run.findings.first()
    client.force_login(superuser)

    for model, pk in (("reconciliation", run.pk), ("finding", finding.pk)):
        assert client.get(f"/admin/governance/{model}/add/").status_code == 403
        assert client.post(f"/admin/governance/{model}/{pk}/change/", {}).status_code == 403
        assert client.post(f"/admin/governance/{model}/{pk}/delete/", {}).status_code == 403


def test_an_administrator_who_is_not_a_superuser_sees_none_there(
    client, reconcile, extract, other_organisation
):
    reconcile(extract, "March.csv")
    stranger = UserFactory(username="stranger", roles=["Administrator"], is_staff=True)
    other_organisation.members.add(stranger)
    client.force_login(stranger)

    for url in ("/admin/governance/reconciliation/", "/admin/governance/finding/"):
        response = client.get(url)
        assert response.status_code == 302
        assert b"March.csv" not in response.content
