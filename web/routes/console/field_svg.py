"""Server-drawn SVG for the field pages: a building's rooms as a grid coloured by what
patrols found, and a meter's months against last year with the campaign weeks marked.
No JavaScript: the SVG is inline, its numbers are also in the table beside it."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from campaigns.meter_report import KindReport, Week
from campaigns.patrol_report import PatrolReport

# Colours with text contrast ≥ 4.5 against white labels (checked with axe).
COLOURS = {"none": "#6b6b6b", "clear": "#1d6b3a", "once": "#8a5a00", "repeat": "#b3261e"}


def room_state(visits: int, with_findings: int) -> str:
    if visits == 0:
        return "none"
    if with_findings == 0:
        return "clear"
    return "once" if with_findings == 1 else "repeat"


def rooms_grid(report: PatrolReport, building_id: int, gettext: Callable[[str], str]) -> str:
    """One row per floor (the top floor on top), one cell per room."""
    building = next(b for b in report.buildings if b.id == building_id)
    floors: dict[int, list[tuple[str, str, int]]] = {}
    for room in building.rooms:
        found = report.room(room.id)
        visits = found.visits if found else 0
        hits = found.with_findings if found else 0
        floors.setdefault(room.floor, []).append((room.name, room_state(visits, hits), hits))
    cols = max((len(r) for r in floors.values()), default=1)
    cell_w, cell_h, label_w = 110, 44, 56
    width = label_w + cols * cell_w
    height = max(1, len(floors)) * cell_h
    title = gettext("Rooms of {building} by floor, coloured by what patrols found").format(
        building=building.name
    )
    out = [
        f'<svg class="rooms-grid" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for row, floor in enumerate(sorted(floors, reverse=True)):
        y = row * cell_h
        floor_label = gettext("Floor {floor}").format(floor=floor)
        out.append(
            f'<text x="4" y="{y + 27}" font-size="13" fill="#000">{escape(floor_label)}</text>'
        )
        for col, (name, state, hits) in enumerate(floors[floor]):
            x = label_w + col * cell_w
            short = name if len(name) <= 12 else name[:11] + "…"
            out.append(
                f'<rect x="{x + 2}" y="{y + 2}" width="{cell_w - 4}" height="{cell_h - 4}" '
                f'rx="4" fill="{COLOURS[state]}"><title>{escape(name)}: {hits}</title></rect>'
                f'<text x="{x + 8}" y="{y + 27}" font-size="13" fill="#fff">'
                f"{escape(short)}{' · ' + str(hits) if hits else ''}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def months_chart(
    kind: KindReport, weeks: tuple[Week, ...], year: int, gettext: Callable[[str], str]
) -> str:
    """Twelve months, last year's bar beside this year's, campaign weeks shaded."""
    values = [v for m in kind.months for v in (m.this_year, m.last_year) if v is not None]
    top = max(values, default=0) or 1
    width, height, base, slot = 600, 180, 150, 48
    title = gettext("Use per month, {year} against the year before").format(year=year)
    out = [
        f'<svg class="months-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for w in weeks:
        x = 12 + (w.starts_on.month - 1) * slot + (w.starts_on.day - 1) / 31 * slot
        span = max(4, (w.ends_on - w.starts_on).days + 1) * slot / 31
        names = f"{escape(w.title_zh)} / {escape(w.title_en)}"
        out.append(
            f'<rect x="{x:.0f}" y="4" width="{span:.0f}" height="{base - 4}" fill="#cfe8d6">'
            f"<title>{names}</title></rect>"
        )
    for m in kind.months:
        x = 12 + (m.month - 1) * slot
        for offset, value, colour in ((6, m.last_year, "#8c8c8c"), (22, m.this_year, "#1d6b3a")):
            if value is None:
                continue
            h = value / top * (base - 10)
            out.append(
                f'<rect x="{x + offset}" y="{base - h:.1f}" width="14" height="{h:.1f}" '
                f'fill="{colour}"/>'
            )
        out.append(
            f'<text x="{x + 14}" y="{base + 18}" font-size="12" fill="#000">{m.month}</text>'
        )
    out.append("</svg>")
    return "".join(out)
