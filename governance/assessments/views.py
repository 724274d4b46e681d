"""Pages of the equality and sustainability assessments.

    introductions/<pk>/assessments/                       both, read-only, fit to print
    introductions/<pk>/assessments/equality/              fill in the equality assessment
    introductions/<pk>/assessments/sustainability/        fill in the sustainability one
    introductions/<pk>/assessments/<kind>/sign-off/       a governance lead signs one off

Views translate HTTP: forms read input, assessments/services.py decides and writes
(the API calls the same services). NotPermitted is the 403 page (governance/http.py, `refuses`);
another organisation's introduction is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from config.forms import NHSFormMixin
from governance.assessments import services
from governance.assessments.forms import EqualityAssessmentForm, SustainabilityAssessmentForm
from governance.assessments.models import (
    ASSESSMENT_MODELS,
    OTHER_PART,
    OTHER_PART_TITLE,
    Assessment,
    Characteristic,
    Kind,
    assessment_of,
)
from governance.assessments.permissions import fill_refusal, open_conflict
from governance.errors import Concurrency, InvalidTransition, PreconditionsUnmet
from governance.http import next_url, refuses
from governance.introductions.models import Introduction
from governance.permissions import may, require

FORMS = {Kind.EQUALITY: EqualityAssessmentForm, Kind.SUSTAINABILITY: SustainabilityAssessmentForm}
# The pages of the equality assessment's task list, in order, and their titles.
PART_TITLES = {**dict(Characteristic.choices), OTHER_PART: OTHER_PART_TITLE}
PART_SLUGS = list(PART_TITLES)
SAVE = {
    Kind.EQUALITY: services.equality_assessment_save,
    Kind.SUSTAINABILITY: services.sustainability_assessment_save,
}
TEMPLATES = {
    Kind.EQUALITY: "governance/assessments/equality_form.html",
    Kind.SUSTAINABILITY: "governance/assessments/sustainability_form.html",
}


class SignOffForm(NHSFormMixin, forms.Form):
    reason = forms.CharField(
        label="Comments (optional)",
        required=False,
        max_length=2000,
        help_text="Recorded with the sign-off in the audit history.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _introduction(request: HttpRequest, pk: int) -> Introduction:
    """The introduction with both assessments and their signers in one query; 404 outside
    the user's organisations."""
    visible = Introduction.objects.visible_to(request.user).select_related(
        "guidance",
        "applicant",
        "organisation",
        "equality_assessment__signed_off_by",
        "sustainability_assessment__signed_off_by",
    )
    return get_object_or_404(visible, pk=pk)


def _assessment(introduction: Introduction, kind: str) -> Assessment:
    """The assessment, or a blank one (status not_started) when nobody has started it."""
    return assessment_of(introduction, kind) or ASSESSMENT_MODELS[kind](introduction=introduction)


def _kind(kind: str) -> Kind:
    if kind not in Kind.values:
        raise Http404("No such assessment.")
    return Kind(kind)


def summary_url(introduction: Introduction, kind: str = "") -> str:
    url = reverse("governance:assessment_summary", args=[introduction.pk])
    return f"{url}#{kind}" if kind else url


def _fillable(request: HttpRequest, pk: int, kind: Kind) -> tuple[Introduction, str | None]:
    """The introduction, if the user may fill in its assessments (403 otherwise), and why they
    cannot be filled in now (a decided introduction), or None."""
    introduction = _introduction(request, pk)
    require(fill_refusal, request.user, introduction)
    return introduction, open_conflict(introduction, "filled in")


def _part_url(introduction: Introduction, part: str) -> str:
    return reverse("governance:equality_assessment_part", args=[introduction.pk, part])


def _after_part(introduction: Introduction, part: str) -> str:
    """Where "Save and continue" leads: the next page of the task list, then the list."""
    following = PART_SLUGS[PART_SLUGS.index(part) + 1 :]
    if following:
        return _part_url(introduction, following[0])
    return reverse("governance:equality_assessment_edit", args=[introduction.pk])


