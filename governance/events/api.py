"""HTTP API of adverse events and their Yellow Card (SPEC.md sections 4 and 5), under /api/v1/:

    GET, POST   adverse-events/                  filters: harm, yellow_card, introduction, case
    GET, PATCH  adverse-events/{id}/
    GET, POST   adverse-events/{id}/yellow-card/  the Yellow Card-ready report; a lead's decision
    GET         adverse-events/{id}/fhir/         an HL7 FHIR R4 AdverseEvent

Views translate HTTP; events/services.py decides and writes, events/exports.py makes the
report and the FHIR resource. Another organisation's event is 404 and absent from the list;
no role 403; a role that may not (an administrator recording, a clinician deciding a card) 403
with the refusal's words; an introduction never approved 409 naming its state. The list is
paged by cursor (governance.http.CursorPages) and costs the same queries whatever its length.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from governance.cases.permissions import log_role_refusal
from governance.errors import InvalidTransition
from governance.events import exports, services
from governance.events.models import AdverseEvent, Harm, YellowCard
from governance.events.permissions import events_conflict
from governance.events.serializers import (
    LARGEST_ID,
    AdverseEventSerializer,
    AdverseEventUpdateSerializer,
    AdverseEventWriteSerializer,
    IntroductionOfEventSerializer,
    YellowCardReportSerializer,
    YellowCardWriteSerializer,
    nest_errors,
)
from governance.http import CONFLICT, ERRORS, CursorPages, DomainErrorMixin, HasRole
from governance.introductions.models import Introduction
from governance.permissions import may, require

OVERDUE = "overdue"
# ?yellow_card=: a status, or `overdue` (a `due` card past its date; `due` includes these).
YELLOW_CARD_FILTER = (YellowCard.DUE, OVERDUE, *(s for s in YellowCard if s != YellowCard.DUE))
EVENT_FILTERS: dict[str, tuple[str, ...]] = {
    "harm": tuple(Harm.values),
    "yellow_card": tuple(str(value) for value in YELLOW_CARD_FILTER),
}
ID_FILTERS = ("introduction", "case")
EVENT_FILTER_PARAMETERS = [
    OpenApiParameter("harm", str, enum=EVENT_FILTERS["harm"], description="By the LFPSE harm."),
    OpenApiParameter(
        "yellow_card",
        str,
        enum=EVENT_FILTERS["yellow_card"],
        description="By the Yellow Card's status; `overdue` is a `due` card past its date "
        "(`due` includes them).",
    ),
    OpenApiParameter("introduction", int, description="The events of one introduction."),
    OpenApiParameter("case", int, description="The events of one case."),
]


class _EventsAPIView(DomainErrorMixin, GenericAPIView):
    permission_classes = [IsAuthenticated, HasRole]
    serializer_class = AdverseEventSerializer

    def field_errors(self, errors: dict[str, Any]) -> dict[str, Any]:
        return nest_errors(errors)

    def events(self) -> QuerySet[AdverseEvent]:
        """The events of the caller's organisations, with what their representation reads."""
        visible = Introduction.objects.visible_to(self.request.user)
        return AdverseEvent.objects.filter(introduction__in=visible).select_related("reporter")

    def event(self, events: QuerySet[AdverseEvent] | None = None) -> AdverseEvent:
        """The event in the path, of the caller's organisations (others 404)."""
        return get_object_or_404(self.events() if events is None else events, pk=self.kwargs["pk"])

    def represent(self, events: Any, **kwargs: Any) -> Any:
        context = {**self.get_serializer_context(), "today": timezone.localdate()}
        return AdverseEventSerializer(events, context=context, **kwargs).data

    def detail(self, event: AdverseEvent, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.represent(self.events().get(pk=event.pk)), status=code)


# --- events ----------------------------------------------------------------------------------


class AdverseEventsView(_EventsAPIView):
    """The adverse events of the caller's organisations, the most recently found first."""

    pagination_class = CursorPages.by("-detected_on", "-id")

    def _filtered(self) -> QuerySet[AdverseEvent]:
        events = self.events()
        params = self.request.query_params
        for name, allowed in EVENT_FILTERS.items():
            if name in params and params[name] not in allowed:
                raise DRFValidationError({name: [f"Use one of {', '.join(allowed)}."]})
        for name in ID_FILTERS:
            value = params.get(name)
            if value is not None and not (value.isdigit() and 0 < int(value) <= LARGEST_ID):
                raise DRFValidationError({name: [f"Give the id of the {name}: a whole number."]})
        if "harm" in params:
            events = events.filter(harm=params["harm"])
        if params.get("yellow_card") == OVERDUE:
            events = events.overdue(today=timezone.localdate())
        elif "yellow_card" in params:
            events = events.filter(yellow_card=params["yellow_card"])
        if "introduction" in params:
            events = events.filter(introduction_id=int(params["introduction"]))
        if "case" in params:
            events = events.filter(case_id=int(params["case"]))
        return events

    @extend_schema(
        summary="List adverse events",
        parameters=EVENT_FILTER_PARAMETERS,
        responses={200: AdverseEventSerializer(many=True), **ERRORS},
        tags=["adverse events"],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self._filtered())
        return self.get_paginated_response(self.represent(list(page or []), many=True))

    @extend_schema(
        summary="Record an adverse event",
        description="A clinician or governance lead of the introduction's organisation, under "
        "an introduction that has been approved (an approved, adopted, suspended or withdrawn "
        "one; otherwise 409 naming its state). The Yellow Card is `due` (by the local policy's "
        "date) when a device was involved and the harm is severe or fatal or might have been "
        "serious, otherwise `not_required`. Device details left out are filled from the case. "
        "Dates in the future, or an unknown introduction or case: 400 naming the field.",
        request=AdverseEventWriteSerializer,
        responses={201: AdverseEventSerializer, **ERRORS, 409: CONFLICT},
        tags=["adverse events"],
    )
    def post(self, request: Request) -> Response:
        # Who and when first: a 403 or 409 says more than a 400 about a body never allowed.
        # A role that records no events anywhere is refused before the body is read at all;
        # who may record under the introduction it names is asked once it is read.
        require(log_role_refusal, request.user)
        head = IntroductionOfEventSerializer(data=request.data)
        head.is_valid(raise_exception=True)
        visible = Introduction.objects.visible_to(request.user)
        introduction = visible.filter(pk=head.validated_data["introduction"]).first()
        if introduction is None:
            raise DRFValidationError(
                {"introduction": ["No introduction with this id in your organisations."]}
            )
        require("governance.record_event", request.user, introduction)
        conflict = events_conflict(introduction)
        if conflict:
            raise InvalidTransition(conflict)
        body = AdverseEventWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = services.adverse_event_record(
            introduction=introduction, actor=request.user, **body.service_fields()
        )
        return self.detail(event, status.HTTP_201_CREATED)


