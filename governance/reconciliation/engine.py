"""Coded-episode reconciliation, without Django (SPEC.md section 5, "Coded-episode
reconciliation"): a HES/SUS-style extract compared with the cases logged under governance.

Input: a CSV with `episode_id`, `nhs_number`, `performed_on` (or HES's `OPDATE_01`), the codes
(`OPERTN_01`..`OPERTN_24`, or one `codes` column) and optionally `approach`, `image_guidance`,
`levels`, read by the coding engine's scanner one row at a time. An episode is *governed* when
one of its codes is a procedure code of a rule set given (V40.1 for IPG366). Each governed
episode is validated by that rule set and looked up in an index of the organisation's cases by
NHS number: a case of the same patient, under an introduction of the same rule set, performed
within `window_days` of the episode, matches it. Findings, one per row:

  outside_governance  governed, and no case matches
  miscoded            matched, and the episode's coding has an error
  matched             matched, and coded right (written only to the full output)
  row-error           the row could not be read (which field and why in `message`); the run
                      goes on
  no_coded_episode    after the file: a case performed within the period the file covers
                      (its first to its last episode date) that no episode matched

Episodes with no governed code are counted and otherwise ignored. Memory holds the case index
(the organisation's cases, not the file's rows) and bounded memos.
"""

from __future__ import annotations

import csv
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, TextIO

from coding.engine import Catalogue, RuleSet, judge, normalise, scan
from coding.engine.bulk import MEMO_SIZE

OUTSIDE_GOVERNANCE = "outside_governance"
MISCODED = "miscoded"
MATCHED = "matched"
NO_CODED_EPISODE = "no_coded_episode"
ROW_ERROR = "row-error"
FINDINGS = (OUTSIDE_GOVERNANCE, MISCODED, NO_CODED_EPISODE, ROW_ERROR, MATCHED)
FLAGGED = frozenset(FINDINGS) - {MATCHED}
COLUMNS = ("episode_id", "nhs_number", "performed_on", "finding", "case", "introduction", "rules")
WINDOW_DAYS = 3
_EXTRA = (("nhs_number",), ("performed_on", "opdate_01"))
_MEMO = 1 << 16


class KnownCase(NamedTuple):
    """A case of the governance record, as the reconciliation needs it."""

    case: int
    introduction: int
    ruleset: str  # the name of the rule set its introduction's guidance codes by
    nhs_number: str  # ten digits, or "" when the case has none
    performed_on: date


class Finding(NamedTuple):
    finding: str
    episode_id: str | None
    nhs_number: str
    performed_on: date | None
    case: int | None = None
    introduction: int | None = None
    rules: tuple[str, ...] = ()
    line: int | None = None  # of the input, for an episode
    message: str = ""  # why a row could not be read

    def row(self) -> tuple[str, ...]:
        """The finding as the CSV output's cells, in COLUMNS order."""
        return (
            self.episode_id or "",
            self.nhs_number,
            self.performed_on.isoformat() if self.performed_on else "",
            self.finding,
            "" if self.case is None else str(self.case),
            "" if self.introduction is None else str(self.introduction),
            " ".join(self.rules),
        )

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = dict(zip(COLUMNS, self.row(), strict=True))
        data["case"], data["introduction"] = self.case, self.introduction
        data["rules"] = list(self.rules)
        if self.message:
            data["message"] = self.message
        return data


@dataclass
class Summary:
    episodes: int = 0  # rows read
    governed: int = 0  # rows coded with a governed procedure
    counts: Counter[str] = field(default_factory=Counter)
    first_day: date | None = None  # the period the file covers
    last_day: date | None = None

    @property
    def flagged(self) -> int:
        return sum(n for finding, n in self.counts.items() if finding in FLAGGED)

    @property
    def exit_code(self) -> int:
        """0 when nothing is flagged, 1 when something is."""
        return 1 if self.flagged else 0

    def __str__(self) -> str:
        period = (
            f" from {self.first_day.isoformat()} to {self.last_day.isoformat()}"
            if self.first_day and self.last_day
            else ""
        )
        counts = ", ".join(f"{self.counts[finding]} {finding}" for finding in FINDINGS)
        return f"{self.episodes} episodes{period}, {self.governed} governed: {counts}"


