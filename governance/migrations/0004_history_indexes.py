"""Indexes for the audit history (governance/audit.py): each table is read newest first,
per introduction, with keyset pagination on (history_date, history_id). simple-history builds
the historical models' Meta itself, so these live here as SQL (valid on SQLite and PostgreSQL).
"""

from django.db import migrations

# (table, column holding the introduction's id)
TABLES = [
    ("governance_historicalintroduction", "id"),
    ("governance_historicalintroductiondevice", "introduction_id"),
    ("governance_historicalcondition", "introduction_id"),
    ("governance_historicalreview", "introduction_id"),
]


def _create(table: str, column: str) -> str:
    return (
        f"CREATE INDEX {table}_audit_idx ON {table} ({column}, history_date DESC, history_id DESC)"
    )


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_default_organisation")]

    operations = [
        migrations.RunSQL(_create(table, column), f"DROP INDEX {table}_audit_idx")
        for table, column in TABLES
    ] + [
        migrations.RunSQL(
            "CREATE INDEX governance_historical_date_id_idx ON governance_historicalintroduction"
            " (history_date DESC, history_id DESC)",
            "DROP INDEX governance_historical_date_id_idx",
        )
    ]
