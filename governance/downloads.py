"""CSV downloads, streamed a line at a time, with every cell people typed made safe to open in
a spreadsheet (the audit history's export, a reconciliation's findings)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The value as text, with a leading apostrophe when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header, then each row, as lines of CSV text for a StreamingHttpResponse."""
    writer = csv.writer(_Echo())  # lines end in CRLF, as RFC 4180 says
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)
