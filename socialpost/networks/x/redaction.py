"""Secrets out of the SDKs' logs and out of X's answers: tweepy logs every request's headers at
DEBUG (``Authorization: Bearer …``, OAuth 1.0a's ``oauth_…="…"`` parameters) and
requests-oauthlib logs the tokens it fetches or refreshes.

The values are those of the process's one registry (:mod:`socialpost.redaction`: the settings'
secrets are registered when the adapter is made; tokens X gives at run time are registered here
as they come). On top of the shapes every sink blanks, X's OAuth flows have their own: the
``oauth_*`` parameters of a signed request and the ``code``/``oauth_token`` of a sign-in.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Sequence

from socialpost.redaction import REDACTED, RedactingFilter, redact, register

_PATTERNS = (
    (re.compile(r"(Bearer\s+)[^\s'\",}]+"), r"\1" + REDACTED),
    (re.compile(r"(oauth_[a-z_]+=\"?)[^\"',&\s]+"), r"\1" + REDACTED),
    (
        re.compile(
            r"(['\"]?(?:access_token|refresh_token|code_verifier|client_secret|code|id_token|oauth_token"
            r"|oauth_token_secret)['\"]?\s*[:=]\s*['\"]?)[^'\",&\s}]+"
        ),
        r"\1" + REDACTED,
    ),
)


def _shapes(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class _Redactor(RedactingFilter):
    """The registry's secrets and the usual shapes (:class:`RedactingFilter`), then X's own shapes."""

    def add(self, values: Sequence[str]) -> None:
        register(*values)

    def redact(self, text: str) -> str:
        return _shapes(redact(text))

    def filter(self, record: logging.LogRecord) -> bool:
        super().filter(record)
        with contextlib.suppress(Exception):  # a malformed record is logging's business
            message = record.getMessage()
            shaped = _shapes(message)
            if shaped != message:
                record.msg, record.args = shaped, None
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
