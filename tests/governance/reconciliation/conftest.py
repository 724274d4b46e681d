"""Fixtures of the reconciliation tests: the cases tests' approved introduction and case log."""

from tests.governance.cases.conftest import device, live, log_case  # noqa: F401
