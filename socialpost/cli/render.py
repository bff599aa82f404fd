"""Rendering for people (rich tables) and machines (JSON). Nothing here touches the store.

What people wrote (ids, post text) and what networks said (reasons, comments) goes to rich as
``Text``, never as markup: a post saying ``[NEW]`` or ``[/x]`` is shown as written, not read as a
style (or a crash), and ``:coffee:`` is not turned into an emoji in a preview of the post.

Everything the commands print goes through here, so the last line of defence stands here: the
consoles :func:`console` makes blank registered secrets (``socialpost.redaction``) out of each
text before it is laid out and show control characters as visible escapes
(``socialpost.terminal``); :func:`echo` does the same for messages; :func:`echo_json` blanks
secrets and keeps the text exact (JSON escapes control characters); :func:`echo_csv` blanks
secrets, keeps the text exact for a file or a pipe and shows control characters on a terminal.
"""

from __future__ import annotations

import bisect
import json
import os
import sys
from collections.abc import Collection, Iterable
from datetime import datetime, tzinfo
from functools import cache
from typing import TYPE_CHECKING, Any

import click

from socialpost.i18n import _, ngettext
from socialpost.i18n.formats import datetime_text, integer
from socialpost.localtime import local_text
from socialpost.redaction import redact
from socialpost.report.labels import queue_state
from socialpost.terminal import UNSAFE, json_safe, printable, visible
from socialpost.timeutil import format_duration

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.segment import Segment
    from rich.text import Text

    from socialpost.errors import Problem
    from socialpost.queues import Queues
    from socialpost.report.status import StatusSummary
    from socialpost.scheduling import ScheduledFeed, Validation
    from socialpost.store.sync_plan import Plan, PlanItem

ACTION_STYLE = {"create": "green", "update": "yellow", "cancel": "red", "unchanged": "dim", "hold": "magenta"}
STATUS_STYLE = {
    "pending": "cyan",
    "retry_wait": "yellow",
    "sending": "blue",
    "sent": "green",
    "failed": "bold red",
    "unknown": "bold magenta",
    "missed": "red",
    "cancelled": "dim",
    "held": "yellow",
}


