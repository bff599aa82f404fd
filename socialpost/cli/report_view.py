"""`socialpost report` for people: the campaigns' posts, grouped figures and pictures in a terminal.

Words go through gettext, numbers and times through socialpost.i18n.formats (English keeps the
shapes it always had). Cells are rich Text, not markup: a post's id, link or error is shown as
written, and rich does not parse every cell for markup and emoji codes.

Posts (and groups) are shown as tables when every table of the report fits the terminal with one
line a row, else as lists (a post on a line, its figures and link indented under it): a table of a
dozen columns squeezed into 80 or 120 columns breaks every word over several lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from socialpost.cli import render
from socialpost.i18n import _, ngettext
from socialpost.i18n.formats import integer, percent
from socialpost.report.labels import by_title, grouping_label, growth_brief, metric_label

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from socialpost.report.facts import PostFacts
    from socialpost.report.groups import Group
    from socialpost.report.posts import CampaignReport

METRIC_NAMES = ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks")
# The campaigns' view lists at most this many posts per campaign (a terminal is read, not
# searched), of which at most NOT_OUT_ROWS that did not go out; every post that did not go out is
# still counted, in red, under its campaign. --top N, --csv and --json list everything.
ROWS_PER_CAMPAIGN = 10
NOT_OUT_ROWS = 5
POST_ROWS = 100  # `report --by post` without --top: the first this many (in the order asked)


def value_text(value: int | None) -> str:
    return _("n/a") if value is None else integer(value)


def rate_text(value: float | None) -> str:
    return _("n/a") if value is None else percent(value, 2)


def _growth(post: PostFacts) -> str:
    grown = post.growth
    if grown is None:
        return ""
    return growth_brief(grown) or "±0"


def _sent(post: PostFacts) -> str:
    """When it went out, in its campaign's zone, the zone named (socialpost.localtime)."""
    return post.sent_local_text(seconds=True) if post.sent_at else ""


def _where(post: PostFacts) -> str:
    """Its link, or why it did not go out (shortened)."""
    return post.url or (render.short(post.reason, 50) if post.reason else "")


@dataclass
class PostCells:
    """A list of posts as the cells of a table (the same figures a list shows)."""

    title: str
    posts: list[PostFacts]
    metrics: list[str]  # a metric some post has a figure for (a column of "n/a" says nothing)
    measured: bool  # some post has engagement: a rate column
    grown: bool  # some post was read twice: a growth column
    campaign_column: bool
    headings: list[str]
    rows: list[list[Text]]

    @classmethod
    def of(cls, posts: list[PostFacts], *, title: str, campaign_column: bool) -> PostCells:
        from rich.text import Text

        metrics = [m for m in METRIC_NAMES if any(p.metrics.get(m) is not None for p in posts)]
        measured = any(p.latest for p in posts)
        grown = any(p.growth is not None for p in posts)
        headings = [_("post"), _("account"), _("state"), _("sent (local time)"), _("where")]
        headings += [metric_label(m) for m in metrics]
        if measured:
            headings.append(_("rate"))
        if grown:
            headings.append(_("growth"))
        if campaign_column:
            headings.insert(0, _("campaign"))
        rows = []
        for post in posts:
            row = [
                Text(post.id),
                Text(post.account),
                Text(post.status, style=render.STATUS_STYLE.get(post.status, "")),
                Text(_sent(post)),
                Text(_where(post)),
            ]
            if post.latest:
                values = post.metrics
                row += [Text(value_text(values.get(m))) for m in metrics]
                row.append(Text(rate_text(post.rate)))
            else:
                row += [Text("") for _m in metrics]
                if measured:
                    row.append(Text(""))
            if grown:
                row.append(Text(_growth(post)))
            if campaign_column:
                row.insert(0, Text(post.campaign))
            rows.append(row)
        return cls(title, posts, metrics, measured, grown, campaign_column, headings, rows)

    def width(self) -> int:
        return render.table_width(self.headings, self.rows)

    def print_table(self, out: Console) -> None:
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(self.title, style="table.title"), title_justify="left")
        # the metrics and the rate are right-aligned numbers; growth (last, when shown) is text
        last_number = len(self.headings) - (1 if self.grown else 0)
        first_number = last_number - len(self.metrics) - (1 if self.measured else 0)
        for index, heading in enumerate(self.headings):
            table.add_column(
                heading, overflow="fold", justify="right" if first_number <= index < last_number else "left"
            )
        for row in self.rows:
            table.add_row(*row)
        out.print(table)

    def print_list(self, out: Console) -> None:
        """The post, its account, state and time (its zone named) on a line; under it, indented, its figures and
        its link (or why it did not go out). A link is never broken by rich: the terminal wraps it, so
        it stays one link to click or copy."""
        from rich.console import Group, RenderableType
        from rich.padding import Padding
        from rich.text import Text

        lines: list[RenderableType] = [Text(self.title, style="bold")]
        for post in self.posts:
            head = Text()
            if self.campaign_column:
                head.append(f"{post.campaign} · ")
            head.append(post.id, style="bold")
            head.append(f" · {post.account} · ")
            head.append(post.status, style=render.STATUS_STYLE.get(post.status, ""))
            sent = _sent(post)
            if sent:
                head.append(f" · {sent}")
            lines.append(head)
            details: list[Text] = []
            if post.latest:
                values = post.metrics
                figures = [f"{metric_label(m)} {value_text(values.get(m))}" for m in self.metrics if m in values]
                figures.append(f"{_('rate')} {rate_text(post.rate)}")
                grown = _growth(post)
                if grown:
                    figures.append(_("growth: {change}").format(change=grown))
                details.append(Text(" · ".join(figures)))
            lines += [Padding(line, (0, 0, 0, 4), expand=False) for line in details]
            if post.url:
                lines.append(Text(f"    {post.url}", no_wrap=True, overflow="ignore"))
            elif post.reason:
                lines.append(Padding(Text(_where(post), style="dim"), (0, 0, 0, 4), expand=False))
        out.print(Group(*lines), crop=False)


