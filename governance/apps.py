from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from governance import audit, signals  # noqa: F401  (signals connects the receivers)
        from governance.assessment_models import EqualityAssessment, SustainabilityAssessment

        audit.track(EqualityAssessment)
        audit.track(SustainabilityAssessment)
