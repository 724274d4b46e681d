from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from governance import roles

pytestmark = pytest.mark.django_db


def test_the_role_groups_exist_after_migrating():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Clinician",
        "Governance lead",
        "Administrator",
    }


def test_seed_demo_creates_the_demo_users_with_their_roles_and_says_the_password(capsys):
    call_command("seed_demo", "--password", "s3cret-demo")
    out = capsys.readouterr().out
    assert "--password" in out
    User = get_user_model()
    expected = {
        "clinician": roles.CLINICIAN,
        "clinician2": roles.CLINICIAN,
        "lead": roles.LEAD,
        "lead2": roles.LEAD,
        "admin": roles.ADMIN,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password("s3cret-demo")
        assert roles.roles_of(user) == [role]
    assert User.objects.get(username="admin").is_superuser


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert get_user_model().objects.filter(username__in=["clinician", "lead"]).count() == 2


def test_seed_demo_takes_the_password_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "from-env-123")
    call_command("seed_demo")
    assert "DEMO_PASSWORD" in capsys.readouterr().out
    assert get_user_model().objects.get(username="lead").check_password("from-env-123")


def test_grant_role_adds_the_role(applicant):
    call_command("grant_role", "applicant", "Governance lead")
    applicant = get_user_model().objects.get(pk=applicant.pk)
    assert roles.roles_of(applicant) == [roles.CLINICIAN, roles.LEAD]


@pytest.mark.parametrize(
    ("username", "role", "message"),
    [("nobody", "Clinician", "No user named 'nobody'"), ("applicant", "Surgeon", "Unknown role")],
)
def test_grant_role_exits_2_for_an_unknown_user_or_role(applicant, username, role, message):
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("grant_role", username, role)
    assert excinfo.value.returncode == 2
