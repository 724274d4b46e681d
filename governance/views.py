"""The governance pages: introductions, their decisions, and the audit history.

Views only translate HTTP: they read forms, call governance/services.py (the API calls the
same services) and turn domain errors into pages: NotPermitted is a 403 page; InvalidTransition,
Concurrency and PreconditionsUnmet an error summary on the page they came from (what is
missing, linked to where it is fixed); a service's ValidationError goes onto the form's fields.
Nothing typed is lost: a refused form comes back filled in.

Every introduction is read through `Introduction.objects.visible_to(user)`: another
organisation's introduction is a 404. With htmx, the action forms open inside the introduction
page and the filters refresh the results in place; without JavaScript each is a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods

from governance import audit, roles, services, workflow
from governance.errors import Concurrency, InvalidTransition, NotPermitted, PreconditionsUnmet
from governance.forms import (
    GUARD_SECTIONS,
    SECTIONS,
    SECTIONS_BY_SLUG,
    ConditionMeetForm,
    HistoryFilterForm,
    IntroductionFilterForm,
    IntroductionStartForm,
    ReviewCompleteForm,
    TransitionForm,
    add_service_errors,
)
from governance.models import Condition, Introduction, Organisation, Review
from governance.permissions import organisation_ids
from governance.workflow import Action, Party, Status

LIST_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50
# How many earlier pages the audit page remembers for its "Newer" link (in the URL).
HISTORY_TRAIL = 20
FIRST_PAGE = "0"  # the first page in the trail (it has no cursor)
# States an introduction reaches only through approval: its conditions and reviews matter.
APPROVED_ONCE = frozenset({Status.APPROVED, Status.ADOPTED, Status.SUSPENDED, Status.WITHDRAWN})
# The introduction's one-to-one assessments (governance/assessment_models.py).
ASSESSMENT_RELATIONS = ("equality_assessment", "sustainability_assessment")

# The banner after each action.
ACTION_DONE: dict[str, str] = {
    Action.SUBMIT: "Your application has been submitted for review",
    Action.START_REVIEW: "You have started the review",
    Action.REQUEST_CHANGES: "Changes have been requested from the applicant",
    Action.RESUBMIT: "Your application has been resubmitted for review",
    Action.APPROVE: "The introduction has been approved",
    Action.REJECT: "The application has been rejected",
    Action.SUSPEND: "The introduction has been suspended",
    Action.REINSTATE: "The introduction has been reinstated",
    Action.WITHDRAW: "The introduction has been withdrawn",
    Action.ADOPT: "The procedure has been adopted into routine practice",
    Action.CANCEL: "The application has been cancelled",
}


# --- helpers -----------------------------------------------------------------------------


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "governance/forbidden.html", {"message": message}, status=403)


def refuses(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """NotPermitted (from a service) and PermissionDenied become the 403 page, with the
    reason in words."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotPermitted as error:
            return forbidden(request, error.message)
        except PermissionDenied as error:
            return forbidden(request, str(error) or "You cannot see this page.")

    return wrapped


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a whole page (so the banner and the page agree)."""
    if is_htmx(request):
        return HttpResponse(headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


def visible_introduction(request: HttpRequest, pk: int) -> Introduction:
    """The introduction if the user's organisations hold it; 404 otherwise (never 403, which
    would confirm that it exists). Its assessments come in the same query: the approval guards
    and the assessments' status partial read them."""
    return get_object_or_404(
        Introduction.objects.visible_to(request.user).select_related(
            "guidance",
            "applicant",
            "organisation",
            *ASSESSMENT_RELATIONS,
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class Missing:
    """An unmet guard of an action, in words, with a link to where it is put right."""

    code: str
    text: str
    url: str | None
    link_text: str
    who: str


def _url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def missing_items(introduction: Introduction, codes: list[str], user) -> list[Missing]:
    """Each unmet guard code with its GUARD_TEXT and a link to its fix."""
    detail = reverse("governance:introduction_detail", args=[introduction.pk])
    can_edit = user.has_perm("governance.edit_introduction", introduction)
    items = []
    for code in codes:
        text = workflow.GUARD_TEXT.get(code, code)
        if code in GUARD_SECTIONS:
            section = SECTIONS_BY_SLUG[GUARD_SECTIONS[code]]
            if can_edit:
                url = reverse(
                    "governance:introduction_section", args=[introduction.pk, section.slug]
                )
                items.append(Missing(code, text, url, f"Change {section.title.lower()}", ""))
            else:
                items.append(
                    Missing(
                        code,
                        text,
                        f"{detail}#section-{section.slug}",
                        f"See {section.title.lower()} in the application",
                        "The applicant changes this once changes are requested.",
                    )
                )
        elif code in ("equality-assessment", "sustainability-assessment", "equality-stop"):
            kind = code.split("-")[0]
            url = _url_or_none(f"governance:{kind}_assessment_edit", introduction.pk)
            label = "equality impact" if kind == "equality" else "sustainability"
            items.append(
                Missing(
                    code, text, url or f"{detail}#assessments", f"Go to the {label} assessment", ""
                )
            )
        elif code in ("recommendation", "do-not-use"):
            url = _url_or_none("admin:governance_guidance_change", introduction.guidance_id)
            items.append(
                Missing(
                    code,
                    text,
                    url,
                    f"Record it on guidance {introduction.guidance.reference}",
                    "An administrator records NICE's recommendation.",
                )
            )
        elif code == "coding-ruleset":
            url = _url_or_none("admin:governance_guidance_change", introduction.guidance_id)
            url = url or _url_or_none("coding:ruleset_list")
            items.append(
                Missing(
                    code,
                    text,
                    url,
                    f"Set the rule set of guidance {introduction.guidance.reference}",
                    "An administrator sets the coding rule set.",
                )
            )
        elif code == "conditions-met":
            items.append(Missing(code, text, f"{detail}#conditions", "See the conditions", ""))
        elif code == "reviews-complete":
            items.append(Missing(code, text, f"{detail}#reviews", "See the reviews", ""))
        else:
            items.append(Missing(code, text, None, "", ""))
    return items


def blocked_actions(introduction: Introduction, actions: list[str], user) -> dict[str, list]:
    """For each offered action with guards (approve, adopt), what is missing now."""
    blocked = {}
    for action in actions:
        rule = workflow.rule_for(action)
        if not rule.guards:
            continue
        codes = (
            introduction.unmet_for_approval()
            if action == Action.APPROVE
            else workflow.unmet(rule, introduction)
        )
        if codes:
            blocked[action] = missing_items(introduction, codes, user)
    return blocked


def may_act_as_reviewer(introduction: Introduction, user) -> bool:
    return workflow.party_refusal(Party.REVIEWER, introduction, user, "review") is None


# --- introductions -----------------------------------------------------------------------


@require_GET
@refuses
def introduction_list(request: HttpRequest) -> HttpResponse:
    if not roles.roles_of(request.user):
        raise PermissionDenied("You need a role to see introductions. Ask an administrator.")
    form = IntroductionFilterForm(request.GET or None)
    introductions = (
        Introduction.objects.visible_to(request.user)
        .select_related("guidance", "applicant")
        .order_by("-updated_at", "-id")
    )
    status = form.cleaned_data.get("status") if form.is_bound and form.is_valid() else ""
    if status:
        introductions = introductions.filter(status=status)
    page = Paginator(introductions, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "status": status,
        "query": query.urlencode(),
        "can_apply": request.user.has_perm("governance.create_introduction"),
    }
    template = "governance/_introduction_results.html" if is_htmx(request) else None
    return render(request, template or "governance/introduction_list.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def introduction_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("governance.create_introduction"):
        raise PermissionDenied(
            "Only a clinician or governance lead may apply to introduce a procedure."
        )
    organisations = Organisation.objects.filter(pk__in=organisation_ids(request.user))
    form = IntroductionStartForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = data.get("organisation") or organisations.first()
        try:
            introduction = services.introduction_create(
                actor=request.user,
                organisation=organisation,
                guidance=data["guidance"],
                title=data["title"],
                department=data["department"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Draft saved. Complete each section, then submit your application."
            )
            return HttpResponseRedirect(
                reverse("governance:introduction_edit", args=[introduction.pk])
            )
    return render(request, "governance/introduction_create.html", {"form": form})


@require_GET
@refuses
def introduction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    introduction = visible_introduction(request, pk)
    user = request.user
    actions = introduction.allowed_actions(user)
    blocked = blocked_actions(introduction, actions, user)
    reviewer = may_act_as_reviewer(introduction, user)
    live = introduction.status in (Status.APPROVED, Status.SUSPENDED)
    context = {
        "introduction": introduction,
        "devices": [link.device for link in introduction.device_links.select_related("device")],
        "transitions": list(
            introduction.transitions.select_related("actor").order_by("-at", "-id")
        ),
        "conditions": list(introduction.conditions.select_related("met_by")),
        "reviews": list(introduction.reviews.select_related("completed_by")),
        "actions": [action for action in actions if action not in blocked],
        "blocked": blocked,
        "can_edit": user.has_perm("governance.edit_introduction", introduction),
        "can_meet_conditions": reviewer and live,
        "can_complete_reviews": reviewer and live,
        "is_applicant": introduction.applicant_id == user.pk,
        "was_approved": introduction.status in APPROVED_ONCE,
    }
    return render(request, "governance/introduction_detail.html", context)


def _editable_introduction(request: HttpRequest, pk: int) -> Introduction:
    """The introduction, if the user may edit it now; NotPermitted (403) in words if not."""
    introduction = visible_introduction(request, pk)
    why = workflow.party_refusal(Party.APPLICANT, introduction, request.user, "change")
    if why:
        raise NotPermitted(why)
    if not introduction.is_editable:
        raise NotPermitted(
            "An application can be changed only while it is a draft or when changes are "
            f"requested; this one is {introduction.get_status_display().lower()}."
        )
    return introduction


@require_GET
@refuses
def introduction_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The application's task list: each section, its status, and the way to submit."""
    introduction = _editable_introduction(request, pk)
    # Read by the sections' status functions (forms.SECTIONS).
    prefetch_related_objects([introduction], "device_links")
    sections = [(section, section.status(introduction)) for section in SECTIONS]
    actions = introduction.allowed_actions(request.user)
    submit = next((a for a in (Action.SUBMIT, Action.RESUBMIT) if a in actions), None)
    requested = None
    if introduction.status == Status.CHANGES_REQUESTED:
        requested = (
            introduction.transitions.filter(action=Action.REQUEST_CHANGES)
            .select_related("actor")
            .order_by("-at", "-id")
            .first()
        )
    context = {
        "introduction": introduction,
        "requested": requested,
        "sections": sections,
        "submit_action": submit,
        "incomplete": [s for s, status in sections if status == "Incomplete"],
    }
    return render(request, "governance/introduction_edit.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def introduction_section(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """One section of the application; saving it keeps the draft and returns to the list."""
    spec = SECTIONS_BY_SLUG.get(section)
    if spec is None:
        raise Http404("No such section.")
    introduction = _editable_introduction(request, pk)
    if request.method == "POST":
        form = spec.form_class(request.POST)
        if form.is_valid():
            try:
                services.introduction_update(
                    introduction=introduction, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except (InvalidTransition, Concurrency) as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"{spec.title} saved")
                return HttpResponseRedirect(
                    reverse("governance:introduction_edit", args=[introduction.pk])
                )
    else:
        form = spec.form_class(initial=spec.initial(introduction))
    context = {"introduction": introduction, "section": spec, "form": form}
    return render(request, "governance/introduction_section.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def introduction_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Confirm a workflow action with a reason (and conditions, for approval)."""
    if action not in Action.values:
        raise Http404("No such action.")
    introduction = visible_introduction(request, pk)
    user = request.user
    rule = workflow.rule_for(action)
    why = workflow.refusal(rule, introduction, user)
    if why:
        raise NotPermitted(why)
    detail = reverse("governance:introduction_detail", args=[introduction.pk])
    form = TransitionForm(request.POST or None, action=action)
    missing: list[Missing] = []
    conflict = None
    if not workflow.can_proceed(rule, introduction):
        conflict = (
            f"You cannot {workflow.VERB[rule.action]} an introduction that is "
            f"{introduction.get_status_display().lower()}."
        )
    elif request.method == "POST" and form.is_valid():
        try:
            services.introduction_transition(
                introduction=introduction,
                action=action,
                actor=user,
                reason=form.cleaned_data["reason"],
                conditions=form.cleaned_data.get("conditions", []),
            )
        except PreconditionsUnmet as error:
            missing = missing_items(introduction, error.unmet, user)
        except (InvalidTransition, Concurrency) as error:
            conflict = error.message
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, ACTION_DONE.get(action, "Done"))
            return redirect_to(request, detail)
    blocked: list[Missing] = []
    if request.method == "GET" and conflict is None and rule.guards:
        blocked = blocked_actions(introduction, [action], user).get(action, [])
    context = {
        "introduction": introduction,
        "action": action,
        "form": form,
        "missing": missing,
        "blocked": blocked,
        "blocked_heading": f"You cannot {workflow.VERB[rule.action]} this yet",
        "conflict": conflict,
        "detail_url": detail,
        "inline": is_htmx(request),
    }
    if is_htmx(request):
        return render(request, "governance/_action_form.html", context)
    return render(request, "governance/introduction_action.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def condition_meet(request: HttpRequest, pk: int, condition_pk: int) -> HttpResponse:
    introduction = visible_introduction(request, pk)
    condition = get_object_or_404(Condition, pk=condition_pk, introduction=introduction)
    if not may_act_as_reviewer(introduction, request.user):
        raise NotPermitted(
            "Only a governance lead who is not the applicant may record a condition as met."
        )
    form = ConditionMeetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.condition_meet(
                condition=condition, actor=request.user, evidence=form.cleaned_data["evidence"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except (InvalidTransition, Concurrency) as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "The condition has been recorded as met")
            return HttpResponseRedirect(
                reverse("governance:introduction_detail", args=[introduction.pk]) + "#conditions"
            )
    context = {"introduction": introduction, "condition": condition, "form": form}
    return render(request, "governance/condition_meet.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def review_complete(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    introduction = visible_introduction(request, pk)
    review = get_object_or_404(Review, pk=review_pk, introduction=introduction)
    if not may_act_as_reviewer(introduction, request.user):
        raise NotPermitted("Only a governance lead who is not the applicant may complete a review.")
    form = ReviewCompleteForm(request.POST or None)
    missing: list[Missing] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.review_complete(
                review=review,
                actor=request.user,
                outcome=data["outcome"],
                notes=data["notes"],
                conditions=data["conditions"],
            )
        except PreconditionsUnmet as error:
            missing = missing_items(introduction, error.unmet, request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        except (InvalidTransition, Concurrency) as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "The review has been completed")
            return HttpResponseRedirect(
                reverse("governance:introduction_detail", args=[introduction.pk]) + "#reviews"
            )
    context = {"introduction": introduction, "review": review, "form": form, "missing": missing}
    return render(request, "governance/review_complete.html", context)


# --- the audit history -------------------------------------------------------------------


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
        Introduction.objects.visible_to(user).order_by("title", "pk").values_list("pk", "title")
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


@require_GET
@refuses
def audit_history(request: HttpRequest) -> HttpResponse:
    """Every change to the organisation's introductions and what hangs off them, newest first.
    Read-only: nothing here changes or deletes history."""
    if not request.user.has_perm("governance.read_history"):
        raise PermissionDenied(
            "Only governance leads and administrators may read the audit history."
        )
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
    }
    template = "governance/_audit_results.html" if is_htmx(request) else None
    return render(request, template or "governance/audit_history.html", context)


@require_GET
@refuses
def audit_history_csv(request: HttpRequest) -> HttpResponse:
    """The filtered history as CSV, streamed: memory stays flat however many rows match."""
    if not request.user.has_perm("governance.read_history"):
        raise PermissionDenied(
            "Only governance leads and administrators may read the audit history."
        )
    form = _history_form(request)
    filters = _history_filter(form)
    if filters is None:
        context = {"form": form, "page": None, "links": {}, "export_query": ""}
        return render(request, "governance/audit_history.html", context, status=400)
    entries = audit.history_all(viewer=request.user, filters=filters)
    response = StreamingHttpResponse(audit.csv_lines(entries), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{audit.export_filename(filters)}"'
    return response
