"""``socialpost report --html FILE``: one self-contained page a marketer can e-mail to a client.

Everything is inline: CSS in a ``<style>``, charts as ``<svg>``; no script, no font, no image, no
stylesheet from anywhere — the file opens offline and loads nothing. The only web addresses in it
are the posts' own links (``<a href>``, followed only when the reader clicks).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Any

from socialpost.engagement.metrics import METRICS
from socialpost.i18n import _, language, ngettext
from socialpost.i18n.formats import integer, percent, weekday_name
from socialpost.localtime import local_text
from socialpost.report.besttimes import DAYS, BestTimes, HourOfWeek, format_measure, hour_of_week, measure_name
from socialpost.report.charts import heat_level, trend
from socialpost.report.facts import Filters, PostFacts
from socialpost.report.groups import Group, group_posts, sort_by
from socialpost.report.labels import by_title, grouping_label, growth_text, metric_label

HEAT_FILL = ("#eef0f3", "#d6efd9", "#a8dcb0", "#6cc17c", "#34a04f", "#137a34")
MAX_POST_ROWS = 500

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px;color:#1d2330;
background:#fff;max-width:1150px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
.meta{color:#5b6472;font-size:13px}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{border:1px solid #dde1e7;border-radius:8px;padding:8px 14px;min-width:90px}
.card b{display:block;font-size:20px}.card span{color:#5b6472;font-size:12px}
.warn{background:#fdecec;border:1px solid #f3b5b5;color:#8a1c1c;border-radius:8px;padding:8px 12px;margin:10px 0}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px;width:100%}
th,td{border-bottom:1px solid #e6e9ee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f7fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.na{color:#9aa1ab}.st-sent{color:#137a34}.st-failed,.st-missed,.st-unknown,.st-held{color:#b3261e;font-weight:600}
tr.flag td{background:#fff5f5}svg text{font-family:inherit}.note{color:#5b6472;font-size:12px}
"""


def _not_available() -> str:
    return '<span class="na">' + escape(_("n/a")) + "</span>"


def _num(value: int | None) -> str:
    return _not_available() if value is None else integer(value)


def _rate(value: float | None) -> str:
    return _not_available() if value is None else percent(value, 2)


def _link(url: str | None) -> str:
    if not url:
        return ""
    if url.startswith(("https://", "http://")):
        return f'<a href="{escape(url, quote=True)}">{escape(_short(url, 48))}</a>'
    return escape(_short(url, 48))


def _short(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def trend_svg(posts: Sequence[PostFacts], width: int = 1100, height: int = 260) -> str:
    by, points = trend(posts)
    left, right, top, bottom = 56, 12, 16, 54
    plot_w, plot_h = width - left - right, height - top - bottom
    label = _("Interactions per week") if by == "week" else _("Interactions per day")
    parts = [
        f'<svg class="chart trend" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
    ]
    high = max((p.interactions or 0 for p in points), default=0)
    scale = high or 1
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#9aa1ab"/>')
    for fraction in (0.0, 0.5, 1.0):
        y = top + plot_h - fraction * plot_h
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#5b6472">')
        parts.append(f"{integer(round(scale * fraction))}</text>")
        if fraction:
            parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eef0f3"/>')
    if not points:
        parts.append(
            f'<text x="{left + 10}" y="{top + plot_h / 2}" font-size="13" fill="#5b6472">'
            + escape(_("no posts"))
            + "</text>"
        )
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    every = max(1, len(points) // 12)
    for index, point in enumerate(points):
        x = left + index * slot + (slot - bar_w) / 2
        value = point.interactions or 0
        h = value / scale * plot_h
        shown = _("n/a") if point.interactions is None else integer(value)
        if point.not_out:
            tip = _("{key}: {value} interactions, {sent} sent, {not_out} not out").format(
                key=point.key, value=shown, sent=point.posts, not_out=point.not_out
            )
        else:
            tip = _("{key}: {value} interactions, {sent} sent").format(key=point.key, value=shown, sent=point.posts)
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{max(h, 0.5):.1f}" '
            f'fill="{"#34a04f" if point.interactions is not None else "#d0d4da"}"><title>{escape(tip)}</title></rect>'
        )
        if point.not_out:
            parts.append(
                f'<circle cx="{x + bar_w / 2:.1f}" cy="{top + plot_h + 8}" r="3" fill="#b3261e">'
                f"<title>{escape(_not_out_title(point.not_out))}</title></circle>"
            )
        if index % every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 24}" font-size="10" text-anchor="middle" '
                f'fill="#5b6472">{escape(point.key)}</text>'
            )
    if by == "week":
        legend = _(
            "interactions (likes + reposts + replies + quotes) per week, latest snapshot; a red dot marks posts that "
            "did not go out"
        )
    else:
        legend = _(
            "interactions (likes + reposts + replies + quotes) per day, latest snapshot; a red dot marks posts that "
            "did not go out"
        )
    parts.append(f'<text x="{left}" y="{height - 6}" font-size="11" fill="#5b6472">{escape(legend)}</text></svg>')
    return "".join(parts)


