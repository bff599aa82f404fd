"""The inbox and reply commands: replies and comments on your posts, and answering them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from socialpost.cli import render
from socialpost.cli.completion import complete_accounts
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command
from socialpost.i18n import _, ngettext

if TYPE_CHECKING:
    from socialpost.inbox import FetchResult, InboxItem


@click.command(cls=Command)
@json_option
@click.option("--account", metavar="NETWORK:NAME", help="Only this account.", shell_complete=complete_accounts)
@click.option("--unanswered", is_flag=True, help="Only the items nobody has answered yet.")
@click.option("--no-fetch", "no_fetch", is_flag=True, help="List what is stored; ask no network.")
@click.option(
    "--limit", type=click.IntRange(min=1, max=100_000), default=50, show_default=True, help="Items shown at most."
)
@pass_app
def inbox(app: AppContext, json_: bool, account: str | None, unanswered: bool, no_fetch: bool, limit: int) -> None:
    """Replies and comments on your posts: unanswered first, newest first.

    Reads the conversations under each account's recently sent posts (config: inbox.within,
    inbox.posts_per_account), stores what is new, and lists the inbox with the post each item
    answers. Answer one with: socialpost reply ID "text". Exit status 3 when an account could not
    be read (the others are listed); an account whose access does not include replies (X's Free
    tier, a LinkedIn member) is noted, not an error.
    """
    from socialpost.errors import AttentionNeeded
    from socialpost.inbox import Inbox, inbox_settings
    from socialpost.wiring import Adapters

    app.setup_logging()
    app.reader_zone_ready()
    if account is not None:
        from socialpost.accounts import check_filter

        check_filter(app.settings, account, app.store)
    adapters = Adapters(app.settings, clock=app.clock)
    box = Inbox(app.store, adapters, inbox_settings(app.settings), clock=app.clock)
    fetched: FetchResult | None = None
    try:
        if not no_fetch:
            fetched = box.fetch(account=account)
    finally:
        adapters.close()
    items = box.items(account=account, unanswered=unanswered, limit=limit)
    _total, waiting = box.counts()
    if json_:
        render.echo_json(
            {
                "fetched": fetched.as_json() if fetched is not None else None,
                "unanswered": waiting,
                "items": [item.as_json() for item in items],
            }
        )
    else:
        _show(items, waiting, fetched)
    if fetched is not None and fetched.errors:
        count = len(fetched.errors)
        raise AttentionNeeded(
            # Translators: English keeps "account(s)" in both forms; the plural form follows {count}.
            ngettext(
                "{count} account(s) could not be read: {errors}",
                "{count} account(s) could not be read: {errors}",
                count,
            ).format(count=count, errors="; ".join(f"{a.account}: {a.error}" for a in fetched.errors))
        )


@click.command(cls=Command)
@json_option
@click.argument("item_id", metavar="ID")
@click.argument("text")
@pass_app
def reply(app: AppContext, json_: bool, item_id: str, text: str) -> None:
    """Answer the inbox item ID (its number in `socialpost inbox`) with TEXT, as a reply to it.

    TEXT is checked like any post against the network's length limit (exit 2 when it is too
    long). On success the item counts as answered.
    """
    from socialpost.inbox import Inbox, inbox_settings
    from socialpost.wiring import Adapters

    app.setup_logging()
    adapters = Adapters(app.settings, clock=app.clock)
    box = Inbox(app.store, adapters, inbox_settings(app.settings), clock=app.clock)
    try:
        outcome = box.reply(item_id, text)
    finally:
        adapters.close()
    if json_:
        render.echo_json(outcome.as_json())
        return
    where = outcome.published.url or outcome.published.remote_id
    render.echo(
        _("Answered #{id} ({author} on {account}): {where}").format(
            id=outcome.item.id, author=outcome.item.author, account=outcome.item.account, where=where
        )
    )


def _show(items: list[InboxItem], waiting: int, fetched: FetchResult | None) -> None:
    from rich.table import Table
    from rich.text import Text

    from socialpost.localtime import local_text

    out = render.console()
    if fetched is not None:
        read = [a for a in fetched.accounts if not (a.error or a.unavailable)]  # the others are listed below
        out.print(
            _("Read the replies to {posts} post(s) on {accounts} account(s): {new} new.").format(
                posts=sum(a.posts for a in read), accounts=len(read), new=fetched.new
            )
        )
        for failed in fetched.errors:  # network text is shown as it is, never read as markup
            out.print(Text.assemble((failed.account, "bold red"), ": ", render.short(failed.error or "", 200)))
        for closed in fetched.unavailable:
            out.print(
                Text.assemble(
                    (closed.account, "bold"),
                    ": ",
                    _("no replies to read through this account's access (not an error): {why}").format(
                        why=render.short(closed.unavailable or "", 240)
                    ),
                    style="dim",
                )
            )
    if not items:
        out.print(_("The inbox is empty: no replies or comments on your recent posts yet."))
        return
    table = Table(title=_("Inbox — {count} unanswered").format(count=waiting), title_justify="left")
    table.add_column("#", justify="right")
    for column in ("", _("when"), _("account"), _("from"), _("text"), _("on your post")):
        table.add_column(column, justify="left")
    for item in items:
        when = item.created_at or item.fetched_at
        on = f"{item.campaign}/{item.post}" if item.post else render.short(item.post_remote_id, 40)
        table.add_row(  # strangers' words: shown as written, never read as markup
            str(item.id),
            Text(_("answered")) if item.answered else Text(_("new"), style="bold"),
            local_text(when),  # the user's zone, named (socialpost.localtime)
            Text(item.account),
            Text(render.short(f"{item.author_name} ({item.author})" if item.author_name else item.author, 40)),
            Text(render.short(item.text, 70)),
            Text(on),
        )
    out.print(table)
    out.print(_('Answer with: socialpost reply ID "text"'))
