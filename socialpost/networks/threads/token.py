"""The account's long-lived Threads token and its renewal.

A long-lived Threads user token lives 60 days; ``GET /refresh_access_token?grant_type=
th_refresh_token`` gives a new 60-day one for a token that is at least 24 hours old and not expired
(developers.facebook.com/docs/threads/get-started/long-lived-tokens). socialpost renews it once
less than :data:`RENEW_WITHIN` is left and keeps the new one in the account's private state folder
(``<data dir>/threads/<name>/token/token.json``, owner-only); secrets.yaml keeps the first one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from socialpost.privatefiles import make_folders, read_object, write_json
from socialpost.redaction import register
from socialpost.timeutil import ensure_aware, iso_utc

RENEW_WITHIN = timedelta(days=50)  # renew once it is 10 days old (Meta allows it after 24 hours)
MIN_AGE = timedelta(hours=24)


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: datetime | None  # None: not known (a token from secrets.yaml without its date)

    def due(self, now: datetime) -> bool:
        """Whether it is time to renew it (and Meta would allow it)."""
        if self.expires_at is None or self.expires_at <= now:
            return False
        left = self.expires_at - now
        return left < RENEW_WITHIN and left < timedelta(days=60) - MIN_AGE


class TokenStore:
    """The token in use: the renewed one on disk when it is there, else the configured one."""

    def __init__(self, folder: Path, configured: Token) -> None:
        self.file = folder / "token.json"
        self._configured = configured
        self._lock = threading.Lock()

    def current(self) -> Token:
        with self._lock:
            saved = read_object(self.file)
        if saved and isinstance(saved.get("access_token"), str) and saved.get("first") == self._fingerprint():
            expires = saved.get("expires_at")
            token = Token(saved["access_token"], _when(expires))
            register(token.value)
            return token
        return self._configured

    def save(self, token: Token) -> None:
        register(token.value)
        data = {"access_token": token.value, "first": self._fingerprint()}
        if token.expires_at is not None:
            data["expires_at"] = iso_utc(token.expires_at)
        with self._lock:
            make_folders(self.file.parent)
            write_json(self.file, data)

    def _fingerprint(self) -> str:
        """Which configured token the saved one renews (a new token in secrets.yaml wins)."""
        import hashlib

        return hashlib.sha256(self._configured.value.encode()).hexdigest()[:16]


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return ensure_aware(datetime.fromisoformat(value))
    except ValueError:
        return None
