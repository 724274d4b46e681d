"""The navigation: every link it offers leads to a page its role may open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.context_processors import NAVIGATION
from governance import roles

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("label", "url_name"), [(label, name) for label, name, _ in NAVIGATION])
def test_every_link_of_the_navigation_names_a_page_that_exists(label, url_name):
    assert reverse(url_name).startswith("/"), label


@pytest.mark.parametrize("persona", ["applicant", "lead", "admin_user"])
def test_each_role_can_open_every_link_it_is_shown(persona, request, client):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    home = client.get("/")
    shown = home.context["navigation"]

    assert [item["label"] for item in shown] == [
        label for label, _, allowed in NAVIGATION if allowed & set(roles.roles_of(user))
    ]
    for item in shown:
        response = client.get(item["url"], follow=True)
        assert response.status_code == 200, (item["label"], response.status_code)
