"""Reconciliation of coded episodes with the governance record (SPEC.md section 5): the only
writer of the reconciliation's rows. The comparison itself is `engine.py`, without Django."""

from __future__ import annotations

from collections.abc import Iterator

from coding import services as coding
from coding.models import RuleSet
from governance.cases.models import Case
from governance.organisations.models import Organisation
from governance.reconciliation.engine import KnownCase, Reconciler


def known_cases(organisation: Organisation) -> Iterator[KnownCase]:
    """The organisation's cases as the engine matches them, read in one streamed query."""
    rows = (
        Case.objects.filter(introduction__organisation=organisation)
        .values_list("id", "introduction_id", "coding__ruleset__name", "nhs_number", "performed_on")
        .order_by()
        .iterator(chunk_size=5000)
    )
    for case, introduction, ruleset, nhs_number, performed_on in rows:
        yield KnownCase(case, introduction, ruleset, nhs_number or "", performed_on)


def reconciler_for(organisation: Organisation) -> Reconciler:
    """A run against the organisation's cases, every stored rule set governing the episodes
    coded with its procedure codes, validated against the current catalogue."""
    catalogue = coding.catalogue_current()
    rulesets = [
        coding.ruleset_engine(ruleset, catalogue=catalogue)
        for ruleset in RuleSet.objects.order_by("name")
    ]
    return Reconciler(cases=known_cases(organisation), rulesets=rulesets, catalogue=catalogue)
