"""``socialpost backup`` and ``socialpost export``: copies of the queue's history (restoring one is
``socialpost restore FILE``, in cli/posts.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.output import write_text_file
from socialpost.cli.translated import Command
from socialpost.errors import StoreError, UsageError
from socialpost.i18n import _


@click.command(cls=Command)
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE when it exists.")
@pass_app
def backup(app: AppContext, file: Path, force: bool) -> None:
    """Copy the queue (a SQLite file) to FILE, also while daemons run.

    The copy holds everything socialpost knows: campaigns, posts and their history, engagement,
    the inbox. It is one SQLite file, private to you (0600); `socialpost restore FILE` puts it back
    into an empty queue. A queue in PostgreSQL is backed up with pg_dump, or exported with
    `socialpost export --json`.
    """
    from socialpost.store.backup import backup_sqlite

    counts = backup_sqlite(app.database_url, file.expanduser(), overwrite=force)
    render.echo(
        _("Backed up {campaigns} campaigns and {posts} posts to {path}").format(
            campaigns=counts.campaigns, posts=counts.posts, path=file
        )
    )


@click.command(cls=Command)
@click.option("--json", "json_", is_flag=True, help="Export as JSON (the only format for now).")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of the standard output.")
@pass_app
def export(app: AppContext, json_: bool, output: str | None) -> None:
    """Export the queue's history as JSON: campaigns, posts, outcomes and engagement.

    One object: "format", "version", "schema", "exported_at" and "tables", each table's rows
    (campaigns, posts, events — every change of a post, with the daemon and the reason —,
    engagement_snapshots, engagement_latest, inbox_items, pauses, rate_budgets); times in ISO 8601
    UTC. Read in one consistent snapshot, also while daemons run, and from PostgreSQL.
    `socialpost restore FILE` reads it back into an empty queue.
    """
    from socialpost.store.backup import export as export_store

    if not json_:
        raise UsageError(_("say the format: socialpost export --json (the only one for now)."))
    store = app.existing_store()  # no queue yet: say so rather than create one to export it
    if store is None:
        raise StoreError(
            _("there is no queue to export yet ({url}).").format(url=app.database_url),
            hint=_(
                "Schedule a campaign first, or check 'database:' in your config file (or $SOCIALPOST_DATABASE_URL)."
            ),
        )
    document = export_store(store, now=app.clock())
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    if output is None:
        render.echo_json_text(text.rstrip("\n"))
        return
    path = write_text_file(output, text, option="--output", private=True)  # unpublished posts: 0600
    counts = document["tables"]
    render.echo(
        _("Exported {campaigns} campaigns and {posts} posts to {path}").format(
            campaigns=len(counts["campaigns"]), posts=len(counts["posts"]), path=path
        ),
        err=True,
    )