def parse_day(text: str) -> date | None:
    """An extract's date: ISO (2026-03-01, 20260301) or day first (01/03/2026); None if
    unreadable."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    day, sep, rest = text.partition("/")
    month, sep2, year = rest.partition("/")
    if sep and sep2 and len(year) == 4:
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            return None
    return None


def clean_nhs_number(text: str) -> str | None:
    """Ten digits, spaces and hyphens dropped; None when it is not ten digits."""
    digits = text.replace(" ", "").replace("-", "")
    return digits if len(digits) == 10 and digits.isdigit() else None


class CaseIndex:
    """The organisation's cases by NHS number, each patient's in date order: an episode is
    matched by one dictionary lookup and a scan of that patient's few cases."""

    def __init__(self, cases: Iterable[KnownCase]) -> None:
        self.cases: list[KnownCase] = list(cases)
        by_patient: dict[str, list[tuple[int, int, KnownCase]]] = {}
        several = []
        for case in self.cases:
            nhs_number = case.nhs_number
            if nhs_number:
                entry = (case.performed_on.toordinal(), case.case, case)
                entries = by_patient.get(nhs_number)
                if entries is None:
                    by_patient[nhs_number] = [entry]
                else:
                    if len(entries) == 1:
                        several.append(entries)
                    entries.append(entry)
        for entries in several:
            entries.sort()
        self._by_patient = by_patient
        self.matched: set[int] = set()

    def match(self, nhs_number: str, day: date, ruleset: str, window: int) -> KnownCase | None:
        """The case of this patient and rule set nearest `day` within `window` days, one not
        yet matched first; None when there is none."""
        entries = self._by_patient.get(nhs_number)
        if not entries:
            return None
        ordinal = day.toordinal()
        if len(entries) == 1:  # most patients have one case
            day_of, case_id, case = entries[0]
            if abs(day_of - ordinal) > window or case.ruleset != ruleset:
                return None
            self.matched.add(case_id)
            return case
        best: tuple[bool, int, int] | None = None
        found = None
        for at in range(bisect_left(entries, (ordinal - window,)), len(entries)):
            day_of, case_id, case = entries[at]
            if day_of > ordinal + window:
                break
            if case.ruleset != ruleset:
                continue
            rank = (case_id in self.matched, abs(day_of - ordinal), case_id)
            if best is None or rank < best:
                best, found = rank, case
        if found is not None:
            self.matched.add(found.case)
        return found

    def unmatched(self, first: date, last: date) -> Iterator[KnownCase]:
        """Cases performed from `first` to `last` that no episode matched, in date order."""
        matched = self.matched
        left = [
            case
            for case in self.cases
            if case.case not in matched and first <= case.performed_on <= last
        ]
        left.sort(key=lambda c: (c.performed_on, c.case))
        yield from left


