from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from governance import roles
from governance.organisations.services import role_grant


class Command(BaseCommand):
    help = "Give a user one of the roles: " + ", ".join(f'"{r}"' for r in roles.ORDER) + "."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", help="Clinician, 'Governance lead' or Administrator")
        parser.add_argument(
            "--reason", default="", help="why, for the audit history (default: given by command)"
        )

    def handle(self, *args, username: str, role: str, reason: str, **options) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.", returncode=2) from None
        if role not in roles.ORDER:
            allowed = ", ".join(repr(r) for r in roles.ORDER)
            raise CommandError(f"Unknown role {role!r}: use one of {allowed}.", returncode=2)
        granted = role_grant(
            user=user, role=role, reason=reason or "Given with manage.py grant_role"
        )
        if granted is None:
            self.stdout.write(f"{username} already has the role {role}.")
        else:
            self.stdout.write(f"{username} now has the role {role}.")