def _not_out_title(count: int) -> str:
    # English keeps its one wording for every count (its output is pinned); ngettext lets French agree.
    return ngettext("{count} post(s) did not go out", "{count} post(s) did not go out", count).format(count=count)


def heatmap_svg(grid: HourOfWeek, cell: int = 36) -> str:
    left, top = 96, 26
    width, height = left + 24 * cell + 10, top + 7 * cell + 40
    what = measure_name(grid.measure)
    label = _("Hour of the week, {measure}").format(measure=what)
    parts = [
        f'<svg class="chart heatmap" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
    ]
    for hour in range(24):
        parts.append(
            f'<text x="{left + hour * cell + cell / 2}" y="{top - 8}" font-size="10" text-anchor="middle" '
            f'fill="#5b6472">{hour:02d}</text>'
        )
    values = [s.median for s in grid.slots.values()]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    no_post = _("{day} {hour}:00: no post")
    for weekday in range(len(DAYS)):
        day = weekday_name(weekday, short=False)
        y = top + weekday * cell
        parts.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4}" font-size="12" text-anchor="end">{escape(day)}</text>'
        )
        for hour in range(24):
            slot = grid.slots.get((weekday, hour))
            level = 0 if slot is None else heat_level(slot.median, low, high)
            if slot is None:
                tip = no_post.format(day=day, hour=f"{hour:02d}")
            else:
                tip = ngettext(
                    "{day} {hour}:00: {measure} {value} ({count} posts)",
                    "{day} {hour}:00: {measure} {value} ({count} posts)",
                    slot.posts,
                ).format(
                    day=day,
                    hour=f"{hour:02d}",
                    measure=what,
                    value=format_measure(slot.median, grid.measure),
                    count=slot.posts,
                )
            parts.append(
                f'<rect class="cell" x="{left + hour * cell + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" '
                f'rx="3" fill="{HEAT_FILL[level]}"><title>{escape(tip)}</title></rect>'
            )
    legend_y = top + 7 * cell + 22
    parts.append(f'<text x="{left}" y="{legend_y}" font-size="11" fill="#5b6472">')
    if values:
        parts.append(
            escape(
                ngettext(
                    "{measure}, posts' local time, {count} posts: lightest {low}, darkest {high}; grey: no post",
                    "{measure}, posts' local time, {count} posts: lightest {low}, darkest {high}; grey: no post",
                    grid.sample,
                ).format(
                    measure=what,
                    count=grid.sample,
                    low=format_measure(low, grid.measure),
                    high=format_measure(high, grid.measure),
                )
            )
        )
    else:
        parts.append(escape(_("not enough engagement yet (posts count once read a day or more after posting)")))
    parts.append("</text></svg>")
    return "".join(parts)


def _th(text: str) -> str:
    return f"<th>{escape(text)}</th>"


def _th_number(text: str) -> str:
    return f"<th class='n'>{escape(text)}</th>"


def _metric_headings() -> str:
    return "".join(f'<th class="n">{escape(metric_label(m))}</th>' for m in METRICS)