class AdverseEventView(_EventsAPIView):
    """One adverse event: read it, or change its answers."""

    @extend_schema(
        summary="Read an adverse event",
        responses={200: AdverseEventSerializer, **ERRORS},
        tags=["adverse events"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.represent(self.event()))

    @extend_schema(
        summary="Change an adverse event",
        description="Any of the fields, in any state of the introduction. The Yellow Card "
        "follows the new answers unless a lead has decided it (submitted, not reportable). "
        "`reason` goes into the history.",
        request=AdverseEventUpdateSerializer,
        responses={200: AdverseEventSerializer, **ERRORS},
        tags=["adverse events"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        event = self.event(self.events().select_related("introduction"))
        require("governance.record_event", request.user, event.introduction)
        body = AdverseEventUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        event = services.adverse_event_update(
            event=event,
            actor=request.user,
            reason=body.validated_data.get("reason", ""),
            **body.service_fields(),
        )
        return self.detail(event)


# --- the Yellow Card -------------------------------------------------------------------------


class YellowCardView(_EventsAPIView):
    """The event's MHRA Yellow Card: the report to copy into the form, and a lead's decision."""

    @extend_schema(
        summary="The Yellow Card-ready report",
        description="Every answer the MHRA Yellow Card device form asks for, section by section "
        "in the order a person copies them in: reporter, device, incident, patient (age and "
        "sex are not held; never the NHS number), and the card. The page "
        "/adverse-events/{id}/yellow-card/ prints it, and .../yellow-card.pdf is its PDF.",
        responses={200: YellowCardReportSerializer, **ERRORS},
        tags=["adverse events"],
    )
    def get(self, request: Request, pk: int) -> Response:
        event = self.event(self.events().select_related("introduction__organisation", "case"))
        today = timezone.localdate()
        report = {
            "event": event.pk,
            "introduction": event.introduction_id,
            "sections": [
                {"title": section.title, "rows": [row._asdict() for row in section.rows]}
                for section in exports.yellow_card_report(event, today=today)
            ],
            "yellow_card": event,
        }
        context = {**self.get_serializer_context(), "today": today}
        return Response(YellowCardReportSerializer(report, context=context).data)

    @extend_schema(
        summary="Decide the Yellow Card",
        description="A governance lead of the event's organisation (anyone else 403): "
        '`{"status": "submitted", "reference", "submitted_on"}`, '
        '`{"status": "not_reportable", "reason"}`, or `{"status": "due", "reason"}` to '
        "reopen a decided card (409 when it is due already). Answers the event.",
        request=YellowCardWriteSerializer,
        responses={200: AdverseEventSerializer, **ERRORS, 409: CONFLICT},
        tags=["adverse events"],
    )
    def post(self, request: Request, pk: int) -> Response:
        event = self.event(self.events().select_related("introduction"))
        require("governance.set_yellow_card", request.user, event)
        body = YellowCardWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = services.yellow_card_set(event=event, actor=request.user, **body.validated_data)
        return self.detail(event)


class AdverseEventFHIRView(_EventsAPIView):
    """The event as an HL7 FHIR R4 AdverseEvent, for LFPSE."""

    @extend_schema(
        summary="The event as HL7 FHIR",
        description="An HL7 FHIR R4 AdverseEvent (validated against the R4B models): "
        "actuality `actual`, the dates, seriousness, severity and outcome from the harm, the "
        "suspect device as a contained Device. The subject identifies the patient by NHS "
        "number only for the introduction's clinicians and governance leads; for anyone else "
        'it is `{"display": "Patient not identified"}`.',
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="A FHIR AdverseEvent."),
            **ERRORS,
        },
        tags=["adverse events"],
    )
    def get(self, request: Request, pk: int) -> Response:
        event = self.event(self.events().select_related("introduction", "case"))
        may_see = may(request.user, "governance.see_nhs_number", event.introduction)
        return Response(exports.fhir_adverse_event(event, include_patient=may_see))
