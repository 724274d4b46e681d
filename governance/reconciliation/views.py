"""Pages of the reconciliation of coded episodes (SPEC.md section 5): a governance lead uploads
the coding department's extract and reads what it found, with links to the cases and
introductions; administrators read them too (NHS numbers masked).

    /reconciliations/                          the organisation's runs, newest first; the upload
    /reconciliations/{id}/                     a run: its progress while it runs (polled by
                                               htmx), then its counts and findings
    /reconciliations/{id}/progress/            the part of the page the polling swaps
    /reconciliations/{id}/findings.csv         the findings shown, as CSV
    /reconciliations/{id}/findings/{fid}/explain/   a lead's note on a finding

Views only translate HTTP: the checks of the file and of the note, and who may, are the
services' (services.py, permissions.py). A run of another organisation is a 404. Findings are
paged by a keyset cursor on their id (file order), so a page costs the same queries whatever
the number of findings (tests/governance/reconciliation/test_pages_queries.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from coding.views import RULE_LABELS
from config.forms import add_service_errors
from governance import downloads, roles
from governance.downloads import safe_cell
from governance.errors import Concurrency
from governance.http import is_htmx, redirect_to, refuses
from governance.organisations.models import Organisation
from governance.organisations.services import organisation_for_application
from governance.permissions import may, organisation_ids, require
from governance.reconciliation import engine, services
from governance.reconciliation.forms import ExplainForm, UploadForm
from governance.reconciliation.models import STORED, Finding, Kind, Reconciliation

PAGE_SIZE = 50  # findings a page
RUNS_PAGE_SIZE = 25
POLL_SECONDS = 2
_BIGGEST_ID = 2**63 - 1
# The tag of each finding on the page.
COLOURS = {
    engine.OUTSIDE_GOVERNANCE: "red",
    engine.MISCODED: "orange",
    engine.NO_CODED_EPISODE: "yellow",
    engine.ROW_ERROR: "grey",
    engine.MATCHED: "green",
}
# The count of each finding in a run's summary.
SUMMARY_LABELS = {
    engine.OUTSIDE_GOVERNANCE: "Episodes outside governance",
    engine.MISCODED: "Miscoded episodes",
    engine.NO_CODED_EPISODE: "Cases with no coded episode",
    engine.ROW_ERROR: "Unreadable rows",
    engine.MATCHED: "Matched episodes",
}
STATUS_COLOURS = {"queued": "grey", "running": "blue", "done": "green", "failed": "red"}
# The findings of a run not yet explained, counted beside it.
UNEXPLAINED = Count("findings", filter=Q(findings__explained_at__isnull=True))
# The query parameters a page of findings keeps when it links elsewhere and back.
KEPT = ("finding", "explained", "after", "before")
CSV_COLUMNS = (*engine.COLUMNS, "explanation")
COLUMNS_HINT = (
    "A header row with episode_id, nhs_number, performed_on (or OPDATE_01), the "
    "procedure codes in OPERTN_01 to OPERTN_24 (or one codes column), and optionally "
    "approach, image_guidance and levels. Dates as 2026-03-01 or 01/03/2026."
)


# --- helpers ---------------------------------------------------------------------------------


def visible_reconciliation(request: HttpRequest, pk: int) -> Reconciliation:
    """The run if it belongs to one of the user's organisations (404 otherwise); the 403 page
    for a user whose role may not read runs at all."""
    require("governance.read_reconciliation", request.user)
    runs = Reconciliation.objects.visible_to(request.user)
    return get_object_or_404(runs.select_related("organisation", "uploaded_by"), pk=pk)


def _id(value: str | None) -> int | None:
    """A cursor: the id of the row a page starts after (or ends before), or None."""
    if value is None or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= _BIGGEST_ID else None


@dataclass
class Page:
    rows: list[Any]
    previous: int | None  # the cursor of the "Previous" link
    next: int | None  # the cursor of the "Next" link


def id_page(
    rows: QuerySet, *, after: int | None, before: int | None, size: int, newest_first: bool
) -> Page:
    """A page of `rows` in the order of their id by keyset: `after` walks on, `before` back.
    One query, whatever the page."""
    onwards, backwards = ("lt", "gt") if newest_first else ("gt", "lt")
    forwards_order, backwards_order = ("-pk", "pk") if newest_first else ("pk", "-pk")
    if before is not None:
        found = list(rows.filter(**{f"pk__{backwards}": before}).order_by(backwards_order))
        found = found[: size + 1]
        more = len(found) > size
        found = found[:size][::-1]
        return Page(found, found[0].pk if found and more else None, found[-1].pk if found else None)
    if after is not None:
        rows = rows.filter(**{f"pk__{onwards}": after})
    found = list(rows.order_by(forwards_order)[: size + 1])
    more = len(found) > size
    found = found[:size]
    previous = found[0].pk if found and after is not None else None
    return Page(found, previous, found[-1].pk if found and more else None)


def _url(path: str, params: dict[str, Any]) -> str:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        if value not in (None, ""):
            query[name] = str(value)
    return f"{path}?{query.urlencode()}" if query else path


@dataclass(frozen=True)
class Filters:
    finding: str | None  # one of STORED, or None for every finding
    explained: bool | None

    @classmethod
    def of(cls, params: QueryDict) -> Filters:
        """The filters of a page's query; a value that is none of the choices is no filter."""
        finding = params.get("finding")
        explained = {"true": True, "false": False}.get(params.get("explained", ""))
        return cls(finding if finding in STORED else None, explained)

    def apply(self, findings: QuerySet[Finding]) -> QuerySet[Finding]:
        if self.finding:
            findings = findings.filter(finding=self.finding)
        if self.explained is not None:
            findings = findings.filter(explained_at__isnull=not self.explained)
        return findings

    @property
    def params(self) -> dict[str, str]:
        params = {}
        if self.finding:
            params["finding"] = self.finding
        if self.explained is not None:
            params["explained"] = "true" if self.explained else "false"
        return params


