"""Pages of cases, their outcomes and the introduction's approved operators.

Views only translate HTTP: they read forms, call cases/services.py (the API calls the same
services) and turn domain errors into pages (governance/http.py): NotPermitted is the 403
page; a state that allows no case (cases_conflict) a 409 page in the same words; a service's
ValidationError goes onto the form's fields. Nothing typed is lost: a refused form comes back
filled in.

Cases are read through their introduction, `Introduction.objects.visible_to(user)`: another
organisation's case is a 404. Each page runs the same number of queries however many cases
the introduction has (tests/governance/cases/test_pages_queries.py).

The quick form checks the coding as the clinician types (htmx posts to `case_check`, which
answers the coding result partial); without JavaScript the case is saved, flagged, and the
suggestion applied from the case page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from csp.decorators import csp
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding import services as coding
from coding.errors import CodingError
from coding.views import ResultView
from config.forms import add_service_errors
from governance import downloads, roles
from governance.cases import charts, display, services
from governance.cases.forms import (
    CODES_MAX_LENGTH,
    FAILURES,
    CaseChangeForm,
    CaseForm,
    CodingCheckForm,
    FailureForm,
    OperatorForm,
    OutcomeForm,
)
from governance.cases.models import Case, Timepoint, follow_up_due_on
from governance.cases.permissions import cases_conflict
from governance.errors import Concurrency, InvalidTransition
from governance.http import redirect_to, refuses
from governance.introductions.models import Introduction
from governance.introductions.views import visible_introduction
from governance.permissions import may, require

CASE_PAGE_SIZE = 25
FOLLOW_UP_LIMIT = 200  # cases on the follow-ups page, oldest first (the most overdue)
# The case list's filters: (value of ?show=, label).
SHOW = {
    "attention": "Coding needs attention",
    "failed": "Failures",
    "follow_up": "Follow-up due or overdue",
}
_BIGGEST_ID = 2**63 - 1  # a cursor's id beyond a database integer is no cursor


# --- helpers -------------------------------------------------------------------------------


def visible_case(request: HttpRequest, pk: int) -> Case:
    """The case if its introduction is one the user may see; 404 otherwise."""
    return get_object_or_404(
        Case.objects.filter(
            introduction__in=Introduction.objects.visible_to(request.user)
        ).select_related(
            "introduction__guidance",
            "introduction__organisation",
            "operator",
            "logged_by",
            "device",
            "coding__ruleset",
        ),
        pk=pk,
    )


def _name(user) -> str:
    return user.get_full_name() or user.username


def _conflict_page(request: HttpRequest, introduction: Introduction, message: str) -> HttpResponse:
    """No case may be logged in the introduction's state: a 409 page in cases_conflict's words."""
    context = {"introduction": introduction, "message": message}
    return render(request, "governance/cases/case_conflict.html", context, status=409)


def _clinicians(introduction: Introduction) -> list:
    """The clinicians and leads of the introduction's organisation (who may operate)."""
    return list(
        get_user_model()
        .objects.filter(
            memberships__organisation_id=introduction.organisation_id,
            groups__name__in=[roles.CLINICIAN, roles.LEAD],
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
        .only("username", "first_name", "last_name")
    )


def _operator_choices(introduction: Introduction) -> list[tuple[str, Any]]:
    """Approved operators first, then the organisation's other clinicians, as grouped choices
    (a select's optgroups)."""
    approved = set(introduction.operators.values_list("user_id", flat=True))
    people = _clinicians(introduction)
    groups = [
        ("Approved operators", [u for u in people if u.pk in approved]),
        ("Not approved for this procedure", [u for u in people if u.pk not in approved]),
    ]
    return [(label, [(str(u.pk), _name(u)) for u in users]) for label, users in groups if users]


def _device_choices(introduction: Introduction) -> list[tuple[int, str]]:
    links = introduction.device_links.select_related("device").order_by("device__name")
    return [(link.device_id, _device_label(link.device)) for link in links]


def _device_label(device) -> str:
    extra = ", ".join(part for part in (device.model, device.catalogue_number) if part)
    return f"{device}, {extra}" if extra else str(device)


def _case_form(form_class, introduction: Introduction, *args: Any, **kwargs: Any) -> CaseForm:
    return form_class(
        *args,
        operators=_operator_choices(introduction),
        devices=_device_choices(introduction),
        mentor_cases=services.mentor_cases(introduction),
        **kwargs,
    )


def _coding_result(introduction: Introduction, codes: list[str], context: dict) -> ResultView:
    """The result of checking codes against the introduction's guidance's rule set."""
    ruleset = introduction.guidance.ruleset
    if ruleset is None:
        raise CodingError("The guidance has no coding rule set to check against.", field="codes")
    return ResultView.of(
        coding.coding_validate(ruleset_name=ruleset.name, codes=codes, context=context),
        coding.catalogue_current(),
    )


def _check(introduction: Introduction, data: QueryDict) -> dict[str, Any]:
    """The coding check of posted codes and context: {result} or {check_error}, or {} when no
    code has been typed yet."""
    form = CodingCheckForm(data)
    if not form.is_valid():
        if not data.get("codes", "").strip():
            return {}
        errors = [e for name in ("codes", "approach", "image_guidance", "levels")
                  for e in form.errors.get(name, [])]  # fmt: skip
        return {"check_error": errors[0] if errors else "Check the codes and their context."}
    try:
        return {"result": _coding_result(introduction, form.cleaned_data["codes"], form.context())}
    except CodingError as error:
        return {"check_error": error.message}


def _last_case_initial(introduction: Introduction, user) -> dict[str, Any]:
    """The quick form's defaults: today, and the rest as in the clinician's last case here."""
    initial: dict[str, Any] = {"performed_on": timezone.localdate(), "operator": str(user.pk)}
    last = (
        Case.objects.filter(introduction=introduction, logged_by=user)
        .select_related("coding")
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None:
        initial.update(
            operator=str(last.operator_id),
            approach=last.approach,
            image_guidance=last.image_guidance,
            levels=last.levels,
            device=str(last.device_id) if last.device_id else "",
            device_lot=last.device_lot,
            codes=" ".join(last.coding.codes),
        )
    return initial


def _case_initial(case: Case) -> dict[str, Any]:
    return {
        "performed_on": case.performed_on,
        "nhs_number": case.nhs_number_display,
        "local_reference": case.local_reference,
        "operator": str(case.operator_id),
        "mentor": case.mentor,
        "approach": case.approach,
        "image_guidance": case.image_guidance,
        "levels": case.levels,
        "device": str(case.device_id) if case.device_id else "",
        "device_lot": case.device_lot,
        "codes": " ".join(case.coding.codes),
    }


def _with_suggestion(request: HttpRequest) -> tuple[QueryDict, bool]:
    """The posted form; with the codes replaced when "Use the suggested coding" was pressed
    without JavaScript (with it, the button fills the codes box in the browser)."""
    data = request.POST
    suggested = data.get("use_suggested")
    if suggested is None:
        return data, False
    data = data.copy()
    data["codes"] = suggested[:CODES_MAX_LENGTH]
    return data, True


def _coding_context(introduction: Introduction, form: CaseForm) -> dict[str, Any]:
    """The coding check shown under the codes box when a form comes back."""
    if not form.is_bound:
        if not form.initial.get("codes"):
            return {}
        data = QueryDict(mutable=True)
        for name in ("codes", "approach", "image_guidance", "levels"):
            value = form.initial.get(name)
            data[name] = "" if value is None else str(value)
        return _check(introduction, data)
    return _check(introduction, form.data)


# --- the case list -------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    case: Case
    coding: display.Tag
    failure: display.Tag | None
    follow_up: display.FollowUpSummary


def case_row(case: Case, today: date) -> CaseRow:
    """A case as a row of a list; its outcomes prefetched (`for_rows`)."""
    done = [outcome.timepoint for outcome in case.outcomes.all()]
    states = services.follow_up(case, today=today, done=done)
    return CaseRow(
        case,
        display.coding_tag(case.coding_valid),
        display.failure_tag(case.failed),
        display.follow_up_summary(case.performed_on, states),
    )


def follow_up_pending(today: date) -> Q:
    """Cases with a follow-up due or overdue on `today` (services.follow_up_filter)."""
    return services.follow_up_filter("due", today) | services.follow_up_filter("overdue", today)


def _filter(show: str, today: date) -> Q:
    if show == "attention":
        return Q(coding_valid=False)
    if show == "failed":
        return services.failed()
    if show == "follow_up":
        return follow_up_pending(today)
    return Q()


def case_counts(
    introduction: Introduction, today: date, monitored: services.Monitored | None = None
) -> dict[str, int]:
    """How many cases the introduction has, in all and under each filter: one query a change
    of its cases (and a day, for the follow-ups due), kept with its monitoring (services.
    Monitored), whose stamp every write of a case, an outcome, an event or a coding renews."""

    def count() -> dict[str, int]:
        return Case.objects.filter(introduction=introduction).aggregate(
            all=Count("pk"), **{show: Count("pk", filter=_filter(show, today)) for show in SHOW}
        )

    monitored = monitored or services.Monitored(introduction)
    return monitored.cached(f"case-counts:{today.isoformat()}", count)


def for_rows(cases):
    """`cases` with what their rows show read in two queries, however many there are."""
    return services.with_failing(
        cases.select_related("operator").prefetch_related(services.timepoints())
    )


def _cursor(value: str | None) -> tuple[date, int] | None:
    """A keyset cursor `YYYY-MM-DD.id`, or None when there is none or it is not one."""
    try:
        day, pk = (value or "").split(".")
        key = date.fromisoformat(day), int(pk)
    except ValueError:
        return None
    return key if 0 < key[1] <= _BIGGEST_ID else None


def _key(case: Case) -> str:
    return f"{case.performed_on.isoformat()}.{case.pk}"


@dataclass
class CasePage:
    cases: list[Case]
    newer: str | None  # the cursor of the "Previous" link
    older: str | None  # the cursor of the "Next" link


def _case_page(cases, *, after: tuple | None, before: tuple | None) -> CasePage:
    """A page of cases newest first, by keyset on (performed_on, id): `after` walks to older
    cases, `before` back to newer ones. One query, whatever the page."""
    if before is not None:
        day, pk = before
        newer_first = cases.filter(Q(performed_on__gt=day) | Q(performed_on=day, pk__gt=pk))
        rows = list(newer_first.order_by("performed_on", "pk")[: CASE_PAGE_SIZE + 1])
        more = len(rows) > CASE_PAGE_SIZE
        rows = rows[:CASE_PAGE_SIZE][::-1]
        return CasePage(
            rows, _key(rows[0]) if rows and more else None, _key(rows[-1]) if rows else None
        )
    if after is not None:
        day, pk = after
        cases = cases.filter(Q(performed_on__lt=day) | Q(performed_on=day, pk__lt=pk))
    rows = list(cases.order_by("-performed_on", "-pk")[: CASE_PAGE_SIZE + 1])
    more = len(rows) > CASE_PAGE_SIZE
    rows = rows[:CASE_PAGE_SIZE]
    newer = _key(rows[0]) if rows and after is not None else None
    return CasePage(rows, newer, _key(rows[-1]) if rows and more else None)


def _page_url(request: HttpRequest, **params: str) -> str:
    query = QueryDict(mutable=True)
    show = request.GET.get("show")
    if show in SHOW:
        query["show"] = show
    for name, value in params.items():
        query[name] = value
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _caption(count: int, show: str) -> str:
    cases = f"{count} case{'' if count == 1 else 's'}"
    return f"{SHOW[show]}: {cases}" if show else cases


@require_GET
@refuses
def case_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The introduction's cases, newest first, filtered and paged by cursor."""
    introduction = visible_introduction(request, pk)
    user = request.user
    today = timezone.localdate()
    show = request.GET.get("show", "")
    show = show if show in SHOW else ""
    cases = Case.objects.filter(introduction=introduction)
    counts = case_counts(introduction, today)
    chosen = for_rows(cases.filter(_filter(show, today)))
    page = _case_page(
        chosen,
        after=_cursor(request.GET.get("after")),
        before=_cursor(request.GET.get("before")),
    )
    filters = [
        {
            "label": label,
            "count": counts[value or "all"],
            "url": _page_url(request, show=value) if value else request.path,
            "current": value == show,
        }
        for value, label in [("", "All cases"), *SHOW.items()]
    ]
    conflict = None
    if may(user, "governance.log_case", introduction):
        conflict = cases_conflict(introduction)
    context = {
        "introduction": introduction,
        "rows": [case_row(case, today) for case in page.cases],
        "filters": filters,
        "show": show,
        "show_label": SHOW.get(show, ""),
        "caption": _caption(counts[show or "all"], show),
        "previous_url": _page_url(request, before=page.newer) if page.newer else None,
        "next_url": _page_url(request, after=page.older) if page.older else None,
        "paged": bool(request.GET.get("after") or request.GET.get("before")),
        "can_log": may(user, "governance.log_case_now", introduction),
        "conflict": conflict,
    }
    return render(request, "governance/cases/case_list.html", context)


# --- logging and changing a case -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@refuses
def case_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The quick form: one page, prefilled from the clinician's last case under this
    introduction, the coding checked as they type."""
    introduction = visible_introduction(request, pk)
    require("governance.log_case", request.user, introduction)
    conflict = cases_conflict(introduction)
    if conflict:
        return _conflict_page(request, introduction, conflict)
    if request.method == "POST":
        data, suggesting = _with_suggestion(request)
        form = _case_form(CaseForm, introduction, data)
        if not suggesting and form.is_valid():
            try:
                case = services.case_log(
                    introduction=introduction,
                    actor=request.user,
                    codes=form.cleaned_data["codes"],
                    **form.case_fields(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except Concurrency as error:
                form.add_error(None, error.message)
            except InvalidTransition as error:
                return _conflict_page(request, introduction, error.message)
            else:
                _say_logged(request, case)
                return redirect_to(request, reverse("governance:case_detail", args=[case.pk]))
    else:
        form = _case_form(
            CaseForm, introduction, initial=_last_case_initial(introduction, request.user)
        )
    context = {
        "introduction": introduction,
        "form": form,
        "check_url": reverse("governance:case_check", args=[introduction.pk]),
        **_coding_context(introduction, form),
    }
    return render(request, "governance/cases/case_new.html", context)


def _say_logged(request: HttpRequest, case: Case) -> None:
    if case.coding_valid:
        messages.success(request, "Case logged. Its OPCS-4 coding is valid.")
    else:
        messages.warning(
            request,
            "Case logged, but its OPCS-4 coding needs attention: correct the codes or apply "
            "the suggested coding below.",
        )


@require_POST
@refuses
def case_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The as-you-type coding check of the quick and change forms (htmx): the coding result
    partial for the codes and context posted, checked against the guidance's rule set."""
    introduction = visible_introduction(request, pk)
    require("governance.log_case", request.user, introduction)
    context = {"introduction": introduction, **_check(introduction, request.POST)}
    return render(request, "governance/cases/_coding_check.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def case_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the case's details and codes, with a reason."""
    case = visible_case(request, pk)
    introduction = case.introduction
    require("governance.log_case", request.user, introduction)
    if request.method == "POST":
        data, suggesting = _with_suggestion(request)
        form = _case_form(CaseChangeForm, introduction, data, initial=_case_initial(case))
        if not suggesting and form.is_valid():
            try:
                services.case_update(
                    case=case,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    codes=form.cleaned_data["codes"],
                    **form.case_fields(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except Concurrency as error:
                form.add_error(None, error.message)
            else:
                case.refresh_from_db()
                if case.coding_valid:
                    messages.success(request, "Case changed")
                else:
                    messages.warning(request, "Case changed, but its OPCS-4 coding needs attention")
                return redirect_to(request, reverse("governance:case_detail", args=[case.pk]))
    else:
        form = _case_form(CaseChangeForm, introduction, initial=_case_initial(case))
    context = {
        "case": case,
        "introduction": introduction,
        "form": form,
        "check_url": reverse("governance:case_check", args=[introduction.pk]),
        **_coding_context(introduction, form),
    }
    return render(request, "governance/cases/case_change.html", context)


# --- the case page -------------------------------------------------------------------------


@require_GET
@refuses
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case(request, pk)
    introduction = case.introduction
    user = request.user
    today = timezone.localdate()
    outcomes = list(case.outcomes.select_related("recorded_by"))
    recorded = {outcome.timepoint for outcome in outcomes}
    states = services.follow_up(case, today=today, done=recorded)
    can_log = may(user, "governance.log_case", introduction)
    context = {
        "case": case,
        "introduction": introduction,
        "coding_tag": display.coding_tag(case.coding_valid),
        "result": ResultView.of(case.coding.result, coding.catalogue_current()),
        "follow_up": display.follow_up_rows(case.performed_on, states, outcomes),
        "all_recorded": len(recorded) == len(Timepoint.values),
        "see_nhs_number": may(user, "governance.see_nhs_number", introduction),
        "attention": services.case_attention(case) if roles.is_lead(user) else [],
        "can_log": can_log,
        "can_log_another": can_log and may(user, "governance.log_case_now", introduction),
    }
    return render(request, "governance/cases/case_detail.html", context)


@require_POST
@refuses
def case_apply_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the suggested coding shown on the case page (through case_update: the coding is
    validated again and the case's history says why)."""
    case = visible_case(request, pk)
    require("governance.log_case", request.user, case.introduction)
    detail = reverse("governance:case_detail", args=[case.pk])
    shown = coding.split_codes(request.POST.get("codes", "")[:CODES_MAX_LENGTH])
    if not shown or shown != case.coding.suggested:
        messages.warning(
            request, "The coding changed since the page was opened: check the suggestion again."
        )
        return redirect_to(request, detail + "#coding")
    try:
        services.case_update(
            case=case, actor=request.user, reason="Suggested coding applied", codes=shown
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
        return redirect_to(request, detail + "#coding")
    except Concurrency as error:
        messages.warning(request, error.message)
        return redirect_to(request, detail + "#coding")
    case.refresh_from_db()
    if case.coding_valid:
        messages.success(request, "The suggested coding has been applied. The coding is valid.")
    else:
        messages.warning(
            request,
            "The suggested coding has been applied, but some errors need a code only you can "
            "choose: change the case's codes.",
        )
    return redirect_to(request, detail + "#coding")


@require_http_methods(["GET", "POST"])
@refuses
def case_failure(request: HttpRequest, pk: int) -> HttpResponse:
    """Record or correct what makes the case a failure: a reoperation, a device failure, a
    major complication."""
    case = visible_case(request, pk)
    require("governance.log_case", request.user, case.introduction)
    initial = {
        "reoperation_on": case.reoperation_on,
        "failures": [name for name, _ in FAILURES if getattr(case, name)],
    }
    form = FailureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(
                case=case,
                actor=request.user,
                reason=form.cleaned_data["reason"] or "Failure flags changed",
                **form.case_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Concurrency as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "The case's failure flags have been saved")
            detail = reverse("governance:case_detail", args=[case.pk])
            return redirect_to(request, detail + "#failure")
    context = {"case": case, "introduction": case.introduction, "form": form}
    return render(request, "governance/cases/case_failure.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def outcome_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the patient-reported outcomes of the case at one time point."""
    case = visible_case(request, pk)
    require("governance.log_case", request.user, case.introduction)
    today = timezone.localdate()
    recorded = set(case.outcomes.values_list("timepoint", flat=True))
    open_timepoints = [tp for tp in Timepoint.values if tp not in recorded]
    states = services.follow_up(case, today=today, done=recorded)
    wanted = request.GET.get("timepoint")
    initial = {
        "timepoint": wanted
        if wanted in open_timepoints
        else display.next_timepoint(states, recorded),
        "collected_on": today,
    }
    form = OutcomeForm(request.POST or None, initial=initial, timepoints=open_timepoints)
    if request.method == "POST" and form.is_valid():
        timepoint = form.cleaned_data["timepoint"]
        try:
            services.outcome_record(
                case=case, actor=request.user, timepoint=timepoint, **form.outcome_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Concurrency as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"The {Timepoint(timepoint).label.lower()} outcome has been recorded"
            )
            detail = reverse("governance:case_detail", args=[case.pk])
            return redirect_to(request, detail + "#outcomes")
    context = {
        "case": case,
        "introduction": case.introduction,
        "form": form,
        "all_recorded": not open_timepoints,
    }
    return render(request, "governance/cases/outcome_new.html", context)


# --- follow-ups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpDue:
    case: Case
    timepoint: str
    label: str
    due_on: date
    tag: display.Tag
    overdue: bool


def my_cases(user):
    """Cases the user operated or logged, under the introductions they may see."""
    return Case.objects.filter(
        Q(operator=user) | Q(logged_by=user),
        introduction__in=Introduction.objects.visible_to(user),
    )


@require_GET
@refuses
def follow_ups(request: HttpRequest) -> HttpResponse:
    """The follow-ups due and overdue across the user's cases, overdue first."""
    require("governance.use", request.user)
    today = timezone.localdate()
    cases = list(
        my_cases(request.user)
        .filter(follow_up_pending(today))
        .select_related("introduction")
        .prefetch_related(services.timepoints())
        .order_by("performed_on", "pk")[: FOLLOW_UP_LIMIT + 1]
    )
    more = len(cases) > FOLLOW_UP_LIMIT
    rows = []
    for case in cases[:FOLLOW_UP_LIMIT]:
        done = [outcome.timepoint for outcome in case.outcomes.all()]
        for timepoint, state in services.follow_up(case, today=today, done=done).items():
            if state in ("due", "overdue"):
                rows.append(
                    FollowUpDue(
                        case,
                        timepoint,
                        Timepoint(timepoint).label,
                        follow_up_due_on(case.performed_on, timepoint),
                        display.follow_up_tag(state),
                        state == "overdue",
                    )
                )
    rows.sort(key=lambda row: (not row.overdue, row.due_on, row.case.pk))
    context = {
        "rows": rows,
        "overdue": sum(row.overdue for row in rows),
        "due": sum(not row.overdue for row in rows),
        "more": more,
        "limit": FOLLOW_UP_LIMIT,
    }
    return render(request, "governance/cases/follow_ups.html", context)


# --- operators -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@refuses
def operator_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The introduction's approved operators; a governance lead adds one with the evidence."""
    introduction = visible_introduction(request, pk)
    user = request.user
    operators = list(introduction.operators.select_related("user", "added_by"))
    can_add = may(user, "governance.add_operator", introduction)
    form = None
    if can_add or request.method == "POST":
        require("governance.add_operator", user, introduction)
        approved = {operator.user_id for operator in operators}
        people = {u.pk: u for u in _clinicians(introduction) if u.pk not in approved}
        form = OperatorForm(
            request.POST or None,
            initial={"approved_on": timezone.localdate()},
            clinicians=[(pk_, _name(u)) for pk_, u in people.items()],
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                operator = services.operator_add(
                    introduction=introduction,
                    user=people[int(data["user"])],
                    evidence=data["evidence"],
                    approved_on=data["approved_on"],
                    actor=user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except Concurrency as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"{_name(operator.user)} is now an approved operator")
                url = reverse("governance:operator_list", args=[introduction.pk])
                return redirect_to(request, url)
    context = {
        "introduction": introduction,
        "operators": operators,
        "form": form,
        "can_add": form is not None,
    }
    return render(request, "governance/cases/operator_list.html", context)


# --- monitoring ---------------------------------------------------------------------------


MONITORING_PAGE_SIZE = 50  # cases a page of the CUSUM and VLAD tables


@dataclass(frozen=True)
class SeriesPage:
    """One page of the monitoring tables: the cases `first` to `last` (numbered in date order,
    from 1) of `total`, and the links to the pages either side (None at either end)."""

    rows: list[display.SeriesRow]
    first: int
    last: int
    total: int
    previous_url: str | None
    previous_words: str
    next_url: str | None
    next_words: str

    @property
    def caption(self) -> str:
        return f"{_cases_words(self.first, self.last)} of {self.total:,}"


def _cases_words(first: int, last: int) -> str:
    # "to", not a dash, in a range (the NHS digital service manual's content style).
    return f"Cases {first:,} to {last:,}"


def _page_number(asked: str | None, pages: int) -> int:
    """?page= when it is a page there is; otherwise the last page."""
    number = int(asked) if asked and asked.isascii() and asked.isdigit() and len(asked) < 10 else 0
    return number if 1 <= number <= pages else pages


def series_page(watched: services.Monitored, asked: str | None) -> SeriesPage:
    """The page `asked` (?page=, from 1 in date order) of the series: by default the last, the
    latest cases, which is what a lead checks. Numbers keep their place in date order. The
    rows are written once a change (Monitored.cached)."""
    result = watched.monitoring
    total, size = result.cases, MONITORING_PAGE_SIZE
    pages = max(1, -(-total // size))
    number = _page_number(asked, pages)
    start, last = (number - 1) * size, min(number * size, total)
    before, after = number - 1, number + 1

    def rows() -> list[display.SeriesRow]:
        return [
            display.series_row(p, reverse("governance:case_detail", args=[p.case]))
            for p in result.points(start, last)
        ]

    return SeriesPage(
        rows=watched.cached(f"rows of page {number} of {size}", rows),
        first=min(start + 1, total),
        last=last,
        total=total,
        previous_url=f"?page={before}" if before >= 1 else None,
        previous_words=_cases_words((before - 1) * size + 1, before * size),
        next_url=f"?page={after}" if after <= pages else None,
        next_words=_cases_words(number * size + 1, min(after * size, total)),
    )


@require_GET
@refuses
def monitoring(request: HttpRequest, pk: int) -> HttpResponse:
    """The CUSUM and VLAD charts (images of `monitoring_chart_svg`) with their data tables, a
    page of cases at a time (the whole series is the CSV download), and the PROM summary."""
    introduction = visible_introduction(request, pk)
    watched = services.Monitored(introduction)
    result = watched.monitoring
    context = {
        "introduction": introduction,
        "monitoring": result,
        "prom": watched.prom,
        "series": series_page(watched, request.GET.get("page")) if result else None,
        "paged": "page" in request.GET,
    }
    context["reviews_due"] = [
        review for review in introduction.reviews.scheduled() if review.is_due or review.is_overdue
    ]
    return render(request, "governance/cases/monitoring.html", context)


CSV_COLUMNS = ("number", "case", "performed_on", "failed", "s", "vlad")
_CSV_BATCH = 1000


@require_GET
@refuses
def monitoring_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every case of the monitoring tables, in date order: its number, its id, its date, whether
    it failed, the CUSUM (s) and the VLAD after it."""
    introduction = visible_introduction(request, pk)
    result = services.Monitored(introduction).monitoring
    if result is None:
        raise Http404("No monitoring plan.")

    def rows():
        # Numbers, dates and true/false that this code writes: no cell anyone typed, so none
        # is passed through downloads.safe_cell (whose apostrophe would make -0.9 text).
        for start in range(0, result.cases, _CSV_BATCH):
            for p in result.points(start, start + _CSV_BATCH):
                failed = "true" if p.failed else "false"
                yield p.number, p.case, p.performed_on.isoformat(), failed, p.s, p.vlad

    lines = downloads.in_chunks(downloads.csv_lines(CSV_COLUMNS, rows()))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"introduction-{introduction.pk}-monitoring.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _chart(request: HttpRequest, pk: int, chart: str, fmt: charts.Format, title: str) -> bytes:
    introduction = visible_introduction(request, pk)
    if not introduction.has_monitoring_plan or chart not in charts.CHARTS:
        raise Http404("No such chart.")
    title = title.format(chart=chart.upper(), introduction=introduction)
    return charts.drawn(services.Monitored(introduction), chart, fmt, title=title)


# The pages show each chart as an image of this URL, never as SVG inside the page: matplotlib
# styles an SVG with a <style> element and style attributes, which the page's
# Content-Security-Policy (style-src 'self') refuses in the page but not inside an image.
# Opened on its own, the SVG is a document of its own: this policy lets it draw its styles and
# nothing else (no script, no fetch of any kind).
@csp({"default-src": "'none'", "style-src": "'unsafe-inline'", "frame-ancestors": "'none'"})
@require_GET
@refuses
def monitoring_chart_svg(request: HttpRequest, pk: int, chart: str) -> HttpResponse:
    """`cusum.svg` and `vlad.svg`: the charts of the monitoring and review pages."""
    title = "CUSUM of failures: {introduction.title}" if chart == "cusum" else "VLAD"
    return HttpResponse(_chart(request, pk, chart, "svg", title), content_type="image/svg+xml")


@require_GET
@refuses
def monitoring_chart(request: HttpRequest, pk: int, chart: str) -> HttpResponse:
    """`cusum.png` and `vlad.png` to download."""
    png = _chart(request, pk, chart, "png", "{chart}: {introduction.title}")
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="introduction-{pk}-{chart}.png"'
    return response
