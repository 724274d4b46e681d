"""Context.parse(): the case's approach, image guidance and levels, from CLI, CSV or JSON."""

from __future__ import annotations

import pytest

from coding.engine import Context, ContextError


def test_it_reads_strings_as_a_csv_or_command_line_gives_them():
    context = Context.parse(approach=" Percutaneous ", image_guidance="CT", levels="2")
    assert context == Context(approach="percutaneous", image_guidance="ct", levels=2)


def test_it_reads_json_values():
    assert Context.parse(approach=None, image_guidance="mri", levels=3) == Context(None, "mri", 3)


@pytest.mark.parametrize("empty", ["", "  ", "null", None])
def test_it_reads_an_empty_value_as_null(empty):
    assert Context.parse(approach=empty, image_guidance=empty, levels=empty) == Context()


def test_it_keeps_no_image_guidance_apart_from_null():
    assert Context.parse(image_guidance="none").image_guidance == "none"


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("approach", "laser", "open, percutaneous"),
        ("approach", True, "open, percutaneous"),
        ("image_guidance", "xray", "none, fluoroscopy, ultrasound, ct, mri, unspecified"),
        ("image_guidance", 1, "none, fluoroscopy"),
        ("levels", "0", "1 or more"),
        ("levels", "-1", "1 or more"),
        ("levels", "1.5", "1 or more"),
        ("levels", "two", "1 or more"),
        ("levels", 0, "1 or more"),
        ("levels", True, "1 or more"),
        ("levels", 2.0, "1 or more"),
    ],
)
def test_it_refuses_a_bad_value_naming_the_field_and_what_is_allowed(field, value, named):
    with pytest.raises(ContextError) as raised:
        Context.parse(**{field: value})
    assert raised.value.field == field
    message = str(raised.value)
    assert message.startswith(f"{field} must be")
    assert named in message
    assert repr(value) in message


def test_a_context_error_is_a_value_error():
    with pytest.raises(ValueError):
        Context.parse(levels="many")


def test_it_refuses_bad_values_given_to_the_constructor_too():
    with pytest.raises(ContextError) as raised:
        Context(approach="Open")  # the constructor takes exact values; parse() cleans them
    assert raised.value.field == "approach"
    with pytest.raises(ContextError):
        Context(levels=True)  # type: ignore[arg-type]


def test_null_image_guidance_with_a_percutaneous_approach_counts_as_unspecified():
    assert Context(approach="percutaneous").method == "unspecified"
    assert Context(approach="open").method is None
    assert Context(approach="percutaneous", image_guidance="none").method == "none"


def test_it_gives_its_json_form():
    context = Context("percutaneous", "fluoroscopy", 1)
    assert context.to_dict() == {
        "approach": "percutaneous",
        "image_guidance": "fluoroscopy",
        "levels": 1,
    }
    assert Context.parse(**context.to_dict()) == context
