"""HTTP API of guidance (SPEC.md section 4): read by anybody with a role."""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from config.pagination import PageNumbers
from governance.http import DomainErrorMixin, HasRole
from governance.organisations.models import Guidance
from governance.organisations.serializers import GuidanceSerializer


class GuidanceViewSet(DomainErrorMixin, viewsets.ReadOnlyModelViewSet):
    """NICE interventional procedures guidance, by reference (e.g. IPG366)."""

    permission_classes = [IsAuthenticated, HasRole]
    serializer_class = GuidanceSerializer
    pagination_class = PageNumbers
    queryset = Guidance.objects.select_related("ruleset")
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"

    def get_object(self) -> Guidance:
        self.kwargs["reference"] = self.kwargs["reference"].replace(" ", "").upper()
        return super().get_object()
