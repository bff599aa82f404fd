"""``socialpost report --html FILE``: one self-contained page a marketer can hand to a client.

Everything is inline: CSS in a ``<style>``, charts as ``<svg>``, the posts' pictures and the
brand's logo as ``data:`` images shrunk to thumbnails; no script, no font, no stylesheet, nothing
fetched from anywhere — the file opens offline and loads nothing. The only web addresses in it are
the posts' own links (``<a href>``, followed only when the reader clicks).

What a client reads: the campaign's name and the brand's (``brand:`` in the config), each post's
text and pictures, times in the campaign's zone with the zone named, only the metrics the networks
gave (no column of "n/a"), and the accounts that cannot have engagement (an outbox, a webhook) said
once and left out of the engagement charts and best times. The layout (``page_css``) works from a
phone to a wide screen and prints on A4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any

from socialpost.engagement.metrics import METRICS
from socialpost.i18n import _, language, ngettext
from socialpost.i18n.formats import date_text, integer, percent
from socialpost.localtime import local_text, reader_zone, zone_label
from socialpost.report.besttimes import BestTimes, HourOfWeek, format_measure, measure_name, week_and_best_times
from socialpost.report.charts import trend
from socialpost.report.engageable import silent_accounts
from socialpost.report.facts import Filters, PostFacts
from socialpost.report.groups import Group, group_posts, sort_by
from socialpost.report.labels import by_title, grouping_label, growth_text, metric_label, status_label
from socialpost.report.page_css import css
from socialpost.report.svg import BAR, heatmap_svg, heatmap_tall_svg, trend_svg
from socialpost.report.thumbnails import PostPictures

if TYPE_CHECKING:
    from socialpost.settings.config import Settings
    from socialpost.store.db import Store

MAX_POST_ROWS = 500
TEXT_SHOWN = 500  # characters of a post's text on its card


@dataclass(frozen=True)
class Brand:
    """Who the report is for: ``brand:`` of the config file, the logo as a ``data:`` URI."""

    name: str | None = None
    colour: str | None = None
    logo: str | None = None


def report_page(
    posts: Sequence[PostFacts],
    *,
    store: Store,
    settings: Settings,
    generated_at: datetime,
    filters: Filters | None = None,
    by: str | None = None,
    sort: str | None = None,
) -> str:
    """The page for ``posts``: the brand from ``settings``, the shown posts' pictures from ``store``."""
    from pathlib import Path

    from socialpost.errors import ConfigError
    from socialpost.report.thumbnails import Pictures, logo_uri
    from socialpost.store.report_rows import post_media

    configured = settings.brand
    logo = None
    if configured.logo:
        logo = logo_uri(Path(configured.logo))
        if logo is None:
            raise ConfigError(
                _(
                    "{where}: the logo {file} cannot be read as a picture. Fix: give a PNG, JPEG, GIF, WebP or SVG "
                    "file, or remove the line."
                ).format(where=settings.setting_at("brand", "logo"), file=configured.logo)
            )
    brand = Brand(configured.name, configured.colour, logo)
    shown = [*not_out_posts(posts), *shown_posts(posts, sort)]
    media = post_media(store, [p.row_id for p in shown])
    reader = Pictures(settings.media_roots)
    pictures = {row_id: reader.of(found) for row_id, found in media.items()}
    return build_html(
        posts, generated_at=generated_at, filters=filters, by=by, sort=sort, brand=brand, pictures=pictures
    )


def not_out_posts(posts: Sequence[PostFacts]) -> list[PostFacts]:
    return [p for p in posts if p.not_out]


def shown_posts(posts: Sequence[PostFacts], sort: str | None) -> list[PostFacts]:
    """The posts listed under "Posts": those that went out, best first, at most :data:`MAX_POST_ROWS`."""
    return sort_by([p for p in posts if not p.not_out], sort or "interactions")[:MAX_POST_ROWS]


def known_metrics(posts: Sequence[PostFacts]) -> list[str]:
    """The metrics at least one of ``posts`` has a figure for, in the usual order: the only columns
    and cards the page shows (a metric no network gave would be a column of "n/a")."""
    return [m for m in METRICS if any(p.latest is not None and p.metrics.get(m) is not None for p in posts)]


def _not_available() -> str:
    return '<span class="na">' + escape(_("n/a")) + "</span>"


def _num(value: int | None) -> str:
    return _not_available() if value is None else integer(value)


def _rate(value: float | None) -> str:
    return _not_available() if value is None else percent(value, 2)


