"""The report command."""

from __future__ import annotations

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option


@click.command()
@json_option
@click.option("--campaign", metavar="NAME", help="Only this campaign.")
@pass_app
def report(app: AppContext, json_: bool, campaign: str | None) -> None:
    """Show how each post did: its state, when it went out, where, and its engagement."""
    from socialpost.report.posts import campaign_reports

    reports = campaign_reports(app.store, campaign=campaign)
    if json_:
        render.echo_json({"campaigns": [r.as_json() for r in reports]})
    else:
        render.report_view(reports)
