"""The reconciliation API: a lead uploads an extract and is answered with the counts; the
findings listed, filtered and paged by cursor; a finding explained; who may."""

from __future__ import annotations

import pytest

from governance.reconciliation.models import Finding, Reconciliation

from .conftest import FOURTH_PATIENT, OTHER_PATIENT, RIGHT, csv_bytes, day, upload

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/reconciliations/"


def findings_url(run) -> str:
    return f"{RUNS}{run.pk}/findings/"


def test_a_lead_uploads_an_extract_and_is_answered_with_the_counts(api_as, lead, extract, media):
    response = api_as(lead).post(RUNS, {"file": upload(extract, "March.csv")}, format="multipart")

    assert response.status_code == 201, response.data
    data = response.json()
    run = Reconciliation.objects.get()
    assert data["id"] == run.pk
    assert data["status"] == "done"
    assert data["counts"] == {
        "outside_governance": 1,
        "miscoded": 1,
        "no_coded_episode": 1,
        "row-error": 1,
        "matched": 1,
    }
    assert data["flagged"] == 4
    assert (data["episodes"], data["governed"]) == (5, 4)
    assert (data["first_day"], data["last_day"]) == (day(21), day(5))
    assert (data["file_name"], data["uploaded_by"], data["organisation"]) == (
        "March.csv",
        "lead",
        "DEFAULT",
    )
    assert not any(p.is_file() for p in (media / "reconciliations").iterdir())


def test_the_organisation_is_named_by_its_ods_code_when_the_caller_has_several(
    api_as, lead, extract, other_organisation
):
    other_organisation.members.add(lead)
    client = api_as(lead)

    ambiguous = client.post(RUNS, {"file": upload(extract)}, format="multipart")
    assert ambiguous.status_code == 400
    assert "several organisations" in ambiguous.json()["organisation"][0]

    named = client.post(RUNS, {"file": upload(extract), "organisation": "rxx"}, format="multipart")
    assert named.status_code == 201
    assert named.json()["organisation"] == "RXX"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            b"episode_id,performed_on,OPERTN_01\nE1,2026-01-01,V40.1\n",
            "no nhs_number column in the header",
        ),
        (b"", "The file is empty"),
        (b"\x00\x01binary\x00", "not a CSV file"),
    ],
)
def test_a_file_that_cannot_be_reconciled_is_a_400_naming_why(api_as, lead, content, says):
    response = api_as(lead).post(RUNS, {"file": upload(content)}, format="multipart")

    assert response.status_code == 400
    (message,) = response.json()["file"]
    assert says in message
    assert not Reconciliation.objects.exists()


def test_no_file_is_a_400(api_as, lead):
    response = api_as(lead).post(RUNS, {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_a_json_body_is_refused_with_415(api_as, lead):
    response = api_as(lead).post(RUNS, {"file": "a,b"}, format="json")

    assert response.status_code == 415


def test_a_clinician_and_an_administrator_may_not_upload(api_as, applicant, admin_user, extract):
    for user in (applicant, admin_user):
        response = api_as(user).post(RUNS, {"file": upload(extract)}, format="multipart")
        assert response.status_code == 403
        assert "Only a governance lead may reconcile" in response.json()["detail"]


def test_a_clinician_reads_nothing(api_as, applicant, reconcile, extract):
    run = reconcile(extract)
    client = api_as(applicant)

    for path in (RUNS, f"{RUNS}{run.pk}/", findings_url(run)):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Only governance leads and administrators" in response.json()["detail"]


def test_another_organisations_run_is_404_and_not_listed(
    api_as, other_org_lead, reconcile, extract
):
    run = reconcile(extract)
    finding = run.findings.first()
    client = api_as(other_org_lead)

    assert client.get(f"{RUNS}{run.pk}/").status_code == 404
    assert client.get(findings_url(run)).status_code == 404
    explained = client.post(
        f"{findings_url(run)}{finding.pk}/explanation/", {"note": "x"}, format="json"
    )
    assert explained.status_code == 404
    assert client.get(RUNS).json()["results"] == []


def test_no_authentication_is_refused(api_client, reconcile, extract):
    reconcile(extract)

    assert api_client.get(RUNS).status_code in (401, 403)


def test_the_runs_are_listed_newest_first_with_their_counts(api_as, admin_user, reconcile, extract):
    first, second = reconcile(extract, "January.csv"), reconcile(extract, "February.csv")

    data = api_as(admin_user).get(RUNS).json()

    assert [r["id"] for r in data["results"]] == [second.pk, first.pk]
    assert data["results"][0]["counts"]["miscoded"] == 1
    assert set(data) == {"next", "previous", "results"}


def test_a_run_reads_its_status_and_progress(api_as, lead, reconcile, extract):
    run = reconcile(extract)

    data = api_as(lead).get(f"{RUNS}{run.pk}/").json()

    assert (data["status"], data["rows_done"], data["rows_total"]) == ("done", 5, 5)
    assert data["error"] == ""


# --- the findings ----------------------------------------------------------------------------


def test_the_findings_are_listed_with_their_cases_and_introductions(
    api_as, lead, reconcile, extract, cases, live
):
    run = reconcile(extract)

    data = api_as(lead).get(findings_url(run)).json()

    assert set(data) == {"next", "previous", "results"}
    rows = {row["finding"]: row for row in data["results"]}
    assert list(rows) == ["miscoded", "outside_governance", "row-error", "no_coded_episode"]
    miscoded = rows["miscoded"]
    assert (miscoded["case"], miscoded["introduction"]) == (cases["miscoded"].pk, live.pk)
    assert miscoded["nhs_number"] == OTHER_PATIENT
    assert miscoded["rules"] == ["levels-missing", "approach-missing"]
    assert (miscoded["episode_id"], miscoded["line"], miscoded["performed_on"]) == (
        "H2",
        3,
        day(15),
    )
    assert miscoded["explained"] is False and miscoded["explanation"] == ""
    assert rows["row-error"]["message"] == "line 6: performed_on 'not a date' is not a date"
    assert rows["no_coded_episode"]["episode_id"] == ""


def test_an_administrator_reads_the_nhs_numbers_masked(api_as, admin_user, reconcile, extract):
    run = reconcile(extract)

    data = api_as(admin_user).get(findings_url(run) + "?finding=outside_governance").json()

    assert [row["nhs_number"] for row in data["results"]] == ["*** *** 0009"]


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("?finding=outside_governance", ["outside_governance"]),
        ("?finding=row-error", ["row-error"]),
        ("?explained=true", ["outside_governance"]),
        ("?explained=false", ["miscoded", "row-error", "no_coded_episode"]),
        ("?finding=miscoded&explained=false", ["miscoded"]),
    ],
)
def test_the_findings_are_filtered_by_query_parameters_named_after_the_field(
    api_as, lead, reconcile, extract, query, shown
):
    run = reconcile(extract)
    finding = run.findings.get(finding="outside_governance")
    api_as(lead).post(
        f"{findings_url(run)}{finding.pk}/explanation/", {"note": "Private"}, format="json"
    )

    data = api_as(lead).get(findings_url(run) + query).json()

    assert [row["finding"] for row in data["results"]] == shown


