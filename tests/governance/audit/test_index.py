"""The history index (governance/audit/models.py, index.py): every entry the history shows is
indexed as it is written, in its transaction; rows written in bulk are indexed by
`index_history`; and a page is found by keyset queries on the index alone (one for an
introduction; two for an organisation: its records, its people's), whatever the tracked
models."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from governance.accounts.models import SignInEvent
from governance.audit import queries as audit
from governance.audit.index import index_missing
from governance.audit.models import HistoryIndex
from governance.cases import services as cases
from governance.cases.models import Case
from governance.organisations import services as organisations
from governance.organisations.models import RoleGrant

pytestmark = pytest.mark.django_db

INDEX_TABLE = HistoryIndex._meta.db_table


def _shown_rows() -> set[tuple[str, int]]:
    """What the history shows, read from each record type's own table: the oracle the index
    must agree with."""
    shown = set()
    for source in audit.TRACKED.values():
        if isinstance(source, audit.Tracked):
            rows = source.history_model.objects.filter(history_type__in=list(source.types))
            shown |= {(source.name, pk) for pk in rows.values_list("history_id", flat=True)}
        else:
            shown |= {(source.name, pk) for pk in source.model.objects.values_list("pk", flat=True)}
    return shown


def _indexed() -> set[tuple[str, int]]:
    return set(HistoryIndex.objects.values_list("source", "row_id"))


@pytest.fixture
def busy(live, log_case, record, lead, applicant, organisation, django_user_model):
    """Changes of most kinds: a case logged and corrected, an event, a member added and a
    role given, a sign-in."""
    case = log_case()
    cases.case_update(case=case, actor=applicant, reason="Wrong level", levels=2)
    record()
    newcomer = django_user_model.objects.create_user("newcomer", password="x" * 20)
    organisations.organisation_add_member(organisation=organisation, user=newcomer, actor=None)
    organisations.role_grant(user=newcomer, role="Clinician", reason="Joined the unit")
    SignInEvent.objects.create(outcome=SignInEvent.Outcome.SIGNED_IN, username="newcomer")
    return case


def test_every_entry_the_history_shows_is_indexed_as_it_is_written(busy, live, organisation):
    assert _indexed() == _shown_rows()
    kinds = dict(HistoryIndex.objects.values_list("source", "organisation_id").distinct())
    assert kinds["case"] == kinds["adverseevent"] == kinds["membership"] == organisation.pk
    assert kinds["rolegrant"] is None  # a record of people: by whose account it concerns
    grant = RoleGrant.objects.get(user__username="newcomer")
    assert HistoryIndex.objects.get(source="rolegrant").member_id == grant.user_id
    assert set(
        HistoryIndex.objects.filter(source="case").values_list("introduction_id", flat=True)
    ) == {live.pk}


def test_an_entry_rolled_back_leaves_no_index_row(busy, applicant):
    before = HistoryIndex.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        cases.case_update(case=busy, actor=applicant, reason="Typo", levels=3)
        assert HistoryIndex.objects.count() == before + 1  # written in the same transaction
        raise RuntimeError("the request failed after the change")
    assert HistoryIndex.objects.count() == before


def test_rows_written_in_bulk_are_indexed_by_the_command_once(busy, live, lead):
    Case.history.bulk_history_create([busy], update=True)  # no signal, as seed_load's inserts
    bulk = Case.history.latest("history_id").history_id
    of_live = audit.HistoryFilter(introduction=live.pk)

    def newest() -> tuple[str, int]:
        entry = audit.history_page(viewer=lead, filters=of_live).entries[0]
        return entry.model, entry.history_id

    assert newest() != ("case", bulk)
    out = io.StringIO()
    call_command("index_history", stdout=out)

    assert out.getvalue().strip() == "Indexed 1 audit entries."
    assert newest() == ("case", bulk)
    assert index_missing() == 0
    assert _indexed() == _shown_rows()


def _queries(viewer, **filters) -> list[str]:
    viewer = type(viewer).objects.get(pk=viewer.pk)  # as a new request: nothing read yet
    with CaptureQueriesContext(connection) as captured:
        audit.history_page(viewer=viewer, filters=audit.HistoryFilter(**filters), limit=50)
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize(
    ("filters", "parts"),
    [
        ({"introduction": True}, 1),  # the introduction's records
        ({"introduction": True, "model": "case"}, 1),
        ({"model": "case"}, 1),  # the organisation's records of that type
        ({"model": "rolegrant"}, 1),  # its people's role grants
        ({}, 2),  # both
        ({"user": "applicant"}, 2),
    ],
)
def test_a_page_is_a_keyset_query_on_the_index_and_point_reads_of_its_rows(
    busy, lead, live, filters, parts
):
    if filters.get("introduction"):
        filters["introduction"] = live.pk
    sql = _queries(lead, **filters)
    paged = [q for q in sql if q.endswith("LIMIT 51")]  # a page and one more, to know
    assert len(paged) == parts and all(INDEX_TABLE in q for q in paged), paged
    assert len([q for q in sql if INDEX_TABLE in q]) == parts
    # However many record types are tracked, the rows are read by id, only for the types on
    # the page.
    history_reads = [q for q in sql if "governance_historical" in q and INDEX_TABLE not in q]
    assert all('"history_id" IN (' in q for q in history_reads)


def test_a_page_costs_the_same_queries_with_five_times_the_history(busy, lead, live, applicant):
    def corrections(n: int) -> None:
        for levels in range(n):
            cases.case_update(case=busy, actor=applicant, reason="Again", levels=1 + levels % 3)

    corrections(60)
    small = len(_queries(lead)), len(_queries(lead, introduction=live.pk))
    corrections(240)
    large = len(_queries(lead)), len(_queries(lead, introduction=live.pk))
    assert small == large