def _group_table(groups: Sequence[Group], by: str) -> str:
    head = _th(grouping_label(by)) + _th_number(_("posts")) + _th_number(_("sent")) + _th_number(_("not out"))
    tail = _th_number(_("rate"))
    rows = [f"<table><thead><tr>{head}{_metric_headings()}{tail}</tr></thead><tbody>"]
    for group in groups:
        figures = group.as_json()  # every figure in one pass over the group's posts
        totals = figures["metrics"]
        flag = ' class="flag"' if figures["not_out"] else ""
        cells = "".join(f'<td class="n">{_num(totals[m])}</td>' for m in METRICS)
        rows.append(
            f"<tr{flag}><td>{escape(group.key)}</td><td class='n'>{figures['posts']}</td>"
            f"<td class='n'>{figures['sent']}</td>"
            f"<td class='n'>{figures['not_out']}</td>{cells}<td class='n'>{_rate(figures['rate'])}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _post_table(posts: Sequence[PostFacts]) -> str:
    head = "".join(
        _th(text) for text in (_("post"), _("account"), _("state"), _("sent (local time)"), _("where / why"))
    )
    tail = _th_number(_("rate")) + _th_number(_("growth"))
    rows = [f"<table><thead><tr>{head}{_metric_headings()}{tail}</tr></thead><tbody>"]
    no_change = _("no change")
    for post in posts:
        metrics = post.metrics
        cells = "".join(f'<td class="n">{_num(metrics.get(m)) if post.latest else ""}</td>' for m in METRICS)
        grown = post.growth
        growth = "" if grown is None else growth_text(grown) or no_change
        where = _link(post.url) if post.url else escape(_short(post.reason or "", 90))
        flag = ' class="flag"' if post.not_out else ""
        rows.append(
            f"<tr{flag}><td>{escape(post.campaign)} / {escape(post.id)}</td><td>{escape(post.account)}</td>"
            f'<td class="st-{escape(post.status)}">{escape(post.status)}</td>'
            f"<td>{escape(post.sent_local_text()) if post.sent_at else ''}</td><td>{where}</td>{cells}"
            f"<td class='n'>{_rate(post.rate) if post.latest else ''}</td><td class='n'>{escape(growth)}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def build_html(
    posts: Sequence[PostFacts],
    *,
    generated_at: datetime,
    filters: Filters | None = None,
    best: Sequence[BestTimes] = (),
    grid: HourOfWeek | None = None,
    by: str | None = None,
    sort: str | None = None,
    title: str | None = None,
) -> str:
    """The page, in the active language (``<html lang>`` says which). ``grid``: the posts' hour of
    the week, when the caller has it already (:func:`~socialpost.report.besttimes.week_and_best_times`)."""
    title = _("Social media report") if title is None else title
    everything = Group("all", list(posts))
    figures = everything.as_json()
    not_out = [p for p in posts if p.not_out]
    active: dict[str, Any] = {k: v for k, v in (filters.as_json() if filters else {}).items() if v}
    filt = ", ".join(f"{k} {v}" for k, v in active.items()) or _("all posts")  # option names stay as they are
    out = [
        f'<!DOCTYPE html><html lang="{escape(language())}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        '<p class="meta">'
        + escape(_("Generated {time} by socialpost · {filters}").format(time=local_text(generated_at), filters=filt))
        + "</p>",
        '<div class="cards">',
        _card(integer(len(posts)), _("posts")),
        _card(integer(figures["sent"]), _("sent")),
        _card(integer(len(not_out)), _("did not go out")),
    ]
    for metric in METRICS:
        out.append(_card(_num(figures["metrics"][metric]), metric_label(metric)))
    out.append(_card(_rate(figures["rate"]), _("engagement rate")) + "</div>")
    out.append(
        '<p class="note">'
        + escape(
            _(
                'Numbers are each post\'s latest snapshot. "n/a": the network does not give that metric (never '
                "counted as 0). Engagement rate = (likes + reposts + replies + quotes) / views, over posts whose "
                "views are known."
            ),
            quote=False,
        )
        + "</p>"
    )
    if not_out:
        out.append(
            '<div class="warn">'
            + escape(
                ngettext(
                    "{count} post(s) did not go out as planned (failed, missed, unknown or held); they are listed "
                    "below.",
                    "{count} post(s) did not go out as planned (failed, missed, unknown or held); they are listed "
                    "below.",
                    len(not_out),
                ).format(count=len(not_out))
            )
            + "</div>"
        )
    out.append(_h2(_("Trend")))
    out.append(trend_svg(posts))
    out.append(_h2(_("Hour of the week")))
    out.append(heatmap_svg(grid if grid is not None else hour_of_week(posts)))
    if best:
        out.append(_h2(_("Best time to post")) + "<ul>")
        for item in best:
            out.append(f"<li>{escape(item.describe())}</li>")
        out.append("</ul>")
    views = [by] if by and by != "post" else ["campaign", "network"]
    for view in views:
        out.append(_h2(by_title(view)))
        out.append(_group_table(sort_by(group_posts(posts, view), sort), view))
    if not_out:
        out.append(_h2(_("Did not go out")))
        out.append(_post_table(not_out))
    shown = sort_by([p for p in posts if not p.not_out], sort or "interactions")[:MAX_POST_ROWS]
    if shown:
        heading = ngettext("Posts ({count} shown, best first)", "Posts ({count} shown, best first)", len(shown))
    else:
        heading = ngettext("Posts ({count} shown)", "Posts ({count} shown)", len(shown))
    out.append(_h2(heading.format(count=integer(len(shown)))))
    out.append(_post_table(shown))
    out.append("</body></html>\n")
    return "".join(out)


def _h2(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def _card(value_html: str, label: str) -> str:
    return f"<div class='card'><b>{value_html}</b><span>{escape(label)}</span></div>"
