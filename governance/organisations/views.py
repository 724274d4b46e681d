"""The administration pages (`/administration/`): an administrator manages the people of their
organisations (roles, memberships, new accounts) and the NICE guidance, in NHS.UK pages.

Views only translate HTTP: each asks its permission (organisations/permissions.py) and calls
organisations/services.py, the writer the Django admin and the commands use too. A person
outside the administrator's organisations is a 404, never a 403 that would confirm they exist.
Nothing here reads or writes staff or superuser status: superusers keep the Django admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import capfirst, slugify
from django.views.decorators.http import require_GET, require_http_methods

from coding.models import RuleSet
from config.forms import add_service_errors
from governance import roles
from governance.http import refuses
from governance.organisations import services
from governance.organisations.forms import (
    ROLE_HINTS,
    GuidanceImportForm,
    MembershipAddForm,
    ReasonForm,
    RecommendationForm,
    RoleGiveForm,
    UserCreateForm,
    UserFilterForm,
)
from governance.organisations.models import Guidance, Membership, Organisation, RoleGrant
from governance.permissions import may, organisation_ids, refusal_of, require

User = get_user_model()
USERS_PAGE_SIZE = 50
GRANTS_SHOWN = 20
HISTORY_SHOWN = 30
ROLE_SLUGS = {slugify(role): role for role in roles.ORDER}
# The administration index: (url name, title, what it is for).
CARDS = [
    ("governance:user_list", "Users", "Add people, give and take away their roles, and choose "
     "the organisations they belong to."),
    ("governance:guidance_list", "Guidance", "Import NICE guidance pages and record NICE's "
     "recommendation for each."),
    ("coding:ruleset_list", "Coding rule sets", "The OPCS-4 coding rules derived from each "
     "guidance, and their versions."),
    ("coding:catalogue", "Code catalogue", "The OPCS-4 codes and titles the rules check "
     "against."),
    ("governance:audit_history", "Audit history", "Every change, who made it, when and why."),
]  # fmt: skip


def role_slug(role: str) -> str:
    return slugify(role)


# --- the index ------------------------------------------------------------------------------


@require_GET
@refuses
def administration(request: HttpRequest) -> HttpResponse:
    require("governance.administer", request.user)
    return render(request, "governance/organisations/administration.html", {"cards": CARDS})


# --- people ---------------------------------------------------------------------------------


def people_of(administrator) -> QuerySet:
    """The people who share an organisation with the administrator."""
    members = Membership.objects.filter(organisation_id__in=organisation_ids(administrator))
    return User.objects.filter(pk__in=members.values("user_id"))


def with_roles_and_organisations(people: QuerySet) -> QuerySet:
    """Their roles and organisations in two more queries however many they are."""
    return people.prefetch_related(
        Prefetch(
            "groups",
            queryset=roles_queryset(),
            to_attr="role_groups",
        ),
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("organisation").order_by(
                "organisation__name"
            ),
            to_attr="organisation_memberships",
        ),
    )


def roles_queryset() -> QuerySet:
    return Group.objects.filter(name__in=roles.ORDER)


def role_names(person) -> list[str]:
    held = {group.name for group in person.role_groups}
    return [role for role in roles.ORDER if role in held]


@dataclass(frozen=True)
class PersonRow:
    person: Any
    roles: list[str]
    organisations: list[Organisation]


@require_GET
@refuses
def user_list(request: HttpRequest) -> HttpResponse:
    require("governance.administer", request.user)
    form = UserFilterForm(request.GET or None)
    people = people_of(request.user)
    q, role = "", ""
    if form.is_bound and form.is_valid():
        q, role = " ".join(form.cleaned_data["q"].split()), form.cleaned_data["role"]
    for word in q.split()[:5]:
        people = people.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    if role == "none":
        people = people.exclude(groups__name__in=roles.ORDER)
    elif role:
        people = people.filter(groups__name=role)
    people = with_roles_and_organisations(people.order_by("last_name", "first_name", "username"))
    page = Paginator(people, USERS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [
        PersonRow(p, role_names(p), [m.organisation for m in p.organisation_memberships])
        for p in page
    ]
    return render(
        request,
        "governance/organisations/user_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filtered": bool(q or role),
            "query": query.urlencode(),
            "several_organisations": len(organisation_ids(request.user)) > 1,
        },
    )


def managed_person(request: HttpRequest, pk: int):
    """The person, if they share an organisation with the administrator: 404 otherwise."""
    require("governance.administer", request.user)
    return get_object_or_404(people_of(request.user), pk=pk)


def _detail_url(person) -> str:
    return reverse("governance:user_detail", args=[person.pk])


def _name(person) -> str:
    return person.get_full_name() or person.username


@dataclass(frozen=True)
class RoleRow:
    role: str
    slug: str
    hint: str
    last_administrator: Organisation | None  # the organisation they are the only admin of


@dataclass(frozen=True)
class MembershipRow:
    organisation: Organisation
    can_remove: bool
    last_administrator: bool


@require_GET
@refuses
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = managed_person(request, pk)
    mine = organisation_ids(request.user)
    memberships = list(
        person.memberships.select_related("organisation").order_by("organisation__name")
    )
    theirs = [m.organisation_id for m in memberships]
    held = roles.roles_of(person)
    last = services.last_administrator_of(person, theirs) if roles.ADMIN in held else None
    role_rows = [
        RoleRow(role, role_slug(role), ROLE_HINTS[role], last if role == roles.ADMIN else None)
        for role in held
    ]
    membership_rows = [
        MembershipRow(
            m.organisation,
            m.organisation_id in mine,
            services.last_administrator_of(person, [m.organisation_id]) is not None,
        )
        for m in memberships
    ]
    grants = list(
        RoleGrant.objects.filter(user=person)
        .select_related("by")
        .order_by("-at", "-id")[: GRANTS_SHOWN + 1]
    )
    can_change_roles = may(request.user, "governance.change_roles", person)
    return render(
        request,
        "governance/organisations/user_detail.html",
        {
            "person": person,
            "role_rows": role_rows,
            "can_change_roles": can_change_roles,
            "roles_refusal": None
            if can_change_roles
            else refusal_of("governance.change_roles", request.user, person),
            "can_give_role": can_change_roles and len(held) < len(roles.ORDER),
            "membership_rows": membership_rows,
            "can_add_membership": bool(set(mine) - set(theirs)),
            "grants": grants[:GRANTS_SHOWN],
            "more_grants": len(grants) > GRANTS_SHOWN,
            "is_self": person.pk == request.user.pk,
        },
    )


def _form_page(request: HttpRequest, template: str, person, form, **context: Any) -> HttpResponse:
    return render(
        request, f"governance/organisations/{template}", {"person": person, "form": form, **context}
    )


def _done(request: HttpRequest, message: str, person) -> HttpResponse:
    """Back to the person's page, or home when the administrator just gave up the role that
    shows it."""
    messages.success(request, message)
    # After a change to their own roles, `person` holds them fresh (request.user keeps its cache).
    viewer = person if person.pk == request.user.pk else request.user
    if not may(viewer, "governance.administer"):
        return HttpResponseRedirect(reverse("home"))
    return HttpResponseRedirect(_detail_url(person))


@require_http_methods(["GET", "POST"])
@refuses
def user_role_give(request: HttpRequest, pk: int) -> HttpResponse:
    person = managed_person(request, pk)
    require("governance.change_roles", request.user, person)
    available = [role for role in roles.ORDER if role not in roles.roles_of(person)]
    if not available:
        messages.info(request, f"{_name(person)} already has every role.")
        return HttpResponseRedirect(_detail_url(person))
    form = RoleGiveForm(request.POST or None, available=available)
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        try:
            services.role_grant(
                user=person, role=role, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, f"{_name(person)} now has the role {role}", person)
    hints = {role: ROLE_HINTS[role] for role in available}
    return _form_page(request, "role_give.html", person, form, hints=hints)


@require_http_methods(["GET", "POST"])
@refuses
def user_role_remove(request: HttpRequest, pk: int, role: str) -> HttpResponse:
    person = managed_person(request, pk)
    role_name = ROLE_SLUGS.get(role)
    if role_name is None or role_name not in roles.roles_of(person):
        raise Http404("They do not have that role.")
    require("governance.change_roles", request.user, person)
    form = ReasonForm(
        request.POST or None,
        label="Why are you taking this role away?",
        example="left the governance committee",
        required="Enter why you are taking this role away",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.role_revoke(
                user=person, role=role_name, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, f"{_name(person)} no longer has the role {role_name}", person)
    return _form_page(
        request,
        "role_remove.html",
        person,
        form,
        role=role_name,
        is_self=person.pk == request.user.pk,
    )


@require_http_methods(["GET", "POST"])
@refuses
def user_membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = managed_person(request, pk)
    addable = Organisation.objects.filter(pk__in=organisation_ids(request.user)).exclude(
        members=person
    )
    form = MembershipAddForm(request.POST or None, organisations=addable)
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        require("governance.manage_membership", request.user, organisation)
        services.organisation_add_member(
            organisation=organisation,
            user=person,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        return _done(request, f"{_name(person)} is now a member of {organisation.name}", person)
    return _form_page(request, "membership_add.html", person, form, nothing_to_add=not addable)


@require_http_methods(["GET", "POST"])
@refuses
def user_membership_remove(request: HttpRequest, pk: int, organisation_pk: int) -> HttpResponse:
    person = managed_person(request, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("organisation"),
        user=person,
        organisation_id=organisation_pk,
    )
    require("governance.manage_membership", request.user, membership.organisation)
    form = ReasonForm(
        request.POST or None,
        label="Why are you removing them?",
        example="moved to another trust",
        required="Enter why you are removing them",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_remove_member(
                membership=membership, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = f"{_name(person)} is no longer a member of {membership.organisation.name}"
            if person.pk == request.user.pk or not people_of(request.user).filter(pk=person.pk):
                messages.success(request, message)  # no longer one of theirs: back to the list
                return HttpResponseRedirect(reverse("governance:user_list"))
            return _done(request, message, person)
    return _form_page(
        request,
        "membership_remove.html",
        person,
        form,
        organisation=membership.organisation,
        is_self=person.pk == request.user.pk,
    )


@require_http_methods(["GET", "POST"])
@refuses
def user_create(request: HttpRequest) -> HttpResponse:
    require("governance.administer", request.user)
    organisations = Organisation.objects.filter(pk__in=organisation_ids(request.user))
    initial = {"organisation": organisations[0]} if len(organisations) == 1 else {}
    form = UserCreateForm(request.POST or None, organisations=organisations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        require("governance.manage_membership", request.user, data["organisation"])
        try:
            person = services.user_create(
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password"],
                organisation=data["organisation"],
                role=data["role"],
                actor=request.user,
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{_name(person)} can now sign in as {person.username}, as {data['role']} "
                f"in {data['organisation'].name}. Give them their password in person or by "
                "phone, never by email.",
            )
            return HttpResponseRedirect(_detail_url(person))
    return render(
        request,
        "governance/organisations/user_create.html",
        {"form": form, "hints": ROLE_HINTS},
    )


# --- guidance -------------------------------------------------------------------------------


def _guidance(reference: str) -> Guidance:
    return get_object_or_404(
        Guidance.objects.select_related("ruleset"), reference__iexact=reference
    )


@require_GET
@refuses
def guidance_list(request: HttpRequest) -> HttpResponse:
    require("governance.administer", request.user)
    guidance = Guidance.objects.select_related("ruleset").order_by("reference")
    return render(
        request,
        "governance/organisations/guidance_list.html",
        {"guidance_list": guidance, "can_import": may(request.user, "governance.manage_guidance")},
    )


@dataclass(frozen=True)
class GuidanceChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class GuidanceHistoryEntry:
    at: Any
    who: str
    action: str
    reason: str
    changes: list[GuidanceChange]


GUIDANCE_FIELDS = ("title", "url", "recommendation", "supersedes", "ruleset")


def guidance_history(guidance: Guidance) -> tuple[list[GuidanceHistoryEntry], bool]:
    """Who changed what of the guidance, when and why, newest first (two queries)."""
    rows = list(
        guidance.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_SHOWN + 1
        ]
    )
    ruleset_names = dict(
        RuleSet.objects.filter(pk__in={r.ruleset_id for r in rows if r.ruleset_id}).values_list(
            "pk", "name"
        )
    )
    recommendations = dict(Guidance.Recommendation.choices)
    fields = [Guidance._meta.get_field(name) for name in GUIDANCE_FIELDS]

    def shown(field, value) -> str:
        if value in (None, ""):
            return ""
        if field.name == "ruleset":
            return ruleset_names.get(value, f"Rule set {value}")
        if field.name == "recommendation":
            return str(recommendations.get(value, value))
        return str(value)

    entries = []
    for index, row in enumerate(rows[:HISTORY_SHOWN]):
        who = (
            (row.history_user.get_full_name() or row.history_user.username)
            if row.history_user
            else "The system"
        )
        reason = row.history_change_reason or ""
        if row.history_type == "+":
            entries.append(GuidanceHistoryEntry(row.history_date, who, "Added", reason, []))
            continue
        before = rows[index + 1] if index + 1 < len(rows) else None
        changes = []
        if before is not None:
            for field in fields:
                old, new = getattr(before, field.attname), getattr(row, field.attname)
                if old != new:
                    changes.append(
                        GuidanceChange(
                            capfirst(str(field.verbose_name)), shown(field, old), shown(field, new)
                        )
                    )
        entries.append(GuidanceHistoryEntry(row.history_date, who, "Changed", reason, changes))
    return entries, len(rows) > HISTORY_SHOWN


@require_GET
@refuses
def guidance_detail(request: HttpRequest, reference: str) -> HttpResponse:
    require("governance.administer", request.user)
    guidance = _guidance(reference)
    history, more = guidance_history(guidance)
    return render(
        request,
        "governance/organisations/guidance_detail.html",
        {
            "guidance": guidance,
            "history": history,
            "more_history": more,
            "can_record": may(request.user, "governance.record_recommendation", guidance),
            "can_import": may(request.user, "governance.manage_guidance"),
        },
    )


@require_http_methods(["GET", "POST"])
@refuses
def guidance_import(request: HttpRequest) -> HttpResponse:
    require("governance.manage_guidance", request.user)
    form = GuidanceImportForm(request.POST or None, request.FILES or None)
    if request.method == "GET" and request.GET.get("reference"):
        form = GuidanceImportForm(initial={"reference": request.GET["reference"][:32]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            page = services.guidance_page_read(upload.read(), upload.name)
            done = services.guidance_import(
                page=page,
                reference=data["reference"],
                source=upload.name,
                title=data["title"],
                url=data["url"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{done.guidance.reference} imported. Rule set {done.ruleset.name} "
                f"{done.ruleset_change}: {done.rules}.",
            )
            return HttpResponseRedirect(
                reverse("governance:guidance_detail", args=[done.guidance.reference])
            )
    return render(request, "governance/organisations/guidance_import.html", {"form": form})


@require_http_methods(["GET", "POST"])
@refuses
def guidance_recommendation(request: HttpRequest, reference: str) -> HttpResponse:
    require("governance.administer", request.user)
    guidance = _guidance(reference)
    require("governance.record_recommendation", request.user, guidance)
    initial = {"recommendation": guidance.recommendation} if guidance.recommendation else {}
    form = RecommendationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.guidance_set_recommendation(
                guidance=guidance,
                recommendation=form.cleaned_data["recommendation"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            guidance.refresh_from_db()
            messages.success(
                request,
                f"NICE's recommendation for {guidance.reference} is recorded: "
                f"{guidance.get_recommendation_display()}",
            )
            return HttpResponseRedirect(
                reverse("governance:guidance_detail", args=[guidance.reference])
            )
    return render(
        request,
        "governance/organisations/guidance_recommendation.html",
        {"guidance": guidance, "form": form},
    )
