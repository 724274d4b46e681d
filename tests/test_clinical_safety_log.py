"""The clinical safety hazard log (docs/clinical-safety.md) names a test for every control.

Each test it cites as a pytest node id (`tests/path/test_file.py::test_name`) must exist: the
file is there and defines that test, as a function, a method of a test class or a
parametrised function. A test renamed or removed fails here, so the log cannot go stale.
The files are parsed, never imported or run.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "docs" / "clinical-safety.md"

# `tests/governance/cases/test_pages.py::test_name`, or `...::TestClass::test_name`.
NODE_ID = re.compile(r"\b(tests/[\w/]+\.py)((?:::\w+)+)")


def cited() -> list[tuple[str, tuple[str, ...]]]:
    """Each node id the log cites, once, in the order it first appears."""
    found: dict[tuple[str, tuple[str, ...]], None] = {}
    for match in NODE_ID.finditer(LOG.read_text(encoding="utf-8")):
        found[(match.group(1), tuple(match.group(2).split("::")[1:]))] = None
    return list(found)


@cache
def definitions(path: str) -> frozenset[tuple[str, ...]]:
    """The names a test file defines: ("test_x",) for a function, ("TestY", "test_x") for a
    method of a class, and ("test_x",) for that method too (a class may be left out)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    names: set[tuple[str, ...]] = set()
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions):
            names.add((node.name,))
        elif isinstance(node, ast.ClassDef):
            names.add((node.name,))
            for item in node.body:
                if isinstance(item, functions):
                    names.add((node.name, item.name))
                    names.add((item.name,))
    return frozenset(names)


def test_the_log_cites_tests():
    assert LOG.is_file(), "docs/clinical-safety.md is missing"
    assert len(cited()) >= 50, "the hazard log should cite the tests of its controls"


CITED = cited() if LOG.is_file() else []


@pytest.mark.parametrize(
    ("path", "names"),
    CITED,
    ids=[f"{path.removeprefix('tests/')}:{'.'.join(names)}" for path, names in CITED],
)
def test_each_cited_test_exists(path, names):
    file = ROOT / path
    assert file.resolve().is_relative_to(ROOT / "tests"), f"{path} is not a test of the project"
    assert file.is_file(), f"docs/clinical-safety.md cites {path}, which does not exist"
    # A parametrised test's id may carry its parameters ("test_x[a-b]"): the log names the
    # function, so the name itself must be defined.
    assert names in definitions(path), (
        f"docs/clinical-safety.md cites {path}::{'::'.join(names)}, which that file does not define"
    )
