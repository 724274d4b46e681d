"""Seeds the partial catalogue (the codes NICE pages cite, coding/data/opcs4_nice_codes.tsv),
a partial catalogue release recording that load, the IPG366 rule set (version 1), and the
Administrator role's permissions on the catalogue and rule sets (they manage them in the admin).

The rule set is written out literally, not imported from coding.engine: a migration must give
the same rows however the engine changes later. tests/coding/test_migrations.py checks it still
equals `engine.ipg366_ruleset().to_dict()`.
"""

import csv
from pathlib import Path

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

SHIPPED_TSV = Path(__file__).resolve().parent.parent / "data" / "opcs4_nice_codes.tsv"
RELEASE_NAME = "Codes cited by NICE pages (shipped with the app)"
SEED_REASON = "Seeded on install"

IPG366 = {
    "name": "IPG366",
    "version": 1,
    "procedure_codes": ["V40.1"],
    "spinal_categories": [f"V{n:02d}" for n in [*range(22, 55), *range(56, 69)]],
    "levels_category": "V55",
    "levels_unspecified": "V55.9",
    "levels_map": {"1": "V55.1"},
    "approach_category": "Y53",
    "approach_unspecified": "Y53.9",
    "approach_map": {"fluoroscopy": "Y53.4", "ultrasound": "Y53.2"},
    "site_chapter": "Z",
    "site_excluded_categories": ["Z94"],
}

ADMINISTRATOR_PERMISSIONS = {
    "code": ("add", "change", "delete", "view"),
    "ruleset": ("change", "view"),
    "cataloguerelease": ("view",),
    "codingresult": ("view",),
}


def shipped_rows():
    with SHIPPED_TSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            code = (row.get("code") or "").strip().upper()
            title = (row.get("title") or "").strip()
            if code and title:
                yield code, title, (row.get("source") or "").strip()


def history(instance, historical_model, fields, now):
    return historical_model(
        history_date=now,
        history_type="+",
        history_change_reason=SEED_REASON,
        **{name: getattr(instance, name) for name in fields},
    )


def seed(apps, schema_editor):
    Code = apps.get_model("coding", "Code")
    HistoricalCode = apps.get_model("coding", "HistoricalCode")
    CatalogueRelease = apps.get_model("coding", "CatalogueRelease")
    RuleSet = apps.get_model("coding", "RuleSet")
    HistoricalRuleSet = apps.get_model("coding", "HistoricalRuleSet")
    now = timezone.now()

    count = added = 0
    for code, title, source in shipped_rows():
        count += 1
        instance, created = Code.objects.get_or_create(
            code=code, defaults={"title": title, "source": source}
        )
        if created:
            added += 1
            history(instance, HistoricalCode, ("id", "code", "title", "source"), now).save()
    if not CatalogueRelease.objects.exists():
        CatalogueRelease.objects.create(
            name=RELEASE_NAME, full=False, code_count=count, added=added
        )

    ruleset, created = RuleSet.objects.get_or_create(
        name=IPG366["name"], defaults={"version": IPG366["version"], "definition": IPG366}
    )
    if created:
        history(
            ruleset, HistoricalRuleSet, ("id", "name", "version", "definition", "updated_at"), now
        ).save()


def grant_administrator(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure coding's exist now.
    app_config = apps.get_app_config("coding")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administrator, _ = Group.objects.get_or_create(name="Administrator")
    for model, actions in ADMINISTRATOR_PERMISSIONS.items():
        administrator.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="coding",
                codename__in=[f"{action}_{model}" for action in actions],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("coding", "0002_coding_result"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(grant_administrator, migrations.RunPython.noop),
    ]
