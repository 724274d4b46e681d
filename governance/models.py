"""The models of the governance app, for Django: each feature package defines its own
(organisations/, introductions/, assessments/, notices/, ...) and this module only re-exports
them, so that Django finds every model under the app label `governance`.

Code imports a model from its feature package, never from here.
"""

from governance.accounts.models import SignInEvent
from governance.assessments.models import EqualityAssessment, SustainabilityAssessment
from governance.audit.models import HistoryIndex
from governance.cases.models import Case, MonitoringStamp, Operator, Outcome
from governance.events.models import AdverseEvent
from governance.introductions.models import (
    Condition,
    Introduction,
    IntroductionDevice,
    Review,
    Transition,
)
from governance.notices.models import Notice
from governance.organisations.models import (
    Device,
    Guidance,
    Membership,
    Organisation,
    RoleGrant,
)
from governance.reconciliation.models import Finding, Reconciliation

__all__ = [
    "AdverseEvent",
    "Case",
    "Condition",
    "Device",
    "EqualityAssessment",
    "Finding",
    "Guidance",
    "HistoryIndex",
    "Introduction",
    "IntroductionDevice",
    "Membership",
    "MonitoringStamp",
    "Notice",
    "Operator",
    "Organisation",
    "Outcome",
    "Reconciliation",
    "Review",
    "RoleGrant",
    "SignInEvent",
    "SustainabilityAssessment",
    "Transition",
]
