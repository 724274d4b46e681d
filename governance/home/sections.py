"""What each role sees on the home page. Every section says what will appear when it is empty.

Each section is one query however many rows there are (select_related, and a limit): the home
page is the page everybody opens first. Items are {url, label, hint, tag, tag_colour}.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from governance import roles
from governance.cases import services as cases
from governance.cases.models import Case
from governance.events.models import AdverseEvent
from governance.introductions import workflow
from governance.introductions.display import next_step, status_colour, status_label
from governance.introductions.models import Condition, Introduction, Review
from governance.introductions.workflow import EDITABLE, Status
from governance.reconciliation.models import Reconciliation

# At most this many items a section; a link to the list shows the rest.
SECTION_LIMIT = 10
RECONCILIATIONS_SHOWN = 3  # the latest: the list page has the rest


@dataclass
class HomeSection:
    title: str
    empty_text: str
    items: list[dict] = field(default_factory=list)
    action_label: str | None = None
    action_url: str | None = None
    template: str | None = None


def _name(user) -> str:
    return user.get_full_name() or user.username


def _introduction_item(introduction: Introduction, hint: str, page: str | None = None) -> dict:
    """An introduction as a dashboard item: its title, its status tag, what comes next."""
    return {
        "url": reverse(page or "governance:introduction_detail", args=[introduction.pk]),
        "label": introduction.title,
        "hint": hint,
        "tag": status_label(introduction.status),
        "tag_colour": status_colour(introduction.status),
    }


def my_introductions(request: HttpRequest) -> HomeSection:
    """The clinician's own applications, those waiting on them first, and what each needs."""
    user = request.user
    mine = (
        Introduction.objects.visible_to(user)
        .filter(applicant=user)
        .exclude(status=Status.CANCELLED)
        .select_related("guidance")
        .order_by("-updated_at", "-id")[:SECTION_LIMIT]
    )
    items = [
        _introduction_item(
            introduction,
            f"{introduction.guidance.reference}. Next: "
            f"{next_step(introduction.status, applicant=True)}",
            page="governance:introduction_edit" if introduction.status in EDITABLE else None,
        )
        for introduction in sorted(mine, key=lambda i: i.status not in EDITABLE)
    ]
    return HomeSection(
        "My introductions",
        "You have not applied to introduce a procedure yet. Your applications, and what "
        "each needs next, will appear here.",
        items,
        action_label="Apply to introduce a procedure",
        action_url=reverse("governance:introduction_create"),
    )


def awaiting_review(request: HttpRequest) -> HomeSection:
    """Applications a governance lead may review: submitted or under review, not their own."""
    user = request.user
    waiting = (
        Introduction.objects.visible_to(user)
        .filter(status__in=[Status.SUBMITTED, Status.UNDER_REVIEW])
        .exclude(applicant=user)
        .select_related("guidance", "applicant")
        .order_by("updated_at", "id")[:SECTION_LIMIT]
    )
    items = [
        _introduction_item(
            introduction,
            f"{introduction.guidance.reference}, from {_name(introduction.applicant)}. "
            f"Next: {next_step(introduction.status, applicant=False)}",
        )
        for introduction in waiting
    ]
    return HomeSection(
        "Awaiting review",
        "No application is waiting for review. Submitted applications will appear here.",
        items,
        action_label="See all introductions",
        action_url=reverse("governance:introduction_list"),
    )


def reviews_due(request: HttpRequest) -> HomeSection:
    """Scheduled reviews that have fallen due (or been flagged), overdue first."""
    user = request.user
    today = timezone.localdate()
    reviews = (
        Review.objects.scheduled()
        .filter(introduction__in=Introduction.objects.visible_to(user))
        .exclude(introduction__applicant=user)
        .filter(Q(due_on__lte=today) | Q(flagged_due_at__isnull=False))
        .select_related("introduction")
        .order_by("due_on", "id")[:SECTION_LIMIT]
    )
    items = []
    for review in sorted(reviews, key=lambda r: not r.is_overdue):
        introduction = review.introduction
        when = f"due {date_format(review.due_on, 'j F Y')}" if review.due_on else "due"
        items.append(
            {
                "url": reverse("governance:introduction_detail", args=[introduction.pk])
                + "#reviews",
                "label": introduction.title,
                "hint": f"{review}: {when}",
                "tag": "Overdue" if review.is_overdue else "Due",
                "tag_colour": "red" if review.is_overdue else "orange",
            }
        )
    return HomeSection(
        "Reviews due or overdue",
        "No review is due. Reviews fall due after the first cases and every few months; they "
        "will appear here.",
        items,
    )


