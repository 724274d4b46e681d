"""Thin Django models around the pure engine (coding/engine/): the code catalogue, catalogue
releases and versioned rule sets. The engine never imports these; services convert them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Code(models.Model):
    """An OPCS-4 code or category (`V55` for `V55.-`) with its title and where it came from."""

    code = models.CharField(max_length=5, unique=True, help_text="dotted upper case, e.g. V40.1")
    title = models.CharField(max_length=255)
    source = models.CharField(max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_category(self) -> bool:
        return "." not in self.code


class CatalogueRelease(models.Model):
    """A load of the catalogue. The catalogue is *full* once a complete TRUD release is loaded;
    until then it holds only the codes NICE pages cite, and unknown codes are warnings."""

    name = models.CharField(max_length=255)
    full = models.BooleanField(default=False)
    code_count = models.PositiveIntegerField(default=0, help_text="codes in the file loaded")
    added = models.PositiveIntegerField(default=0, help_text="codes new to the catalogue")
    changed = models.PositiveIntegerField(default=0, help_text="codes whose title changed")
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-loaded_at", "-pk"]
        get_latest_by = "loaded_at"

    def __str__(self) -> str:
        return f"{self.name} ({'full' if self.full else 'partial'}, {self.code_count} codes)"


class RuleSet(models.Model):
    """A guidance's coding rules, as data. `definition` is `engine.RuleSet.to_dict()`.

    Versioned: every change of the definition increments `version` (coding.services), and
    stored codings made against an older version are revalidated.
    """

    name = models.CharField(
        max_length=32, unique=True, help_text="the guidance reference, e.g. IPG366"
    )
    version = models.PositiveIntegerField(default=1)
    definition = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def versions(self) -> list[RuleSetVersion]:
        """Its history, newest first: who made each version, when, why, and what changed."""
        records = list(
            self.history.select_related("history_user").order_by("history_date", "history_id")
        )
        versions: list[RuleSetVersion] = []
        previous: dict[str, Any] | None = None
        for record in records:
            user = record.history_user
            versions.append(
                RuleSetVersion(
                    version=record.version,
                    at=record.history_date,
                    user=(user.get_full_name() or user.get_username()) if user else None,
                    reason=record.history_change_reason,
                    type=record.history_type,
                    changes=definition_changes(previous, record.definition)
                    if previous is not None
                    else [],
                )
            )
            previous = record.definition
        versions.reverse()
        return versions


@dataclass(frozen=True)
class DefinitionChange:
    field: str
    old: Any
    new: Any
    summary: str  # in words: "added 2: V55.2"


@dataclass(frozen=True)
class RuleSetVersion:
    version: int
    at: datetime
    user: str | None
    reason: str | None
    type: str  # simple-history's "+", "~", "-"
    changes: list[DefinitionChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "at": self.at,
            "user": self.user,
            "reason": self.reason,
            "changes": [
                {"field": c.field, "old": c.old, "new": c.new, "summary": c.summary}
                for c in self.changes
            ],
        }


def definition_changes(old: dict[str, Any], new: dict[str, Any]) -> list[DefinitionChange]:
    """What changed between two rule-set definitions, key by key (the version aside)."""
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        if key == "version" or old.get(key) == new.get(key):
            continue
        changes.append(
            DefinitionChange(key, old.get(key), new.get(key), _summary(old.get(key), new.get(key)))
        )
    return changes


def _summary(old: Any, new: Any) -> str:
    if isinstance(old, list) and isinstance(new, list):
        added = [str(v) for v in new if v not in old]
        removed = [str(v) for v in old if v not in new]
        parts = [f"added {', '.join(added)}"] if added else []
        parts += [f"removed {', '.join(removed)}"] if removed else []
        return "; ".join(parts) or "reordered"
    if isinstance(old, dict) and isinstance(new, dict):
        added = [f"{k}: {v}" for k, v in new.items() if k not in old]
        removed = [f"{k}: {v}" for k, v in old.items() if k not in new]
        changed = [f"{k}: {old[k]} to {v}" for k, v in new.items() if k in old and old[k] != v]
        parts = [f"added {', '.join(added)}"] if added else []
        parts += [f"removed {', '.join(removed)}"] if removed else []
        parts += [f"changed {', '.join(changed)}"] if changed else []
        return "; ".join(parts)
    return f"{'none' if old is None else old} to {'none' if new is None else new}"


class CodingResult(models.Model):
    """One coded episode as validated: the codes and context given, and the engine's result.

    A governance Case holds a one-to-one link to its CodingResult (each case is linked to its
    validated coding). The result is stale when the rule set has a newer version, or the
    catalogue a newer release, than the ones it was validated against; coding.services
    `codings_revalidate` finds those rows through the (ruleset, ruleset_version) index.

    History-tracked: a case's coding may turn from valid to invalid when the rules change, so
    each validation whose outcome differs leaves a row saying against which version, and why.
    """

    class Approach(models.TextChoices):
        OPEN = "open", "Open"
        PERCUTANEOUS = "percutaneous", "Percutaneous"

    class ImageGuidance(models.TextChoices):
        NONE = "none", "None"
        FLUOROSCOPY = "fluoroscopy", "Fluoroscopy"
        ULTRASOUND = "ultrasound", "Ultrasound"
        CT = "ct", "CT"
        MRI = "mri", "MRI"
        UNSPECIFIED = "unspecified", "Image guided, method not recorded"

    ruleset = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="results")
    ruleset_version = models.PositiveIntegerField()
    catalogue_release = models.ForeignKey(
        CatalogueRelease, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    codes = models.JSONField(default=list, help_text="the codes as given, in order")
    # Empty string is "not recorded" (null in the SPEC's context object).
    approach = models.CharField(max_length=16, choices=Approach.choices, blank=True)
    image_guidance = models.CharField(max_length=16, choices=ImageGuidance.choices, blank=True)
    levels = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.JSONField(help_text="the SPEC result object")
    valid = models.BooleanField()
    validated_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-validated_at", "-pk"]
        indexes = [
            models.Index(fields=["ruleset", "ruleset_version"], name="coding_result_ruleset_idx")
        ]

    def __str__(self) -> str:
        state = "valid" if self.valid else "invalid"
        return f"{' '.join(self.codes)} ({state}, {self.ruleset.name} v{self.ruleset_version})"

    @property
    def context(self) -> dict[str, object]:
        """The SPEC context object: nulls where nothing was recorded."""
        return {
            "approach": self.approach or None,
            "image_guidance": self.image_guidance or None,
            "levels": self.levels,
        }

    @property
    def issues(self) -> list[dict]:
        return list(self.result.get("issues", []))

    @property
    def suggested(self) -> list[str] | None:
        return self.result.get("suggested")
