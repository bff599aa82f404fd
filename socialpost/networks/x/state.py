"""X's private state files, each through :mod:`socialpost.privatefiles` (atomic, 0600, compact
JSON as X's files have always been), at the same paths as before:

* ``<data_dir>/sessions/x-<name>.json``: OAuth 2.0 tokens renewed since secrets.yaml was written;
* ``<account folder>/threads/``: which parts of which post are already on X;
* ``<account folder>/metric-reads.json``, ``reply-reads.json``: posts read per UTC day;
* ``<account folder>/reply-marks.json``: when each conversation's replies were last read.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from socialpost.networks.base import AdapterContext
from socialpost.networks.x.settings import XSettings
from socialpost.privatefiles import locked, read_object, write_json

THREAD_RECORD_DAYS = 30
SEARCH_WINDOW = timedelta(days=7)  # the recent search (the inbox) reaches this far back
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")  # how earlier versions made the account's name a file name


def _file_name(account: str) -> str:
    return _UNSAFE.sub("_", account.split(":", 1)[-1])


def account_folder(context: AdapterContext, account: str) -> Path:
    """The account's folder of private state (``<data_dir>/x/<name>``; an earlier version's
    spelling of the name while only that one exists)."""
    return context.state_dir("", account, old=context.data_dir / "x" / _file_name(account))


def session_file(context: AdapterContext, account: str) -> Path:
    """Where OAuth 2.0 tokens renewed since secrets.yaml was written are kept."""
    return context.data_dir / "sessions" / f"x-{_file_name(account)}.json"


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically with mode 0600 (X's files have always been compact JSON)."""
    write_json(path, data, indent=None, sort_keys=False)


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class _Tokens:
    """The OAuth 2.0 tokens in use: from secrets.yaml, or newer ones from the session file."""

    def __init__(self, path: Path, settings: XSettings) -> None:
        self.path = path
        assert settings.oauth2_access_token is not None
        original = settings.oauth2_refresh_token or settings.oauth2_access_token
        self.origin = _fingerprint(original.get_secret_value())
        self.access = settings.oauth2_access_token.get_secret_value()
        self.refresh = settings.oauth2_refresh_token.get_secret_value() if settings.oauth2_refresh_token else None
        self.expires_at = settings.oauth2_expires_at
        self.adopt_stored()

    def adopt_stored(self) -> bool:
        """Take the session file's tokens when they descend from the configured ones."""
        stored = read_object(self.path)
        if not stored or stored.get("origin") != self.origin or not stored.get("access_token"):
            return False
        changed = bool(stored["access_token"] != self.access)
        self.access = str(stored["access_token"])
        self.refresh = str(stored["refresh_token"]) if stored.get("refresh_token") else None
        expires = stored.get("expires_at")
        self.expires_at = datetime.fromisoformat(expires) if isinstance(expires, str) else None
        return changed

    def save(self) -> None:
        _write_private(
            self.path,
            {
                "origin": self.origin,
                "access_token": self.access,
                "refresh_token": self.refresh,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            },
        )


class _Threads:
    """Which parts of which post are already on X: ``{key: [id of part 0, id of part 1, …]}``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.json"

    def load(self, key: str) -> list[str]:
        data = read_object(self._path(key))
        if not data or data.get("key") != key:
            return []
        return [str(i) for i in data.get("ids", [])]

    def save(self, key: str, ids: list[str]) -> None:
        if not ids:
            return
        _write_private(self._path(key), {"key": key, "ids": ids, "updated": time.time()})
        if len(ids) == 1:
            self._prune()

    def _prune(self) -> None:
        cutoff = time.time() - THREAD_RECORD_DAYS * 86400
        with contextlib.suppress(OSError):
            for path in self.folder.glob("*.json"):
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()


class _ReadBudget:
    """Posts read for metrics per UTC day (X bills reads), shared by daemons through a file."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit

    def take(self, wanted: int, today: date) -> int:
        with locked(self.path):
            data = read_object(self.path) or {}
            used = int(data.get("reads", 0)) if data.get("day") == today.isoformat() else 0
            granted = max(0, min(wanted, self.limit - used))
            if granted:
                _write_private(self.path, {"day": today.isoformat(), "reads": used + granted})
            return granted

    def refund(self, unused: int, today: date) -> None:
        """Give back reads taken but not made (X returned fewer posts than asked for)."""
        if unused <= 0:
            return
        with locked(self.path):
            data = read_object(self.path) or {}
            if data.get("day") != today.isoformat():
                return
            _write_private(self.path, {"day": today.isoformat(), "reads": max(0, int(data.get("reads", 0)) - unused)})

    def left(self, today: date) -> int:
        data = read_object(self.path) or {}
        used = int(data.get("reads", 0)) if data.get("day") == today.isoformat() else 0
        return max(0, self.limit - used)


class _ReplyMarks:
    """When each conversation's replies were last read completely (``{conversation id: ISO time}``),
    so that the next read asks X only for what is newer (minus :data:`REPLY_OVERLAP`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, datetime]:
        marks: dict[str, datetime] = {}
        for key, value in (read_object(self.path) or {}).items():
            with contextlib.suppress(TypeError, ValueError):
                marks[str(key)] = datetime.fromisoformat(str(value))
        return marks

    def save(self, marks: dict[str, datetime], now: datetime) -> None:
        cutoff = now - SEARCH_WINDOW - timedelta(days=1)
        _write_private(self.path, {k: v.isoformat() for k, v in marks.items() if v >= cutoff})
