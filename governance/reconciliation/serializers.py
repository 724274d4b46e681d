"""API representations of reconciliations of coded episodes and their findings (SPEC.md
sections 4 and 5). Serializers only translate: the file and the note are checked by
services.py."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config import serializers as strict
from governance.http import UsernameField, plain_choice
from governance.reconciliation import engine
from governance.reconciliation.models import Finding, Kind, Reconciliation, Status

COUNTS_SCHEMA = {
    "type": "object",
    "description": "How many of each finding: matched episodes are counted, never listed.",
    "properties": {kind: {"type": "integer"} for kind in engine.FINDINGS},
    "required": list(engine.FINDINGS),
}


class ReconciliationSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="ods_code", read_only=True)
    uploaded_by = UsernameField()
    status = plain_choice(Status, read_only=True)
    counts = serializers.SerializerMethodField()
    flagged = serializers.IntegerField(read_only=True, help_text="The findings listed.")

    class Meta:
        model = Reconciliation
        fields = [
            "id",
            "organisation",
            "file_name",
            "uploaded_by",
            "status",
            "rows_total",
            "rows_done",
            "episodes",
            "governed",
            "counts",
            "flagged",
            "first_day",
            "last_day",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(COUNTS_SCHEMA)
    def get_counts(self, reconciliation: Reconciliation) -> dict[str, int]:
        return reconciliation.counts


class ReconciliationUploadSerializer(strict.StrictSerializer):
    shown_as = ReconciliationSerializer
    file = serializers.FileField(
        help_text="The extract: a CSV with episode_id, nhs_number, performed_on (or "
        "OPDATE_01), OPERTN_01..OPERTN_24 (or codes), and optionally approach, "
        "image_guidance, levels.",
        allow_empty_file=True,  # the service says what is wrong with the file, in words
    )
    organisation = strict.CharField(
        required=False,
        allow_blank=True,
        max_length=10,
        help_text="The ODS code of the trust the extract comes from; optional when you belong "
        "to one organisation.",
    )


class FindingSerializer(serializers.ModelSerializer):
    finding = serializers.ChoiceField(
        choices=[(kind, Kind(kind).label) for kind in Kind.values if kind != engine.MATCHED],
        read_only=True,
    )
    nhs_number = serializers.SerializerMethodField(
        help_text="In full for the organisation's governance leads; masked (the last 4 digits) "
        "for administrators. For an unreadable row, what its cell held."
    )
    rules = serializers.ListField(child=serializers.CharField(), read_only=True)
    explained = serializers.BooleanField(read_only=True)
    explained_by = UsernameField(allow_null=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "reconciliation",
            "finding",
            "episode_id",
            "nhs_number",
            "performed_on",
            "case",
            "introduction",
            "rules",
            "line",
            "message",
            "explained",
            "explanation",
            "explained_by",
            "explained_at",
        ]
        read_only_fields = fields

    def get_nhs_number(self, finding: Finding) -> str:
        if self.context.get("see_nhs_number"):
            return finding.nhs_number
        return finding.nhs_number_masked


class ExplanationSerializer(strict.StrictSerializer):
    shown_as = FindingSerializer
    note = strict.CharField(
        allow_blank=True,  # the service says what is missing, in the same words as the page
        trim_whitespace=False,
        help_text="Why the finding needs no more action, e.g. 'private patient, logged "
        "elsewhere'. Replaces an earlier note; the history keeps it.",
    )

    def service_fields(self) -> dict[str, Any]:
        return {"note": self.validated_data["note"]}
