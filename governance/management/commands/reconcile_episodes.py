"""`manage.py reconcile_episodes FILE --organisation ODS [--output FILE.csv|.jsonl]`: compare a
HES/SUS-style extract of coded episodes with the organisation's cases (SPEC.md section 5,
"Coded-episode reconciliation"). Every finding, `matched` included, goes to the output (CSV on
stdout when no file is named); a summary goes to stderr. Exit 0 when nothing is flagged, 1 when
something is, 2 on a usage error."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from coding.cli import open_input, open_output, progress_bar, usage
from coding.engine import UsageError
from coding.errors import CodingError
from governance.organisations.models import Organisation
from governance.reconciliation.engine import write_csv
from governance.reconciliation.services import reconciler_for

OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl"}


class Command(BaseCommand):
    help = (
        "Compare a coded-episode extract (episode_id, nhs_number, performed_on or OPDATE_01, "
        "OPERTN_01..OPERTN_24) with the organisation's cases: procedures done outside "
        "governance, miscoded episodes, cases with no coded episode. Exit 0 when nothing is "
        "flagged, 1 when something is, 2 on a usage error."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", metavar="FILE", help="the extract (CSV); - reads stdin")
        parser.add_argument(
            "--organisation", required=True, metavar="ODS", help="the trust's ODS code"
        )
        parser.add_argument(
            "--output",
            metavar="FILE",
            help="FILE.csv or FILE.jsonl; CSV on stdout when left out",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"]
        fmt = "csv"
        if output is not None:
            fmt = OUTPUT_FORMATS.get(Path(output).suffix.lower(), "")
            if not fmt:
                raise usage(f"--output {output}: the name must end in .csv or .jsonl.")
        code = (options["organisation"] or "").strip().upper()
        organisation = Organisation.objects.filter(ods_code=code).first()
        if organisation is None:
            known = ", ".join(Organisation.objects.values_list("ods_code", flat=True))
            raise usage(
                f"--organisation {options['organisation']}: no such ODS code (known: {known})."
            )
        try:
            reconciler = reconciler_for(organisation)
        except CodingError as error:
            raise usage(f"the rule sets cannot be used: {error.message}") from error
        try:
            with (
                progress_bar(self.stderr, unit="episodes") as progress,
                open_input(options["file"], option="FILE", stdin=options.get("stdin")) as infile,
                open_output(output, stdout=self.stdout) as outfile,
            ):
                findings = reconciler.findings(infile, progress=progress)
                if fmt == "csv":
                    write_csv(findings, outfile)
                else:
                    for finding in findings:
                        outfile.write(json.dumps(finding.to_dict()) + "\n")
        except UsageError as error:
            raise usage(f"FILE: {error}.") from error
        except csv.Error as error:
            raise usage(f"FILE: the CSV cannot be read: {error}.") from error
        summary = reconciler.summary
        where = f"; findings in {output}" if output else ""
        self.stderr.write(f"{organisation.ods_code}: {summary}{where}.")
        if summary.exit_code:
            sys.exit(summary.exit_code)
