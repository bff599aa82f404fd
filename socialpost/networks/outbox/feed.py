"""The outbox's Atom 1.0 feed, ``<folder>/feed.xml``: the newest posts, regenerated from the post
files at each publish."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from socialpost.networks.common import files
from socialpost.networks.outbox.posts import UNSAFE, read_posts
from socialpost.timeutil import iso_utc

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 100
# Characters XML 1.0 cannot carry at all (even escaped): most C0 controls, surrogates, U+FFFE/F.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def write_feed(folder: Path, *, title: str, account: str, now: datetime) -> None:
    """Regenerate ``feed.xml`` in the outbox ``folder`` (``now`` dates an empty feed); the caller
    holds the folder lock."""
    entries = sorted(
        read_posts(folder / "posts"),
        key=lambda d: (d["published_at"], str(d.get("due_at", "")), d["idempotency_key"]),
        reverse=True,
    )
    files.atomic_write(
        folder / "feed.xml", feed_xml(folder, entries[:FEED_ENTRIES], title=title, account=account, now=now)
    )


def feed_xml(folder: Path, entries: list[dict[str, Any]], *, title: str, account: str, now: datetime) -> str:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "title", title)
    _sub(feed, "id", f"urn:socialpost:outbox:{UNSAFE.sub('_', account)}")
    updated = entries[0]["published_at"] if entries else iso_utc(now)
    _sub(feed, "updated", updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _sub(author, "name", account)
    _sub(feed, "generator", "socialpost")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=(folder / "feed.xml").resolve().as_uri())
    for doc in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        text = doc["text"]
        first_line = next((line.strip() for line in text.splitlines() if line.strip()), doc["id"])
        _sub(entry, "title", first_line[:80] + ("…" if len(first_line) > 80 else ""))
        _sub(entry, "id", f"urn:socialpost:{doc['idempotency_key']}")
        _sub(entry, "updated", doc["published_at"])
        _sub(entry, "published", doc["published_at"])
        parts = [text, *(str(part) for part in doc.get("thread") or [])]
        _sub(entry, "content", "\n\n".join(parts), type="text")
        ET.SubElement(entry, f"{{{ATOM}}}category", term=doc["campaign"])
        for enclosure in _enclosures(doc):
            ET.SubElement(entry, f"{{{ATOM}}}link", {k: _xml_text(v) for k, v in enclosure.items()})
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _sub(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _xml_text(v) for k, v in attrs.items()})
    element.text = _xml_text(text)
    return element


def _xml_text(value: object) -> str:
    """Text XML can hold: ElementTree escapes ``<`` and ``&`` but writes control characters as
    they are, which makes the whole feed unreadable."""
    return _NOT_XML.sub("\ufffd", str(value))


def _enclosures(doc: dict[str, Any]) -> Iterator[dict[str, str]]:
    """An Atom ``link rel="enclosure"`` per media file copied beside the post: its address relative
    to the feed (a copy's path is relative to the outbox folder, where feed.xml is), type, length in
    bytes, and its alt text as the link's title. Posts written before media were copied have none."""
    media = doc.get("media")
    for item in media if isinstance(media, list) else []:
        if not (isinstance(item, dict) and isinstance(item.get("copy"), str) and isinstance(item.get("size"), int)):
            continue
        link = {"rel": "enclosure", "href": quote(item["copy"]), "length": str(item["size"])}
        if isinstance(item.get("type"), str):
            link["type"] = item["type"]
        if isinstance(item.get("alt"), str) and item["alt"]:
            link["title"] = item["alt"]
        yield link
