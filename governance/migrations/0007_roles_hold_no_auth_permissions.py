"""The role groups hold no Django permission on users, groups or permissions (issue 14,
finding 1).

Migration 0002 gave the Administrator group Django's permissions on users and groups, for a
Django admin that administrators no longer use: those permissions are unscoped (any user of
any organisation, staff and superuser flags, passwords) and would open the admin's user pages
to whoever holds them. Administrators now manage people in the administration pages, where
every action asks the organisation-scoped `rules` permissions (organisations/permissions.py);
the Django admin is for superusers only (governance/admin.py). Idempotent, so that
tests/conftest.py can run it again after 0002 when a test flushes the tables.
"""

from django.db import migrations

ROLES = ("Clinician", "Governance lead", "Administrator")


def remove_auth_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    auth = Permission.objects.filter(content_type__app_label="auth")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*auth)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("governance", "0006_reconciliation"),
    ]

    # Not reversed: giving the unscoped permissions back is the hole this closes.
    operations = [migrations.RunPython(remove_auth_permissions, migrations.RunPython.noop)]
