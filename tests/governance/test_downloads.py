"""The CSV downloads' plumbing: cells a spreadsheet would run as a formula are made text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.downloads import csv_lines, in_chunks, safe_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 20", "'+44 20"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Private patient", "Private patient"),
        (None, ""),
        (12, "12"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_made_text(value, cell):
    assert safe_cell(value) == cell


def test_the_lines_are_the_header_then_each_row():
    assert list(csv_lines(["a", "b"], [[1, "x,y"], [2, ""]])) == [
        "a,b\r\n",
        '1,"x,y"\r\n',
        "2,\r\n",
    ]


@given(st.lists(st.text(max_size=5), max_size=50), st.integers(1, 7))
def test_the_chunks_hold_every_line_in_order(lines, size):
    chunks = list(in_chunks(lines, size))

    assert "".join(chunks) == "".join(lines)
    assert len(chunks) == -(-len(lines) // size)