def monitoring_signals(request: HttpRequest) -> HomeSection:
    """Introductions whose CUSUM has reached its threshold: two queries however many cases."""
    live = (
        Introduction.objects.visible_to(request.user)
        .filter(status__in=workflow.LIVE | workflow.CASES_ALLOWED)
        .order_by("title", "pk")
    )
    introductions = list(live)
    results = cases.monitoring_of(introductions)
    items = [
        {
            "url": reverse("governance:monitoring", args=[introduction.pk]),
            "label": introduction.title,
            "hint": f"The CUSUM reached {result.h:g} at case {result.signal_at_case}; it stands "
            f"at {result.last_s:.2f} after {result.cases} cases and {result.failures} failures.",
            "tag": "Signal",
            "tag_colour": "red",
        }
        for introduction in introductions
        if (result := results.get(introduction.pk)) is not None and result.signal
    ][:SECTION_LIMIT]
    return HomeSection(
        "Monitoring signals",
        "No introduction's failure rate has reached its alarm threshold. An introduction whose "
        "CUSUM crosses its threshold will appear here, and you will be told by e-mail.",
        items,
    )


def open_conditions(request: HttpRequest) -> HomeSection:
    """Conditions of approval not yet met, on introductions that are live."""
    user = request.user
    conditions = (
        Condition.objects.filter(
            status=Condition.State.OPEN,
            introduction__in=Introduction.objects.visible_to(user).filter(status__in=workflow.LIVE),
        )
        .exclude(introduction__applicant=user)
        .select_related("introduction")
        .order_by("created_at", "id")[:SECTION_LIMIT]
    )
    items = [
        {
            "url": reverse("governance:introduction_detail", args=[c.introduction_id])
            + "#conditions",
            "label": c.introduction.title,
            "hint": c.text if len(c.text) <= 160 else c.text[:157] + "...",
            "tag": "Open",
            "tag_colour": "blue",
        }
        for c in conditions
    ]
    return HomeSection(
        "Open conditions",
        "No condition of approval is open. Conditions set on approval will appear here until "
        "they are met.",
        items,
    )


def follow_ups(request: HttpRequest) -> HomeSection:
    """How many of the user's cases (operated or logged) have a follow-up overdue, and how many
    one due, in one query; the list is a page of its own."""
    user = request.user
    today = timezone.localdate()
    overdue = cases.follow_up_filter("overdue", today)
    counts = Case.objects.filter(
        Q(operator=user) | Q(logged_by=user),
        introduction__in=Introduction.objects.visible_to(user),
    ).aggregate(
        overdue=Count("pk", filter=overdue),
        due=Count("pk", filter=cases.follow_up_filter("due", today) & ~overdue),
    )
    url = reverse("governance:follow_ups")
    items = []
    if counts["overdue"]:
        n = counts["overdue"]
        items.append(
            {
                "url": url,
                "label": f"{n} case{'s' if n != 1 else ''} with a follow-up overdue",
                "hint": "More than two weeks past its date.",
                "tag": "Overdue",
                "tag_colour": "red",
            }
        )
    if counts["due"]:
        n = counts["due"]
        items.append(
            {
                "url": url,
                "label": f"{n} case{'s' if n != 1 else ''} with a follow-up due",
                "hint": "Within two weeks of its date.",
                "tag": "Due",
                "tag_colour": "orange",
            }
        )
    return HomeSection(
        "Follow-ups",
        "No follow-up of your cases is due. Outcomes are collected at 6 weeks, 3, 6, 12 and 24 "
        "months; each will appear here when it falls due.",
        items,
        action_label="See your follow-ups",
        action_url=url,
    )


