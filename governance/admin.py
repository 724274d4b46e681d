"""Django admin of the governance app: each feature registers its own (Django imports this
module; it imports theirs). History is shown, never reverted or edited; non-superusers see
only their organisations' records."""

from governance.introductions import admin as _introductions  # noqa: F401
from governance.notices import admin as _notices  # noqa: F401
from governance.organisations import admin as _organisations  # noqa: F401
from governance.reconciliation import admin as _reconciliation  # noqa: F401
