"""The Mastodon attachments uploaded for posts that are not online yet, remembered on disk.

Mastodon processes a video, a GIF or a sound in the background: ``POST /api/v2/media`` answers
``202`` with ``url: null``, ``GET /api/v1/media/:id`` answers ``206`` while the instance works and
``200`` with the ``url`` once it is done, and a status naming an attachment still in progress is
refused with ``422``. That may take longer than one attempt may wait, so each upload is written to
``<data dir>/mastodon/<account name>/media/<post key>.json`` (mode 0600, replaced atomically, under
a lock shared by every daemon using the data folder): the media index, the attachment's id and the
file's identity (path, size, modification time, alt text). The next attempt — after a timeout, a
retry or a restart — waits for that same attachment instead of uploading the file again, unless
the file changed, the instance forgot the attachment (``404``), or it has been processing for
longer than :data:`MEDIA_DEADLINE` allows (then it is taken for stuck and uploaded again). The
file is removed once the status is posted.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from socialpost.networks.base import Media
from socialpost.privatefiles import locked, read_object, safe_name, write_json
from socialpost.timeutil import ensure_aware, iso_utc

log = logging.getLogger("socialpost.networks.mastodon")

Kind = Literal["image", "video"]

# How long an attachment may stay "processing" in all, across attempts, before it is taken for
# stuck (a lost background job) and uploaded again. Mastodon 4+ processes images while it answers
# the upload, so minutes mean trouble; videos, GIFs and sounds are transcoded by the instance's
# background workers, which a busy instance may only reach after a long queue.
MEDIA_DEADLINE: dict[Kind, timedelta] = {"image": timedelta(minutes=10), "video": timedelta(hours=2)}
# Mastodon deletes attachments never posted after a day; a file this old names nothing useful.
STATE_MAX_AGE = timedelta(days=2)
_BACKGROUND_TYPES = {"video", "gifv", "audio"}  # MediaAttachment.type values processed in the background


def media_kind(attachment_type: Any, mime: str) -> Kind:
    """``video`` for what the instance transcodes in the background (video, GIF, audio), else ``image``."""
    if attachment_type in _BACKGROUND_TYPES or mime.split("/", 1)[0] in ("video", "audio") or mime == "image/gif":
        return "video"
    return "image"


@dataclass(frozen=True)
class FileIdentity:
    """What makes an upload reusable: the same file, unchanged, with the same description."""

    file: str
    size: int
    mtime_ns: int
    alt: str

    @classmethod
    def of(cls, media: Media) -> FileIdentity:
        info = Path(media.file).stat()
        return cls(file=str(media.file), size=info.st_size, mtime_ns=info.st_mtime_ns, alt=media.alt)


@dataclass(frozen=True)
class Upload:
    """One attachment on the instance, for one media of one post."""

    id: str
    identity: FileIdentity
    kind: Kind
    uploaded_at: datetime

    def stuck(self, now: datetime) -> bool:
        return now - self.uploaded_at > MEDIA_DEADLINE[self.kind]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, **asdict(self.identity), "kind": self.kind, "uploaded_at": iso_utc(self.uploaded_at)}

    @classmethod
    def from_json(cls, data: Any) -> Upload | None:
        try:
            kind: Kind = "video" if data["kind"] == "video" else "image"
            identity = FileIdentity(str(data["file"]), int(data["size"]), int(data["mtime_ns"]), str(data["alt"]))
            uploaded = ensure_aware(datetime.fromisoformat(str(data["uploaded_at"]).replace("Z", "+00:00")))
            return cls(id=str(data["id"]), identity=identity, kind=kind, uploaded_at=uploaded)
        except (KeyError, TypeError, ValueError):
            return None  # a foreign or torn entry: upload again rather than trust it


class AttachmentBook:
    """The remembered uploads of one account (see the module's docstring)."""

    def __init__(self, folder: Path, instance: str) -> None:
        self.folder = folder
        self.instance = instance  # an entry made on another instance names nothing here
        self._held = threading.local()  # the keys this thread has locked (the lock is re-entrant)

    def path(self, key: str) -> Path:
        return self.folder / f"{safe_name(key)}.json"

    @contextlib.contextmanager
    def locked(self, key: str) -> Iterator[None]:
        """An exclusive lock on ``key``'s entries, between threads and between daemons; taken
        again by the thread that holds it, it does nothing (a second flock would wait for itself)."""
        held: set[str] = self._held.__dict__.setdefault("keys", set())
        if key in held:
            yield
            return
        with locked(self.path(key)):
            held.add(key)
            try:
                yield
            finally:
                held.discard(key)

    def _entries(self, key: str) -> dict[str, Any]:
        data = read_object(self.path(key))
        if data is None or data.get("key") != key or data.get("instance") != self.instance:
            return {}
        media = data.get("media")
        return dict(media) if isinstance(media, dict) else {}

    def get(self, key: str, index: int) -> Upload | None:
        return Upload.from_json(self._entries(key).get(str(index)))

    def put(self, key: str, index: int, upload: Upload) -> None:
        """Remember ``upload`` (call under :meth:`locked`). A file we cannot write only costs an
        upload at the next attempt: logged, never raised."""
        entries = self._entries(key)
        entries[str(index)] = upload.as_json()
        try:
            write_json(self.path(key), {"key": key, "instance": self.instance, "media": entries})
        except OSError as exc:
            log.warning("cannot remember the Mastodon upload in %s (%s)", self.path(key), exc.strerror or exc)
        self._prune(keep=key)

    def drop(self, key: str, index: int) -> None:
        """Forget one entry (call under :meth:`locked`)."""
        entries = self._entries(key)
        if entries.pop(str(index), None) is None:
            return
        if not entries:
            self.forget(key)
            return
        with contextlib.suppress(OSError):
            write_json(self.path(key), {"key": key, "instance": self.instance, "media": entries})

    def forget(self, key: str) -> None:
        """The post is online (or its uploads are useless): remove its entries."""
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot remove %s (%s)", self.path(key), exc.strerror or exc)

    def _prune(self, *, keep: str) -> None:
        """Remove the entries (and lock files) of posts left unsent for longer than STATE_MAX_AGE
        (by the files' own times: this is about the disk, not the posts' schedule)."""
        cutoff = time.time() - STATE_MAX_AGE.total_seconds()
        kept = {self.path(keep), self.path(keep).with_suffix(".lock")}
        for path in self.folder.glob("*"):
            if path in kept or path.suffix not in (".json", ".lock"):
                continue
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()


__all__ = ["MEDIA_DEADLINE", "AttachmentBook", "FileIdentity", "Upload", "media_kind"]
