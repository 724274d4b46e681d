"""HTTP API of cases, their outcomes, the approved operators and monitoring (SPEC.md sections
4 and 5), under /api/v1/:

    GET, POST   introductions/{id}/cases/        filters: coding, failed, follow_up
    GET, PATCH  cases/{id}/
    GET, POST   cases/{id}/outcomes/
    GET, POST   introductions/{id}/operators/
    GET         introductions/{id}/monitoring/

Views translate HTTP; cases/services.py decides and writes. Another organisation's
introduction or case is 404; no role 403; a role that may not log (an administrator) 403 with
the refusal's words; an introduction that allows no cases 409 naming its state. Cases and
outcomes are paged by cursor (governance.http.CursorPages), and every list costs the same
queries whatever its length.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from governance.cases import services
from governance.cases.models import Case, Outcome
from governance.cases.permissions import cases_conflict
from governance.cases.serializers import (
    CaseSerializer,
    CaseUpdateSerializer,
    CaseWriteSerializer,
    MonitoringReportSerializer,
    OperatorSerializer,
    OperatorWriteSerializer,
    OutcomeSerializer,
    OutcomeWriteSerializer,
    PromSerializer,
    ReviewDueSerializer,
)
from governance.errors import InvalidTransition
from governance.http import CONFLICT, ERRORS, CursorPages, DomainErrorMixin, HasRole
from governance.introductions.models import Introduction, Review
from governance.introductions.services import REVIEW_GRACE
from governance.permissions import require

CASE_FILTERS: dict[str, tuple[str, ...]] = {
    "coding": ("valid", "invalid"),
    "failed": ("true", "false"),
    "follow_up": services.FOLLOW_UP_FILTERS,
}
CASE_FILTER_PARAMETERS = [
    OpenApiParameter("coding", str, enum=CASE_FILTERS["coding"], description="By its coding."),
    OpenApiParameter(
        "failed", str, enum=CASE_FILTERS["failed"], description="Failures for monitoring or not."
    ),
    OpenApiParameter(
        "follow_up",
        str,
        enum=CASE_FILTERS["follow_up"],
        description="Cases with some follow-up time point due (within two weeks either side of "
        "its date) or overdue, its outcome not recorded.",
    ),
]


def _cases() -> QuerySet[Case]:
    """Cases with what their representation reads, so that a page costs the same queries
    whatever its length (the outcomes' time points for `follow_up`)."""
    return services.with_failing(
        Case.objects.select_related(
            "introduction", "coding__ruleset", "operator", "logged_by"
        ).prefetch_related(services.timepoints())
    )


class _CasesAPIView(DomainErrorMixin, GenericAPIView):
    permission_classes = [IsAuthenticated, HasRole]

    def introduction(self) -> Introduction:
        """The introduction in the path, of the caller's organisations (others 404)."""
        visible = Introduction.objects.visible_to(self.request.user)
        return get_object_or_404(visible, pk=self.kwargs["pk"])

    def case(self, cases: QuerySet[Case] | None = None) -> Case:
        """The case in the path, of the caller's organisations (others 404)."""
        visible = Introduction.objects.visible_to(self.request.user)
        cases = _cases() if cases is None else cases
        return get_object_or_404(cases.filter(introduction__in=visible), pk=self.kwargs["pk"])

    def represent(self, cases: list[Case], **kwargs: Any) -> Any:
        context = {
            **self.get_serializer_context(),
            "today": timezone.localdate(),
            "attention": services.cases_attention(cases),
        }
        return CaseSerializer(cases, context=context, **kwargs).data


# --- cases -----------------------------------------------------------------------------------


class IntroductionCasesView(_CasesAPIView):
    """The cases of one introduction, newest first."""

    serializer_class = CaseSerializer
    pagination_class = CursorPages.by("-performed_on", "-id")

    def _filtered(self, introduction: Introduction) -> QuerySet[Case]:
        cases = _cases().filter(introduction=introduction)
        params = self.request.query_params
        for name, allowed in CASE_FILTERS.items():
            if name in params and params[name] not in allowed:
                raise DRFValidationError({name: [f"Use one of {', '.join(allowed)}."]})
        if "coding" in params:
            cases = cases.filter(coding_valid=params["coding"] == "valid")
        if "failed" in params:
            failed = services.failed()
            cases = cases.filter(failed if params["failed"] == "true" else ~failed)
        if "follow_up" in params:
            cases = cases.filter(
                services.follow_up_filter(params["follow_up"], timezone.localdate())
            )
        return cases

    @extend_schema(
        summary="List an introduction's cases",
        parameters=CASE_FILTER_PARAMETERS,
        responses={200: CaseSerializer(many=True), **ERRORS},
        tags=["cases"],
    )
    def get(self, request: Request, pk: int) -> Response:
        page = self.paginate_queryset(self._filtered(self.introduction()))
        return self.get_paginated_response(self.represent(list(page or []), many=True))

    @extend_schema(
        summary="Log a case",
        description="A clinician or governance lead of the introduction's organisation, under "
        "an approved or adopted introduction (otherwise 409 naming its state). The codes are "
        "validated against the guidance's rule set; invalid coding is saved and flagged "
        "(`coding.valid` false), never refused.",
        request=CaseWriteSerializer,
        responses={201: CaseSerializer, **ERRORS, 409: CONFLICT},
        tags=["cases"],
    )
    def post(self, request: Request, pk: int) -> Response:
        introduction = self.introduction()
        # Who and when first: a 403 or 409 says more than a 400 about a body never allowed.
        require("governance.log_case", request.user, introduction)
        conflict = cases_conflict(introduction)
        if conflict:
            raise InvalidTransition(conflict)
        body = CaseWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.case_log(
            introduction=introduction,
            actor=request.user,
            codes=body.validated_data["codes"],
            **body.service_fields(),
        )
        fresh = _cases().get(pk=case.pk)
        return Response(self.represent([fresh], many=True)[0], status=status.HTTP_201_CREATED)


class CaseView(_CasesAPIView):
    """One case: read it, or change it (its failure flags too); new codes are validated."""

    serializer_class = CaseSerializer

    @extend_schema(summary="Read a case", responses={200: CaseSerializer, **ERRORS}, tags=["cases"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.represent([self.case()], many=True)[0])

    @extend_schema(
        summary="Change a case",
        description="Any of the fields, in any state of the introduction (a failure found after "
        "a suspension must still be recorded). New codes, or a new approach, image guidance or "
        "levels, are validated again. `reason` goes into the history.",
        request=CaseUpdateSerializer,
        responses={200: CaseSerializer, **ERRORS},
        tags=["cases"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        case = self.case()
        require("governance.log_case", request.user, case.introduction)
        body = CaseUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        fields = body.service_fields()
        services.case_update(
            case=case,
            actor=request.user,
            reason=fields.pop("reason", ""),
            codes=body.validated_data.get("codes"),
            **fields,
        )
        return Response(self.represent([_cases().get(pk=case.pk)], many=True)[0])


# --- outcomes --------------------------------------------------------------------------------


class CaseOutcomesView(_CasesAPIView):
    """The patient-reported outcomes of a case, one a time point, oldest first."""

    serializer_class = OutcomeSerializer
    pagination_class = CursorPages.by("collected_on", "id")

    @extend_schema(
        summary="List a case's outcomes",
        responses={200: OutcomeSerializer(many=True), **ERRORS},
        tags=["cases"],
    )
    def get(self, request: Request, pk: int) -> Response:
        case = self.case(Case.objects.all())
        outcomes = Outcome.objects.filter(case=case).select_related("recorded_by")
        page = self.paginate_queryset(outcomes)
        return self.get_paginated_response(OutcomeSerializer(page, many=True).data)

    @extend_schema(
        summary="Record an outcome",
        description="A clinician or governance lead; one outcome a time point (a second is a "
        "400 on `timepoint`); a value out of its range is a 400 naming the field.",
        request=OutcomeWriteSerializer,
        responses={201: OutcomeSerializer, **ERRORS},
        tags=["cases"],
    )
    def post(self, request: Request, pk: int) -> Response:
        case = self.case(Case.objects.select_related("introduction"))
        require("governance.log_case", request.user, case.introduction)
        body = OutcomeWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = services.outcome_record(case=case, actor=request.user, **body.validated_data)
        outcome = Outcome.objects.select_related("recorded_by").get(pk=outcome.pk)
        return Response(OutcomeSerializer(outcome).data, status=status.HTTP_201_CREATED)


# --- operators -------------------------------------------------------------------------------


class IntroductionOperatorsView(_CasesAPIView):
    """The clinicians an introduction approves to perform the procedure."""

    serializer_class = OperatorSerializer
    pagination_class = None  # a handful an introduction

    def _represent(self, introduction: Introduction) -> list[dict[str, Any]]:
        rows = introduction.operators.select_related("user", "added_by")
        return OperatorSerializer(rows, many=True).data

    @extend_schema(
        summary="List an introduction's approved operators",
        responses={200: OperatorSerializer(many=True), **ERRORS},
        tags=["cases"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(self._represent(self.introduction()))

    @extend_schema(
        summary="Approve an operator",
        description="A governance lead of the introduction's organisation approves a clinician "
        "of that organisation, with the evidence of their training and competence.",
        request=OperatorWriteSerializer,
        responses={201: OperatorSerializer, **ERRORS},
        tags=["cases"],
    )
    def post(self, request: Request, pk: int) -> Response:
        introduction = self.introduction()
        require("governance.add_operator", request.user, introduction)
        body = OperatorWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        operator = services.operator_add(
            introduction=introduction, actor=request.user, **body.validated_data
        )
        row = introduction.operators.select_related("user", "added_by").get(pk=operator.pk)
        return Response(OperatorSerializer(row).data, status=status.HTTP_201_CREATED)


# --- monitoring ------------------------------------------------------------------------------


class IntroductionMonitoringView(_CasesAPIView):
    """The CUSUM, VLAD, PROM summary and due reviews of an introduction."""

    serializer_class = MonitoringReportSerializer
    pagination_class = None

    @extend_schema(
        summary="Monitor an introduction",
        description="The Bernoulli CUSUM and VLAD of its cases in date order (ties by case id), "
        "the PROM summary and the scheduled reviews whose date has come. Without a monitoring "
        "plan, the CUSUM parameters and signal are null and the series empty.",
        responses={200: MonitoringReportSerializer, 403: ERRORS[403], 404: ERRORS[404]},
        tags=["cases"],
    )
    def get(self, request: Request, pk: int) -> Response | HttpResponse:
        introduction = self.introduction()
        today = timezone.localdate()
        watched = services.Monitored(introduction)
        # p0 to vlad change only with the cases: encoded once a change (20,000 cases are
        # megabytes of JSON), the reviews due, which change with the date, every time.
        series = watched.cached("api series", lambda: _members(_series(watched)))
        reviews = (
            Review.objects.scheduled()
            .filter(introduction=introduction, due_on__lte=today)
            .order_by("due_on", "pk")
        )
        rest = {
            "reviews_due": ReviewDueSerializer(
                [
                    {
                        "id": review.pk,
                        "kind": review.kind,
                        "due_on": review.due_on,
                        # as reviews_flag_due: overdue once REVIEW_GRACE has passed since due_on
                        "overdue": review.due_on + REVIEW_GRACE < today,
                    }
                    for review in reviews
                ],
                many=True,
            ).data,
            "prom": PromSerializer(watched.prom).data,
        }
        body = b"{" + series + b"," + _members(rest) + b"}"
        if request.accepted_renderer.format != "json":  # the browsable API
            return Response(json.loads(body))
        return HttpResponse(body, content_type="application/json")


def _series(watched: services.Monitored) -> dict[str, Any]:
    """The members of MonitoringReportSerializer that follow the cases, p0 to vlad, as it
    represents them."""
    result = watched.monitoring
    if result is None:  # no plan: no CUSUM, but the cases are still counted
        seen = services.observations(watched.introduction)
        return {
            "p0": None, "p1": None, "h": None,
            "cases": len(seen), "failures": sum(o.failed for o in seen), "cusum": [],
            "signal": None, "signal_at_case": None, "vlad": [],
        }  # fmt: skip
    day = date.fromordinal
    cusum = zip(result.case_ids, result.days, result.failed_flags, result.s_values, strict=True)
    return {
        "p0": result.p0,
        "p1": result.p1,
        "h": result.h,
        "cases": result.cases,
        "failures": result.failures,
        "cusum": [
            {"case": case, "performed_on": day(ordinal).isoformat(), "failed": bool(f), "s": s}
            for case, ordinal, f, s in cusum
        ],
        "signal": result.signal,
        "signal_at_case": result.signal_at_case,
        "vlad": [
            {"case": case, "value": value}
            for case, value in zip(result.case_ids, result.vlad_values, strict=True)
        ],
    }


def _members(data: dict[str, Any]) -> bytes:
    """`data` as the JSON renderer writes it, without its braces: members to join into one
    object."""
    return JSONRenderer().render(data)[1:-1]
