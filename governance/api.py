"""HTTP API for guidance, introductions, transitions, conditions, reviews and the audit history
(SPEC.md section 4). Views translate HTTP to services and domain errors to status codes:
NotPermitted -> 403, InvalidTransition / PreconditionsUnmet / Concurrency -> 409 (with
`unmet`), Django ValidationError -> 400 naming the field. Another organisation's records are
404: querysets are scoped with `Introduction.objects.visible_to(user)`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from config.api import Conflict
from governance import audit, roles, services, workflow
from governance.errors import Concurrency, InvalidTransition, NotPermitted, PreconditionsUnmet
from governance.models import MONITORING_FIELDS, Condition, Guidance, Introduction, Review
from governance.permissions import has_any_role, organisation_of
from governance.serializers import (
    ConditionMeetSerializer,
    ConditionSerializer,
    ConflictSerializer,
    GuidanceSerializer,
    HistoryEntrySerializer,
    IntroductionDetailSerializer,
    IntroductionSerializer,
    IntroductionUpdateSerializer,
    IntroductionWriteSerializer,
    ReviewCompleteSerializer,
    ReviewSerializer,
    TransitionRequestSerializer,
    TransitionSerializer,
)
from governance.workflow import Party, Status


class HasRole(BasePermission):
    """Signed in and holding one of the three roles."""

    message = "Your account has no role: ask an administrator for one."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and has_any_role(request.user))


def _nest_monitoring(errors: dict[str, Any]) -> dict[str, Any]:
    """Service errors on monitoring fields, under `monitoring` as the request nests them."""
    nested = {k: v for k, v in errors.items() if k in MONITORING_FIELDS}
    rest = {k: v for k, v in errors.items() if k not in MONITORING_FIELDS}
    if nested:
        rest["monitoring"] = nested
    return rest


class DomainErrorMixin:
    """Turns governance.errors into DRF exceptions (403 and 409 with `unmet`)."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, NotPermitted):
            exc = PermissionDenied(exc.message)
        elif isinstance(exc, PreconditionsUnmet):
            exc = Conflict(exc.message, exc.unmet)
        elif isinstance(exc, InvalidTransition | Concurrency):
            exc = Conflict(exc.message)
        elif isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
            exc = DRFValidationError(_nest_monitoring(exc.message_dict))
        return super().handle_exception(exc)


ERRORS = {
    400: OpenApiResponse(description="Bad input: errors by field."),
    403: OpenApiResponse(description="Not signed in, or your role may not do this."),
    404: OpenApiResponse(description="No such record in your organisations."),
}
CONFLICT = OpenApiResponse(
    ConflictSerializer,
    description="Not possible in the current state, or preconditions unmet (`unmet` codes).",
)


class GuidanceViewSet(DomainErrorMixin, viewsets.ReadOnlyModelViewSet):
    """NICE interventional procedures guidance, by reference (e.g. IPG366)."""

    permission_classes = [IsAuthenticated, HasRole]
    serializer_class = GuidanceSerializer
    queryset = Guidance.objects.select_related("ruleset")
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"

    def get_object(self) -> Guidance:
        self.kwargs["reference"] = self.kwargs["reference"].replace(" ", "").upper()
        return super().get_object()


# --- introductions ---------------------------------------------------------------------------

HISTORY_FILTERS = [
    OpenApiParameter("user", str, description="Only changes by this username."),
    OpenApiParameter(
        "model",
        str,
        enum=[name for name, _ in audit.record_types()],
        description="Only this record type.",
    ),
    OpenApiParameter("since", str, description="From this ISO 8601 date or date-time."),
    OpenApiParameter(
        "until", str, description="Up to this ISO 8601 date (whole day) or date-time."
    ),
]
HISTORY_PAGING = [
    OpenApiParameter(
        "cursor", str, description='From the `Link: <...>; rel="next"` header of a page.'
    ),
    OpenApiParameter("limit", int, description=f"Entries a page, 1-{audit.MAX_LIMIT} (50)."),
]
CSV_RESPONSE = {
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.STR,
        description="at, user, model, object_id, introduction_id, introduction, type, reason, "
        "field, old, new: one line per changed field.",
    )
}


