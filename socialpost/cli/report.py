"""The report command."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command

if TYPE_CHECKING:
    from rich.console import Console

    from socialpost.report.aggregate import Filters, Group, PostFacts
    from socialpost.report.besttimes import BestTimes
    from socialpost.report.posts import CampaignReport

GROUPINGS = ("post", "campaign", "network", "account", "day", "week")
SORT_KEYS = ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks", "interactions", "rate")
SORT_KEYS_ALL = (*SORT_KEYS, "posts", "sent", "time")
ROWS_PER_CAMPAIGN = 50  # people; --top, --csv and --json show more


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
@click.option("--html", "html_file", metavar="FILE", help="Write a self-contained HTML report (tables and charts).")
@click.option("--by", type=click.Choice(GROUPINGS), help="Group by post, campaign, network, account, day or week.")
@click.option("--campaign", metavar="NAME", help="Only this campaign.")
@click.option("--network", metavar="NAME", help="Only this network (x, mastodon, bluesky, …).")
@click.option("--account", metavar="NETWORK:NAME", help="Only this account.")
@click.option("--since", metavar="WHEN", help="Posts sent (or due) from: 2027-03-01, 2027-03-01T09:00Z or 7d (ago).")
@click.option("--until", metavar="WHEN", help="Posts sent (or due) before: a date, a time or a duration ago.")
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

    Posts that did not go out (failed, missed, unknown, held) are always shown and flagged.
    A metric a network does not give is "n/a", never 0. Engagement rate = (likes + reposts +
    replies + quotes) / views, where views are known.
    """
    from socialpost.errors import UsageError
    from socialpost.report.aggregate import Filters, RawJSON, group_posts, load_posts, sort_by
    from socialpost.report.posts import campaign_reports, top_posts

    if json_ and csv_:
        raise UsageError("choose one of --json and --csv.")
    now = app.clock()
    filters = Filters(
        campaign=campaign,
        network=network,
        account=account,
        since=_when(since, now, "--since"),
        until=_when(until, now, "--until"),
    )
    posts = load_posts(app.store, filters)

    if html_file is not None:
        _write_html(Path(html_file), posts, filters=filters, now=now, by=by, sort=sort)
        if not (json_ or csv_):
            click.echo(f"wrote {html_file} ({len(posts):,} posts)")
            return

    if by is None:
        reports = campaign_reports(app.store, posts=posts, sort=sort, top=top)
        if json_:
            _echo_json({"campaigns": [r.as_json(encoded=True) for r in reports]})
        elif csv_:
            from socialpost.report.csv import posts_csv

            click.echo(posts_csv(p for r in reports for p in r.posts), nl=False)
        else:
            out = render.console()
            _campaign_tables(out, reports, limited=top is None)
            if not no_charts:
                _pictures(out, posts)
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

            click.echo(posts_csv(shown), nl=False)
        else:
            out = render.console()
            _post_table(
                out, shown, title=f"{len(posts):,} posts" + (f", best {top} by {sort or 'time'}" if top else "")
            )
            _not_out_line(out, not_out)
            if not no_charts:
                _pictures(out, posts)
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

        click.echo(groups_csv(groups, by), nl=False)
    else:
        out = render.console()
        _group_table(out, groups, by)
        _not_out_line(out, not_out)
        if not no_charts:
            _pictures(out, posts)


def _echo_json(data: object) -> None:
    """Compact JSON: a report can hold tens of thousands of posts (pipe it to jq to read it)."""
    from socialpost.report.aggregate import dumps

    click.echo(dumps(data))


def _when(value: str | None, now: datetime, option: str) -> datetime | None:
    """A date (00:00 UTC), an ISO time (UTC when it has no offset) or a duration before now."""
    if value is None:
        return None
    from socialpost.errors import UsageError
    from socialpost.timeutil import parse_duration

    text = value.strip()
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} {value!r} is neither a date, a time nor a duration. "
            "Fix: write it like 2027-03-01, 2027-03-01T09:00-05:00 or 7d."
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _best(posts: list[PostFacts]) -> list[BestTimes]:
    from socialpost.report.besttimes import best_times_from

    return [best_times_from(posts, account) for account in sorted({p.account for p in posts})]


def _write_html(
    path: Path, posts: list[PostFacts], *, filters: Filters, now: datetime, by: str | None, sort: str | None
) -> None:
    from socialpost.report.html import build_html

    page = build_html(posts, generated_at=now, filters=filters, best=_best(posts), by=by, sort=sort)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)


# --- for people ---------------------------------------------------------------------------------


