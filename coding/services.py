"""Use cases of the coding app. The command line, the API, the pages and Celery call these;
they convert between the Django models and the pure engine (coding/engine/).

Nothing is kept in process memory between requests: the catalogue the engine reads is cached
in Django's cache (Redis when configured) under a key that changes with every catalogue
release and every edit of a code, so every node sees the same catalogue.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from coding import engine
from coding.errors import (
    CatalogueLoadError,
    CodesInvalid,
    ContextInvalid,
    RuleSetInvalid,
    RuleSetNotFound,
)
from coding.models import CatalogueRelease, Code, CodingResult, RuleSet
from coding.signals import codings_revalidated

logger = logging.getLogger(__name__)

MAX_CODES = engine.MAX_CODES
MAX_STORED_LEVELS = 32767  # CodingResult.levels is a PositiveSmallIntegerField
CATALOGUE_CACHE_TIMEOUT = 24 * 60 * 60
LOAD_BATCH_SIZE = 1000
REASON_MAX_LENGTH = 100  # simple-history's history_change_reason column
_SEPARATORS = re.compile(r"[\s,;]+")


# Codes and context ---------------------------------------------------------------------------


def split_codes(text: str) -> list[str]:
    """Codes typed or pasted: separated by spaces, commas, semicolons or new lines."""
    return [code for code in _SEPARATORS.split(text or "") if code]


def _codes(codes: Any) -> list[str]:
    if isinstance(codes, str | bytes) or not isinstance(codes, Sequence):
        raise CodesInvalid('Codes must be a list of OPCS-4 codes, such as ["V40.1", "Z67.6"].')
    if not all(isinstance(code, str) for code in codes):
        raise CodesInvalid('Every code must be text, such as "V40.1".')
    if not codes:
        raise CodesInvalid("Enter at least one code.")
    too_many = engine.code_count_error(len(codes))
    if too_many:
        raise CodesInvalid(f"{too_many}.")
    return list(codes)


def coding_context(context: engine.Context | Mapping[str, Any] | None) -> engine.Context:
    """The engine's Context from the SPEC context object (or a form's cleaned data)."""
    if context is None:
        return engine.Context()
    if isinstance(context, engine.Context):
        return context
    if not isinstance(context, Mapping):
        raise ContextInvalid(
            "The context must be an object with approach, image_guidance and levels.",
            field="context",
        )
    try:
        return engine.Context.parse(
            approach=context.get("approach"),
            image_guidance=context.get("image_guidance"),
            levels=context.get("levels"),
        )
    except engine.ContextError as error:
        raise ContextInvalid(_sentence(str(error)), field=error.field) from error


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# Catalogue -----------------------------------------------------------------------------------


def catalogue_release_latest() -> CatalogueRelease | None:
    return CatalogueRelease.objects.order_by("-loaded_at", "-pk").first()


def _catalogue_key(release: CatalogueRelease | None) -> str:
    # An admin edit of a code writes a history row: the key changes with it. The row's time is
    # in the key too, since a rolled-back row's id may be used again.
    last = Code.history.aggregate(id=Max("history_id"), at=Max("history_date"))
    at = last["at"].timestamp() if last["at"] else 0
    return f"coding:catalogue:{release.pk if release else 0}:{last['id'] or 0}:{at}"


def _catalogue_from_db(full: bool) -> engine.Catalogue:
    titles = {
        code: title
        for code, title in Code.objects.values_list("code", "title")
        if engine.normalise(code) is not None
    }
    return engine.Catalogue(titles, full=full)


def catalogue_current() -> engine.Catalogue:
    """The catalogue as the engine reads it: every code with its title; full once a complete
    TRUD release has been loaded."""
    release = catalogue_release_latest()
    full = bool(release and release.full)
    key = _catalogue_key(release)
    try:
        titles = cache.get(key)
    except Exception:  # a cache outage slows validation down; it must not stop it
        logger.warning("cache unavailable: reading the catalogue from the database")
        titles = None
    if titles is not None:
        return engine.Catalogue(titles, full=full)
    catalogue = _catalogue_from_db(full)
    try:
        cache.set(key, dict(catalogue.titles), CATALOGUE_CACHE_TIMEOUT)
    except Exception:
        logger.warning("cache unavailable: the catalogue was not cached")
    return catalogue


def catalogue_load(
    *,
    path: str | PathLike[str],
    actor: Any = None,
    full: bool = True,
    name: str | None = None,
) -> CatalogueRelease:
    """Load a catalogue file: a TRUD release (`code<TAB>title`, no header) or the shipped file.

    Codes new to the catalogue are added and changed titles updated (codes are never removed:
    the NICE-cited ones stay), with one history row for each, in batches. A full release marks
    the catalogue full. Every rule set's levels and image-control maps then grow from the
    titles the release carries (a new rule-set version when they do), and stored codings are
    revalidated, since unknown codes become errors once the catalogue is full.
    """
    path = Path(path)
    release_name = name or f"NHS TRUD release {path.name}"
    try:
        rows = {row.code: row for row in engine.iter_catalogue_rows(path)}
    except OSError as error:
        raise CatalogueLoadError(f"Cannot read {path}: {error.strerror or error}.") from error
    except engine.CatalogueFormatError as error:
        raise CatalogueLoadError(f"{path}: {error}.") from error
    if not rows:
        raise CatalogueLoadError(f"{path} holds no codes: expected code<TAB>title lines.")
    for row in rows.values():
        if len(row.title) > Code._meta.get_field("title").max_length:
            raise CatalogueLoadError(
                f"{path}: line {row.line}: the title of {row.code} is too long."
            )
    reason = _reason(f"Catalogue release: {release_name}")

    with transaction.atomic():
        existing = {code: title for code, title in Code.objects.values_list("code", "title")}
        added = [
            Code(code=code, title=row.title, source=row.source or release_name)
            for code, row in rows.items()
            if code not in existing
        ]
        changed = [
            Code(code=code, title=row.title, source=row.source or release_name)
            for code, row in rows.items()
            if code in existing and existing[code] != row.title
        ]
        if added or changed:
            # An upsert, not a plain insert: a code added meanwhile (the admin, another load)
            # is updated rather than failing the whole load.
            saved = Code.objects.bulk_create(
                [*added, *changed],
                batch_size=LOAD_BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["title", "source"],
            )
            _set_missing_pks(saved)
            for objs, update in ((added, False), (changed, True)):
                Code.history.bulk_history_create(
                    objs,
                    batch_size=LOAD_BATCH_SIZE,
                    update=update,
                    default_user=actor,
                    default_change_reason=reason,
                )
        release = CatalogueRelease.objects.create(
            name=release_name[:255],
            full=full,
            code_count=len(rows),
            added=len(added),
            changed=len(changed),
            loaded_by=actor,
        )
        catalogue = _catalogue_from_db(full)
        for ruleset in RuleSet.objects.select_for_update().order_by("pk"):
            try:
                current = _engine_ruleset(ruleset)
            except RuleSetInvalid as error:
                logger.warning("%s: its maps were not grown", error)
                continue
            grown = engine.grow_maps(current, catalogue)
            if grown.to_dict() != current.to_dict():
                ruleset_update(
                    ruleset=ruleset,
                    definition=grown.to_dict(),
                    actor=actor,
                    reason=f"Levels and image-control codes from {release_name}",
                )
            else:
                _enqueue_revalidation(ruleset.pk)
    return release


def _set_missing_pks(objs: list[Code]) -> None:
    # Databases that do not return ids from an upsert: read them back, in batches.
    missing = [obj for obj in objs if obj.pk is None]
    for start in range(0, len(missing), LOAD_BATCH_SIZE):
        batch = missing[start : start + LOAD_BATCH_SIZE]
        ids = dict(Code.objects.filter(code__in=[o.code for o in batch]).values_list("code", "id"))
        for obj in batch:
            obj.pk = ids[obj.code]


def catalogue_add_cited(
    *, rows: Iterable[tuple[str, str, str]], actor: Any = None, reason: str = ""
) -> int:
    """Add codes a NICE page titles (code, title, source) that the catalogue lacks. Titles
    already there, from TRUD or another page, are kept. Returns how many were added."""
    wanted = {code: (title, source) for code, title, source in rows}
    present = set(Code.objects.filter(code__in=list(wanted)).values_list("code", flat=True))
    added = 0
    for code, (title, source) in wanted.items():
        if code in present:
            continue
        instance = Code(code=code, title=title[:255], source=source[:255])
        instance._history_user = actor
        instance._change_reason = _reason(reason)
        instance.save()
        added += 1
    return added


# Rule sets -----------------------------------------------------------------------------------


def ruleset_get(name: Any) -> RuleSet:
    """The rule set stored under `name` (any case), or RuleSetNotFound naming the known ones."""
    found = None
    if isinstance(name, str) and name.strip():
        found = RuleSet.objects.filter(name__iexact=name.strip()).first()
    if found is None:
        raise RuleSetNotFound(name, list(RuleSet.objects.values_list("name", flat=True)))
    return found


def _engine_ruleset(ruleset: RuleSet) -> engine.RuleSet:
    data = {**ruleset.definition, "name": ruleset.name, "version": ruleset.version}
    try:
        return engine.RuleSet.from_dict(data)
    except engine.RuleSetError as error:
        raise RuleSetInvalid(
            f"Rule set {ruleset.name} version {ruleset.version} cannot be used: {error}."
        ) from error


def ruleset_engine(
    name: str | RuleSet, *, catalogue: engine.Catalogue | None = None
) -> engine.RuleSet:
    """The engine's rule set, with the levels and image-control maps grown from the titles
    the current catalogue carries."""
    ruleset = name if isinstance(name, RuleSet) else ruleset_get(name)
    return engine.grow_maps(_engine_ruleset(ruleset), catalogue or catalogue_current())


def ruleset_definition(definition: Mapping[str, Any], *, name: str) -> dict[str, Any]:
    """A definition checked and normalised by the engine (without version); RuleSetInvalid."""
    try:
        parsed = engine.RuleSet.from_dict({**definition, "name": name, "version": 1})
    except (engine.RuleSetError, TypeError) as error:
        raise RuleSetInvalid(_sentence(str(error))) from error
    data = parsed.to_dict()
    data.pop("version")
    return data


def ruleset_update(
    *, ruleset: RuleSet, definition: Mapping[str, Any], actor: Any, reason: str
) -> RuleSet:
    """Change a rule set: a new version, with who and why in its history, and every stored
    coding made against an older version revalidated after the commit. A definition that
    changes nothing makes no version."""
    with transaction.atomic():
        row = RuleSet.objects.select_for_update().get(pk=ruleset.pk)
        new = ruleset_definition(definition, name=row.name)
        try:
            old = ruleset_definition(row.definition, name=row.name)
        except RuleSetInvalid:
            old = None  # a broken stored definition: any valid one is a change
        if new == old:
            return row
        row.version += 1
        row.definition = {**new, "version": row.version}
        row._history_user = actor
        row._change_reason = _reason(reason)
        row.save()
        _enqueue_revalidation(row.pk)
    return row


def ruleset_upsert(
    *, name: str, definition: Mapping[str, Any], actor: Any, reason: str
) -> tuple[RuleSet, bool]:
    """Create the rule set (version 1) or update it (a new version if it changed).
    Returns (rule set, created)."""
    name = name.strip().upper()
    with transaction.atomic():
        existing = RuleSet.objects.filter(name__iexact=name).first()
        if existing is not None:
            return ruleset_update(
                ruleset=existing, definition=definition, actor=actor, reason=reason
            ), False
        data = ruleset_definition(definition, name=name)
        ruleset = RuleSet(name=name, version=1, definition={**data, "version": 1})
        ruleset._history_user = actor
        ruleset._change_reason = _reason(reason)
        ruleset.save()
    return ruleset, True


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    limit = REASON_MAX_LENGTH
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


def _enqueue_revalidation(ruleset_id: int) -> None:
    from coding.tasks import revalidate_ruleset  # tasks import this module

    # robust: a broker outage must not undo the change; the next revalidation catches up,
    # since codings_revalidate finds stale rows whenever it runs.
    transaction.on_commit(lambda: revalidate_ruleset.delay(ruleset_id), robust=True)


# Validation and stored codings ----------------------------------------------------------------


@dataclass(frozen=True)
class Validation:
    result: engine.Result
    ruleset: RuleSet
    context: engine.Context
    codes: list[str]
    release: CatalogueRelease | None


def _validate(*, ruleset_name: Any, codes: Any, context: Any) -> Validation:
    codes = _codes(codes)
    parsed = coding_context(context)
    ruleset = ruleset_get(ruleset_name)
    release = catalogue_release_latest()
    catalogue = catalogue_current()
    engine_ruleset = ruleset_engine(ruleset, catalogue=catalogue)
    result = engine.validate(codes, ruleset=engine_ruleset, context=parsed, catalogue=catalogue)
    return Validation(result, ruleset, parsed, codes, release)


def coding_validate(
    *, ruleset_name: str, codes: Sequence[str], context: Mapping[str, Any] | engine.Context | None
) -> dict[str, Any]:
    """The SPEC result object. Raises CodesInvalid, ContextInvalid or RuleSetNotFound, each
    naming its field."""
    return _validate(ruleset_name=ruleset_name, codes=codes, context=context).result.to_dict()


def coding_store(
    *,
    ruleset_name: str,
    codes: Sequence[str],
    context: Mapping[str, Any] | engine.Context | None,
    actor: Any = None,
    reason: str = "",
) -> CodingResult:
    """Validate and keep the result: what a Case links to (one to one). Its history starts
    with who stored it and why (by default, the rule-set version it was validated against)."""
    validation = _validate(ruleset_name=ruleset_name, codes=codes, context=context)
    coding = CodingResult(ruleset=validation.ruleset, codes=validation.codes)
    _apply(coding, validation)
    coding._history_user = actor
    coding._change_reason = _reason(reason or f"Validated against {_version(coding)}")
    coding.save()
    return coding


def coding_revalidate(
    *,
    coding: CodingResult,
    codes: Sequence[str] | None = None,
    context: Mapping[str, Any] | engine.Context | None = None,
    actor: Any = None,
    reason: str = "",
) -> CodingResult:
    """Validate a stored coding again, with new codes or context if given (a Case edited),
    against its rule set's current version; its history records who, why and the outcome."""
    validation = _validate(
        ruleset_name=coding.ruleset.name,
        codes=coding.codes if codes is None else codes,
        context=coding.context if context is None else context,
    )
    coding.codes = validation.codes
    _apply(coding, validation)
    coding._history_user = actor
    coding._change_reason = _reason(reason or f"Revalidated against {_version(coding)}")
    coding.save()
    return coding


