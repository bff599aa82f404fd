"""Files the outbox and the webhook write for others to read: written whole or not at all, and
readable like any file the user creates (mode 0666 minus the umask, as a feed or a web folder
needs), plus what they say about a media file they pass on."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from socialpost.media import EXTENSIONS, MediaRoots, sniff
from socialpost.privatefiles import PUBLIC_FILE, replacing, write_atomic

CHUNK = 1 << 20
# OS errors that will not go away by themselves: the folder setting (or the disk) must change.
PERMANENT_ERRNOS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.EEXIST,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EROFS,
        errno.ENAMETOOLONG,
        errno.ELOOP,
    }
)
HEAD = 32  # bytes read to tell a media file's type (socialpost.media reads as many)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``path`` whole (a temporary file beside it, flushed, then renamed over it), readable
    by others as open() would make it: the outbox's readers must read these."""
    write_atomic(path, data, mode=PUBLIC_FILE)


@dataclass(frozen=True)
class MediaFacts:
    """What a receiver is told about one media file: its name, type (from its bytes), size and
    SHA-256 digest."""

    name: str
    type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.type, "")

    @classmethod
    def of(cls, file: str, data: bytes) -> MediaFacts:
        return cls(Path(file).name, sniff(data[:HEAD]) or "application/octet-stream", len(data), _sha256(data))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def media_size(roots: MediaRoots, file: str) -> int:
    """The size of ``file``, opened as every adapter opens media (MediaRefused when it may not be used)."""
    with roots.open(file) as handle:
        return os.fstat(handle.fileno()).st_size


def copy_media(
    roots: MediaRoots, file: str, folder: Path, name: Callable[[MediaFacts], str]
) -> tuple[MediaFacts, Path]:
    """Copy ``file`` (opened as every adapter opens media) into ``folder`` as ``name(facts)``, whole
    or not at all, reading it once; the copy is readable like :func:`atomic_write`'s files."""
    digest = hashlib.sha256()
    with roots.open(file) as source, replacing(folder, prefix=".media.", mode=PUBLIC_FILE) as pending:
        size = 0
        head = b""
        while chunk := source.read(CHUNK):
            head = head or chunk[:HEAD]
            digest.update(chunk)
            size += len(chunk)
            pending.file.write(chunk)
        facts = MediaFacts(Path(file).name, sniff(head) or "application/octet-stream", size, digest.hexdigest())
        copy = folder / name(facts)
        pending.commit(copy)
    return facts, copy
