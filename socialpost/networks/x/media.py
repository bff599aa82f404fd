"""X media upload through API v2 (tweepy 4.17 only has the retired v1.1 upload).

* Images: one request, ``POST /2/media/upload`` (multipart: ``media``, ``media_category=tweet_image``).
* GIFs and videos: ``POST /2/media/upload/initialize`` (JSON ``media_type``, ``total_bytes``,
  ``media_category``) → ``POST /2/media/upload/{id}/append`` per chunk (multipart ``media``,
  ``segment_index``) → ``POST /2/media/upload/{id}/finalize`` → while ``processing_info.state`` is
  ``pending``/``in_progress``: wait ``check_after_secs`` and ``GET /2/media/upload?media_id=…&command=STATUS``.
* Alt text: ``POST /2/media/metadata`` with ``{"id": …, "metadata": {"alt_text": {"text": …}}}``.

Shapes are those of X's OpenAPI spec (xdevplatform/xdk ``specs/openapi.json``, v2.167); the
contract tests send every one of these requests to Prism running that spec. Requests go through
the tweepy client's own ``requests`` session (so the same base-URL redirection, timeout and auth
apply) and HTTP errors are raised as tweepy's own exceptions, so that the X adapter maps every
error in one place.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from socialpost.errors import ContentRejected, TransientError
from socialpost.i18n import N_, _
from socialpost.i18n.formats import decimal
from socialpost.media import MediaRoots

API_HOST = "https://api.twitter.com"  # tweepy's host; the adapter's transport rewrites it for base_url

MB = 1024 * 1024
IMAGE_MAX_BYTES = 5 * MB
GIF_MAX_BYTES = 15 * MB
VIDEO_MAX_BYTES = 512 * MB
MAX_IMAGES = 4
ALT_TEXT_MAX = 1000  # CreateMediaMetadataMetadataAltText.text maxLength in X's spec
CHUNK_BYTES = 4 * MB  # X accepts up to 5 MB per appended segment
MAX_SEGMENTS = 1000  # segment_index is 0..999 in X's spec
MAX_CHECK_AFTER = 60.0  # never wait longer than this between two status polls

_IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}
_TOO_BIG = {
    "image": N_("X: {name} is {size} MB; X takes at most {limit} MB for an image."),
    "gif": N_("X: {name} is {size} MB; X takes at most {limit} MB for an animated GIF."),
    "video": N_("X: {name} is {size} MB; X takes at most {limit} MB for a video."),
}


@dataclass(frozen=True)
class MediaFile:
    """A file checked against X's limits, ready to upload."""

    path: Path
    media_type: str  # image/jpeg, image/png, image/webp, image/gif, video/mp4, video/quicktime
    kind: str  # image | gif | video
    size: int
    alt: str
    roots: MediaRoots = field(default=MediaRoots(()), compare=False)  # the only way its bytes are read

    @property
    def category(self) -> str:
        return {"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video"}[self.kind]


def _sniff(head: bytes, suffix: str) -> str | None:
    """The media type of a file from its first bytes (the extension only breaks ties)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " or suffix == ".mov" else "video/mp4"
    return None


def _animated_gif(path: Path) -> bool:
    try:
        from PIL import Image

        with Image.open(path) as image:
            return bool(getattr(image, "is_animated", False))
    except Exception:  # noqa: BLE001 - an unreadable GIF goes as a GIF; X will say if it is broken
        return True


def check_media(items: Sequence[tuple[str, str]], roots: MediaRoots) -> list[MediaFile]:
    """Check ``(file, alt)`` pairs against X's limits; ContentRejected says what cannot go and why.

    X takes up to 4 images, or a single GIF, or a single video, per post."""
    files: list[MediaFile] = []
    for file, alt in items:
        path = Path(file)
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(16)
        except OSError as exc:
            raise ContentRejected(
                _("X: cannot read the media file {path} ({error}).").format(
                    path=path, error=exc.strerror or exc.__class__.__name__
                ),
                hint=_("Check that the file exists and is readable by the daemon."),
            ) from None
        media_type = _sniff(head, path.suffix.lower())
        if media_type is None:
            raise ContentRejected(
                _("X: {name} is not a file type X accepts in a post.").format(name=path.name),
                hint=_("Use a JPEG, PNG, WebP or GIF image, or an MP4 or MOV video."),
            )
        if media_type == "image/gif":
            kind = "gif" if _animated_gif(path) else "image"
        elif media_type in _IMAGE_TYPES:
            kind = "image"
        else:
            kind = "video"
        limit = {"image": IMAGE_MAX_BYTES, "gif": GIF_MAX_BYTES, "video": VIDEO_MAX_BYTES}[kind]
        if size > limit:
            raise ContentRejected(
                _(_TOO_BIG[kind]).format(name=path.name, size=decimal(size / MB), limit=limit // MB),
                hint=_("Make the file smaller (resize or compress it) or post it elsewhere."),
            )
        if size == 0:
            raise ContentRejected(_("X: {name} is empty.").format(name=path.name), hint=_("Check the file."))
        if len(alt) > ALT_TEXT_MAX:
            raise ContentRejected(
                _("X: the alt text of {name} has {length} characters; X allows {limit}.").format(
                    name=path.name, length=len(alt), limit=ALT_TEXT_MAX
                ),
                hint=_("Shorten the description."),
            )
        files.append(MediaFile(path, media_type, kind, size, alt, roots))
    kinds = [f.kind for f in files]
    if len(files) > 1 and any(k != "image" for k in kinds):
        raise ContentRejected(
            _(
                "X: a post can carry one video or one animated GIF on its own, not {count} media files mixed like this."
            ).format(count=len(files)),
            hint=_("Keep only the video or GIF, or use images only (up to 4)."),
        )
    if len(files) > MAX_IMAGES:
        raise ContentRejected(
            _("X: a post can carry at most {limit} images; this one has {count}.").format(
                limit=MAX_IMAGES, count=len(files)
            ),
            hint=_("Remove some images or spread them over a thread."),
        )
    return files


def raise_for_status(response: requests.Response) -> None:
    """Raise tweepy's exception for a failed answer (the same classes tweepy.Client raises)."""
    from tweepy import errors  # type: ignore[import-untyped]

    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset")
        raise errors.TooManyRequests(response, reset_time=int(reset) if reset and reset.isdigit() else None)
    cls = {
        400: errors.BadRequest,
        401: errors.Unauthorized,
        403: errors.Forbidden,
        404: errors.NotFound,
    }.get(status, errors.TwitterServerError if status >= 500 else errors.HTTPException)
    raise cls(response)