def _version(coding: CodingResult) -> str:
    return f"{coding.ruleset.name} v{coding.ruleset_version}"


def _apply(coding: CodingResult, validation: Validation) -> None:
    context = validation.context
    if context.levels is not None and context.levels > MAX_STORED_LEVELS:
        raise ContextInvalid(
            f"Levels must be {MAX_STORED_LEVELS} or fewer to be stored.", field="levels"
        )
    coding.approach = context.approach or ""
    coding.image_guidance = context.image_guidance or ""
    coding.levels = context.levels
    coding.result = validation.result.to_dict()
    coding.valid = validation.result.valid
    coding.ruleset_version = validation.result.ruleset_version
    coding.catalogue_release = validation.release
    coding.validated_at = timezone.now()


def codings_stale(*, ruleset: RuleSet, release: CatalogueRelease | None) -> Q:
    """Stored codings validated against an older version of `ruleset` or another release."""
    stale = Q(ruleset=ruleset) & Q(ruleset_version__lt=ruleset.version)
    if release is not None:
        stale |= Q(ruleset=ruleset) & (
            Q(catalogue_release__isnull=True) | ~Q(catalogue_release=release)
        )
    return stale


def _outcome(result: Mapping[str, Any]) -> tuple[Any, ...]:
    # What a revalidation can change for the reader: not the version it names.
    return (result.get("valid"), result.get("issues"), result.get("suggested"))


