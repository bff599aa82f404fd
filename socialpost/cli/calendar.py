"""`socialpost calendar`: the queue by week or month in the terminal, as a page, or as an .ics file."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import filters_from, json_option, post_filters
from socialpost.cli.translated import Command
from socialpost.i18n import _, ngettext
from socialpost.i18n.formats import integer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from socialpost.calendar.entries import Calendar, Entry
    from socialpost.calendar.grid import Period

CELL_POSTS = 4  # posts listed in a day of the month view; the rest counted


@click.command(cls=Command)
@click.option("--month", is_flag=True, help="Show the month instead of the week.")
@click.option(
    "--date",
    "day",
    metavar="DATE",
    help="A day of the week (or month) to show, like 2027-03-04. Default: today, or the next week with posts.",
)
@post_filters
@click.option("--html", "html_file", metavar="FILE", help="Write a self-contained calendar page (every month).")
@click.option(
    "--ics",
    "ics_file",
    metavar="FILE",
    help="Write an iCalendar file (every post) for Google Calendar, Outlook or Apple Calendar; "
    "importing a newer one updates the events.",
)
@json_option
@pass_app
def calendar(
    app: AppContext,
    month: bool,
    day: str | None,
    campaign: str | None,
    network: str | None,
    account: str | None,
    since: str | None,
    until: str | None,
    html_file: str | None,
    ics_file: str | None,
    json_: bool,
) -> None:
    """Show the posts by day and hour: a week (or --month) in the terminal.

    Each post is marked with its state (✓ sent, ✗ failed, ‖ paused, ○ waiting, ! missed, unknown or
    held) in its network's colour, at its local time: the campaign's time zone when every post shown
    shares one, else yours (the zone is named). The filters are the report's. --html and --ics write
    every post the filters keep; cancelled posts stay in the .ics, marked cancelled, so importing it
    again cancels their events.
    """
    from socialpost.calendar.entries import load_calendar

    app.reader_zone_ready()
    now = app.clock()
    filters = filters_from(now, campaign=campaign, network=network, account=account, since=since, until=until)
    wanted = _day(day)
    cal = load_calendar(app.store, filters, now=now)
    if account is not None and not cal.entries:
        from socialpost.accounts import check_filter

        check_filter(app.settings, account, app.store)  # a typo gets "did you mean", not an empty calendar
    wrote = False
    if ics_file is not None:
        from socialpost.calendar.ics import ics
        from socialpost.cli.output import write_text_file

        write_text_file(ics_file, ics(cal), option="--ics")
        _wrote(ics_file, len(cal.entries), quiet=json_)
        wrote = True
    if html_file is not None:
        from socialpost.calendar.html import build_html
        from socialpost.cli.output import write_text_file

        write_text_file(html_file, build_html(cal), option="--html")
        _wrote(html_file, len(cal.shown()), quiet=json_)
        wrote = True
    if json_:
        render.echo_json({"zone": cal.zone_name(), "posts": [e.as_json(cal.zone) for e in cal.entries]})
        return
    if wrote:
        return
    from socialpost.calendar.grid import busy_period

    start = wanted or now.astimezone(cal.zone).date()
    shown, moved = busy_period(cal, "month" if month else "week", start)
    out = render.console()
    if moved:
        message = (
            _("(no post in the month of {day}: showing the nearest month with posts)")
            if month
            else _("(no post in the week of {day}: showing the nearest week with posts)")
        )
        out.print(message.format(day=start.isoformat()), style="dim")
    if month:
        month_view(out, cal, shown)
    else:
        week_view(out, cal, shown)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    from socialpost.errors import UsageError

    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            _("--date '{value}' is not a date. Fix: write it like 2027-03-04.").format(value=value)
        ) from None


def _wrote(name: str, count: int, *, quiet: bool) -> None:
    if not quiet:
        render.echo(
            ngettext("wrote {file} ({count} posts)", "wrote {file} ({count} posts)", count).format(
                file=name, count=integer(count)
            )
        )


# --- the terminal views ----------------------------------------------------------------------------


def _style(entry: Entry) -> str:
    """The network's colour; a near-black one reads badly on a dark terminal: the terminal's own, bold."""
    from socialpost.networks.profile import profile_of

    return "bold" if profile_of(entry.network).dark_colour else entry.colour


def _entry_text(cal: Calendar, entry: Entry, *, post: bool = False) -> Text:
    from rich.text import Text

    from socialpost.i18n.formats import time_text

    clock = f"{time_text(cal.local(entry))} "
    text = Text.assemble((f"{entry.mark} ", _mark_style(entry)), clock, (entry.account, _style(entry)))
    if post:
        text.append(f" {entry.post_id}", style="dim")
    return text


def _mark_style(entry: Entry) -> str:
    return {"sent": "green", "failed": "bold red", "attention": "bold red", "paused": "yellow"}.get(entry.state, "")


def _heading(cal: Calendar, shown: Period) -> Text:
    from rich.text import Text

    from socialpost.i18n.formats import date_text, month_title

    week = shown.view == "week"
    title = _("Week of {day}").format(day=date_text(shown.first)) if week else month_title(shown.first)
    count = ngettext("{count} post", "{count} posts", shown.count).format(count=integer(shown.count))
    zone = _("times in {zone}").format(zone=cal.zone_name())
    return Text.assemble((title, "bold"), f" · {count} · {zone}")


def week_view(out: Console, cal: Calendar, shown: Period) -> None:
    """Seven columns (Monday to Sunday), a row per hour that has a post."""
    from rich.table import Table
    from rich.text import Text

    from socialpost.i18n.formats import weekday_name

    table = Table(title=_heading(cal, shown), title_justify="left", show_lines=True, expand=False)
    table.add_column("", style="dim", no_wrap=True)
    days = shown.weeks[0]
    for index, day in enumerate(days):
        table.add_column(f"{weekday_name(index)} {day.day.day}", overflow="fold", min_width=8)
    by_hour = [day.hours(cal) for day in days]
    for hour in shown.hours(cal):
        cells: list[Text | str] = []
        for hours in by_hour:
            entries = hours.get(hour, [])
            cells.append(Text("\n").join(_entry_text(cal, e, post=True) for e in entries) if entries else "")
        table.add_row(f"{hour:02d}h", *cells)
    out.print(table)
    _legend(out, [e for day in days for e in day.entries])


def month_view(out: Console, cal: Calendar, shown: Period) -> None:
    """A row per week, a column per weekday; each day its posts (the first few, the rest counted)."""
    from rich.table import Table
    from rich.text import Text

    from socialpost.i18n.formats import weekday_name

    table = Table(title=_heading(cal, shown), title_justify="left", show_lines=True, expand=False)
    for index in range(7):
        table.add_column(weekday_name(index), overflow="fold", min_width=8, vertical="top")
    for week in shown.weeks:
        cells: list[Text] = []
        for day in week:
            if not day.in_month:
                cells.append(Text(str(day.day.day), style="dim"))
                continue
            lines = [Text(str(day.day.day), style="bold")]
            lines += [_entry_text(cal, e) for e in day.entries[:CELL_POSTS]]
            rest = len(day.entries) - CELL_POSTS
            if rest > 0:
                lines.append(Text(_("+{count} more").format(count=integer(rest)), style="dim"))
            cells.append(Text("\n").join(lines))
        table.add_row(*cells)
    out.print(table)
    _legend(out, [e for day in shown.days for e in day.entries])


def _legend(out: Console, entries: list[Entry]) -> None:
    from rich.text import Text

    from socialpost.calendar.entries import MARK_NAMES, MARKS

    if not entries:
        out.print(Text(_("No post in this period."), style="dim"))
        return
    pieces: list[Text | str | tuple[str, str]] = []
    for network in sorted({e.network for e in entries}):
        sample = next(e for e in entries if e.network == network)
        pieces += [("■ ", _style(sample)), network, "  "]
    for state in sorted({e.state for e in entries}, key=list(MARKS).index):
        pieces += [f"{MARKS[state]} {_(MARK_NAMES[state])}", "  "]
    out.print(Text.assemble(*pieces))
