"""Demo data for `seed_demo`: idempotent, so a second run keeps what is there."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from governance import roles


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    superuser: bool = False


DEMO_USERS = (
    DemoUser("clinician", "Clare", "Morgan", roles.CLINICIAN),
    DemoUser("clinician2", "Tom", "Okafor", roles.CLINICIAN),
    DemoUser("lead", "Priya", "Shah", roles.LEAD),
    DemoUser("lead2", "Gareth", "Evans", roles.LEAD),
    DemoUser("admin", "Alex", "Byrne", roles.ADMIN, superuser=True),
)


def seed_users(password: str) -> dict[str, object]:
    """Create or update the demo users with their role; the password is reset each run."""
    User = get_user_model()
    users = {}
    for spec in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=spec.username)
        user.first_name = spec.first_name
        user.last_name = spec.last_name
        user.email = f"{spec.username}@example.nhs.uk"
        user.is_staff = spec.superuser
        user.is_superuser = spec.superuser
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=spec.role))
        users[spec.username] = user
    return users
