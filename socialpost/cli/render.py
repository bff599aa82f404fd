"""Rendering for people (rich tables) and machines (JSON). Nothing here touches the store."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    from socialpost.errors import Problem
    from socialpost.report.posts import CampaignReport
    from socialpost.report.status import StatusSummary
    from socialpost.scheduling import Validation
    from socialpost.store.sync import Plan

ACTION_STYLE = {"create": "green", "update": "yellow", "cancel": "red", "unchanged": "dim"}
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
    from rich.console import Console

    out = Console(stderr=err, highlight=False, soft_wrap=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out.width = 140  # piped or captured (make, CI): do not squeeze tables into 80 columns
    return out


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


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
        label = f" [{problem.rule}]" if problem.rule else ""
        click.echo(f"warning{label}: {problem}", err=True)
    for rule, count in counts.items():
        if count > SHOWN_PER_RULE:
            click.echo(f"warning [{rule}]: … and {count - SHOWN_PER_RULE:,} more like this (see --json).", err=True)


def validation(result: Validation) -> None:
    """Errors and warnings on stderr (one located line each), then the lengths per post."""
    from rich.table import Table

    for problem in result.errors:
        click.echo(f"error: {problem}", err=True)
    warnings(result.warnings)
    out = console()
    if result.measures and len(result.measures) <= 60:
        table = Table(title="Length per post and account", title_justify="left")
        for column in ("post", "account", "length", "limit"):
            table.add_column(column, justify="right" if column in ("length", "limit") else "left")
        for m in result.measures:
            over = m.limit is not None and m.length > m.limit
            length = f"[bold red]{m.length:,}[/]" if over else f"{m.length:,}"
            table.add_row(m.id, m.account, length, f"{m.limit:,}" if m.limit else "—")
        out.print(table)
    if result.ok:
        accounts = len({m.account for m in result.measures})
        out.print(
            f"[green]Valid[/]: {result.rows:,} post(s) to {accounts} account(s); "
            f"{len(result.warnings)} piece(s) of advice."
        )
    else:
        out.print(f"[red]{len(result.errors)} error(s)[/]: nothing can be scheduled until they are fixed.")


def plan_table(plans: list[Plan], *, title: str) -> None:
    from rich.table import Table

    from socialpost.store.models import display_id

    table = Table(title=title, title_justify="left", show_lines=False)
    for column in ("action", "campaign", "post", "account", "local time", "UTC"):
        table.add_column(column, no_wrap=True)
    table.add_column("text", no_wrap=True, overflow="ellipsis", max_width=50)
    for plan in plans:
        for item in plan.items:
            style = ACTION_STYLE[item.action]
            table.add_row(
                f"[{style}]{item.action}[/]",
                item.campaign,
                display_id(item.post_id, item.occurrence),
                item.account,
                _when(item.local_time),
                _when(item.due_at.isoformat()).removesuffix(" +00:00"),
                short(item.text),
            )
            thread = item.planned.parts[1:] if item.planned is not None else []
            for number, part in enumerate(thread, 2):
                table.add_row("", "", "", "", "", "", f"[dim]↳ {number}/{len(thread) + 1}[/] {short(part)}")
    out = console()
    out.print(table)
    totals = {a: sum(p.count(a) for p in plans) for a in ("create", "update", "cancel", "unchanged")}
    out.print(
        f"{totals['create']} to create, {totals['update']} to update, {totals['cancel']} to cancel, "
        f"{totals['unchanged']} unchanged."
    )


def _when(iso: str) -> str:
    """``2026-03-02T09:00:00-05:00`` → ``2026-03-02 09:00 -05:00`` (seconds only when not :00)."""
    stamp = iso[:19].replace("T", " ")
    if stamp.endswith(":00"):
        stamp = stamp[:16]
    offset = iso[19:][-6:] if len(iso) > 19 and iso[-6] in "+-" else ""
    return f"{stamp} {offset}".strip()


def status_view(summary: StatusSummary) -> None:
    from rich.table import Table

    out = console()
    counts = "  ".join(
        f"[{STATUS_STYLE[s]}]{s}[/] {n}" for s, n in summary.counts.items() if n or s in ("pending", "sent")
    )
    out.print(f"[bold]Posts[/]  {counts}")
    alive = [d for d in summary.daemons if d.alive]
    if alive:
        out.print("[bold]Daemons[/]  " + ", ".join(f"{d.id} (alive)" for d in alive))
    elif summary.upcoming:
        out.print("[yellow]No daemon is running: pending posts will not go out until you start 'socialpost daemon'.[/]")
    if summary.upcoming:
        table = Table(title="Upcoming", title_justify="left")
        for column in ("when (local)", "campaign", "post", "account", "state"):
            table.add_column(column)
        for line in summary.upcoming:
            table.add_row(
                _when(line.local_time),
                line.campaign,
                line.id,
                line.account,
                f"[{STATUS_STYLE[line.status]}]{line.status}[/]",
            )
        out.print(table)
    if summary.problems:
        table = Table(title="Needs a look", title_justify="left")
        for column in ("state", "campaign", "post", "account", "why and what to do"):
            table.add_column(column, overflow="fold")
        for line in summary.problems:
            table.add_row(
                f"[{STATUS_STYLE[line.status]}]{line.status}[/]",
                line.campaign,
                line.id,
                line.account,
                line.reason or "",
            )
        out.print(table)
    if summary.needs_attention:
        out.print("[bold red]Some posts need your attention[/] (see 'socialpost status --json' for details).")


def report_view(reports: list[CampaignReport]) -> None:
    from rich.table import Table

    out = console()
    if not reports:
        out.print("No campaigns yet. Schedule one with 'socialpost schedule FILE'.")
        return
    for report in reports:
        metrics = sorted({m for p in report.posts if p.engagement for m in p.engagement.metrics})
        sent = report.count("sent")
        table = Table(title=f"{report.campaign} — {sent} of {len(report.posts)} sent", title_justify="left")
        for column in ("post", "account", "state", "sent (UTC)", "where", *metrics):
            table.add_column(column, overflow="fold")
        for post in report.posts:
            values = []
            for metric in metrics:
                value = post.engagement.metrics.get(metric) if post.engagement else None
                values.append("n/a" if value is None else str(value))
            where = post.url or (short(post.reason, 50) if post.reason else "")
            table.add_row(
                post.id,
                post.account,
                f"[{STATUS_STYLE[post.status]}]{post.status}[/]",
                post.sent_at.strftime("%Y-%m-%d %H:%M:%S") if post.sent_at else "",
                where,
                *values,
            )
        out.print(table)
        flagged = [p for p in report.posts if p.status in ("failed", "missed", "unknown", "held")]
        if flagged:
            out.print(f"[red]{len(flagged)} post(s) did not go out as planned[/] — see 'socialpost status'.")