def _value(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _growth(post: PostFacts) -> str:
    grown = post.growth
    if grown is None:
        return ""
    known = [f"{m} {v:+,}" for m, v in grown.items() if v]
    return ", ".join(known) or "±0"


def _campaign_tables(out: Console, reports: list[CampaignReport], *, limited: bool) -> None:
    if not reports:
        out.print("No campaigns yet. Schedule one with 'socialpost schedule FILE'.")
        return
    for item in reports:
        everything = item.everything
        shown = item.posts
        if limited and len(shown) > ROWS_PER_CAMPAIGN:
            keep = [p for p in shown if p.not_out]
            shown = [p for p in shown if not p.not_out][: max(ROWS_PER_CAMPAIGN - len(keep), 10)] + keep
        title = f"{item.campaign} — {item.count('sent')} of {len(everything)} sent"
        _post_table(out, shown, title=title, campaign_column=False)
        if len(shown) < len(everything):
            out.print(
                f"… {len(everything) - len(shown):,} more post(s) not shown: see --top N --sort METRIC, --csv, --json."
            )
        summary = item.summary
        if summary.with_metrics:
            totals = ", ".join(f"{m} {_value(summary.total(m))}" for m in ("views", "likes", "reposts", "replies"))
            out.print(f"Totals: {totals}; engagement rate {_rate(summary.rate)}.")
        _not_out_line(out, [p for p in everything if p.not_out])


def _post_table(out: Console, posts: list[PostFacts], *, title: str, campaign_column: bool = True) -> None:
    from rich.table import Table

    metrics = [
        m
        for m in ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks")
        if any(m in p.metrics for p in posts)
    ]
    table = Table(title=title, title_justify="left")
    columns = ["post", "account", "state", "sent (UTC)", "where", *metrics]
    if any(p.latest for p in posts):
        columns += ["rate", "growth"]
    if campaign_column:
        columns.insert(0, "campaign")
    for column in columns:
        table.add_column(column, overflow="fold", justify="right" if column in (*metrics, "rate") else "left")
    for post in posts:
        values = [_value(post.metrics.get(m)) if post.latest else "" for m in metrics]
        where = post.url or (render.short(post.reason, 50) if post.reason else "")
        style = render.STATUS_STYLE.get(post.status, "")
        row = [
            post.id,
            post.account,
            f"[{style}]{post.status}[/]" if style else post.status,
            post.sent_at.strftime("%Y-%m-%d %H:%M:%S") if post.sent_at else "",
            where,
            *values,
        ]
        if any(p.latest for p in posts):
            row += [_rate(post.rate) if post.latest else "", _growth(post)]
        if campaign_column:
            row.insert(0, post.campaign)
        table.add_row(*row)
    out.print(table)


def _group_table(out: Console, groups: list[Group], by: str) -> None:
    from rich.table import Table

    if not groups:
        out.print("No posts match. Schedule a campaign with 'socialpost schedule FILE', or widen the filters.")
        return
    metrics = ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks")
    table = Table(title=f"By {by}", title_justify="left")
    for column in (by, "posts", "sent", "not out", *metrics, "rate", "growth"):
        table.add_column(column, justify="left" if column in (by, "growth") else "right", overflow="fold")
    for group in groups:
        grown = group.growth
        growth = ", ".join(f"{m} {v:+,}" for m, v in (grown or {}).items() if v) if grown else ""
        table.add_row(
            group.key,
            str(len(group.posts)),
            str(group.sent),
            f"[red]{group.not_out}[/]" if group.not_out else "0",
            *(_value(group.total(m)) for m in metrics),
            _rate(group.rate),
            growth,
        )
    out.print(table)


def _not_out_line(out: Console, not_out: list[PostFacts]) -> None:
    if not_out:
        kinds: dict[str, int] = {}
        for post in not_out:
            kinds[post.status] = kinds.get(post.status, 0) + 1
        detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        out.print(f"[red]{len(not_out)} post(s) did not go out as planned[/] ({detail}) — see 'socialpost status'.")


def _pictures(out: Console, posts: list[PostFacts]) -> None:
    from socialpost.report.besttimes import hour_of_week
    from socialpost.report.charts import heatmap, trend_chart

    if not posts:
        return
    out.print()
    out.print(trend_chart(posts))
    grid = hour_of_week(posts)
    if grid.slots:
        out.print(heatmap(grid))
    best = _best(posts)
    for advice in best:
        if advice.advice:
            out.print(advice.describe())
    waiting = [f"{b.account} ({b.sample} of {b.needed})" for b in best if not b.advice]
    if waiting:
        out.print(
            "Best time to post: not enough history yet for "
            + ", ".join(waiting)
            + " — posts count once their engagement was read a day or more after posting."
        )
