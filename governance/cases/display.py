"""How cases read on the pages: coding and failure tags, follow-up states, the next time point,
the rows of the monitoring tables.

Pure functions of values already loaded: nothing here runs a query (STYLE.md, "Templates").
The case pages (cases/views.py), the cases summary of the introduction page
(templatetags/cases_tags.py) and the home page (home/) use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.template.defaultfilters import floatformat
from django.utils.formats import date_format

from governance.cases.models import FOLLOW_UP, Timepoint, follow_up_due_on
from governance.cases.monitoring import Point

# NHS.UK tag colours of each follow-up state (SPEC section 5).
FOLLOW_UP_TAGS: dict[str, tuple[str, str]] = {
    "done": ("Done", "green"),
    "due": ("Due", "orange"),
    "overdue": ("Overdue", "red"),
    "not_yet": ("Not yet due", "grey"),
}


@dataclass(frozen=True)
class Tag:
    text: str
    colour: str


def coding_tag(valid: bool) -> Tag:
    return Tag("Valid", "green") if valid else Tag("Needs attention", "red")


def failure_tag(failed: bool) -> Tag | None:
    return Tag("Failure", "red") if failed else None


def follow_up_tag(state: str) -> Tag:
    text, colour = FOLLOW_UP_TAGS[state]
    return Tag(text, colour)


@dataclass(frozen=True)
class FollowUpSummary:
    """A case's follow-up in one line of the case list: the worst state and which time points."""

    tag: Tag
    text: str


def follow_up_summary(performed_on: date, states: dict[str, str]) -> FollowUpSummary:
    """Overdue before due; otherwise the next time point not yet due, or all done."""
    for state in ("overdue", "due"):
        points = [Timepoint(tp).label for tp, s in states.items() if s == state]
        if points:
            return FollowUpSummary(follow_up_tag(state), ", ".join(points))
    upcoming = [tp for tp, s in states.items() if s == "not_yet"]
    if upcoming:
        first = upcoming[0]
        due_on = follow_up_due_on(performed_on, first)
        return FollowUpSummary(
            Tag("Up to date", "white"), f"Next: {Timepoint(first).label}, {due_on:%-d %b %Y}"
        )
    return FollowUpSummary(Tag("Complete", "green"), "Every follow-up recorded")


@dataclass(frozen=True)
class FollowUpRow:
    """One time point of a case: when it falls, its state, and its outcome if recorded."""

    timepoint: str
    label: str
    due_on: date | None  # None for the baseline (before the procedure)
    tag: Tag | None
    outcome: object | None


def follow_up_rows(performed_on: date, states: dict[str, str], outcomes: list) -> list[FollowUpRow]:
    """The baseline and each follow-up time point in order, with their outcomes."""
    by_timepoint = {outcome.timepoint: outcome for outcome in outcomes}
    baseline = by_timepoint.get(Timepoint.BASELINE)
    rows = [
        FollowUpRow(
            Timepoint.BASELINE,
            Timepoint.BASELINE.label,
            None,
            follow_up_tag("done") if baseline else None,
            baseline,
        )
    ]
    for timepoint in FOLLOW_UP:
        rows.append(
            FollowUpRow(
                timepoint,
                Timepoint(timepoint).label,
                follow_up_due_on(performed_on, timepoint),
                follow_up_tag(states[timepoint]),
                by_timepoint.get(timepoint),
            )
        )
    return rows


def next_timepoint(states: dict[str, str], recorded: set[str]) -> str | None:
    """The time point an outcome is most likely being recorded for: one due now, else a missing
    baseline, else the earliest overdue, else the next not yet due; None when all are recorded."""
    due = [timepoint for timepoint, state in states.items() if state == "due"]
    if due:
        return due[0]
    if Timepoint.BASELINE not in recorded:
        return Timepoint.BASELINE
    for wanted in ("overdue", "not_yet"):
        for timepoint, state in states.items():
            if state == wanted:
                return timepoint
    return None


@dataclass(frozen=True)
class SeriesRow:
    """A case of the monitoring tables, in the words the page shows: its number (its place in
    date order), the URL of its page, its date, failed or not, the CUSUM and the VLAD after it.
    Written once a change and kept with the series (cases/views.py `series_page`), so that a
    page of 50 renders strings, not 300 filters."""

    number: str
    url: str
    performed_on: str
    failed: str
    s: str
    crossing: bool  # S rose through h at this case
    vlad: str


def series_row(point: Point, url: str) -> SeriesRow:
    return SeriesRow(
        number=f"{point.number:,}",
        url=url,
        performed_on=date_format(point.performed_on, "j M Y"),
        failed="Yes" if point.failed else "No",
        s=floatformat(point.s, 3),
        crossing=point.crossing,
        vlad=floatformat(point.vlad, 2),
    )