class HistoryResponseMixin:
    """Paging and export of audit.history_page for the two history endpoints."""

    def history_response(self, request: Request, filters: audit.HistoryFilter) -> Response:
        try:
            limit = int(request.query_params.get("limit", 50))
        except ValueError:
            raise DRFValidationError({"limit": ["Give a whole number."]}) from None
        if not 1 <= limit <= audit.MAX_LIMIT:
            raise DRFValidationError({"limit": [f"Between 1 and {audit.MAX_LIMIT}."]})
        page = audit.history_page(
            viewer=request.user,
            filters=filters,
            cursor=request.query_params.get("cursor") or None,
            limit=limit,
        )
        url = request.build_absolute_uri()
        next_url = (
            replace_query_param(url, "cursor", page.next_cursor) if page.next_cursor else None
        )
        # SPEC section 4: the body is the list of changes; the next page, when there is one,
        # is in a Link header (RFC 8288), as GitHub's API does.
        headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
        return Response(HistoryEntrySerializer(page.entries, many=True).data, headers=headers)

    def history_export(self, request: Request, filters: audit.HistoryFilter):
        # Check the permission now: inside the stream it would be too late for a 403.
        audit.history_page(viewer=request.user, filters=filters, limit=1)
        entries = audit.history_all(viewer=request.user, filters=filters)
        response = StreamingHttpResponse(audit.csv_lines(entries), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{audit.export_filename(filters)}"'
        return response


class IntroductionViewSet(
    DomainErrorMixin,
    HistoryResponseMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Applications to introduce a procedure, scoped to the caller's organisations."""

    permission_classes = [IsAuthenticated, HasRole]
    serializer_class = IntroductionSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = (
            Introduction.objects.visible_to(self.request.user)
            .select_related("organisation", "guidance", "applicant")
            .prefetch_related("devices")
        )
        if self.action == "list":
            wanted = self.request.query_params.get("status")
            if wanted:
                if wanted not in Status.values:
                    raise DRFValidationError(
                        {"status": [f"Use one of {', '.join(Status.values)}."]}
                    )
                queryset = queryset.filter(status=wanted)
        if self.action in ("retrieve", "partial_update", "transitions"):
            queryset = queryset.prefetch_related("conditions", "reviews")
        return queryset

    def get_serializer_class(self):
        if self.action == "list":
            return IntroductionSerializer
        return IntroductionDetailSerializer

    def _detail(self, introduction: Introduction, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=introduction.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=Status.values)],
        responses={200: IntroductionSerializer(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=IntroductionWriteSerializer,
        responses={201: IntroductionDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not roles.is_clinical(request.user):
            raise PermissionDenied("Only a clinician or governance lead may apply.")
        body = IntroductionWriteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        organisation = organisation_of(request.user, body.validated_data.get("organisation"))
        introduction = services.introduction_create(
            actor=request.user, organisation=organisation, **body.service_fields()
        )
        return self._detail(introduction, status.HTTP_201_CREATED)

    @extend_schema(
        request=IntroductionUpdateSerializer,
        responses={200: IntroductionDetailSerializer, **ERRORS, 409: CONFLICT},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        introduction = self.get_object()
        # Who and when first: a 403 or 409 says more than a 400 about a body never allowed.
        why = workflow.party_refusal(Party.APPLICANT, introduction, request.user, "edit")
        if why:
            raise PermissionDenied(why)
        if not introduction.is_editable:
            raise Conflict(
                "An application can be edited only as a draft or when changes are requested."
            )
        body = IntroductionUpdateSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        body.is_valid(raise_exception=True)
        fields = body.service_fields()
        introduction = services.introduction_update(
            introduction=introduction, actor=request.user, **fields
        )
        return self._detail(introduction)

    @extend_schema(
        methods=["GET"],
        responses={200: TransitionSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
        description="The introduction's status changes, oldest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=TransitionRequestSerializer,
        responses={200: IntroductionDetailSerializer, **ERRORS, 409: CONFLICT},
        description="Take a workflow action. 403: your role may not; 409: not from this "
        "state, or preconditions unmet (listed in `unmet`).",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        introduction = self.get_object()
        if request.method == "GET":
            rows = introduction.transitions.select_related("actor")
            return Response(TransitionSerializer(rows, many=True).data)
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        introduction = services.introduction_transition(
            introduction=introduction, actor=request.user, **body.validated_data
        )
        return self._detail(introduction)

    @extend_schema(
        parameters=HISTORY_FILTERS + HISTORY_PAGING,
        responses={200: HistoryEntrySerializer(many=True), **ERRORS},
        description="Field-level changes of the introduction and what hangs off it, newest "
        'first, in pages (follow the `Link` header\'s rel="next"). Governance leads and '
        "administrators.",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        introduction = self.get_object()
        filters = audit.HistoryFilter.from_params(
            request.query_params, introduction=introduction.pk
        )
        return self.history_response(request, filters)

    @extend_schema(parameters=HISTORY_FILTERS, responses={**CSV_RESPONSE, **ERRORS})
    @action(detail=True, methods=["get"], url_path="history/export", pagination_class=None)
    def history_csv(self, request: Request, pk: str | None = None):
        introduction = self.get_object()
        filters = audit.HistoryFilter.from_params(
            request.query_params, introduction=introduction.pk
        )
        return self.history_export(request, filters)


class HistoryView(DomainErrorMixin, HistoryResponseMixin, APIView):
    """The audit history of every introduction in the caller's organisations."""

    permission_classes = [IsAuthenticated, HasRole]

    @extend_schema(
        parameters=[
            OpenApiParameter("introduction", int, description="Only this introduction."),
            *HISTORY_FILTERS,
            *HISTORY_PAGING,
        ],
        responses={200: HistoryEntrySerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        return self.history_response(request, audit.HistoryFilter.from_params(request.query_params))


class HistoryExportView(DomainErrorMixin, HistoryResponseMixin, APIView):
    permission_classes = [IsAuthenticated, HasRole]

    @extend_schema(
        parameters=[OpenApiParameter("introduction", int), *HISTORY_FILTERS],
        responses={**CSV_RESPONSE, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def get(self, request: Request):
        return self.history_export(request, audit.HistoryFilter.from_params(request.query_params))


# --- conditions and reviews ----------------------------------------------------------------


class ConditionViewSet(DomainErrorMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Conditions of approval; a governance lead (not the applicant) records one as met."""

    permission_classes = [IsAuthenticated, HasRole]
    serializer_class = ConditionSerializer

    def get_queryset(self):
        visible = Introduction.objects.visible_to(self.request.user)
        return Condition.objects.filter(introduction__in=visible).select_related("met_by")

    @extend_schema(
        request=ConditionMeetSerializer,
        responses={200: ConditionSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def meet(self, request: Request, pk: str | None = None) -> Response:
        condition = self.get_object()
        body = ConditionMeetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        condition = services.condition_meet(
            condition=condition, actor=request.user, evidence=body.validated_data["evidence"]
        )
        return Response(ConditionSerializer(self.get_queryset().get(pk=condition.pk)).data)


class ReviewViewSet(DomainErrorMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Scheduled reviews; a governance lead (not the applicant) completes one with an outcome."""

    permission_classes = [IsAuthenticated, HasRole]
    serializer_class = ReviewSerializer

    def get_queryset(self):
        visible = Introduction.objects.visible_to(self.request.user)
        return Review.objects.filter(introduction__in=visible).select_related("completed_by")

    @extend_schema(
        request=ReviewCompleteSerializer,
        responses={200: ReviewSerializer, **ERRORS, 409: CONFLICT},
        description="Outcomes suspend, withdraw and adopt take that workflow action too "
        "(adopt: every condition met and no other review outstanding, else 409 with `unmet`).",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        review = self.get_object()
        body = ReviewCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.review_complete(review=review, actor=request.user, **body.validated_data)
        return Response(ReviewSerializer(self.get_queryset().get(pk=review.pk)).data)
