"""Thin Django models around the pure engine (coding/engine/): the code catalogue, catalogue
releases and versioned rule sets. The engine never imports these; services convert them."""

from __future__ import annotations

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
    code_count = models.PositiveIntegerField(default=0)
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