AuthFor = Callable[[], tuple[Any, dict[str, str]]]  # → (requests auth object or None, extra headers)


class MediaUploader:
    """Uploads media for one account through the tweepy client's session."""

    def __init__(
        self,
        session: requests.Session,
        auth_for: AuthFor,
        *,
        processing_timeout: float = 600.0,
        chunk_bytes: int = CHUNK_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.auth_for = auth_for
        self.processing_timeout = processing_timeout
        self.chunk_bytes = chunk_bytes
        self.sleep = sleep
        self.monotonic = monotonic

    # --- requests --------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        auth, headers = self.auth_for()
        with self.session.request(method, API_HOST + path, auth=auth, headers=headers, **kwargs) as response:
            raise_for_status(response)
            try:
                body = response.json()
            except ValueError:
                body = {}
        return body if isinstance(body, dict) else {}

    @staticmethod
    def _data(body: dict[str, Any], step: str) -> dict[str, Any]:
        data = body.get("data")
        if not isinstance(data, dict) or not str(data.get("id") or ""):
            raise TransientError(
                _("X answered the media {step} without a media id; trying again later.").format(step=step)
            )
        return data

    # --- the public steps ------------------------------------------------------------------------

    def upload(self, media: MediaFile) -> str:
        """Upload one file (waiting for X to process it) and return its media id."""
        if media.kind == "image":
            data = self.upload_simple(media)
        else:
            media_id = self.initialize(media)
            with media.roots.open(media.path) as handle:
                index = 0
                while chunk := handle.read(self.chunk_bytes):
                    if index >= MAX_SEGMENTS:
                        raise ContentRejected(
                            _("X: {name} needs more than {limit} upload chunks.").format(
                                name=media.path.name, limit=MAX_SEGMENTS
                            )
                        )
                    self.append(media_id, index, chunk, media.path.name)
                    index += 1
            data = self.finalize(media_id)
        media_id = str(data["id"])
        self.wait_until_processed(media_id, data, media.path.name)
        if media.alt:
            self.set_alt_text(media_id, media.alt)
        return media_id

    def upload_simple(self, media: MediaFile) -> dict[str, Any]:
        files = {
            "media": (media.path.name, media.roots.read(media.path), media.media_type),
            "media_category": (None, media.category),
        }
        return self._data(self._request("POST", "/2/media/upload", files=files), "upload")

    def initialize(self, media: MediaFile) -> str:
        body = {"media_type": media.media_type, "total_bytes": media.size, "media_category": media.category}
        return str(self._data(self._request("POST", "/2/media/upload/initialize", json=body), "initialize")["id"])

    def append(self, media_id: str, index: int, chunk: bytes, name: str = "chunk") -> None:
        files = {
            "media": (name, chunk, "application/octet-stream"),
            "segment_index": (None, str(index)),
        }
        self._request("POST", f"/2/media/upload/{media_id}/append", files=files)

    def finalize(self, media_id: str) -> dict[str, Any]:
        return self._data(self._request("POST", f"/2/media/upload/{media_id}/finalize"), "finalize")

    def status(self, media_id: str) -> dict[str, Any]:
        params = {"media_id": media_id, "command": "STATUS"}
        return self._data(self._request("GET", "/2/media/upload", params=params), "status")

    def set_alt_text(self, media_id: str, text: str) -> None:
        body = {"id": media_id, "metadata": {"alt_text": {"text": text}}}
        self._request("POST", "/2/media/metadata", json=body)

    def wait_until_processed(self, media_id: str, data: dict[str, Any], name: str) -> None:
        """Poll while X processes a video or GIF; ContentRejected when processing fails."""
        deadline = self.monotonic() + self.processing_timeout
        while True:
            info = data.get("processing_info")
            state = str(info.get("state", "")) if isinstance(info, dict) else ""
            if state == "failed":
                error = info.get("error") if isinstance(info, dict) else None
                why = error.get("message") if isinstance(error, dict) else None
                raise ContentRejected(
                    _("X could not process {name} ({reason}).").format(name=name, reason=why)
                    if why
                    else _("X could not process {name}.").format(name=name),
                    hint=_("Check the file's format and length against X's media rules (docs/networks/x.md)."),
                )
            if state not in ("pending", "in_progress"):
                return  # succeeded, or no processing needed (images)
            assert isinstance(info, dict)
            wait = info.get("check_after_secs")
            delay = min(max(float(wait) if isinstance(wait, int | float) else 1.0, 1.0), MAX_CHECK_AFTER)
            if self.monotonic() + delay > deadline:
                raise TransientError(
                    _("X was still processing {name} after {seconds} s; trying again later.").format(
                        name=name, seconds=f"{self.processing_timeout:g}"
                    )
                )
            self.sleep(delay)
            data = self.status(media_id)
