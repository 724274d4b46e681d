"""What the cases package does when something it does not own changes (connected in
governance/apps.py)."""

from __future__ import annotations

from django.dispatch import receiver

from coding.signals import codings_revalidated
from governance.cases.services import cases_revalidated


@receiver(codings_revalidated, dispatch_uid="cases_revalidated")
def _codings_revalidated(sender, codings, reason: str, **kwargs) -> None:
    cases_revalidated(codings=codings, reason=reason)