def codings_revalidate(*, ruleset: RuleSet, chunk_size: int = 500) -> int:
    """Revalidate, `chunk_size` rows a transaction in primary-key order, every stored coding
    of `ruleset` made against an older version or catalogue release. Idempotent: a second
    run finds nothing stale and returns 0. Returns how many were revalidated.

    A coding whose outcome changes (valid, issues or suggested sequence) gets a history row
    saying against which version it was revalidated; one whose outcome stays is only
    restamped with the version, in bulk, without a row (a rule-set change may touch every
    stored coding; the history keeps what changed for the case)."""
    ruleset = RuleSet.objects.get(pk=ruleset.pk)
    release = catalogue_release_latest()
    catalogue = catalogue_current()
    engine_ruleset = ruleset_engine(ruleset, catalogue=catalogue)
    stale = codings_stale(ruleset=ruleset, release=release)
    fields = ["result", "valid", "ruleset_version", "catalogue_release", "validated_at"]
    reason = _reason(f"Revalidated against {ruleset.name} v{ruleset.version}")
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            chunk = list(
                CodingResult.objects.select_for_update()
                .filter(stale, pk__gt=last_pk)
                .order_by("pk")[:chunk_size]
            )
            if not chunk:
                break
            now = timezone.now()
            changed, unchanged = [], []
            for coding in chunk:
                try:
                    context = coding_context(coding.context)
                    result = engine.validate(
                        _codes(coding.codes),
                        ruleset=engine_ruleset,
                        context=context,
                        catalogue=catalogue,
                    )
                except (CodesInvalid, ContextInvalid, engine.UsageError) as error:
                    logger.warning("coding %s cannot be revalidated: %s", coding.pk, error)
                    continue
                before = _outcome(coding.result)
                coding.result = result.to_dict()
                coding.valid = result.valid
                coding.ruleset_version = result.ruleset_version
                coding.catalogue_release = release
                coding.validated_at = now
                if _outcome(coding.result) == before:
                    unchanged.append(coding)
                else:
                    # The system's doing (a task, eagerly run inside a request or not); the
                    # rule-set version's own history says who changed the rules.
                    coding._history_user = None
                    changed.append(coding)
            bulk_update_with_history(
                changed,
                CodingResult,
                fields,
                batch_size=chunk_size,
                default_change_reason=reason,
                default_date=now,
            )
            CodingResult.objects.bulk_update(unchanged, fields, batch_size=chunk_size)
            if changed:
                codings_revalidated.send(sender=CodingResult, codings=changed, reason=reason)
        done += len(changed) + len(unchanged)
        last_pk = chunk[-1].pk
    return done
