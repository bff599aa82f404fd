"""A row's images, brought into the campaign's folder.

A URL is downloaded through the guarded fetcher (:mod:`socialpost.fetch`: public addresses only, a
size cap, a timeout) into ``media/`` beside the campaign file, named after the URL, so a re-import
finds the file already there and does not fetch it again. A local file inside the campaign's folder
is written as its path from the campaign file; one elsewhere is copied into ``media/`` (the daemon
posts only files kept in the campaign's folder, or in ``media_roots``). What cannot be had is a
:class:`MediaProblem` with the fix.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from socialpost.errors import FetchError
from socialpost.i18n import _
from socialpost.media import EXTENSIONS, sniff

MAX_BYTES = 200 * 1024 * 1024  # the largest video any network here takes is smaller
MEDIA_FOLDER = "media"

Fetcher = Callable[[str], tuple[bytes, str]]  # URL → (body, content type)


class MediaProblem(ValueError):
    """An image or video that cannot be brought in; the message says what to do."""


@dataclass
class MediaPlace:
    """Where media go (the campaign file's folder) and where local paths are read from (the sheet's)."""

    campaign_dir: Path
    sheet_dir: Path
    fetcher: Fetcher
    downloaded: int = 0
    reused: int = 0
    copied: int = 0

    def bring(self, value: str) -> str:
        """The path to write in the campaign (relative to the campaign file when it can be)."""
        if urlsplit(value).scheme in ("http", "https"):
            return self._download(value)
        if urlsplit(value).scheme:
            raise MediaProblem(
                _("'{value}' is neither a web address (http, https) nor a file. Fix: give the file's path.").format(
                    value=value
                )
            )
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = self.sheet_dir / path
        if not path.is_file():
            raise MediaProblem(
                _("the file {path} does not exist. Fix: correct the path (relative to the sheet's folder).").format(
                    path=path
                )
            )
        if path.resolve().is_relative_to(self.campaign_dir.resolve()):
            return self._relative(path)
        return self._copy(path)

    def _copy(self, path: Path) -> str:
        body = path.read_bytes()
        folder = self.campaign_dir / MEDIA_FOLDER
        target = folder / path.name
        if target.is_file() and target.read_bytes() == body:
            self.reused += 1
            return self._relative(target)
        if target.exists():
            target = folder / f"{path.stem}-{hashlib.sha256(body).hexdigest()[:8]}{path.suffix}"
            if target.is_file():
                self.reused += 1
                return self._relative(target)
        self._store(target, body)
        self.copied += 1
        return self._relative(target)

    def _store(self, target: Path, body: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(body)
        os.replace(partial, target)  # a crash leaves no half file under the final name

    def _download(self, url: str) -> str:
        folder = self.campaign_dir / MEDIA_FOLDER
        stem = hashlib.sha256(url.encode()).hexdigest()[:16]
        existing = sorted(p for p in folder.glob(f"{stem}.*") if p.suffix != ".part") if folder.is_dir() else []
        if existing:
            self.reused += 1
            return self._relative(existing[0])
        try:
            body, content_type = self.fetcher(url)
        except FetchError as exc:
            raise MediaProblem(
                _(
                    "{url} could not be downloaded: {reason} Fix: download it yourself and put the file's path "
                    "in the cell."
                ).format(url=url, reason=exc.message)
            ) from None
        kind = sniff(body[:32])
        if kind is None:
            raise MediaProblem(
                _(
                    "{url} is not an image or a video ({type}). Fix: give the address of the picture itself, "
                    "not of the page showing it."
                ).format(url=url, type=content_type or "?")
            )
        self._store(folder / f"{stem}{EXTENSIONS[kind]}", body)
        self.downloaded += 1
        return self._relative(folder / f"{stem}{EXTENSIONS[kind]}")

    def _relative(self, path: Path) -> str:
        try:
            return Path(os.path.relpath(path.resolve(), self.campaign_dir.resolve())).as_posix()
        except ValueError:  # another drive (Windows)
            return path.resolve().as_posix()


def guarded_fetcher(url: str) -> tuple[bytes, str]:
    """The real fetcher: :func:`socialpost.fetch.fetch` with its safe defaults."""
    from socialpost.fetch import fetch

    got = fetch(url, max_bytes=MAX_BYTES, accept="image/*,video/*")
    return got.body, got.content_type
