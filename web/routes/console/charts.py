"""The console's charts, drawn on the server as small SVGs (no script, no library).

Text must stay legible from a 390 px phone to a printed page, so the SVGs have no viewBox
of their own: they are as wide as their box, positions across are percentages and text
keeps its CSS size. Only the running-total curve is drawn in an inner, stretched viewBox
(its strokes unscaled). Each chart is an image with a title and a sentence describing it;
the page puts the same numbers in a table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from campaigns.figures import PaceSeries, Slot
from web.routes.console.words import Words

LEFT, RIGHT = 14.0, 97.0  # the plot's edges, percent of the width


def _frame(chart_id: str, height: int, title: str, desc: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart2" width="100%" height="{height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>{body}</svg>'
    )


def _x(fraction: float) -> str:
    return f"{LEFT + (RIGHT - LEFT) * fraction:.2f}%"


def _nice_top(value: float) -> int:
    """A round axis maximum at or above `value`: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return int(step * power)
    return 10 * power


def pace_chart(series: PaceSeries, w: Words, *, chart_id: str = "pace") -> str:
    """The running total toward the goal, day by day, against the goal's straight pace."""
    height, top, bottom = 250, 12, 214
    plot = bottom - top
    y_max = _nice_top(max(series.goal, series.total, 1))

    def y(v: float) -> float:
        return bottom - plot * v / y_max

    parts = []
    for tick in (0, y_max / 2, y_max):
        parts.append(
            f'<line class="gridl" x1="{_x(0)}" x2="{_x(1)}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text x="{_x(0)}" dx="-6" y="{y(tick) + 4:.1f}" text-anchor="end">{w.n(tick)}</text>'
        )
    months = w._("Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec").split("|")
    day = 0
    for m, name in enumerate(months, start=1):
        cls = ' class="odd"' if m % 2 == 0 else ""
        x = _x(day / series.n_days)
        parts.append(
            f'<line class="gridl" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>'
            f'<text{cls} x="{x}" dx="3" y="{bottom + 18}">{escape(name)}</text>'
        )
        day += _month_days(series.year, m)
    n = series.n_days
    curve = ""
    if series.cumulative:
        points = " ".join(
            f"{i + 1} {1000 - 1000 * v / y_max:.1f}"
            for i, v in enumerate(series.cumulative)
            if i % 3 == 0 or i == len(series.cumulative) - 1
        )
        curve = f'<path class="run" vector-effect="non-scaling-stroke" d="M0 1000 L{points}"/>'
    pace_end = 1000 - 1000 * series.goal / y_max
    parts.append(
        f'<svg x="{_x(0)}" y="{top}" width="{RIGHT - LEFT:.2f}%" height="{plot}" '
        f'viewBox="0 0 {n} 1000" preserveAspectRatio="none" overflow="visible">'
        f'<line class="pace" vector-effect="non-scaling-stroke" x1="0" y1="1000" x2="{n}" '
        f'y2="{pace_end:.1f}"/>{curve}</svg>'
    )
    if 0 < series.shown < n:
        parts.append(
            f'<line class="today" x1="{_x(series.shown / n)}" x2="{_x(series.shown / n)}" '
            f'y1="{top}" y2="{bottom}"/>'
        )
    parts.append(
        f'<line class="axis" x1="{_x(0)}" x2="{_x(1)}" y1="{bottom}" y2="{bottom}"/>'
        f'<line class="axis" x1="{_x(0)}" x2="{_x(0)}" y1="{top}" y2="{bottom}"/>'
    )
    title = w._("Person-times toward the goal, {year}: running total and the goal's pace").format(
        year=series.year
    )
    desc = w._(
        "{total} person-times so far against a goal of {goal}; at the goal's even pace "
        "there would be {pace} by now."
    ).format(total=w.n(series.total), goal=w.n(series.goal), pace=w.n(series.pace_now))
    return _frame(chart_id, height, title, desc, "".join(parts))