def _edit(request: HttpRequest, pk: int, kind: Kind, part: str | None = None) -> HttpResponse:
    introduction, conflict = _fillable(request, pk, kind)
    if conflict:
        messages.info(request, conflict)
        return HttpResponseRedirect(summary_url(introduction, kind))
    before = assessment_of(introduction, kind)
    form_class = FORMS[kind]
    parts = {"part": part} if part is not None else {}
    if request.method == "POST":
        form = form_class(request.POST, **parts)
        if form.is_valid():
            try:
                saved = SAVE[kind](
                    introduction=introduction, actor=request.user, data=form.answers()
                )
            except ValidationError as error:
                form.add_service_errors(error)
            except (InvalidTransition, Concurrency) as error:
                messages.error(request, error.message)
                return HttpResponseRedirect(summary_url(introduction, kind))
            else:
                voided = before is not None and before.signed_off_at and not saved.signed_off_at
                what = PART_TITLES[part] if part else f"The {kind.label.lower()}"
                text = f"{what}: saved" if part else f"{what} has been saved"
                if voided:
                    text += (
                        ". Your changes voided its sign-off: a governance lead must sign it off "
                        "again"
                    )
                messages.success(request, text)
                after = _after_part(introduction, part) if part else summary_url(introduction, kind)
                return HttpResponseRedirect(after)
    else:
        form = form_class(assessment=before, **parts)
    context = {
        "introduction": introduction,
        "kind": kind,
        "form": form,
        "assessment": _assessment(introduction, kind),
        "part": part,
        "part_title": PART_TITLES.get(part, ""),
    }
    return render(request, TEMPLATES[kind], context)


@require_GET
@refuses
def equality_assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The equality assessment as a task list: a page for each protected characteristic, then
    one for the rest, each with how far it is answered."""
    introduction, conflict = _fillable(request, pk, Kind.EQUALITY)
    if conflict:
        messages.info(request, conflict)
        return HttpResponseRedirect(summary_url(introduction, Kind.EQUALITY))
    assessment = _assessment(introduction, Kind.EQUALITY)
    context = {
        "introduction": introduction,
        "kind": Kind.EQUALITY,
        "assessment": assessment,
        "parts": assessment.parts(),
    }
    return render(request, "governance/assessments/equality_task_list.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def equality_assessment_part(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    """One page of the equality assessment's task list."""
    if part not in PART_TITLES:
        raise Http404("No such part of the equality impact assessment.")
    return _edit(request, pk, Kind.EQUALITY, part)


@require_http_methods(["GET", "POST"])
@refuses
def sustainability_assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, pk, Kind.SUSTAINABILITY)


@require_GET
def assessment_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """Both assessments, read-only and fit to print for the committee."""
    introduction = _introduction(request, pk)
    user = request.user
    context = {
        "introduction": introduction,
        "equality": _assessment(introduction, Kind.EQUALITY),
        "sustainability": _assessment(introduction, Kind.SUSTAINABILITY),
        "can_fill": may(user, "governance.fill_assessments", introduction),
        "can_sign_off": may(user, "governance.sign_off_assessments", introduction),
    }
    return render(request, "governance/assessments/summary.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def assessment_sign_off(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Confirm, then sign off one assessment: a governance lead who is not the applicant."""
    kind = _kind(kind)
    introduction = _introduction(request, pk)
    require(f"governance.sign_off_{kind.value}_assessment", request.user, introduction)
    assessment = _assessment(introduction, kind)
    conflict = open_conflict(introduction, "signed off")
    if assessment.signed_off_at is not None:
        conflict = f"The {kind.label.lower()} is already signed off."
    if conflict:
        messages.info(request, conflict)
        return HttpResponseRedirect(summary_url(introduction, kind))
    conflict = ""
    back = next_url(request)  # the approval that sent the lead here, to return to it
    form = SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_sign_off(
                introduction=introduction,
                kind=kind,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except (PreconditionsUnmet, InvalidTransition, Concurrency) as error:
            conflict = error.message
        else:
            messages.success(request, f"The {kind.label.lower()} has been signed off")
            return HttpResponseRedirect(back or summary_url(introduction, kind))
    context = {
        "introduction": introduction,
        "kind": kind,
        "assessment": assessment,
        "form": form,
        "missing": assessment.missing(),
        "conflict": conflict,
        "can_fill": may(request.user, "governance.fill_assessments", introduction),
        "back": back,
    }
    return render(request, "governance/assessments/sign_off.html", context)
