"""The resolve, retry, cancel and restore commands: act on single posts or whole campaigns."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from socialpost.cli import render
from socialpost.cli.completion import complete_accounts, complete_campaigns, complete_posts, complete_posts_or_files
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command
from socialpost.errors import UsageError
from socialpost.i18n import _, ngettext

if TYPE_CHECKING:
    from socialpost.store.actions import Change, PostRef, Selection
    from socialpost.store.restore import Restoration

post_id_argument = click.argument("post_id", metavar="ID", required=False, shell_complete=complete_posts)
account_option = click.option(
    "--account",
    metavar="NETWORK:NAME",
    help="The account, when the post goes to several (same as ID@NETWORK:NAME).",
    shell_complete=complete_accounts,
)
campaign_option = click.option(
    "--campaign", metavar="NAME", help="Every post of this campaign that can be.", shell_complete=complete_campaigns
)


@click.command(cls=Command)
@click.argument("post_id", metavar="ID", shell_complete=complete_posts)
@click.option("--sent", "sent_url", metavar="URL", help="It went out: record it as sent, at this address.")
@click.option("--not-sent", is_flag=True, help="It did not go out: queue it to be sent again now.")
@account_option
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_app
def resolve(
    app: AppContext, post_id: str, sent_url: str | None, not_sent: bool, account: str | None, yes: bool, json_: bool
) -> None:
    """Settle a post whose outcome is unknown: it went out (--sent URL) or not (--not-sent).

    ID is CAMPAIGN/POST-ID as `socialpost status` shows it; add @NETWORK:NAME when the post goes
    to several accounts. Look at the account first: --not-sent sends the post again.
    """
    from socialpost.store import actions

    if (sent_url is not None) == not_sent:  # neither, or both
        raise UsageError(_("say what happened: --sent URL (it went out) or --not-sent (it did not)."))
    ref = _ref(post_id, account)
    found = actions.find(app.store, ref)
    if not yes:
        question = (
            _("Record {post} to {account} as sent at {url}?").format(
                post=found.name, account=found.account, url=sent_url
            )
            if sent_url is not None
            else _("Send {post} to {account} again? If it did go out, it will appear twice.").format(
                post=found.name, account=found.account
            )
        )
        click.confirm(question, abort=True, err=True)
    now = app.clock()
    if sent_url is not None:
        change = actions.resolve_sent(app.store, ref, sent_url, now=now)
    else:
        change = actions.resolve_not_sent(app.store, ref, now=now)
    _show([change], json_, nothing="")


@click.command(cls=Command)
@post_id_argument
@campaign_option
@click.option("--all", "everything", is_flag=True, help="Every failed, missed or held post.")
@account_option
@json_option
@pass_app
def retry(
    app: AppContext, post_id: str | None, campaign: str | None, everything: bool, account: str | None, json_: bool
) -> None:
    """Queue failed, missed or held posts again, due now, with their attempts reset.

    Give one ID (CAMPAIGN/POST-ID, as `socialpost status` shows it), --campaign NAME or --all.
    """
    from socialpost.store import actions

    selection = _selection(post_id, account, campaign, everything)
    changes = actions.retry(app.store, selection, now=app.clock())
    _show(changes, json_, nothing=_("Nothing to retry: no failed, missed or held post."))


@click.command(cls=Command)
@post_id_argument
@campaign_option
@account_option
@json_option
@pass_app
def cancel(app: AppContext, post_id: str | None, campaign: str | None, account: str | None, json_: bool) -> None:
    """Cancel posts that have not gone out yet (pending, waiting to retry, or held).

    Give one ID (CAMPAIGN/POST-ID, as `socialpost status` shows it) or --campaign NAME.
    A post you cancel stays cancelled when its campaign file is scheduled again, edited or not;
    'socialpost restore' brings it back. To hold a whole campaign for a while, pause it instead.
    """
    from socialpost.store import actions

    selection = _selection(post_id, account, campaign, False)
    changes = actions.cancel(app.store, selection, now=app.clock())
    _show(changes, json_, nothing=_("Nothing to cancel: no pending, retrying or held post."))


@click.command(cls=Command)
@click.argument("target", metavar="CAMPAIGN[/POST-ID[@ACCOUNT]] | FILE", shell_complete=complete_posts_or_files)
@account_option
@json_option
@pass_app
def restore(app: AppContext, target: str, account: str | None, json_: bool) -> None:
    """Bring back posts you cancelled with 'socialpost cancel', or a whole queue from a backup FILE.

    A post you cancelled stays cancelled when its file is scheduled again; this queues it again:
    at its time when that is still to come, else as the campaign's late policy says (it goes out
    now, is marked missed, or is held for you). Give CAMPAIGN for every post you cancelled in
    it, or CAMPAIGN/POST-ID (add @NETWORK:NAME when the post goes to several accounts). A post
    cancelled because it was removed from its file comes back by putting it back in the file.

    Given an existing FILE made by `socialpost backup` or `socialpost export --json`, it copies
    everything in it into the queue, which must be empty (a new database).
    """
    from socialpost.store import actions
    from socialpost.store import restore as restoring

    if Path(target).expanduser().is_file():
        if account is not None:
            raise UsageError(_("--account goes with a post: CAMPAIGN/POST-ID."))
        _restore_backup(app, Path(target).expanduser(), json_)
        return

    if "/" in target:
        selection = _selection(target, account, None, False)
    else:
        if account is not None:
            raise UsageError(_("--account goes with a post: CAMPAIGN/POST-ID."))
        selection = actions.Selection(campaign=target)
    done = restoring.restore(app.store, selection, now=app.clock())
    if json_:
        render.echo_json(
            {"restored": [r.as_json() for r in done.restored], "removed_from_file": done.removed_from_file}
        )
        return
    _show_restored(app, done, campaign=selection.campaign)


def _restore_backup(app: AppContext, path: Path, json_: bool) -> None:
    from socialpost.store.backup import restore as restore_store

    counts = restore_store(app.store, path)
    if json_:
        render.echo_json({"restored_from": str(path), "rows": counts.rows})
        return
    render.echo(
        _("Restored {campaigns} campaigns and {posts} posts from {path}; see them with socialpost status.").format(
            campaigns=counts.campaigns, posts=counts.posts, path=path
        )
    )


def _show_restored(app: AppContext, done: Restoration, *, campaign: str | None) -> None:
    from socialpost.cli.pauses import show_paused
    from socialpost.store.pauses import listing

    if not done.restored:
        click.echo(_("Nothing to restore: no post you cancelled in '{campaign}'.").format(campaign=campaign))
    for item in done.restored:
        line = _("{post} to {account}: {before} → {after}").format(
            post=item.change.name,
            account=item.change.account,
            before=item.change.from_status,
            after=item.change.to_status,
        )
        if item.decision == "queued":
            click.echo(_("{line} (queued for its time)").format(line=line))
        elif item.decision == "send":
            click.echo(_("{line} (its time has passed; the late policy lets it go out now)").format(line=line))
        else:
            click.echo(f"{line}: {item.reason}")
    if done.removed_from_file:
        click.echo(
            ngettext(
                "{count} post of '{campaign}' was cancelled because it was removed from the file: put it back in "
                "the file and schedule it to queue it.",
                "{count} posts of '{campaign}' were cancelled because they were removed from the file: put them back "
                "in the file and schedule it to queue them.",
                done.removed_from_file,
            ).format(count=done.removed_from_file, campaign=campaign)
        )
    for name in sorted({item.change.campaign for item in done.restored if item.change.to_status == "pending"}):
        show_paused(listing(app.store, now=app.clock(), campaign=name))


def _ref(post_id: str, account: str | None) -> PostRef:
    from socialpost.store.actions import PostRef

    return PostRef.parse(post_id, account=account)


def _selection(post_id: str | None, account: str | None, campaign: str | None, everything: bool) -> Selection:
    from socialpost.store.actions import Selection

    if account is not None and post_id is None:
        raise UsageError(_("--account goes with an ID."))
    ref = _ref(post_id, account) if post_id is not None else None
    return Selection(ref=ref, campaign=campaign, everything=everything)


def _show(changes: list[Change], json_: bool, *, nothing: str) -> None:
    if json_:
        render.echo_json({"changed": [c.as_json() for c in changes]})
        return
    if not changes:
        render.echo(nothing)
        return
    for change in changes:
        line = _("{post} to {account}: {before} → {after}").format(
            post=change.name, account=change.account, before=change.from_status, after=change.to_status
        )
        render.echo(f"{line} ({change.url})" if change.url else line)
