"""validate, plan, schedule: from campaign files to the queue."""

from __future__ import annotations

from pathlib import Path

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import allow_past_option, campaign_files, json_option
from socialpost.errors import CampaignError, ExitCode


@click.command()
@campaign_files
@json_option
@pass_app
def validate(app: AppContext, files: tuple[str, ...], json_: bool) -> None:
    """Check campaign FILEs without touching the queue.

    Exit status 0 when every file is valid, 2 when not.
    """
    from socialpost.networks.registry import load
    from socialpost.scheduling import prepare

    errors: list[dict[str, object]] = []
    posts: list[dict[str, object]] = []
    try:
        prepared = prepare([Path(f) for f in files], app.settings)
    except CampaignError as exc:
        prepared = []
        errors = [{"file": p.file, "line": p.line, "column": p.column, "message": p.message} for p in exc.problems]
        if not json_:
            raise
    for item in prepared:
        for row in item.rows:
            limit = load(row.network).max_length
            posts.append(
                {
                    "id": row.post_id,
                    "account": row.account,
                    "network": row.network,
                    "length": len(str(row.payload["text"])),
                    "limit": limit,
                }
            )
    if json_:
        render.echo_json({"ok": not errors, "errors": errors, "warnings": [], "posts": posts})
        if errors:
            click.get_current_context().exit(ExitCode.BAD_INPUT)
        return
    count = sum(len(item.rows) for item in prepared)
    click.echo(f"{len(files)} file(s) valid: {count} post(s) to {len({p['account'] for p in posts})} account(s).")


@click.command()
@campaign_files
@json_option
@allow_past_option
@pass_app
def plan(app: AppContext, files: tuple[str, ...], json_: bool, allow_past: bool) -> None:
    """Show what 'schedule' would do with campaign FILEs, changing nothing.

    Each post is shown once per account with its action: create, update, cancel or unchanged.
    """
    _plan_or_schedule(app, files, json_=json_, allow_past=allow_past, apply=False)


@click.command()
@campaign_files
@json_option
@allow_past_option
@click.option("--follow", is_flag=True, help="Also run the daemon here until every post of these campaigns is done.")
@pass_app
def schedule(app: AppContext, files: tuple[str, ...], json_: bool, allow_past: bool, follow: bool) -> None:
    """Validate campaign FILEs and queue their posts.

    Safe to run again: unchanged posts stay as they are, edited ones are updated, removed ones are
    cancelled, and a post that already went out is never sent again (a warning says so).
    """
    names = _plan_or_schedule(app, files, json_=json_, allow_past=allow_past, apply=True)
    if follow:
        from socialpost.cli.daemon import run_daemon

        run_daemon(app, names=names)


def _plan_or_schedule(
    app: AppContext, files: tuple[str, ...], *, json_: bool, allow_past: bool, apply: bool
) -> list[str]:
    """Shared by plan and schedule: prepare, plan (and apply), render. Returns the campaign names."""
    from socialpost import scheduling

    prepared = scheduling.prepare([Path(f) for f in files], app.settings)
    run = scheduling.schedule if apply else scheduling.plan
    plans = run(app.store, prepared, now=app.clock(), allow_past=allow_past)
    if json_:
        render.echo_json({"posts": [item.as_json() for p in plans for item in p.items]})
    else:
        render.plan_table(plans, title="Scheduled" if apply else "Plan (nothing changed)")
    render.warnings([w for p in plans for w in p.warnings])
    return [item.name for item in prepared]
