"""The long-lived Instagram Login token, refreshed before it expires.

Meta: a long-lived Instagram user token lasts 60 days and can be refreshed — for another 60 days —
once it is at least 24 hours old and while it is still valid (``GET /refresh_access_token
?grant_type=ig_refresh_token``; developers.facebook.com/docs/instagram-platform/reference/
refresh_access_token). socialpost refreshes when less than :data:`REFRESH_WITHIN` is left (so the
token is weeks old), keeps the new token in the account's private state (``token/token.json``,
mode 0600, beside the fingerprint of the configured token it replaces: a new token written in the
config wins), and sends it from then on. A failed refresh is logged and tried again a day later;
posting goes on with the token in hand. Facebook Login tokens (a Page's) do not expire this way.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from socialpost.errors import NetworkError
from socialpost.networks.common.numbers import as_int
from socialpost.privatefiles import read_object, write_json
from socialpost.redaction import register
from socialpost.timeutil import iso_utc

if TYPE_CHECKING:
    from socialpost.networks.base import AdapterContext
    from socialpost.networks.instagram.settings import InstagramSettings

log = logging.getLogger("socialpost.networks.instagram")

REFRESH_WITHIN = timedelta(days=50)  # refresh once less than this is left (the token is 10+ days old)
RETRY_AFTER = timedelta(days=1)


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class Tokens:
    """The token an account sends now, and its expiry (thread-safe)."""

    def __init__(self, settings: InstagramSettings, context: AdapterContext, account: str) -> None:
        self.settings, self.context = settings, context
        self.path = context.state_dir("token", account) / "token.json"
        self.configured = settings.access_token.get_secret_value()
        self._lock = threading.Lock()
        self.token, self.expires_at = self.configured, _aware(settings.token_expires_at)
        self._next_try: datetime | None = None
        saved = read_object(self.path) or {}
        if saved.get("replaces") == fingerprint(self.configured) and isinstance(saved.get("access_token"), str):
            self.token = saved["access_token"]
            register(self.token)
            self.expires_at = _parse(saved.get("expires_at")) or self.expires_at
            self._next_try = _parse(saved.get("next_try"))

    @property
    def renews(self) -> bool:
        return self.settings.login == "instagram"

    def due(self) -> bool:
        if not self.renews or self.expires_at is None:
            return False
        now = self.context.clock()
        if self._next_try is not None and now < self._next_try:
            return False
        return now < self.expires_at and self.expires_at - now < REFRESH_WITHIN

    def refresh_if_due(self, call: Any) -> None:
        """Refresh through ``call(path, params) -> dict`` when due; a failure is logged, not raised."""
        with self._lock:
            if not self.due():
                return
            now = self.context.clock()
            try:
                answer = call("refresh_access_token", {"grant_type": "ig_refresh_token"})
            except NetworkError as exc:
                log.warning("the Instagram token could not be refreshed (%s); trying again tomorrow", exc.message)
                self._next_try = now + RETRY_AFTER
                self._save()
                return
            token, seconds = answer.get("access_token"), as_int(answer.get("expires_in"))
            if not isinstance(token, str) or not token or not seconds:
                log.warning("Instagram answered the token refresh without a token; trying again tomorrow")
                self._next_try = now + RETRY_AFTER
                self._save()
                return
            register(token)
            self.token, self.expires_at, self._next_try = token, now + timedelta(seconds=seconds), None
            self._save()
            log.info("the Instagram token was refreshed; it now works until %s", iso_utc(self.expires_at))

    def _save(self) -> None:
        write_json(
            self.path,
            {
                "replaces": fingerprint(self.configured),
                "access_token": self.token,
                "expires_at": iso_utc(self.expires_at) if self.expires_at else None,
                "next_try": iso_utc(self._next_try) if self._next_try else None,
            },
        )


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse(value: Any) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(str(value))) if value else None
    except ValueError:
        return None
