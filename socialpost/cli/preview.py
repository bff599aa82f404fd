"""`socialpost preview`: a page showing each post as each network will show it."""

from __future__ import annotations

from pathlib import Path

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.translated import Command
from socialpost.i18n import _, ngettext
from socialpost.i18n.formats import integer


@click.command(cls=Command)
@click.argument("target", metavar="FILE|CAMPAIGN")
@click.argument("post", metavar="[POST-ID]", required=False)
@click.option(
    "--account", metavar="NETWORK:NAME", help="Only this account (same as @NETWORK:NAME after the post's id)."
)
@click.option(
    "--html",
    "html_file",
    metavar="FILE",
    default="preview.html",
    show_default=True,
    help="The page to write.",
)
@pass_app
def preview(app: AppContext, target: str, post: str | None, account: str | None, html_file: str) -> None:
    """Write a page showing each post as each network will show it.

    \b
    socialpost preview FILE [POST-ID[@OCCURRENCE][@NETWORK:NAME]]   a campaign file (scheduled or not)
    socialpost preview CAMPAIGN [POST-ID]                            a campaign in the queue

    One card per account, drawn the way its network lays a post out: X's thread and image grid with
    ALT badges, Mastodon's content warning, Bluesky's links and link card, where LinkedIn and
    Instagram cut the text with "see more", YouTube's title and description; other networks as a
    plain card. Under each, every part's exact length against the limit (as validate counts it)
    and validate's advice. Images are embedded; no network is contacted (a link card shows the
    link only). Open the page in any browser.
    """
    from socialpost.cli.output import write_text_file
    from socialpost.cli.show import is_campaign_file
    from socialpost.previewpage import build
    from socialpost.previewpage.html import build_html

    app.reader_zone_ready()
    now = app.clock()
    if is_campaign_file(target):
        page = build.from_file(app.settings, app.store, Path(target), post, account=account, now=now)
    else:
        page = build.from_queue(app.settings, app.store, target, post, account=account, now=now)
    write_text_file(html_file, build_html(page), option="--html")
    count = sum(len(p.cards) for p in page.posts)
    render.echo(
        ngettext("wrote {file} ({count} account previews)", "wrote {file} ({count} account previews)", count).format(
            file=html_file, count=integer(count)
        )
    )
    if not page.posts:
        render.echo(_("No post to preview."))
