"""``socialpost preview``: one self-contained page showing each post as each network will show it.

Each account's card is drawn the way its network's app lays a post out — X's thread and image
grid with ALT badges, Mastodon's content warning, Bluesky's facets and link card, where LinkedIn
and Instagram cut the text with "see more", YouTube's title and description — a likeness, not a
copy of their pages. Each network declares its look in its profile (its colour and a
:class:`~socialpost.networks.profile.PreviewLook`: the card's shape, where the feed folds, how
links are found and shortened…); a network that declares none gets the generic card. Under each
card, every part's exact length against the account's limit (as `validate` counts it), the notes
`show` prints, and `validate`'s advice about that post and account.

Everything is inline (CSS in a ``<style>``, images as data URIs); no script, and nothing loads
from anywhere. Links are shown as links: no page is fetched for a card.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from socialpost.errors import Problem
from socialpost.i18n import _, language, ngettext
from socialpost.i18n.formats import integer
from socialpost.localtime import local_text
from socialpost.networks.profile import FEED, PHOTO, REPLIES, THREAD, VIDEO, PreviewLook, profile_of
from socialpost.previewpage.build import Card, Image, Page, Post
from socialpost.previewpage.text import cut, first_link, rich, shown_link
from socialpost.report.labels import queue_state

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif,"Apple Color Emoji",
"Segoe UI Emoji","Noto Color Emoji";margin:0;padding:20px;
color:#1d2330;background:#f4f6f9}
main{max-width:1240px;margin:0 auto}
h1{font-size:24px;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:18px;margin:30px 0 4px;overflow-wrap:anywhere}
.meta{color:#5b6472;font-size:13px;margin:0 0 8px}
.general{background:#fff8e1;border:1px solid #f0d58c;border-radius:8px;padding:8px 12px;font-size:13px;margin:10px 0}
.general ul{padding-left:18px;margin:4px 0}.general li{overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:14px;margin-top:8px}
.net{background:#fff;border:1px solid #dde1e7;border-radius:12px;overflow:hidden;min-width:0;
border-top:5px solid var(--c)}
.net>header{display:flex;justify-content:space-between;gap:8px;padding:8px 12px;font-size:13px;
border-bottom:1px solid #eef0f3;flex-wrap:wrap}
.net>header b{color:var(--c)}
.shown{padding:10px 12px;font-size:15px;line-height:1.4}
.who{display:flex;align-items:center;gap:8px;margin-bottom:4px;font-size:14px;min-width:0}
.who span{overflow-wrap:anywhere}
.avatar{flex:none;width:36px;height:36px;border-radius:50%;background:var(--c);color:#fff;display:flex;
align-items:center;justify-content:center;font-weight:700}
.net.sq .avatar{border-radius:8px}
.handle{color:#687684}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:2px 0 6px}
.lnk{color:var(--l,#1d6fd6);text-decoration:none}
.part{position:relative;padding-left:46px;min-height:40px}
.part .avatar{position:absolute;left:0;top:0}
.part+.part{margin-top:10px}
.part:not(:last-child)::before{content:"";position:absolute;left:17px;top:40px;bottom:-10px;width:2px;background:#cfd9de}
.count{font-size:11px;color:#687684}
.grid{display:grid;gap:2px;border-radius:14px;overflow:hidden;margin:6px 0;border:1px solid #dde1e7}
.grid.n2,.grid.n3,.grid.n4{grid-template-columns:repeat(2,minmax(0,1fr))}
.grid.n3 .img:first-child{grid-row:span 2}
.img{position:relative;background:#e6e9ee;aspect-ratio:16/9;min-width:0;overflow:hidden}
.grid.n1 .img{aspect-ratio:auto;max-height:320px}
.img img{width:100%;height:100%;object-fit:cover;display:block}
.grid.n1 .img img{max-height:320px}
.badge{position:absolute;left:6px;bottom:6px;background:rgba(0,0,0,.75);color:#fff;font-size:11px;
font-weight:700;border-radius:4px;padding:1px 5px}
.badge.missing{background:#b3261e}
.nofile{display:flex;align-items:center;justify-content:center;height:100%;padding:8px;font-size:12px;
color:#5b6472;text-align:center;overflow-wrap:anywhere}
.cw{border:1px solid #d9d9f0;background:#f3f3fd;border-radius:8px;padding:6px 8px;margin:4px 0}
.cw summary{cursor:pointer;font-weight:600}.cw summary span{font-weight:400;color:var(--l,#6364ff);margin-left:6px}
.card{border:1px solid #dde1e7;border-radius:12px;overflow:hidden;margin:6px 0;font-size:13px}
.card .dom{color:#687684;padding:6px 10px 0}.card .ttl{padding:2px 10px 8px;overflow-wrap:anywhere}
.card .blank{background:#eef0f3;height:60px;display:flex;align-items:center;justify-content:center;color:#8a919c;
font-size:12px;padding:4px;text-align:center}
.more{color:#687684;font-weight:600}.after{color:#8a919c}
.foldnote{font-size:11px;color:#8a919c;margin-top:2px}
.photo .square{aspect-ratio:1/1;background:#e6e9ee;position:relative;overflow:hidden}
.photo .square .img{aspect-ratio:auto;height:100%}.photo .square img{width:100%;height:100%;object-fit:cover}
.dots{text-align:center;color:#0095f6;font-size:14px;letter-spacing:2px}
.video .player{aspect-ratio:16/9;background:#0f0f0f;color:#fff;position:relative;display:flex;align-items:center;
justify-content:center;overflow:hidden}
.video .player img{width:100%;height:100%;object-fit:cover;position:absolute;inset:0}
.video .play{position:relative;background:var(--c);border-radius:12px;padding:6px 16px;font-size:20px}
.video .title{font-weight:700;font-size:16px;margin:8px 0 2px;overflow-wrap:anywhere}
.video .desc{background:#f2f2f2;border-radius:10px;padding:8px;font-size:13px;white-space:pre-wrap;
overflow-wrap:anywhere}
.facts{border-top:1px solid #eef0f3;padding:8px 12px;font-size:12px;color:#3d4450;background:#fafbfc}
.facts ul{margin:2px 0;padding-left:18px}.facts li{overflow-wrap:anywhere}
.len{font-variant-numeric:tabular-nums}.len.ok::before{content:"✓ ";color:#137a34}
.len.over{color:#b3261e;font-weight:600}.len.over::before{content:"✗ "}
.advice{color:#8a5a00}.error{color:#b3261e;font-weight:600}.note{color:#5b6472}
@media (max-width:700px){body{padding:10px}.cards{grid-template-columns:minmax(0,1fr)}}
@media print{body{background:#fff}.net{break-inside:avoid}}
"""


