from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from governance import roles

# (label, url name, roles that see it). Each feature adds its page here when the page exists:
# a name that does not resolve is an error (tests/config/test_navigation.py), never a link
# silently left out.
NAVIGATION: list[tuple[str, str, frozenset[str]]] = [
    ("Home", "home", roles.ALL),
    ("Introductions", "governance:introduction_list", roles.ALL),
    ("Follow-ups", "governance:follow_ups", frozenset({roles.CLINICIAN, roles.LEAD})),
    ("Adverse events", "governance:event_list", roles.ALL),
    ("Check coding", "coding:check", roles.ALL),
    ("Audit history", "governance:audit_history", frozenset({roles.LEAD, roles.ADMIN})),
    ("Reconciliation", "governance:reconciliation_list", frozenset({roles.LEAD, roles.ADMIN})),
    ("Rule sets", "coding:ruleset_list", frozenset({roles.ADMIN})),
    ("Administration", "governance:administration", frozenset({roles.ADMIN})),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": [], "user_roles": []}
    user_roles = roles.roles_of(user)
    items = []
    for label, url_name, allowed in NAVIGATION:
        if not (allowed & set(user_roles)):
            continue
        url = reverse(url_name)
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    return {"navigation": items, "user_roles": user_roles}
