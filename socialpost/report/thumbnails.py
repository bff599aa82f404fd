"""Small pictures for the HTML report, embedded as ``data:`` URIs so the page stays one file.

A post's images are read the way the daemon reads them (:class:`socialpost.media.MediaRoots`: only
from its campaign's folder or the configured ``media_roots``, no link followed), shrunk with Pillow
to :data:`SIZE` pixels on their longest side and written as JPEG (PNG when they have transparency).
A file that cannot be read or decoded gets no thumbnail; the report still lists the post.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialpost.errors import MediaRefused
from socialpost.media import MediaRoots, real, sniff

log = logging.getLogger("socialpost.report")

SIZE = 240  # pixels, longest side: sharp at the 120 px the page shows, on a high-density screen
LARGEST = 50_000_000  # bytes: a bigger file gets no thumbnail (the networks take far smaller images)
LOGO_HEIGHT = 128


@dataclass(frozen=True)
class Thumbnail:
    uri: str  # data:image/…;base64,…
    alt: str


@dataclass(frozen=True)
class PostPictures:
    """What the page shows of one post's media: its first picture, how many files, a video or not."""

    thumbnails: tuple[Thumbnail, ...]
    files: int
    video: bool


def shrink(data: bytes, size: int = SIZE) -> str | None:
    """``data`` (an image file's bytes) as a small ``data:`` URI, or None when it is no image Pillow reads."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (size, size))  # JPEG: decode at a fraction of the size (quick)
            image.thumbnail((size, size))
            clear = (image.mode in ("RGBA", "LA", "P") and "transparency" in image.info) or image.mode in ("RGBA", "LA")
            picture = image.convert("RGBA" if clear else "RGB")
            out = io.BytesIO()
            if clear:
                picture.save(out, format="PNG", optimize=True)
                kind = "png"
            else:
                picture.save(out, format="JPEG", quality=72, optimize=True)
                kind = "jpeg"
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.debug("no thumbnail: %s", exc)
        return None
    return f"data:image/{kind};base64,{base64.b64encode(out.getvalue()).decode('ascii')}"


class Pictures:
    """Thumbnails of posts' media, each file read and shrunk once (a picture sent to several accounts)."""

    def __init__(self, media_roots: Sequence[Path] = (), *, most: int = 3) -> None:
        self.media_roots = tuple(media_roots)
        self.most = most  # thumbnails per post
        self._done: dict[tuple[str, str], str | None] = {}

    def of(self, media: dict[str, Any]) -> PostPictures:
        """What to show of a payload's ``media`` / ``video`` / ``media_root``."""
        root = media.get("media_root")
        roots = MediaRoots(tuple(real(f) for f in ((root,) if root else ()) + self.media_roots), plain_paths=not root)
        items = [m for m in media.get("media") or [] if isinstance(m, dict) and m.get("file")]
        video = media.get("video") if isinstance(media.get("video"), dict) else None
        files: list[tuple[str, str]] = [(str(m["file"]), str(m.get("alt") or "")) for m in items]
        if video is not None and video.get("thumbnail"):
            files.insert(0, (str(video["thumbnail"]), str(video.get("title") or "")))
        shown: list[Thumbnail] = []
        for file, alt in files:
            if len(shown) == self.most:
                break
            uri = self._thumbnail(roots, file)
            if uri is not None:
                shown.append(Thumbnail(uri, alt))
        return PostPictures(tuple(shown), len(items) + (1 if video else 0), video is not None)

    def _thumbnail(self, roots: MediaRoots, file: str) -> str | None:
        key = (str(roots.folders), file)
        if key not in self._done:
            self._done[key] = _picture(roots, file)
        return self._done[key]


def _picture(roots: MediaRoots, file: str) -> str | None:
    """``file``'s thumbnail when it is an image of a sensible size (a video is never read whole)."""
    try:
        with roots.open(file) as handle:
            head = handle.read(32)
            kind = sniff(head)
            if kind is None or not kind.startswith("image/"):
                return None
            data = head + handle.read(LARGEST)
    except (MediaRefused, OSError):
        return None
    return None if len(data) > LARGEST else shrink(data)


def logo_uri(path: Path) -> str | None:
    """The brand's logo as a ``data:`` URI: an SVG as it is, a picture shrunk; None when unreadable."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if path.suffix.lower() == ".svg":
        head = data[:2048].lstrip().lower()
        if not (head.startswith(b"<svg") or head.startswith(b"<?xml")) or b"<svg" not in data.lower():
            return None
        return f"data:image/svg+xml;base64,{base64.b64encode(data).decode('ascii')}"
    return shrink(data, LOGO_HEIGHT * 3)
