"""Photos Facebook takes: recognised by their first bytes, under :data:`MAX_PHOTO_BYTES`."""

from __future__ import annotations

from pathlib import Path

from socialpost.errors import ContentRejected
from socialpost.i18n import _
from socialpost.i18n.formats import decimal

MAX_PHOTOS = 10  # socialpost's cap for one multi-photo post
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Meta recommends under 4 MB; larger files are refused outright
_IMAGE_TYPES = {  # magic bytes → (name, MIME)
    b"\xff\xd8\xff": ("JPEG", "image/jpeg"),
    b"\x89PNG\r\n\x1a\n": ("PNG", "image/png"),
    b"GIF87a": ("GIF", "image/gif"),
    b"GIF89a": ("GIF", "image/gif"),
    b"BM": ("BMP", "image/bmp"),
    b"II*\x00": ("TIFF", "image/tiff"),
    b"MM\x00*": ("TIFF", "image/tiff"),
}


def check_photo(path: Path, where: str) -> tuple[str, str]:
    """(kind, MIME) of an image Facebook takes; ContentRejected with the reason otherwise."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise ContentRejected(
            _("{where}: cannot read {path} ({error}).").format(where=where, path=path, error=exc.strerror)
        ) from None
    kind = next((t for magic, t in _IMAGE_TYPES.items() if head.startswith(magic)), None)
    if kind is None and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = ("WebP", "image/webp")
    if kind is None:
        raise ContentRejected(
            _(
                "{where}: {name} is not an image Facebook takes (JPEG, PNG, GIF, BMP, TIFF or WebP); "
                "socialpost does not post videos to Facebook yet."
            ).format(where=where, name=path.name),
        )
    if size > MAX_PHOTO_BYTES:
        raise ContentRejected(
            _("{where}: {name} is {size} MB; Facebook photos must stay under {limit} MB (under 4 MB is best).").format(
                where=where, name=path.name, size=decimal(size / 1_048_576), limit=MAX_PHOTO_BYTES // 1_048_576
            ),
            hint=_("Resize or recompress the image."),
        )
    return kind