def campaign_tables(out: Console, reports: list[CampaignReport], *, limited: bool, filtered: bool = False) -> None:
    """Each campaign's posts (at most ROWS_PER_CAMPAIGN when ``limited``), totals and posts not out;
    ``filtered``: the posts were chosen by --campaign, --since… (an empty report then says so)."""
    from rich.text import Text

    if not reports:
        if filtered:
            _no_posts(out)
        else:
            out.print(Text(_("No campaigns yet. Schedule one with 'socialpost schedule FILE'.")))
        return
    shown: list[PostCells] = []
    for item in reports:
        posts = item.posts
        if limited and len(posts) > ROWS_PER_CAMPAIGN:
            keep = [p for p in posts if p.not_out][:NOT_OUT_ROWS]
            posts = [p for p in posts if not p.not_out][: ROWS_PER_CAMPAIGN - len(keep)] + keep
        title = _("{campaign} — {sent} of {total} sent").format(
            campaign=item.campaign, sent=item.count("sent"), total=len(item.everything)
        )
        shown.append(PostCells.of(posts, title=title, campaign_column=False))
    as_tables = all(cells.width() <= out.width for cells in shown)  # one layout for the whole report
    for item, cells in zip(reports, shown, strict=True):
        everything = item.everything
        if as_tables:
            cells.print_table(out)
        else:
            cells.print_list(out)
        _more(out, len(everything) - len(cells.posts))
        sums: dict[str, int] = {}  # Group.total of each metric, in one pass over the campaign's posts
        for post in everything:
            if post.latest is not None:
                for metric, value in post.latest.metrics.items():
                    if value is not None:
                        sums[metric] = sums.get(metric, 0) + value
        if sums:  # the metrics the campaign has figures for ("n/a" four times says nothing)
            listed = ", ".join(f"{metric_label(m)} {value_text(sums[m])}" for m in METRIC_NAMES if m in sums)
            out.print(
                Text(
                    _("Totals: {totals}; engagement rate {rate}.").format(
                        totals=listed, rate=rate_text(item.summary.rate)
                    )
                )
            )
        not_out_line(out, [p for p in everything if p.not_out])


def post_table(out: Console, posts: list[PostFacts], *, title: str, limit: int | None = None) -> None:
    """Posts of any campaign (``report --by post``): a table when it fits the terminal, else a list;
    the first ``limit`` of them, and how many more there are."""
    if not posts:
        _no_posts(out)
        return
    shown = posts if limit is None else posts[:limit]
    cells = PostCells.of(shown, title=title, campaign_column=True)
    if cells.width() <= out.width:
        cells.print_table(out)
    else:
        cells.print_list(out)
    _more(out, len(posts) - len(shown))


