from __future__ import annotations

import pytest

from governance.models import Membership, Organisation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_user_joins_the_only_organisation_with_a_recorded_reason():
    only = Organisation.objects.get()

    user = UserFactory(username="newcomer")

    membership = Membership.objects.get(user=user)
    assert membership.organisation == only
    assert membership.history.get().history_change_reason == (
        "Joined the only organisation of this installation"
    )


def test_with_two_organisations_a_new_user_joins_none():
    Organisation.objects.create(name="Second trust", ods_code="RXX")

    user = UserFactory(username="newcomer")

    assert not Membership.objects.filter(user=user).exists()
