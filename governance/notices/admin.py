"""The outbox, read-only: what was sent to whom and when, and why a notice failed."""

from __future__ import annotations

from django.contrib import admin

from governance.admin_base import ReadOnlyMixin
from governance.notices.models import Notice


@admin.register(Notice)
class NoticeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "key"]
    date_hierarchy = "created_at"
