"""HTTP API for introductions, their transitions, conditions and reviews (SPEC.md section 4).
Views translate HTTP to services, and domain errors to status codes (governance/http.py).
Another organisation's records are 404: querysets are scoped with
`Introduction.objects.visible_to(user)`. The history endpoints are the audit package's.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import PageNumbers
from governance.http import CONFLICT, ERRORS, DomainErrorMixin, HasRole
from governance.introductions import services
from governance.introductions.models import MONITORING_FIELDS, Condition, Introduction, Review
from governance.introductions.serializers import (
    ConditionMeetSerializer,
    ConditionSerializer,
    IntroductionDetailSerializer,
    IntroductionSerializer,
    IntroductionUpdateSerializer,
    IntroductionWriteSerializer,
    ReviewCompleteSerializer,
    ReviewSerializer,
    TransitionRequestSerializer,
    TransitionSerializer,
)
from governance.introductions.workflow import Status
from governance.permissions import require


def _nest_monitoring(errors: dict[str, Any]) -> dict[str, Any]:
    """Service errors on monitoring fields, under `monitoring` as the request nests them."""
    nested = {k: v for k, v in errors.items() if k in MONITORING_FIELDS}
    rest = {k: v for k, v in errors.items() if k not in MONITORING_FIELDS}
    if nested:
        rest["monitoring"] = nested
    return rest


# --- introductions ---------------------------------------------------------------------------


class IntroductionViewSet(
    DomainErrorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Applications to introduce a procedure, scoped to the caller's organisations."""

    permission_classes = [IsAuthenticated, HasRole]
    serializer_class = IntroductionSerializer
    pagination_class = PageNumbers
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

    def field_errors(self, errors: dict[str, Any]) -> dict[str, Any]:
        return _nest_monitoring(errors)

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
        require("governance.create_introduction", request.user)
        body = IntroductionWriteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        introduction = services.introduction_create(
            actor=request.user,
            organisation=body.validated_data.get("organisation"),
            **body.service_fields(),
        )
        return self._detail(introduction, status.HTTP_201_CREATED)

    @extend_schema(
        request=IntroductionUpdateSerializer,
        responses={200: IntroductionDetailSerializer, **ERRORS, 409: CONFLICT},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        introduction = self.get_object()
        # Who and when first: a 403 or 409 says more than a 400 about a body never allowed.
        services.introduction_check_editable(introduction, request.user)
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
        # Who first: the body names the action, but a caller who is the party of none is a 403
        # whatever it says (which party one action needs, the service says, in words).
        require("governance.act_on_introduction", request.user, introduction)
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        introduction = services.introduction_transition(
            introduction=introduction, actor=request.user, **body.validated_data
        )
        return self._detail(introduction)


# --- conditions and reviews ----------------------------------------------------------------


class _OfVisibleIntroductions(DomainErrorMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Records hanging off an introduction, of the caller's organisations only (others 404)."""

    permission_classes = [IsAuthenticated, HasRole]
    model: type[Condition | Review]
    related: tuple[str, ...] = ()

    def get_queryset(self):
        visible = Introduction.objects.visible_to(self.request.user)
        return self.model.objects.filter(introduction__in=visible).select_related(*self.related)


class ConditionViewSet(_OfVisibleIntroductions):
    """Conditions of approval; a governance lead (not the applicant) records one as met."""

    serializer_class = ConditionSerializer
    model = Condition
    related = ("introduction", "met_by")

    @extend_schema(
        request=ConditionMeetSerializer,
        responses={200: ConditionSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def meet(self, request: Request, pk: str | None = None) -> Response:
        condition = self.get_object()
        require("governance.meet_condition", request.user, condition.introduction)
        body = ConditionMeetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        condition = services.condition_meet(
            condition=condition, actor=request.user, evidence=body.validated_data["evidence"]
        )
        return Response(ConditionSerializer(self.get_queryset().get(pk=condition.pk)).data)


class ReviewViewSet(_OfVisibleIntroductions):
    """Scheduled reviews; a governance lead (not the applicant) completes one with an outcome."""

    serializer_class = ReviewSerializer
    model = Review
    related = ("introduction", "completed_by")

    @extend_schema(
        request=ReviewCompleteSerializer,
        responses={200: ReviewSerializer, **ERRORS, 409: CONFLICT},
        description="Outcomes suspend, withdraw and adopt take that workflow action too "
        "(adopt: every condition met and no other review outstanding, else 409 with `unmet`).",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        review = self.get_object()
        require("governance.complete_review", request.user, review.introduction)
        body = ReviewCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.review_complete(review=review, actor=request.user, **body.validated_data)
        return Response(ReviewSerializer(self.get_queryset().get(pk=review.pk)).data)
