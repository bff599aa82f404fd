"""An account's health as its adapter reports it, typed: what ``accounts test``, ``doctor`` and the
daemon read. No caller guesses attribute names or parses an adapter's (translated) text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from socialpost.networks.api_version import ApiVersionStatus


@dataclass(frozen=True)
class HealthWarning:
    """Something to fix although the account works, with the fix in the user's words."""

    message: str
    fix: str


@dataclass(frozen=True)
class AccountHealth:
    """Who an account posts as and what stands in its way.

    ``details`` are shown as they are by ``accounts test`` (label → value, translated); the typed
    fields are what programs read: ``expires_at`` when the access stops working unless renewed
    (None: never, or unknown), ``renews`` when the adapter renews it by itself (then expiry is not
    a problem), ``missing_permissions`` the scopes the token lacks, ``warnings`` what to fix,
    ``api_version`` the API version in use and its sunset.
    """

    account: str
    display: str
    details: dict[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None
    renews: bool = False
    missing_permissions: tuple[str, ...] = ()
    warnings: tuple[HealthWarning, ...] = ()
    api_version: ApiVersionStatus | None = None

    @property
    def expiry(self) -> datetime | None:
        """When the account stops working if nobody acts: None when it renews itself or never expires."""
        if self.renews or self.expires_at is None:
            return None
        return self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=UTC)


def health_of(adapter: object, account: str) -> AccountHealth:
    """``adapter``'s health, or only the account's name for an adapter that cannot check itself."""
    from socialpost.networks.capabilities import HealthCheck

    if isinstance(adapter, HealthCheck):
        return adapter.health()
    return AccountHealth(account, account)


Identity = AccountHealth
"""The name adapters of the first plugin API used (``check() -> Identity``)."""


def origin_of(url: str | None) -> str | None:
    """The scheme://host[:port] of ``url`` (never its path or query, which may hold a token)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
