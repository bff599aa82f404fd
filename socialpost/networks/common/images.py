"""An image checked for a network that takes JPEG, PNG, WebP or GIF, re-encoded when too large.

:func:`prepare_image` reads an image, turns it upright (EXIF orientation) for its size, and gives
the bytes as they are when they fit under ``max_bytes``; otherwise it re-encodes it as JPEG
(transparency flattened on white, scaled down to ``max_side`` first, then lower qualities, then
smaller sizes). When the image cannot be used it raises :class:`ImageRefused`, which says why in
facts, not words: the adapter turns it into a :class:`~socialpost.errors.ContentRejected` in its
network's words. No network is named here.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from PIL import Image as PILImage

log = logging.getLogger("socialpost.networks.common.images")

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_SIDE = 2000  # re-encoded images are scaled down to this first
QUALITIES = (85, 75, 65, 55)
SMALLEST_SIDE = 256  # below this, an image that still does not fit is given up


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    mime: str
    width: int
    height: int
    alt: str = ""


class ImageRefused(ValueError):
    """Why an image cannot be used: ``unreadable`` (not an image), ``undecodable`` (too large to
    decode), ``format`` (an image of another ``format``), ``size`` (``size`` bytes that cannot be
    brought under ``limit``). Caught by the adapter, never shown as it is."""

    def __init__(
        self,
        reason: Literal["unreadable", "undecodable", "format", "size"],
        *,
        fmt: str = "",
        size: int = 0,
        limit: int = 0,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fmt = fmt
        self.size = size
        self.limit = limit


def prepare_image(data: bytes, *, label: str, max_bytes: int, max_side: int = MAX_SIDE) -> PreparedImage:
    """``data`` as is when it is a JPEG, PNG, WebP or GIF image of at most ``max_bytes``, else
    re-encoded as JPEG under ``max_bytes``; :class:`ImageRefused` when that cannot be done.
    ``label`` names the image in the log."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise ImageRefused("undecodable" if isinstance(exc, Image.DecompressionBombError) else "unreadable") from None
    fmt = image.format or "?"
    if fmt not in IMAGE_TYPES:
        raise ImageRefused("format", fmt=fmt)
    upright = ImageOps.exif_transpose(image) or image
    if len(data) <= max_bytes:
        return PreparedImage(data, IMAGE_TYPES[fmt], upright.width, upright.height)
    return reencode(upright, label=label, max_bytes=max_bytes, original=len(data), max_side=max_side)


def reencode(
    image: PILImage.Image, *, label: str, max_bytes: int, original: int, max_side: int = MAX_SIDE
) -> PreparedImage:
    """``image`` as a JPEG of at most ``max_bytes`` (see the module's docstring)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    while True:
        for quality in QUALITIES:
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=quality, optimize=True)
            if out.tell() <= max_bytes:
                log.info(
                    "re-encoded %s as JPEG: %d → %d bytes (%dx%d, quality %d)",
                    label,
                    original,
                    out.tell(),
                    image.width,
                    image.height,
                    quality,
                )
                return PreparedImage(out.getvalue(), "image/jpeg", image.width, image.height)
        if max(image.size) <= SMALLEST_SIDE:
            raise ImageRefused("size", size=original, limit=max_bytes)
        image = image.resize((max(image.width * 3 // 4, 1), max(image.height * 3 // 4, 1)), Image.Resampling.LANCZOS)


__all__ = ["IMAGE_TYPES", "ImageRefused", "PreparedImage", "prepare_image", "reencode"]
