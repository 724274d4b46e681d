"""Known vulnerabilities in what we install: pip-audit on the Python packages, npm audit on the
front-end ones. A known vulnerability fails the run, naming the package, the advisory and the
fixed version.

Both tools ask an advisory service (PyPI's JSON API, the npm registry's bulk advisory endpoint).
A package index mirror may not answer those questions: then nothing could be audited, and this
says so plainly and how many packages went unchecked. `AUDIT_STRICT=true` makes that a failure
too, for a pipeline that must never pass unaudited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRICT = os.environ.get("AUDIT_STRICT", "").lower() in {"1", "true", "yes"}


def python_packages() -> tuple[list[str], int]:
    """(vulnerabilities found, packages that could not be audited)."""
    run = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--skip-editable", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        return [f"pip-audit did not run: {run.stderr.strip() or run.stdout.strip()}"], 0
    found, skipped = [], 0
    for dependency in report["dependencies"]:
        if "skip_reason" in dependency:
            skipped += 1
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            found.append(
                f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})"
            )
    return found, skipped


def node_packages() -> tuple[list[str], int]:
    run = subprocess.run(["npm", "audit", "--json"], capture_output=True, text=True, cwd=ROOT)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        return [f"npm audit did not run: {run.stderr.strip()}"], 0
    if "vulnerabilities" not in report:  # the advisory endpoint refused or was unreachable
        lock = json.loads((ROOT / "package-lock.json").read_text())
        return [], len([name for name in lock.get("packages", {}) if name])
    return [
        f"{name}: {details['severity']} ({details.get('range', '')})"
        for name, details in report["vulnerabilities"].items()
    ], 0


def main() -> int:
    failed = False
    for tool, check in (("pip-audit", python_packages), ("npm audit", node_packages)):
        found, skipped = check()
        for line in found:
            print(f"{tool}: {line}", file=sys.stderr)
        failed |= bool(found)
        if skipped:
            print(
                f"{tool}: the advisory service gave no answer for {skipped} packages; "
                "they were not audited.",
                file=sys.stderr,
            )
            failed |= STRICT
        elif not found:
            print(f"{tool}: no known vulnerabilities.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
