"""LinkedIn's private state: the images uploaded for a post that is not out yet.

(The ``LinkedIn-Version`` in use is kept by :class:`socialpost.networks.api_version.VersionInUse`.)
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from socialpost.privatefiles import read_object, safe_name, write_json

log = logging.getLogger("socialpost.networks.linkedin")


class Uploads:
    """The images uploaded for one post (``uploads/<post key>.json``, mode 0600): index → URN, with
    the file's size and modification time, so another attempt of the post uses them again while
    the file is unchanged, instead of uploading it again."""

    def __init__(self, folder: Path, key: str) -> None:
        self.path = folder / f"{safe_name(key)}.json"
        self._images: dict[str, dict[str, Any]] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._images is None:
            data = read_object(self.path) or {}
            images = data.get("images")
            self._images = (
                {str(k): v for k, v in images.items() if isinstance(v, dict)} if isinstance(images, dict) else {}
            )
        return self._images

    @staticmethod
    def _identity(path: Path) -> dict[str, Any]:
        stat = path.stat()
        return {"file": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}

    def get(self, index: int, path: Path) -> str | None:
        entry = self._load().get(str(index))
        if entry is None or {k: entry.get(k) for k in ("file", "size", "mtime_ns")} != self._identity(path):
            return None
        urn = entry.get("urn")
        return str(urn) if isinstance(urn, str) and urn.startswith("urn:li:image:") else None

    def put(self, index: int, path: Path, urn: str) -> None:
        self._load()[str(index)] = {**self._identity(path), "urn": urn}
        self._save()

    def forget(self, index: int) -> None:
        if self._load().pop(str(index), None) is not None:
            self._save()

    def clear(self) -> None:
        self._images = {}
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:  # a stale record only makes a later attempt check LinkedIn first
            log.warning("cannot remove %s (%s)", self.path, exc.strerror or exc)

    def _save(self) -> None:
        try:
            write_json(self.path, {"images": self._load()})
        except OSError as exc:  # the post still goes out; a retry would only upload again
            log.warning("cannot record uploaded images in %s (%s)", self.path, exc.strerror or exc)
