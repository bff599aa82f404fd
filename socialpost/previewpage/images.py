"""Images embedded in the page as data URIs, made smaller when they are big (the page stays one file)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

MAX_SIDE = 900  # pixels: enough for a card at twice its size
KEEP_BYTES = 150_000  # a smaller JPEG, PNG, GIF or WebP is embedded as it is
EMBEDDED = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def data_uri(path: Path, kind: str | None) -> str | None:
    """The image at ``path`` (``kind``: its MIME type, from its first bytes) as a ``data:`` URI;
    None when it cannot be read as an image (the page then names the file instead)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if len(raw) <= KEEP_BYTES and kind in EMBEDDED:
        return f"data:{kind};base64,{base64.b64encode(raw).decode()}"
    try:
        from PIL import Image, ImageOps

        with Image.open(io.BytesIO(raw)) as opened:
            image = ImageOps.exif_transpose(opened)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            if image.mode in ("RGBA", "LA", "P"):
                image.save(out, format="PNG", optimize=True)
                return f"data:image/png;base64,{base64.b64encode(out.getvalue()).decode()}"
            image.convert("RGB").save(out, format="JPEG", quality=80, optimize=True)
            return f"data:image/jpeg;base64,{base64.b64encode(out.getvalue()).decode()}"
    except (OSError, ValueError, SyntaxError):  # Pillow's ways of saying "not an image I can read"
        return None
