"""Writing the history index (audit/models.py): one `INSERT ... SELECT` a record type, from the
entry's own row, so that the index says exactly what the row says.

    index_row(source, row_id)   # one entry, in the transaction that wrote it (receivers.py)
    index_missing()             # every entry not yet indexed: after a bulk load, a migration

Both read the same SELECT (`_select`), so an entry written one at a time and one written in
bulk are indexed alike: its date, who made it, its introduction, the organisation it belongs
to (the introduction's, for an introduction's records) and, for a record of people, whose
account it concerns.
"""

from __future__ import annotations

from django.db import connection, models

from governance.audit.models import HistoryIndex
from governance.audit.queries import TRACKED, Source, Tracked
from governance.introductions.models import Introduction

COLUMNS = ("at", "source", "row_id", "introduction_id", "organisation_id", "member_id", "actor_id")


def _column(model: type[models.Model], attname: str) -> str:
    """The database column of a field named by its attname (`introduction_id`); a relation
    followed one step (`reconciliation__organisation_id`) is joined by `_select`."""
    return next(f.column for f in model._meta.concrete_fields if f.attname == attname)


def _select(source: Source) -> tuple[str, list]:
    """SELECT of the index columns from `source`'s rows (aliased h), and its parameters.
    The caller adds the condition on which rows."""
    q = connection.ops.quote_name
    joins, params = "", [source.name]
    if isinstance(source, Tracked):
        model = source.history_model
        table, types = model._meta.db_table, list(source.types)
        row, at, actor = "h.history_id", "h.history_date", "h.history_user_id"
        introduction = organisation = member = "NULL"
        if source.introduction_field is not None:
            introduction = f"h.{q(_column(model, source.introduction_field))}"
            if source.model is Introduction:
                organisation = f"h.{q(_column(model, 'organisation_id'))}"
            else:
                joins = (
                    f" LEFT JOIN {q(Introduction._meta.db_table)} i ON i.{q('id')} = {introduction}"
                )
                organisation = f"i.{q(_column(Introduction, 'organisation_id'))}"
        elif "__" in source.organisation_field:  # one relation away: a finding's run
            relation, attname = source.organisation_field.split("__")
            related = source.model._meta.get_field(relation).related_model
            joins = (
                f" LEFT JOIN {q(related._meta.db_table)} o"
                f" ON o.{q(related._meta.pk.column)} = h.{q(_column(model, relation + '_id'))}"
            )
            organisation = f"o.{q(_column(related, attname))}"
        else:
            organisation = f"h.{q(_column(model, source.organisation_field))}"
        if source.member_field is not None:
            member = f"h.{q(_column(model, source.member_field))}"
        where = f"h.{q('history_type')} IN ({', '.join(['%s'] * len(types))})"
        params += types
    else:  # an append-only record of people (role grants, sign-in events)
        model = source.model
        table = model._meta.db_table
        row, at = f"h.{q('id')}", f"h.{q(source.date_field)}"
        actor = f"h.{q(_column(model, source.actor_field))}"
        introduction = organisation = "NULL"
        member = f"h.{q(_column(model, 'user_id'))}"
        where = "1 = 1"
    sql = (
        f"SELECT {at}, %s, {row}, {introduction}, {organisation}, {member}, {actor}"
        f" FROM {q(table)} h{joins} WHERE {where}"
    )
    return sql, params


def _insert(select: str, params: list) -> int:
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {q(HistoryIndex._meta.db_table)} ({columns}) {select}", params)
        return cursor.rowcount


def index_row(source: Source, row_id: int) -> None:
    """Index one entry of `source` (its history_id, or its id): a no-op for a type of entry
    the history does not show (a finding's creation)."""
    select, params = _select(source)
    _insert(f"{select} AND {_row_column(source)} = %s", [*params, row_id])


def _row_column(source: Source) -> str:
    return "h." + connection.ops.quote_name("history_id" if isinstance(source, Tracked) else "id")


def index_missing() -> int:
    """Index every entry not yet in the index, oldest first; returns how many. For rows
    written in bulk (which send no signal) and for the history written before the index."""
    q = connection.ops.quote_name
    index = q(HistoryIndex._meta.db_table)
    added = 0
    for source in TRACKED.values():
        select, params = _select(source)
        row, date = _row_column(source), f"h.{q(source.date_field)}"
        missing = (
            f" AND NOT EXISTS (SELECT 1 FROM {index} x"
            f" WHERE x.{q('source')} = %s AND x.{q('row_id')} = {row})"
        )
        added += _insert(f"{select}{missing} ORDER BY {date}, {row}", [*params, source.name])
    return added
