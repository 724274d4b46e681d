"""Reconciliation of coded episodes with the governance record (SPEC.md section 5): the only
writer of the reconciliation's rows. The comparison itself is `engine.py`, without Django.

    reconciliation_start(organisation=..., file=upload, actor=lead)   # checked, stored, queued
    reconciliation_run(reconciliation_id)      # the Celery task (or the API, inline) runs it
    finding_explain(finding=..., note="Private patient, logged elsewhere", actor=lead)

An upload is checked before anything is stored: a file that is empty, not text, not a CSV, or
whose header lacks a required column is refused with a ValidationError on `file` naming the
problem (the page's form error, the API's 400). The run streams the stored file through the
engine, writes its progress every PROGRESS_EVERY rows (each in its own short write, so that
the page polling it sees it), stores the flagged findings CHUNK at a time with their history
(two inserts a chunk, however many findings), then the counts; the stored file, which holds
NHS numbers, is deleted as soon as the run ends, done or failed. When episodes were coded
outside governance the organisation's governance leads are told once, through the outbox.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from coding import services as coding
from coding.engine import UsageError
from coding.models import RuleSet
from governance import roles
from governance.audited import audited, lock
from governance.cases.models import Case
from governance.notices.services import notice_queue
from governance.organisations.models import Organisation
from governance.permissions import require
from governance.reconciliation import engine
from governance.reconciliation.engine import KnownCase, Reconciler, check_header
from governance.reconciliation.models import COUNT_FIELDS, Finding, Reconciliation, Status
from governance.reconciliation.permissions import explain_refusal, reconcile_refusal

logger = logging.getLogger(__name__)

# The largest extract taken: a year of a trust's episodes is a few tens of megabytes.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# Rows read between two writes of the progress, and findings stored by one insert.
PROGRESS_EVERY = 1000
CHUNK = 2000
NOTE_MAX_LENGTH = 2000
# Signatures of files people pick instead of the CSV: a workbook (xlsx, a zip) or an old xls.
_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_HEAD = 8192


def known_cases(organisation: Organisation) -> Iterator[KnownCase]:
    """The organisation's cases as the engine matches them, read in one streamed query."""
    rows = (
        Case.objects.filter(introduction__organisation=organisation)
        .values_list("id", "introduction_id", "coding__ruleset__name", "nhs_number", "performed_on")
        .order_by()
        .iterator(chunk_size=5000)
    )
    for case, introduction, ruleset, nhs_number, performed_on in rows:
        yield KnownCase(case, introduction, ruleset, nhs_number or "", performed_on)


def reconciler_for(organisation: Organisation) -> Reconciler:
    """A run against the organisation's cases, every stored rule set governing the episodes
    coded with its procedure codes, validated against the current catalogue."""
    catalogue = coding.catalogue_current()
    rulesets = [
        coding.ruleset_engine(ruleset, catalogue=catalogue)
        for ruleset in RuleSet.objects.order_by("name")
    ]
    return Reconciler(cases=known_cases(organisation), rulesets=rulesets, catalogue=catalogue)


# --- the upload ------------------------------------------------------------------------------


def _binary(file: Any) -> IO[bytes]:
    """The binary file under Django's wrappers (an upload, a stored file, a temporary file)."""
    while not isinstance(file, io.IOBase) and getattr(file, "file", None) is not None:
        file = file.file
    return file


@contextmanager
def _text(file: Any) -> Iterator[io.TextIOWrapper]:
    """The file from its start as text: UTF-8, a byte-order mark dropped. A byte that is not
    UTF-8 (a file saved as Windows-1252) reads as U+FFFD rather than stopping the run: the
    columns the reconciliation reads (ids, NHS numbers, dates, codes) are ASCII."""
    raw = _binary(file)
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
    try:
        yield text
    finally:
        text.detach()  # the file stays open for its owner


