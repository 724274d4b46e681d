"""Fixtures of the audit tests: the cases and events tests' approved introduction, cases and
events, for histories with more than introductions in them."""

from __future__ import annotations

from tests.governance.cases.conftest import device, live, log_case  # noqa: F401
from tests.governance.events.conftest import record  # noqa: F401
