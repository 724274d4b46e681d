"""Template tags of the cases on pages that belong to lower packages.

`{% load cases_tags %}`: `{% introduction_cases introduction %}` renders the "Cases" section of
the introduction page (with its monitoring signal), `{% review_monitoring introduction %}` the
figures and chart on the review page. The introductions package may not import cases (the
import layers in pyproject.toml); these tags, in the top wiring layer, read the introduction's
cases for it, in a fixed number of queries however many there are.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from governance.cases import services
from governance.cases.models import Case
from governance.cases.permissions import cases_conflict
from governance.cases.views import case_counts, case_row, for_rows
from governance.permissions import may

register = template.Library()

LATEST = 5


@register.inclusion_tag("governance/cases/_introduction_cases.html", takes_context=True)
def introduction_cases(context: template.Context, introduction) -> dict[str, Any]:
    user = context["request"].user
    today = timezone.localdate()
    cases = Case.objects.filter(introduction=introduction)
    monitored = services.Monitored(introduction)  # one read of its stamp for both
    counts = case_counts(introduction, today, monitored)
    latest = for_rows(cases).order_by("-performed_on", "-pk")[:LATEST] if counts["all"] else []
    clinical = may(user, "governance.log_case", introduction)
    return {
        "introduction": introduction,
        "monitoring": monitored.monitoring if counts["all"] else None,
        "counts": counts,
        "rows": [case_row(case, today) for case in latest],
        "caption": f"The latest {min(LATEST, counts['all'])} of {counts['all']}",
        "can_log": may(user, "governance.log_case_now", introduction),
        "conflict": cases_conflict(introduction) if clinical else None,
        "can_add_operator": may(user, "governance.add_operator", introduction),
    }


@register.inclusion_tag("governance/cases/_review_monitoring.html")
def review_monitoring(introduction) -> dict[str, Any]:
    """What a lead completing a review decides on: the monitoring figures and the CUSUM."""
    watched = services.Monitored(introduction)
    return {
        "introduction": introduction,
        "monitoring": watched.monitoring,
        "prom": watched.prom,
    }