def console(*, err: bool = False) -> Console:
    out = _safe_console()(stderr=err, highlight=False, soft_wrap=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out.width = 140  # piped or captured (make, CI): do not squeeze tables into 80 columns
    return out


@cache
def _safe_console() -> type[Console]:
    """rich's Console, with every text made safe where rich renders it (``Console.render``, which
    every table cell, panel and line goes through): secrets blanked and control characters shown
    before the text is laid out (so columns stay aligned), and a check of each segment after."""
    from rich.console import Console
    from rich.segment import Segment
    from rich.text import Text

    class SafeConsole(Console):
        def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
            if isinstance(renderable, str):
                given = options or self.options
                renderable = self.render_str(renderable, highlight=given.highlight, markup=given.markup)
            if isinstance(renderable, Text):
                renderable = safe_text(renderable)
            for segment in super().render(renderable, options):
                if segment.control is None and UNSAFE.search(segment.text):
                    segment = Segment(printable(segment.text), segment.style)
                yield segment

    return SafeConsole


def safe_text(text: Text) -> Text:
    """``text`` with registered secrets blanked and control characters shown as visible escapes,
    its styles kept (a text that held a secret keeps only its own style)."""
    from rich.text import Span

    plain = text.plain
    redacted = redact(plain)
    if redacted != plain:
        return _like(text, printable(redacted), [])
    found = [(m.start(), len(visible(m.group())) - 1) for m in UNSAFE.finditer(plain)]
    if not found:
        return text
    starts = [start for start, _grown in found]
    grown: list[int] = []  # how much longer the text is after each control character
    for _start, more in found:
        grown.append((grown[-1] if grown else 0) + more)

    def moved(index: int) -> int:
        before = bisect.bisect_left(starts, index)
        return index + (grown[before - 1] if before else 0)

    spans = [Span(moved(span.start), moved(span.end), span.style) for span in text.spans]
    return _like(text, printable(plain), spans)


def _like(text: Text, plain: str, spans: list[Any]) -> Text:
    from rich.text import Text

    return Text(
        plain,
        style=text.style,
        justify=text.justify,
        overflow=text.overflow,
        no_wrap=text.no_wrap,
        end=text.end,
        tab_size=text.tab_size,
        spans=spans,
    )


def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a message for people (click.echo), its secrets blanked and control characters shown."""
    click.echo(printable(redact(message)), err=err, nl=nl)


def echo_json(data: Any) -> None:
    echo_json_text(json.dumps(data, ensure_ascii=False, indent=2))


def echo_json_text(text: str) -> None:
    """Print a JSON document: secrets blanked; the text of strings exact, control characters in
    them escaped (``socialpost.terminal.json_safe``)."""
    click.echo(json_safe(redact(text)))


def echo_document(text: str) -> None:
    """Print a machine-read document (CI annotations, XML, SARIF) whose writer escaped what its
    format needs: secrets blanked, nothing else changed."""
    click.echo(redact(text), nl=False)


def echo_csv(text: str) -> None:
    """Print CSV, secrets blanked. The cells' text stays exact for a file or a pipe (the CSV is
    data); on a terminal, which CSV cannot protect (it has no escapes), control characters are
    shown as visible escapes."""
    text = redact(text)
    click.echo(printable(text) if to_terminal() else text, nl=False)


def to_terminal() -> bool:
    """Whether standard output is a terminal (not a file or a pipe)."""
    stream = sys.stdout
    return stream is not None and stream.isatty()


def short(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


SHOWN_PER_RULE = 5  # a 10,000-post campaign should not bury the terminal in one kind of advice


def warnings(problems: list[Problem]) -> None:
    """Each warning on one line; past a few of the same rule, a count (`--json` lists them all)."""
    counts: dict[str | None, int] = {}
    for problem in problems:
        counts[problem.rule] = counts.get(problem.rule, 0) + 1
        if counts[problem.rule] > SHOWN_PER_RULE:
            continue
        if problem.rule:
            echo(_("warning [{rule}]: {problem}").format(rule=problem.rule, problem=problem), err=True)
        else:
            echo(_("warning: {problem}").format(problem=problem), err=True)
    for rule, count in counts.items():
        if count > SHOWN_PER_RULE:
            more = count - SHOWN_PER_RULE
            echo(
                # Translators: English says "more like this" in both forms; the plural form follows {count}.
                ngettext(
                    "warning [{rule}]: … and {count} more like this (see --json).",
                    "warning [{rule}]: … and {count} more like this (see --json).",
                    more,
                ).format(rule=rule, count=integer(more)),
                err=True,
            )


def validation(result: Validation) -> None:
    """Errors and warnings on stderr (one located line each), then the lengths per post."""
    from rich.table import Table
    from rich.text import Text

    for problem in result.errors:
        echo(_("error: {problem}").format(problem=problem), err=True)
    warnings(result.warnings)
    out = console()
    if result.measures and len(result.measures) <= 60:
        table = Table(title=_("Length per post and account"), title_justify="left")
        table.add_column(_("post"))
        table.add_column(_("account"))
        table.add_column(_("length"), justify="right")
        table.add_column(_("limit"), justify="right")
        for m in result.measures:
            over = m.limit is not None and m.length > m.limit
            table.add_row(
                Text(m.id),
                # Translators: after an account in the length table, e.g. "x:cafe (not connected)".
                Text(_("{account} (not connected)").format(account=m.account))
                if m.account in result.unconnected
                else Text(m.account),
                Text(integer(m.length), style="bold red" if over else ""),
                Text(integer(m.limit) if m.limit else "—"),
            )
        out.print(table)
    if result.ok:
        accounts = len({m.account for m in result.measures})
        out.print(
            _("[green]Valid[/]: {posts} post(s) to {accounts} account(s); {advice} piece(s) of advice.").format(
                posts=integer(result.rows), accounts=accounts, advice=len(result.warnings)
            )
        )
        for line in feed_lines(result.feeds):  # a campaign of feeds alone is not "0 posts" and nothing else
            echo(line)
    else:
        count = len(result.errors)
        out.print(
            # Translators: English says "error(s)" in both forms; the plural form follows {count}.
            ngettext(
                "[red]{count} error(s)[/]: nothing can be scheduled until they are fixed.",
                "[red]{count} error(s)[/]: nothing can be scheduled until they are fixed.",
                count,
            ).format(count=count)
        )


def plan_table(plans: list[Plan], *, title: str) -> None:
    """What scheduling does to each post: a table when it fits the terminal, else a list (a post
    on a line with its times and text under it)."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from socialpost.store.models import display_id

    headings = [_("action"), _("campaign"), _("post"), _("account"), _("local time"), "UTC", _("text")]
    rows: list[list[Text]] = []
    texts: list[Text] = []  # for the list: a longer beginning of the text, wrapped
    threads: list[list[Text]] = []
    zones = _campaign_zones(plans)
    for plan in plans:
        for item in plan.items:
            texts.append(Text(short(item.text, PLAN_LIST_TEXT)))
            rows.append(
                [
                    # a post that went out (or may have) says so: its row's text is the file's, not what went out
                    Text(_action_text(item), style=ACTION_STYLE[item.action]),
                    Text(item.campaign),
                    Text(display_id(item.post_id, item.occurrence)),
                    Text(item.account),
                    Text(plan_when(item, zones)),
                    Text(_when(item.due_at.isoformat()).removesuffix(" +00:00")),
                    Text(short(item.text)),
                ]
            )
            parts = item.planned.parts[1:] if item.planned is not None else []
            threads.append(
                [
                    Text.assemble((f"↳ {number}/{len(parts) + 1}", "dim"), " ", short(part))
                    for number, part in enumerate(parts, 2)
                ]
                + ([Text(f"⏲ {slot_reason(item.slot)}", style="dim")] if item.slot else [])
            )
    out = console()
    if table_width(headings, rows, widest={6: PLAN_TEXT_WIDTH}) <= out.width:
        table = Table(title=title, title_justify="left", show_lines=False)
        for column in headings[:-1]:
            table.add_column(column, no_wrap=True)
        table.add_column(headings[-1], no_wrap=True, overflow="ellipsis", max_width=PLAN_TEXT_WIDTH)
        for row, thread in zip(rows, threads, strict=True):
            table.add_row(*row)
            for part in thread:
                table.add_row("", "", "", "", "", "", part)
        out.print(table)
    else:
        lines: list[RenderableType] = [Text(title, style="bold")]
        for (action, campaign, post, account, local, utc, _cut), text, thread in zip(rows, texts, threads, strict=True):
            lines.append(Text.assemble(action, " · ", campaign, " / ", (post.plain, "bold"), " · ", account))
            when = Text.assemble(local, " (", utc, " UTC)") if utc.plain else local
            lines += [Padding(line, (0, 0, 0, 4), expand=False) for line in (when, text, *thread)]
        out.print(Group(*lines))
    out.print(plan_totals(plans))