def test_the_findings_of_one_introduction(api_as, lead, reconcile, extract, live):
    run = reconcile(extract)

    data = api_as(lead).get(findings_url(run) + f"?introduction={live.pk}").json()

    assert {row["finding"] for row in data["results"]} == {"miscoded", "no_coded_episode"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?finding=matched", "finding"),
        ("?finding=nonsense", "finding"),
        ("?explained=yes", "explained"),
        ("?introduction=abc", "introduction"),
        ("?introduction=99999999999999999999", "introduction"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api_as, lead, reconcile, extract, query, field):
    run = reconcile(extract)

    response = api_as(lead).get(findings_url(run) + query)

    assert response.status_code == 400
    assert field in response.json()


def test_the_findings_are_paged_by_cursor(api_as, lead, reconcile, cases):
    run = reconcile(csv_bytes(*[f"E{i:03},{FOURTH_PATIENT},{day(3)},{RIGHT}" for i in range(60)]))
    client = api_as(lead)

    first = client.get(findings_url(run)).json()
    second = client.get(first["next"]).json()
    small = client.get(findings_url(run) + "?page_size=7").json()

    assert len(first["results"]) == 50 and first["previous"] is None
    assert len(second["results"]) == 10 and second["next"] is None
    assert second["results"][0]["episode_id"] == "E050"
    assert len(small["results"]) == 7
    assert len(client.get(findings_url(run) + "?page_size=200").json()["results"]) == 60
    assert client.get(findings_url(run) + "?page_size=500").status_code == 400


# --- explanations ------------------------------------------------------------------------


def test_a_lead_explains_a_finding(api_as, lead, reconcile, extract):
    run = reconcile(extract)
    finding = run.findings.get(finding="outside_governance")

    response = api_as(lead).post(
        f"{findings_url(run)}{finding.pk}/explanation/",
        {"note": "Private patient, logged elsewhere"},
        format="json",
    )

    assert response.status_code == 200
    data = response.json()
    assert data["explained"] is True
    assert data["explanation"] == "Private patient, logged elsewhere"
    assert data["explained_by"] == "lead"
    finding.refresh_from_db()
    assert finding.history.latest().history_change_reason == "Private patient, logged elsewhere"


@pytest.mark.parametrize("body", [{}, {"note": ""}, {"note": "   "}, {"note": None}])
def test_an_explanation_without_a_note_is_a_400(api_as, lead, reconcile, extract, body):
    run = reconcile(extract)
    finding = run.findings.first()

    response = api_as(lead).post(
        f"{findings_url(run)}{finding.pk}/explanation/", body, format="json"
    )

    assert response.status_code == 400
    assert "note" in response.json()
    assert not Finding.objects.filter(explained_at__isnull=False).exists()


def test_an_administrator_and_a_clinician_may_not_explain(
    api_as, admin_user, applicant, reconcile, extract
):
    run = reconcile(extract)
    finding = run.findings.first()

    for user in (admin_user, applicant):
        response = api_as(user).post(
            f"{findings_url(run)}{finding.pk}/explanation/", {"note": "Seen"}, format="json"
        )
        assert response.status_code == 403


def test_a_finding_of_another_run_is_404(api_as, lead, reconcile, extract):
    first, second = reconcile(extract), reconcile(extract)
    finding = first.findings.first()

    response = api_as(lead).post(
        f"{findings_url(second)}{finding.pk}/explanation/", {"note": "x"}, format="json"
    )

    assert response.status_code == 404


def test_the_schema_describes_the_upload_as_multipart_and_the_findings_filters(tmp_path):
    import yaml
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    paths = yaml.safe_load(out.read_text())["paths"]
    upload = paths["/api/v1/reconciliations/"]["post"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    assert "201" in upload["responses"]
    findings = paths["/api/v1/reconciliations/{id}/findings/"]["get"]
    assert {"finding", "explained", "introduction", "cursor", "page_size"} <= {
        p["name"] for p in findings["parameters"]
    }
    assert "/api/v1/reconciliations/{id}/findings/{finding_id}/explanation/" in paths
