from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from governance import roles


class Command(BaseCommand):
    help = "Give a user one of the roles: " + ", ".join(f'"{r}"' for r in roles.ORDER) + "."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", help="Clinician, 'Governance lead' or Administrator")

    def handle(self, *args, username: str, role: str, **options) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.", returncode=2) from None
        if role not in roles.ORDER:
            allowed = ", ".join(repr(r) for r in roles.ORDER)
            raise CommandError(f"Unknown role {role!r}: use one of {allowed}.", returncode=2)
        user.groups.add(Group.objects.get(name=role))
        self.stdout.write(f"{username} now has the role {role}.")
