"""pause and resume: hold a campaign's or an account's posts, and let them go again.

Also what other commands show about pauses: the top of `status` (:func:`show_paused`) and the
notes under a plan (:func:`plan_notes`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from socialpost.cli import render
from socialpost.cli.completion import complete_campaigns_or_accounts
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command
from socialpost.errors import UsageError
from socialpost.i18n import N_, _, ngettext
from socialpost.i18n.formats import datetime_text, integer
from socialpost.timeutil import human_duration

if TYPE_CHECKING:
    from socialpost.store.pauses import Paused, PauseInfo, Target
    from socialpost.store.resume import Overdue, ResumePlan
    from socialpost.store.sync_plan import Plan

target_argument = click.argument("target", metavar="CAMPAIGN|ACCOUNT", shell_complete=complete_campaigns_or_accounts)
SHOWN_OVERDUE = 50  # rows of the overdue table; --json lists them all
DECISIONS = {
    "send": ("green", N_("goes out now")),
    "missed": ("red", N_("marked missed")),
    "held": ("yellow", N_("held for you")),
}


@click.command(cls=Command)
@target_argument
@click.option("--reason", metavar="TEXT", help="Why: shown by 'socialpost status' and kept in the posts' history.")
@json_option
@pass_app
def pause(app: AppContext, target: str, reason: str | None, json_: bool) -> None:
    """Hold every waiting post of a campaign, or of an account, until you resume it.

    The posts stay in the queue with their times, and no daemon sends them; recurring posts are
    still scheduled. Name a campaign, or an account as NETWORK:NAME (a word with a colon is an
    account: campaign names have none). A post a daemon is already sending finishes.
    'socialpost resume' lets them go again, after showing what the campaign's late policy does
    with the posts that came due meanwhile.
    """
    from socialpost.store import pauses

    parsed = pauses.Target.parse(target)
    known = _configured_accounts(app) if parsed.kind == "account" else []
    done = pauses.pause(app.store, parsed, reason=reason, by=pauses.who(), now=app.clock(), known_accounts=known)
    if json_:
        render.echo_json(done.as_json())
        return
    _say_paused(done)


def _configured_accounts(app: AppContext) -> list[str]:
    """Accounts in the config file (an account may be paused before any post goes to it)."""
    return [f"{network}:{name}" for network, names in app.settings.accounts.items() for name in names]


def _say_paused(done: Paused) -> None:
    info = done.pause
    if not done.created:
        click.echo(
            _("{target} is already paused (since {since}, by {by}); nothing changed.").format(
                target=info.target.describe(), since=_since(info), by=info.by
            )
        )
        return
    click.echo(_("Paused {target}.").format(target=info.target.describe()))
    click.echo(
        ngettext(
            "{count} waiting post stays in the queue and will not go out until you run: {command}",
            "{count} waiting posts stay in the queue and will not go out until you run: {command}",
            info.waiting,
        ).format(count=integer(info.waiting), command=info.target.resume_command)
    )
    if done.sending:
        click.echo(
            ngettext(
                "{count} post was already being sent when you paused: it goes out.",
                "{count} posts were already being sent when you paused: they go out.",
                done.sending,
            ).format(count=integer(done.sending))
        )


@click.command(cls=Command)
@target_argument
@click.option("--dry-run", is_flag=True, help="Only show what resuming would do; change nothing.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_app
def resume(app: AppContext, target: str, dry_run: bool, yes: bool, json_: bool) -> None:
    """Let the posts of a paused campaign or account go out again.

    First shows what becomes of each post that came due while paused, by its campaign's late
    policy (late: within / else): it goes out now, it is marked missed, or it is held for you;
    then asks. Posts still to come go out at their time. Without a terminal (a script), add
    --yes; --dry-run only shows.
    """
    from socialpost.cli.ask import confirm, require_terminal
    from socialpost.store import pauses
    from socialpost.store import resume as resuming

    parsed = pauses.Target.parse(target)
    shown = None
    if dry_run or not yes:
        if json_ and not dry_run:
            raise UsageError(
                _("--json is for scripts, which cannot answer the question."),
                hint=_("Fix: add --yes to resume without asking, or --dry-run to only see what it would do."),
            )
        shown = resuming.resume_plan(app.store, parsed, now=app.clock())
        if shown is None:
            _not_paused(parsed, json_)
            return
        if not dry_run:
            require_terminal(parsed.resume_command)  # before showing a plan nobody can agree to
        if dry_run:
            _show_resume(shown, json_)
            return
        _show_resume(shown, json_=False)
        confirm(_("Resume {target}?").format(target=parsed.describe()), command=parsed.resume_command)
    done = resuming.resume(app.store, parsed, now=app.clock(), by=pauses.who(), shown=shown)
    if done is None:
        _not_paused(parsed, json_)
        return
    if json_:
        render.echo_json(done.as_json())
        return
    if shown is None:  # --yes: show what was done
        _show_resume(done, json_=False)
    click.echo(_("Resumed {target}.").format(target=parsed.describe()))


def _not_paused(target: Target, json_: bool) -> None:
    if json_:
        render.echo_json({"pause": None, "applied": False, "overdue": [], "counts": None})
        return
    click.echo(_("{target} is not paused: nothing to resume.").format(target=target.describe()))


def _show_resume(plan: ResumePlan, json_: bool) -> None:
    """What resuming does (or did): the pause, each overdue post's fate, and the counts."""
    if json_:
        render.echo_json(plan.as_json())
        return
    info = plan.pause
    click.echo(_describe_pause(info))
    if plan.overdue:
        _overdue_table(plan.overdue)
        for rule in plan.rules:
            click.echo(
                _("Late policy of '{campaign}': within {within}, else {otherwise}.").format(
                    campaign=rule.campaign, within=human_duration(rule.within), otherwise=rule.else_
                )
            )
    send, missed, held = plan.count("send"), plan.count("missed"), plan.count("held")
    click.echo(
        _(
            "On resume — goes out now: {send}; marked missed: {missed}; held for you: {held}. Posts still to "
            "come ({later}) go out at their time."
        ).format(send=integer(send), missed=integer(missed), held=integer(held), later=integer(plan.later))
    )
    if plan.still_paused:
        click.echo(
            ngettext(
                "{count} post stays paused by another pause (see socialpost status).",
                "{count} posts stay paused by another pause (see socialpost status).",
                plan.still_paused,
            ).format(count=integer(plan.still_paused))
        )
    if missed or held:
        first = next(item for item in plan.overdue if item.decision != "send")
        click.echo(
            _("To send a missed or held post anyway afterwards: socialpost retry {ref}").format(ref=_quoted(first.ref))
        )
    if not plan.applied:
        click.echo(_("Nothing changed yet."))