def feed_lines(feeds: list[ScheduledFeed]) -> list[str]:
    """Under a plan: each feed the campaigns record, where its entries go, how often it is read
    and from when (docs/feeds.md)."""
    lines = []
    for feed in feeds:
        if feed.since is not None:
            since = _("posts entries newer than {since}").format(since=feed.since)
        else:
            since = _("posts entries published after it was first scheduled")
        how = _("each in the next free slot of the queue") if feed.queue else _("each as soon as it is read")
        lines.append(
            _("feed {url} → {accounts}, read every {every}, {since}, {how} ({campaign}).").format(
                url=feed.url,
                accounts=", ".join(feed.accounts),
                every=format_duration(feed.every),
                since=since,
                how=how,
                campaign=feed.campaign,
            )
        )
    return lines


def slot_reason(slot: dict[str, str | None]) -> str:
    """Why a queued post has its time, in words (the plan's "slot" in JSON)."""
    if slot["why"] == "kept":
        return _("kept its slot")
    if slot["why"] == "taken":
        return _("slot taken by {campaign} → next").format(campaign=slot["taken_by"])
    return _("next free slot")


def _campaign_zones(plans: list[Plan]) -> dict[str, tzinfo]:
    """Each campaign's zone, from its rows the file still has (a removed row knows only its offset)."""
    zones: dict[str, tzinfo] = {}
    for plan in plans:
        for item in plan.items:
            where = item.planned.local_time.tzinfo if item.planned is not None else None
            if where is not None:
                zones.setdefault(item.campaign, where)
    return zones


def plan_when(item: PlanItem, zones: dict[str, tzinfo]) -> str:
    """A plan line's local time with its zone named as `status` names it (``2027-03-02 09:00 EST``),
    in the campaign's zone; the bare offset only when the campaign's zone is not known."""
    where = item.planned.local_time.tzinfo if item.planned is not None else zones.get(item.campaign)
    if where is None:
        return _when(item.local_time)
    return local_text(item.due_at, where)


