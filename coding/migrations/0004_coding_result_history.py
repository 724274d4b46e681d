"""History of stored codings (a case's coding can turn invalid when the rules change), and one
baseline row for every coding stored before its history began, so that the first change after
this migration reads as a before and after."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

BASELINE_REASON = "Stored before its history was kept"
FIELDS = (
    "id",
    "ruleset_id",
    "ruleset_version",
    "catalogue_release_id",
    "codes",
    "approach",
    "image_guidance",
    "levels",
    "result",
    "valid",
    "validated_at",
)
BATCH = 1000


def record_existing_codings(apps, schema_editor):
    # Idempotent (tests/conftest.py runs data migrations again): codings with history are left.
    CodingResult = apps.get_model("coding", "CodingResult")
    Historical = apps.get_model("coding", "HistoricalCodingResult")
    pending = CodingResult.objects.exclude(pk__in=Historical.objects.values("id")).order_by("pk")
    rows = []
    for coding in pending.iterator(chunk_size=BATCH):
        rows.append(
            Historical(
                history_date=coding.validated_at,  # the state it has had since then
                history_type="+",
                history_change_reason=BASELINE_REASON,
                **{name: getattr(coding, name) for name in FIELDS},
            )
        )
        if len(rows) == BATCH:
            Historical.objects.bulk_create(rows)
            rows = []
    Historical.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0003_seed_catalogue_and_ipg366"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalCodingResult",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("ruleset_version", models.PositiveIntegerField()),
                ("codes", models.JSONField(default=list, help_text="the codes as given, in order")),
                (
                    "approach",
                    models.CharField(
                        blank=True,
                        choices=[("open", "Open"), ("percutaneous", "Percutaneous")],
                        max_length=16,
                    ),
                ),
                (
                    "image_guidance",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("none", "None"),
                            ("fluoroscopy", "Fluoroscopy"),
                            ("ultrasound", "Ultrasound"),
                            ("ct", "CT"),
                            ("mri", "MRI"),
                            ("unspecified", "Image guided, method not recorded"),
                        ],
                        max_length=16,
                    ),
                ),
                ("levels", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("result", models.JSONField(help_text="the SPEC result object")),
                ("valid", models.BooleanField()),
                ("validated_at", models.DateTimeField()),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "catalogue_release",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="coding.cataloguerelease",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "ruleset",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="coding.ruleset",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical coding result",
                "verbose_name_plural": "historical coding results",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(record_existing_codings, migrations.RunPython.noop),
    ]
