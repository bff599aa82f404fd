"""A blog on loopback for the feed tests: feed files (RSS 2.0, Atom, a WordPress export) and images
served by a real HTTP server that honours conditional GET (ETag / If-None-Match, Last-Modified /
If-Modified-Since → 304), reached by socialpost's guarded fetcher as the public-looking host
``blog.example`` (tests.support.fetching's Names and Dialler: no DNS, no internet)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from socialpost.feeds import Reader
from tests.support.fetching import Dialler, Names
from tests.support.http import LocalServer, Reply, Request

HOST = "blog.example"
ADDRESS = "93.184.216.34"  # public-looking; dialled to the loopback server
FEED_URL = f"http://{HOST}/feed"
# the smallest valid PNG (1×1), so the image sniffing accepts it
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)


@dataclass
class Page:
    body: bytes
    content_type: str
    last_modified: str | None = None
    status: int = 200
    delay: float = 0.0


@dataclass
class Item:
    """One entry of a feed."""

    guid: str | None
    title: str
    link: str
    published: datetime | None = None
    summary: str = ""
    date_text: str | None = None  # a date written as is (a broken one)
    content: str | None = None  # content:encoded (WordPress)
    media: str | None = None  # media:content image URL
    enclosure: str | None = None  # an image enclosure URL


def rss(items: list[Item], *, title: str = "Café blog") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel>',
        f"<title>{escape(title)}</title><link>http://{HOST}/</link><description>news</description>",
    ]
    for item in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(item.title)}</title><link>{escape(item.link)}</link>")
        if item.guid is not None:
            parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.date_text is not None:
            parts.append(f"<pubDate>{escape(item.date_text)}</pubDate>")
        elif item.published is not None:
            parts.append(f"<pubDate>{format_datetime(item.published)}</pubDate>")
        if item.summary:
            parts.append(f"<description>{escape(item.summary)}</description>")
        if item.content is not None:
            parts.append(f"<content:encoded><![CDATA[{item.content}]]></content:encoded>")
        if item.media:
            parts.append(f'<media:content url="{escape(item.media)}" medium="image" type="image/png"/>')
        if item.enclosure:
            parts.append(f'<enclosure url="{escape(item.enclosure)}" length="68" type="image/png"/>')
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def atom(items: list[Item], *, title: str = "Café blog") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title><id>urn:blog</id><updated>2027-01-01T00:00:00Z</updated>",
    ]
    for item in items:
        parts.append("<entry>")
        parts.append(f'<title>{escape(item.title)}</title><link rel="alternate" href="{escape(item.link)}"/>')
        parts.append(f"<id>{escape(item.guid or item.link)}</id>")
        if item.published is not None:
            stamp = item.published.strftime("%Y-%m-%dT%H:%M:%SZ")
            parts.append(f"<published>{stamp}</published><updated>{stamp}</updated>")
        if item.summary:
            parts.append(f"<summary>{escape(item.summary)}</summary>")
        if item.content is not None:
            parts.append(f'<content type="html">{escape(item.content)}</content>')
        parts.append("</entry>")
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")


@dataclass
class FeedSite:
    """The loopback blog. ``pages`` maps a path to what it serves; ``hits`` counts GETs per path and
    ``not_modified`` the 304s answered."""

    server: LocalServer
    pages: dict[str, Page] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    not_modified: int = 0
    conditional: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, path: str, body: bytes, content_type: str = "application/rss+xml", **kwargs: object) -> None:
        with self._lock:
            self.pages[path] = Page(body, content_type, **kwargs)  # type: ignore[arg-type]

    def feed(self, body: bytes, *, path: str = "/feed", last_modified: str | None = None) -> None:
        self.serve(path, body, last_modified=last_modified)

    def image(self, path: str, body: bytes = PNG) -> str:
        self.serve(path, body, "image/png")
        return f"http://{HOST}{path}"

    @property
    def port(self) -> int:
        return int(self.server.url.rsplit(":", 1)[1])

    def reader(self, *, timeout: float = 5.0) -> Reader:
        return Reader(timeout=timeout, resolver=self.names(), backend=self.dialler())

    def names(self) -> Names:
        return Names({HOST: [[ADDRESS]]})

    def dialler(self) -> Dialler:
        return Dialler({(ADDRESS, 80): self.port})

    def respond(self, request: Request) -> Reply:
        path = request.path.split("?", 1)[0]
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            page = self.pages.get(path)
        if page is None:
            return Reply(404, "not found")
        etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Content-Type": page.content_type}
        if page.last_modified:
            headers["Last-Modified"] = page.last_modified
        asked = {k.lower(): v for k, v in request.headers.items()}
        wanted = {k: asked[k] for k in ("if-none-match", "if-modified-since") if k in asked}
        if wanted:
            with self._lock:
                self.conditional.append(wanted)
        same = wanted.get("if-none-match") == etag or (
            "if-none-match" not in wanted
            and page.last_modified is not None
            and wanted.get("if-modified-since") == page.last_modified
        )
        if page.status == 200 and wanted and same:
            with self._lock:
                self.not_modified += 1
            return Reply(304, b"", headers={"ETag": etag}, delay=page.delay)
        return Reply(page.status, page.body, headers=headers, delay=page.delay)