def build_html(page: Page) -> str:
    """The page in the active language (``<html lang>`` says which)."""
    count = sum(len(post.cards) for post in page.posts)
    heading = _("Preview: {title}").format(title=page.title)
    meta = ngettext(
        "{posts} post · {count} account previews · from {source} · made {when}",
        "{posts} posts · {count} account previews · from {source} · made {when}",
        len(page.posts),
    ).format(posts=integer(len(page.posts)), count=integer(count), source=page.source, when=local_text(page.made))
    out = [
        f'<!DOCTYPE html><html lang="{escape(language())}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(heading)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{escape(heading)}</h1>",
        f'<p class="meta">{escape(meta)}</p>',
        '<p class="meta">'
        + escape(
            _(
                "Each card is a likeness of how the network lays the post out, not a copy of its page. "
                "No network was contacted: link cards show the link only."
            )
        )
        + "</p>",
    ]
    if page.queued:
        out.append(
            '<p class="meta">'
            + escape(_("As the queue keeps them. For the writing advice, run: socialpost validate FILE."))
            + "</p>"
        )
    if page.general:
        items = "".join(f"<li>{_problem(p)}</li>" for p in page.general)
        about = _("About the campaign")
        out.append(f'<div class="general"><b>{escape(about)}</b><ul>{items}</ul></div>')
    for post in page.posts:
        out.append(_post(post))
    out.append("</main></body></html>")
    return "\n".join(out)


def _post(post: Post) -> str:
    first = post.cards[0].preview
    name = f"{post.post_id}@{post.occurrence}" if post.occurrence else post.post_id
    when = local_text(first.due_at, first.local_time.tzinfo)
    cards = "".join(_card(card) for card in post.cards)
    more = (
        f" · {escape(_('recurring: {count} other occurrences').format(count=integer(first.more)))}"
        if first.more
        else ""
    )
    return (
        f'<section class="post" id="{escape(name)}"><h2>{escape(name)}</h2>'
        f'<p class="meta">{escape(when)}{more}</p><div class="cards">{cards}</div></section>'
    )


def _card(card: Card) -> str:
    preview = card.preview
    network = preview.network
    profile = profile_of(network)
    look = profile.look
    shape = SHAPES.get(look.card, _generic)
    state = queue_state(preview.status) if preview.status else _("not scheduled")
    classes = f"net {network} {look.card}" + (" sq" if look.square_avatar else "")
    colours = f"--c:{profile.colour}" + (f";--l:{look.link_colour}" if look.link_colour else "")
    return (
        f'<article class="{escape(classes)}" style="{escape(colours)}">'
        f"<header><span><b>{escape(look.name or network)}</b> {escape(preview.account)}</span>"
        f'<span class="handle">{escape(state)}</span></header>'
        f'<div class="shown">{shape(card, look)}</div>{_facts(card, look)}</article>'
    )


