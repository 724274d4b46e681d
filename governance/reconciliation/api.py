"""HTTP API of the reconciliation of coded episodes (SPEC.md sections 4 and 5), under /api/v1/:

    GET, POST  reconciliations/                       the organisation's runs; upload an extract
    GET        reconciliations/{id}/                  a run: status, progress, counts, period
    GET        reconciliations/{id}/findings/         filters: finding, explained, introduction
    POST       reconciliations/{id}/findings/{finding_id}/explanation/   a lead's note

Governance leads and administrators of the organisation read (a clinician 403; another
organisation's run 404); only a lead uploads and explains. Views translate HTTP; services.py
checks and writes. Lists are paged by cursor (governance.http.CursorPages) and cost the same
queries whatever their length.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from governance.http import ERRORS, CursorPages, DomainErrorMixin, HasRole
from governance.organisations.services import organisation_for_application
from governance.permissions import may, require
from governance.reconciliation import services
from governance.reconciliation.models import STORED, Finding, Reconciliation
from governance.reconciliation.permissions import reconcile_role_refusal
from governance.reconciliation.serializers import (
    ExplanationSerializer,
    FindingSerializer,
    ReconciliationSerializer,
    ReconciliationUploadSerializer,
)

LARGEST_ID = 2**63 - 1
BOOLEANS = {"true": True, "false": False}
FINDING_FILTER_PARAMETERS = [
    OpenApiParameter("finding", str, enum=list(STORED), description="By the finding."),
    OpenApiParameter(
        "explained", str, enum=list(BOOLEANS), description="Explained by a lead, or not yet."
    ),
    OpenApiParameter("introduction", int, description="The findings of one introduction."),
]
TAGS = ["reconciliation"]


class _ReconciliationAPIView(DomainErrorMixin, GenericAPIView):
    permission_classes = [IsAuthenticated, HasRole]
    serializer_class = ReconciliationSerializer

    def reconciliations(self) -> QuerySet[Reconciliation]:
        """The runs of the caller's organisations (403 for a role that may read none)."""
        require("governance.read_reconciliation", self.request.user)
        return Reconciliation.objects.visible_to(self.request.user).select_related(
            "organisation", "uploaded_by"
        )

    def reconciliation(self) -> Reconciliation:
        return get_object_or_404(self.reconciliations(), pk=self.kwargs["pk"])

    def represent(self, reconciliation: Reconciliation, code: int = status.HTTP_200_OK) -> Response:
        return Response(ReconciliationSerializer(reconciliation).data, status=code)


class ReconciliationsView(_ReconciliationAPIView):
    """The reconciliations of the caller's organisations, the most recent first."""

    pagination_class = CursorPages.by("-id")
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="List reconciliations",
        responses={200: ReconciliationSerializer(many=True), **ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.reconciliations())
        data = ReconciliationSerializer(list(page or []), many=True).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Reconcile an extract of coded episodes",
        description="A governance lead of the organisation uploads the extract (multipart "
        "`file`). The reconciliation runs within this request, so that the answer (201) "
        "carries the count of each finding (`counts`), as SPEC section 5 says; the page "
        "/reconciliations/ runs it in the background and shows its progress instead. A file "
        "that is empty, not a CSV, or whose header lacks a required column is a 400 naming "
        "the problem (the missing column). `status` is `failed`, with `error`, if the run "
        "stopped on something unforeseen. The findings are at "
        "/api/v1/reconciliations/{id}/findings/.",
        request={"multipart/form-data": ReconciliationUploadSerializer},
        responses={201: ReconciliationSerializer, **ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        # Who first: a 403 says more than a 400 (or a 415) about a file this caller may never
        # upload. Not a lead: refused before the body is parsed; which organisation the upload
        # is for, and whether they lead there, once it is read.
        require(reconcile_role_refusal, request.user)
        head = ReconciliationUploadSerializer(data=request.data, partial=True)
        head.is_valid(raise_exception=True)
        organisation = organisation_for_application(
            request.user, head.validated_data.get("organisation")
        )
        require("governance.reconcile", request.user, organisation)
        body = ReconciliationUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reconciliation = services.reconciliation_start(
            organisation=organisation,
            file=body.validated_data["file"],
            actor=request.user,
            background=False,
        )
        # Inline, not through the worker: the 201 must carry the counts (SPEC section 5).
        reconciliation = services.reconciliation_run(reconciliation.pk)
        return self.represent(reconciliation, status.HTTP_201_CREATED)


class ReconciliationView(_ReconciliationAPIView):
    @extend_schema(
        summary="Read a reconciliation",
        description="Its status (queued, running, done, failed), progress (`rows_done` of "
        "`rows_total`), the count of each finding and the period the extract covers.",
        responses={200: ReconciliationSerializer, **ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.represent(self.reconciliation())


def _filtered(findings: QuerySet[Finding], params: Any) -> QuerySet[Finding]:
    finding = params.get("finding")
    if finding is not None:
        if finding not in STORED:
            raise DRFValidationError({"finding": [f"Use one of {', '.join(STORED)}."]})
        findings = findings.filter(finding=finding)
    explained = params.get("explained")
    if explained is not None:
        if explained not in BOOLEANS:
            raise DRFValidationError({"explained": ["Use true or false."]})
        findings = findings.filter(explained_at__isnull=not BOOLEANS[explained])
    introduction = params.get("introduction")
    if introduction is not None:
        if not (introduction.isdigit() and 0 < int(introduction) <= LARGEST_ID):
            raise DRFValidationError(
                {"introduction": ["Give the id of the introduction: a whole number."]}
            )
        findings = findings.filter(introduction_id=int(introduction))
    return findings


class FindingsView(_ReconciliationAPIView):
    """The findings of a reconciliation, in the order of the file (cases with no coded episode
    last)."""

    pagination_class = CursorPages.by("id")
    serializer_class = FindingSerializer

    @extend_schema(
        summary="List the findings of a reconciliation",
        description="outside_governance, miscoded, no_coded_episode and row-error findings "
        "(matched episodes are only counted), with the case and introduction each concerns. "
        "The NHS number is masked for administrators.",
        parameters=FINDING_FILTER_PARAMETERS,
        responses={200: FindingSerializer(many=True), **ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        reconciliation = self.reconciliation()
        findings = _filtered(
            reconciliation.findings.select_related("explained_by"), request.query_params
        )
        page = self.paginate_queryset(findings)
        see = may(request.user, "governance.see_finding_nhs_number", reconciliation)
        data = FindingSerializer(list(page or []), many=True, context={"see_nhs_number": see}).data
        return self.get_paginated_response(data)


class FindingExplanationView(_ReconciliationAPIView):
    serializer_class = ExplanationSerializer

    @extend_schema(
        summary="Explain a finding",
        description="A governance lead of the organisation marks the finding explained with a "
        "note (`note`, required): why it needs no more action. Explaining again replaces the "
        "note; the history keeps each one. Answers the finding.",
        request=ExplanationSerializer,
        responses={200: FindingSerializer, **ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int, finding_id: int) -> Response:
        reconciliation = self.reconciliation()
        finding = get_object_or_404(reconciliation.findings.all(), pk=finding_id)
        finding.reconciliation = reconciliation
        require("governance.explain_finding", request.user, finding)
        body = ExplanationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        finding = services.finding_explain(
            finding=finding, actor=request.user, **body.service_fields()
        )
        see = may(request.user, "governance.see_finding_nhs_number", reconciliation)
        return Response(FindingSerializer(finding, context={"see_nhs_number": see}).data)
