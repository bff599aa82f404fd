"""The collect command: read engagement metrics now."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from socialpost.cli import render
from socialpost.cli.completion import complete_accounts, complete_campaigns
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command
from socialpost.i18n import _, ngettext

if TYPE_CHECKING:
    from rich.console import JustifyMethod

    from socialpost.engagement.collect import Collector, CollectResult


@click.command(cls=Command)
@json_option
@click.option("--campaign", metavar="NAME", help="Only the posts of this campaign.", shell_complete=complete_campaigns)
@click.option(
    "--account", metavar="NETWORK:NAME", help="Only the posts of this account.", shell_complete=complete_accounts
)
@click.option(
    "--all",
    "all_",
    is_flag=True,
    help="Every sent post, also those past the last snapshot age (default: posts of the last 30 days and any due).",
)
@pass_app
def collect(app: AppContext, json_: bool, campaign: str | None, account: str | None, all_: bool) -> None:
    """Read the engagement of sent posts now (the daemon also does it at fixed ages after posting).

    Reads are batched per account, stay within each account's daily read budget (config:
    engagement.reads_per_day) and stop for an account that is rate limited. A metric a network does
    not give is shown as "n/a", never 0.
    """
    from socialpost.engagement.collect import Collector
    from socialpost.errors import AttentionNeeded
    from socialpost.settings.engagement import engagement_settings
    from socialpost.wiring import Adapters

    app.setup_logging()
    if account is not None:
        from socialpost.accounts import check_filter

        check_filter(app.settings, account, app.store)
    adapters = Adapters(app.settings, clock=app.clock)
    collector = Collector(app.store, adapters, engagement_settings(app.settings), clock=app.clock)
    mode = "all" if all_ else "recent"
    try:
        if json_:
            result = collector.collect(mode=mode, campaign=campaign, account=account)
        else:
            result = _with_progress(collector, mode=mode, campaign=campaign, account=account)
    finally:
        adapters.close()
    if json_:
        render.echo_json(result.as_json())
    else:
        _summary(result)
    if result.errors:
        count = len(result.errors)
        raise AttentionNeeded(
            # Translators: English keeps "account(s)" in both forms; the plural form follows {count}.
            ngettext(
                "{count} account(s) could not be read completely; the daemon (or 'socialpost collect' later) "
                "reads the rest.",
                "{count} account(s) could not be read completely; the daemon (or 'socialpost collect' later) "
                "reads the rest.",
                count,
            ).format(count=count)
        )


def _with_progress(collector: Collector, *, mode: str, campaign: str | None, account: str | None) -> CollectResult:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("[bold]" + _("reading metrics") + "[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=render.console(err=True),
        transient=True,
    )
    task = bar.add_task("", total=None)

    def progress(done: int, total: int, account: str) -> None:
        bar.update(task, completed=done, total=total, description=account)

    with bar:
        return collector.collect(mode=mode, campaign=campaign, account=account, progress=progress)


def _summary(result: CollectResult) -> None:
    from rich.table import Table
    from rich.text import Text

    from socialpost.i18n.formats import datetime_text

    out = render.console()
    if not result.accounts:
        out.print(_("Nothing to read: no sent post is waiting for its engagement."))
        return
    title = ngettext(
        "Engagement read for {count} post(s)", "Engagement read for {count} post(s)", result.collected
    ).format(count=result.collected)
    table = Table(title=title, title_justify="left")
    columns: list[tuple[str, JustifyMethod]] = [
        (_("account"), "left"),
        (_("read"), "right"),
        (_("no metrics"), "right"),
        (_("over budget"), "right"),
        (_("left"), "right"),
        (_("note"), "left"),
    ]
    for heading, justify in columns:
        table.add_column(heading, justify=justify)
    for item in result.accounts:
        note = ""
        if item.paused_until is not None:
            note = _("paused until {when} UTC: {error}").format(when=datetime_text(item.paused_until), error=item.error)
        elif item.error:
            note = item.error
        elif item.note:
            note = item.note
        table.add_row(  # a network's words are shown as they are, never read as markup
            Text(item.account),
            str(item.collected),
            str(item.unavailable),
            str(item.over_budget),
            str(item.left),
            Text(render.short(note, 90)),
        )
    out.print(table)