# --- the cards (their shapes: socialpost.networks.profile.CARDS) -----------------------------------


def _who(card: Card, *, avatar: bool = True) -> str:
    account = card.preview.account
    name = account.split(":", 1)[1] if ":" in account else account
    face = f'<span class="avatar">{escape(name[:1].upper())}</span>' if avatar else ""
    return (
        f'<div class="who">{face}<span><b>{escape(name)}</b> <span class="handle">@{escape(name)}</span></span></div>'
    )


def _thread(card: Card, look: PreviewLook) -> str:
    """One post per part, joined by the thread line; the images on the first (X, Threads)."""
    parts = card.preview.parts
    account = card.preview.account
    name = account.split(":", 1)[-1]
    out = []
    for index, part in enumerate(parts):
        count = f' <span class="count">{index + 1}/{len(parts)}</span>' if len(parts) > 1 else ""
        media = _grid(card.images) if index == 0 else ""
        out.append(
            f'<div class="part"><span class="avatar">{escape(name[:1].upper())}</span>'
            f'<div><b>{escape(name)}</b> <span class="handle">@{escape(name)}</span>{count}</div>'
            f'<div class="text">{rich(part.text, look)}</div>{media}</div>'
        )
    return "".join(out)


def _replies(card: Card, look: PreviewLook) -> str:
    """One author line, the parts as replies under it; the images on the first part, else its
    first link's card (Bluesky); the account's content warning hides each part until "Show more"
    (Mastodon)."""
    parts = card.preview.parts
    out = [_who(card)]
    for index, part in enumerate(parts):
        count = f'<div class="count">{index + 1}/{len(parts)}</div>' if len(parts) > 1 else ""
        body = f'{count}<div class="text">{rich(part.text, look)}</div>'
        if index == 0:
            if card.images:
                body += _grid(card.images)
            elif look.link_card and (link := first_link(part.text, look)):
                body += _link_card(link, look)
        if card.spoiler:
            more = _("Show more")
            body = (
                f'<details class="cw"><summary>{escape(card.spoiler)}<span>{escape(more)}</span></summary>'
                f"{body}</details>"
            )
        out.append(body)
    return "".join(out)


def _feed(card: Card, look: PreviewLook) -> str:
    """One text, cut by "… see more" in the feed; a link becomes a card (LinkedIn, Facebook)."""
    text = "\n\n".join(part.text for part in card.preview.parts)
    out = [_who(card), _fold(text, look)]
    if card.images:
        out.append(_grid(card.images))
    elif look.link_card:
        link = first_link(text, look)
        if link:
            out.append(_link_card(link, look))
    return "".join(out)


def _photo(card: Card, look: PreviewLook) -> str:
    """The picture (a carousel's first, with its dots), then the caption cut at the fold (Instagram)."""
    images = card.images
    none = _("no image")
    picture = _picture(images[0]) if images else f'<div class="nofile">{escape(none)}</div>'
    dots = f'<div class="dots">{"●" + "○" * (len(images) - 1)}</div>' if len(images) > 1 else ""
    caption = "\n\n".join(part.text for part in card.preview.parts)
    name = card.preview.account.split(":", 1)[-1]
    return (
        f'{_who(card)}<div class="square">{picture}</div>{dots}'
        f"<div><b>{escape(name)}</b> {_fold(caption, look, inline=True)}</div>"
    )


def _video(card: Card, look: PreviewLook) -> str:
    """The thumbnail (or the player), the title, the description (YouTube)."""
    video = card.preview.video or {}
    title = str(video.get("title") or "")
    thumb = card.thumbnail.uri if card.thumbnail and card.thumbnail.uri else None
    player = f'<img src="{thumb}" alt="">' if thumb else ""
    file = card.preview.video_file.shown if card.preview.video_file else ""
    description = "\n\n".join(part.text for part in card.preview.parts)
    return (
        f'<div class="player">{player}<span class="play">▶</span></div>'
        f'<div class="title">{escape(title)}</div>'
        f'<div class="handle">{escape(file)}</div>'
        f'<div class="desc">{_fold(description, look, inline=True)}</div>'
    )


def _generic(card: Card, look: PreviewLook) -> str:
    """Any other network: its parts as written, and its media."""
    parts = card.preview.parts
    out = [_who(card)]
    for index, part in enumerate(parts):
        count = f'<div class="count">{index + 1}/{len(parts)}</div>' if len(parts) > 1 else ""
        out.append(f'{count}<div class="text">{rich(part.text, look, links=False)}</div>')
    out.append(_grid(card.images))
    return "".join(out)


