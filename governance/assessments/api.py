"""API of the equality and sustainability assessments (SPEC section 4), under /api/v1/:

    GET, PUT  introductions/{id}/equality-assessment/
    GET, PUT  introductions/{id}/sustainability-assessment/
    POST      introductions/{id}/equality-assessment/sign-off/
    POST      introductions/{id}/sustainability-assessment/sign-off/

Views translate HTTP; assessments/services.py decides and writes. An introduction of
another organisation is 404; a wrong role 403; a decided introduction, a second sign-off or an
incomplete assessment 409 (`unmet` lists the missing answers' codes).
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import serializers as strict
from governance.assessments import services
from governance.assessments.models import (
    ASSESSMENT_MODELS,
    IMPACT_PARTS,
    Characteristic,
    Kind,
    assessment_of,
)
from governance.assessments.permissions import fill_refusal
from governance.assessments.serializers import (
    EqualityAssessmentSerializer,
    SustainabilityAssessmentSerializer,
)
from governance.http import CONFLICT, ERRORS, DomainErrorMixin, HasRole
from governance.introductions.models import Introduction
from governance.permissions import require

SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    Kind.EQUALITY: EqualityAssessmentSerializer,
    Kind.SUSTAINABILITY: SustainabilityAssessmentSerializer,
}
SAVE = {
    Kind.EQUALITY: services.equality_assessment_save,
    Kind.SUSTAINABILITY: services.sustainability_assessment_save,
}
_IMPACT_COLUMNS = {
    f"{characteristic}_{part}": (characteristic, part)
    for characteristic in Characteristic.values
    for part in IMPACT_PARTS
}


class SignOffSerializer(strict.StrictSerializer):
    reason = strict.CharField(
        required=False, allow_blank=True, max_length=2000, default="", help_text="Optional."
    )


def _as_impacts(errors: dict[str, Any], request_data: Any) -> dict[str, Any]:
    """A service's errors on impact columns (`age_mitigation`) in the shape DRF gives a list
    serializer's errors: `impacts` keyed by the item's index in the request."""
    order: list[Any] = []
    if isinstance(request_data, dict) and isinstance(request_data.get("impacts"), list):
        order = [
            item.get("characteristic") if isinstance(item, dict) else None
            for item in request_data["impacts"]
        ]
    rest: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, messages in errors.items():
        if key not in _IMPACT_COLUMNS:
            rest[key] = messages
            continue
        characteristic, part = _IMPACT_COLUMNS[key]
        index = order.index(characteristic) if characteristic in order else len(order)
        nested.setdefault(str(index), {})[part] = messages
    if nested:
        rest["impacts"] = nested
    return rest


class _AssessmentAPIView(DomainErrorMixin, APIView):
    """Shared by the views of one kind of assessment (`kind`) of one introduction."""

    permission_classes = [IsAuthenticated, HasRole]
    kind: Kind

    def _serializer(self, *args: Any, **kwargs: Any) -> serializers.Serializer:
        return SERIALIZERS[self.kind](*args, **kwargs)

    def field_errors(self, errors: dict[str, Any]) -> dict[str, Any]:
        return _as_impacts(errors, self.request.data)

    def _introduction(self) -> Introduction:
        visible = Introduction.objects.visible_to(self.request.user).select_related(
            f"{self.kind}_assessment__signed_off_by"
        )
        return get_object_or_404(visible, pk=self.kwargs["pk"])

    def _represent(self, introduction: Introduction) -> Response:
        assessment = assessment_of(introduction, self.kind)
        if assessment is None:
            # Not started: the blank assessment, status not_started.
            assessment = ASSESSMENT_MODELS[self.kind](introduction=introduction)
        return Response(self._serializer(assessment).data)


class AssessmentView(_AssessmentAPIView):
    def get(self, request: Request, pk: int) -> Response:
        return self._represent(self._introduction())

    def put(self, request: Request, pk: int) -> Response:
        introduction = self._introduction()
        # Who first: a 403 says more than a 400 about answers this caller may never give.
        require(fill_refusal, request.user, introduction)
        body = self._serializer(data=request.data)
        body.is_valid(raise_exception=True)
        SAVE[self.kind](introduction=introduction, actor=request.user, data=body.service_data())
        return self._represent(self._introduction())


class SignOffView(_AssessmentAPIView):
    def post(self, request: Request, pk: int) -> Response:
        introduction = self._introduction()
        require(f"governance.sign_off_{self.kind}_assessment", request.user, introduction)
        body = SignOffSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.assessment_sign_off(
            introduction=introduction,
            kind=self.kind,
            actor=request.user,
            reason=body.validated_data["reason"],
        )
        return self._represent(self._introduction())


def _schema(kind: Kind) -> dict[str, Any]:
    label = kind.label.lower()
    serializer = SERIALIZERS[kind]
    return {
        "get": extend_schema(
            summary=f"Read the {label}",
            description="Status not_started until someone fills it in.",
            responses={200: serializer, 403: ERRORS[403], 404: ERRORS[404]},
            tags=["assessments"],
        ),
        "put": extend_schema(
            summary=f"Fill in the {label}",
            description="Replaces the answers; incomplete answers are saved (status "
            "in_progress), contradictory ones refused with 400. An answer changed on a "
            "signed-off assessment voids the sign-off. The applicant or a governance lead, "
            "until the introduction is decided.",
            request=serializer,
            responses={200: serializer, **ERRORS, 409: CONFLICT},
            tags=["assessments"],
        ),
        "post": extend_schema(
            summary=f"Sign off the {label}",
            description="A governance lead who is not the applicant, once it is complete "
            "(otherwise 409, with the codes of the missing answers in `unmet`).",
            request=SignOffSerializer,
            responses={200: serializer, 403: ERRORS[403], 404: ERRORS[404], 409: CONFLICT},
            tags=["assessments"],
        ),
    }


@extend_schema_view(**{k: v for k, v in _schema(Kind.EQUALITY).items() if k != "post"})
class EqualityAssessmentView(AssessmentView):
    kind = Kind.EQUALITY


@extend_schema_view(**{k: v for k, v in _schema(Kind.SUSTAINABILITY).items() if k != "post"})
class SustainabilityAssessmentView(AssessmentView):
    kind = Kind.SUSTAINABILITY


@extend_schema_view(post=_schema(Kind.EQUALITY)["post"])
class EqualitySignOffView(SignOffView):
    kind = Kind.EQUALITY


@extend_schema_view(post=_schema(Kind.SUSTAINABILITY)["post"])
class SustainabilitySignOffView(SignOffView):
    kind = Kind.SUSTAINABILITY
