"""The CSV downloads' plumbing: cells a spreadsheet would run as a formula are made text."""

from __future__ import annotations

import pytest

from governance.downloads import csv_lines, safe_cell


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
