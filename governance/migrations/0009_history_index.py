"""The history index (governance/audit/models.py), filled with the history written before it.

The fill reads the live registry of tracked models (governance/audit/index.py): it runs here
on the schema of this migration. Should a later migration change a column it reads, move the
fill after that migration.
"""

from django.db import migrations, models


def index_history(apps, schema_editor):
    from governance.audit.index import index_missing

    index_missing()


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0008_sign_in_events"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoryIndex",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField()),
                ("source", models.CharField(max_length=32)),
                ("row_id", models.BigIntegerField()),
                ("introduction_id", models.BigIntegerField(null=True)),
                ("organisation_id", models.BigIntegerField(null=True)),
                ("member_id", models.BigIntegerField(null=True)),
                ("actor_id", models.BigIntegerField(null=True)),
            ],
            options={
                "verbose_name": "history index entry",
                "verbose_name_plural": "history index",
                "indexes": [
                    models.Index(fields=["-at", "-id"], name="history_index_at"),
                    models.Index(
                        fields=["organisation_id", "-at", "-id"], name="history_index_organisation"
                    ),
                    models.Index(
                        fields=["introduction_id", "-at", "-id"], name="history_index_introduction"
                    ),
                    models.Index(
                        fields=["organisation_id", "source", "-at", "-id"],
                        name="history_index_org_source",
                    ),
                    models.Index(
                        fields=["introduction_id", "source", "-at", "-id"],
                        name="history_index_intro_source",
                    ),
                    models.Index(fields=["member_id", "-at", "-id"], name="history_index_member"),
                    models.Index(fields=["actor_id", "-at", "-id"], name="history_index_actor"),
                    models.Index(fields=["source", "-at", "-id"], name="history_index_source"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("source", "row_id"), name="history_index_row")
                ],
            },
        ),
        migrations.RunPython(index_history, migrations.RunPython.noop),
    ]
