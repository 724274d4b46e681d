"""`manage.py validate_coding`: check one coded episode, or a CSV extract of them (SPEC
section 3, "Command line"). Exit 0 valid, 1 invalid, 2 usage error (message on stderr)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from coding import engine, services
from coding.cli import open_input, open_output, progress_bar, usage
from coding.errors import CodingError

OUTPUT_FORMATS = {".jsonl": "jsonl", ".csv": "csv"}


class Command(BaseCommand):
    help = (
        "Validate OPCS-4 coding against a rule set: one episode (CODE...) or a CSV extract "
        "(--input). Exit 0 when valid, 1 when invalid, 2 on a usage error."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "codes", nargs="*", metavar="CODE", help="the episode's codes, in order"
        )
        parser.add_argument("--ruleset", required=True, help="the rule set, e.g. IPG366")
        parser.add_argument("--approach", help="open or percutaneous")
        parser.add_argument(
            "--image-guidance",
            dest="image_guidance",
            help="none, fluoroscopy, ultrasound, ct, mri or unspecified",
        )
        parser.add_argument("--levels", help="number of spinal levels treated (1 or more)")
        parser.add_argument(
            "--format",
            choices=["json", "text"],
            help="one episode: json (the result object, the default) or text (one line an issue)",
        )
        parser.add_argument(
            "--input",
            metavar="FILE",
            help="CSV with episode_id and codes or OPERTN_01..OPERTN_24; - reads stdin",
        )
        parser.add_argument(
            "--output",
            metavar="FILE",
            help="with --input: FILE.jsonl or FILE.csv; JSON lines on stdout when left out",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["input"] is not None:
            self.bulk(options)
        else:
            self.one(options)

    # One episode ----------------------------------------------------------------------------

    def one(self, options: dict[str, Any]) -> None:
        if options["output"] is not None:
            raise usage("--output needs --input: one episode's result goes to stdout.")
        codes = [code for arg in options["codes"] for code in services.split_codes(arg)]
        if not codes:
            raise usage("No codes: give the episode's codes (CODE...) or --input FILE.")
        context = {
            "approach": options["approach"],
            "image_guidance": options["image_guidance"],
            "levels": options["levels"],
        }
        try:
            result = services.coding_validate(
                ruleset_name=options["ruleset"], codes=codes, context=context
            )
        except CodingError as error:
            raise usage(f"{_option(error.field)}: {error.message}") from error
        if options["format"] == "text":
            for line in text_lines(result):
                self.stdout.write(line)
        else:
            self.stdout.write(json.dumps(result))
        if not result["valid"]:
            sys.exit(1)

    # Bulk -----------------------------------------------------------------------------------

    def bulk(self, options: dict[str, Any]) -> None:
        if options["codes"]:
            raise usage("Give either codes or --input, not both.")
        single = [name for name in ("approach", "image_guidance", "levels") if options[name]]
        if single:
            raise usage(
                f"{', '.join(_option(name) for name in single)}: with --input, give the context "
                "of each episode in the approach, image_guidance and levels columns."
            )
        if options["format"] == "text":
            raise usage("--format text is for one episode; with --input, use --output FILE.csv.")
        output = options["output"]
        fmt = "jsonl"
        if output is not None:
            fmt = OUTPUT_FORMATS.get(Path(output).suffix.lower(), "")
            if not fmt:
                raise usage(f"--output {output}: the name must end in .jsonl or .csv.")
        try:
            ruleset_model = services.ruleset_get(options["ruleset"])
            catalogue = services.catalogue_current()
            ruleset = services.ruleset_engine(ruleset_model, catalogue=catalogue)
        except CodingError as error:
            raise usage(f"{_option(error.field)}: {error.message}") from error

        stdin = options.get("stdin")
        try:
            with (
                progress_bar(self.stderr, unit="rows") as progress,
                open_input(options["input"], option="--input", stdin=stdin) as infile,
                open_output(output, stdout=self.stdout) as outfile,
            ):
                summary = engine.run_bulk(
                    infile,
                    outfile,
                    fmt=fmt,
                    ruleset=ruleset,
                    catalogue=catalogue,
                    progress=progress,
                )
        except engine.UsageError as error:
            raise usage(f"--input: {error}.") from error
        except csv.Error as error:
            raise usage(f"--input: the CSV cannot be read: {error}.") from error
        where = f"; results in {output}" if output else ""
        self.stderr.write(f"{ruleset.name} v{ruleset.version}: {summary}{where}.")
        if summary.exit_code:
            sys.exit(summary.exit_code)


def _option(field: str) -> str:
    return {
        "ruleset": "--ruleset",
        "approach": "--approach",
        "image_guidance": "--image-guidance",
        "levels": "--levels",
        "codes": "CODE",
        "context": "context",
    }.get(field, field)


def text_lines(result: dict[str, Any]) -> list[str]:
    """Linter style: `POSITION: CODE RULE SEVERITY: MESSAGE` an issue, then a summary line."""
    lines = []
    for issue in result["issues"]:
        where = str(issue["position"]) if issue["position"] is not None else "-"
        code = f" {issue['code']}" if issue["code"] else ""
        lines.append(f"{where}:{code} {issue['rule']} {issue['severity']}: {issue['message']}")
    errors = sum(issue["severity"] == "error" for issue in result["issues"])
    warnings = len(result["issues"]) - errors
    verdict = "valid" if result["valid"] else "invalid"
    summary = (
        f"{verdict}: {errors} error{'s' * (errors != 1)}, {warnings} warning"
        f"{'s' * (warnings != 1)} ({result['ruleset']} v{result['ruleset_version']})"
    )
    if result["suggested"] is not None and result["suggested"] != result["codes"]:
        summary += f"; suggested: {' '.join(result['suggested'])}"
    lines.append(summary)
    return lines
