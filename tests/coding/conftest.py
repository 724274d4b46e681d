"""Fixtures for the coding app's tests: the seeded rule set, the fixture files, stored codings."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache

from coding import services
from coding.models import RuleSet
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
def clear_cache():
    # The catalogue is cached under keys made from row ids, which a rolled-back test may
    # leave behind for the next test to find.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ipg366(db) -> RuleSet:
    # The IPG366 rule set as the data migration seeds it (version 1).
    return RuleSet.objects.get(name="IPG366")


@pytest.fixture
def store(ipg366):
    """`store(codes, **context)`: a stored coding validated against IPG366 as it is now."""

    def _store(codes: list[str] | str, **context):
        if isinstance(codes, str):
            codes = codes.split()
        return services.coding_store(ruleset_name="IPG366", codes=codes, context=context)

    return _store
