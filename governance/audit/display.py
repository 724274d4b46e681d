"""How audit entries read on the pages: where each record can be opened, and the whole record
as a summary list.

Pure functions of an entry already loaded: nothing here runs a query (STYLE.md, "Templates").
The template tags (templatetags/audit_tags.py) use them.
"""

from __future__ import annotations

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from governance.audit.queries import Entry

# Records with a page of their own, by model name: the URL name and the entry's id that opens it.
RECORD_PAGES: dict[str, str] = {
    "introduction": "governance:introduction_detail",
    "case": "governance:case_detail",
    "adverseevent": "governance:event_detail",
    "reconciliation": "governance:reconciliation_detail",
}


def record_url(entry: Entry, unopenable: frozenset[int] = frozenset()) -> str | None:
    """The page of the entry's record, else of its introduction; None for a deleted record,
    for people's roles and memberships, and for what hangs off an introduction in
    `unopenable` (another person's draft: the history shows it, its page is its applicant's)."""
    if entry.type == "-" and entry.model in RECORD_PAGES:
        return None
    if unopenable and entry.introduction_id in unopenable:
        return None
    if entry.model in RECORD_PAGES:
        return reverse(RECORD_PAGES[entry.model], args=[entry.object_id])
    if entry.introduction_id is not None:
        return reverse("governance:introduction_detail", args=[entry.introduction_id])
    return None


NOT_GIVEN = format_html('<span class="nhsuk-u-secondary-text-colour">{}</span>', "Not given")


def record_rows(entry: Entry) -> SafeString:
    """The rows of the entry's whole record (`entry.details`) in an NHS.UK summary list: a
    page holds fifty records of a dozen fields or more, written here rather than by a
    template loop, which took most of the page's time."""
    return format_html_join(
        "\n",
        '<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">{}</dt>'
        '<dd class="nhsuk-summary-list__value">{}</dd></div>',
        (
            (
                detail.label,
                linebreaksbr(detail.value, autoescape=True) if detail.value else NOT_GIVEN,
            )
            for detail in entry.details
        ),
    )