def yellow_cards_overdue(request: HttpRequest) -> HomeSection:
    """Yellow Cards past their due date, the longest overdue first, in one query."""
    today = timezone.localdate()
    overdue = (
        AdverseEvent.objects.overdue(today=today)
        .filter(introduction__in=Introduction.objects.visible_to(request.user))
        .select_related("introduction")
        .order_by("yellow_card_due_by", "pk")[:SECTION_LIMIT]
    )
    items = [
        {
            "url": reverse("governance:event_detail", args=[event.pk]),
            "label": f"Adverse event {event.pk}: {event.introduction.title}",
            "hint": f"Due by {date_format(event.yellow_card_due_by, 'j F Y')}. "
            f"{event.get_harm_display()}, {event.device_name or 'device not named'}.",
            "tag": "Overdue",
            "tag_colour": "red",
        }
        for event in overdue
    ]
    return HomeSection(
        "Yellow Cards overdue",
        "No Yellow Card is overdue. A reportable device event's card appears here once it "
        "passes its due date.",
        items,
        action_label="See the Yellow Card queue",
        action_url=reverse("governance:yellow_card_queue"),
    )


def reconciliations(request: HttpRequest) -> HomeSection:
    """The organisation's latest reconciliations of coded episodes, with the findings each has
    left to explain, in one query."""
    runs = (
        Reconciliation.objects.visible_to(request.user)
        .select_related("uploaded_by")
        .annotate(unexplained=Count("findings", filter=Q(findings__explained_at__isnull=True)))
        .order_by("-id")[:RECONCILIATIONS_SHOWN]
    )
    items = []
    for run in runs:
        if run.status == Reconciliation.Status.DONE:
            tag, colour = (
                (f"{run.unexplained} to explain", "red" if run.outside_governance else "orange")
                if run.unexplained
                else ("Done", "green")
            )
            found = f"{run.flagged} finding{'s' * (run.flagged != 1)}"
            if run.outside_governance:
                found += f", {run.outside_governance} outside governance"
        else:
            tag, colour = run.get_status_display(), "red" if run.status == "failed" else "grey"
            found = "Not reconciled" if run.status == "failed" else "Not finished yet"
        items.append(
            {
                "url": reverse("governance:reconciliation_detail", args=[run.pk]),
                "label": run.file_name,
                "hint": f"Uploaded {date_format(timezone.localtime(run.created_at), 'j F Y')} "
                f"by {_name(run.uploaded_by)}. {found}.",
                "tag": tag,
                "tag_colour": colour,
            }
        )
    return HomeSection(
        "Reconciliation of coded episodes",
        "No extract of coded episodes has been reconciled yet. Upload the coding department's "
        "extract to find procedures done outside governance, miscoded cases and cases with no "
        "coded episode.",
        items,
        action_label="Reconcile coded episodes",
        action_url=reverse("governance:reconciliation_list"),
    )


def administration(request: HttpRequest) -> HomeSection:
    links = [
        ("Audit history", "governance:audit_history", "Every change, who made it, when and why"),
        ("Users and roles", "governance:user_list", "Give people their roles"),
        ("Guidance", "governance:guidance_list", "NICE guidance and recommendations"),
        ("Coding rule sets", "coding:ruleset_list", "OPCS-4 coding rules of each guidance"),
    ]
    items = [{"url": reverse(name), "label": label, "hint": hint} for label, name, hint in links]
    return HomeSection(
        "Administration",
        "Manage users and their roles, guidance, coding rule sets and the code "
        "catalogue, and read the audit history of every change.",
        items,
    )


def home_sections(request: HttpRequest) -> list[HomeSection]:
    user_roles = roles.roles_of(request.user)
    sections: list[HomeSection] = []
    if roles.CLINICIAN in user_roles:
        sections.append(my_introductions(request))
    if roles.CLINICIAN in user_roles or roles.LEAD in user_roles:
        sections.append(follow_ups(request))
    if roles.LEAD in user_roles:
        sections.append(yellow_cards_overdue(request))
        sections.append(monitoring_signals(request))
        sections.append(awaiting_review(request))
        sections.append(reviews_due(request))
        sections.append(open_conditions(request))
        sections.append(reconciliations(request))
    if roles.ADMIN in user_roles:
        sections.append(administration(request))
    if not user_roles:
        sections.append(
            HomeSection(
                "No role yet",
                "Your account has no role. Ask an administrator to give you the Clinician, "
                "Governance lead or Administrator role.",
            )
        )
    return sections
