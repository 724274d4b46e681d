"""Fixtures of the reconciliation tests: the cases tests' approved introduction and case log
(`live`, `log_case`), and for the stored runs the trust's cases and a coding department's
extract written here, with one episode of every finding.

    cases        three cases of `live`: one the extract matches, one it codes wrong, one it
                 has no episode of
    extract      the CSV's bytes: matched, miscoded, outside governance, not governed,
                 unreadable
    upload(...)  an uploaded file of those bytes (or others)
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.reconciliation import services
from tests.governance.cases.conftest import INVALID, TODAY, device, live, log_case  # noqa: F401

PATIENT, OTHER_PATIENT, THIRD_PATIENT, FOURTH_PATIENT = (
    "9434765919",
    "9434765870",
    "4010232137",
    "9000000009",
)
HEADER = (
    "episode_id,nhs_number,OPDATE_01,OPERTN_01,OPERTN_02,OPERTN_03,OPERTN_04,"
    "approach,image_guidance,levels"
)
RIGHT = "V40.1,V55.1,Y53.4,Z67.6,percutaneous,fluoroscopy,1"
LEVELS_MISSING = "V40.1,Z67.6,,,percutaneous,fluoroscopy,1"


def day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(content: bytes, name: str = "episodes.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    # Uploads go to a folder of the test's own, never the project's media/.
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def cases(log_case):  # noqa: F811  (the cases tests' fixture, imported above)
    """The trust's cases: one the extract matches, one it codes wrong, one it lacks."""
    return {
        "matched": log_case(days_ago=20, nhs_number=PATIENT),
        "miscoded": log_case(days_ago=15, nhs_number=OTHER_PATIENT),
        "no_episode": log_case(days_ago=10, nhs_number=THIRD_PATIENT, codes=INVALID),
    }


@pytest.fixture
def extract(cases) -> bytes:
    """One episode of every finding, and one not governed."""
    return csv_bytes(
        f"H1,{PATIENT},{day(21)},{RIGHT}",  # matched (a day from its case)
        f"H2,{OTHER_PATIENT},{day(15)},{LEVELS_MISSING}",  # miscoded
        f"H3,{FOURTH_PATIENT},{day(12)},{RIGHT}",  # outside governance: nobody logged it
        f"H4,{FOURTH_PATIENT},{day(5)},W37.1,,,,,,",  # not a governed procedure
        f"H5,{FOURTH_PATIENT},not a date,{RIGHT}",  # unreadable
    )


@pytest.fixture
def reconcile(organisation, lead):
    """`reconcile(content)`: an extract uploaded by `lead` and run, as the task would."""

    def run(content: bytes, name: str = "episodes.csv", actor=None):
        started = services.reconciliation_start(
            organisation=organisation, file=upload(content, name), actor=actor or lead
        )
        return services.reconciliation_run(started.pk)

    return run
