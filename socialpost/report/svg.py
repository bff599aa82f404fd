"""The HTML report's charts as inline SVG: the interactions trend and the hour-of-week heatmap.

Each chart comes in a wide shape (screens from about 640 px, and print) and a narrow one (phones):
the page shows one or the other with a media query, so text stays legible instead of being
scaled down to nothing. The SVGs scale to their box (``viewBox``, ``width: 100%``) and carry no
legend of their own (a long line would be cut off at the SVG's edge): the page writes it below in
HTML, where it wraps.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from socialpost.i18n import _, ngettext
from socialpost.i18n.formats import day_month, integer, weekday_name
from socialpost.report.axes import integer_ticks, labelled
from socialpost.report.besttimes import DAYS, HourOfWeek, format_measure, measure_name
from socialpost.report.charts import Point, heat_level

HEAT_FILL = ("#eef0f3", "#d6efd9", "#a8dcb0", "#6cc17c", "#34a04f", "#137a34")
BAR = "#34a04f"
INK = "#5b6472"
CHAR = 0.62  # a digit or letter's width, in font sizes (system sans-serif), for fitting labels


def axis_label(key: str) -> str:
    """A trend bucket's label: ``Mar 3`` for a day (``2027-03-03``), the week's Monday for a week."""
    if "-W" in key:
        year, week = key.split("-W")
        return day_month(date.fromisocalendar(int(year), int(week), 1))
    return day_month(date.fromisoformat(key))


def trend_svg(points: Sequence[Point], by: str, *, width: int, height: int, font: int, colour: str = BAR) -> str:
    """Bars of interactions per day (or week), ``width`` × ``height`` user units; whole-number ticks
    on the count axis, dates thinned so that no two labels touch."""
    label = _("Interactions per week") if by == "week" else _("Interactions per day")
    ticks = integer_ticks(max((p.interactions or 0 for p in points), default=0))
    top_value = ticks[-1]
    left = int(len(integer(top_value)) * font * CHAR) + 14
    right, top, bottom = 8, 10, font * 2 + 14
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg class="chart trend" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'preserveAspectRatio="xMidYMid meet">'
    ]
    for tick in ticks:
        y = top + plot_h - tick / top_value * plot_h
        parts.append(
            f'<text class="tick" x="{left - 6}" y="{y + font * 0.35:.1f}" font-size="{font}" text-anchor="end" '
            f'fill="{INK}">{integer(tick)}</text>'
        )
        stroke = "#9aa1ab" if tick == 0 else "#eef0f3"
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{stroke}"/>')
    if not points:
        parts.append(
            f'<text x="{left + 10}" y="{top + plot_h / 2}" font-size="{font + 1}" fill="{INK}">'
            + escape(_("no posts"))
            + "</text>"
        )
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    names = [axis_label(p.key) for p in points]
    widest = max((len(n) for n in names), default=0) * font * CHAR + font
    shown = set(labelled([p.key for p in points], plot_w, widest))
    for index, point in enumerate(points):
        x = left + index * slot + (slot - bar_w) / 2
        value = point.interactions or 0
        h = value / top_value * plot_h
        count = _("n/a") if point.interactions is None else integer(value)
        if point.not_out:
            tip = _("{key}: {value} interactions, {sent} sent, {not_out} not out").format(
                key=names[index], value=count, sent=point.posts, not_out=point.not_out
            )
        else:
            tip = _("{key}: {value} interactions, {sent} sent").format(key=names[index], value=count, sent=point.posts)
        fill = colour if point.interactions is not None else "#d0d4da"
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{max(h, 0.5):.1f}" '
            f'fill="{fill}"><title>{escape(tip)}</title></rect>'
        )
        if point.not_out:
            parts.append(
                f'<circle cx="{x + bar_w / 2:.1f}" cy="{top + plot_h + 6}" r="3" fill="#b3261e">'
                f"<title>{escape(not_out_title(point.not_out))}</title></circle>"
            )
        if index in shown:
            parts.append(
                f'<text class="day" x="{x + bar_w / 2:.1f}" y="{top + plot_h + font + 10}" font-size="{font}" '
                f'text-anchor="middle" fill="{INK}">{escape(names[index])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def not_out_title(count: int) -> str:
    # English keeps its one wording for every count (its output is pinned); ngettext lets French agree.
    return ngettext("{count} post(s) did not go out", "{count} post(s) did not go out", count).format(count=count)


def _cell_tip(grid: HourOfWeek, weekday: int, hour: int) -> tuple[str, int]:
    """A cell's tooltip and its shade (0: no post)."""
    values = [s.median for s in grid.slots.values()]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    day = weekday_name(weekday, short=False)
    slot = grid.slots.get((weekday, hour))
    if slot is None:
        return _("{day} {hour}:00: no post").format(day=day, hour=f"{hour:02d}"), 0
    tip = ngettext(
        "{day} {hour}:00: {measure} {value} ({count} posts)",
        "{day} {hour}:00: {measure} {value} ({count} posts)",
        slot.posts,
    ).format(
        day=day,
        hour=f"{hour:02d}",
        measure=measure_name(grid.measure),
        value=format_measure(slot.median, grid.measure),
        count=slot.posts,
    )
    return tip, heat_level(slot.median, low, high)