def _short(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _link(url: str | None) -> str:
    """A link to the post on its network; nothing for an address a client cannot open (an outbox's
    ``file://``)."""
    if not url or not url.startswith(("https://", "http://")):
        return ""
    words = _("view the post")
    return f'<a href="{escape(url, quote=True)}">{escape(words)}</a>'


def _th(text: str, number: bool = False) -> str:
    return f'<th class="n">{escape(text)}</th>' if number else f"<th>{escape(text)}</th>"


def _td(label: str, value_html: str, cls: str = "n") -> str:
    return f'<td class="{cls}" data-label="{escape(label)}">{value_html}</td>'


def _group_table(
    groups: Sequence[Group], by: str, metrics: Sequence[str], rate: bool, silent: Sequence[str] = ()
) -> str:
    """A row a group: its posts, then only the metrics some network gave. How many went out and how
    many did not sit under the group's name (two columns fewer: the table fits a tablet and A4). A
    group of accounts that cannot have engagement shows "–" for the metrics."""
    columns = [_("posts"), *(metric_label(m) for m in metrics)]
    if rate:
        columns.append(_("rate"))
    head = _th(grouping_label(by)) + "".join(_th(c, number=True) for c in columns)
    rows = [f'<table class="stack"><thead><tr>{head}</tr></thead><tbody>']
    dash = '<span class="na">–</span>'
    for group in groups:
        figures = group.as_json()  # every figure in one pass over the group's posts
        totals = figures["metrics"]
        none = all(p.account in silent for p in group.posts)
        values = [integer(figures["posts"])]
        values += [dash if none else _num(totals[m]) for m in metrics]
        if rate:
            values.append(dash if none else _rate(figures["rate"]))
        outcome = ngettext("{count} sent", "{count} sent", figures["sent"]).format(count=integer(figures["sent"]))
        key = f"{escape(group.key)}<small>{escape(outcome)}"
        if figures["not_out"]:
            missing = ngettext("{count} did not go out", "{count} did not go out", figures["not_out"]).format(
                count=integer(figures["not_out"])
            )
            key += f' · <span class="st-failed">{escape(missing)}</span>'
        key += "</small>"
        flag = ' class="flag"' if figures["not_out"] else ""
        cells = "".join(_td(label, value) for label, value in zip(columns, values, strict=True))
        rows.append(f"<tr{flag}>{_td(grouping_label(by), key, 'key')}{cells}</tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


def _pictures_html(found: PostPictures | None) -> str:
    if found is None or not (found.thumbnails or found.video):
        return ""
    parts = ['<div class="pics">']
    for thumb in found.thumbnails[:1]:
        parts.append(f'<img src="{thumb.uri}" alt="{escape(thumb.alt, quote=True)}">')
    if found.video:
        video = _("video")
        parts.append(f'<span class="video">▶ {escape(video)}</span>')
    more = found.files - (1 if found.thumbnails else 0) - (1 if found.video and not found.thumbnails else 0)
    if more > 0:
        parts.append(
            '<span class="more">'
            + escape(ngettext("+{count} more file", "+{count} more files", more).format(count=more))
            + "</span>"
        )
    parts.append("</div>")
    return "".join(parts)


def _post_card(post: PostFacts, pictures: Mapping[int, PostPictures], engaged: bool) -> str:
    text = post.text.strip()
    shown = text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1].rstrip() + "…"
    thread = post.thread
    parts = [f'<article class="post{" flag" if post.not_out else ""}">', _pictures_html(pictures.get(post.row_id))]
    parts.append('<div class="body">')
    if shown:
        parts.append(f'<p class="text">{escape(shown)}</p>')
    if thread:
        parts.append(
            '<p class="thread">'
            + escape(
                ngettext("+ {count} more part in the thread", "+ {count} more parts in the thread", len(thread)).format(
                    count=len(thread)
                )
            )
            + "</p>"
        )
    when = post.sent_local_text() if post.sent_at else local_text(post.due_at, reader_zone(post.timezone))
    who = [
        f"<b>{escape(post.account)}</b>",
        f'<span class="w">{escape(when)}</span>',
        f'<span class="w st-{escape(post.status)}">{escape(status_label(post.status))}</span>',
    ]
    link = _link(post.url)
    if link:
        who.append(link)
    parts.append('<p class="who">' + " · ".join(who) + "</p>")
    parts.append(f'<p class="who">{escape(post.campaign)} / {escape(post.id)}</p>')
    if post.not_out and post.reason:
        parts.append(f'<p class="why">{escape(_short(post.reason, 240))}</p>')
    if engaged and post.latest is not None:
        figures = [
            f"<li><b>{integer(value)}</b> {escape(metric_label(metric))}</li>"
            for metric in METRICS
            if (value := post.metrics.get(metric)) is not None
        ]
        if post.rate is not None:
            rate = _("engagement rate")
            figures.append(f"<li><b>{percent(post.rate, 2)}</b> {escape(rate)}</li>")
        grown = post.growth
        if grown:
            change = growth_text(grown)
            if change:
                since = _("since the reading before: {change}").format(change=change)
                figures.append(f"<li>{escape(since)}</li>")
        parts.append('<ul class="figures">' + "".join(figures) + "</ul>")
    parts.append("</div></article>")
    return "".join(parts)


def _zones(posts: Sequence[PostFacts]) -> list[str]:
    """The zones the posts' times are shown in, named as their times name them."""
    names: dict[str, str] = {}
    for post in posts:
        if post.timezone not in names:
            place = reader_zone(post.timezone)
            names[post.timezone] = getattr(place, "key", None) or zone_label(post.when.astimezone(place))
    return sorted(set(names.values()))


def _period(posts: Sequence[PostFacts]) -> str:
    if not posts:
        return ""
    days = sorted(p.local_when.date() for p in posts)
    first, last = date_text(days[0]), date_text(days[-1])
    return first if first == last else _("{first} to {last}").format(first=first, last=last)


def _silent_notice(silent: Sequence[str], everything_silent: bool) -> str:
    accounts = ", ".join(silent)
    if everything_silent:
        text = ngettext(
            "{accounts} cannot report engagement (its network gives no figures): the report counts its posts, with "
            "no engagement charts or best times.",
            "{accounts} cannot report engagement (their networks give no figures): the report counts their posts, "
            "with no engagement charts or best times.",
            len(silent),
        )
    else:
        text = ngettext(
            "{accounts} cannot report engagement (its network gives no figures): its posts are counted, and left out "
            "of the engagement charts and best times.",
            "{accounts} cannot report engagement (their networks give no figures): their posts are counted, and left "
            "out of the engagement charts and best times.",
            len(silent),
        )
    return f'<p class="notice" id="no-engagement">{escape(text.format(accounts=accounts))}</p>'


def _trend(posts: Sequence[PostFacts], colour: str) -> str:
    by, points = trend(posts)
    wide = trend_svg(points, by, width=1000, height=280, font=13, colour=colour)
    narrow = trend_svg(points, by, width=360, height=230, font=12, colour=colour)
    if by == "week":
        legend = _(
            "Interactions (likes + reposts + replies + quotes) per week, latest snapshot; a red dot marks posts that "
            "did not go out."
        )
    else:
        legend = _(
            "Interactions (likes + reposts + replies + quotes) per day, latest snapshot; a red dot marks posts that "
            "did not go out."
        )
    return (
        f'<div class="wide">{wide}</div><div class="narrow">{narrow}</div>'
        f'<p class="note">{escape(legend, quote=False)}</p>'
    )


def _heatmap(grid: HourOfWeek, zones: Sequence[str]) -> str:
    values = [s.median for s in grid.slots.values()]
    where = ", ".join(zones)
    if values:
        legend = ngettext(
            "{measure} by hour, in the posts' local time ({zones}), {count} posts: lightest {low}, darkest {high}; "
            "grey: no post.",
            "{measure} by hour, in the posts' local time ({zones}), {count} posts: lightest {low}, darkest {high}; "
            "grey: no post.",
            grid.sample,
        ).format(
            measure=measure_name(grid.measure).capitalize(),
            zones=where,
            count=grid.sample,
            low=format_measure(min(values), grid.measure),
            high=format_measure(max(values), grid.measure),
        )
    else:
        legend = _("Not enough engagement yet (posts count once read a day or more after posting).")
    return (
        f'<div class="wide heat-wrap">{heatmap_svg(grid)}</div><div class="narrow">{heatmap_tall_svg(grid)}</div>'
        f'<p class="note">{escape(legend, quote=False)}</p>'
    )


def build_html(
    posts: Sequence[PostFacts],
    *,
    generated_at: datetime,
    filters: Filters | None = None,
    by: str | None = None,
    sort: str | None = None,
    title: str | None = None,
    brand: Brand | None = None,
    pictures: Mapping[int, PostPictures] | None = None,
) -> str:
    """The page, in the active language (``<html lang>`` says which)."""
    brand = brand or Brand()
    pictures = pictures or {}
    colour = brand.colour or BAR
    campaigns = sorted({p.campaign for p in posts})
    if title is None:
        title = campaigns[0] if len(campaigns) == 1 else _("Social media report")
    silent = silent_accounts(posts)
    engaged = [p for p in posts if p.account not in silent]
    metrics = known_metrics(engaged)
    everything = Group("all", list(posts))
    figures = everything.as_json()
    not_out = not_out_posts(posts)
    active: dict[str, Any] = {k: v for k, v in (filters.as_json() if filters else {}).items() if v}
    filt = ", ".join(f"{k} {v}" for k, v in active.items()) or _("all posts")  # option names stay as they are
    zones = _zones(posts)
    out = [
        f'<!DOCTYPE html><html lang="{escape(language())}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(' · '.join(x for x in (brand.name, title) if x))}</title>",
        f"<style>{css(brand.colour)}</style></head><body>",
        '<header class="top">',
    ]
    if brand.logo:
        out.append(f'<img class="logo" src="{brand.logo}" alt="{escape(brand.name or "", quote=True)}">')
    out.append("<div>")
    if brand.name:
        out.append(f'<p class="brand">{escape(brand.name)}</p>')
    out.append(f"<h1>{escape(title)}</h1>")
    summary = [_("Social media report")] if len(campaigns) == 1 else []
    if len(campaigns) > 1:
        summary.append(_("Campaigns: {names}").format(names=", ".join(campaigns)))
    if posts:
        summary.append(_period(posts))
        summary.append(_("times in {zones}").format(zones=", ".join(zones)))
    out.append('<p class="meta">' + escape(" · ".join(summary)) + "</p>")
    out.append(
        '<p class="meta">'
        + escape(_("Generated {time} by socialpost · {filters}").format(time=local_text(generated_at), filters=filt))
        + "</p></div></header>"
    )
    out += [
        '<div class="cards">',
        _card(integer(len(posts)), _("posts")),
        _card(integer(figures["sent"]), _("sent")),
        _card(integer(len(not_out)), _("did not go out")),
    ]
    for metric in metrics:
        out.append(_card(_num(figures["metrics"][metric]), metric_label(metric)))
    rate = figures["rate"] is not None
    if rate:
        out.append(_card(_rate(figures["rate"]), _("engagement rate")))
    out.append("</div>")
    if metrics:
        note = _("Numbers are each post's latest snapshot; a network that does not give a metric shows none.")
        if rate:
            note += " " + _(
                "Engagement rate = (likes + reposts + replies + quotes) / views, over posts whose views are known."
            )
        out.append(f'<p class="note">{escape(note, quote=False)}</p>')
    if silent:
        out.append(_silent_notice(silent, not engaged))
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
    if engaged:
        grid, best = week_and_best_times(engaged)
        out.append(_h2(_("Trend")))
        out.append(_trend(engaged, colour))
        out.append(_h2(_("Hour of the week")))
        out.append(_heatmap(grid, _zones(engaged)))
        out.append(_best_times(best))
    if not posts:
        empty = _("No post matches yet: schedule a campaign (socialpost schedule FILE), or widen the filters.")
        out.append(f'<p class="notice">{escape(empty)}</p>')
        out.append("<footer>" + escape(_("Made with socialpost")) + "</footer></body></html>\n")
        return "".join(out)
    views = [by] if by and by != "post" else ["campaign", "network"]
    for view in views:
        out.append(_h2(by_title(view)))
        out.append(_group_table(sort_by(group_posts(posts, view), sort), view, metrics, rate, silent))
    if not_out:
        out.append(_h2(_("Did not go out")))
        out.append('<div class="posts">' + "".join(_post_card(p, pictures, False) for p in not_out) + "</div>")
    shown = shown_posts(posts, sort)
    if shown and engaged:
        heading = ngettext("Posts ({count} shown, best first)", "Posts ({count} shown, best first)", len(shown))
    else:
        heading = ngettext("Posts ({count} shown)", "Posts ({count} shown)", len(shown))
    out.append(_h2(heading.format(count=integer(len(shown)))))
    out.append(
        '<div class="posts">' + "".join(_post_card(p, pictures, p.account not in silent) for p in shown) + "</div>"
    )
    out.append("<footer>" + escape(_("Made with socialpost")) + "</footer></body></html>\n")
    return "".join(out)


def _best_times(best: Sequence[BestTimes]) -> str:
    if not best:
        return ""
    items = "".join(f"<li>{escape(item.describe())}</li>" for item in best)
    return _h2(_("Best time to post")) + f'<ul class="best">{items}</ul>'


def _h2(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def _card(value_html: str, label: str) -> str:
    return f"<div class='card'><b>{value_html}</b><span>{escape(label)}</span></div>"