def _refused(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def extract_rows(file: Any) -> int:
    """The rows of an extract (the header aside), once it is known to be one the engine can
    read to the end; a ValidationError on `file` saying why not otherwise."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _refused(
            f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split the "
            "extract by period and upload each part."
        )
    raw = _binary(file)
    raw.seek(0)
    head = raw.read(_HEAD)
    if not head.strip():
        raise _refused("The file is empty: choose the extract of coded episodes, saved as CSV.")
    if head.startswith(_WORKBOOKS):
        raise _refused(
            "The file is a spreadsheet workbook, not a CSV file: save it from the spreadsheet "
            "as CSV (comma-separated values) and upload that."
        )
    if b"\x00" in head:
        raise _refused("The file is not a CSV file: choose the extract saved as CSV.")
    with _text(file) as text:
        try:
            check_header(text)  # says which column is missing
        except UsageError as error:
            raise _refused(
                f"The file cannot be reconciled: {_shortened(str(error), 400)}."
            ) from None
        except csv.Error as error:
            raise _refused(f"The first line of the file cannot be read as CSV ({error}).") from None
    with _text(file) as text:
        # The rows, for the progress bar; a line that cannot be read counts as one (the run
        # reports it as a row error and goes on).
        reader = csv.reader(text)
        next(reader, None)
        rows = 0
        while True:
            try:
                rows += sum(1 for cells in reader if any(cells))
            except csv.Error:
                rows += 1
                continue
            return rows


def _file_name(file: Any) -> str:
    name = os.path.basename(str(getattr(file, "name", "") or "extract.csv"))
    name = "".join(char for char in name if char.isprintable()).strip()
    return _shortened(name or "extract.csv", Reconciliation._meta.get_field("file_name").max_length)


@transaction.atomic
def reconciliation_start(
    *, organisation: Organisation, file: Any, actor, background: bool = True
) -> Reconciliation:
    """Check an extract a governance lead of `organisation` uploads, store it and queue its
    run (the Celery task, after commit; inline where Celery runs eagerly). With `background`
    false nothing is queued: the caller runs it (the API, to answer with the counts).
    NotPermitted unless the actor is a lead of the organisation; a ValidationError on `file`
    for a file that cannot be reconciled."""
    require(reconcile_refusal, actor, organisation)
    if file is None or isinstance(file, str):
        raise _refused("Choose the extract of coded episodes to upload: a CSV file.")
    rows = extract_rows(file)
    name = _file_name(file)
    reconciliation = Reconciliation(
        organisation=organisation, uploaded_by=actor, file_name=name, rows_total=rows
    )
    _binary(file).seek(0)
    reconciliation.file.save("extract.csv", file if isinstance(file, File) else File(file), False)
    audited(reconciliation, actor, f"Extract of coded episodes uploaded: {name}")
    reconciliation.save()
    if background:
        pk = reconciliation.pk
        # robust: a broker outage must not undo the upload; the run waits in the queue.
        transaction.on_commit(lambda: _queue(pk), robust=True)
    return reconciliation


def _queue(reconciliation_id: int) -> None:
    from governance.reconciliation.tasks import reconcile  # the task imports this module

    reconcile.delay(reconciliation_id)


# --- the run ---------------------------------------------------------------------------------


def reconciliation_run(reconciliation_id: int) -> Reconciliation:
    """Run a queued reconciliation to its end, done or failed, and return it. One that is not
    queued (done, failed, or being run by another worker) is returned as it is: a task
    delivered twice runs once."""
    with transaction.atomic():
        reconciliation = lock(
            Reconciliation.objects.select_related("organisation", "uploaded_by"),
            reconciliation_id,
            what="reconciliation",
        )
        if reconciliation.status != Status.QUEUED:
            return reconciliation
        reconciliation.status = Status.RUNNING
        reconciliation.started_at = timezone.now()
        audited(reconciliation, reconciliation.uploaded_by, "Reconciliation started")
        reconciliation.save()
    try:
        summary = _reconcile(reconciliation)
    except Exception as error:  # whatever happens, the run ends (failed) and the file goes
        logger.exception("Reconciliation %s failed", reconciliation.pk)
        return _finish(reconciliation, None, error=_why(error))
    return _finish(reconciliation, summary)


def _reconcile(reconciliation: Reconciliation) -> engine.Summary:
    reconciler = reconciler_for(reconciliation.organisation)
    pk, user = reconciliation.pk, reconciliation.uploaded_by
    reason = f"Found in {reconciliation.file_name}"
    done = 0

    def progress(rows: int) -> None:
        nonlocal done
        done += rows
        # A counter for the page that polls it, not governance data: one short write without
        # history (the model leaves rows_done out of its history).
        Reconciliation.objects.filter(pk=pk).update(rows_done=done)

    batch: list[Finding] = []
    with reconciliation.file.open("rb") as stored, _text(stored) as text:
        findings = reconciler.findings(text, progress=progress, progress_every=PROGRESS_EVERY)
        for found in findings:
            if found.finding not in engine.FLAGGED:
                continue
            batch.append(_stored(pk, found))
            if len(batch) >= CHUNK:
                _store(batch, user, reason)
                batch = []
        _store(batch, user, reason)
    return reconciler.summary


def _cell(text: str | None, field: str) -> str:
    """What a cell of the file held, as a column of Finding takes it: without NUL characters
    (PostgreSQL refuses them) and cut to the column's length."""
    text = (text or "").replace("\x00", "")
    limit = Finding._meta.get_field(field).max_length
    return _shortened(text, limit) if limit else _shortened(text, 1000)


def _stored(reconciliation_id: int, found: engine.Finding) -> Finding:
    return Finding(
        reconciliation_id=reconciliation_id,
        finding=found.finding,
        episode_id=_cell(found.episode_id, "episode_id"),
        nhs_number=_cell(found.nhs_number, "nhs_number"),
        performed_on=found.performed_on,
        case_id=found.case,
        introduction_id=found.introduction,
        rules=list(found.rules),
        line=found.line,
        message=_cell(found.message, "message"),
    )


def _store(batch: list[Finding], user, reason: str) -> None:
    """The findings and their history: one insert each, in one transaction."""
    if batch:
        bulk_create_with_history(batch, Finding, default_user=user, default_change_reason=reason)


def _why(error: Exception) -> str:
    """The reason a run failed, in words for the lead who uploaded the file."""
    if isinstance(error, OSError):
        return (
            "The uploaded file could not be read "
            f"({error.strerror or type(error).__name__}). Upload it again."
        )
    if isinstance(error, csv.Error):
        return f"The file could not be read to its end ({error}). Check it and upload it again."
    return (
        f"The run stopped on an unexpected error ({type(error).__name__}). Upload the file "
        "again; if it stops again, tell the service's administrators."
    )


def _finish(
    reconciliation: Reconciliation, summary: engine.Summary | None, *, error: str = ""
) -> Reconciliation:
    with transaction.atomic():
        locked = lock(
            Reconciliation.objects.select_related("organisation", "uploaded_by"),
            reconciliation.pk,
            what="reconciliation",
        )
        stored = locked.file.name
        locked.file = ""
        locked.finished_at = timezone.now()
        if summary is None:
            locked.status = Status.FAILED
            locked.error = error
            reason = f"Reconciliation failed: {error}"
        else:
            locked.status = Status.DONE
            locked.episodes = locked.rows_done = summary.episodes
            locked.governed = summary.governed
            for kind, field in COUNT_FIELDS.items():
                setattr(locked, field, summary.counts[kind])
            locked.first_day, locked.last_day = summary.first_day, summary.last_day
            reason = f"Reconciliation done: {summary}"
        audited(locked, locked.uploaded_by, reason)
        locked.save()
        if locked.status == Status.DONE and locked.outside_governance:
            _tell_leads(locked)
    if stored:
        try:
            locked.file.storage.delete(stored)
        except OSError:
            logger.warning("The extract %s of reconciliation %s was not deleted", stored, locked.pk)
    return locked


def leads_of(organisation: Organisation) -> list[str]:
    """E-mail addresses of the organisation's governance leads."""
    return list(
        get_user_model()
        .objects.filter(
            memberships__organisation=organisation, groups__name=roles.LEAD, is_active=True
        )
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def _tell_leads(reconciliation: Reconciliation) -> None:
    """One notice to the organisation's leads: episodes were coded with a governed procedure
    that no case under an approved introduction covers."""
    count = reconciliation.outside_governance
    notice_queue(
        kind="reconciliation_outside_governance",
        key=f"reconciliation:{reconciliation.pk}:outside-governance",
        to=leads_of(reconciliation.organisation),
        subject=f"Procedures outside governance: {count} coded episode{'s' * (count != 1)}",
        body=render_to_string(
            "emails/reconciliation_outside_governance.txt",
            {"reconciliation": reconciliation, "site_url": _site_url()},
        ),
    )


def _site_url() -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/")


# --- explanations ----------------------------------------------------------------------------


@transaction.atomic
def finding_explain(*, finding: Finding, note: str, actor) -> Finding:
    """A governance lead marks a finding explained, with a note that says why it needs no
    more action ("private patient, logged elsewhere"). Explaining it again replaces the note;
    the history keeps each one, with who and when."""
    finding = lock(Finding.objects.select_related("reconciliation"), finding.pk, what="finding")
    require(explain_refusal, actor, finding)
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"note": ["Say why the finding needs no more action, for example where it is logged."]}
        )
    if "\x00" in note:
        raise ValidationError({"note": ["The note contains a NUL character."]})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": [f"Keep the note to {NOTE_MAX_LENGTH} characters; it has {len(note)}."]}
        )
    again = finding.explained
    finding.explanation = note
    finding.explained_by = actor
    finding.explained_at = timezone.now()
    # The note is the why; the history's own type says a finding was explained.
    audited(finding, actor, f"Explanation changed: {note}" if again else note)
    finding.save()
    return finding
