"""Dates as the pages write them: one NHS.UK style, in local (UK) time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.template import Context, Template

from governance.dates import nhs_date, nhs_datetime


def test_a_moment_reads_in_uk_time_with_the_month_in_words():
    assert nhs_datetime(datetime(2026, 12, 1, 7, 24, tzinfo=UTC)) == "1 December 2026 at 07:24"
    # British Summer Time: an hour ahead of UTC
    assert nhs_datetime(datetime(2026, 7, 1, 6, 24, tzinfo=UTC)) == "1 July 2026 at 07:24"


def test_a_date_has_no_time_and_nothing_reads_as_nothing():
    assert nhs_date(date(2027, 3, 15)) == "15 March 2027"
    assert nhs_datetime(date(2027, 3, 15)) == "15 March 2027"
    assert nhs_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"
    assert nhs_datetime(None) == nhs_date(None) == ""


def test_the_template_filters_write_the_same():
    template = Template("{% load governance_tags %}{{ at|nhs_datetime }}; {{ day|nhs_date }}")
    context = Context({"at": datetime(2026, 12, 1, 7, 24, tzinfo=UTC), "day": date(2026, 12, 1)})

    assert template.render(context) == "1 December 2026 at 07:24; 1 December 2026"
