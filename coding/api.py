"""The coding API (SPEC section 3, "API"): validate a coded episode; read rule sets and the
code catalogue. Views translate HTTP; coding.services does the work."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coding import services
from coding.errors import CodingError, ContextInvalid
from coding.models import Code, RuleSet
from coding.serializers import (
    CatalogueReleaseSerializer,
    CodePageSerializer,
    CodeSerializer,
    ResultSerializer,
    RuleSetSerializer,
    RuleSetSummarySerializer,
    RuleSetVersionSerializer,
    ValidateRequestSerializer,
)
from config.pagination import PageNumbers
from governance.http import HasRole
from governance.permissions import refusal_of

BAD_REQUEST = OpenApiResponse(
    description="A malformed request: DRF field errors, e.g. "
    '{"codes": ["25 codes, more than the 24 an episode holds ..."]} or '
    '{"context": {"approach": ["\\"keyhole\\" is not a valid choice."]}}'
)


PERMISSIONS = [permissions.IsAuthenticated, HasRole]


class ReadsHistory(permissions.BasePermission):
    """The audit history is for governance leads and administrators (SPEC section 2): the
    permission governance.read_history (governance/audit/permissions.py, its one home, asked
    by name: coding imports no governance feature), refused in its words."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        why = refusal_of("governance.read_history", request.user)
        if why:
            self.message = why
        return why is None


class ValidateView(APIView):
    permission_classes = PERMISSIONS

    @extend_schema(
        summary="Validate a coded episode",
        description="Checks an OPCS-4 sequence against a rule set (SPEC section 3) and returns "
        "the result object: its issues by position and the suggested sequence.",
        request=ValidateRequestSerializer,
        responses={200: ResultSerializer, 400: BAD_REQUEST},
        tags=["coding"],
    )
    def post(self, request: Request) -> Response:
        serializer = ValidateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = services.coding_validate(
                ruleset_name=data["ruleset"], codes=data["codes"], context=data["context"]
            )
        except ContextInvalid as error:
            raise ValidationError({"context": {error.field: [error.message]}}) from error
        except CodingError as error:
            raise ValidationError({error.field: [error.message]}) from error
        return Response(result)


@extend_schema(tags=["coding"])
class RuleSetViewSet(viewsets.ReadOnlyModelViewSet):
    """Rule sets, read only: administrators change them in the admin or with
    `import_guidance`."""

    permission_classes = PERMISSIONS
    queryset = RuleSet.objects.order_by("name")
    lookup_field = "name"
    lookup_value_regex = "[^/]+"
    pagination_class = None

    def get_serializer_class(self) -> type:
        return RuleSetSummarySerializer if self.action == "list" else RuleSetSerializer

    def get_object(self) -> RuleSet:
        return get_object_or_404(RuleSet, name__iexact=self.kwargs["name"])

    @extend_schema(
        summary="A rule set's versions",
        description="Newest first: who made each version, when, why, and what changed. "
        "Audit history: for governance leads and administrators (403 for others).",
        responses=RuleSetVersionSerializer(many=True),
    )
    @action(detail=True, methods=["get"], permission_classes=[*PERMISSIONS, ReadsHistory])
    def history(self, request: Request, name: str) -> Response:
        versions = self.get_object().versions()
        return Response(RuleSetVersionSerializer([v.to_dict() for v in versions], many=True).data)


class CodeListView(generics.GenericAPIView):
    """The code catalogue, searchable, and whether it is full."""

    permission_classes = PERMISSIONS
    serializer_class = CodeSerializer
    pagination_class = PageNumbers

    def get_queryset(self) -> QuerySet[Code]:
        codes = Code.objects.order_by("code")
        q = " ".join(self.request.query_params.get("q", "").split())[:100]
        if q:
            normalised = services.engine.normalise(q)
            match = Q(code__istartswith=q) | Q(title__icontains=q)
            if normalised:
                match |= Q(code__startswith=normalised)
            codes = codes.filter(match)
        return codes

    @extend_schema(
        summary="Search the code catalogue",
        operation_id="v1_coding_codes_list",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="code (any spelling) or words of its title"
            ),
            OpenApiParameter(
                "page", {"type": "integer", "minimum": 1}, description="page number, from 1"
            ),
        ],
        responses=CodePageSerializer,
        tags=["coding"],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        release = services.catalogue_release_latest()
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data = {
            "catalogue": {
                "full": bool(release and release.full),
                "code_count": Code.objects.count(),
                "latest_release": CatalogueReleaseSerializer(release).data if release else None,
            },
            **response.data,
        }
        return response
