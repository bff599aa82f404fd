"""Media files a campaign names may come only from the campaign's own folder, or from the folders
the user lists under ``media_roots`` in the config (a campaign cannot widen that list).

A campaign file may come from someone who does not run the machine (a pull request), and what it
attaches is published. So every file a post names (``media:``, a YouTube ``video.file`` and
``video.thumbnail``) is checked twice:

* when the campaign is validated, planned or scheduled (:func:`confined`, from
  ``socialpost.campaign.checks``), with the file's ``file:line:column``;
* when the daemon reads it (:meth:`MediaRoots.open`, the one way adapters open media): the path is
  resolved (symbolic links followed), must lie inside an allowed folder, and is then opened one
  component at a time from that folder without following any link (``O_NOFOLLOW``), so a link
  swapped in after the check is refused, not followed; the open file must be a regular file and its
  first bytes an image or a video.

Every refusal at send time, and every path outside the allowed folders at validate time, gets the
same words (:func:`refusal`) whether the file is missing, unreadable or elsewhere, so a campaign
cannot learn which files exist on the machine. (The cause goes to the debug log, for the operator.)

Where the folder comes from at send time: the payload of a scheduled post records it under
``media_root`` (the campaign file's folder, resolved). That key is left out of the payload's
fingerprint (``socialpost.campaign.expand.fingerprint``): it follows from where the campaign file
is, which the media paths already record, and a fingerprint that changed with this upgrade would
re-queue failed posts. A post queued by an earlier version has no ``media_root``; its files are
then taken only as plain paths — absolute, with no ``..`` and no symbolic link anywhere on the
way — or from the configured ``media_roots``.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, BinaryIO

from socialpost.errors import MediaRefused
from socialpost.i18n import N_, _

if TYPE_CHECKING:
    from socialpost.networks.base import AdapterContext, OutgoingPost

log = logging.getLogger("socialpost.media")

MEDIA_ROOT_KEY = "media_root"  # the payload key that records the campaign's folder
_HEAD = 32  # bytes read to tell the type

REFUSED = N_(
    "the media file {file} cannot be used: socialpost posts only readable images and videos kept in the "
    "campaign's folder or in a folder listed under media_roots in your config."
)
# The extension a copy of a media file gets from its real content (its own name may lie; some
# fetchers and web servers go by it): the outbox's and webhook's copies, the media host's.
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "image/tiff": ".tif",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "video/x-msvideo": ".avi",
    "video/x-flv": ".flv",
    "video/x-ms-wmv": ".wmv",
    "video/mpeg": ".mpg",
}

HOW_TO = N_("Fix: move the file into the campaign's folder, or list its folder under media_roots in your config.")
RETRY = N_(
    "Put a readable image or video in the campaign's folder (or list its folder under media_roots in your "
    "config), then retry the post: socialpost retry."
)

# The first bytes of each media type socialpost posts (an extension may lie): every (offset, bytes)
# of an entry must be there.
_MAGIC: tuple[tuple[str, tuple[tuple[int, bytes], ...]], ...] = (
    ("image/jpeg", ((0, b"\xff\xd8\xff"),)),
    ("image/png", ((0, b"\x89PNG\r\n\x1a\n"),)),
    ("image/gif", ((0, b"GIF87a"),)),
    ("image/gif", ((0, b"GIF89a"),)),
    ("image/webp", ((0, b"RIFF"), (8, b"WEBP"))),
    ("image/bmp", ((0, b"BM"), (6, b"\x00\x00\x00\x00"))),
    ("image/tiff", ((0, b"II*\x00"),)),
    ("image/tiff", ((0, b"MM\x00*"),)),
    ("video/quicktime", ((4, b"ftypqt"),)),
    ("video/mp4", ((4, b"ftyp"),)),  # MP4, M4V, 3GP
    ("video/quicktime", ((4, b"moov"),)),
    ("video/webm", ((0, b"\x1a\x45\xdf\xa3"),)),  # WebM and Matroska
    ("video/x-msvideo", ((0, b"RIFF"), (8, b"AVI "))),
    ("video/x-flv", ((0, b"FLV\x01"),)),
    ("video/x-ms-wmv", ((0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"),)),
    ("video/mpeg", ((0, b"\x00\x00\x01\xba"),)),
    ("video/mpeg", ((0, b"\x00\x00\x01\xb3"),)),
)


def sniff(head: bytes) -> str | None:
    """The media type of a file from its first bytes, or None when it is no image or video we post."""
    for mime, parts in _MAGIC:
        if all(head[offset : offset + len(magic)] == magic for offset, magic in parts):
            return mime
    return None


def refusal(file: str | PurePath) -> str:
    """The one message for a media file that cannot be used, whatever the cause."""
    return _(REFUSED).format(file=file)


def real(path: str | PurePath) -> Path:
    """``path`` absolute, with every symbolic link resolved (missing parts kept as written)."""
    return Path(os.path.realpath(path))


def confined(path: str | PurePath, roots: Sequence[Path]) -> Path | None:
    """The root of ``roots`` that holds ``path`` once links are resolved, or None when none does."""
    target = real(path)
    for root in roots:
        folder = real(root)
        if target == folder or target.is_relative_to(folder):
            return folder
    return None


def post_files(post: OutgoingPost) -> Iterator[str]:
    """Every file ``post`` names: its media, a YouTube video's file and thumbnail, a Reel's cover."""
    for item in post.media:
        yield item.file
    if isinstance(post.extra.get("cover"), str):
        yield post.extra["cover"]
    video = post.extra.get("video")
    if isinstance(video, dict):
        for key in ("file", "thumbnail"):
            if video.get(key):
                yield str(video[key])


@dataclass(frozen=True)
class MediaRoots:
    """The folders one post's media may be read from, and the only way adapters open media."""

    folders: tuple[Path, ...]
    plain_paths: bool = False  # a post queued before media roots were recorded (see the module docstring)

    @classmethod
    def of(cls, post: OutgoingPost, context: AdapterContext) -> MediaRoots:
        own = (Path(post.media_root),) if post.media_root else ()
        return cls(tuple(real(f) for f in (*own, *context.media_roots)), plain_paths=not post.media_root)

    @classmethod
    def checked(cls, post: OutgoingPost, context: AdapterContext) -> MediaRoots:
        """:meth:`of`, after checking every file of ``post`` (call it before any other look at them)."""
        roots = cls.of(post, context)
        roots.check(post)
        return roots

    def open(self, file: str | PurePath) -> BinaryIO:
        """``file`` opened for reading, checked as the module docstring says; MediaRefused otherwise."""
        try:
            fd = self._open(Path(file))
        except (OSError, _Outside) as exc:
            log.debug("media %s refused: %s", file, exc)
            raise MediaRefused(refusal(file), hint=_(RETRY)) from None
        return os.fdopen(fd, "rb")

    def read(self, file: str | PurePath) -> bytes:
        """Every byte of ``file`` (see :meth:`open`)."""
        with self.open(file) as handle:
            return handle.read()

    def check(self, post: OutgoingPost) -> None:
        """Every file ``post`` names can be opened (before anything is sent); MediaRefused otherwise."""
        for file in post_files(post):
            self.open(file).close()

    def _open(self, path: Path) -> int:
        if not path.is_absolute():
            if self.plain_paths or not self.folders:
                raise _Outside("a relative path without a campaign folder")
            path = self.folders[0] / path
        target = real(path)
        root = confined(target, self.folders)
        if root is None and self.plain_paths and target == path:
            root = Path(target.anchor)  # a plain path: no link may be met on the way down
        if root is None:
            raise _Outside("outside the allowed folders")
        fd = _open_beneath(root, target.relative_to(root))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise _Outside("not a regular file")
            if sniff(os.read(fd, _HEAD)) is None:
                raise _Outside("not an image or a video")
            os.lseek(fd, 0, os.SEEK_SET)
        except BaseException:
            os.close(fd)
            raise
        return fd


class _Outside(Exception):
    """Why a file was refused (logged at debug level only; the user sees :func:`refusal`)."""


_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# O_NONBLOCK: opening a named pipe swapped in for the file must not hang (fstat then refuses it).
_FILE = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)


def _open_beneath(root: Path, relative: PurePath) -> int:
    """Open ``root/relative`` walking down from ``root`` one name at a time, following no link.

    Each step opens a name inside the folder opened before it (``dir_fd``), so no component can be
    replaced by a link between the check and the open. Where ``dir_fd`` is not supported, the
    resolved path is opened with ``O_NOFOLLOW`` on its last component."""
    parts = relative.parts
    if not parts:
        raise _Outside("a folder, not a file")
    if os.open not in os.supports_dir_fd:
        return os.open(root.joinpath(*parts), _FILE)
    folder = os.open(root, _DIR)
    try:
        for name in parts[:-1]:
            inner = os.open(name, _DIR | _NOFOLLOW, dir_fd=folder)
            os.close(folder)
            folder = inner
        return os.open(parts[-1], _FILE, dir_fd=folder)
    finally:
        os.close(folder)
