"""Data every installation starts with: the three role groups of SPEC.md section 2, and the
default organisation, so that a one-trust deployment never has to think about organisations
(while it is the only one, every new user joins it; rename it to the trust's name and ODS
code in the administration pages).

Administrators get Django's permissions on users and groups (they manage users in the admin);
everything else is decided per object by `rules` predicates, not by model permissions.
Both steps are idempotent: tests/conftest.py runs them again after a test flushes the tables.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

ROLES = ("Clinician", "Governance lead", "Administrator")
DEFAULT_ODS_CODE = "DEFAULT"


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure auth's exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    admin = Group.objects.get(name="Administrator")
    admin.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="auth", content_type__model__in=["user", "group"]
        )
    )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


def create_default_organisation(apps, schema_editor):
    Organisation = apps.get_model("governance", "Organisation")
    HistoricalOrganisation = apps.get_model("governance", "HistoricalOrganisation")
    if Organisation.objects.exists():
        return
    organisation = Organisation.objects.create(
        name="Default organisation", ods_code=DEFAULT_ODS_CODE
    )
    # Historical models do not send signals in migrations: record the creation ourselves.
    HistoricalOrganisation.objects.create(
        id=organisation.id,
        name=organisation.name,
        ods_code=organisation.ods_code,
        history_date=timezone.now(),
        history_type="+",
        history_change_reason="Created on install",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("governance", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(create_default_organisation, migrations.RunPython.noop),
    ]
