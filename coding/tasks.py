"""Celery tasks of the coding app: thin, taking primary keys and calling coding.services."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from coding import services
from coding.models import RuleSet

# A database restarting or failing over is worth waiting for; anything else is a bug.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def revalidate_ruleset(self, ruleset_id: int) -> int:
    """Revalidate every stored coding made against an older version of the rule set (or an
    older catalogue release). Idempotent: a retry or a duplicate message finds less to do."""
    ruleset = RuleSet.objects.filter(pk=ruleset_id).first()
    if ruleset is None:
        return 0
    return services.codings_revalidate(ruleset=ruleset)


@shared_task(bind=True, ignore_result=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True)
def revalidate_stale_codings(self) -> int:
    """Every rule set's stale codings: a periodic catch-up for a revalidation whose message
    was lost (the broker down when a rule set changed)."""
    return sum(
        services.codings_revalidate(ruleset=ruleset) for ruleset in RuleSet.objects.order_by("pk")
    )
