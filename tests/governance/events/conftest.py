"""Fixtures of the adverse-event tests: the cases tests' approved introduction and cases, and a
way to record events."""

from __future__ import annotations

import pytest

from governance.events import services
from tests.governance.cases.conftest import TODAY, device, live, log_case  # noqa: F401


@pytest.fixture
def record(live, applicant):  # noqa: F811  (the cases tests' fixture, imported above)
    """`record(actor=applicant, introduction=live, **fields)`: an event, minor by default."""

    def make(actor=None, introduction=None, **fields):
        fields.setdefault("occurred_on", TODAY)
        fields.setdefault("detected_on", fields["occurred_on"])
        fields.setdefault("description", "Superficial wound ooze, dressed on the ward.")
        fields.setdefault("harm", "low")
        fields.setdefault("category", "wound")
        return services.adverse_event_record(
            introduction=introduction or live, actor=actor or applicant, **fields
        )

    return make
