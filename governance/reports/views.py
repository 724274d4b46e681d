"""The committee report of an introduction: a printable page and its PDF, made from the same
templates (templates/governance/reports/) and the same content (reports/content.py).

Whoever may read the introduction may read its report: a member of its organisation with a
role (`Introduction.objects.visible_to`); anyone else gets the 404 every page of an
introduction gives, and the signed-out are sent to sign in (config/middleware.py).
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from governance.http import refuses
from governance.pdf import render_pdf
from governance.reports.content import committee_paper, visible_for_report


def _context(request: HttpRequest, pk: int) -> dict[str, Any]:
    introduction = visible_for_report(request.user, pk)
    paper = committee_paper(introduction, today=timezone.localdate())
    return {"introduction": introduction, "paper": paper}


@require_GET
@refuses
def committee_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a page, to read or print (its print stylesheet numbers the pages)."""
    return render(request, "governance/reports/committee.html", _context(request, pk))


@require_GET
@refuses
def committee_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a PDF: numbered and dated on every page, its contents with page numbers."""
    context = _context(request, pk)
    pdf = render_pdf(
        "governance/reports/committee_pdf.html",
        context,
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # the reference is made of an administrator's words: nothing in it may end the header
    reference = re.sub(r"[^A-Za-z0-9._-]", "-", context["paper"].reference)
    filename = f"committee-report-{reference}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
