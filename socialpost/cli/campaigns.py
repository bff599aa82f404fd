"""validate, plan, schedule: from campaign files to the queue."""

from __future__ import annotations

from pathlib import Path

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import allow_past_option, campaign_files, json_option
from socialpost.cli.translated import Command
from socialpost.errors import ExitCode
from socialpost.i18n import _

replace_option = click.option(
    "--replace",
    is_flag=True,
    help="Let a FILE take over a campaign of the same name scheduled from another file: the posts of that "
    "file that this one does not have are cancelled.",
)


@click.command(cls=Command)
@campaign_files
@json_option
@allow_past_option
@replace_option
@pass_app
def validate(app: AppContext, files: tuple[str, ...], json_: bool, allow_past: bool, replace: bool) -> None:
    """Check campaign FILEs completely, judging them as 'plan' and 'schedule' do; changes nothing.

    Shows every error (with file:line:column and the fix), writing advice as warnings (each with a
    rule id you can silence with quiet: [rule]), and each post's length on each network against
    its limit, also for accounts not connected yet (a warning says how to connect them). Reads
    the queue when this machine has one: posts that already went out are not errors. Exit status
    0 when every file is valid, 2 when not.
    """
    from socialpost.scheduling import validate as run

    now = app.clock()
    paths = [Path(f) for f in files]
    result = run(paths, app.settings, now=now, allow_past=allow_past, replace=replace, store=app.existing_store())
    if json_:
        render.echo_json(
            {
                "ok": result.ok,
                "errors": [
                    {"file": p.file, "line": p.line, "column": p.column, "message": p.message} for p in result.errors
                ],
                "warnings": [
                    {"file": p.file, "line": p.line, "column": p.column, "rule": p.rule, "message": p.message}
                    for p in result.warnings
                ],
                "posts": [m.as_json() for m in result.measures],
            }
        )
    else:
        render.validation(result)
    if not result.ok:
        click.get_current_context().exit(ExitCode.BAD_INPUT)


@click.command(cls=Command)
@campaign_files
@json_option
@allow_past_option
@replace_option
@click.option(
    "--full",
    is_flag=True,
    help="Print each post in full, exactly as it will be sent (as 'socialpost show' does): every part with "
    "its length against the limit, media with alt text.",
)
@pass_app
def plan(app: AppContext, files: tuple[str, ...], json_: bool, allow_past: bool, replace: bool, full: bool) -> None:
    """Show what 'schedule' would do with campaign FILEs, changing nothing.

    Each post is shown once per account with its action: create, update, cancel or unchanged.
    """
    _plan_or_schedule(app, files, json_=json_, allow_past=allow_past, replace=replace, apply=False, full=full)


@click.command(cls=Command)
@campaign_files
@json_option
@allow_past_option
@replace_option
@click.option("--follow", is_flag=True, help="Also run the daemon here until every post of these campaigns is done.")
@pass_app
def schedule(
    app: AppContext, files: tuple[str, ...], json_: bool, allow_past: bool, replace: bool, follow: bool
) -> None:
    """Validate campaign FILEs and queue their posts.

    Safe to run again: unchanged posts stay as they are, edited ones are updated, removed ones are
    cancelled, and a post that already went out is never sent again (a warning says so).
    """
    names = _plan_or_schedule(app, files, json_=json_, allow_past=allow_past, replace=replace, apply=True)
    if follow:
        from socialpost.cli.daemon import run_daemon

        run_daemon(app, names=names)


def _plan_or_schedule(
    app: AppContext,
    files: tuple[str, ...],
    *,
    json_: bool,
    allow_past: bool,
    replace: bool,
    apply: bool,
    full: bool = False,
) -> list[str]:
    """Shared by plan and schedule: judge (as validate does), plan (and apply), render. Returns the
    campaign names."""
    from socialpost import scheduling

    now = app.clock()
    drafted = scheduling.draft([Path(f) for f in files], app.settings, now=now)
    result = scheduling.run(app.store, drafted, now=now, allow_past=allow_past, replace=replace, apply=apply)
    plans = result.plans
    if full:
        from socialpost.cli.show import full_plan

        full_plan(app, plans, json_=json_, title=_("Plan (nothing changed)"))
    elif json_:
        render.echo_json({"posts": [item.as_json() for p in plans for item in p.items]})
    else:
        from socialpost.cli.pauses import plan_notes

        render.plan_table(plans, title=_("Scheduled") if apply else _("Plan (nothing changed)"))
        plan_notes(plans)
    render.warnings(result.warnings)
    if not json_:
        _best_time_hints(app, sorted({item.account for p in plans for item in p.items}))
    return [item.name for item in drafted.prepared]


def _best_time_hints(app: AppContext, accounts: list[str]) -> None:
    """From each account's own history: the hours of the week that worked best (once there is enough)."""
    from socialpost.report.besttimes import best_times

    for account in accounts:
        advice = best_times(app.store, account)
        if advice.advice:
            render.echo(_("hint: {advice}").format(advice=advice.describe()), err=True)
