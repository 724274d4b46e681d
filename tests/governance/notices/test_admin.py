"""Superusers read the outbox in the Django admin; nobody changes it there."""

from __future__ import annotations

import pytest

from governance.notices.models import Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(make_pending):
    notice = make_pending(subject="Review due: lumbar stabilisation")
    Notice.objects.filter(pk=notice.pk).update(
        status=Notice.Status.FAILED, attempts=1, last_error="SMTPRecipientsRefused: 550"
    )
    return notice


@pytest.fixture
def superuser(admin_user):
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    return admin_user


def test_a_superuser_reads_the_outbox_and_why_a_notice_failed(client, superuser, failed):
    client.force_login(superuser)

    listing = client.get("/admin/governance/notice/")
    detail = client.get(f"/admin/governance/notice/{failed.pk}/change/")

    assert listing.status_code == 200
    assert b"Review due: lumbar stabilisation" in listing.content
    assert detail.status_code == 200
    assert b"SMTPRecipientsRefused: 550" in detail.content


def test_nobody_adds_changes_or_deletes_a_notice_in_the_administration_site(
    client, superuser, failed
):
    client.force_login(superuser)

    assert client.get("/admin/governance/notice/add/").status_code == 403
    assert client.post(f"/admin/governance/notice/{failed.pk}/change/", {}).status_code == 403
    assert client.post(f"/admin/governance/notice/{failed.pk}/delete/", {}).status_code == 403
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_a_governance_lead_does_not_see_the_outbox(client, lead, failed):
    lead.is_staff = True
    lead.save()
    client.force_login(lead)

    assert client.get("/admin/governance/notice/").status_code == 302  # to the admin's sign-in
