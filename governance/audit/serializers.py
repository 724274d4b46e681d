"""API representation of an audit history entry (governance/audit/queries.py `Entry`)."""

from __future__ import annotations

from rest_framework import serializers

from governance.audit import queries as audit


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    old_display = serializers.CharField()
    new_display = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField(
        allow_null=True,
        help_text="username; null for the system, and for a sign-in event of a username that is "
        "nobody's (user_display then names what was typed)",
    )
    user_display = serializers.CharField()
    model = serializers.ChoiceField(choices=[name for name, _ in audit.record_types()])
    model_label = serializers.CharField()
    object_id = serializers.IntegerField()
    introduction = serializers.IntegerField(
        source="introduction_id",
        allow_null=True,
        help_text="null for role grants, memberships and sign-in events, which belong to no "
        "introduction",
    )
    introduction_title = serializers.CharField()
    type = serializers.ChoiceField(choices=list(audit.TYPE_LABELS.items()))
    action = serializers.CharField(
        source="type_label", help_text='What happened in words: "Changed", "Role given".'
    )
    summary = serializers.CharField(
        allow_blank=True,
        help_text="For role grants, memberships and sign-in events, what happened to whom: "
        '"Governance lead given to Alice Smith", "Locked out: Alice Smith"; empty otherwise.',
    )
    reason = serializers.CharField(allow_blank=True)
    changes = ChangeSerializer(many=True)
