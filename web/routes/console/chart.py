"""The dashboard's per-day chart, drawn on the server as one small SVG (no script, no
library): daily bars for person-times toward the goal, and the running total against it."""

from __future__ import annotations

from datetime import date
from html import escape

from campaigns.results import DayTotals

W, H, PAD_L, PAD_B, PAD_T = 720, 220, 44, 22, 10


def day_chart(days: list[DayTotals], *, year: int, goal: int, labels: dict[str, str]) -> str:
    """`labels`: title, desc, months (12 short names joined by |), goal."""
    start = date(year, 1, 1)
    n_days = (date(year, 12, 31) - start).days + 1
    per_day = [0] * n_days
    for d in days:
        if d.day.year == year:
            per_day[(d.day - start).days] = d.totals.toward_goal
    running, cum = 0, []
    for v in per_day:
        running += v
        cum.append(running)
    plot_w, plot_h = W - PAD_L - 6, H - PAD_B - PAD_T
    top = max(goal, running, 1)
    bar_top = max(*per_day, 1)
    x_of = lambda i: PAD_L + plot_w * i / n_days  # noqa: E731
    y_cum = lambda v: PAD_T + plot_h * (1 - v / top)  # noqa: E731
    bars = "".join(
        f"M{x_of(i):.1f} {PAD_T + plot_h}v-{plot_h * 0.45 * v / bar_top:.1f}"
        for i, v in enumerate(per_day)
        if v
    )
    line = "M" + " ".join(
        f"{x_of(i + 1):.1f} {y_cum(v):.1f}"
        for i, v in enumerate(cum)
        if i % 2 == 0 or i == n_days - 1
    )
    month_names = labels["months"].split("|")
    ticks = []
    for m in range(1, 13):
        x = x_of((date(year, m, 1) - start).days)
        ticks.append(
            f'<line x1="{x:.1f}" y1="{PAD_T}" x2="{x:.1f}" y2="{PAD_T + plot_h}" class="grid"/>'
            f'<text x="{x + 2:.1f}" y="{H - 6}">{escape(month_names[m - 1])}</text>'
        )
    gy = y_cum(goal)
    bar_w = max(plot_w / n_days * 0.8, 1)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" class="chart" '
        f'role="img" aria-labelledby="chart-t chart-d">'
        f'<title id="chart-t">{escape(labels["title"])}</title>'
        f'<desc id="chart-d">{escape(labels["desc"])}</desc>'
        + "".join(ticks)
        + f'<line x1="{PAD_L}" y1="{gy:.1f}" x2="{W - 6}" y2="{gy:.1f}" class="goal"/>'
        f'<text x="{PAD_L - 4}" y="{gy + 4:.1f}" text-anchor="end">{goal}</text>'
        f'<text x="{W - 8}" y="{gy - 4:.1f}" text-anchor="end">{escape(labels["goal"])}</text>'
        f'<path d="{bars}" class="bars" stroke-width="{bar_w:.2f}"/>'
        f'<path d="{line}" class="cum"/>'
        f'<text x="{PAD_L - 4}" y="{PAD_T + plot_h}" text-anchor="end">0</text>'
        "</svg>"
    )
