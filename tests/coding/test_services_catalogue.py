"""Loading a TRUD release: upserts with history, a full catalogue, maps that grow, and the
cached catalogue the engine reads."""

from __future__ import annotations

import time

import pytest

from coding import services
from coding.errors import CatalogueLoadError
from coding.models import CatalogueRelease, Code, CodingResult, RuleSet
from tests.coding.conftest import TRUD_BAD_LINE, TRUD_SAMPLE

pytestmark = pytest.mark.django_db


def test_loading_a_release_marks_the_catalogue_full_and_records_who_loaded_it(admin_user):
    release = services.catalogue_load(path=TRUD_SAMPLE, actor=admin_user, name="OPCS-4.10 sample")

    release.refresh_from_db()
    assert (release.name, release.full, release.loaded_by) == ("OPCS-4.10 sample", True, admin_user)
    assert release.code_count == 12
    assert services.catalogue_release_latest() == release
    assert services.catalogue_current().full is True


def test_new_codes_are_added_and_changed_titles_updated_each_with_a_history_row(admin_user):
    before = set(Code.objects.values_list("code", flat=True))

    release = services.catalogue_load(path=TRUD_SAMPLE, actor=admin_user)

    new = {"V40.2", "V55.2", "V55.3", "Y53.7"}
    assert set(Code.objects.values_list("code", flat=True)) == before | new
    assert (release.added, release.changed) == (4, 0)
    added = Code.history.filter(code__in=new)
    assert added.count() == 4
    assert {(h.history_type, h.history_user, h.history_change_reason) for h in added} == {
        ("+", admin_user, "Catalogue release: NHS TRUD release opcs4_trud_sample.txt")
    }
    assert Code.objects.get(code="V55.2").source == "NHS TRUD release opcs4_trud_sample.txt"
    # A NICE-cited code whose title the release repeats keeps its source.
    assert Code.objects.get(code="V40.1").source == "NICE IPG366 coding recommendations"


def test_a_title_the_release_changes_is_updated_with_a_change_row(tmp_path):
    path = tmp_path / "trud.txt"
    path.write_text("Z67.6\tLumbosacral joint of spine\n")

    release = services.catalogue_load(path=path)

    code = Code.objects.get(code="Z67.6")
    assert code.title == "Lumbosacral joint of spine"
    assert (release.added, release.changed) == (0, 1)
    assert code.history.first().history_type == "~"


def test_loading_the_same_release_twice_changes_nothing_the_second_time(ipg366):
    services.catalogue_load(path=TRUD_SAMPLE)
    codes = Code.history.count()
    version = RuleSet.objects.get(pk=ipg366.pk).version

    again = services.catalogue_load(path=TRUD_SAMPLE)

    assert (again.added, again.changed) == (0, 0)
    assert Code.history.count() == codes
    assert RuleSet.objects.get(pk=ipg366.pk).version == version


def test_levels_and_image_control_titles_of_a_release_grow_the_rule_sets_maps(ipg366):
    services.catalogue_load(path=TRUD_SAMPLE)

    ipg366.refresh_from_db()
    assert ipg366.version == 2
    assert ipg366.definition["levels_map"] == {"1": "V55.1", "2": "V55.2", "3": "V55.3"}
    assert ipg366.definition["approach_map"]["ct"] == "Y53.7"
    assert ipg366.history.first().history_change_reason == (
        "Levels and image-control codes from NHS TRUD release opcs4_trud_sample.txt"
    )
    result = services.coding_validate(
        ruleset_name="IPG366", codes=["V40.1", "Z67.6"], context={"levels": 2}
    )
    assert result["suggested"] == ["V40.1", "V55.2", "Z67.6"]
    assert result["ruleset_version"] == 2


def test_an_unknown_code_is_a_warning_in_the_partial_catalogue_and_an_error_once_full(
    django_capture_on_commit_callbacks, store
):
    coding = store("V40.1 V55.1 Z67.6 A01.1", levels=1)
    assert coding.valid is True
    assert coding.issues[0]["rule"] == "unknown-code"
    assert coding.issues[0]["severity"] == "warning"

    with django_capture_on_commit_callbacks(execute=True):
        services.catalogue_load(path=TRUD_SAMPLE)

    coding.refresh_from_db()
    assert coding.valid is False
    assert [(i["rule"], i["severity"]) for i in coding.issues] == [("unknown-code", "error")]
    assert coding.catalogue_release == CatalogueRelease.objects.latest()


def test_a_partial_load_adds_codes_without_making_the_catalogue_full():
    release = services.catalogue_load(path=TRUD_SAMPLE, full=False)

    assert release.full is False
    assert services.catalogue_current().full is False
    assert services.catalogue_current().title("V55.2") == "Two levels of spine"


def test_a_line_that_is_not_code_tab_title_stops_the_load_and_names_the_line():
    codes = Code.objects.count()

    with pytest.raises(CatalogueLoadError, match="line 2"):
        services.catalogue_load(path=TRUD_BAD_LINE)

    assert Code.objects.count() == codes
    assert CatalogueRelease.objects.count() == 1


def test_a_missing_file_is_reported_by_name(tmp_path):
    with pytest.raises(CatalogueLoadError, match="No such file"):
        services.catalogue_load(path=tmp_path / "missing.txt")


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n")

    with pytest.raises(CatalogueLoadError, match="holds no codes"):
        services.catalogue_load(path=path)


def test_a_ten_thousand_code_release_loads_in_seconds_in_a_few_queries(
    tmp_path, django_assert_max_num_queries
):
    path = tmp_path / "trud_full.txt"
    lines = [
        f"{chapter}{n // 10:02d}.{n % 10}\tTest title {chapter}{n}"
        for chapter in "ABCDEFGHJKLMNOPQRSTUVWXYZ"[:10]
        for n in range(1000)
    ]
    path.write_text("\n".join(lines) + "\n")

    started = time.monotonic()
    with django_assert_max_num_queries(200):  # batches of SQLite's 999 parameters
        release = services.catalogue_load(path=path)
    elapsed = time.monotonic() - started

    assert release.code_count == 10_000
    assert Code.objects.count() >= 10_000
    assert elapsed < 20, f"took {elapsed:.1f} s"


def test_the_catalogue_is_read_from_the_cache_until_a_release_or_an_edit_changes_it(
    django_assert_num_queries,
):
    services.catalogue_current()
    with django_assert_num_queries(2):  # the latest release and the last edit: the cache key
        cached = services.catalogue_current()
    assert cached.title("V40.1") == "Non-rigid stabilisation of spine"

    code = Code.objects.get(code="V40.1")
    code.title = "Non-rigid stabilisation of the spine"
    code.save()

    assert services.catalogue_current().title("V40.1") == "Non-rigid stabilisation of the spine"


def test_the_catalogue_still_answers_when_the_cache_is_down(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(services.cache, "get", down)
    monkeypatch.setattr(services.cache, "set", down)

    assert services.catalogue_current().contains("V40.1")


def test_stored_codings_are_untouched_by_a_failed_load(store):
    coding = store("V40.1 V55.1 Z67.6", levels=1)

    with pytest.raises(CatalogueLoadError):
        services.catalogue_load(path=TRUD_BAD_LINE)

    assert CodingResult.objects.get(pk=coding.pk).result == coding.result
