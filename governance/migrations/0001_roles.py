"""Creates the three role groups of SPEC.md section 2.

Administrators get Django's permissions on users and groups (they manage users in the admin);
everything else is decided per object by `rules` predicates, not by model permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("Clinician", "Governance lead", "Administrator")


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


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
