"""The account's Pinterest tokens and their renewal.

A Pinterest access token lives 30 days; ``POST /v5/oauth/token`` with ``grant_type=refresh_token``
(the app's id and secret as HTTP Basic credentials) gives a new one, and with continuous refresh a
new refresh token too (developers.pinterest.com/docs/getting-started/authentication). socialpost
renews once less than :data:`RENEW_WITHIN` is left and keeps the new pair in the account's private
state folder (``<data dir>/pinterest/<name>/token/token.json``, owner-only); secrets.yaml keeps the
first one. A new token written to secrets.yaml (``accounts add`` again) wins over the saved pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from socialpost.networks.common.token_file import RenewedTokenFile

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
        self._configured = configured
        self._saved = RenewedTokenFile(folder, configured.access)
        self.file = self._saved.file

    def current(self) -> Tokens:
        saved = self._saved.read()
        if saved is None:
            return self._configured
        return Tokens(saved.access, saved.refresh or self._configured.refresh, saved.expires_at)

    def save(self, tokens: Tokens) -> None:
        self._saved.write(tokens.access, tokens.refresh, tokens.expires_at)
