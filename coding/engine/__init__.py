"""Pure-Python OPCS-4 coding engine (no Django): codes, rule sets, validation, bulk, guidance."""

from __future__ import annotations

from .bulk import Summary, iter_rows, judge, run_bulk, scan
from .catalogue import Catalogue, grow_maps, iter_catalogue_rows, load_shipped_catalogue
from .codes import normalise
from .errors import (
    CatalogueFormatError,
    ContextError,
    GuidanceFormatError,
    RuleSetError,
    UsageError,
)
from .guidance import GuidancePage, derive_ruleset, ipg366_ruleset, parse_guidance
from .linter import FIXABLE_RULES, MAX_CODES, RULES, Issue, Result, code_count_error, validate
from .ruleset import Context, RuleSet, default_spinal_categories

__all__ = [
    "FIXABLE_RULES",
    "MAX_CODES",
    "RULES",
    "Catalogue",
    "CatalogueFormatError",
    "Context",
    "ContextError",
    "GuidanceFormatError",
    "GuidancePage",
    "Issue",
    "Result",
    "RuleSet",
    "RuleSetError",
    "Summary",
    "UsageError",
    "code_count_error",
    "default_spinal_categories",
    "derive_ruleset",
    "grow_maps",
    "ipg366_ruleset",
    "iter_catalogue_rows",
    "iter_rows",
    "judge",
    "load_shipped_catalogue",
    "normalise",
    "parse_guidance",
    "run_bulk",
    "scan",
    "validate",
]
