"""A token renewed since secrets.yaml was written, kept in the account's private state.

``<data dir>/<network>/<name>/token/token.json`` (owner-only) holds the newest access token, its
refresh token when the network gives one, its expiry, and the fingerprint of the configured token
it renews: a new token written to secrets.yaml (``accounts add`` again) has another fingerprint,
so it wins over the saved one. secrets.yaml keeps the first token.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from socialpost.networks.common.numbers import as_time
from socialpost.privatefiles import make_folders, read_object, write_json
from socialpost.redaction import register
from socialpost.timeutil import iso_utc


@dataclass(frozen=True)
class SavedToken:
    access: str
    refresh: str | None
    expires_at: datetime | None


class RenewedTokenFile:
    """``token.json`` in ``folder``, for the account whose configured access token is ``configured``."""

    def __init__(self, folder: Path, configured: str) -> None:
        self.file = folder / "token.json"
        self._first = hashlib.sha256(configured.encode()).hexdigest()[:16]
        self._lock = threading.Lock()

    def read(self) -> SavedToken | None:
        """The saved token when it renews the configured one (its secrets registered for redaction)."""
        with self._lock:
            saved = read_object(self.file)
        if not saved or not isinstance(saved.get("access_token"), str) or saved.get("first") != self._first:
            return None
        refresh = saved.get("refresh_token")
        token = SavedToken(
            saved["access_token"],
            refresh if isinstance(refresh, str) and refresh else None,
            as_time(saved.get("expires_at")),
        )
        register(token.access, token.refresh)
        return token

    def write(self, access: str, refresh: str | None, expires_at: datetime | None) -> None:
        register(access, refresh)
        data = {"access_token": access, "first": self._first}
        if refresh:
            data["refresh_token"] = refresh
        if expires_at is not None:
            data["expires_at"] = iso_utc(expires_at)
        with self._lock:
            make_folders(self.file.parent)
            write_json(self.file, data)
