"""The stored reconciliation: an upload checked before it is stored, the run that keeps the
flagged findings with their history, the leads told once, a lead's explanation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.errors import NotPermitted
from governance.notices.models import Notice
from governance.reconciliation import services
from governance.reconciliation.models import Finding, Reconciliation
from tests.factories import UserFactory

from .conftest import FOURTH_PATIENT, RIGHT, THIRD_PATIENT, csv_bytes, day, upload

pytestmark = pytest.mark.django_db


def test_a_run_counts_every_finding_and_keeps_only_the_flagged_ones(reconcile, extract, cases):
    run = reconcile(extract)

    assert run.status == "done"
    assert run.counts == {
        "outside_governance": 1,
        "miscoded": 1,
        "no_coded_episode": 1,
        "row-error": 1,
        "matched": 1,
    }
    assert (run.episodes, run.governed, run.rows_total, run.rows_done) == (5, 4, 5, 5)
    assert (run.first_day.isoformat(), run.last_day.isoformat()) == (day(21), day(5))
    stored = {f.finding: f for f in run.findings.all()}
    assert set(stored) == {"outside_governance", "miscoded", "no_coded_episode", "row-error"}
    assert stored["miscoded"].case == cases["miscoded"]
    assert stored["miscoded"].introduction == cases["miscoded"].introduction
    assert stored["miscoded"].rules == ["levels-missing", "approach-missing"]
    assert (stored["miscoded"].episode_id, stored["miscoded"].line) == ("H2", 3)
    assert stored["no_coded_episode"].case == cases["no_episode"]
    assert stored["no_coded_episode"].nhs_number == THIRD_PATIENT
    assert stored["outside_governance"].case is None
    assert stored["outside_governance"].nhs_number == FOURTH_PATIENT
    assert stored["row-error"].message == "line 6: performed_on 'not a date' is not a date"


def test_the_uploaded_file_is_deleted_when_the_run_ends(reconcile, extract, media):
    run = reconcile(extract)

    assert run.file.name == ""
    assert not any(p.is_file() for p in (media / "reconciliations").iterdir())


def test_the_upload_is_queued_and_stored_under_a_name_that_says_nothing(
    organisation, lead, extract, media
):
    started = services.reconciliation_start(
        organisation=organisation, file=upload(extract, "Spinal 9434765919.csv"), actor=lead
    )

    assert started.status == "queued"
    assert started.file_name == "Spinal 9434765919.csv"
    assert started.file.name.startswith("reconciliations/")
    assert "9434765919" not in started.file.name
    assert (media / started.file.name).read_bytes() == extract
    assert started.history.get().history_change_reason == (
        "Extract of coded episodes uploaded: Spinal 9434765919.csv"
    )


def test_the_upload_queues_its_run_after_commit(
    organisation, lead, extract, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(services, "_queue", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        started = services.reconciliation_start(
            organisation=organisation, file=upload(extract), actor=lead
        )

    assert queued == [started.pk]


def test_the_findings_and_their_history_are_written_in_bulk(reconcile, cases):
    many = [f"E{i},{FOURTH_PATIENT},{day(3)},{RIGHT}" for i in range(30)]

    with CaptureQueriesContext(connection) as captured:
        run = reconcile(csv_bytes(*many))

    finding_inserts = [
        q
        for q in captured.captured_queries
        if q["sql"].startswith('INSERT INTO "governance_') and "finding" in q["sql"].split("(")[0]
    ]
    assert run.outside_governance == 30
    assert len(finding_inserts) == 2  # the findings, then their history
    history = Finding.history.filter(finding__in=["outside_governance"])
    assert history.count() == 30
    assert {(h.history_type, h.history_user.username) for h in history} == {("+", "lead")}
    assert set(history.values_list("history_change_reason", flat=True)) == {"Found in episodes.csv"}


def test_the_runs_status_changes_are_in_its_history(reconcile, extract):
    run = reconcile(extract)

    reasons = list(
        run.history.order_by("history_id").values_list("status", "history_change_reason")
    )
    assert reasons[0] == ("queued", "Extract of coded episodes uploaded: episodes.csv")
    assert reasons[1] == ("running", "Reconciliation started")
    assert reasons[2][0] == "done"
    assert reasons[2][1].startswith("Reconciliation done: 5 episodes from ")
    assert run.history.first().file == ""  # the history says the file went


def test_outside_governance_tells_the_organisations_leads_once(
    reconcile, extract, lead, other_lead, other_org_lead, applicant
):
    run = reconcile(extract)
    services.reconciliation_run(run.pk)  # delivered twice: runs and tells once

    notice = Notice.objects.get(kind="reconciliation_outside_governance")
    assert notice.key == f"reconciliation:{run.pk}:outside-governance"
    assert sorted(notice.to) == [lead.email, other_lead.email]
    assert notice.subject == "Procedures outside governance: 1 coded episode"
    assert "episodes.csv" in notice.body
    assert "1 episode coded with a procedure under governance and no case" in notice.body


def test_nothing_outside_governance_tells_nobody(reconcile, cases):
    reconcile(csv_bytes(f"H1,9434765919,{day(20)},{RIGHT}"))

    assert not Notice.objects.filter(kind="reconciliation_outside_governance").exists()


def test_a_run_that_is_not_queued_is_left_as_it_is(reconcile, extract):
    run = reconcile(extract)
    again = services.reconciliation_run(run.pk)

    assert again.status == "done"
    assert Finding.objects.count() == 4


def test_a_run_that_stops_unexpectedly_fails_with_the_reason_and_the_file_goes(
    organisation, lead, extract, media, monkeypatch
):
    started = services.reconciliation_start(
        organisation=organisation, file=upload(extract), actor=lead
    )

    def broken(organisation):
        raise RuntimeError("the catalogue is unreadable")

    monkeypatch.setattr(services, "reconciler_for", broken)
    run = services.reconciliation_run(started.pk)

    assert run.status == "failed"
    assert "unexpected error (RuntimeError)" in run.error
    assert run.file.name == ""
    assert not (media / started.file.name).exists()
    assert run.history.first().history_change_reason.startswith("Reconciliation failed: ")
    assert not Notice.objects.filter(kind="reconciliation_outside_governance").exists()


def test_a_missing_stored_file_fails_the_run_in_words(organisation, lead, extract, media):
    started = services.reconciliation_start(
        organisation=organisation, file=upload(extract), actor=lead
    )
    (media / started.file.name).unlink()

    run = services.reconciliation_run(started.pk)

    assert run.status == "failed"
    assert run.error.startswith("The uploaded file could not be read")


# --- the upload's checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "The file is empty"),
        (b"   \n\n", "The file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
        (
            b"episode_id,performed_on,OPERTN_01\nE1,2026-01-01,V40.1\n",
            "no nhs_number column in the header (episode_id, performed_on, OPERTN_01)",
        ),
        (b"episode_id,nhs_number,OPERTN_01\n", "no performed_on or opdate_01 column"),
        (b"nhs_number,performed_on,OPERTN_01\n", "no episode_id column"),
        (b"x" * 200_000 + b"\n", "The first line of the file cannot be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_reconciled_is_refused_before_anything_is_stored(
    organisation, lead, content, says
):
    with pytest.raises(ValidationError) as refused:
        services.reconciliation_start(organisation=organisation, file=upload(content), actor=lead)

    (message,) = refused.value.message_dict["file"]
    assert says in message
    assert not Reconciliation.objects.exists()


def test_a_line_the_csv_reader_cannot_read_is_a_row_error_and_the_run_goes_on(reconcile, cases):
    content = csv_bytes(
        f"H0,{FOURTH_PATIENT},{day(3)},{'x' * 200_000}", f"H9,{FOURTH_PATIENT},{day(3)},{RIGHT}"
    )

    run = reconcile(content)

    run.refresh_from_db()
    assert run.status == "done"
    errors = run.findings.filter(finding="row-error")
    assert [e.message for e in errors] == [
        "line 2: the line cannot be read as CSV: field larger than field limit (131072)"
    ]
    assert run.findings.filter(finding="outside_governance", episode_id="H9").exists()


def test_a_file_too_large_is_refused(organisation, lead, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 10)

    with pytest.raises(ValidationError, match="larger than"):
        services.reconciliation_start(
            organisation=organisation, file=upload(b"episode_id\n" * 5), actor=lead
        )


def test_bytes_that_are_not_utf8_and_stray_nul_characters_do_not_stop_the_run(reconcile, cases):
    padding = [f"P{i},{FOURTH_PATIENT},{day(3)},W37.1,,,,,," for i in range(300)]
    content = csv_bytes(*padding)  # more than the first 8 KB, where NUL means "not text"
    content += f"H\xe9,{FOURTH_PATIENT},{day(3)},{RIGHT}\n".encode("latin-1")
    content += f"H\x00X,{FOURTH_PATIENT},{day(3)},{RIGHT}\n".encode()
    content += f"{'Z' * 500},{FOURTH_PATIENT},{day(3)},{RIGHT}\n".encode()

    run = reconcile(content)

    assert run.status == "done"
    ids = sorted(
        run.findings.filter(finding="outside_governance").values_list("episode_id", flat=True)
    )
    assert ids[0] == "HX"
    assert ids[1] == "H\ufffd"
    assert len(ids[2]) == 100 and ids[2].endswith("…")


def test_a_file_in_utf16_is_refused_as_not_csv(organisation, lead):
    content = csv_bytes(f"H1,{FOURTH_PATIENT},{day(3)},{RIGHT}").decode().encode("utf-16")

    with pytest.raises(ValidationError, match="not a CSV file"):
        services.reconciliation_start(organisation=organisation, file=upload(content), actor=lead)


def test_only_a_lead_of_the_organisation_uploads(
    organisation, other_organisation, applicant, admin_user, other_org_lead, extract
):
    for actor in (applicant, admin_user):
        with pytest.raises(NotPermitted, match="Only a governance lead"):
            services.reconciliation_start(
                organisation=organisation, file=upload(extract), actor=actor
            )
    with pytest.raises(NotPermitted, match="not a member"):
        services.reconciliation_start(
            organisation=organisation, file=upload(extract), actor=other_org_lead
        )


# --- explanations ------------------------------------------------------------------------


def test_a_lead_explains_a_finding_and_the_history_keeps_every_note(reconcile, extract, other_lead):
    run = reconcile(extract)
    finding = run.findings.get(finding="outside_governance")

    services.finding_explain(
        finding=finding, note="  Private patient, logged elsewhere ", actor=other_lead
    )
    services.finding_explain(
        finding=finding, note="Private patient, logged at the Nuffield", actor=other_lead
    )

    finding.refresh_from_db()
    assert finding.explanation == "Private patient, logged at the Nuffield"
    assert finding.explained_by == other_lead
    assert finding.explained
    history = list(
        finding.history.order_by("history_id").values_list(
            "history_type", "explanation", "history_change_reason", "history_user__username"
        )
    )
    assert history == [
        ("+", "", "Found in episodes.csv", "lead"),
        (
            "~",
            "Private patient, logged elsewhere",
            "Private patient, logged elsewhere",
            "other_lead",
        ),
        (
            "~",
            "Private patient, logged at the Nuffield",
            "Explanation changed: Private patient, logged at the Nuffield",
            "other_lead",
        ),
    ]


@pytest.mark.parametrize(
    ("note", "says"),
    [("", "Say why"), ("   ", "Say why"), ("a\x00b", "NUL"), ("x" * 2001, "2000 characters")],
)
def test_an_explanation_needs_a_note(reconcile, extract, lead, note, says):
    finding = reconcile(extract).findings.first()

    with pytest.raises(ValidationError, match=says):
        services.finding_explain(finding=finding, note=note, actor=lead)

    finding.refresh_from_db()
    assert not finding.explained


def test_only_a_lead_of_the_organisation_explains(
    reconcile, extract, applicant, admin_user, other_org_lead
):
    finding = reconcile(extract).findings.first()

    for actor in (applicant, admin_user, other_org_lead):
        with pytest.raises(NotPermitted):
            services.finding_explain(finding=finding, note="Seen", actor=actor)


def test_a_user_made_lead_later_is_told_of_the_next_run(reconcile, extract, organisation):
    newcomer = UserFactory(username="newlead", roles=["Governance lead"])
    organisation.members.add(newcomer)

    reconcile(extract)

    assert newcomer.email in Notice.objects.get(kind="reconciliation_outside_governance").to
