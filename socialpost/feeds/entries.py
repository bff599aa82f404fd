"""A feed's bytes → its entries (feedparser reads RSS 0.9x–2.0, RSS 1.0 and Atom): each entry's key,
title, link, plain-text summary, date and first image."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser

from socialpost.errors import FeedError
from socialpost.i18n import _


@dataclass(frozen=True)
class Entry:
    key: str  # a hash of the entry's id (guid), else of its link
    title: str
    link: str
    summary: str  # plain text
    published: datetime | None  # None when the feed gives no date, or one that cannot be read
    image: str | None  # the first image's URL
    alt: str  # its alt text ("" when the feed gives none)


def parse(body: bytes) -> list[Entry]:
    """The entries of a feed, in the feed's order. :class:`FeedError` when it is not a feed. An
    entry with neither id nor link cannot be told apart from another and is left out."""
    # no sanitizing (a third of the time): the HTML is only read for its text and its <img>
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=True)
    if not parsed.get("version") and not parsed.entries:
        raise FeedError(_("what the address sends is not a feed (RSS or Atom)."))
    found = []
    for raw in parsed.entries:
        ident = str(raw.get("id") or raw.get("guid") or "").strip() or str(raw.get("link") or "").strip()
        if not ident:
            continue
        html_text = _content(raw)
        image, alt = _image(raw, html_text)
        found.append(
            Entry(
                key=hashlib.sha256(ident.encode("utf-8")).hexdigest(),
                title=_plain(str(raw.get("title") or "")),
                link=str(raw.get("link") or "").strip(),
                summary=_plain(str(raw.get("summary") or "") or html_text),
                published=_date(_stamp(raw)),
                image=image,
                alt=alt,
            )
        )
    return found


def _stamp(raw: Any) -> Any:
    """The entry's published date, else its updated one (read as keys: feedparser's own fallback
    from one to the other warns)."""
    keys = raw.keys()
    for name in ("published_parsed", "updated_parsed"):
        if name in keys and raw[name] is not None:
            return raw[name]
    return None


def _date(value: Any) -> datetime | None:
    """feedparser's UTC ``struct_time``; a date it could not read is absent."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def _content(raw: Any) -> str:
    """The entry's HTML body (WordPress: content:encoded), else its summary."""
    for part in raw.get("content") or ():
        value = part.get("value")
        if value:
            return str(value)
    return str(raw.get("summary") or "")


def _image(raw: Any, body: str) -> tuple[str | None, str]:
    """The first image: media:content or media:thumbnail, an image enclosure, else the first <img>
    of the body; its alt text from the body's <img> with that address, when there is one."""
    images = _Images()
    images.feed(body)
    alts = dict(images.found)
    candidates: list[str] = []
    for media in raw.get("media_content") or ():
        if str(media.get("medium", "image")) == "image" or str(media.get("type", "")).startswith("image/"):
            candidates.append(str(media.get("url") or ""))
    for link in raw.get("links") or ():
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            candidates.append(str(link.get("href") or ""))
    for media in raw.get("media_thumbnail") or ():
        candidates.append(str(media.get("url") or ""))
    candidates.extend(src for src, _alt in images.found)
    for url in candidates:
        if url.startswith(("http://", "https://")):
            return url, alts.get(url, "")
    return None, ""


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            values = dict(attrs)
            src = (values.get("src") or "").strip()
            if src:
                self.found.append((src, _plain(values.get("alt") or "")))


class _Text(HTMLParser):
    """The text people read: no script, style or template content."""

    _HIDDEN = frozenset({"script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in ("p", "br", "div", "li"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self.hidden:
            self.hidden -= 1


def _plain(text: str) -> str:
    """HTML as plain text on one line."""
    if "<" in text:
        parser = _Text()
        parser.feed(text)
        text = "".join(parser.parts)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()
