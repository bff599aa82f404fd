"""A local server that answers Mastodon's media and status endpoints as Mastodon 4.x does, for what
``mastodon_mock`` does not model: media processed in the background.

What it enforces, as Mastodon's own code does (``app/controllers/api/v1/media_controller.rb``,
``api/v2/media_controller.rb``, ``app/services/post_status_service.rb``, the API docs'
``methods/media``):

* every call needs ``Authorization: Bearer <token>`` (else 401 ``The access token is invalid``);
* ``POST /api/v2/media`` (multipart, a ``file`` part with its type, an optional ``description``):
  an image is processed at once — 200 with its ``url``; a video, GIF or sound is processed in the
  background — 202 with ``url: null``;
* ``GET /api/v1/media/:id``: 206 with ``url: null`` while processing, 200 with the ``url`` once
  done, 422 ``Error processing thumbnail for uploaded media`` when processing failed, 404 ``Record
  not found`` for an attachment it does not have or that is already attached to a status;
* ``POST /api/v1/statuses`` (form-encoded, as Mastodon.py sends it): an ``Idempotency-Key`` already
  seen gives back the same status (checked first, as Mastodon does); then at most 4 media, each
  unattached and this account's (422 ``Media 7 not found or already attached to another post``),
  no video beside other media, and none still processing (422 ``Cannot attach files that have not
  finished processing. Try again in a moment!``); then the status, with its ``language``.

Serve it with ``LocalServer().respond(server)``. Processing takes time on the server's ``clock``
(the test's fake clock, which the adapter's sleeps move), so a test says "this video takes 100 s"
and the adapter's attempts see it as they would see the real instance. A test can also forget an
attachment (what Mastodon does to media never posted after a day) or make its processing fail.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as email_policy
from typing import Any

from tests.support.http import Reply, Request

TOKEN = "media-server-token"
NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"
PROCESSING_FAILED = "Error processing thumbnail for uploaded media"


@dataclass
class Attachment:
    id: str
    type: str  # image, gifv, video, audio
    description: str | None
    size: int
    uploaded_at: float
    processing_seconds: float
    failed: bool = False
    status_id: str | None = None

    def processed(self, now: float) -> bool:
        return now - self.uploaded_at >= self.processing_seconds

    def as_json(self, now: float) -> dict[str, Any]:
        done = self.processed(now) and not self.failed
        return {
            "id": self.id,
            "type": self.type,
            "url": f"https://files.example.social/original/{self.id}" if done else None,
            "preview_url": f"https://files.example.social/small/{self.id}.png",
            "remote_url": None,
            "preview_remote_url": None,
            "text_url": None,
            "meta": {},
            "description": self.description,
            "blurhash": None,
        }


@dataclass
class MastodonMediaServer:
    """The state and the responder; start it with :func:`running`."""

    clock: Callable[[], float]
    video_seconds: float = 0.0  # how long the background processing of a video, GIF or sound takes
    image_seconds: float = 0.0  # > 0: images too are processed in the background (Mastodon before 4.0)
    token: str = TOKEN
    attachments: dict[str, Attachment] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # Idempotency-Key → status id
    uploads: int = 0
    before_status: Callable[[], None] | None = None  # runs as a status request arrives (races)
    _next: int = 100
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # --- what a test does to the instance ----------------------------------------------------------

    def forget(self, media_id: str) -> None:
        """Mastodon removes attachments never posted after a day (and an admin may remove one)."""
        with self._lock:
            self.attachments.pop(media_id, None)

    def fail(self, media_id: str) -> None:
        with self._lock:
            self.attachments[media_id].failed = True

    # --- the API -----------------------------------------------------------------------------------

    def __call__(self, request: Request) -> Reply:
        path = request.path.split("?", 1)[0].rstrip("/")
        if path in ("/api/v1/instance", "/api/v2/instance"):
            return Reply(200, _instance(v2=path.endswith("v2/instance")))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": "The access token is invalid"})
        with self._lock:
            if request.method == "POST" and path == "/api/v2/media":
                return self._upload(request)
            if request.method == "GET" and path.startswith("/api/v1/media/"):
                return self._media(path.rsplit("/", 1)[1])
            if request.method == "POST" and path == "/api/v1/statuses":
                if self.before_status is not None:
                    self.before_status()
                return self._status(request)
            if request.method == "GET" and path == "/api/v1/accounts/verify_credentials":
                return Reply(200, {"id": "1", "username": "acme", "acct": "acme"})
        return Reply(404, {"error": "Record not found"})

    def _upload(self, request: Request) -> Reply:
        parts = _multipart(request)
        if "file" not in parts:
            return Reply(422, {"error": "Validation failed: File can't be blank"})
        mime, content = parts["file"]
        kind = {"video": "video", "audio": "audio"}.get(mime.split("/", 1)[0], "image")
        if mime == "image/gif":
            kind = "gifv"
        background = kind != "image" or self.image_seconds > 0
        self._next += 1
        description = parts["description"][1].decode() if "description" in parts else None
        attachment = Attachment(
            id=str(self._next),
            type=kind,
            description=description,
            size=len(content),
            uploaded_at=self.clock(),
            processing_seconds=self.video_seconds if kind != "image" else self.image_seconds,
        )
        self.attachments[attachment.id] = attachment
        self.uploads += 1
        return Reply(202 if background else 200, attachment.as_json(self.clock()))

    def _media(self, media_id: str) -> Reply:
        attachment = self.attachments.get(media_id)
        if attachment is None or attachment.status_id is not None:  # where(status_id: nil).find(id)
            return Reply(404, {"error": "Record not found"})
        if attachment.failed:
            return Reply(422, {"error": PROCESSING_FAILED})
        return Reply(200 if attachment.processed(self.clock()) else 206, attachment.as_json(self.clock()))

    def _status(self, request: Request) -> Reply:
        form = urllib.parse.parse_qs(request.body.decode(), keep_blank_values=True)
        key = request.headers.get("Idempotency-Key")
        if key and key in self.keys:
            return Reply(200, self.statuses[self.keys[key]])
        ids = form.get("media_ids[]", [])
        if len(ids) > 4:
            return Reply(422, {"error": "Cannot attach more than 4 files"})
        found = [self.attachments[i] for i in ids if i in self.attachments and self.attachments[i].status_id is None]
        missing = [i for i in ids if i not in {a.id for a in found}]
        if missing:
            return Reply(422, {"error": f"Media {', '.join(missing)} not found or already attached to another post"})
        if len(found) > 1 and any(a.type in ("video", "audio") for a in found):
            return Reply(422, {"error": "Cannot attach a video to a post that already contains images"})
        if any(not a.processed(self.clock()) or a.failed for a in found):
            return Reply(422, {"error": NOT_READY})
        self._next += 1
        status_id = str(self._next)
        for attachment in found:
            attachment.status_id = status_id
        status = {
            "id": status_id,
            "created_at": "2027-01-10T12:00:00.000Z",
            "content": f"<p>{form.get('status', [''])[0]}</p>",
            "language": form.get("language", [None])[0],
            "visibility": form.get("visibility", ["public"])[0],
            "in_reply_to_id": form.get("in_reply_to_id", [None])[0],
            "url": f"https://example.social/@acme/{status_id}",
            "uri": f"https://example.social/users/acme/statuses/{status_id}",
            "media_attachments": [a.as_json(self.clock()) for a in found],
            "account": {"id": "1", "username": "acme", "acct": "acme"},
        }
        self.statuses[status_id] = status
        if key:
            self.keys[key] = status_id
        return Reply(200, status)


def _multipart(request: Request) -> dict[str, tuple[str, bytes]]:
    """The parts of a multipart/form-data body: name → (content type, bytes)."""
    header = f"Content-Type: {request.headers.get('Content-Type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=email_policy).parsebytes(header + request.body)
    parts: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            parts[name] = (part.get_content_type(), payload)
    return parts


def _instance(*, v2: bool) -> dict[str, Any]:
    configuration = {
        "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "video/mp4", "audio/mpeg"],
            "description_limit": 1500,
            "image_size_limit": 16777216,
            "video_size_limit": 103809024,
        },
    }
    where = {"domain": "example.social"} if v2 else {"uri": "example.social"}
    return {**where, "version": "4.4.0", "api_versions": {"mastodon": 6}, "configuration": configuration}


__all__ = ["NOT_READY", "PROCESSING_FAILED", "TOKEN", "MastodonMediaServer"]
