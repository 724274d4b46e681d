"""The monitoring charts: what a reader of the SVG or PNG finds in them."""

from __future__ import annotations

from datetime import date, timedelta
from xml.etree import ElementTree

from governance.cases import charts
from governance.cases.monitoring import Observation, monitor


def result(*failed: bool, h: float = 1.0):
    observations = [
        Observation(i, date(2026, 1, 1) + timedelta(days=i), f) for i, f in enumerate(failed, 1)
    ]
    return monitor(observations, p0=0.1, p1=0.2, h=h)


def texts(svg: bytes) -> list[str]:
    root = ElementTree.fromstring(svg)
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text]


def test_the_cusum_svg_names_its_threshold_and_marks_the_signal():
    svg = charts.cusum_chart(result(True, True, False), title="CUSUM of failures")

    words = texts(svg)
    assert "CUSUM of failures" in words
    assert "h = 1" in words
    assert "Signal" in words
    assert "Case number, in date order" in words


def test_without_a_crossing_the_cusum_has_no_signal_in_its_legend():
    assert "Signal" not in texts(charts.cusum_chart(result(True, False, False)))


def test_the_same_data_draw_the_same_svg():
    assert charts.cusum_chart(result(True, False)) == charts.cusum_chart(result(True, False))


def test_an_introduction_without_cases_still_draws_its_charts():
    empty = result()

    assert "h = 1" in texts(charts.cusum_chart(empty))
    assert charts.vlad_chart(empty, "png").startswith(b"\x89PNG\r\n\x1a\n")


def test_the_png_downloads_are_png():
    data = result(True, False, True)

    assert charts.cusum_chart(data, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert charts.vlad_chart(data, "png").startswith(b"\x89PNG\r\n\x1a\n")
