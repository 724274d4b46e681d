"""The monitoring charts, drawn with matplotlib: the CUSUM with its threshold h and the signal
marked, and the VLAD curve. SVG for the page, PNG to download, the same drawing for the
committee report.

Each chart has its data table beside it on the page (its text alternative). The colours are
the NHS identity palette, and every series also differs by line style and marker, so that the
charts read in black and white and to people who do not tell colours apart.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Literal

from governance.cases.monitoring import Monitoring

if TYPE_CHECKING:
    from governance.cases.services import Monitored

Format = Literal["svg", "png"]

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_RED = "#DA291C"  # emergency services red: the threshold and the signal
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
MARKED_CASES = 200  # up to this many cases, the CUSUM marks each one

_STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Liberation Sans", "DejaVu Sans"],
    "font.size": 10,
    "axes.edgecolor": NHS_DARK_GREY,
    "axes.labelcolor": "#212B32",
    "xtick.color": "#212B32",
    "ytick.color": "#212B32",
    "svg.fonttype": "none",  # text stays text in the SVG: selectable, read by screen readers
    "svg.hashsalt": "monitoring",  # the same chart gives the same bytes (tests, caching)
}


def _figure(title: str):
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(_STYLE):
        figure = Figure(figsize=(7.5, 3.6), dpi=100, layout="constrained")
        axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=11, fontweight="bold", color="#212B32")
    axes.grid(True, color=NHS_PALE_GREY, linewidth=0.8)
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # case numbers are whole
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _legend(figure) -> None:
    # Below the plot, never over the line whatever the data do.
    figure.legend(loc="outside lower center", ncols=3, frameon=False)


def _render(figure, fmt: Format) -> bytes:
    from matplotlib import rc_context

    buffer = io.BytesIO()
    with rc_context(_STYLE):
        figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


def cusum_chart(result: Monitoring, fmt: Format = "svg", *, title: str = "CUSUM") -> bytes:
    """S after each case in date order, the threshold h as a dashed line, and each case at
    which S crossed h marked with a red triangle."""
    figure, axes = _figure(title)
    xs = range(1, result.cases + 1)
    ys = result.s_values
    axes.axhline(result.h, color=NHS_RED, linestyle="--", linewidth=1.5, label=f"h = {result.h:g}")
    if result.cases:
        # A marker a case while they can be told apart; past that, thousands of markers
        # would make megabytes of SVG and one thick line.
        marker = "o" if result.cases <= MARKED_CASES else None
        axes.plot(
            xs, ys, color=NHS_BLUE, linewidth=2, marker=marker, markersize=3, label="CUSUM (S)"
        )
        if result.crossing_at:
            axes.plot(
                [i + 1 for i in result.crossing_at],
                [ys[i] for i in result.crossing_at],
                linestyle="none",
                marker="^",
                markersize=10,
                color=NHS_RED,
                markeredgecolor="#212B32",
                label="Signal",
            )
    axes.set_xlabel("Case number, in date order")
    axes.set_ylabel("S")
    axes.set_ylim(bottom=0, top=max(result.h, max(ys, default=0.0)) * 1.15)
    axes.set_xlim(left=0, right=max(result.cases, 1) + 0.5)
    _legend(figure)
    return _render(figure, fmt)


def vlad_chart(result: Monitoring, fmt: Format = "svg", *, title: str = "VLAD") -> bytes:
    """Observed minus expected failures avoided: rising is better than p0, falling worse."""
    figure, axes = _figure(title)
    axes.axhline(0, color=NHS_DARK_GREY, linewidth=1)
    if result.cases:
        axes.step(
            range(result.cases + 1),
            [0.0, *result.vlad_values],
            where="post",
            color=NHS_DARK_BLUE,
            linewidth=2,
            label="Failures avoided against p0",
        )
        _legend(figure)
    axes.set_xlabel("Case number, in date order")
    axes.set_ylabel("Cumulative (expected - observed)")
    axes.set_xlim(left=0, right=max(result.cases, 1) + 0.5)
    return _render(figure, fmt)


CHARTS = {"cusum": cusum_chart, "vlad": vlad_chart}


def drawn(watched: Monitored, chart: str, fmt: Format = "svg", *, title: str) -> bytes:
    """The chart ("cusum" or "vlad") of a monitored introduction, drawn once a change of its
    cases and then read from the cache: for its page, its downloads and its report."""
    draw = CHARTS[chart]
    return watched.cached(
        f"chart {chart}.{fmt} {title}", lambda: draw(watched.monitoring, fmt, title=title)
    )