def heatmap_svg(grid: HourOfWeek) -> str:
    """Seven rows (Monday first), 24 hour columns."""
    cell, font = 36, 13
    left = int(max(len(weekday_name(d, short=False)) for d in range(7)) * font * CHAR) + 14
    top = 24
    width, height = left + 24 * cell + 4, top + 7 * cell + 4
    label = _("Hour of the week, {measure}").format(measure=measure_name(grid.measure))
    parts = [f'<svg class="chart heatmap" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">']
    for hour in range(24):
        parts.append(
            f'<text x="{left + hour * cell + cell / 2}" y="{top - 8}" font-size="{font - 1}" text-anchor="middle" '
            f'fill="{INK}">{hour:02d}</text>'
        )
    for weekday in range(len(DAYS)):
        y = top + weekday * cell
        parts.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4}" font-size="{font}" text-anchor="end">'
            f"{escape(weekday_name(weekday, short=False))}</text>"
        )
        for hour in range(24):
            tip, level = _cell_tip(grid, weekday, hour)
            parts.append(
                f'<rect class="cell" x="{left + hour * cell + 1}" y="{y + 1}" width="{cell - 2}" '
                f'height="{cell - 2}" rx="3" fill="{HEAT_FILL[level]}"><title>{escape(tip)}</title></rect>'
            )
    parts.append("</svg>")
    return "".join(parts)


def heatmap_tall_svg(grid: HourOfWeek) -> str:
    """The same heatmap turned for a phone: seven day columns, 24 hour rows."""
    font, row = 12, 16
    left, top = 30, 22
    width = 360
    cell = (width - left - 4) / 7
    height = top + 24 * row + 4
    label = _("Hour of the week, {measure}").format(measure=measure_name(grid.measure))
    parts = [f'<svg class="chart heatmap tall" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">']
    for weekday in range(len(DAYS)):
        parts.append(
            f'<text x="{left + weekday * cell + cell / 2:.1f}" y="{top - 7}" font-size="{font}" '
            f'text-anchor="middle" fill="{INK}">{escape(weekday_name(weekday))}</text>'
        )
    for hour in range(24):
        y = top + hour * row
        parts.append(
            f'<text x="{left - 5}" y="{y + row / 2 + 4}" font-size="{font - 1}" text-anchor="end" '
            f'fill="{INK}">{hour:02d}</text>'
        )
        for weekday in range(len(DAYS)):
            tip, level = _cell_tip(grid, weekday, hour)
            parts.append(
                f'<rect class="cell" x="{left + weekday * cell + 1:.1f}" y="{y + 1}" width="{cell - 2:.1f}" '
                f'height="{row - 2}" rx="2" fill="{HEAT_FILL[level]}"><title>{escape(tip)}</title></rect>'
            )
    parts.append("</svg>")
    return "".join(parts)
