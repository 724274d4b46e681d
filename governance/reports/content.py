"""What the committee report of an introduction says, gathered in a fixed number of queries
however many cases, outcomes and events it has (tests/governance/reports/test_queries.py).

`committee_paper(introduction, today=...)` reads the introduction, its assessments, devices,
decisions (transitions), conditions, reviews, cases with their outcomes and failures, the
monitoring (the one CUSUM of cases/monitoring.py, as the monitoring page and the API draw it)
and the adverse events with their Yellow Card, and returns one `Paper` that the page and the
PDF render with the same templates (templates/governance/reports/).

Patients are named by case number and local reference only: the paper is read by a committee,
printed and filed, so the NHS number is never read into it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import mean

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from governance.assessments.models import ASSESSMENT_MODELS, Assessment, Kind, assessment_of
from governance.cases import charts, services
from governance.cases.display import Tag
from governance.cases.models import Case, Outcome, Timepoint
from governance.cases.monitoring import Monitoring, PromSummary
from governance.events import display as event_display
from governance.events.models import AdverseEvent, YellowCard
from governance.introductions.models import Condition, Introduction, Review, Transition
from governance.introductions.workflow import Action

SECTION_TEMPLATES = "governance/reports/sections/"


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    template: str


# The paper's sections in order. The contents list and the numbered headings are both made
# from this one list, so they always agree.
SECTIONS = (
    Section("application", "Application and decisions", SECTION_TEMPLATES + "application.html"),
    Section(
        "assessments",
        "Equality and sustainability assessments",
        SECTION_TEMPLATES + "assessments.html",
    ),
    Section("conditions", "Conditions and reviews", SECTION_TEMPLATES + "conditions.html"),
    Section("monitoring", "Monitoring: CUSUM and VLAD", SECTION_TEMPLATES + "monitoring.html"),
    Section("cases", "Cases and outcomes", SECTION_TEMPLATES + "cases.html"),
    Section("events", "Adverse events and the Yellow Card", SECTION_TEMPLATES + "events.html"),
    Section("decisions", "Audit trail of decisions", SECTION_TEMPLATES + "decisions.html"),
)


def visible_for_report(user, pk: int) -> Introduction:
    """The introduction with everything read alongside it (its guidance, applicant,
    organisation and both assessments with their signers), if the user's organisations hold
    it; a 404 otherwise, as every page of an introduction answers."""
    return get_object_or_404(
        Introduction.objects.visible_to(user).select_related(
            "guidance",
            "applicant",
            "organisation",
            "equality_assessment__signed_off_by",
            "sustainability_assessment__signed_off_by",
        ),
        pk=pk,
    )


def reference(introduction: Introduction) -> str:
    """The paper's reference: the guidance, the organisation's ODS code and the introduction,
    `IPG366-RXX-12`."""
    guidance, organisation = introduction.guidance, introduction.organisation
    return f"{guidance.reference}-{organisation.ods_code}-{introduction.pk}"


# --- the parts of the paper ------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """One status change, numbered in the order it was made."""

    number: int
    transition: Transition

    @property
    def actor(self) -> str:
        return _name(self.transition.actor)


@dataclass(frozen=True)
class CaseLine:
    """A case as the paper lists it: its number in date order (the charts' x axis), the record
    and the local reference, what made it a failure, the CUSUM after it and its outcomes."""

    number: int
    case: Case
    operator: str
    failures: list[str]
    s: float | None
    outcomes: list[Outcome]

    @property
    def odi(self) -> str:
        """Baseline ODI and the latest after it: "48 to 22 (12 months)"; or what there is."""
        scores = [(o.timepoint, o.odi) for o in self.outcomes if o.odi is not None]
        baseline = next((odi for tp, odi in scores if tp == Timepoint.BASELINE), None)
        later = [(tp, odi) for tp, odi in scores if tp != Timepoint.BASELINE]
        if later:
            timepoint, odi = later[-1]
            label = Timepoint(timepoint).label
            if baseline is None:
                return f"{odi} at {label} (no baseline)"
            return f"{baseline} to {odi} ({label})"
        if baseline is not None:
            return f"{baseline} at baseline"
        return ""


@dataclass(frozen=True)
class OutcomeLine:
    """The outcomes at one time point over every case: how many, and the mean scores."""

    label: str
    patients: int
    odi: float | None
    back_pain: float | None
    leg_pain: float | None
    eq5d: float | None


@dataclass(frozen=True)
class EventLine:
    event: AdverseEvent
    card: Tag  # the Yellow Card's state in a word
    card_sentence: str
    overdue: bool


@dataclass(frozen=True)
class Summary:
    """The box at the top: where the introduction stands, in figures."""

    status: str
    approved_at: datetime | None
    conditions_met: int
    conditions_open: int
    cases: int
    failures: int
    monitoring: Monitoring | None
    signal_at_number: int | None  # the case number (date order) at which S first reached h
    reviews_due: int
    reviews_overdue: int
    reviews_scheduled: int  # scheduled and not yet due
    cards_open: int
    cards_overdue: int


@dataclass
class Paper:
    introduction: Introduction
    reference: str
    prepared_on: date
    summary: Summary
    devices: list
    decisions: list[Decision]
    latest_decision: Decision | None
    equality: Assessment
    sustainability: Assessment
    conditions: list[Condition]
    reviews: list[Review]
    monitoring: Monitoring | None
    prom: PromSummary
    cases: list[CaseLine]
    outcomes: list[OutcomeLine]
    events: list[EventLine]
    cusum_chart: str = ""  # the charts as data: URLs of their SVG
    vlad_chart: str = ""
    sections: Sequence[Section] = field(default=SECTIONS)


# --- gathering it ----------------------------------------------------------------------------


def _name(user) -> str:
    return user.get_full_name() or user.username


def _mean(values: list) -> float | None:
    present = [float(value) for value in values if value is not None]
    return mean(present) if present else None


def _outcome_lines(cases: list[CaseLine]) -> list[OutcomeLine]:
    by_timepoint: dict[str, list[Outcome]] = {tp: [] for tp in Timepoint.values}
    for line in cases:
        for outcome in line.outcomes:
            by_timepoint[outcome.timepoint].append(outcome)
    return [
        OutcomeLine(
            Timepoint(timepoint).label,
            len(outcomes),
            _mean([o.odi for o in outcomes]),
            _mean([o.back_pain for o in outcomes]),
            _mean([o.leg_pain for o in outcomes]),
            _mean([o.eq5d_index for o in outcomes]),
        )
        for timepoint, outcomes in by_timepoint.items()
    ]


def _cases(introduction: Introduction, result: Monitoring | None) -> list[CaseLine]:
    """The introduction's cases in date order (ties by id: the CUSUM's order), each with its
    operator, its failing events and its outcomes, in four queries."""
    cases = services.with_failing(
        Case.objects.filter(introduction=introduction)
        .in_order()
        .select_related("operator")
        .only(
            # never the NHS number: the paper does not hold it
            "pk",
            "introduction_id",
            "performed_on",
            "local_reference",
            "operator",
            "mentor",
            "coding_valid",
            "reoperation_on",
            "device_failure",
            "major_complication",
            *(f"operator__{name}" for name in ("username", "first_name", "last_name")),
        )
        .prefetch_related(Prefetch("outcomes", Outcome.objects.order_by("collected_on", "pk")))
    )
    s_after = dict(zip(result.case_ids, result.s_values, strict=True)) if result else {}
    return [
        CaseLine(
            number,
            case,
            _name(case.operator),
            case.failure_flags,
            s_after.get(case.pk),
            list(case.outcomes.all()),
        )
        for number, case in enumerate(cases, 1)
    ]


def committee_paper(introduction: Introduction, *, today: date) -> Paper:
    """Everything the committee report says about `introduction` (read with
    `visible_for_report`), as of `today`."""
    devices = [link.device for link in introduction.device_links.select_related("device")]
    transitions = list(introduction.transitions.select_related("actor").order_by("at", "id"))
    decisions = [Decision(n, t) for n, t in enumerate(transitions, 1)]
    conditions = list(introduction.conditions.select_related("met_by"))
    reviews = list(introduction.reviews.select_related("completed_by"))
    watched = services.Monitored(introduction)
    result = watched.monitoring
    case_lines = _cases(introduction, result)
    number_of = {line.case.pk: line.number for line in case_lines}
    events = list(
        AdverseEvent.objects.filter(introduction=introduction).order_by("detected_on", "pk")
    )
    event_lines = [
        EventLine(
            event,
            event_display.card_tag(event, today),
            event_display.card_sentence(event, today),
            event.is_overdue(today),
        )
        for event in events
    ]
    approved = next((t for t in transitions if t.action == Action.APPROVE), None)
    summary = Summary(
        status=introduction.get_status_display(),
        approved_at=approved.at if approved else None,
        conditions_met=sum(c.is_met for c in conditions),
        conditions_open=sum(not c.is_met for c in conditions),
        cases=len(case_lines),
        failures=sum(bool(line.failures) for line in case_lines),
        monitoring=result,
        signal_at_number=number_of.get(result.signal_at_case) if result else None,
        reviews_due=sum(r.is_due and not r.is_overdue for r in reviews),
        reviews_overdue=sum(r.is_overdue for r in reviews),
        reviews_scheduled=sum(r.is_scheduled and not r.is_due for r in reviews),
        cards_open=sum(e.yellow_card == YellowCard.DUE for e in events),
        cards_overdue=sum(line.overdue for line in event_lines),
    )
    paper = Paper(
        introduction=introduction,
        reference=reference(introduction),
        prepared_on=today,
        summary=summary,
        devices=devices,
        decisions=decisions,
        latest_decision=decisions[-1] if decisions else None,
        equality=_assessment(introduction, Kind.EQUALITY),
        sustainability=_assessment(introduction, Kind.SUSTAINABILITY),
        conditions=conditions,
        reviews=reviews,
        monitoring=result,
        prom=watched.prom,
        cases=case_lines,
        outcomes=_outcome_lines(case_lines),
        events=event_lines,
    )
    if result is not None and result.cases:
        paper.cusum_chart = _data_url(charts.drawn(watched, "cusum", title="CUSUM of failures"))
        paper.vlad_chart = _data_url(charts.drawn(watched, "vlad", title="VLAD"))
    return paper


def _data_url(svg: bytes) -> str:
    """The chart as an image of its own: two charts inline in one page would repeat the ids
    matplotlib gives their parts, and WeasyPrint would read their SVG styles as the page's."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _assessment(introduction: Introduction, kind: str) -> Assessment:
    """The assessment, or a blank one (not started) when nobody has started it."""
    return assessment_of(introduction, kind) or ASSESSMENT_MODELS[kind](introduction=introduction)
