"""Template tags and filters of the governance pages (introductions/display.py does the work).

`{% load governance_tags %}`: `{% status_tag introduction.status %}`, `|status_name`,
`|action_button`, `|action_button_class`, `|percent`, `|lines`, `|nhs_date` ("1 December
2026"), `|nhs_datetime` ("1 December 2026 at 07:24", local time), and
`{% may "governance.fill_assessments" user introduction as can_fill %}` (permissions.may: what
the service allows, superusers included, where rules' `has_perm` tag says yes to a superuser).
"""

from __future__ import annotations

from django import template

from governance import dates, permissions
from governance.introductions import display

register = template.Library()

register.simple_tag(display.status_tag, name="status_tag")
for _name in ("status_name", "action_button", "action_button_class", "percent", "lines"):
    register.filter(_name, getattr(display, _name))
register.filter("nhs_date", dates.nhs_date)
register.filter("nhs_datetime", dates.nhs_datetime)


@register.simple_tag
def may(name: str, user, obj=None) -> bool:
    return permissions.may(user, name, obj)
