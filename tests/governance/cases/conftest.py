"""Fixtures of the cases tests: an approved introduction with a device, and a way to log cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from governance.cases import services
from tests.factories import DeviceFactory, IntroductionFactory

VALID = ["V40.1", "V55.1", "Y53.4", "Z67.6"]  # percutaneous, fluoroscopy, one level
INVALID = ["V40.1", "Z67.6"]  # levels and image control missing
CONTEXT = {"approach": "percutaneous", "image_guidance": "fluoroscopy", "levels": 1}
TODAY = date.today()


@pytest.fixture
def device(db):
    return DeviceFactory(name="Dynamic stabilisation system", catalogue_number="DS-40")


@pytest.fixture
def live(applicant, device, ipg366):
    """An approved introduction of IPG366's rule set, by `applicant`, with one device."""
    introduction = IntroductionFactory(
        status="approved",
        applicant=applicant,
        guidance__ruleset=ipg366,
        cusum_p0=0.1,
        cusum_p1=0.2,
        cusum_h=1.0,
    )
    introduction.device_links.create(device=device)
    return introduction


@pytest.fixture
def log_case(live, applicant):
    """`log_case(days_ago=0, codes=VALID, actor=applicant, **fields)`: a case under `live`."""

    def log(days_ago: int = 0, codes=VALID, actor=None, introduction=None, **fields):
        fields.setdefault("performed_on", TODAY - timedelta(days=days_ago))
        for name, value in CONTEXT.items():
            fields.setdefault(name, value)
        return services.case_log(
            introduction=introduction or live, actor=actor or applicant, codes=codes, **fields
        )

    return log
