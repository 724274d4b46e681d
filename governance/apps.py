from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        # Each feature registers its permissions (rules) and receivers when imported.
        from governance.accounts import receivers as _accounts  # noqa: F401
        from governance.assessments import permissions as _assessments  # noqa: F401
        from governance.audit import permissions as _audit  # noqa: F401
        from governance.audit import receivers as _audit_index  # noqa: F401
        from governance.cases import permissions as _cases  # noqa: F401
        from governance.cases import receivers as _receivers  # noqa: F401
        from governance.events import permissions as _events  # noqa: F401
        from governance.introductions import permissions as _introductions  # noqa: F401
        from governance.notices import permissions as _notices  # noqa: F401
        from governance.organisations import permissions as _organisations  # noqa: F401
        from governance.organisations import signals as _signals  # noqa: F401
        from governance.reconciliation import permissions as _reconciliation  # noqa: F401
