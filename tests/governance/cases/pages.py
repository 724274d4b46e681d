"""Helpers of the case pages' tests: URLs and the quick form's fields as a browser posts them."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from .conftest import TODAY, VALID


def url(name: str, *args) -> str:
    return reverse(f"governance:{name}", args=args)


PARTS = ("day", "month", "year")


def date_fields(name: str, day: date | tuple) -> dict[str, str]:
    """An NHS.UK date input's three boxes: a date, or (day, month, year) as typed."""
    parts = (day.day, day.month, day.year) if isinstance(day, date) else day
    return {f"{name}_{part}": str(value) for part, value in zip(PARTS, parts, strict=True)}


def case_form(operator, codes=VALID, performed_on=TODAY, **fields) -> dict[str, str]:
    """The quick form filled in as a clinician would: a percutaneous, fluoroscopy-guided,
    one-level case by `operator`."""
    data = {
        **date_fields("performed_on", performed_on),
        "nhs_number": "",
        "local_reference": "H100200",
        "operator": str(operator.pk),
        "device": "",
        "device_lot": "",
        "approach": "percutaneous",
        "image_guidance": "fluoroscopy",
        "levels": "1",
        "codes": " ".join(codes),
    }
    data.update({name: str(value) for name, value in fields.items()})
    return data
