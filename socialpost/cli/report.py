"""The report command."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from socialpost.cli import render, report_view
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import filters_from, json_option, post_filters
from socialpost.cli.translated import Command
from socialpost.i18n import _, ngettext
from socialpost.i18n.formats import integer

if TYPE_CHECKING:
    from socialpost.report.besttimes import BestTimes
    from socialpost.report.facts import Filters, PostFacts

GROUPINGS = ("post", "campaign", "network", "account", "day", "week")
SORT_KEYS = ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks", "interactions", "rate")
SORT_KEYS_ALL = (*SORT_KEYS, "posts", "sent", "time")


F = TypeVar("F", bound=Callable[..., Any])


def _gc_paused(command: F) -> F:
    """Run the command with cyclic garbage collection paused: a big report makes many objects
    and no cycles (see socialpost.report.gc_paused)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from socialpost.report import gc_paused

        with gc_paused():
            return command(*args, **kwargs)

    return cast(F, wrapper)


@click.command(cls=Command)
@json_option
@click.option("--csv", "csv_", is_flag=True, help="Print CSV for spreadsheets (an empty cell is 'not available').")
@click.option(
    "--html",
    "html_file",
    metavar="FILE",
    help="Write a self-contained HTML page for a client: texts, pictures, charts (brand: in the config).",
)
@click.option("--by", type=click.Choice(GROUPINGS), help="Group by post, campaign, network, account, day or week.")
@post_filters
@click.option("--sort", type=click.Choice(SORT_KEYS_ALL), help="Biggest first by this metric (time: oldest first).")
@click.option(
    "--top", type=click.IntRange(min=1), metavar="N", help="Only the N best (posts that did not go out stay)."
)
@click.option("--no-charts", is_flag=True, help="Tables only (no trend chart, heatmap or best times).")
@pass_app
@_gc_paused
def report(
    app: AppContext,
    json_: bool,
    csv_: bool,
    html_file: str | None,
    by: str | None,
    campaign: str | None,
    network: str | None,
    account: str | None,
    since: str | None,
    until: str | None,
    sort: str | None,
    top: int | None,
    no_charts: bool,
) -> None:
    """Show how the posts did: their state, where they went, and their engagement.

    Posts that did not go out (failed, missed, unknown, held) are always counted and flagged (the
    first five of each campaign listed).
    A metric a network does not give is "n/a", never 0. Engagement rate = (likes + reposts +
    replies + quotes) / views, where views are known.
    """
    from socialpost.errors import UsageError
    from socialpost.report.facts import Filters
    from socialpost.report.groups import group_posts, sort_by
    from socialpost.report.jsontext import RawJSON
    from socialpost.report.posts import reports_from, top_posts

    if json_ and csv_:
        raise UsageError(_("choose one of --json and --csv."))
    app.reader_zone_ready()
    now = app.clock()
    filters = filters_from(now, campaign=campaign, network=network, account=account, since=since, until=until)
    posts = _load(app, filters, texts=json_ or csv_ or html_file is not None)
    if account is not None and not posts:
        from socialpost.accounts import check_filter

        check_filter(app.settings, account, app.store)  # a typo gets "did you mean", not an empty report

    if html_file is not None:
        _write_html(app, html_file, posts, filters=filters, now=now, by=by, sort=sort)
        if not (json_ or csv_):
            # English keeps its one wording for every count (its output is pinned); ngettext lets French agree.
            render.echo(
                ngettext("wrote {file} ({count} posts)", "wrote {file} ({count} posts)", len(posts)).format(
                    file=html_file, count=integer(len(posts))
                )
            )
            return

    if by is None:
        reports = reports_from(posts, sort=sort, top=top)
        if json_:
            _echo_json({"campaigns": [r.as_json(encoded=True) for r in reports]})
        elif csv_:
            from socialpost.report.csv import posts_csv

            render.echo_csv(posts_csv(p for r in reports for p in r.posts))
        else:
            out = render.console()
            report_view.campaign_tables(out, reports, limited=top is None, filtered=filters != Filters())
            if not no_charts:
                report_view.pictures(out, posts)
        return

    not_out = [p for p in posts if p.not_out]
    if by == "post":
        shown = top_posts(posts, sort or "time", top)
        if json_:
            _echo_json(
                {
                    "by": "post",
                    "filters": filters.as_json(),
                    "sort": sort,
                    "top": top,
                    "posts": RawJSON.array(p.json_text(campaign=True) for p in shown),
                    "not_out": RawJSON.array(p.json_text(campaign=True) for p in not_out),
                    "best_times": [b.as_json() for b in _best(posts)],
                }
            )
        elif csv_:
            from socialpost.report.csv import posts_csv

            render.echo_csv(posts_csv(shown))
        else:
            out = render.console()
            if top:
                title = ngettext(
                    "{count} posts, best {top} by {sort}", "{count} posts, best {top} by {sort}", len(posts)
                ).format(count=integer(len(posts)), top=top, sort=sort or "time")
            else:
                title = ngettext("{count} posts", "{count} posts", len(posts)).format(count=integer(len(posts)))
            report_view.post_table(out, shown, title=title, limit=None if top else report_view.POST_ROWS)
            report_view.not_out_line(out, not_out)
            if not no_charts:
                report_view.pictures(out, posts)
        return

    groups = sort_by(group_posts(posts, by), sort)
    if top is not None:
        groups = groups[:top]
    if json_:
        _echo_json(
            {
                "by": by,
                "filters": filters.as_json(),
                "sort": sort,
                "top": top,
                "groups": [g.as_json() for g in groups],
                "not_out": RawJSON.array(p.json_text(campaign=True) for p in not_out),
                "best_times": [b.as_json() for b in _best(posts)],
            }
        )
    elif csv_:
        from socialpost.report.csv import groups_csv

        render.echo_csv(groups_csv(groups, by))
    else:
        out = render.console()
        report_view.group_table(out, groups, by)
        report_view.not_out_line(out, not_out)
        if not no_charts:
            report_view.pictures(out, posts)


def _load(app: AppContext, filters: Filters, *, texts: bool) -> list[PostFacts]:
    """The posts of the report. An existing SQLite store at the current schema is read with sqlite3
    alone (importing SQLAlchemy would be a fifth of a big report's time); anything else through the
    store, which creates, migrates and reports problems. ``texts``: the JSON and CSV carry each
    post's text; the views for people do not read them."""
    from socialpost.report.aggregate import load_posts, read_posts
    from socialpost.store.sqlite_read import connect_current

    connection = connect_current(app.database_url)
    if connection is None:
        return load_posts(app.store, filters, texts=texts)
    try:
        return read_posts(connection, filters, texts=texts)
    finally:
        connection.close()


def _echo_json(data: object) -> None:
    """Compact JSON: a report can hold tens of thousands of posts (pipe it to jq to read it)."""
    from socialpost.report.jsontext import dumps

    render.echo_json_text(dumps(data))


def _best(posts: list[PostFacts]) -> list[BestTimes]:
    from socialpost.report.besttimes import week_and_best_times

    return week_and_best_times(posts)[1]


def _write_html(
    app: AppContext,
    name: str,
    posts: list[PostFacts],
    *,
    filters: Filters,
    now: datetime,
    by: str | None,
    sort: str | None,
) -> None:
    from socialpost.cli.output import write_text_file
    from socialpost.report.html import report_page

    page = report_page(
        posts, store=app.store, settings=app.settings, generated_at=now, filters=filters, by=by, sort=sort
    )
    write_text_file(name, page, option="--html")
