"""The sign-in record and token revocation, from Django's and django-axes' signals.

Failures django-axes turns into a lockout (the one that reaches the limit, and every attempt
while locked out) are recorded once, as "Locked out", by `locked_out`: axes handles the
failure signal first (it is before governance in INSTALLED_APPS) and marks the request.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver

from governance.accounts import services
from governance.accounts.models import SignInEvent

Outcome = SignInEvent.Outcome


@receiver(user_logged_in, dispatch_uid="accounts_signed_in")
def signed_in(sender, request, user, **kwargs) -> None:
    services.sign_in_event_record(outcome=Outcome.SIGNED_IN, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="accounts_sign_in_failed")
def sign_in_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    if request is not None and getattr(request, "axes_locked_out", False):
        return  # recorded as a lockout by `locked_out`
    username = credentials.get(get_user_model().USERNAME_FIELD)
    services.sign_in_event_record(
        outcome=Outcome.FAILED, request=request, username=username, detail="Wrong password"
    )


@receiver(user_locked_out, dispatch_uid="accounts_locked_out")
def locked_out(sender, request, username: str | None, ip_address: str | None, **kwargs) -> None:
    # axes counted this failure (the one reaching the limit) or refused the attempt unchecked.
    counted = getattr(request, "axes_failures_since_start", None)
    detail = (
        f"Locked out after {counted} failed sign-ins"
        if counted
        else "Refused while locked out (the password was not checked)"
    )
    services.sign_in_event_record(
        outcome=Outcome.LOCKED_OUT, request=request, username=username, detail=detail
    )


@receiver(user_logged_out, dispatch_uid="accounts_signed_out")
def signed_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    services.sign_in_event_record(outcome=Outcome.SIGNED_OUT, request=request, user=user)
    services.token_revoke(user=user, request=request, detail="Signed out")


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_password_changed")
def password_changed(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    """A new password ends the API token made with the old one (as Django ends the other
    sessions). Saves that do not write the password (last_login) are skipped unread."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    old = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        services.token_revoke(user=instance, detail="Password changed")
