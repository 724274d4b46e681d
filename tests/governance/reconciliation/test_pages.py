"""The reconciliation pages: a lead uploads an extract and reads its findings with links to the
cases and introductions, filters them, downloads them, explains one; the progress the page
polls while the run goes on; who may see and do what; bad files told in words, never a 500."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.urls import reverse

from governance.reconciliation import services
from governance.reconciliation.models import Reconciliation
from tests.factories import OrganisationFactory

from .conftest import FOURTH_PATIENT, OTHER_PATIENT, RIGHT, csv_bytes, day, upload

pytestmark = pytest.mark.django_db

LIST = reverse("governance:reconciliation_list")


def url(name: str, *args) -> str:
    return reverse(f"governance:{name}", args=args)


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- the upload ------------------------------------------------------------------------------


def test_a_lead_uploads_an_extract_and_is_taken_to_its_run(client, lead, extract):
    client.force_login(lead)

    response = client.post(LIST, {"file": upload(extract, "March.csv")})

    run = Reconciliation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("reconciliation_detail", run.pk)
    assert (run.file_name, run.uploaded_by, run.rows_total) == ("March.csv", lead, 5)
    # The run is the task's (eager in the embedded default, a worker otherwise): until it
    # has run the page shows its progress, polled by htmx.
    page = text(client.get(response["Location"]))
    assert "Waiting to start" in page
    assert f'hx-get="{url("reconciliation_progress", run.pk)}"' in page
    assert 'hx-trigger="every 2s"' in page


def test_the_upload_page_says_which_columns_the_file_needs(client, lead):
    client.force_login(lead)

    page = text(client.get(LIST))

    assert 'enctype="multipart/form-data"' in page
    assert "episode_id, nhs_number, performed_on (or OPDATE_01)" in page
    assert "OPERTN_01 to OPERTN_24" in page
    assert 'class="nhsuk-file-upload__input"' in page
    assert "No extract has been reconciled yet" in page


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "Choose the extract of coded episodes to upload: a CSV file"),
        (b"", "The file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00rest", "The file is a spreadsheet workbook"),
        (b"\x00\x01\x02\x03binary", "The file is not a CSV file"),
        (
            b"episode_id,OPDATE_01,OPERTN_01\nE1,2026-01-01,V40.1\n",
            "no nhs_number column in the header (episode_id, OPDATE_01, OPERTN_01)",
        ),
    ],
)
def test_a_file_that_cannot_be_reconciled_comes_back_with_the_reason(client, lead, content, says):
    client.force_login(lead)

    data = {} if content is None else {"file": upload(content)}
    response = client.post(LIST, data)

    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert says in page
    assert '<a href="#id_file">' in page  # the summary links to the field
    assert not Reconciliation.objects.exists()


def test_a_lead_of_several_organisations_chooses_one(client, lead, extract):
    second = OrganisationFactory(name="Second NHS Trust", ods_code="RYY")
    second.members.add(lead)
    client.force_login(lead)

    refused = client.post(LIST, {"file": upload(extract)})
    assert "Choose the organisation the extract comes from" in text(refused)

    client.post(LIST, {"file": upload(extract), "organisation": second.pk})
    assert Reconciliation.objects.get().organisation == second


def test_an_administrator_reads_the_list_but_has_no_upload(
    client, admin_user, lead, reconcile, extract
):
    reconcile(extract)
    client.force_login(admin_user)

    response = client.get(LIST)

    assert response.status_code == 200
    assert "upload-form" not in response.text
    assert "episodes.csv" in text(response)
    refused = client.post(LIST, {"file": upload(extract)})
    assert refused.status_code == 403
    assert "Only a governance lead may reconcile" in text(refused)


def test_a_clinician_may_not_open_the_pages(client, applicant, reconcile, extract):
    run = reconcile(extract)
    client.force_login(applicant)

    for page in (
        LIST,
        url("reconciliation_detail", run.pk),
        url("reconciliation_findings_csv", run.pk),
    ):
        response = client.get(page)
        assert response.status_code == 403
        assert "Only governance leads and administrators" in text(response)


def test_another_organisations_run_is_not_found(client, other_org_lead, reconcile, extract):
    run = reconcile(extract)
    finding = run.findings.first()
    client.force_login(other_org_lead)

    for page in (
        url("reconciliation_detail", run.pk),
        url("reconciliation_progress", run.pk),
        url("reconciliation_findings_csv", run.pk),
        url("finding_explain", run.pk, finding.pk),
    ):
        assert client.get(page).status_code == 404
    assert "episodes.csv" not in text(client.get(LIST))


# --- the run's page --------------------------------------------------------------------------


def test_the_findings_are_shown_with_links_to_the_cases_and_introductions(
    client, lead, reconcile, extract, cases, live
):
    run = reconcile(extract)
    client.force_login(lead)

    page = text(client.get(url("reconciliation_detail", run.pk)))

    assert "Done" in page
    summary = page.split('data-testid="run-summary"')[1].split("</dl>")[0]
    assert f"{day_text(21)} to {day_text(5)}" in summary
    assert "5, of which 4 coded with a procedure under governance" in summary
    for kind in ("outside_governance", "miscoded", "no_coded_episode", "row-error"):
        link = f'href="?finding={kind}#findings">1<'.replace(
            "?", url("reconciliation_detail", run.pk) + "?"
        )
        assert f'data-count="{kind}"><a class="nhsuk-link" {link}' in summary
    assert 'data-count="matched">1<' in summary
    assert "Cases with no coded episode" in summary and "Unreadable rows" in summary
    table = page.split('data-testid="findings"')[1].split("</table>")[0]
    assert table.count('<tr class="nhsuk-table__row" role="row" id="finding-') == 4
    miscoded, no_episode = cases["miscoded"], cases["no_episode"]
    assert f'href="{url("case_detail", miscoded.pk)}">Case {miscoded.pk}</a>' in table
    assert f'href="{url("case_detail", no_episode.pk)}">Case {no_episode.pk}</a>' in table
    assert f'href="{url("introduction_detail", live.pk)}">{live.title}</a>' in table
    assert "943 476 5870" in table  # the lead is of the clinical team: in full
    assert "Levels of spine code missing" in table
    assert "Line 6" in table and "performed_on 'not a date' is not a date" in table
    assert "No case" in table  # the episode outside governance


def day_text(days_ago: int) -> str:
    from datetime import date

    return date.fromisoformat(day(days_ago)).strftime("%-d %B %Y")


def test_an_administrator_sees_the_nhs_numbers_masked(client, admin_user, reconcile, extract):
    run = reconcile(extract)
    client.force_login(admin_user)

    page = text(client.get(url("reconciliation_detail", run.pk)))

    assert "*** *** 5870" in page
    assert OTHER_PATIENT not in page and "943 476 5870" not in page
    assert "Explain" not in page.split('data-testid="findings"')[1]


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", {"outside_governance", "miscoded", "no_coded_episode", "row-error"}),
        ("?finding=outside_governance", {"outside_governance"}),
        ("?finding=row-error", {"row-error"}),
        ("?explained=true", set()),
        ("?explained=false", {"outside_governance", "miscoded", "no_coded_episode", "row-error"}),
        (
            "?finding=nonsense&explained=maybe",
            {"outside_governance", "miscoded", "no_coded_episode", "row-error"},
        ),
    ],
)
def test_the_findings_are_filtered_by_finding_and_explanation(
    client, lead, reconcile, extract, query, shown
):
    run = reconcile(extract)
    client.force_login(lead)

    response = client.get(url("reconciliation_detail", run.pk) + query)

    assert response.status_code == 200
    assert {row.finding.finding for row in response.context["rows"]} == shown


def test_the_tabs_count_and_keep_the_other_filter(client, lead, reconcile, extract):
    run = reconcile(extract)
    finding = run.findings.get(finding="outside_governance")
    services.finding_explain(finding=finding, note="Private patient", actor=lead)
    client.force_login(lead)

    page = text(client.get(url("reconciliation_detail", run.pk) + "?finding=outside_governance"))

    tabs = page.split('data-testid="finding-tabs"')[1].split("</nav>")[0]
    assert "All (4)" in tabs
    assert 'aria-current="page">Outside governance (1)' in tabs
    explained = page.split('data-testid="explained-tabs"')[1].split("</nav>")[0]
    assert "?finding=outside_governance&explained=true#findings" in explained
    assert "Explained (1)" in explained and "Not explained (0)" in explained


def test_the_findings_are_paged_by_cursor(client, lead, reconcile, cases):
    many = [f"E{i:03},{FOURTH_PATIENT},{day(3)},{RIGHT}" for i in range(60)]
    run = reconcile(csv_bytes(*many))
    client.force_login(lead)

    first = client.get(url("reconciliation_detail", run.pk))
    second = client.get(first.context["next_url"])

    assert len(first.context["rows"]) == 50
    assert [r.finding.episode_id for r in second.context["rows"]][:2] == ["E050", "E051"]
    assert len(second.context["rows"]) == 10
    back = client.get(second.context["previous_url"])
    assert back.context["rows"][0].finding.episode_id == "E000"


def test_a_run_with_nothing_flagged_says_so(client, lead, reconcile, cases):
    run = reconcile(
        csv_bytes(f"H1,9434765919,{day(20)},V40.1,V55.1,Y53.4,Z67.6,percutaneous,fluoroscopy,1")
    )
    client.force_login(lead)

    page = text(client.get(url("reconciliation_detail", run.pk)))

    assert run.flagged == 0
    assert "Nothing to look at" in page


def test_a_failed_run_says_why(client, lead, organisation, extract, media):
    started = services.reconciliation_start(
        organisation=organisation, file=upload(extract), actor=lead
    )
    (media / started.file.name).unlink()
    services.reconciliation_run(started.pk)
    client.force_login(lead)

    page = text(client.get(url("reconciliation_detail", started.pk)))

    assert "The reconciliation failed" in page
    assert "The uploaded file could not be read" in page
    assert "Upload the extract again" in page


# --- the progress ----------------------------------------------------------------------------


def test_the_progress_is_polled_and_swaps_in_the_findings_when_done(
    client, lead, organisation, extract
):
    started = services.reconciliation_start(
        organisation=organisation, file=upload(extract), actor=lead
    )
    Reconciliation.objects.filter(pk=started.pk).update(status="running", rows_done=2)
    client.force_login(lead)
    poll = url("reconciliation_progress", started.pk)

    running = text(client.get(poll, headers={"HX-Request": "true"}))
    assert "2 of 5 rows read (40%)" in running
    assert 'hx-trigger="every 2s"' in running

    Reconciliation.objects.filter(pk=started.pk).update(status="queued")
    services.reconciliation_run(started.pk)
    done = text(client.get(poll, headers={"HX-Request": "true"}))

    assert "hx-trigger" not in done  # the polling stops
    assert 'id="reconciliation-run"' in done
    assert 'data-testid="findings"' in done
    assert 'hx-swap-oob="true">The reconciliation is done: 4 findings to look at.' in done


def test_the_progress_without_htmx_is_the_page(client, lead, reconcile, extract):
    run = reconcile(extract)
    client.force_login(lead)

    response = client.get(url("reconciliation_progress", run.pk))

    assert response.status_code == 302
    assert response["Location"] == url("reconciliation_detail", run.pk)


# --- the CSV ---------------------------------------------------------------------------------


def test_the_findings_download_as_csv_in_the_command_lines_columns(
    client, lead, reconcile, extract, cases, live
):
    run = reconcile(extract)
    finding = run.findings.get(finding="outside_governance")
    services.finding_explain(finding=finding, note='=HYPERLINK("x") private', actor=lead)
    client.force_login(lead)

    response = client.get(url("reconciliation_findings_csv", run.pk))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="reconciliation-{run.pk}-findings.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "episode_id",
        "nhs_number",
        "performed_on",
        "finding",
        "case",
        "introduction",
        "rules",
        "explanation",
    ]
    assert rows[1:] == [
        [
            "H2",
            OTHER_PATIENT,
            day(15),
            "miscoded",
            str(cases["miscoded"].pk),
            str(live.pk),
            "levels-missing approach-missing",
            "",
        ],
        [
            "H3",
            FOURTH_PATIENT,
            day(12),
            "outside_governance",
            "",
            "",
            "",
            '\'=HYPERLINK("x") private',
        ],
        ["H5", FOURTH_PATIENT, "", "row-error", "", "", "row-error", ""],
        [
            "",
            "4010232137",
            day(10),
            "no_coded_episode",
            str(cases["no_episode"].pk),
            str(live.pk),
            "",
            "",
        ],
    ]


def test_the_csv_follows_the_filter_and_masks_for_administrators(
    client, admin_user, reconcile, extract
):
    run = reconcile(extract)
    client.force_login(admin_user)

    response = client.get(
        url("reconciliation_findings_csv", run.pk) + "?finding=outside_governance"
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[:4] for r in rows[1:]] == [["H3", "*** *** 0009", day(12), "outside_governance"]]
    assert "-outside_governance.csv" in response["Content-Disposition"]


# --- explaining ------------------------------------------------------------------------------


def test_a_lead_explains_a_finding_and_comes_back_to_the_list_as_it_was(
    client, lead, reconcile, extract
):
    run = reconcile(extract)
    finding = run.findings.get(finding="outside_governance")
    client.force_login(lead)
    back = "finding=outside_governance&explained=false"

    form = text(client.get(url("finding_explain", run.pk, finding.pk) + f"?{back}&evil=1"))
    assert "Explain the finding of episode H3" in form
    assert '<input type="hidden" name="finding" value="outside_governance">' in form
    assert "evil" not in form

    response = client.post(
        url("finding_explain", run.pk, finding.pk),
        {
            "note": "Private patient, logged elsewhere",
            "finding": "outside_governance",
            "explained": "false",
        },
    )

    assert response.status_code == 302
    assert (
        response["Location"]
        == url("reconciliation_detail", run.pk) + f"?{back}#finding-{finding.pk}"
    )
    finding.refresh_from_db()
    assert finding.explanation == "Private patient, logged elsewhere"
    page = text(client.get(url("reconciliation_detail", run.pk) + "?explained=true"))
    assert "Private patient, logged elsewhere" in page
    assert "The finding of episode H3 is marked explained." in page


def test_an_empty_note_is_refused_on_the_form(client, lead, reconcile, extract):
    run = reconcile(extract)
    finding = run.findings.first()
    client.force_login(lead)

    response = client.post(url("finding_explain", run.pk, finding.pk), {"note": "  "})

    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert '<a href="#id_note">Say why the finding needs no more action' in page


def test_an_administrator_may_not_explain(client, admin_user, reconcile, extract):
    run = reconcile(extract)
    finding = run.findings.first()
    client.force_login(admin_user)

    response = client.post(url("finding_explain", run.pk, finding.pk), {"note": "Seen"})

    assert response.status_code == 403
    assert "Only a governance lead may explain a finding" in text(response)
