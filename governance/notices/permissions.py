"""Who reads the outbox: administrators, in the administration pages (read-only; only the
services write notices). Held as `rules` permissions, as the admin asks without an object."""

from __future__ import annotations

import rules

from governance import roles

rules.set_perm("governance.view_notice", roles.is_admin)