def plan_totals(plans: list[Plan]) -> str:
    """The plan's last line: how many posts each action touches."""
    totals = {a: sum(p.count(a) for p in plans) for a in ("create", "update", "cancel", "unchanged")}
    lines = [_("{create} to create, {update} to update, {cancel} to cancel, {unchanged} unchanged.").format(**totals)]
    held = sorted({item.account for p in plans for item in p.items if item.waits_for_account})
    if held:
        count = sum(1 for p in plans for item in p.items if item.waits_for_account)
        lines.append(
            # Translators: English says "post(s)" in both forms; the plural form follows {count}.
            ngettext(
                "{count} post(s) held until their account is connected ({accounts}): they go back in the queue "
                "once it is (socialpost accounts add NETWORK NAME).",
                "{count} post(s) held until their account is connected ({accounts}): they go back in the queue "
                "once it is (socialpost accounts add NETWORK NAME).",
                count,
            ).format(count=integer(count), accounts=", ".join(held))
        )
    return "\n".join(lines)


def _action_text(item: PlanItem) -> str:
    """The action, and what keeps the post from going out as planned when something does."""
    if item.status in GONE_OUT:
        return f"{item.action} ({queue_state(item.status)})"
    if item.kept_cancelled:
        return _("{action} (cancelled by you)").format(action=item.action)
    if item.paused_by:
        return _("{action} (paused)").format(action=item.action)
    if item.waits_for_account and item.action != "hold":
        return _("{action} (held: account not connected)").format(action=item.action)
    return item.action


PLAN_TEXT_WIDTH = 50
GONE_OUT = ("sending", "sent", "unknown")  # socialpost.store.sync_plan.FROZEN: an edit of these is not re-sent
PLAN_LIST_TEXT = 160


def table_width(headings: list[str], rows: list[list[Text]], *, widest: dict[int, int] | None = None) -> int:
    """A rich table's width with no cell wrapped (the default table: a space either side of each
    cell, a line between columns and at both ends); ``widest``: columns cut at a width."""
    from rich.cells import cell_len

    widths = [cell_len(heading) for heading in headings]
    for row in rows:
        for index, cell in enumerate(row):
            if cell.cell_len > widths[index]:
                widths[index] = cell.cell_len
    for index, most in (widest or {}).items():
        widths[index] = min(widths[index], most)
    return sum(widths) + 3 * len(widths) + 1


def _when(iso: str) -> str:
    """``2026-03-02T09:00:00-05:00`` → ``2026-03-02 09:00 -05:00`` (seconds only when not :00).

    The time of day is written the language's way (``09 h 00`` in French); the offset stays as is.
    """
    stamp = iso[:19].replace("T", " ")
    offset = iso[19:][-6:] if len(iso) > 19 and iso[-6] in "+-" else ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:  # not a time we can read: show it as stored
        moment = None
    if moment is not None and len(stamp) == 19:
        stamp = datetime_text(moment, seconds=moment.second != 0)
    elif stamp.endswith(":00"):
        stamp = stamp[:16]
    return f"{stamp} {offset}".strip()


def status_needs(summary: StatusSummary) -> None:
    """The top of ``status``: what needs the user (posts that failed, are unknown or held, and posts
    due with no daemon to send them), before anything else."""
    from rich.text import Text

    out = console()
    if summary.problems:
        from rich.table import Table

        table = Table(title=_("Needs a look"), title_justify="left")
        for column in (_("state"), _("campaign"), _("post"), _("account"), _("why and what to do")):
            table.add_column(column, overflow="fold")
        for line in summary.problems:
            table.add_row(
                Text(line.status, style=STATUS_STYLE[line.status]),
                Text(line.campaign),
                Text(line.id),
                Text(line.account),
                Text(line.reason or ""),
            )
        out.print(table)
    if summary.noted:
        from rich.table import Table

        table = Table(title=_("Sent, with something left to do"), title_justify="left")
        for column in (_("campaign"), _("post"), _("account"), _("what to do")):
            table.add_column(column, overflow="fold")
        for line in summary.noted:
            table.add_row(Text(line.campaign), Text(line.id), Text(line.account), Text(line.reason or ""))
        out.print(table)
    if summary.needs_attention:
        out.print(_("[bold red]Some posts need your attention[/] (see 'socialpost status --json' for details)."))
    if summary.due_without_daemon:
        out.print(
            ngettext(
                "[bold red]No daemon is running and {count} post is due:[/] it will not go out until you start "
                "'socialpost daemon' (or its service, see docs/deployment.md).",
                "[bold red]No daemon is running and {count} posts are due:[/] they will not go out until you start "
                "'socialpost daemon' (or its service, see docs/deployment.md).",
                summary.due,
            ).format(count=integer(summary.due))
        )


