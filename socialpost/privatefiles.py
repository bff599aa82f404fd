"""Files written whole or not at all, private to their owner: tokens, sessions, progress, quotas.

One helper for every such file: a temporary file beside the target (created 0600 with O_EXCL),
written, flushed to disk, renamed over the target, then the folder itself flushed, so a crash
leaves either the old file or the new one, never half of one. Missing parent folders are created
0700. :func:`locked` lets two processes updating the same state take turns.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def _read_umask() -> int:
    try:  # Linux: read it without changing it (os.umask() would, for every thread)
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


UMASK = _read_umask()
PUBLIC_FILE = 0o666 & ~UMASK  # what open() would make: for files others' readers must read


def make_folders(folder: Path, *, mode: int = PRIVATE_FOLDER) -> None:
    """Create ``folder`` and its missing parents, each with ``mode`` (an existing one keeps its own)."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            path.mkdir(mode=mode)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot flush a folder; the rename is done all the same
    finally:
        os.close(fd)


class Pending:
    """A temporary file being written beside its target (see :func:`replacing`)."""

    def __init__(self, file: BinaryIO, path: Path) -> None:
        self.file = file  # write here
        self.path = path  # the temporary file's own name

    def commit(self, target: Path) -> None:
        """Flush what was written to disk and put it in ``target``'s place in one step."""
        self.file.flush()
        os.fsync(self.file.fileno())
        os.replace(self.path, target)
        _fsync_folder(target.parent)


@contextlib.contextmanager
def replacing(folder: Path, *, prefix: str = ".", mode: int = PRIVATE_FILE) -> Iterator[Pending]:
    """A temporary file in ``folder`` (created 0600 with O_EXCL, then given ``mode``) for the
    caller to write and :meth:`Pending.commit` over its target; removed if anything fails first."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
    pending = Pending(os.fdopen(fd, "wb"), Path(tmp))
    try:
        with pending.file:
            if mode != PRIVATE_FILE:
                os.fchmod(fd, mode)
            yield pending
    except BaseException:
        pending.path.unlink(missing_ok=True)
        raise
    pending.path.unlink(missing_ok=True)  # never committed: nothing to keep


def write_atomic(path: Path, data: bytes | str, *, mode: int = PRIVATE_FILE) -> None:
    """Replace ``path`` by ``data`` whole or not at all, the new file having ``mode``; the folder
    must exist (see :func:`write_private`, which creates it)."""
    with replacing(path.parent, prefix=f".{path.name}.", mode=mode) as pending:
        pending.file.write(data.encode("utf-8") if isinstance(data, str) else data)
        pending.commit(path)


def write_private(path: Path, data: bytes | str, *, mode: int = PRIVATE_FILE) -> None:
    """Replace ``path`` by ``data`` atomically, readable only by its owner (missing folders 0700)."""
    make_folders(path.parent)
    write_atomic(path, data, mode=mode)


def write_json(path: Path, obj: Any, *, indent: int | None = 2, sort_keys: bool = True) -> None:
    """Write ``obj`` as JSON to ``path`` with :func:`write_private`."""
    write_private(path, json.dumps(obj, indent=indent, sort_keys=sort_keys))


def read_json(path: Path) -> Any | None:
    """What ``path`` holds as JSON; None when it is missing, unreadable or torn (a daemon starts
    again from nothing rather than crash on a file someone broke)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("ignoring unreadable file %s", path)
        return None


def read_object(path: Path) -> dict[str, Any] | None:
    """:func:`read_json` when the file holds a JSON object, else None."""
    data = read_json(path)
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on the state in ``path``, between threads and processes sharing the data
    folder, held on the sibling ``.lock`` file (``tokens.json`` → ``tokens.lock``). Not re-entrant."""
    lock = path.with_suffix(".lock")
    make_folders(lock.parent)
    fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def safe_name(text: str) -> str:
    """``text`` (an account name, a key) as one harmless file or folder name: letters, digits,
    ``-``, ``_`` and ``.`` kept, anything else ``_``; no leading dot (so never ``..``), never empty."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text).lstrip(".") or "_"


def account_folder(data_dir: Path, account: str) -> Path:
    """``<data_dir>/<network>/<name>``: the folder of one account's (``network:name``) private state."""
    network, _sep, name = account.partition(":")
    return data_dir / safe_name(network) / safe_name(name)


class KeyedFiles:
    """One JSON object per key (a post's idempotency key, say) in ``folder``: ``<key>.json`` with the
    key made :func:`safe_name`, owner-only. What one publication has done is kept this way between
    attempts; reads and writes by the threads of one process take turns."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def path(self, key: str) -> Path:
        return self.folder / f"{safe_name(key)}.json"

    def read(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            return read_object(self.path(key))

    def write(self, key: str, data: dict[str, Any]) -> None:
        with self._lock:
            write_json(self.path(key), data)
