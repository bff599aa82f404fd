"""The status command."""

from __future__ import annotations

import click

from socialpost.cli import render
from socialpost.cli.completion import complete_campaigns
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command
from socialpost.errors import ExitCode


@click.command(cls=Command)
@json_option
@click.option("--campaign", metavar="NAME", help="Only this campaign.", shell_complete=complete_campaigns)
@pass_app
def status(app: AppContext, json_: bool, campaign: str | None) -> None:
    """Show the queue: first what needs you (posts that failed, are held or unknown, pauses, posts
    due with no daemon running), then counts by state and the upcoming posts.

    Exit status 3 when a post failed, is held, or its outcome is unknown, or when posts are due and
    no daemon is running to send them.
    """
    from socialpost.report.status import status_summary
    from socialpost.store.feeds import problems as feed_problems
    from socialpost.store.pauses import listing

    app.reader_zone_ready()
    now = app.clock()
    summary = status_summary(app.store, now=now, campaign=campaign)
    paused = listing(app.store, now=now, campaign=campaign)
    unread = feed_problems(app.store, campaign=campaign)
    if json_:
        render.echo_json(
            {**summary.as_json(), "paused": [p.as_json() for p in paused], "feeds": [f.as_json() for f in unread]}
        )
    else:
        from socialpost.cli.feeds import show_feed_problems
        from socialpost.cli.pauses import show_paused

        render.status_needs(summary)  # what needs the user first
        show_feed_problems(unread)  # feeds that cannot be read (posting goes on)
        show_paused(paused)  # it explains why waiting posts do not go out
        render.status_view(summary, {(p.target.kind, p.target.name) for p in paused})
    if summary.needs_attention or summary.due_without_daemon:
        click.get_current_context().exit(ExitCode.ATTENTION)