def status_view(summary: StatusSummary, paused: Collection[tuple[str, str]] = ()) -> None:
    """The rest of ``status``: counts by state, the daemons, then the upcoming posts; a post held by
    a pause (``paused``: its (kind, target) pairs) says so in its state."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    out = console()
    counts = "  ".join(
        f"[{STATUS_STYLE[s]}]{s}[/] {n}" for s, n in summary.counts.items() if n or s in ("pending", "sent")
    )
    out.print(_("[bold]Posts[/]  {counts}").format(counts=counts))
    alive = [d for d in summary.daemons if d.alive]
    if alive:
        daemons = ", ".join(_("{daemon} (alive)").format(daemon=escape(d.id)) for d in alive)
        out.print(_("[bold]Daemons[/]  {daemons}").format(daemons=daemons))
    elif summary.upcoming and not summary.due_without_daemon:
        out.print(
            _("[yellow]No daemon is running: pending posts will not go out until you start 'socialpost daemon'.[/]")
        )
    if summary.upcoming:
        table = Table(title=_("Upcoming"), title_justify="left")
        table.add_column(_("when (local)"))
        # names are folded, not cut with '…': occurrences of one post differ only at the end of their id
        table.add_column(_("campaign"), overflow="fold")
        ids = [line.id for line in summary.upcoming]
        table.add_column(_("post"), overflow="fold", width=_id_width(ids, _("post"), out.width))
        table.add_column(_("account"), overflow="fold")
        table.add_column(_("state"))
        for line in summary.upcoming:
            held = ("campaign", line.campaign) in paused or ("account", line.account) in paused
            state = Text(line.status, style=STATUS_STYLE[line.status])
            if held:
                state.append(" " + _("(paused)"), style="yellow")
            table.add_row(Text(line.when_text), Text(line.campaign), Text(line.id), Text(line.account), state)
        out.print(table)
        if summary.more_upcoming:
            out.print(Text(_more_upcoming(summary.more_upcoming)))


def queue_view(result: Queues) -> None:
    """`socialpost queue`: each account's next slots, filled (campaign/post, state) or free, then
    the campaigns whose queue could not be read."""
    from rich.table import Table
    from rich.text import Text

    out = console()
    if not result.accounts:
        out.print(_("No queue: no scheduled campaign has a 'queue:' of time slots."))
    for account in result.accounts:
        title = _("{account} — queue of {campaigns}").format(
            account=account.account, campaigns=", ".join(account.campaigns) or "—"
        )
        table = Table(title=title, title_justify="left")
        table.add_column(_("local time"), no_wrap=True)
        table.add_column("UTC", no_wrap=True)
        table.add_column(_("post"), overflow="fold")
        table.add_column(_("state"))
        for slot in account.slots:
            local = _when(slot.local_time.isoformat())
            utc = _when(slot.due_at.isoformat()).removesuffix(" +00:00")
            for post in slot.posts:
                state = Text(post.state, style=STATUS_STYLE.get(post.state, ""))
                table.add_row(local, utc, Text(f"{post.campaign}/{post.post_id}"), state)
            for _free in range(slot.free):
                table.add_row(local, utc, Text(_("(free)"), style="green"), "")
        if not account.slots:
            table.add_row("", "", Text(_("(no slot: no campaign file with a queue names this account)")), "")
        out.print(table)
    for unread in result.unread:
        if unread.gone:
            message = _(
                "campaign {campaign}: its file {file} is gone, so its queue is not shown (the posts it queued keep "
                "their times). Fix: run this command from the folder you scheduled it from, or schedule its file again."
            )
        else:
            message = _(
                "campaign {campaign}: its file {file} has errors, so its queue is not shown. Fix: run socialpost "
                "validate {file}."
            )
        echo(message.format(campaign=unread.campaign, file=unread.file), err=True)


def _id_width(ids: list[str], heading: str, terminal: int) -> int:
    """The post column's width: its longest id, so that the other columns wrap first (a time wraps
    at its spaces; an id folded mid-way is hard to read), but at most a third of the terminal."""
    from rich.cells import cell_len

    longest = max([cell_len(heading), *(cell_len(i) for i in ids)])
    return min(longest, max(12, terminal // 3))


def _more_upcoming(count: int) -> str:
    """The line under the upcoming table when it does not list every waiting post."""
    return ngettext(
        "… and {count} more waiting post. 'socialpost report' lists every post (--campaign NAME for one campaign).",
        "… and {count} more waiting posts. 'socialpost report' lists every post (--campaign NAME for one campaign).",
        count,
    ).format(count=integer(count))
