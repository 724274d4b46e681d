"""Celery task of the reconciliation: a thin wrapper that calls the service."""

from __future__ import annotations

from celery import shared_task

from governance.reconciliation import services


@shared_task(bind=True, ignore_result=True)
def reconcile(self, reconciliation_id: int) -> str:
    """Run an uploaded extract's reconciliation (queued by `reconciliation_start` after
    commit). Not retried: the run ends done or failed by itself, and a second delivery of a
    run already started does nothing."""
    return services.reconciliation_run(reconciliation_id).status
