"""The audit history: field-level changes of introductions and everything hanging off them,
who gave which role to whom and who added or removed which member of an organisation, and the
sign-in record (sign-ins, failures, lockouts, sign-outs, API tokens issued and revoked).

The one query service behind `GET /api/v1/introductions/{id}/history/`, `GET /api/v1/history/`,
their CSV exports and the audit page. It reads django-simple-history's tables (one per tracked
model, see `track`) and the append-only records of role grants and sign-ins, through the history
index (audit/models.py): one row per entry on one table, written beside each entry. It never
writes: history rows are immutable (governance/history.py).

Each entry is one row: when, who, which record (named as people know it: "Case 12 of <the
introduction's title>"), created/changed/deleted (or, for people, the role given or taken, the
member added or removed), why, its changes as readable before/after pairs under the fields'
labels, and the whole record as it stood after the change (`details`, for the page's "full
record"). Entries come newest first, in pages walked with a keyset cursor over the index's
(at, id), never OFFSET: a page is one index range read, then one query a record type on the
page for its rows and one a related model for their names, the same at the millionth entry as
at the first, however many models are tracked:

    page = history_page(viewer=user, filters=HistoryFilter(introduction=42), limit=50)
    page.entries, page.next_cursor   # pass next_cursor back for the next (older) page
    for entry in history_all(viewer=user, filters=...): ...   # every entry, in batches
    HistoryFilter.from_params(request.GET)  # ?user=&member=&model=&introduction=&since=&until=

Role grants, memberships and sign-in events belong to no introduction (`introduction_id`
None): a viewer sees those of the users of their own organisations, never another
organisation's (and administrators the sign-in failures for usernames that are nobody's).
Sign-in events come only when asked for (`model=signinevent`): they would bury the changes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst

from governance import downloads, roles
from governance.accounts.models import SignInEvent
from governance.assessments.models import EqualityAssessment, SustainabilityAssessment
from governance.audit.models import HistoryIndex
from governance.audit.permissions import read_history_refusal
from governance.cases.models import Case, Operator, Outcome, masked_nhs_number
from governance.cases.permissions import see_nhs_number_refusal
from governance.dates import nhs_date, nhs_datetime
from governance.events.display import LABELS as EVENT_LABELS
from governance.events.models import AdverseEvent
from governance.introductions.forms import MonitoringForm
from governance.introductions.models import Condition, Introduction, IntroductionDevice, Review
from governance.organisations.models import Membership, Organisation, RoleGrant
from governance.permissions import organisation_ids, require
from governance.reconciliation.models import Finding, Reconciliation

MAX_LIMIT = 500
TYPE_LABELS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# Not worth a line in an audit trail: the row's own id and timestamps the entry already has.
IGNORED_FIELDS = frozenset({"id", "created_at", "updated_at"})


# (model field, old raw value, new raw value): one change, before it is made readable.
RawChange = tuple[models.Field, Any, Any]
# Readable names of related rows by (model, id), read once per page (`_related_names`).
Names = dict[tuple[type[models.Model], Any], str]

# Labels where a field's verbose name is a column name, not words a person knows: the
# monitoring plan as its form asks for it, the adverse event as its page shows it.
FIELD_LABELS: dict[tuple[str, str], str] = {
    **{
        ("introduction", name): str(MonitoringForm.base_fields[name].label)
        for name in (
            "first_review_after_cases",
            "review_interval_months",
            "cusum_p0",
            "cusum_p1",
            "cusum_h",
        )
    },
    **{("adverseevent", name): label for name, label in EVENT_LABELS.items()},
    ("condition", "text"): "Condition",
    ("review", "kind"): "Kind of review",
    ("review", "due_after_cases"): "Due after this many cases",
    ("reconciliation", "rows_total"): "Rows read",
    ("reconciliation", "file"): "Uploaded extract",
    ("finding", "episode_id"): "Episode ID",
    ("finding", "line"): "Line of the file",
}


def field_label(model_name: str, model_field: models.Field) -> str:
    """What a field is called on the audit page: its verbose name, capitalised, unless
    FIELD_LABELS says better."""
    return FIELD_LABELS.get((model_name, model_field.name)) or capfirst(
        str(model_field.verbose_name)
    )


@dataclass(frozen=True)
class Tracked:
    """A history-tracked model (django-simple-history): each historical row is an entry.

    An introduction's record has `introduction_field`, the historical column holding the
    introduction's id. A record of an organisation's people (a membership) has none; its
    `organisation_field` holds the organisation's id, `member_field` the user's, and
    `actions` words its types ("Member added"). So has a record of the organisation itself
    (a reconciliation, its findings), with no `member_field`."""

    model: type[models.Model]
    introduction_field: str | None
    organisation_field: str | None = None
    member_field: str | None = None
    actions: Mapping[str, str] = field(default_factory=dict)
    # The history types shown: a record written in bulk with others (a reconciliation's
    # findings) shows only its later changes ("~"), its creation being its parent's entry.
    types: str = "+~-"

    date_field = "history_date"
    id_field = "history_id"
    actor_field = "history_user_id"

    @property
    def name(self) -> str:
        return self.model._meta.model_name

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    @cached_property  # simple-history builds its manager on each access to `.history`
    def history_model(self) -> type[models.Model]:
        return self.model.history.model

    @cached_property
    def fields(self) -> list[models.Field]:
        """The fields an entry shows (the row's own id and timestamps left out)."""
        return [f for f in self.history_model.tracked_fields if f.name not in IGNORED_FIELDS]

    def queryset(self) -> models.QuerySet:
        history = self.history_model
        pk = self.model._meta.pk.attname
        previous = (
            history.objects.filter(**{pk: OuterRef(pk)}, history_id__lt=OuterRef("history_id"))
            .order_by("-history_id")
            .values("history_id")[:1]
        )
        return history.objects.annotate(previous_history_id=Subquery(previous)).select_related(
            "history_user"
        )

    def previous_id(self, row) -> int | None:
        return row.previous_history_id if row.history_type == "~" else None

    def changes(self, row, before) -> list[RawChange]:
        changes = []
        for model_field in _tracked_fields(self):
            new = getattr(row, model_field.attname)
            if row.history_type == "+":
                if not _is_empty(new):
                    changes.append((model_field, None, new))
            elif row.history_type == "-":
                if not _is_empty(new):
                    changes.append((model_field, new, None))
            else:
                old = getattr(before, model_field.attname) if before is not None else None
                if old != new:
                    changes.append((model_field, old, new))
        return changes

    def entry(self, row, changes: list[RawChange], names: Names, titles: dict) -> Entry:
        introduction_id = getattr(row, self.introduction_field) if self.introduction_field else None
        summary = ""
        if self.member_field is not None and row.history_type in "+-":
            person = _name(names, get_user_model(), getattr(row, self.member_field))
            organisation = _name(names, Organisation, getattr(row, self.organisation_field))
            verb = "added to" if row.history_type == "+" else "removed from"
            summary = f"{person} {verb} {organisation}"
        title = titles.get(introduction_id, "")
        return _entry(
            self,
            row,
            at=row.history_date,
            actor=row.history_user,
            object_id=getattr(row, self.model._meta.pk.attname),
            introduction_id=introduction_id,
            introduction_title=title,
            type=row.history_type,
            action=self.actions.get(row.history_type, ""),
            summary=summary,
            record=summary or _record_name(self, row, names, title),
            details_of=lambda: tuple(
                Detail(field_label(self.name, f), _display(f, getattr(row, f.attname), names))
                for f in _tracked_fields(self)
            ),
            reason=row.history_change_reason or "",
            changes=changes,
            names=names,
            history_id=row.history_id,
        )


@dataclass(frozen=True)
class RoleGrants:
    """The append-only record of roles given and taken away (organisations.RoleGrant): one
    entry a row, shown for the users of the viewer's organisations, of no introduction."""

    model = RoleGrant
    name = "rolegrant"
    label = "role grant"
    introduction_field = None
    date_field = "at"
    id_field = "id"
    actor_field = "by_id"

    def queryset(self) -> models.QuerySet:
        return RoleGrant.objects.select_related("by")

    def previous_id(self, row) -> None:
        return None

    def changes(self, row, before) -> list[RawChange]:
        role, user = RoleGrant._meta.get_field("role"), RoleGrant._meta.get_field("user")
        if row.granted:
            return [(role, None, row.role), (user, None, row.user_id)]
        return [(role, row.role, None), (user, row.user_id, None)]

    def entry(self, row, changes: list[RawChange], names: Names, titles: dict) -> Entry:
        person = _name(names, get_user_model(), row.user_id)
        verb = "given to" if row.granted else "taken from"
        return _entry(
            self,
            row,
            at=row.at,
            actor=row.by,
            object_id=row.pk,
            introduction_id=None,
            introduction_title="",
            type="+" if row.granted else "-",
            action="Role given" if row.granted else "Role taken away",
            summary=f"{row.role} {verb} {person}",
            record=f"{row.role} role {verb} {person}",
            reason=row.reason,
            changes=changes,
            names=names,
            history_id=row.pk,
        )


@dataclass(frozen=True)
class SignInEvents:
    """The sign-in record (accounts.SignInEvent): sign-ins, failures, lockouts, sign-outs and
    API tokens issued and revoked, one entry a row, of no introduction. A viewer sees those
    of the users of their organisations; administrators also those of usernames that are
    nobody's (someone guessing), which belong to no organisation."""

    model = SignInEvent
    # Everyone signs in every day: the history shows these only when they are asked for
    # (?model=signinevent), so that they never bury the changes.
    only_when_asked = True
    name = "signinevent"
    label = "sign-in event"
    introduction_field = None
    date_field = "at"
    id_field = "id"
    actor_field = "user_id"

    def queryset(self) -> models.QuerySet:
        return SignInEvent.objects.select_related("user")

    def previous_id(self, row) -> None:
        return None

    def changes(self, row, before) -> list[RawChange]:
        return []

    def entry(self, row, changes: list[RawChange], names: Names, titles: dict) -> Entry:
        if row.user is not None:
            who = _user_display(row.user)
        else:
            who = f"{row.username or '(no username)'} (no such user)"
        where = row.get_via_display()
        reason = "; ".join(
            part
            for part in (
                row.detail,
                f"on the {where.lower()}" if row.via == SignInEvent.Via.PAGE else where,
                f"from {row.ip_address}" if row.ip_address else "",
            )
            if part
        )
        fields = (
            ("Outcome", row.get_outcome_display()),
            ("Username tried", row.username),
            ("Where", where),
            ("IP address", row.ip_address or ""),
            ("Detail", row.detail),
        )
        return Entry(
            at=row.at,
            user=row.user.username if row.user else None,
            user_display=who,
            model=self.name,
            model_label=self.label,
            object_id=row.pk,
            introduction_id=None,
            introduction_title="",
            type="+",
            reason=reason,
            changes=[],
            history_id=row.pk,
            action=row.get_outcome_display(),
            summary=f"{row.get_outcome_display()}: {who}",
            record=f"Account of {who}",
            details_of=lambda: tuple(Detail(label, value) for label, value in fields),
        )


Source = Tracked | RoleGrants | SignInEvents
TRACKED: dict[str, Source] = {}
# The records of people that belong to no organisation: shown for the accounts of the
# viewer's organisations' members.
PEOPLE = ("rolegrant", "signinevent")


def track(model: type[models.Model], introduction_field: str = "introduction_id") -> None:
    """Include a history-tracked model in the audit history of introductions.

    The audit package sits above the features (DESIGN.md, "Architecture"): it tracks each
    feature's models below, with the historical column that holds the introduction's id (a
    direct column: the history index copies it, audit/index.py).
    """
    name = model._meta.model_name
    if name not in TRACKED:
        TRACKED[name] = Tracked(model, introduction_field)


track(Introduction, "id")
track(IntroductionDevice)
track(Condition)
track(Review)
track(EqualityAssessment)
track(SustainabilityAssessment)
track(Operator)
track(Case)
track(Outcome)
track(AdverseEvent)
# The people of the viewer's organisations: who joined or left, who was given which role.
TRACKED["membership"] = Tracked(
    Membership,
    introduction_field=None,
    organisation_field="organisation_id",
    member_field="user_id",
    actions={"+": "Member added", "~": "Membership changed", "-": "Member removed"},
)
TRACKED["rolegrant"] = RoleGrants()
# Reconciliations of an organisation's coded episodes: who uploaded which extract and what it
# found; and the findings a lead explained (their creation is the run's).
TRACKED["reconciliation"] = Tracked(
    Reconciliation, introduction_field=None, organisation_field="organisation_id"
)
TRACKED["finding"] = Tracked(
    Finding,
    introduction_field=None,
    organisation_field="reconciliation__organisation_id",
    actions={"~": "Finding explained"},
    types="~",
)
# Who signed in, failed, was locked out or signed out, and API tokens issued and revoked.
TRACKED["signinevent"] = SignInEvents()


# --- records named as people know them ------------------------------------------------------


def _related(names: Names, source: Tracked, row, field_name: str) -> str:
    model_field = source.model._meta.get_field(field_name)
    return _name(names, model_field.related_model, getattr(row, model_field.attname))


def _of(title: str) -> str:
    return f" of {title}" if title else ""


def _in(title: str) -> str:
    return f" ({title})" if title else ""


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _review_name(row) -> str:
    if row.kind == Review.Kind.FIRST_CASES:
        return f"Review after the first {row.due_after_cases} cases"
    return f"Review due {nhs_date(row.due_on)}" if row.due_on else "Periodic review"


# (source, historical row, names, introduction title) -> the record's name on the page.
# A historical row's pk is its history id: the record's own id is `row.id`.
RECORD_NAMES: dict[str, Callable[[Tracked, Any, Names, str], str]] = {
    "introduction": lambda s, row, names, title: title or row.title,
    "introductiondevice": lambda s, row, names, title: (
        f"Device {_related(names, s, row, 'device')}{_of(title)}"
    ),
    "condition": lambda s, row, names, title: f"Condition “{_short(row.text)}”{_of(title)}",
    "review": lambda s, row, names, title: f"{_review_name(row)}{_of(title)}",
    "equalityassessment": lambda s, row, names, title: f"Equality impact assessment{_of(title)}",
    "sustainabilityassessment": lambda s, row, names, title: (
        f"Sustainability assessment{_of(title)}"
    ),
    "operator": lambda s, row, names, title: (
        f"Operator {_related(names, s, row, 'user')}{_of(title)}"
    ),
    "case": lambda s, row, names, title: f"Case {row.id}{_of(title)}",
    "outcome": lambda s, row, names, title: (
        f"Outcome at {row.get_timepoint_display().lower()}, case {row.case_id}{_of(title)}"
    ),
    "adverseevent": lambda s, row, names, title: f"Adverse event {row.id}{_in(title)}",
    "membership": lambda s, row, names, title: (
        f"Membership of {_related(names, s, row, 'user')}"
        f" in {_related(names, s, row, 'organisation')}"
    ),
    "reconciliation": lambda s, row, names, title: f"Reconciliation of {row.file_name}",
    "finding": lambda s, row, names, title: (
        f"Finding “{row.get_finding_display().lower()}”, "
        + (f"episode {row.episode_id}" if row.episode_id else f"case {row.case_id}")
    ),
}


def _record_name(source: Tracked, row, names: Names, title: str) -> str:
    name = RECORD_NAMES.get(source.name)
    if name is None:  # a model tracked later without a name: its type and number
        return f"{capfirst(source.label)} {getattr(row, source.model._meta.pk.attname)}"
    return name(source, row, names, title)


def record_types() -> list[tuple[str, str]]:
    """(value, label) for the record-type filter."""
    return [(t.name, t.label) for t in TRACKED.values()]


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: Any  # JSON-safe raw values: ids for relations, choice values, ISO dates
    new: Any
    old_display: str  # readable: names, choice labels, dates
    new_display: str


@dataclass(frozen=True)
class Detail:
    """One field of a record as it stood after the change: its label and readable value."""

    label: str
    value: str


@dataclass(frozen=True)
class Entry:
    at: datetime
    user: str | None  # username; None for the system (daily jobs, migrations)
    user_display: str
    model: str
    model_label: str
    object_id: int
    introduction_id: int | None
    introduction_title: str
    type: str  # "+", "~" or "-" (a role given "+", taken away "-")
    reason: str
    changes: list[Change]
    history_id: int
    action: str = ""  # what happened, where the type says too little: "Role given"
    summary: str = ""  # for people: "Governance lead given to Alice Smith"
    record: str = ""  # the record as people know it: "Case 12 of <introduction title>"
    # The whole record after the change (before a deletion), read when asked for: the page
    # shows it, the API and the CSV do not.
    details_of: Callable[[], tuple[Detail, ...]] = tuple

    @property
    def type_label(self) -> str:
        return self.action or TYPE_LABELS.get(self.type, self.type)

    @cached_property
    def details(self) -> tuple[Detail, ...]:
        return self.details_of()


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_cursor: str | None


@dataclass(frozen=True)
class HistoryFilter:
    introduction: int | None = None
    user: str | None = None  # username of who made the change
    member: str | None = None  # username: only role grants and memberships of this user
    model: str | None = None  # a TRACKED name, e.g. "condition"
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # inclusive

    @classmethod
    def from_params(
        cls, params: Mapping[str, Any], *, introduction: int | None = None
    ) -> HistoryFilter:
        """Read ?introduction=&user=&member=&model=&since=&until= (empty means no filter).

        Dates are ISO 8601: a date (`until` then means the end of that day) or a date-time.
        A bad value raises ValidationError naming the parameter.
        """

        def get(name: str) -> str | None:
            value = params.get(name)
            if value is None:
                return None
            value = str(value).strip()
            if "\x00" in value:  # PostgreSQL refuses NUL in text: a 400, not a 500
                raise ValidationError({name: ["This value contains a NUL character."]})
            return value or None

        if introduction is None and get("introduction") is not None:
            try:
                introduction = int(get("introduction"))
            except ValueError:
                raise ValidationError(
                    {"introduction": ["Give the introduction's number."]}
                ) from None
        model = get("model")
        if model is not None and model.lower() not in TRACKED:
            names = ", ".join(TRACKED)
            raise ValidationError(
                {"model": [f"Unknown record type {model!r}: use one of {names}."]}
            )
        since, until = _moment(get("since"), "since"), _moment(get("until"), "until", end=True)
        if since and until and since > until:
            raise ValidationError({"until": ["until must not be before since."]})
        return cls(
            introduction=introduction,
            user=get("user"),
            member=get("member"),
            model=model.lower() if model else None,
            since=since,
            until=until,
        )


def _moment(value: str | None, name: str, *, end: bool = False) -> datetime | None:
    if value is None:
        return None
    try:  # a date first: Python parses "2025-01-31" as a date-time at midnight too
        day = parse_date(value)
    except ValueError:
        day = None
    try:
        moment = None if day else parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None and day is None:
        raise ValidationError(
            {name: [f"{value!r} is not an ISO 8601 date (2025-01-31) or date-time."]}
        )
    if moment is None:
        moment = datetime.combine(day, time.max if end else time.min)
    if not 1900 <= moment.year <= 9000:  # beyond, time zone arithmetic overflows
        raise ValidationError({name: [f"{value!r} is not a date between 1900 and 9000."]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def encode_cursor(key: tuple[datetime, int]) -> str:
    at, position = key
    raw = f"{at.isoformat()}|{position}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, position = raw.split("|")
        moment = datetime.fromisoformat(at)
        if timezone.is_naive(moment) or not 1900 <= moment.year <= 9000:
            raise ValueError
        return moment, int(position)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationError({"cursor": ["This cursor is not valid."]}) from None


def _user_id(username: str) -> int | None:
    return get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()


def _index_parts(viewer, filters: HistoryFilter, member_id: int | None) -> list[Q]:
    """The index rows the viewer may read under the filters, as parts that each read one
    index in page order: an introduction's records; or the organisations' records (by
    organisation) and, one part a record type, the records of their people (by whose account
    they concern). A part is one keyset query; a page merges them."""
    if filters.introduction is not None:
        parts = [Q(introduction_id=filters.introduction)]
    else:
        orgs = organisation_ids(viewer)
        people = Membership.objects.filter(organisation_id__in=orgs).values("user_id")
        parts = [] if filters.model in PEOPLE else [Q(organisation_id__in=orgs)]
        for name in PEOPLE:
            if filters.model not in (None, name) or (
                filters.model is None and getattr(TRACKED[name], "only_when_asked", False)
            ):
                continue
            parts.append(Q(source=name, member_id__in=people))
            if name == SignInEvents.name and member_id is None and roles.is_admin(viewer):
                parts.append(Q(source=name, member_id__isnull=True))  # nobody's usernames
    if member_id is not None:
        parts = [part & Q(member_id=member_id) for part in parts]
    if filters.model:
        parts = [part & Q(source=filters.model) for part in parts]
    return parts


def history_page(
    *, viewer, filters: HistoryFilter, cursor: str | None = None, limit: int = 50
) -> Page:
    """One page of entries, newest first. NotPermitted unless the viewer may read history
    (a governance lead or administrator); only their organisations' introductions, and the
    role grants and memberships of their organisations' users, appear.

    The page is found on the history index (audit/models.py) by a keyset query a part (one
    for an introduction's history, one for the organisation's records and one for its people's
    role grants otherwise), whatever the number of tracked models; then one query a record
    type on the page reads its rows."""
    require(read_history_refusal, viewer)
    limit = max(1, min(int(limit), MAX_LIMIT))
    key = decode_cursor(cursor) if cursor else None
    empty = Page([], None)
    if filters.introduction is not None:
        visible = Introduction.objects.in_organisations_of(viewer).filter(pk=filters.introduction)
        if not visible.exists():
            return empty
    user_id = member_id = None
    if filters.user is not None:
        user_id = _user_id(filters.user)
        if user_id is None:
            return empty
    if filters.member is not None:
        member_id = _user_id(filters.member)
        if member_id is None:
            return empty
    index = HistoryIndex.objects.all()
    if user_id is not None:
        index = index.filter(actor_id=user_id)
    if filters.since:
        index = index.filter(at__gte=filters.since)
    if filters.until:
        index = index.filter(at__lte=filters.until)
    if key is not None:
        at, position = key
        index = index.filter(Q(at__lt=at) | Q(at=at, id__lt=position))
    found = sorted(
        (
            row
            for part in _index_parts(viewer, filters, member_id)
            for row in index.filter(part)
            .order_by("-at", "-id")
            .values_list("at", "id", "source", "row_id")[: limit + 1]
        ),
        reverse=True,
    )
    more = len(found) > limit
    found = found[:limit]
    entries, introductions = _entries(_rows_of(found))
    return Page(
        _masked(viewer, entries, introductions),
        encode_cursor(found[-1][:2]) if more else None,
    )


def _rows_of(found: list[tuple[datetime, int, str, int]]) -> list[tuple[Source, Any]]:
    """The rows the index names, in its order: one query a record type."""
    wanted: dict[str, list[int]] = {}
    for _, _, name, row_id in found:
        wanted.setdefault(name, []).append(row_id)
    rows: dict[tuple[str, int], Any] = {}
    for name, ids in wanted.items():
        source = TRACKED[name]
        for row in source.queryset().filter(**{f"{source.id_field}__in": ids}):
            rows[(name, getattr(row, source.id_field))] = row
    return [
        (TRACKED[name], rows[(name, row_id)])
        for _, _, name, row_id in found
        if (name, row_id) in rows
    ]


# Fields the history shows only to those who may see them on the record itself: the NHS
# number, to the clinical team of the introduction (cases/permissions.py); masked for others.
SECRET_FIELDS = frozenset({"nhs_number"})


def _masked(viewer, entries: list[Entry], introductions: dict[int, Introduction]) -> list[Entry]:
    """The entries with each secret field masked where the viewer may not see it
    (`introductions`: those of the entries, read with their names)."""
    secret = [e for e in entries if any(c.field in SECRET_FIELDS for c in e.changes)]
    if not secret:
        return entries
    hidden = {pk for pk, i in introductions.items() if see_nhs_number_refusal(viewer, i)}
    labels = {
        field_label(source.name, f)
        for source in TRACKED.values()
        if isinstance(source, Tracked)
        for f in _tracked_fields(source)
        if f.name in SECRET_FIELDS
    }
    return [
        _mask(entry, labels)
        if entry.introduction_id in hidden or entry.introduction_id is None
        else entry
        for entry in entries
    ]


def _mask(entry: Entry, labels: set[str]) -> Entry:
    def hide(value: Any) -> Any:
        return masked_nhs_number(str(value)) if value else value

    changes = [
        replace(
            c,
            old=hide(c.old),
            new=hide(c.new),
            old_display=hide(c.old_display),
            new_display=hide(c.new_display),
        )
        if c.field in SECRET_FIELDS
        else c
        for c in entry.changes
    ]

    def details() -> tuple[Detail, ...]:
        return tuple(
            replace(d, value=hide(d.value)) if d.label in labels else d for d in entry.details
        )

    return replace(entry, changes=changes, details_of=details)


def history_all(*, viewer, filters: HistoryFilter, batch: int = MAX_LIMIT) -> Iterator[Entry]:
    """Every entry matching the filters, newest first, fetched `batch` at a time (for
    exports: memory stays flat however long the history is)."""
    cursor = None
    while True:
        page = history_page(viewer=viewer, filters=filters, cursor=cursor, limit=batch)
        yield from page.entries
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


# --- turning rows into readable entries --------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def _raw(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _user_display(user) -> str:
    if user is None:
        return "System"
    return user.get_full_name() or user.username


def _entries(fetched: list[tuple[Source, Any]]) -> tuple[list[Entry], dict[int, Introduction]]:
    """The entries of the rows, and the introductions they belong to."""
    previous_rows = _previous_rows(fetched)
    raw_changes = []
    related_ids: dict[type[models.Model], set] = {}

    def wanted(model: type[models.Model], *values: Any) -> None:
        related_ids.setdefault(model, set()).update(v for v in values if v is not None)

    for source, row in fetched:
        changes = source.changes(row, previous_rows.get((source.name, source.previous_id(row))))
        raw_changes.append(changes)
        for model_field, old, new in changes:
            if model_field.is_relation:
                wanted(model_field.related_model, old, new)
        if isinstance(source, Tracked):  # the full record names its related rows too
            for model_field in _tracked_fields(source):
                if model_field.is_relation:
                    wanted(model_field.related_model, getattr(row, model_field.attname))
        if source.introduction_field is not None:
            wanted(Introduction, getattr(row, source.introduction_field))
    # One query per related model, however many rows: the introductions' titles among them.
    introductions: dict[int, Introduction] = {}
    names = _related_names(related_ids, introductions)
    titles = {pk: name for (model, pk), name in names.items() if model is Introduction}
    entries = [
        source.entry(row, changes, names, titles)
        for (source, row), changes in zip(fetched, raw_changes, strict=True)
    ]
    return entries, introductions


def _entry(
    source: Source, row, *, actor, changes: list[RawChange], names: Names, **fields
) -> Entry:
    return Entry(
        user=actor.username if actor else None,
        user_display=_user_display(actor),
        model=source.name,
        model_label=source.label,
        changes=[
            Change(
                field=f.name,
                label=field_label(source.name, f),
                old=_raw(old),
                new=_raw(new),
                old_display=_display(f, old, names),
                new_display=_display(f, new, names),
            )
            for f, old, new in changes
        ],
        **fields,
    )


def _previous_rows(fetched: list[tuple[Source, Any]]) -> dict[tuple[str, int], Any]:
    """The version before each changed row, one query per table."""
    wanted: dict[str, set[int]] = {}
    for source, row in fetched:
        previous_id = source.previous_id(row)
        if previous_id is not None:
            wanted.setdefault(source.name, set()).add(previous_id)
    found = {}
    for name, ids in wanted.items():
        for row in TRACKED[name].history_model.objects.filter(history_id__in=ids):
            found[(name, row.history_id)] = row
    return found


def _tracked_fields(tracked: Tracked) -> list[models.Field]:
    return tracked.fields


# What a related row's name (its __str__) reads beyond its own columns, joined in its query so
# that naming a page of rows stays one query per related model.
NAME_JOINS: dict[str, tuple[str, ...]] = {"coding.codingresult": ("ruleset",)}


def _related_names(
    related_ids: dict[type[models.Model], set], introductions: dict[int, Introduction]
) -> Names:
    """Readable names of related rows, one query per related model; the introductions read
    are kept in `introductions` (who may see what in them)."""
    User = get_user_model()
    names = {}
    for model, ids in related_ids.items():
        joins = NAME_JOINS.get(model._meta.label_lower, ())
        for obj in model._default_manager.filter(pk__in=ids).select_related(*joins):
            names[(model, obj.pk)] = _user_display(obj) if model is User else str(obj)
            if model is Introduction:
                introductions[obj.pk] = obj
    return names


def _name(names: Names, model: type[models.Model], pk: Any) -> str:
    return names.get((model, pk), f"#{pk} (deleted)")


def _display(model_field: models.Field, value: Any, names: Names) -> str:
    if _is_empty(value):
        return ""
    if model_field.is_relation:
        name = names.get((model_field.related_model, value))
        return name if name is not None else f"#{value} (deleted)"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.FileField):  # where it is stored says nothing to people
        return "Kept until it is read"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return nhs_datetime(value)
    if isinstance(value, date):
        return nhs_date(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- CSV export ----------------------------------------------------------------------------

CSV_HEADER = [
    "at",
    "user",
    "model",
    "object_id",
    "introduction_id",
    "introduction",
    "type",
    "reason",
    "field",
    "old",
    "new",
]


def csv_lines(entries: Iterable[Entry]) -> Iterator[str]:
    """The header, then one line per changed field (an entry with no field changes: one
    line with an empty field), as CSV text: stream it."""
    return downloads.csv_lines(CSV_HEADER, _csv_rows(entries))


def _csv_rows(entries: Iterable[Entry]) -> Iterator[list[Any]]:
    cell = downloads.safe_cell
    for entry in entries:
        base = [
            entry.at.isoformat(),
            cell(entry.user or ""),
            entry.model,
            entry.object_id,
            entry.introduction_id,
            cell(entry.introduction_title),
            entry.type,
            cell(entry.reason),
        ]
        if not entry.changes:
            yield [*base, "", "", ""]
        for change in entry.changes:
            yield [*base, change.field, cell(change.old_display), cell(change.new_display)]


def export_filename(filters: HistoryFilter, now: datetime | None = None) -> str:
    stamp = (now or timezone.now()).strftime("%Y%m%d-%H%M")
    scope = f"introduction-{filters.introduction}" if filters.introduction else "all"
    return f"audit-history-{scope}-{stamp}.csv"