SHAPES: dict[str, Callable[[Card, PreviewLook], str]] = {
    THREAD: _thread,
    REPLIES: _replies,
    FEED: _feed,
    PHOTO: _photo,
    VIDEO: _video,
}  # any other card: _generic


# --- pieces ---------------------------------------------------------------------------------------


def _fold(text: str, look: PreviewLook, *, inline: bool = False) -> str:
    """The text with the feed's cut marked: what shows, "… more", then the rest greyed."""
    chars = look.fold_at
    head, rest = cut(text, chars) if chars else (text, "")
    tag = "span" if inline else "div"
    if not rest:
        return f'<{tag} class="text">{rich(text, look, links=False)}</{tag}>'
    more = _("… see more") if look.see_more else _("… more")
    note = _("The feed shows about the first {count} characters, then “{more}”.").format(
        count=integer(chars or 0), more=more.strip("… ")
    )
    return (
        f'<{tag} class="text">{rich(head, look, links=False)}<span class="more">{escape(more)}</span>'
        f'<span class="after">{rich(rest, look, links=False)}</span></{tag}>'
        f'<div class="foldnote">{escape(note)}</div>'
    )


def _grid(images: tuple[Image, ...]) -> str:
    """Up to four images the way X, Mastodon and Bluesky tile them, each with its ALT badge."""
    if not images:
        return ""
    shown = images[:4]
    return f'<div class="grid n{len(shown)}">{"".join(_picture(i) for i in shown)}</div>'


def _picture(image: Image) -> str:
    alt = image.file.alt
    no_alt = _("no ALT")
    badge = (
        f'<span class="badge" title="{escape(alt)}">ALT</span>'
        if alt
        else f'<span class="badge missing">{escape(no_alt)}</span>'
    )
    if image.uri:
        body = f'<img src="{image.uri}" alt="{escape(alt)}">'
    else:
        reason = image.file.problem or (image.file.type or _("not an image"))
        body = f'<div class="nofile">{escape(image.file.shown)}<br>{escape(reason)}</div>'
    return f'<div class="img">{body}{badge}</div>'


def _link_card(url: str, look: PreviewLook) -> str:
    from urllib.parse import urlsplit

    domain = urlsplit(url).netloc.removeprefix("www.")
    blank = _("link card: its title and image are read when the post is sent")
    return (
        f'<div class="card"><div class="blank">{escape(blank)}</div><div class="dom">{escape(domain)}</div>'
        f'<div class="ttl"><a class="lnk" href="{escape(url)}">{escape(shown_link(url, look))}</a></div></div>'
    )


def _facts(card: Card, look: PreviewLook) -> str:
    """Each part's length against the limit, the notes `show` prints, and `validate`'s advice."""
    preview = card.preview
    lines = []
    count = len(preview.parts)
    for part in preview.parts:
        for measure in part.measures or (part.headline,):
            label = _("part {number}/{count}").format(number=part.number, count=count) + ": " if count > 1 else ""
            limit = f" / {integer(measure.limit)}" if part.measures else ""
            over = (
                " " + _("({count} over)").format(count=integer(measure.over)) if part.measures and measure.over else ""
            )
            css = "over" if part.measures and measure.over else "ok"
            lines.append(
                f'<li class="len {css}">{escape(label)}{integer(measure.value)}{limit} {escape(_(measure.what))}'
                f"{escape(over)}</li>"
            )
    video = preview.video or {}
    most = look.title_limit  # what `validate` holds a video's title to
    if most is not None and video.get("title") is not None:
        title = str(video.get("title") or "")
        length = _("title: {count} / {limit} characters").format(count=integer(len(title)), limit=integer(most))
        lines.append(f'<li class="len {"over" if len(title) > most else "ok"}">{escape(length)}</li>')
    for image in card.images:
        if image.file.problem:
            lines.append(f'<li class="error">{escape(image.file.problem)}</li>')
    noted = [_("note: {note}").format(note=note) for note in preview.notes]
    lines += [f'<li class="note">{escape(note)}</li>' for note in noted]
    lines += [f'<li class="error">{_problem(p)}</li>' for p in card.errors]
    lines += [f'<li class="advice">{_problem(p)}</li>' for p in card.advice]
    return f'<div class="facts"><ul>{"".join(lines)}</ul></div>'


def _problem(problem: Problem) -> str:
    rule = f"[{escape(problem.rule)}] " if problem.rule else ""
    return f"{rule}{escape(problem.message)}"