def kept_query(params: QueryDict) -> str:
    """The page's filters and cursor, for a link that comes back to the same page."""
    query = QueryDict(mutable=True)
    filters = Filters.of(params)
    for name, value in filters.params.items():
        query[name] = value
    for name in ("after", "before"):
        cursor = _id(params.get(name))
        if cursor is not None:
            query[name] = str(cursor)
    return query.urlencode()


@dataclass(frozen=True)
class FindingRow:
    finding: Finding
    colour: str
    rules: list[str]  # in words
    nhs_number: str  # as the viewer may see it


def finding_rows(findings: list[Finding], *, see_nhs_number: bool) -> list[FindingRow]:
    return [
        FindingRow(
            finding,
            COLOURS.get(finding.finding, "grey"),
            [
                RULE_LABELS.get(rule, rule)
                for rule in finding.rules or ()
                if rule != engine.ROW_ERROR
            ],
            finding.nhs_number_display if see_nhs_number else finding.nhs_number_masked,
        )
        for finding in findings
    ]


# --- the list of runs and the upload -------------------------------------------------------


def _organisations(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=organisation_ids(user)).order_by("name")


@require_http_methods(["GET", "POST"])
@refuses
def reconciliation_list(request: HttpRequest) -> HttpResponse:
    """The runs of the user's organisations, newest first, and (for a lead) the upload."""
    user = request.user
    require("governance.read_reconciliation", user)
    can_upload = roles.is_lead(user)
    if request.method == "POST" and not can_upload:
        require("governance.reconcile", user, None)  # the 403 page, in its words
    organisations = _organisations(user)
    form = None
    if can_upload:
        data = (request.POST, request.FILES) if request.method == "POST" else ()
        form = UploadForm(*data, organisations=organisations)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            organisation = organisation_for_application(user, form.cleaned_data.get("organisation"))
            reconciliation = services.reconciliation_start(
                organisation=organisation, file=form.cleaned_data["file"], actor=user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{reconciliation.file_name} is uploaded.")
            return redirect_to(
                request, reverse("governance:reconciliation_detail", args=[reconciliation.pk])
            )
    runs = (
        Reconciliation.objects.visible_to(user)
        .select_related("uploaded_by", "organisation")
        .annotate(unexplained=UNEXPLAINED)
    )
    page = id_page(
        runs,
        after=_id(request.GET.get("after")),
        before=_id(request.GET.get("before")),
        size=RUNS_PAGE_SIZE,
        newest_first=True,
    )
    path = request.path
    context = {
        "form": form,
        "runs": [(run, STATUS_COLOURS[run.status]) for run in page.rows],
        "columns_hint": COLUMNS_HINT,
        "several_organisations": len(organisations) > 1,
        "previous_url": _url(path, {"before": page.previous}) if page.previous else None,
        "next_url": _url(path, {"after": page.next}) if page.next else None,
        "paged": bool(request.GET.get("after") or request.GET.get("before")),
    }
    return render(request, "governance/reconciliation/reconciliation_list.html", context)


# --- a run: its progress, then its findings -------------------------------------------------


def _tabs(
    request: HttpRequest, reconciliation: Reconciliation, filters: Filters, explained: dict
) -> tuple[list[dict], list[dict]]:
    """The finding tabs (counts from the run) and the explained tabs (counts of the finding
    chosen)."""
    path = request.path
    by_finding = [
        {
            "label": "All",
            "count": reconciliation.flagged,
            "url": _url(path, {**filters.params, "finding": None}),
            "current": filters.finding is None,
        }
    ] + [
        {
            "label": Kind(kind).label,
            "count": reconciliation.count_of(kind),
            "url": _url(path, {**filters.params, "finding": kind}),
            "current": filters.finding == kind,
        }
        for kind in STORED
    ]
    by_explained = [
        {
            "label": label,
            "count": explained[key],
            "url": _url(path, {**filters.params, "explained": value}),
            "current": filters.explained is state,
        }
        for label, key, value, state in (
            ("All", "all", None, None),
            ("Not explained", "unexplained", "false", False),
            ("Explained", "explained", "true", True),
        )
    ]
    return by_finding, by_explained


def _run_context(request: HttpRequest, reconciliation: Reconciliation) -> dict[str, Any]:
    """What the part of the page below the heading shows: the progress while the run goes on,
    then the counts and a page of findings."""
    user = request.user
    context: dict[str, Any] = {
        "reconciliation": reconciliation,
        "status_colour": STATUS_COLOURS[reconciliation.status],
        "poll_seconds": POLL_SECONDS,
        "detail_url": reverse("governance:reconciliation_detail", args=[reconciliation.pk]),
        "polled": is_htmx(request),
    }
    if reconciliation.is_active:
        return context
    filters = Filters.of(request.GET)
    by_finding = Filters(filters.finding, None).apply(reconciliation.findings.all())
    explained = by_finding.aggregate(
        all=Count("pk"),
        explained=Count("pk", filter=Q(explained_at__isnull=False)),
        unexplained=Count("pk", filter=Q(explained_at__isnull=True)),
    )
    page = id_page(
        filters.apply(reconciliation.findings.all()).select_related("introduction", "explained_by"),
        after=_id(request.GET.get("after")),
        before=_id(request.GET.get("before")),
        size=PAGE_SIZE,
        newest_first=False,
    )
    path = context["detail_url"]
    finding_tabs, explained_tabs = _tabs(request, reconciliation, filters, explained)
    see = may(user, "governance.see_finding_nhs_number", reconciliation)
    context.update(
        {
            "counts": [
                {
                    "kind": kind,
                    "label": SUMMARY_LABELS[kind],
                    "count": reconciliation.count_of(kind),
                    "url": _url(path, {"finding": kind}) + "#findings"
                    if kind in STORED and reconciliation.count_of(kind)
                    else None,
                }
                for kind in engine.FINDINGS
            ],
            "rows": finding_rows(page.rows, see_nhs_number=see),
            "finding_tabs": finding_tabs,
            "explained_tabs": explained_tabs,
            "filters": filters,
            "shown": explained["all"]
            if filters.explained is None
            else explained["explained" if filters.explained else "unexplained"],
            "filtered": bool(filters.params),
            "can_explain": may(user, "governance.explain_finding", reconciliation),
            "back_query": kept_query(request.GET),
            "csv_url": _url(
                reverse("governance:reconciliation_findings_csv", args=[reconciliation.pk]),
                filters.params,
            ),
            "previous_url": _url(path, {**filters.params, "before": page.previous})
            if page.previous
            else None,
            "next_url": _url(path, {**filters.params, "after": page.next}) if page.next else None,
            "paged": bool(request.GET.get("after") or request.GET.get("before")),
            "first_url": _url(path, filters.params),
        }
    )
    return context


@require_GET
@refuses
def reconciliation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reconciliation = visible_reconciliation(request, pk)
    return render(
        request,
        "governance/reconciliation/reconciliation_detail.html",
        _run_context(request, reconciliation),
    )


@require_GET
@refuses
def reconciliation_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the run's page that htmx polls while the run goes on: the progress, and
    once the run has ended the counts and findings it swaps in (and so stops polling)."""
    reconciliation = visible_reconciliation(request, pk)
    if not is_htmx(request):
        return redirect_to(
            request, reverse("governance:reconciliation_detail", args=[reconciliation.pk])
        )
    return render(
        request, "governance/reconciliation/_run.html", _run_context(request, reconciliation)
    )


# --- the CSV -------------------------------------------------------------------------------


def csv_lines(findings: QuerySet[Finding], *, see_nhs_number: bool) -> Iterator[str]:
    """The findings in the command line's columns and the explanation, as CSV text; the
    file's own cells (episode ids) and the notes come from people, so they are made safe."""

    def rows() -> Iterator[list[str]]:
        for finding in findings.iterator(chunk_size=2000):
            cells = list(finding.row())
            cells[1] = finding.nhs_number if see_nhs_number else finding.nhs_number_masked
            cells[0], cells[1] = safe_cell(cells[0]), safe_cell(cells[1])
            yield [*cells, safe_cell(finding.explanation)]

    return downloads.csv_lines(CSV_COLUMNS, rows())


@require_GET
@refuses
def reconciliation_findings_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's findings (filtered as the page is) as CSV, in the columns of the command
    line's output and the explanation, streamed."""
    reconciliation = visible_reconciliation(request, pk)
    filters = Filters.of(request.GET)
    findings = filters.apply(reconciliation.findings.all()).order_by("pk")
    see = may(request.user, "governance.see_finding_nhs_number", reconciliation)
    response = StreamingHttpResponse(
        csv_lines(findings, see_nhs_number=see), content_type="text/csv; charset=utf-8"
    )
    suffix = f"-{filters.finding}" if filters.finding else ""
    name = f"reconciliation-{reconciliation.pk}-findings{suffix}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- a lead's explanation --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@refuses
def finding_explain(request: HttpRequest, pk: int, finding_id: int) -> HttpResponse:
    """A lead's note saying why a finding needs no more action; back to the list as it was."""
    reconciliation = visible_reconciliation(request, pk)
    finding = get_object_or_404(
        reconciliation.findings.select_related("introduction", "explained_by"), pk=finding_id
    )
    finding.reconciliation = reconciliation
    require("governance.explain_finding", request.user, finding)
    params = request.POST if request.method == "POST" else request.GET
    back_query = kept_query(params)
    back = reverse("governance:reconciliation_detail", args=[reconciliation.pk])
    back_url = f"{back}?{back_query}" if back_query else back
    form = ExplainForm(request.POST or None, initial={"note": finding.explanation})
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_explain(
                finding=finding, note=form.cleaned_data["note"], actor=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Concurrency as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"The finding of {_what(finding)} is marked explained.")
            return redirect_to(request, f"{back_url}#finding-{finding.pk}")
    see = may(request.user, "governance.see_finding_nhs_number", reconciliation)
    (row,) = finding_rows([finding], see_nhs_number=see)
    context = {
        "reconciliation": reconciliation,
        "finding": finding,
        "row": row,
        "what": _what(finding),
        "form": form,
        "back_url": back_url,
        "back_params": list(QueryDict(back_query).items()),
    }
    return render(request, "governance/reconciliation/finding_explain.html", context)


def _what(finding: Finding) -> str:
    if finding.episode_id:
        return f"episode {finding.episode_id}"
    if finding.case_id:
        return f"case {finding.case_id}"
    return f"line {finding.line}"
