"""Secrets out of the SDKs' logs: tweepy logs every request's headers at DEBUG and
requests-oauthlib logs the tokens it fetches or refreshes."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence

_REDACTED = "[redacted]"


class _Redactor(logging.Filter):
    """tweepy logs every request's headers at DEBUG (``Authorization: Bearer …``) and
    requests-oauthlib logs tokens when it fetches or refreshes them; blank those out."""

    _PATTERNS = (
        (re.compile(r"(Bearer\s+)[^\s'\",}]+"), r"\1" + _REDACTED),
        (re.compile(r"(oauth_[a-z_]+=\"?)[^\"',&\s]+"), r"\1" + _REDACTED),
        (
            re.compile(
                r"(['\"]?(?:access_token|refresh_token|code_verifier|client_secret|code|id_token|oauth_token"
                r"|oauth_token_secret)['\"]?\s*[:=]\s*['\"]?)[^'\",&\s}]+"
            ),
            r"\1" + _REDACTED,
        ),
    )

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, values: Sequence[str]) -> None:
        with self._lock:
            self._secrets.update(v for v in values if v and len(v) >= 6)

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, _REDACTED)
        for pattern, replacement in self._PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's business
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_REDACTOR = _Redactor()
# A logger's filters only see records logged on that very logger, so each one is named.
_SDK_LOGGERS = (
    "tweepy.client",
    "tweepy.auth",
    "requests_oauthlib",
    "requests_oauthlib.oauth1_auth",
    "requests_oauthlib.oauth1_session",
    "requests_oauthlib.oauth2_session",
    "oauthlib",
    "oauthlib.oauth1.rfc5849",
    "oauthlib.oauth1.rfc5849.signature",
    "oauthlib.oauth2.rfc6749",
    "urllib3.connectionpool",
    "socialpost.networks.x",
)
for _name in _SDK_LOGGERS:
    logging.getLogger(_name).addFilter(_REDACTOR)
