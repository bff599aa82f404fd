"""The account's Pinterest tokens and their renewal.

A Pinterest access token lives 30 days; ``POST /v5/oauth/token`` with ``grant_type=refresh_token``
(the app's id and secret as HTTP Basic credentials) gives a new one, and with continuous refresh a
new refresh token too (developers.pinterest.com/docs/getting-started/authentication). socialpost
renews once less than :data:`RENEW_WITHIN` is left and keeps the new pair in the account's private
state folder (``<data dir>/pinterest/<name>/token/token.json``, owner-only); secrets.yaml keeps the
first one. A new token written to secrets.yaml (``accounts add`` again) wins over the saved pair.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from socialpost.privatefiles import make_folders, read_object, write_json
from socialpost.redaction import register
from socialpost.timeutil import ensure_aware, iso_utc

RENEW_WITHIN = timedelta(days=7)


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str | None
    expires_at: datetime | None  # None: not known (a token from secrets.yaml without its date)

    def due(self, now: datetime) -> bool:
        """Whether to renew now: a refresh token, and less than a week left (or already expired)."""
        return self.refresh is not None and self.expires_at is not None and self.expires_at - now < RENEW_WITHIN


class TokenStore:
    """The tokens in use: the renewed pair on disk when it renews the configured one, else that."""

    def __init__(self, folder: Path, configured: Tokens) -> None:
        self.file = folder / "token.json"
        self._configured = configured
        self._lock = threading.Lock()

    def current(self) -> Tokens:
        with self._lock:
            saved = read_object(self.file)
        if saved and isinstance(saved.get("access_token"), str) and saved.get("first") == self._fingerprint():
            refresh = saved.get("refresh_token")
            tokens = Tokens(
                saved["access_token"],
                refresh if isinstance(refresh, str) and refresh else self._configured.refresh,
                _when(saved.get("expires_at")),
            )
            register(tokens.access, tokens.refresh)
            return tokens
        return self._configured

    def save(self, tokens: Tokens) -> None:
        register(tokens.access, tokens.refresh)
        data: dict[str, str] = {"access_token": tokens.access, "first": self._fingerprint()}
        if tokens.refresh:
            data["refresh_token"] = tokens.refresh
        if tokens.expires_at is not None:
            data["expires_at"] = iso_utc(tokens.expires_at)
        with self._lock:
            make_folders(self.file.parent)
            write_json(self.file, data)

    def _fingerprint(self) -> str:
        """Which configured token the saved pair renews."""
        return hashlib.sha256(self._configured.access.encode()).hexdigest()[:16]


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return ensure_aware(datetime.fromisoformat(value))
    except ValueError:
        return None
