"""The coding pages: "Check coding" for clinicians and coders; rule sets and the catalogue for
administrators. Views translate HTTP; coding.services does the work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from coding import engine, services
from coding.errors import CodingError
from coding.forms import CheckCodingForm
from coding.models import CatalogueRelease, Code, RuleSet
from governance import roles
from governance.http import refuses
from governance.permissions import require

# The rules in plain words, for people who have not read SPEC section 3.
RULE_LABELS = {
    "format": "Not an OPCS-4 code",
    "unknown-code": "Not in the code catalogue",
    "subsidiary-primary": "A method or site code comes first",
    "primary-procedure": "The procedure code is missing or not first",
    "levels-missing": "Levels of spine code missing",
    "levels-misplaced": "Levels of spine code in the wrong place",
    "levels-mismatch": "Levels of spine code does not match the levels treated",
    "approach-missing": "Image control code missing",
    "approach-misplaced": "Image control code in the wrong place",
    "approach-mismatch": "Image control code does not match the image guidance",
    "approach-unexpected": "Image control code not expected",
    "site-missing": "Site code missing",
    "row-error": "The row could not be read",
}
CATALOGUE_PAGE_SIZE = 50


def admin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not roles.is_admin(request.user):
            raise PermissionDenied("Only administrators manage rule sets and the catalogue.")
        return view(request, *args, **kwargs)

    return wrapped


# Check coding --------------------------------------------------------------------------------


@dataclass
class IssueView:
    rule: str
    label: str
    severity: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class CodeRow:
    position: int
    code: str
    title: str | None
    issues: list[IssueView] = field(default_factory=list)


@dataclass
class SuggestedCode:
    code: str
    title: str | None
    changed: bool  # added or moved by a fix


@dataclass
class ResultView:
    """The result object laid out for the page."""

    valid: bool
    ruleset: str
    ruleset_version: int
    rows: list[CodeRow]
    general: list[IssueView]  # issues with no position
    errors: int
    warnings: int
    suggested: list[SuggestedCode] | None
    suggested_text: str
    suggestion_differs: bool

    @classmethod
    def of(cls, result: dict[str, Any], catalogue: engine.Catalogue) -> ResultView:
        codes: list[str] = result["codes"]
        rows = [
            CodeRow(position, code, catalogue.title(code))
            for position, code in enumerate(codes, start=1)
        ]
        general = []
        for issue in result["issues"]:
            view = IssueView(
                issue["rule"],
                RULE_LABELS.get(issue["rule"], issue["rule"]),
                issue["severity"],
                issue["message"],
            )
            position = issue["position"]
            if position is not None and 1 <= position <= len(rows):
                rows[position - 1].issues.append(view)
            else:
                general.append(view)
        suggested = result["suggested"]
        return cls(
            valid=result["valid"],
            ruleset=result["ruleset"],
            ruleset_version=result["ruleset_version"],
            rows=rows,
            general=general,
            errors=sum(issue["severity"] == "error" for issue in result["issues"]),
            warnings=sum(issue["severity"] == "warning" for issue in result["issues"]),
            suggested=_suggested(codes, suggested, catalogue) if suggested is not None else None,
            suggested_text=" ".join(suggested or []),
            suggestion_differs=suggested is not None and suggested != codes,
        )


def _suggested(
    codes: list[str], suggested: list[str], catalogue: engine.Catalogue
) -> list[SuggestedCode]:
    kept = _kept(codes, suggested)
    return [
        SuggestedCode(code, catalogue.title(code), i not in kept)
        for i, code in enumerate(suggested)
    ]


def _kept(codes: list[str], suggested: list[str]) -> set[int]:
    """Positions in `suggested` of a longest common subsequence with `codes`: the codes the
    fixes left in their order. The rest were added or moved (at most 24 codes: a tiny table)."""
    n, m = len(codes), len(suggested)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1
                if codes[i] == suggested[j]
                else max(table[i + 1][j], table[i][j + 1])
            )
    kept: set[int] = set()
    i = j = 0
    while i < n and j < m:
        if codes[i] == suggested[j]:
            kept.add(j)
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


@require_http_methods(["GET", "POST"])
@refuses
def check(request: HttpRequest) -> HttpResponse:
    """Codes and context in; the issues against each code's position, and the suggested
    sequence with one button to use it. htmx swaps the form and result in place; without
    JavaScript the same form posts the whole page."""
    require("governance.use", request.user)
    result = None
    if request.method == "POST":
        form = CheckCodingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                catalogue = services.catalogue_current()
                result = ResultView.of(
                    services.coding_validate(
                        ruleset_name=data["ruleset"], codes=data["codes"], context=data["context"]
                    ),
                    catalogue,
                )
            except CodingError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
    else:
        form = CheckCodingForm()
    context = {"form": form, "result": result}
    if request.headers.get("HX-Request") == "true":
        return render(request, "coding/_check.html", context)
    return render(request, "coding/check.html", context)


# Rule sets -----------------------------------------------------------------------------------


@require_GET
@admin_only
def ruleset_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "coding/ruleset_list.html", {"rulesets": RuleSet.objects.order_by("name")}
    )


@dataclass
class DefinitionView:
    """A rule set's definition in words (the page shows it; the admin edits the JSON)."""

    procedure_codes: list[tuple[str, str | None]]
    spinal_categories: str
    levels_category: str
    levels_unspecified: str
    levels_map: list[tuple[str, str, str | None]]
    approach_category: str
    approach_unspecified: str
    approach_map: list[tuple[str, str, str | None]]
    site: str

    @classmethod
    def of(cls, definition: dict[str, Any], catalogue: engine.Catalogue) -> DefinitionView:
        site_chapter = definition.get("site_chapter")
        excluded = ", ".join(definition.get("site_excluded_categories", []))
        if site_chapter:
            site = f"A Chapter {site_chapter} code" + (
                f", other than {excluded}" if excluded else ""
            )
        else:
            site = "No site code is asked for"
        return cls(
            procedure_codes=[
                (c, catalogue.title(c)) for c in definition.get("procedure_codes", [])
            ],
            spinal_categories=category_ranges(definition.get("spinal_categories", [])),
            levels_category=definition.get("levels_category", ""),
            levels_unspecified=definition.get("levels_unspecified", ""),
            levels_map=[
                (f"{n} level{'s' if str(n) != '1' else ''}", code, catalogue.title(code))
                for n, code in definition.get("levels_map", {}).items()
            ],
            approach_category=definition.get("approach_category", ""),
            approach_unspecified=definition.get("approach_unspecified", ""),
            approach_map=[
                (_METHOD_LABELS.get(method, method), code, catalogue.title(code))
                for method, code in definition.get("approach_map", {}).items()
            ],
            site=site,
        )


