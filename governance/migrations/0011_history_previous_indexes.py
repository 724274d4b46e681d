"""The history tables' indexes for the history index (0009): each entry's previous version is
read by (id, history_id), one index probe an entry; the per-table paging indexes of 0003-0006
are dropped, since a page is now found on the history index and no longer on each table.
SQL, as 0003: simple-history builds the historical models' Meta itself.
"""

from django.db import migrations

TRACKED = [
    "introduction",
    "introductiondevice",
    "condition",
    "review",
    "equalityassessment",
    "sustainabilityassessment",
    "operator",
    "case",
    "outcome",
    "adverseevent",
    "membership",
    "reconciliation",
    "finding",
]

# The paging indexes replaced: (table, leading column), as 0003-0006 created them.
PAGING = [
    ("governance_historicalintroduction", "id"),
    ("governance_historicalintroductiondevice", "introduction_id"),
    ("governance_historicalcondition", "introduction_id"),
    ("governance_historicalreview", "introduction_id"),
    ("governance_historicalequalityassessment", "introduction_id"),
    ("governance_historicalsustainabilityassessment", "introduction_id"),
    ("governance_historicalcase", "introduction_id"),
    ("governance_historicaloutcome", "introduction_id"),
    ("governance_historicaloperator", "introduction_id"),
    ("governance_historicalmembership", "organisation_id"),
    ("governance_historicaladverseevent", "introduction_id"),
    ("governance_historicalreconciliation", "organisation_id"),
    ("governance_historicalfinding", "reconciliation_id"),
]


def _paging(table: str, column: str) -> str:
    return (
        f"CREATE INDEX {table}_audit_idx ON {table} ({column}, history_date DESC, history_id DESC)"
    )


class Migration(migrations.Migration):
    dependencies = [("governance", "0010_monitoring_stamp")]

    operations = [
        *(
            migrations.RunSQL(
                f"CREATE INDEX governance_historical{name}_previous_idx"
                f" ON governance_historical{name} (id, history_id)",
                f"DROP INDEX governance_historical{name}_previous_idx",
            )
            for name in TRACKED
        ),
        *(
            migrations.RunSQL(f"DROP INDEX {table}_audit_idx", _paging(table, column))
            for table, column in PAGING
        ),
        migrations.RunSQL(
            "DROP INDEX governance_historical_date_id_idx",
            "CREATE INDEX governance_historical_date_id_idx ON governance_historicalintroduction"
            " (history_date DESC, history_id DESC)",
        ),
    ]
