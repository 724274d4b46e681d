"""`manage.py load_opcs4 PATH`: a TRUD release into the catalogue; exit 2 on a bad file."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coding.models import CatalogueRelease, Code, RuleSet
from tests.coding.conftest import TRUD_BAD_LINE, TRUD_SAMPLE

pytestmark = pytest.mark.django_db


def test_it_loads_the_release_marks_the_catalogue_full_and_says_what_changed(ipg366, admin_user):
    out = io.StringIO()

    call_command(
        "load_opcs4", str(TRUD_SAMPLE), "--name", "OPCS-4.10", "--user", admin_user.username,
        stdout=out,
    )  # fmt: skip

    release = CatalogueRelease.objects.latest()
    assert (release.name, release.full, release.loaded_by) == ("OPCS-4.10", True, admin_user)
    assert Code.objects.filter(code="V55.2").exists()
    text = out.getvalue()
    assert (
        "Loaded 12 codes from OPCS-4.10: 4 new, 0 with a new title. The catalogue is full." in text
    )
    assert "Rule set IPG366 is now version 2: levels_map added 2: V55.2, 3: V55.3" in text
    assert RuleSet.objects.get(name="IPG366").history.first().history_user == admin_user


def test_partial_keeps_the_catalogue_partial(ipg366):
    call_command("load_opcs4", str(TRUD_SAMPLE), "--partial", stdout=io.StringIO())

    assert CatalogueRelease.objects.latest().full is False


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([str(TRUD_BAD_LINE)], "line 2: expected code<TAB>title"),
        (["/nonexistent/trud.txt"], "No such file"),
        ([str(TRUD_SAMPLE), "--user", "nobody"], "no user named 'nobody'"),
    ],
)
def test_a_file_it_cannot_load_exits_2_naming_the_problem(ipg366, args, named):
    with pytest.raises(CommandError, match=named) as raised:
        call_command("load_opcs4", *args, stdout=io.StringIO())

    assert raised.value.returncode == 2
    assert CatalogueRelease.objects.count() == 1
