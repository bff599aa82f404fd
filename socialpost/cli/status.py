"""The status command."""

from __future__ import annotations

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command
from socialpost.errors import ExitCode


@click.command(cls=Command)
@json_option
@click.option("--campaign", metavar="NAME", help="Only this campaign.")
@pass_app
def status(app: AppContext, json_: bool, campaign: str | None) -> None:
    """Show the queue: what is paused, counts by state, upcoming posts, and posts that need you.

    Exit status 3 when a post failed, is held, or its outcome is unknown.
    """
    from socialpost.report.status import status_summary
    from socialpost.store.pauses import listing

    now = app.clock()
    summary = status_summary(app.store, now=now, campaign=campaign)
    paused = listing(app.store, now=now, campaign=campaign)
    if json_:
        render.echo_json({**summary.as_json(), "paused": [p.as_json() for p in paused]})
    else:
        from socialpost.cli.pauses import show_paused

        show_paused(paused)  # at the top: it explains why waiting posts do not go out
        render.status_view(summary)
    if summary.needs_attention:
        click.get_current_context().exit(ExitCode.ATTENTION)
