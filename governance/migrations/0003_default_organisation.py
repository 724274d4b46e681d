"""Creates the default organisation, so that a one-trust deployment never has to think about
organisations: every user it has is added to this one (seed_demo does it for the demo users;
administrators add members in the admin). Rename it there to the trust's name and ODS code.
"""

from django.db import migrations

DEFAULT_ODS_CODE = "DEFAULT"


def create_default_organisation(apps, schema_editor):
    Organisation = apps.get_model("governance", "Organisation")
    HistoricalOrganisation = apps.get_model("governance", "HistoricalOrganisation")
    if Organisation.objects.exists():
        return
    organisation = Organisation.objects.create(
        name="Default organisation", ods_code=DEFAULT_ODS_CODE
    )
    # Historical models do not send signals in migrations: record the creation ourselves.
    from django.utils import timezone

    HistoricalOrganisation.objects.create(
        id=organisation.id,
        name=organisation.name,
        ods_code=organisation.ods_code,
        history_date=timezone.now(),
        history_type="+",
        history_change_reason="Created on install",
    )


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_initial")]

    operations = [
        migrations.RunPython(create_default_organisation, migrations.RunPython.noop),
    ]
