"""feeds: what the campaigns' feeds would post (docs/feeds.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Group
from socialpost.i18n import _, formats, ngettext
from socialpost.localtime import local_text


@click.group(cls=Group)
def feeds() -> None:
    """Blog feeds (RSS, Atom) whose new entries become posts (a campaign's feeds:).

    The daemon reads them; schedule the campaign first (socialpost schedule FILE).
    """


@feeds.command("check")
@click.argument("campaign", required=False, metavar="[CAMPAIGN]")
@json_option
@pass_app
def check(app: AppContext, campaign: str | None, json_: bool) -> None:
    """Read each scheduled feed (of CAMPAIGN) now and show what the daemon's next poll would post,
    changing nothing: the entries, the accounts, each post's text and, for a feed with queue: true,
    the slot it would take."""
    from socialpost.campaign.account_queues import config_queues
    from socialpost.errors import FeedError, NotFound
    from socialpost.feeds import Poller, Reader

    app.setup_logging()
    reader = Reader(ports=frozenset(app.settings.fetch.ports))
    queues = config_queues(app.settings)[0]  # for a feed with queue: true in a campaign without one
    poller = Poller(app.store, app.settings.data_dir, reader=reader, clock=app.clock, account_queues=queues)
    results = poller.check(campaign)
    if not results:
        what = _("campaign '{campaign}'").format(campaign=campaign) if campaign else _("any scheduled campaign")
        raise NotFound(
            _("no feed in {what}. Fix: add feeds: to the campaign file and run socialpost schedule FILE.").format(
                what=what
            )
        )
    if json_:
        render.echo_json([_as_json(result) for result in results])
    else:
        for result in results:
            render.echo(f"{result.campaign}  {result.url}")
            if result.error:
                render.echo("  " + _("cannot be read: {error}").format(error=result.error))
                continue
            render.echo(
                "  "
                + ngettext(
                    "the next poll would post {count} entry",
                    "the next poll would post {count} entries",
                    len(result.coming),
                ).format(count=len(result.coming))
            )
            for item in result.coming:
                when = formats.datetime_text(item.entry.published) if item.entry.published else _("no date")
                render.echo(f"  - {when}  {item.entry.title or item.entry.link}")
                for account, text in item.texts.items():
                    render.echo(f"      {account}: {text}")
                    if account in item.slots:
                        render.echo("        " + _slot_text(item.slots[account]))
            render.echo(
                "  "
                + _(
                    "older than since (never posted): {skipped} · already posted: {known} · "
                    "left for later polls: {later}"
                ).format(skipped=result.skipped, known=result.known, later=result.later)
            )
    failed = [result for result in results if result.error]
    if failed:
        raise FeedError(
            ngettext("{count} feed cannot be read.", "{count} feeds cannot be read.", len(failed)).format(
                count=len(failed)
            )
        )


def show_feed_problems(problems: list[Any]) -> None:
    """``status``: the feeds whose last read failed, with the fix (other posts go out as usual)."""
    if not problems:
        return
    render.echo(_("Feeds that cannot be read (the other posts go out as usual):"))
    for problem in problems:
        render.echo(
            "  "
            + ngettext(
                "{campaign}: {url}: {error} (failed {count} time in a row, last at {when})",
                "{campaign}: {url}: {error} (failed {count} times in a row, last at {when})",
                problem.failures,
            ).format(
                campaign=problem.campaign,
                url=problem.url,
                error=problem.error,
                count=problem.failures,
                when=formats.datetime_text(problem.since),
            )
        )
    render.echo(
        "  " + _("Fix: check the address in the campaign file; 'socialpost feeds check CAMPAIGN' reads it again now.")
    )
    render.echo()


def _slot_text(slot: datetime | None) -> str:
    """Where a post of a feed with ``queue: true`` would go (``feeds check``)."""
    if slot is None:
        return _("no free slot left in its queue: the entry waits (socialpost queue shows the slots)")
    return _("in the next free slot of its queue: {when}").format(when=local_text(slot, slot.tzinfo))


def _as_json(result: Any) -> dict[str, Any]:
    return {
        "campaign": result.campaign,
        "url": result.url,
        "error": result.error,
        "skipped": result.skipped,
        "known": result.known,
        "later": result.later,
        "posts": [
            {
                "title": item.entry.title,
                "link": item.entry.link,
                "published": item.entry.published.isoformat() if item.entry.published else None,
                "image": item.entry.image,
                "texts": item.texts,
                "slots": {
                    account: slot.isoformat() if slot is not None else None for account, slot in item.slots.items()
                },
            }
            for item in result.coming
        ],
    }
