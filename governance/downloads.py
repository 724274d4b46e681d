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


def in_chunks(lines: Iterable[str], size: int = 500) -> Iterator[str]:
    """`lines` joined `size` at a time: a server writes each item a streamed response yields
    on its own, and 20,000 writes of one line each take far longer than 40 of 500."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
