"""seed_demo's reconciliation: the demo extract, run once, with one of each finding and one
explained, so that the page shows something on a first `make run`."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from governance.reconciliation.models import Reconciliation

pytestmark = pytest.mark.django_db


def test_seed_demo_reconciles_an_extract_once_with_one_of_each_finding(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"

    call_command("seed_demo")
    call_command("seed_demo")

    run = Reconciliation.objects.get()
    assert run.status == "done"
    assert (run.outside_governance, run.miscoded, run.no_coded_episode, run.row_error) == (
        2,
        1,
        1,
        1,
    )
    assert run.matched > 5
    explained = run.findings.get(explained_at__isnull=False)
    assert explained.finding == "outside_governance"
    assert explained.explained_by.username == "lead2"
    assert run.file.name == ""
