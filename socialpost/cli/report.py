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
from socialpost.i18n import _, ngettext
from socialpost.i18n.formats import datetime_text, integer, percent
from socialpost.report.labels import by_title, grouping_label, growth_text, metric_label

if TYPE_CHECKING:
    from rich.console import Console

    from socialpost.report.aggregate import Filters, Group, PostFacts
    from socialpost.report.besttimes import BestTimes
    from socialpost.report.posts import CampaignReport

GROUPINGS = ("post", "campaign", "network", "account", "day", "week")
SORT_KEYS = ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks", "interactions", "rate")
SORT_KEYS_ALL = (*SORT_KEYS, "posts", "sent", "time")
# The people's view lists at most this many posts per campaign (a terminal is read, not searched),
# of which at most NOT_OUT_ROWS that did not go out; every post that did not go out is still counted,
# in red, under its campaign. --top N, --csv and --json list everything.
ROWS_PER_CAMPAIGN = 10
NOT_OUT_ROWS = 5


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

    Posts that did not go out (failed, missed, unknown, held) are always counted and flagged (the
    first five of each campaign listed).
    A metric a network does not give is "n/a", never 0. Engagement rate = (likes + reposts +
    replies + quotes) / views, where views are known.
    """
    from socialpost.errors import UsageError
    from socialpost.report.aggregate import Filters, RawJSON, group_posts, sort_by
    from socialpost.report.posts import reports_from, top_posts

    if json_ and csv_:
        raise UsageError(_("choose one of --json and --csv."))
    now = app.clock()
    filters = Filters(
        campaign=campaign,
        network=network,
        account=account,
        since=_when(since, now, "--since"),
        until=_when(until, now, "--until"),
    )
    posts = _load(app, filters)

    if html_file is not None:
        _write_html(Path(html_file), posts, filters=filters, now=now, by=by, sort=sort)
        if not (json_ or csv_):
            # English keeps its one wording for every count (its output is pinned); ngettext lets French agree.
            click.echo(
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
            if top:
                title = ngettext(
                    "{count} posts, best {top} by {sort}", "{count} posts, best {top} by {sort}", len(posts)
                ).format(count=integer(len(posts)), top=top, sort=sort or "time")
            else:
                title = ngettext("{count} posts", "{count} posts", len(posts)).format(count=integer(len(posts)))
            _post_table(out, shown, title=title)
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


def _load(app: AppContext, filters: Filters) -> list[PostFacts]:
    """The posts of the report. An existing SQLite store at the current schema is read with sqlite3
    alone (importing SQLAlchemy would be a fifth of a big report's time); anything else through the
    store, which creates, migrates and reports problems."""
    from socialpost.report.aggregate import load_posts, read_posts
    from socialpost.store.sqlite_read import connect_current

    connection = connect_current(app.database_url)
    if connection is None:
        return load_posts(app.store, filters)
    try:
        return read_posts(connection, filters)
    finally:
        connection.close()


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
            _(
                "{option} {value} is neither a date, a time nor a duration. "
                "Fix: write it like 2027-03-01, 2027-03-01T09:00-05:00 or 7d."
            ).format(option=option, value=repr(value))
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _best(posts: list[PostFacts]) -> list[BestTimes]:
    from socialpost.report.besttimes import best_times_from

    by_account: dict[str, list[PostFacts]] = {}
    for post in posts:  # one pass, not one per account
        by_account.setdefault(post.account, []).append(post)
    return [best_times_from(by_account[account], account) for account in sorted(by_account)]


def _write_html(
    path: Path, posts: list[PostFacts], *, filters: Filters, now: datetime, by: str | None, sort: str | None
) -> None:
    from socialpost.report.html import build_html

    page = build_html(posts, generated_at=now, filters=filters, best=_best(posts), by=by, sort=sort)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)


# --- for people ---------------------------------------------------------------------------------
# Words through gettext, numbers and times through socialpost.i18n.formats (English keeps the
# shapes it always had). Cells are rich Text, not markup: a post's id, link or error is shown as
# written, and rich does not parse every cell of a thousand-row table for markup and emoji codes.

METRIC_NAMES = ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks")


def _value(value: int | None) -> str:
    return _("n/a") if value is None else integer(value)


def _rate(value: float | None) -> str:
    return _("n/a") if value is None else percent(value, 2)


def _growth(post: PostFacts) -> str:
    grown = post.growth
    if grown is None:
        return ""
    return growth_text(grown) or "±0"


def _campaign_tables(out: Console, reports: list[CampaignReport], *, limited: bool) -> None:
    from rich.text import Text

    if not reports:
        out.print(Text(_("No campaigns yet. Schedule one with 'socialpost schedule FILE'.")))
        return
    for item in reports:
        everything = item.everything
        shown = item.posts
        if limited and len(shown) > ROWS_PER_CAMPAIGN:
            keep = [p for p in shown if p.not_out][:NOT_OUT_ROWS]
            shown = [p for p in shown if not p.not_out][: ROWS_PER_CAMPAIGN - len(keep)] + keep
        sent = item.count("sent")
        title = _("{campaign} — {sent} of {total} sent").format(
            campaign=item.campaign, sent=sent, total=len(everything)
        )
        _post_table(out, shown, title=title, campaign_column=False)
        if len(shown) < len(everything):
            hidden = len(everything) - len(shown)
            out.print(
                Text(
                    ngettext(
                        "… {count} more post(s) not shown: see --top N --sort METRIC, --csv, --json.",
                        "… {count} more post(s) not shown: see --top N --sort METRIC, --csv, --json.",
                        hidden,
                    ).format(count=integer(hidden))
                )
            )
        figures = item.summary.as_json()
        if figures["with_metrics"]:
            totals = figures["metrics"]
            listed = ", ".join(
                f"{metric_label(m)} {_value(totals[m])}" for m in ("views", "likes", "reposts", "replies")
            )
            out.print(
                Text(_("Totals: {totals}; engagement rate {rate}.").format(totals=listed, rate=_rate(figures["rate"])))
            )
        _not_out_line(out, [p for p in everything if p.not_out])


def _post_table(out: Console, posts: list[PostFacts], *, title: str, campaign_column: bool = True) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    metrics = [m for m in METRIC_NAMES if any(m in p.metrics for p in posts)]
    measured = any(p.latest for p in posts)
    table = Table(title=escape(title), title_justify="left")
    if campaign_column:
        table.add_column(_("campaign"), overflow="fold")
    for heading in (_("post"), _("account"), _("state"), _("sent (UTC)"), _("where")):
        table.add_column(heading, overflow="fold")
    for metric in metrics:
        table.add_column(metric_label(metric), overflow="fold", justify="right")
    if measured:
        table.add_column(_("rate"), overflow="fold", justify="right")
        table.add_column(_("growth"), overflow="fold")
    for post in posts:
        where = post.url or (render.short(post.reason, 50) if post.reason else "")
        row = [
            Text(post.id),
            Text(post.account),
            Text(post.status, style=render.STATUS_STYLE.get(post.status, "")),
            Text(datetime_text(post.sent_at, seconds=True) if post.sent_at else ""),
            Text(where),
        ]
        if post.latest:
            values = post.metrics
            row += [Text(_value(values.get(m))) for m in metrics]
            if measured:
                row += [Text(_rate(post.rate)), Text(_growth(post))]
        else:
            row += [Text("") for _m in metrics]
            if measured:
                row += [Text(""), Text(_growth(post))]
        if campaign_column:
            row.insert(0, Text(post.campaign))
        table.add_row(*row)
    out.print(table)


def _group_table(out: Console, groups: list[Group], by: str) -> None:
    from rich.table import Table
    from rich.text import Text

    if not groups:
        out.print(Text(_("No posts match. Schedule a campaign with 'socialpost schedule FILE', or widen the filters.")))
        return
    table = Table(title=by_title(by), title_justify="left")
    table.add_column(grouping_label(by), justify="left", overflow="fold")
    for heading in (_("posts"), _("sent"), _("not out"), *map(metric_label, METRIC_NAMES), _("rate")):
        table.add_column(heading, justify="right", overflow="fold")
    table.add_column(_("growth"), justify="left", overflow="fold")
    for group in groups:
        figures = group.as_json()
        totals = figures["metrics"]
        not_out = figures["not_out"]
        table.add_row(
            Text(group.key),
            Text(str(figures["posts"])),
            Text(str(figures["sent"])),
            Text(str(not_out), style="red") if not_out else Text("0"),
            *(Text(_value(totals[m])) for m in METRIC_NAMES),
            Text(_rate(figures["rate"])),
            Text(growth_text(figures["growth"]) if figures["growth"] else ""),
        )
    out.print(table)


def _not_out_line(out: Console, not_out: list[PostFacts]) -> None:
    from rich.text import Text

    if not_out:
        kinds: dict[str, int] = {}
        for post in not_out:
            kinds[post.status] = kinds.get(post.status, 0) + 1
        detail = ", ".join(f"{integer(n)} {k}" for k, n in sorted(kinds.items()))  # state names stay as they are
        # Translators: keep [red]…[/] (rich markup: the part shown in red).
        message = ngettext(
            "[red]{count} post(s) did not go out as planned[/] ({detail}) — see 'socialpost status'.",
            "[red]{count} post(s) did not go out as planned[/] ({detail}) — see 'socialpost status'.",
            len(not_out),
        )
        out.print(Text.from_markup(message.format(count=integer(len(not_out)), detail=detail), emoji=False))


def _pictures(out: Console, posts: list[PostFacts]) -> None:
    from rich.text import Text

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
            out.print(Text(advice.describe()))
    waiting = [
        _("{account} ({sample} of {needed})").format(account=b.account, sample=b.sample, needed=b.needed)
        for b in best
        if not b.advice
    ]
    if waiting:
        out.print(
            Text(
                _(
                    "Best time to post: not enough history yet for {accounts} — posts count once their engagement "
                    "was read a day or more after posting."
                ).format(accounts=", ".join(waiting))
            )
        )
