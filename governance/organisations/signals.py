"""A one-trust deployment never notices organisations (DESIGN.md, "Organisations from day one"):
while the install holds a single organisation, every new user joins it. Once a second one
exists, an administrator chooses each user's organisations."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="join_only_organisation")
def join_only_organisation(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    from governance.organisations.models import Organisation
    from governance.organisations.services import organisation_add_member

    organisations = list(Organisation.objects.all()[:2])
    if len(organisations) == 1:
        organisation_add_member(
            organisation=organisations[0],
            user=instance,
            reason="Joined the only organisation of this installation",
        )