_METHOD_LABELS = {
    "fluoroscopy": "Fluoroscopy",
    "ultrasound": "Ultrasound",
    "ct": "CT",
    "mri": "MRI",
}


def category_ranges(categories: list[str]) -> str:
    """["V22", "V23", "V24", "V56"] -> "V22 to V24, V56": runs of a chapter's categories."""
    runs: list[list[str]] = []
    for category in sorted(categories):
        if runs:
            last = runs[-1][-1]
            if last[0] == category[0] and int(category[1:]) == int(last[1:]) + 1:
                runs[-1].append(category)
                continue
        runs.append([category])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs)


@require_GET
@admin_only
def ruleset_detail(request: HttpRequest, name: str) -> HttpResponse:
    ruleset = get_object_or_404(RuleSet, name__iexact=name)
    return render(
        request,
        "coding/ruleset_detail.html",
        {
            "ruleset": ruleset,
            "definition": DefinitionView.of(ruleset.definition, services.catalogue_current()),
            "versions": ruleset.versions(),
        },
    )


# Catalogue -----------------------------------------------------------------------------------


@require_GET
@admin_only
def catalogue(request: HttpRequest) -> HttpResponse:
    q = " ".join(request.GET.get("q", "").split())[:100]
    codes = Code.objects.order_by("code")
    if q:
        match = Q(code__istartswith=q) | Q(title__icontains=q)
        if normalised := engine.normalise(q):
            match |= Q(code__startswith=normalised)
        codes = codes.filter(match)
    page = Paginator(codes, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    releases = CatalogueRelease.objects.select_related("loaded_by").order_by("-loaded_at", "-pk")
    latest = releases.first()
    return render(
        request,
        "coding/catalogue.html",
        {
            "q": q,
            "page": page,
            "latest": latest,
            "full": bool(latest and latest.full),
            "code_count": Code.objects.count(),
            "releases": releases[:20],
            "changes": Code.history.select_related("history_user").order_by("-history_id")[:20],
        },
    )
