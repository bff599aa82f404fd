"""What one post's publication has done so far, kept on disk between attempts.

For each part of a post (its text, then each thread part) the record keeps the container created
for it and, once published, the post's id; and the media put on the media host, removed once the
post is confirmed. A later attempt (after a timeout, a crash, a rate limit) reads it first: a part
already published is never published again, and a container already created is asked for its
status before anything is created (``PUBLISHED`` is never published twice). Reconciliation reads
the same record. Files: ``<data dir>/threads/<name>/posts/<key>.json``, owner-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from socialpost.privatefiles import KeyedFiles


@dataclass
class Part:
    container: str = ""
    media_id: str = ""


@dataclass
class Hosted:
    url: str
    key: str
    expires_at: str | None = None


@dataclass
class Record:
    parts: list[Part] = field(default_factory=list)
    hosted: list[Hosted] = field(default_factory=list)
    permalink: str = ""

    def part(self, index: int) -> Part:
        while len(self.parts) <= index:
            self.parts.append(Part())
        return self.parts[index]

    def as_json(self) -> dict[str, Any]:
        return {
            "parts": [{"container": p.container, "media_id": p.media_id} for p in self.parts],
            "hosted": [{"url": h.url, "key": h.key, "expires_at": h.expires_at} for h in self.hosted],
            "permalink": self.permalink,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        parts = [
            Part(str(p.get("container") or ""), str(p.get("media_id") or ""))
            for p in data.get("parts", [])
            if isinstance(p, dict)
        ]
        hosted = [
            Hosted(str(h["url"]), str(h["key"]), h.get("expires_at"))
            for h in data.get("hosted", [])
            if isinstance(h, dict) and h.get("url") and h.get("key")
        ]
        return cls(parts, hosted, str(data.get("permalink") or ""))


class PostBook:
    """The records of one account's posts, by idempotency key."""

    def __init__(self, folder: Path) -> None:
        self.files = KeyedFiles(folder)

    def load(self, key: str) -> Record | None:
        data = self.files.read(key)
        return Record.from_json(data) if data else None

    def save(self, key: str, record: Record) -> None:
        self.files.write(key, record.as_json())


def stamp(value: datetime | None) -> str | None:
    from socialpost.timeutil import iso_utc

    return iso_utc(value) if value is not None else None
