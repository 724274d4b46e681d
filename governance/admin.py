"""Django admin of the governance app: each feature registers its own (Django imports this
module; it imports theirs). History is shown, never reverted or edited; non-superusers see
only their organisations' records.

The Django admin is for superusers only: administrators manage people, roles and guidance in
the NHS.UK administration pages (organisations/views.py), which ask the same permissions as
the services. A staff flag alone opens nothing here."""

from django.contrib import admin
from django.http import HttpRequest

from governance.introductions import admin as _introductions  # noqa: F401
from governance.notices import admin as _notices  # noqa: F401
from governance.organisations import admin as _organisations  # noqa: F401
from governance.reconciliation import admin as _reconciliation  # noqa: F401


def superusers_only(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_superuser


admin.site.has_permission = superusers_only
admin.site.site_header = "New procedures governance: superusers' administration"
