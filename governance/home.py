"""What each role sees on the home page. Every section says what will appear when it is empty."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest

from governance import roles


@dataclass
class HomeSection:
    title: str
    empty_text: str
    items: list[dict] = field(default_factory=list)
    action_label: str | None = None
    action_url: str | None = None
    template: str | None = None


def home_sections(request: HttpRequest) -> list[HomeSection]:
    user_roles = roles.roles_of(request.user)
    sections: list[HomeSection] = []
    if roles.CLINICIAN in user_roles:
        sections.append(
            HomeSection(
                "My introductions",
                "You have not applied to introduce a procedure yet. Your applications, and what "
                "each needs next, will appear here.",
            )
        )
    if roles.LEAD in user_roles:
        sections.append(
            HomeSection(
                "Awaiting review",
                "No application is waiting for review. Submitted applications will appear here.",
            )
        )
        sections.append(
            HomeSection(
                "Monitoring",
                "No review is due and no monitoring signal is open. Reviews due or overdue, "
                "CUSUM signals and Yellow Card deadlines will appear here.",
            )
        )
    if roles.ADMIN in user_roles:
        sections.append(
            HomeSection(
                "Administration",
                "Manage users and their roles, guidance, coding rule sets and the code "
                "catalogue, and read the audit history of every change.",
            )
        )
    if not user_roles:
        sections.append(
            HomeSection(
                "No role yet",
                "Your account has no role. Ask an administrator to give you the Clinician, "
                "Governance lead or Administrator role.",
            )
        )
    return sections
