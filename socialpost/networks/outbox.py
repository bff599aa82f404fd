"""The embedded default network: posts become files in a local folder and entries in an Atom feed.

Needs no account anywhere. Each post is written as ``<folder>/<account>/posts/<name>.json`` (one
JSON document per post, written atomically) and the folder's ``feed.xml`` is regenerated as a
valid Atom 1.0 feed of the newest posts, so any feed reader or feed-to-social bridge can consume
it. Publishing the same post again finds its file and changes nothing (the adapter is idempotent).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

from pydantic import Field

from socialpost.errors import PermanentError, TransientError
from socialpost.networks.base import (
    AccountSettings,
    Identity,
    Network,
    NotSent,
    OutgoingPost,
    Published,
)
from socialpost.timeutil import iso_utc

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class OutboxSettings(AccountSettings):
    folder: str | None = Field(None, description="where posts go; default <data dir>/outbox/<account name>")
    feed_title: str | None = Field(None, description="title of the Atom feed")


class OutboxNetwork(Network):
    name = "outbox"
    title = "Local outbox (files + Atom feed)"
    settings_model = OutboxSettings
    needs_config = False
    idempotent = True

    settings: OutboxSettings

    @property
    def folder(self) -> Path:
        if self.settings.folder:
            path = Path(self.settings.folder).expanduser()
            return path if path.is_absolute() else self.context.base_dir / path
        return self.context.data_dir / "outbox" / _UNSAFE.sub("_", self.account.split(":", 1)[1])

    def _post_path(self, post: OutgoingPost) -> Path:
        stamp = post.due_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = _UNSAFE.sub("_", f"{stamp}_{post.campaign}_{post.post_id}")
        return self.folder / "posts" / f"{name}_{post.key[-8:]}.json"

    def publish(self, post: OutgoingPost) -> Published:
        path = self._post_path(post)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                document = {
                    "id": post.post_id,
                    "campaign": post.campaign,
                    "account": post.account,
                    "text": post.text,
                    "thread": list(post.thread),
                    "media": [{"file": m.file, "alt": m.alt} for m in post.media],
                    "due_at": iso_utc(post.due_at),
                    "published_at": iso_utc(self.context.clock()),
                    "idempotency_key": post.key,
                }
                _atomic_write(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
            self._write_feed()
        except PermissionError as exc:
            raise PermanentError(
                f"cannot write to the outbox folder {path.parent}: permission denied.",
                hint="Make the folder writable, or set accounts.outbox.<name>.folder in your config.",
            ) from exc
        except OSError as exc:  # disk full, folder vanished…: may succeed later
            raise TransientError(f"cannot write to the outbox folder {path.parent}: {exc.strerror}.") from exc
        return Published(remote_id=path.name, url=path.resolve().as_uri())

    def reconcile(self, post: OutgoingPost) -> Published | NotSent:
        path = self._post_path(post)
        if path.exists():
            return Published(remote_id=path.name, url=path.resolve().as_uri())
        return NotSent(f"{path.name} is not in the outbox")

    def check(self) -> Identity:
        return Identity(self.account, f"folder {self.folder}", {"feed": str(self.folder / "feed.xml")})

    # --- the Atom feed ---------------------------------------------------------------------

    def _write_feed(self) -> None:
        with _locked(self.folder / ".feed.lock"):
            entries = sorted(_read_posts(self.folder / "posts"), key=lambda d: d["published_at"], reverse=True)
            _atomic_write(self.folder / "feed.xml", self._feed_xml(entries[:FEED_ENTRIES]))

    def _feed_xml(self, entries: list[dict[str, Any]]) -> str:
        ET.register_namespace("", ATOM)
        feed = ET.Element(f"{{{ATOM}}}feed")
        title = self.settings.feed_title or f"socialpost outbox: {self.account}"
        _sub(feed, "title", title)
        _sub(feed, "id", f"urn:socialpost:outbox:{_UNSAFE.sub('_', self.account)}")
        updated = entries[0]["published_at"] if entries else iso_utc(self.context.clock())
        _sub(feed, "updated", updated)
        author = ET.SubElement(feed, f"{{{ATOM}}}author")
        _sub(author, "name", self.account)
        _sub(feed, "generator", "socialpost")
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=(self.folder / "feed.xml").resolve().as_uri())
        for doc in entries:
            entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
            text = doc["text"]
            first_line = text.splitlines()[0] if text else doc["id"]
            _sub(entry, "title", first_line[:80] + ("…" if len(first_line) > 80 else ""))
            _sub(entry, "id", f"urn:socialpost:{doc['idempotency_key']}")
            _sub(entry, "updated", doc["published_at"])
            _sub(entry, "published", doc["published_at"])
            parts = [text, *doc.get("thread", [])]
            _sub(entry, "content", "\n\n".join(parts), type="text")
            ET.SubElement(entry, f"{{{ATOM}}}category", term=doc["campaign"])
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _sub(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = text
    return element


def _read_posts(folder: Path) -> Iterator[dict[str, Any]]:
    if not folder.is_dir():
        return
    for path in folder.glob("*.json"):
        try:
            yield json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a file someone edited by hand; the feed skips it


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock across threads and processes (several daemons may share a folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