def _overdue_table(items: list[Overdue]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=_("Came due while paused"), title_justify="left")
    for heading in (_("due (local)"), _("post"), _("account"), _("late by"), _("on resume")):
        table.add_column(heading, overflow="fold")
    for item in items[:SHOWN_OVERDUE]:
        style, label = DECISIONS[item.decision]
        table.add_row(
            Text(_local(item.local_time)),
            Text(f"{item.campaign}/{item.id}"),
            Text(item.account),
            Text(human_duration(item.late_by)),
            Text(_(label), style=style),
        )
    out = render.console()
    out.print(table)
    if len(items) > SHOWN_OVERDUE:
        more = len(items) - SHOWN_OVERDUE
        out.print(
            Text(
                ngettext("… and {count} more (see --json).", "… and {count} more (see --json).", more).format(
                    count=integer(more)
                )
            )
        )


def _quoted(ref: str) -> str:
    import shlex

    return shlex.quote(ref)


def _local(iso: str) -> str:
    """A stored local time (ISO 8601 with its offset) as tables show it: ``2027-03-02 09:00 -05:00``."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    offset = iso[-6:] if len(iso) > 19 and iso[-6] in "+-" else ""
    return f"{datetime_text(moment)} {offset}".strip()


def _since(info: PauseInfo) -> str:
    """When the pause began, in the campaign's zone (an account: the user's), zone named."""
    from socialpost.localtime import reader_zone, zone_label

    moment = info.since.astimezone(reader_zone(info.zone))
    return f"{datetime_text(moment)} ({zone_label(moment)})"


def _describe_pause(info: PauseInfo) -> str:
    if info.reason:
        return _("{target} is paused since {since}, by {by}: {reason}").format(
            target=info.target.describe(), since=_since(info), by=info.by, reason=info.reason
        )
    return _("{target} is paused since {since}, by {by}.").format(
        target=info.target.describe(), since=_since(info), by=info.by
    )


# --- what status and plan show ----------------------------------------------------------------


def show_paused(paused: list[PauseInfo]) -> None:
    """The top of `socialpost status`: what is paused, since when, why, what waits, how to resume."""
    if not paused:
        return
    from rich.text import Text

    out = render.console()
    out.print(Text(_("Paused"), style="bold yellow"))
    for info in paused:
        out.print(Text("  " + _describe_pause(info)))
        waiting = ngettext(
            "{count} post waits ({overdue} already due); to let it go: {command}",
            "{count} posts wait ({overdue} already due); to let them go: {command}",
            info.waiting,
        ).format(count=integer(info.waiting), overdue=integer(info.overdue), command=info.target.resume_command)
        out.print(Text("    " + waiting))


def plan_notes(plans: list[Plan]) -> None:
    """Under a plan: the posts that stay cancelled because the user cancelled them, and the pauses
    that hold posts of the plan back."""
    from socialpost.store.models import display_id

    kept: dict[str, list[str]] = {}
    paused: dict[tuple[str, str], int] = {}
    for plan in plans:
        for item in plan.items:
            if item.kept_cancelled:
                ref = f"{item.campaign}/{display_id(item.post_id, item.occurrence)}@{item.account}"
                kept.setdefault(item.campaign, []).append(ref)
            for pause in item.paused_by:
                key = (pause["kind"], pause["target"])
                paused[key] = paused.get(key, 0) + 1
    for campaign, refs in kept.items():
        if len(refs) == 1:
            click.echo(
                _("{post} stays cancelled: you cancelled it. To bring it back: socialpost restore {ref}").format(
                    post=refs[0], ref=_quoted(refs[0])
                )
            )
        else:
            click.echo(
                ngettext(
                    "{count} post of '{campaign}' stays cancelled: you cancelled it. To bring it back: "
                    "socialpost restore {campaign} (or one of them: socialpost restore {ref})",
                    "{count} posts of '{campaign}' stay cancelled: you cancelled them. To bring them back: "
                    "socialpost restore {campaign} (or one of them: socialpost restore {ref})",
                    len(refs),
                ).format(count=integer(len(refs)), campaign=campaign, ref=_quoted(refs[0]))
            )
    from socialpost.store.pauses import Target

    for (kind, name), count in paused.items():
        target = Target("campaign" if kind == "campaign" else "account", name)
        click.echo(
            ngettext(
                "{target} is paused: {count} post waits in the queue until you run {command}",
                "{target} is paused: {count} posts wait in the queue until you run {command}",
                count,
            ).format(target=target.describe(), count=integer(count), command=target.resume_command)
        )