class Reconciler:
    """One run: `findings(file)` yields the findings as the file is read, then the cases no
    episode matched; `summary` is complete once the generator is exhausted."""

    def __init__(
        self,
        *,
        cases: Iterable[KnownCase],
        rulesets: Iterable[RuleSet],
        catalogue: Catalogue,
        window_days: int = WINDOW_DAYS,
        memo_size: int = MEMO_SIZE,
    ) -> None:
        self.index = CaseIndex(cases)
        self.window = window_days
        self.summary = Summary()
        # Each governed procedure code -> (rule set name, the judge of its episodes).
        self._governs: dict[str, tuple[str, Callable]] = {}
        for ruleset in rulesets:
            judged = judge(ruleset, catalogue, memo_size=memo_size)
            for code in ruleset.procedure_codes:
                self._governs.setdefault(code, (ruleset.name, judged))

    def _governing(self, codes: list[str], spellings: dict) -> tuple[str, Callable] | None:
        governs = self._governs
        for raw in codes:
            found = spellings.get(raw, spellings)
            if found is spellings:
                if len(spellings) >= _MEMO:
                    spellings.clear()
                found = spellings[raw] = governs.get(normalise(raw) or "")
            if found is not None:
                return found
        return None

    def findings(
        self,
        file: TextIO | Iterable[str],
        *,
        progress: Callable[[int], object] | None = None,
        progress_every: int = 1000,
    ) -> Iterator[Finding]:
        """Raises coding.engine.UsageError at once on a header missing a required column."""
        rows = scan(file, _EXTRA)
        return self._findings(rows, progress, progress_every)

    def _findings(
        self,
        rows: Iterator,
        progress: Callable[[int], object] | None,
        progress_every: int,
    ) -> Iterator[Finding]:
        summary = self.summary
        counts = summary.counts
        match = self.index.match
        window = self.window
        governing_of = self._governing
        spellings: dict[str, tuple[str, Callable] | None] = {}
        days: dict[str, date | None] = {}
        first = last = None
        pending = episodes = governed = 0
        for line, episode_id, codes, context_key, context, error, extras in rows:
            episodes += 1
            pending += 1
            if pending >= progress_every and progress is not None:
                progress(pending)
                pending = 0
            nhs_cell, day_cell = extras
            day = days.get(day_cell, days)
            if day is days:
                if len(days) >= _MEMO:
                    days.clear()
                day = days[day_cell] = parse_day(day_cell)
            if error is not None:
                counts[ROW_ERROR] += 1
                yield _row_error(line, episode_id, nhs_cell, day, error[1])
                continue
            if day is not None:  # the period the file covers, from the rows read cleanly
                if first is None or day < first:
                    first = day
                if last is None or day > last:
                    last = day
            governing = governing_of(codes, spellings)
            if governing is None:
                continue
            governed += 1
            nhs_number = (
                nhs_cell
                if len(nhs_cell) == 10 and nhs_cell.isdigit()
                else clean_nhs_number(nhs_cell)
            )
            if nhs_number is None:
                counts[ROW_ERROR] += 1
                reason = "is empty" if not nhs_cell.strip() else "is not ten digits"
                yield _row_error(line, episode_id, nhs_cell, day, f"nhs_number {reason}")
                continue
            if day is None:
                counts[ROW_ERROR] += 1
                reason = (
                    "is empty" if not day_cell.strip() else f"{day_cell.strip()!r} is not a date"
                )
                yield _row_error(line, episode_id, nhs_number, None, f"performed_on {reason}")
                continue
            ruleset_name, judged = governing
            valid, _, rules = judged(codes, context_key, context)
            case = match(nhs_number, day, ruleset_name, window)
            if case is None:
                counts[OUTSIDE_GOVERNANCE] += 1
                yield Finding(
                    OUTSIDE_GOVERNANCE, episode_id, nhs_number, day, None, None, tuple(rules), line
                )
            else:
                finding = MATCHED if valid else MISCODED
                counts[finding] += 1
                yield Finding(
                    finding,
                    episode_id,
                    nhs_number,
                    day,
                    case.case,
                    case.introduction,
                    tuple(rules),
                    line,
                )
        summary.episodes, summary.governed = episodes, governed
        if progress is not None and pending:
            progress(pending)
        summary.first_day, summary.last_day = first, last
        if first is None or last is None:
            return
        for case in self.index.unmatched(first, last):
            counts[NO_CODED_EPISODE] += 1
            yield Finding(
                NO_CODED_EPISODE,
                None,
                case.nhs_number,
                case.performed_on,
                case.case,
                case.introduction,
            )


def check_header(file: TextIO | Iterable[str]) -> None:
    """coding.engine.UsageError naming the first required column the extract's header lacks;
    reads the header line only."""
    scan(file, _EXTRA)


def _row_error(
    line: int, episode_id: str | None, nhs_number: str, day: date | None, message: str
) -> Finding:
    return Finding(
        ROW_ERROR,
        episode_id,
        nhs_number.strip(),
        day,
        rules=(ROW_ERROR,),
        line=line,
        message=f"line {line}: {message}",
    )


def write_csv(findings: Iterable[Finding], out: TextIO) -> None:
    """The findings as CSV, COLUMNS first."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    # The cells of Finding.row(), left to the csv module to write: None as an empty cell, a
    # date and an id as their str().
    writer.writerows(
        (episode_id, nhs_number, day, finding, case, introduction, " ".join(rules))
        for finding, episode_id, nhs_number, day, case, introduction, rules, _, _ in findings
    )


def counts_of(summary: Summary) -> Mapping[str, int]:
    """Every finding's count, zeros included, in FINDINGS order."""
    return {finding: summary.counts[finding] for finding in FINDINGS}
