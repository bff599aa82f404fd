"""Pictures of the report: the data behind them, and how they look in a terminal (rich).

The same series feed the HTML report's SVG (:mod:`socialpost.report.html`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from socialpost.i18n import _, ngettext
from socialpost.report.besttimes import DAYS, HourOfWeek, format_measure, measure_name
from socialpost.report.facts import NOT_OUT, SENT, PostFacts

if TYPE_CHECKING:
    from rich.console import RenderableType

BLOCKS = " ▏▎▍▌▋▊▉█"
HEAT = ("color(236)", "color(22)", "color(28)", "color(34)", "color(40)", "color(46)")  # none, then low → high
MAX_BUCKETS = 60


@dataclass(frozen=True)
class Point:
    key: str  # a day (2027-03-02) or an ISO week (2027-W09)
    interactions: int | None  # summed over the bucket's sent posts that know them
    posts: int  # posts that went out in the bucket
    not_out: int  # posts due in the bucket that did not go out


def trend(posts: Iterable[PostFacts]) -> tuple[str, list[Point]]:
    """Interactions per day (or per ISO week when the posts span more than 60 days), oldest first:
    the posts as ``group_posts(posts, "day")`` (or ``"week"``) groups them, counted in one pass."""
    days: dict[date, list[int]] = {}  # [interactions, posts that knew them, sent, not out]
    for post in posts:
        day = post.local_when.date()
        bucket = days.get(day)
        if bucket is None:
            bucket = days[day] = [0, 0, 0, 0]
        value = post.interactions
        if value is not None:
            bucket[0] += value
            bucket[1] += 1
        status = post.status
        if status == SENT:
            bucket[2] += 1
        elif status in NOT_OUT:
            bucket[3] += 1
    by = "day"
    buckets: dict[str, list[int]] = {day.isoformat(): counts for day, counts in days.items()}
    if len(days) > MAX_BUCKETS:
        by, buckets = "week", {}
        for day, counts in days.items():
            year, week, _weekday = day.isocalendar()
            merged = buckets.setdefault(f"{year}-W{week:02d}", [0, 0, 0, 0])
            for i, count in enumerate(counts):
                merged[i] += count
    return by, [
        Point(key, total if known else None, sent, not_out)
        for key, (total, known, sent, not_out) in sorted(buckets.items())[-MAX_BUCKETS:]
    ]


MIN_BAR = 10


def trend_chart(posts: Sequence[PostFacts], width: int = 50, room: int | None = None) -> RenderableType:
    """Horizontal bars, one a day (or week): interactions at the latest snapshot. Bars are ``width``
    cells at most, narrower when a line would not fit in ``room`` cells (the terminal's width)."""
    from rich.cells import cell_len
    from rich.text import Text

    from socialpost.i18n.formats import integer

    by, points = trend(posts)
    text = Text()
    if by == "week":
        heading = _("Interactions per week (likes + reposts + replies + quotes, latest snapshot)")
    else:
        heading = _("Interactions per day (likes + reposts + replies + quotes, latest snapshot)")
    text.append(heading + "\n", style="bold")
    if not points:
        text.append(_("no posts yet") + "\n", style="dim")
        return text
    top = max((p.interactions or 0 for p in points), default=0)
    label = max(len(p.key) for p in points)
    not_available = _("n/a")
    tails = []
    for point in points:
        value = not_available if point.interactions is None else integer(point.interactions)
        if point.not_out:
            # Translators: keep [red]…[/] (rich markup: the part shown in red) around the posts not out.
            line = _("{value} ({sent} sent[red], {not_out} not out[/])").format(
                value=value, sent=point.posts, not_out=point.not_out
            )
        else:
            line = _("{value} ({sent} sent)").format(value=value, sent=point.posts)
        tails.append(Text.from_markup(line, emoji=False))
    if room is not None:
        width = max(min(MIN_BAR, width), min(width, room - label - 2 - max(cell_len(tail.plain) for tail in tails)))
    for point, tail in zip(points, tails, strict=True):
        text.append(f"{point.key:<{label}} ")
        if point.interactions is None:
            text.append(not_available.ljust(width), style="dim")
        else:
            text.append(_bar(point.interactions, top, width), style="green")
        text.append(" ")
        text.append_text(tail)
        text.append("\n")
    return text


def _bar(value: int, top: int, width: int) -> str:
    if top <= 0:
        return " " * width
    eighths = round(value / top * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (BLOCKS[part] if part else "")
    return bar.ljust(width)


def heat_level(value: float, low: float, high: float) -> int:
    """1–5 for a value between low and high (0 is kept for "no posts")."""
    if high <= low:
        return 5
    return 1 + min(4, int((value - low) / (high - low) * 5))


def heatmap(grid: HourOfWeek) -> RenderableType:
    """Seven rows (Monday first), 24 hour columns; a brighter green is a better median."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from socialpost.i18n.formats import weekday_name

    # English keeps its one wording for every count (its output is pinned); ngettext lets French agree.
    title = Text(
        ngettext(
            "Hour of the week ({measure}; posts' local time; {count} posts)",
            "Hour of the week ({measure}; posts' local time; {count} posts)",
            grid.sample,
        ).format(measure=measure_name(grid.measure), count=grid.sample),
        style="bold",
    )
    table = Table(
        show_edge=False,
        pad_edge=False,
        box=None,
        padding=(0, 0),
    )
    table.add_column("", no_wrap=True)
    for hour in range(24):
        table.add_column(f"{hour:02d}" if hour % 3 == 0 else "", no_wrap=True, min_width=2)
    values = [s.median for s in grid.slots.values()]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    for weekday in range(len(DAYS)):
        cells: list[Text | str] = [Text(f"{weekday_name(weekday)} ")]
        for hour in range(24):
            slot = grid.slots.get((weekday, hour))
            if slot is None:
                cells.append(Text(" ·", style="dim"))
            else:
                cells.append(Text("  ", style=f"on {HEAT[heat_level(slot.median, low, high)]}"))
        table.add_row(*cells)
    if values:
        table.caption = Text(
            _("dim {low} … bright {high}; · no post at that hour").format(
                low=format_measure(low, grid.measure), high=format_measure(high, grid.measure)
            )
        )
        table.caption_justify = "left"
    return Group(title, table)
