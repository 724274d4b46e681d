"""Template tags of the audit pages (audit/display.py does the work).

`{% load audit_tags %}`: `{% history_record_url entry as url %}`, the page of an entry's record;
`{% history_record_rows entry %}`, its whole record as the rows of a summary list.
"""

from __future__ import annotations

from django import template

from governance.audit import display

register = template.Library()

register.simple_tag(display.record_url, name="history_record_url")
register.simple_tag(display.record_rows, name="history_record_rows")
