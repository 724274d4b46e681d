"""Pages of introductions: the list, the application's task list, the introduction with its
decisions, conditions and reviews.

Views only translate HTTP: they read forms, call introductions/services.py (the API calls the
same services) and turn domain errors into pages (governance/http.py): NotPermitted is a 403
page; InvalidTransition, Concurrency and PreconditionsUnmet an error summary on the page they
came from (what is missing, linked to where it is fixed); a service's ValidationError goes onto
the form's fields. Nothing typed is lost: a refused form comes back filled in.

Every introduction is read through `Introduction.objects.visible_to(user)`: another
organisation's introduction is a 404. With htmx, the action forms open inside the introduction
page and the filters refresh the results in place; without JavaScript each is a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from config.forms import add_service_errors
from governance.errors import Concurrency, InvalidTransition, NotPermitted, PreconditionsUnmet
from governance.http import is_htmx, redirect_to, refuses
from governance.introductions import services, workflow
from governance.introductions.forms import (
    GUARD_SECTIONS,
    SECTIONS,
    SECTIONS_BY_SLUG,
    ConditionMeetForm,
    IntroductionFilterForm,
    IntroductionStartForm,
    ReviewCompleteForm,
    TransitionForm,
)
from governance.introductions.models import Condition, Introduction, Review
from governance.introductions.workflow import Action, Status
from governance.organisations.models import Organisation
from governance.permissions import may, organisation_ids, require

LIST_PAGE_SIZE = 25
# The introduction's one-to-one assessments (assessments/models.py), read with it.
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


# The approval guards of the two assessments, as the applicant's task list names them.
ASSESSMENT_GUARDS = {
    "equality-assessment": "equality impact assessment",
    "sustainability-assessment": "sustainability assessment",
}


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


def missing_items(introduction: Introduction, codes: list[str], user) -> list[Missing]:
    """Each unmet guard code with its GUARD_TEXT and a link to its fix."""
    detail = reverse("governance:introduction_detail", args=[introduction.pk])
    can_edit = may(user, "governance.edit_introduction", introduction)
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
        elif code in ("equality-assessment", "sustainability-assessment"):
            items.append(_missing_assessment(introduction, code, user))
        elif code == "equality-stop":
            url = reverse("governance:equality_assessment_edit", args=[introduction.pk])
            can_fill = may(user, "governance.fill_assessments", introduction)
            if not can_fill:
                url = reverse("governance:assessment_summary", args=[introduction.pk])
            link = "Revise the equality impact assessment" if can_fill else "Read its conclusion"
            items.append(Missing(code, text, url + ("" if can_fill else "#equality"), link, ""))
        elif code in ("recommendation", "do-not-use", "coding-ruleset"):
            items.append(_missing_guidance(introduction, code, text, user))
        elif code == "conditions-met":
            items.append(Missing(code, text, f"{detail}#conditions", "See the conditions", ""))
        elif code == "reviews-complete":
            items.append(Missing(code, text, f"{detail}#reviews", "See the reviews", ""))
        else:
            items.append(Missing(code, text, None, "", ""))
    return items


def _missing_guidance(introduction: Introduction, code: str, text: str, user) -> Missing:
    """What the guidance lacks, linked to its administration page for an administrator; in
    words only for anyone else, who could not open it."""
    reference = introduction.guidance.reference
    if code == "coding-ruleset":
        link, who = f"Import the page of {reference}", "An administrator sets the coding rule set."
    else:
        link, who = (
            f"Record it on guidance {reference}",
            "An administrator records NICE's recommendation.",
        )
    if not may(user, "governance.record_recommendation", introduction.guidance):
        return Missing(code, text, None, "", who)
    return Missing(code, text, reverse("governance:guidance_detail", args=[reference]), link, "")


def _missing_assessment(introduction: Introduction, code: str, user) -> Missing:
    """What an unsigned assessment still needs, in the words of its state (not started, not
    finished, waiting for sign-off), linked to where this user takes the next step: the form
    for the one who fills it in, the sign-off for a lead who may sign it (coming back to the
    approval afterwards), the printable assessment for anyone else."""
    kind, label = code.split("-")[0], ASSESSMENT_GUARDS[code]
    # Read through the reverse relation: introductions may not import assessments.
    assessment = getattr(introduction, f"{kind}_assessment", None)
    summary = reverse("governance:assessment_summary", args=[introduction.pk]) + f"#{kind}"
    can_fill = may(user, "governance.fill_assessments", introduction)
    edit = reverse(f"governance:{kind}_assessment_edit", args=[introduction.pk])
    if assessment is None or not assessment.is_started or not assessment.is_complete:
        started = assessment is not None and assessment.is_started
        text = (
            f"The {label} is {'not finished' if started else 'not started'}: it must be "
            "completed, then signed off by a governance lead who is not the applicant."
        )
        if can_fill:
            action = "Finish" if started else "Fill in"
            return Missing(code, text, edit, f"{action} the {label}", "")
        return Missing(code, text, summary, f"Read the {label}", "The applicant fills it in.")
    text = (
        f"The {label} is completed but not signed off: a governance lead who is not the "
        "applicant must sign it off."
    )
    if may(user, f"governance.sign_off_{kind}_assessment", introduction):
        back = reverse("governance:introduction_action", args=[introduction.pk, Action.APPROVE])
        url = reverse("governance:assessment_sign_off", args=[introduction.pk, kind])
        return Missing(
            code, text, f"{url}?{urlencode({'next': back})}", f"Sign off the {label}", ""
        )
    return Missing(
        code,
        text,
        summary,
        f"Read the {label}",
        "A governance lead who is not the applicant signs it off.",
    )


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


# --- introductions -----------------------------------------------------------------------


@require_GET
@refuses
def introduction_list(request: HttpRequest) -> HttpResponse:
    require("governance.use", request.user)
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
        "can_apply": may(request.user, "governance.create_introduction"),
    }
    template = "governance/introductions/_introduction_results.html" if is_htmx(request) else None
    return render(request, template or "governance/introductions/introduction_list.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def introduction_create(request: HttpRequest) -> HttpResponse:
    require("governance.create_introduction", request.user)
    organisations = Organisation.objects.filter(pk__in=organisation_ids(request.user))
    form = IntroductionStartForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = data.get("organisation")
        try:
            introduction = services.introduction_create(
                actor=request.user,
                organisation=chosen.ods_code if chosen else None,
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
    return render(request, "governance/introductions/introduction_create.html", {"form": form})


@require_GET
@refuses
def introduction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    introduction = visible_introduction(request, pk)
    user = request.user
    actions = introduction.allowed_actions(user)
    blocked = blocked_actions(introduction, actions, user)
    live = introduction.status in workflow.LIVE
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
        "can_edit": may(user, "governance.edit_introduction", introduction),
        "can_meet_conditions": live and may(user, "governance.meet_condition", introduction),
        "can_complete_reviews": live and may(user, "governance.complete_review", introduction),
        "is_applicant": introduction.applicant_id == user.pk,
        "was_approved": introduction.status in workflow.APPROVED_ONCE,
    }
    return render(request, "governance/introductions/introduction_detail.html", context)


def _editable_introduction(request: HttpRequest, pk: int) -> Introduction:
    """The introduction, if the user may edit it now; the 403 page in words if not (the
    service's own words: introductions/permissions.py)."""
    introduction = visible_introduction(request, pk)
    try:
        services.introduction_check_editable(introduction, request.user)
    except InvalidTransition as error:
        raise NotPermitted(error.message) from None
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
        "assessments_pending": [
            label
            for code, label in ASSESSMENT_GUARDS.items()
            if not workflow.GUARDS[code](introduction)
        ],
    }
    return render(request, "governance/introductions/introduction_edit.html", context)


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
    return render(request, "governance/introductions/introduction_section.html", context)


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
    # The state is checked on a GET too, so that the page says so before anything is typed.
    conflict = workflow.state_conflict(rule, introduction)
    if conflict is None and request.method == "POST" and form.is_valid():
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
        return render(request, "governance/introductions/_action_form.html", context)
    return render(request, "governance/introductions/introduction_action.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def condition_meet(request: HttpRequest, pk: int, condition_pk: int) -> HttpResponse:
    introduction = visible_introduction(request, pk)
    condition = get_object_or_404(Condition, pk=condition_pk, introduction=introduction)
    require("governance.meet_condition", request.user, introduction)
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
    return render(request, "governance/introductions/condition_meet.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def review_complete(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    introduction = visible_introduction(request, pk)
    review = get_object_or_404(Review, pk=review_pk, introduction=introduction)
    require("governance.complete_review", request.user, introduction)
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
    return render(request, "governance/introductions/review_complete.html", context)
