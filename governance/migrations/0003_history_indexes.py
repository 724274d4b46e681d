"""Indexes for the audit history (governance/audit/queries.py): each historical table is read
newest first, per introduction, with keyset pagination on (history_date, history_id).
simple-history builds the historical models' Meta itself, so these live here as SQL (valid on
SQLite and PostgreSQL). A feature that adds a tracked model adds its index the same way.
"""

from django.db import migrations

# (table, column holding the introduction's id)
TABLES = [
    ("governance_historicalintroduction", "id"),
    ("governance_historicalintroductiondevice", "introduction_id"),
    ("governance_historicalcondition", "introduction_id"),
    ("governance_historicalreview", "introduction_id"),
    ("governance_historicalequalityassessment", "introduction_id"),
    ("governance_historicalsustainabilityassessment", "introduction_id"),
]


def _create(table: str, column: str) -> str:
    return (
        f"CREATE INDEX {table}_audit_idx ON {table} ({column}, history_date DESC, history_id DESC)"
    )


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_roles_and_default_organisation")]

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
