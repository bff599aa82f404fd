"""The outbox's post files: ``<folder>/posts/<time>_<campaign>_<post>_<key end>.json``, one JSON
document per post, found again by its idempotency key."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

from socialpost.errors import PermanentError, TransientError
from socialpost.i18n import _
from socialpost.networks.base import OutgoingPost
from socialpost.networks.common import files

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_REQUIRED = ("id", "campaign", "text", "published_at", "idempotency_key")


def post_path(folder: Path, post: OutgoingPost) -> Path:
    """Where ``post`` is written in the outbox ``folder``."""
    stamp = post.due_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = UNSAFE.sub("_", f"{stamp}_{post.campaign}_{post.post_id}")
    return folder / "posts" / f"{name}_{UNSAFE.sub('_', post.key[-8:])}.json"


def find_post(folder: Path, post: OutgoingPost) -> Path | None:
    """The file already written for ``post``'s idempotency key, if any.

    Usually at :func:`post_path`; but if the post's time was edited after it went out, its file
    carries the old time in its name, and it is still the same post.
    """
    path = post_path(folder, post)
    if path.is_file():
        return path
    suffix = UNSAFE.sub("_", post.key[-8:])
    for candidate in sorted(path.parent.glob(f"*_{suffix}.json")):
        document = read_json(candidate)
        if document is not None and document.get("idempotency_key") == post.key:
            return candidate
    return None


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def read_posts(folder: Path) -> Iterator[dict[str, Any]]:
    if not folder.is_dir():
        return
    for path in folder.glob("*.json"):
        document = read_json(path)
        # a file someone edited by hand (or broke): the feed skips it rather than failing every post
        if document is None or not all(isinstance(document.get(k), str) for k in _REQUIRED):
            continue
        yield document


def folder_error(exc: OSError, folder: Path) -> PermanentError | TransientError:
    reason = exc.strerror or exc.__class__.__name__
    if exc.errno in files.PERMANENT_ERRNOS or isinstance(
        exc, PermissionError | FileExistsError | NotADirectoryError | IsADirectoryError
    ):
        # Retrying cannot help: a file where a folder should be, no permission, a read-only disk.
        blocker = f" ({exc.filename})" if exc.filename else ""
        return PermanentError(
            _("cannot write to the outbox folder {folder}: {reason}.").format(folder=folder, reason=reason + blocker),
            hint=_(
                "Make the folder writable (or move the file in the way), "
                "or set accounts.outbox.<name>.folder in your config to another folder."
            ),
        )
    # disk full, I/O error, folder vanished…: may succeed later
    return TransientError(
        _("cannot write to the outbox folder {folder}: {reason}.").format(folder=folder, reason=reason)
    )
