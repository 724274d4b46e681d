"""HTTP API of the audit history (SPEC.md section 4):

    GET introductions/{id}/history/ and history/export/    one introduction and what hangs off it
    GET history/ and history/export/                       every introduction the caller sees,
                                                           and the role grants and memberships
                                                           of their organisations' people

Governance leads and administrators; newest first, paged by a keyset cursor in a
`Link: <...>; rel="next"` header; the CSV export streams.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from governance.audit import queries as audit
from governance.audit.serializers import HistoryEntrySerializer
from governance.http import ERRORS, DomainErrorMixin, HasRole
from governance.introductions.models import Introduction

HISTORY_FILTERS = [
    OpenApiParameter("user", str, description="Only changes by this username."),
    OpenApiParameter(
        "member",
        str,
        description="Only the role grants and memberships of this username (who was given or "
        "lost a role, or joined or left one of the caller's organisations).",
    ),
    OpenApiParameter(
        "model",
        str,
        enum=[name for name, _ in audit.record_types()],
        description="Only this record type. Sign-in events (`signinevent`) come only when asked "
        "for here.",
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
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": audit.MAX_LIMIT},
        description=f"Entries a page, 1-{audit.MAX_LIMIT} (50).",
    ),
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


class HistoryView(DomainErrorMixin, HistoryResponseMixin, APIView):
    """The audit history of every introduction in the caller's organisations, and the role
    grants and memberships of their people (with `introduction` null)."""

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


class _IntroductionHistory(DomainErrorMixin, HistoryResponseMixin, APIView):
    permission_classes = [IsAuthenticated, HasRole]

    def filters(self, request: Request, pk: int) -> audit.HistoryFilter:
        introduction = get_object_or_404(
            Introduction.objects.in_organisations_of(request.user), pk=pk
        )
        return audit.HistoryFilter.from_params(request.query_params, introduction=introduction.pk)


class IntroductionHistoryView(_IntroductionHistory):
    @extend_schema(
        parameters=HISTORY_FILTERS + HISTORY_PAGING,
        responses={200: HistoryEntrySerializer(many=True), **ERRORS},
        description="Field-level changes of the introduction and what hangs off it, newest "
        'first, in pages (follow the `Link` header\'s rel="next"). Governance leads and '
        "administrators.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.history_response(request, self.filters(request, pk))


class IntroductionHistoryExportView(_IntroductionHistory):
    @extend_schema(parameters=HISTORY_FILTERS, responses={**CSV_RESPONSE, **ERRORS})
    def get(self, request: Request, pk: int):
        return self.history_export(request, self.filters(request, pk))
