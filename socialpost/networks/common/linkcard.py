"""A link card: the title, description and image of a linked page (Open Graph first), read
through :mod:`socialpost.fetch` (its policy refuses private and loopback addresses unless told).

:func:`fetch_card` reads the page; :func:`fetch_image` its image, ready for upload
(:mod:`socialpost.networks.common.images`). No network is named here: an adapter builds its own
embed from a :class:`PageCard`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from socialpost.fetch import FetchPolicy, fetch
from socialpost.networks.common.images import ImageRefused, PreparedImage, prepare_image

CARD_TIMEOUT = 5.0  # seconds for fetching a link's page or its image
CARD_MAX_PAGE_BYTES = 512_000  # only the start of a page is read (the <head> is at the top)
CARD_MAX_IMAGE_BYTES = 5_000_000
CARD_TITLE_CHARS = 300
CARD_DESCRIPTION_CHARS = 1000


@dataclass(frozen=True)
class PageCard:
    title: str
    description: str
    image: str | None  # absolute URL


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            name = (values.get("property") or values.get("name") or "").strip().lower()
            if name and "content" in values and name not in self.meta:
                self.meta[name] = values["content"].strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def fetch_card(url: str, *, policy: FetchPolicy | None = None) -> PageCard | None:
    """Title, description and image of the page at ``url`` (Open Graph first); None for a link that
    is not http(s) or a page that is not HTML. FetchError when the page is refused or cannot be read.

    Only the first CARD_MAX_PAGE_BYTES are read (the ``<head>`` is at the top); a relative image is
    resolved against the page's address after redirects."""
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    page = fetch(
        url,
        max_bytes=CARD_MAX_PAGE_BYTES,
        accept="text/html,application/xhtml+xml",
        policy=policy or FetchPolicy(timeout=CARD_TIMEOUT),
        truncate=True,
    )
    body, lowered = page.body, page.content_type.lower()
    if "html" not in lowered and not body.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html")):
        return None
    charset = re.search(r"charset=([\w-]+)", lowered)
    try:
        text = body.decode(charset.group(1) if charset else "utf-8", "replace")
    except LookupError:
        text = body.decode("utf-8", "replace")
    parser = _MetaParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # noqa: BLE001 - a page we cannot parse gets no card
        return None
    meta = parser.meta
    title = meta.get("og:title") or meta.get("twitter:title") or " ".join(parser.title.split())
    description = meta.get("og:description") or meta.get("twitter:description") or meta.get("description") or ""
    image = meta.get("og:image") or meta.get("og:image:url") or meta.get("twitter:image")
    image_url = urljoin(page.url, image) if image else None
    if image_url and urlsplit(image_url).scheme not in ("http", "https"):
        image_url = None
    return PageCard(
        title=" ".join(title.split())[:CARD_TITLE_CHARS],
        description=" ".join(description.split())[:CARD_DESCRIPTION_CHARS],
        image=image_url,
    )


def fetch_image(url: str, *, max_bytes: int, policy: FetchPolicy | None = None) -> PreparedImage | None:
    """A link card's thumbnail, ready for upload (at most ``max_bytes``, re-encoded if needed);
    None when it is not an image the network shows. FetchError when it is refused or cannot be read."""
    image = fetch(
        url, max_bytes=CARD_MAX_IMAGE_BYTES, accept="image/*", policy=policy or FetchPolicy(timeout=CARD_TIMEOUT)
    )
    try:
        return prepare_image(image.body, label="the link card image", max_bytes=max_bytes)
    except ImageRefused:  # never shown: a refusal means no image
        return None


__all__ = ["CARD_MAX_IMAGE_BYTES", "CARD_MAX_PAGE_BYTES", "CARD_TIMEOUT", "PageCard", "fetch_card", "fetch_image"]
