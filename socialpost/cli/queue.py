"""The queue command: each account's next posting slots, filled and free."""

from __future__ import annotations

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command
from socialpost.errors import UsageError
from socialpost.i18n import _


@click.command(cls=Command)
@click.argument("account", required=False, metavar="[ACCOUNT]")
@click.option("--count", default=10, show_default=True, type=click.IntRange(1, 1000), help="Slots to list per account.")
@json_option
@pass_app
def queue(app: AppContext, account: str | None, count: int, json_: bool) -> None:
    """List the next posting slots of each account's queue (or of ACCOUNT, as network:name): each
    slot's time, and the posts in it (campaign/post and state) or that it is free.

    An account's queue is every 'queue:' of the campaigns scheduled to it, read from their files;
    a campaign whose file is gone is named, and its queue left out (its posts keep their times).
    """
    from socialpost.names import ACCOUNT_REF
    from socialpost.queues import next_slots

    if account is not None and not ACCOUNT_REF.match(account):
        raise UsageError(
            _(
                "'{value}' is not an account. Fix: write it as network:name in lower case, like outbox:demo "
                "or mastodon:acme"
            ).format(value=account)
        )
    result = next_slots(app.store, app.settings, now=app.clock(), account=account, count=count)
    if json_:
        render.echo_json(result.as_json())
        return
    render.queue_view(result)