def _no_posts(out: Console) -> None:
    from rich.text import Text

    out.print(Text(_("No posts match. Schedule a campaign with 'socialpost schedule FILE', or widen the filters.")))


def _more(out: Console, hidden: int) -> None:
    from rich.text import Text

    if hidden:
        out.print(
            Text(
                ngettext(
                    "… {count} more post(s) not shown: see --top N --sort METRIC, --csv, --json.",
                    "… {count} more post(s) not shown: see --top N --sort METRIC, --csv, --json.",
                    hidden,
                ).format(count=integer(hidden))
            )
        )


def group_table(out: Console, groups: list[Group], by: str) -> None:
    """One row a group (a table when it fits the terminal, else a line a group and its figures under it)."""
    from rich.console import Group as Lines
    from rich.console import RenderableType
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    if not groups:
        _no_posts(out)
        return
    figures = [group.as_json() for group in groups]
    metrics = [m for m in METRIC_NAMES if any(f["metrics"][m] is not None for f in figures)]
    headings = [
        grouping_label(by),
        _("posts"),
        _("sent"),
        _("not out"),
        *map(metric_label, metrics),
        _("rate"),
        _("growth"),
    ]
    rows = []
    for group, found in zip(groups, figures, strict=True):
        totals = found["metrics"]
        not_out = found["not_out"]
        rows.append(
            [
                Text(group.key),
                Text(str(found["posts"])),
                Text(str(found["sent"])),
                Text(str(not_out), style="red") if not_out else Text("0"),
                *(Text(value_text(totals[m])) for m in metrics),
                Text(rate_text(found["rate"])),
                Text((growth_brief(found["growth"]) or "±0") if found["growth"] else ""),
            ]
        )
    if render.table_width(headings, rows) <= out.width:
        table = Table(title=by_title(by), title_justify="left")
        for index, heading in enumerate(headings):
            table.add_column(heading, overflow="fold", justify="left" if index in (0, len(headings) - 1) else "right")
        for row in rows:
            table.add_row(*row)
        out.print(table)
        return
    lines: list[RenderableType] = [Text(by_title(by), style="bold")]
    for row, found in zip(rows, figures, strict=True):
        head = Text.assemble(
            (row[0].plain, "bold"),
            " · " + ngettext("{count} post", "{count} posts", found["posts"]).format(count=integer(found["posts"])),
            " · " + ngettext("{count} sent", "{count} sent", found["sent"]).format(count=integer(found["sent"])),
            " · ",
            (
                ngettext("{count} not out", "{count} not out", found["not_out"]).format(
                    count=integer(found["not_out"])
                ),
                "red" if found["not_out"] else "",
            ),
        )
        lines.append(head)
        totals = found["metrics"]
        listed = [f"{metric_label(m)} {value_text(totals[m])}" for m in metrics if totals[m] is not None]
        listed.append(f"{_('rate')} {rate_text(found['rate'])}")
        if found["growth"]:
            listed.append(_("growth: {change}").format(change=growth_brief(found["growth"]) or "±0"))
        lines.append(Padding(Text(" · ".join(listed)), (0, 0, 0, 4), expand=False))
    out.print(Lines(*lines))


def not_out_line(out: Console, not_out: list[PostFacts]) -> None:
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


def pictures(out: Console, posts: list[PostFacts]) -> None:
    """The trend chart, the hour-of-week heatmap and each account's best times to post."""
    from rich.text import Text

    from socialpost.report.besttimes import week_and_best_times
    from socialpost.report.charts import heatmap, trend_chart

    if not posts:
        return
    out.print()
    out.print(trend_chart(posts, room=out.width))
    grid, best = week_and_best_times(posts)
    if grid.slots:
        out.print(heatmap(grid))
    for advice in best:
        if advice.advice or advice.sample >= advice.needed:  # advice, or why there is none
            out.print(Text(advice.describe()))
    waiting = [
        _("{account} ({sample} of {needed})").format(account=b.account, sample=b.sample, needed=b.needed)
        for b in best
        if b.sample < b.needed
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
