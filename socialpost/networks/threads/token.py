"""The account's long-lived Threads token and its renewal.

A long-lived Threads user token lives 60 days; ``GET /refresh_access_token?grant_type=
th_refresh_token`` gives a new 60-day one for a token that is at least 24 hours old and not expired
(developers.facebook.com/docs/threads/get-started/long-lived-tokens). socialpost renews it once
less than :data:`RENEW_WITHIN` is left and keeps the new one in the account's private state folder
(``<data dir>/threads/<name>/token/token.json``, owner-only); secrets.yaml keeps the first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from socialpost.networks.common.token_file import RenewedTokenFile

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
        self._configured = configured
        self._saved = RenewedTokenFile(folder, configured.value)
        self.file = self._saved.file

    def current(self) -> Token:
        saved = self._saved.read()
        return self._configured if saved is None else Token(saved.access, saved.expires_at)

    def save(self, token: Token) -> None:
        self._saved.write(token.value, None, token.expires_at)
