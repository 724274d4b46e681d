"""Calendar arithmetic the features share (reviews every M months, follow-up at 3 to 24) and
the one way pages write dates and moments (`nhs_date`, `nhs_datetime`, template filters of
the same names in governance_tags)."""

from __future__ import annotations

import calendar
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 January + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- dates as people read them (NHS.UK style: "1 December 2026", "1 December 2026 at 07:24") -


def nhs_date(value: date | None) -> str:
    """A date the NHS.UK way, "1 December 2026"; a date-time is read in local time first."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return date_format(value, "j F Y")


def nhs_datetime(value: datetime | None) -> str:
    """A moment in local time, "1 December 2026 at 07:24": the one format of the history
    pages (audit, introduction timeline, event history); a plain date reads as nhs_date."""
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime):
        return nhs_date(value)
    return date_format(_local(value), r"j F Y \a\t H:i")


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value
