"""normalise(): every spelling of a code gives one dotted upper-case form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coding.engine import normalise
from coding.engine.codes import display


@pytest.mark.parametrize("raw", ["V40.1", "V401", " v40.1 ", "v401", "\tV40.1\n"])
def test_it_gives_every_spelling_of_a_code_one_dotted_form(raw):
    assert normalise(raw) == "V40.1"


@pytest.mark.parametrize("raw", ["V55.-", "V55", " v55.- "])
def test_it_reads_a_category_as_its_three_characters(raw):
    assert normalise(raw) == "V55"


@pytest.mark.parametrize(
    "raw",
    [
        *["", " ", "V4", "V40.", "V40.12", "V40-1", "40.1", "VV0.1", "V4O.1"],
        *["I12.3", "V40.x", "V5\u0665.1"],  # no chapter I; digits are ASCII digits
    ],
)
def test_it_refuses_anything_that_is_not_a_chapter_letter_and_three_digits(raw):
    assert normalise(raw) is None


def test_it_refuses_what_is_not_a_string():
    assert normalise(401) is None  # type: ignore[arg-type]
    assert normalise(None) is None  # type: ignore[arg-type]


def test_it_prints_a_category_as_nice_pages_do():
    assert display("V55") == "V55.-"
    assert display("V40.1") == "V40.1"


@given(st.text(max_size=8))
def test_its_output_is_always_a_dotted_code_or_a_category(raw):
    code = normalise(raw)
    if code is not None:
        assert code == code.upper().strip()
        assert len(code) in (3, 5)
        assert code[1:3].isdigit() and (len(code) == 3 or (code[3] == "." and code[4].isdigit()))
        assert normalise(code) == code  # idempotent
