"""Fixtures for the coding app's tests: the seeded rule set, the fixture files, stored codings."""

from __future__ import annotations

from pathlib import Path

import pytest

from coding import services
from config.celery import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TRUD_SAMPLE = FIXTURES / "opcs4_trud_sample.txt"
TRUD_BAD_LINE = FIXTURES / "opcs4_trud_bad_line.txt"
GUIDANCE_NONRIGID = FIXTURES / "guidance_nonrigid_stabilisation.txt"
GUIDANCE_DISC_FUSION = FIXTURES / "guidance_lumbar_disc_fusion.txt"


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks run in process, as in the embedded default, even when REDIS_URL names a broker:
    these tests are about what the tasks do, not about the broker."""
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def fresh_catalogue_cache(clear_cache):
    """Every coding test starts and ends with an empty cache (`clear_cache`, tests/conftest.py)."""


@pytest.fixture
def store(ipg366):
    """`store(codes, **context)`: a stored coding validated against IPG366 as it is now."""

    def _store(codes: list[str] | str, **context):
        if isinstance(codes, str):
            codes = codes.split()
        return services.coding_store(ruleset_name="IPG366", codes=codes, context=context)

    return _store
