"""The audit history page and its CSV export: every change to the organisation's introductions
and what hangs off them, and the roles and memberships of its people, newest first. Read-only:
nothing here changes or deletes history."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from config.forms import add_service_errors
from governance.audit import queries as audit
from governance.audit.forms import HistoryFilterForm
from governance.http import is_htmx, refuses
from governance.introductions.models import Introduction
from governance.permissions import organisation_ids, require

HISTORY_PAGE_SIZE = 50
# How many earlier pages the audit page remembers for its "Newer" link (in the URL).
HISTORY_TRAIL = 20
FIRST_PAGE = "0"  # the first page in the trail (it has no cursor)


def _history_form(request: HttpRequest) -> HistoryFilterForm:
    user = request.user
    orgs = organisation_ids(user)
    members = (
        get_user_model()
        .objects.filter(memberships__organisation_id__in=orgs)
        .distinct()
        .order_by("username")
        .only("username", "first_name", "last_name")
    )
    introductions = (
        Introduction.objects.in_organisations_of(user)
        .order_by("title", "pk")
        .values_list("pk", "title")
    )
    filters = {k: v for k, v in request.GET.items() if k not in ("cursor", "trail")}
    return HistoryFilterForm(
        filters or None,
        users=[(m.username, m.get_full_name() or m.username) for m in members],
        record_types=audit.record_types(),
        introductions=list(introductions),
    )


def _history_filter(form: HistoryFilterForm) -> audit.HistoryFilter | None:
    """The filters the form asks for, or None (errors on the form) when they are not valid."""
    if not form.is_bound:
        return audit.HistoryFilter()
    if not form.is_valid():
        return None
    try:
        return audit.HistoryFilter.from_params(form.params())
    except ValidationError as error:
        add_service_errors(form, error)
        return None


def _page_links(request: HttpRequest, next_cursor: str | None) -> dict[str, str | None]:
    """The "Newer" and "Older" links. The cursor only walks to older entries, so the way back is
    kept in the URL: `trail` holds the cursors of the pages before this one."""
    query = request.GET.copy()
    cursor = query.pop("cursor", [""])[-1]
    trail = [t for t in query.pop("trail", [""])[-1].split(".") if t]
    links: dict[str, str | None] = {"newer": None, "older": None, "newest": None}

    def link(new_cursor: str | None, new_trail: list[str]) -> str:
        params = QueryDict(mutable=True)
        params.update(query)
        if new_cursor:
            params["cursor"] = new_cursor
        if new_trail:
            params["trail"] = ".".join(new_trail[-HISTORY_TRAIL:])
        encoded = params.urlencode()
        return f"{request.path}?{encoded}" if encoded else request.path

    if next_cursor:
        links["older"] = link(next_cursor, [*trail, cursor or FIRST_PAGE])
    if trail:
        previous = trail[-1]
        links["newer"] = link(None if previous == FIRST_PAGE else previous, trail[:-1])
    elif cursor:
        links["newest"] = link(None, [])
    return links


def _unopenable(user, page) -> frozenset[int]:
    """The introductions of the page's entries the viewer may read in the history but not
    open: other people's drafts (one query)."""
    ids = {entry.introduction_id for entry in page.entries} if page else set()
    ids.discard(None)
    if not ids:
        return frozenset()
    openable = Introduction.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    return frozenset(ids - set(openable))


@require_GET
@refuses
def audit_history(request: HttpRequest) -> HttpResponse:
    """Every change to the organisation's introductions and what hangs off them, and to its
    people's roles and memberships, newest first. Read-only: nothing here changes or deletes
    history."""
    require("governance.read_history", request.user)
    form = _history_form(request)
    filters = _history_filter(form)
    page, links, cursor_error = None, {}, None
    if filters is not None:
        try:
            page = audit.history_page(
                viewer=request.user,
                filters=filters,
                cursor=request.GET.get("cursor") or None,
                limit=HISTORY_PAGE_SIZE,
            )
        except ValidationError:
            cursor_error = "This page of the history no longer exists. Start from the newest."
        else:
            links = _page_links(request, page.next_cursor)
    export = request.GET.copy()
    export.pop("cursor", None)
    export.pop("trail", None)
    context = {
        "form": form,
        "page": page,
        "links": links,
        "cursor_error": cursor_error,
        "export_query": export.urlencode(),
        "filtered": filters is not None and filters != audit.HistoryFilter(),
        "unopenable": _unopenable(request.user, page),
    }
    template = "governance/audit/_audit_results.html" if is_htmx(request) else None
    return render(request, template or "governance/audit/audit_history.html", context)


@require_GET
@refuses
def audit_history_csv(request: HttpRequest) -> HttpResponse:
    """The filtered history as CSV, streamed: memory stays flat however many rows match."""
    require("governance.read_history", request.user)
    form = _history_form(request)
    filters = _history_filter(form)
    if filters is None:
        context = {"form": form, "page": None, "links": {}, "export_query": ""}
        return render(request, "governance/audit/audit_history.html", context, status=400)
    entries = audit.history_all(viewer=request.user, filters=filters)
    response = StreamingHttpResponse(audit.csv_lines(entries), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{audit.export_filename(filters)}"'
    return response
