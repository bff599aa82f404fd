"""``socialpost calendar --html FILE``: the calendar as one self-contained page.

A month grid per month from the first post to the last, each post a chip in its network's colour
with its local time, state mark and account; its full text shows on hover (``title``) and in the
list of posts under each month. Below 700 px wide the grid becomes a list of the days that have
posts. Everything is inline (CSS in a ``<style>``; no script, font or image from anywhere).
"""

from __future__ import annotations

from html import escape

from socialpost.calendar.entries import MARK_NAMES, MARKS, Calendar, Entry, network_colour
from socialpost.calendar.grid import Day, Period, months
from socialpost.i18n import _, language, ngettext
from socialpost.i18n.formats import date_text, integer, month_title, time_text, weekday_name
from socialpost.localtime import local_text

CHIP_CHARS = 90  # a phone shows them whole (two lines); a month grid cuts them with an ellipsis

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif,"Apple Color Emoji",
"Segoe UI Emoji","Noto Color Emoji";margin:0;padding:20px;
color:#1d2330;background:#fff}
main{max-width:1200px;margin:0 auto}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:26px 0 8px}
.meta{color:#5b6472;font-size:13px;margin:0 0 10px}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:13px;margin:8px 0 4px;padding:0;list-style:none}
.legend li{display:flex;align-items:center;gap:5px}
.swatch{width:12px;height:12px;border-radius:3px;display:inline-block}
.month{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));border-top:1px solid #dde1e7;
border-left:1px solid #dde1e7}
.dow{font-size:12px;font-weight:600;color:#5b6472;padding:4px 6px;background:#f5f7fa;
border-right:1px solid #dde1e7;border-bottom:1px solid #dde1e7}
.day{min-height:92px;padding:4px;border-right:1px solid #dde1e7;border-bottom:1px solid #dde1e7;min-width:0}
.day.out{background:#fafbfc;color:#aab1bb}.day.today{background:#fffbea}
.date{font-size:12px;font-weight:600;margin-bottom:3px}.date .long{display:none}
.chip{display:block;font-size:12px;line-height:1.3;margin:0 0 4px;padding:2px 5px;border-radius:4px;
border-left:4px solid var(--c);background:#f3f5f8}
.chip .who,.chip .snip{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.chip .snip{color:#4a5260}
.mark{font-weight:700}.mark.sent{color:#137a34}.mark.failed,.mark.attention{color:#b3261e}.mark.paused{color:#9a6700}
.chip.failed,.chip.attention{background:#fdecec}.chip.sent{background:#eaf6ec}.chip.paused{background:#fff4d6}
.chip.cancelled{text-decoration:line-through;color:#8a919c}
.chip b{font-weight:600}
.posts{margin:10px 0 0;padding:0;list-style:none;font-size:13px}
.posts li{padding:6px 0 6px 10px;border-left:4px solid var(--c);margin:0 0 6px;overflow-wrap:anywhere}
.posts .when{color:#5b6472}.posts .text{white-space:pre-wrap;margin-top:2px}
.empty{color:#5b6472;font-style:italic}
@media (max-width:700px){
body{padding:12px}
.month{display:block;border:0}
.dow,.day.out,.day.none{display:none}
.day{min-height:0;border:1px solid #dde1e7;border-radius:6px;margin:0 0 6px}
.date .short{display:none}.date .long{display:inline}
.chip .who,.chip .snip{white-space:normal;overflow-wrap:anywhere}
}
@media print{.day{break-inside:avoid}}
"""


def build_html(calendar: Calendar, *, title: str | None = None) -> str:
    """The page in the active language (``<html lang>`` says which)."""
    shown = calendar.shown()
    heading = title or _("Publishing calendar")
    zone = calendar.zone_name()
    meta = _("{count} posts · times in {zone} · made {when}").format(
        count=integer(len(shown)), zone=zone, when=local_text(calendar.now)
    )
    out = [
        f'<!DOCTYPE html><html lang="{escape(language())}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(heading)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{escape(heading)}</h1>",
        f'<p class="meta">{escape(meta)}</p>',
        _legend(shown),
    ]
    if not shown:
        nothing = _("No post matches.")
        out.append(f'<p class="empty">{escape(nothing)}</p>')
    for month in months(calendar):
        out.append(_month(calendar, month))
    out.append("</main></body></html>")
    return "\n".join(out)


def _legend(entries: list[Entry]) -> str:
    networks = sorted({e.network for e in entries})
    items = [
        f'<li><span class="swatch" style="background:{network_colour(n)}"></span>{escape(n)}</li>' for n in networks
    ]
    states = sorted({e.state for e in entries}, key=list(MARKS).index)
    items += [f"<li>{MARKS[s]} {escape(_(MARK_NAMES[s]))}</li>" for s in states]
    return f'<ul class="legend">{"".join(items)}</ul>'


def _month(calendar: Calendar, month: Period) -> str:
    today = calendar.now.astimezone(calendar.zone).date()
    count = month.count
    label = ngettext("{count} post", "{count} posts", count).format(count=integer(count))
    cells = [f'<div class="dow">{escape(weekday_name(i))}</div>' for i in range(7)]
    for week in month.weeks:
        cells.extend(_day(calendar, day, today) for day in week)
    posts = [e for day in month.days for e in day.entries]
    listing = "".join(_post_item(calendar, e) for e in posts)
    return (
        f'<section class="month-block"><h2>{escape(month_title(month.first))} '
        f'<span class="meta">({escape(label)})</span></h2>'
        f'<div class="month">{"".join(cells)}</div>'
        + (f'<ul class="posts">{listing}</ul>' if listing else "")
        + "</section>"
    )


def _day(calendar: Calendar, day: Day, today: object) -> str:
    classes = ["day"]
    if not day.in_month:
        classes.append("out")
    if not day.entries:
        classes.append("none")
    if day.day == today:
        classes.append("today")
    chips = "".join(_chip(calendar, e) for e in day.entries) if day.in_month else ""
    return (
        f'<div class="{" ".join(classes)}"><div class="date"><span class="short">{day.day.day}</span>'
        f'<span class="long">{escape(date_text(day.day))}</span></div>{chips}</div>'
    )


def _chip(calendar: Calendar, entry: Entry) -> str:
    local = calendar.local(entry)
    text = " ".join(entry.text.split())
    short = text if len(text) <= CHIP_CHARS else text[: CHIP_CHARS - 1].rstrip() + "…"
    hover = f"{entry.ref} — {_(MARK_NAMES[entry.state])}\n{entry.text}"
    return (
        f'<span class="chip {entry.state}" style="--c:{entry.colour}" title="{escape(hover)}">'
        f'<span class="who"><b>{escape(time_text(local))}</b> {_mark(entry)} {escape(entry.account)}</span>'
        f'<span class="snip">{escape(short)}</span></span>'
    )


def _mark(entry: Entry) -> str:
    return f'<span class="mark {entry.state}">{entry.mark}</span>'


def _post_item(calendar: Calendar, entry: Entry) -> str:
    when = local_text(entry.when, calendar.zone)
    word = _("link")
    link = f' · <a href="{escape(entry.url)}">{escape(word)}</a>' if entry.url else ""
    text = "\n\n".join(entry.parts)
    return (
        f'<li style="--c:{entry.colour}"><div class="when">{escape(when)} · {_mark(entry)} '
        f"{escape(_(MARK_NAMES[entry.state]))} · <b>{escape(entry.account)}</b> · {escape(entry.ref)}{link}</div>"
        f'<div class="text">{escape(text)}</div></li>'
    )
