"""validate, plan, schedule: from campaign files to the queue."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import allow_past_option, campaign_files, config_here_option, json_option
from socialpost.cli.translated import Command
from socialpost.errors import ExitCode
from socialpost.i18n import _

if TYPE_CHECKING:
    from socialpost.scheduling import Validation

replace_option = click.option(
    "--replace",
    is_flag=True,
    help="Let a FILE take over a campaign of the same name scheduled from another file: the posts of that "
    "file that this one does not have are cancelled.",
)


no_credentials_option = click.option(
    "--no-credentials",
    is_flag=True,
    help="Judge accounts by the config file alone, as a git hook or a CI job without secrets must: an account "
    "the config lists counts as connected and is measured against its network's limits; the secrets file and "
    "${ENV} variables are not read.",
)


@click.command(cls=Command)
@campaign_files
@json_option
@click.option(
    "--format",
    "format_",
    type=click.Choice(["text", "json", "github", "junit", "sarif"]),
    default=None,
    help="Output: text (default), json (as --json), github (GitHub Actions annotations: ::error and ::warning "
    "lines), junit (JUnit XML, for GitLab merge requests) or sarif (SARIF 2.1.0, for code scanning).",
)
@allow_past_option
@replace_option
@no_credentials_option
@click.option(
    "--against",
    metavar="REV",
    help="Judge the FILEs as a change since git revision REV rather than against this machine's queue (a git "
    "hook: HEAD; CI: the pull request's base): a post the change does not touch is not new, even if its time "
    "has passed. A..B and A...B as for 'plan --against'.",
)
@config_here_option
@pass_app
def validate(
    app: AppContext,
    files: tuple[str, ...],
    json_: bool,
    format_: str | None,
    allow_past: bool,
    replace: bool,
    no_credentials: bool,
    against: str | None,
) -> None:
    """Check campaign FILEs completely, judging them as 'plan' and 'schedule' do; changes nothing.

    Shows every error (with file:line:column and the fix), writing advice as warnings (each with a
    rule id you can silence with quiet: [rule]), and each post's length on each network against
    its limit, also for accounts not connected yet (a warning says how to connect them). Reads
    the queue when this machine has one: posts that already went out are not errors. Exit status
    0 when every file is valid, 2 when not, whatever the format.
    """
    from socialpost.scheduling import validate as run

    if json_ and format_ not in (None, "json"):
        raise click.UsageError(
            _("--json and --format {format} are two different outputs: choose one.").format(format=format_)
        )
    now = app.clock()
    paths = [Path(f) for f in files]
    if against is not None:
        from socialpost.review import plan_against

        result = plan_against(
            paths, app.settings, against, now=now, allow_past=allow_past, credentials=not no_credentials
        ).validation
    else:
        result = run(
            paths,
            app.settings,
            now=now,
            allow_past=allow_past,
            replace=replace,
            store=app.existing_store(),
            credentials=not no_credentials,
        )
    if format_ in ("github", "junit", "sarif"):
        from socialpost.cli import ci_output

        if format_ == "github":
            text = ci_output.github(result.errors, result.warnings)
        elif format_ == "junit":
            text = ci_output.junit(files, result.errors, result.warnings)
        else:
            text = ci_output.sarif(result.errors, result.warnings)
        render.echo_document(text)
    elif json_ or format_ == "json":
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
@click.option(
    "--against",
    metavar="REV",
    help="Plan the change since git revision REV instead of against the queue: what the difference between REV "
    "and the working tree (A..B: between A and B; A...B: what B changed since it left A, as a pull request) does "
    "to the queue once scheduled. Computed from the two versions of the FILEs alone: no queue, no credentials.",
)
@click.option(
    "--empty-queue",
    is_flag=True,
    help="Plan against an empty queue rather than this machine's (a CI job, a fresh machine): every post is new.",
)
@no_credentials_option
@config_here_option
@pass_app
def plan(
    app: AppContext,
    files: tuple[str, ...],
    json_: bool,
    allow_past: bool,
    replace: bool,
    full: bool,
    against: str | None,
    empty_queue: bool,
    no_credentials: bool,
) -> None:
    """Show what 'schedule' would do with campaign FILEs, changing nothing.

    Each post is shown once per account with its action: create, update, cancel or unchanged. The
    first line says what the plan is against: this machine's queue, an empty queue, or (with
    --against) the files at another git revision, which is what a reviewer approves when merging.
    """
    if against is not None and empty_queue:
        raise click.UsageError(_("--against and --empty-queue are two different plans: choose one."))
    if against is None and not empty_queue:
        _plan_or_schedule(
            app,
            files,
            json_=json_,
            allow_past=allow_past,
            replace=replace,
            apply=False,
            full=full,
            credentials=not no_credentials,
        )
        return
    from socialpost import scheduling

    now = app.clock()
    paths = [Path(f) for f in files]
    if against is not None:
        from socialpost.review import plan_against

        review = plan_against(
            paths, app.settings, against, now=now, allow_past=allow_past, credentials=not no_credentials
        )
        result = review.validation
        if not result.ok:
            from socialpost.errors import CampaignError

            raise CampaignError(result.errors)
        before, after = review.comparison.before_label, review.comparison.after_label
        title = _(
            "Plan of the change {before} → {after} (from the files alone: not this machine's queue; nothing changed)"
        ).format(before=before, after=after)
        against_json: dict[str, object] = {
            "kind": "git",
            "before": review.comparison.before,
            "after": review.comparison.after,
        }
    else:
        drafted = scheduling.draft(paths, app.settings, now=now, credentials=not no_credentials)
        result = scheduling.judge(drafted, None, now=now, allow_past=allow_past, replace=replace)
        if not result.ok:
            from socialpost.errors import CampaignError

            raise CampaignError(result.errors)
        title = _("Plan against an empty queue (not this machine's queue; nothing changed)")
        against_json = {"kind": "empty"}
    _render_plan(app, result, json_=json_, full=full, title=title, extra={"against": against_json})


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
    credentials: bool = True,
) -> list[str]:
    """Shared by plan and schedule: judge (as validate does), plan (and apply), render. Returns the
    campaign names."""
    from socialpost import scheduling

    now = app.clock()
    drafted = scheduling.draft([Path(f) for f in files], app.settings, now=now, credentials=credentials)
    result = scheduling.run(app.store, drafted, now=now, allow_past=allow_past, replace=replace, apply=apply)
    _render_plan(
        app, result, json_=json_, full=full, title=_("Scheduled") if apply else _("Plan (nothing changed)"), hints=True
    )
    return [item.name for item in drafted.prepared]


def _render_plan(
    app: AppContext,
    result: Validation,
    *,
    json_: bool,
    full: bool,
    title: str,
    hints: bool = False,
    extra: dict[str, object] | None = None,
) -> None:
    """A plan as a table (or in full, or JSON), its notes and warnings; with ``hints``, the best
    hours from this machine's history (a plan against something else has none)."""
    plans = result.plans
    feeds: dict[str, object] = {"feeds": [feed.as_json() for feed in result.feeds]}
    if full:
        from socialpost.cli.show import full_plan

        full_plan(app, plans, json_=json_, title=title, extra=feeds)
    elif json_:
        posts = [item.as_json() for p in plans for item in p.items]
        render.echo_json({"posts": posts, **feeds, **(extra or {})})
    else:
        from socialpost.cli.pauses import plan_notes

        render.plan_table(plans, title=title)
        plan_notes(plans)
    if not json_:
        for line in render.feed_lines(result.feeds):
            render.echo(line)
    render.warnings(result.warnings)
    if hints and not json_:
        _best_time_hints(app, sorted({item.account for p in plans for item in p.items}))


def _best_time_hints(app: AppContext, accounts: list[str]) -> None:
    """From each account's own history: the hours of the week that worked best (once there is enough)."""
    from socialpost.report.besttimes import best_times

    for account in accounts:
        advice = best_times(app.store, account)
        if advice.advice:
            render.echo(_("hint: {advice}").format(advice=advice.describe()), err=True)