def _month_days(year: int, month: int) -> int:
    from calendar import monthrange  # noqa: PLC0415

    return monthrange(year, month)[1]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as printed beside the bar


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    desc: str,
    top: float | None = None,
    label_width: float = 42.0,
) -> str:
    """Horizontal bars, one row each, largest scale `top` (else the largest value)."""
    row, pad = 30, 4
    scale = top if top else max((b.value for b in bars), default=0) or 1
    span = 84.0 - label_width  # leaves room for the value's text after the longest bar
    parts = []
    for i, b in enumerate(bars):
        y = pad + i * row
        width = max(0.0, min(1.0, b.value / scale)) * span
        label = _shorten(b.label)
        parts.append(
            f'<text x="0" y="{y + 19}">{escape(label)}<title>{escape(b.label)}</title></text>'
            f'<rect class="bar" x="{label_width:.1f}%" y="{y + 5}" width="{width:.2f}%" '
            f'height="{row - 10}" rx="2"/>'
            f'<text x="{label_width + width:.2f}%" dx="6" y="{y + 19}">{escape(b.shown)}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{label_width:.1f}%" x2="{label_width:.1f}%" y1="{pad}" '
        f'y2="{pad + row * len(bars)}"/>'
    )
    return _frame(chart_id, pad * 2 + row * max(len(bars), 1), title, desc, "".join(parts))


LABEL_WIDTH = 24  # in half-widths: 12 Chinese characters or 24 Latin letters fit on a phone


def _shorten(label: str) -> str:
    """A bar's label cut to fit (the full name is in its tooltip and the table)."""
    used = 0
    for i, ch in enumerate(label):
        used += 2 if ord(ch) > 0x2E80 else 1
        if used > LABEL_WIDTH:
            return label[: max(i - 1, 1)] + "…"
    return label


def arrivals_chart(slots: Sequence[Slot], w: Words, *, chart_id: str = "arrivals") -> str:
    """Check-ins per quarter-hour as columns, the hour written under its first quarter."""
    height, top, bottom = 210, 10, 176
    plot = bottom - top
    y_max = _nice_top(max((s.arrivals for s in slots), default=1))
    n = max(len(slots), 1)
    parts = []
    for tick in (0, y_max):
        y = bottom - plot * tick / y_max
        parts.append(
            f'<line class="gridl" x1="{_x(0)}" x2="{_x(1)}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{_x(0)}" dx="-6" y="{y + 4:.1f}" text-anchor="end">{w.n(tick)}</text>'
        )
    every = 1 if n <= 16 else 2 if n <= 40 else 4
    hours = [i for i, s in enumerate(slots) if s.start.minute == 0]
    for i, s in enumerate(slots):
        h = plot * s.arrivals / y_max
        parts.append(
            f'<rect class="bar" x="{_x(i / n)}" y="{bottom - h:.1f}" '
            f'width="{(RIGHT - LEFT) / n * 0.8:.2f}%" height="{h:.1f}"/>'
        )
    for k, i in enumerate(hours):
        if k % every == 0:
            parts.append(
                f'<text x="{_x(i / n)}" y="{bottom + 18}">{w.clock(slots[i].start)}</text>'
            )
    if not hours and slots:
        parts.append(f'<text x="{_x(0)}" y="{bottom + 18}">{w.clock(slots[0].start)}</text>')
    parts.append(f'<line class="axis" x1="{_x(0)}" x2="{_x(1)}" y1="{bottom}" y2="{bottom}"/>')
    busiest = max(slots, key=lambda s: s.arrivals) if slots else None
    title = w._("Arrivals by quarter-hour")
    desc = (
        w._("{n} check-ins; the busiest quarter-hour began at {time}, with {busiest}.").format(
            n=w.n(sum(s.arrivals for s in slots)),
            time=w.clock(busiest.start),
            busiest=w.n(busiest.arrivals),
        )
        if busiest
        else w._("No check-ins yet.")
    )
    return _frame(chart_id, height, title, desc, "".join(parts))
