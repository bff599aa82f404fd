"""Google's error answers mapped into socialpost's errors.

Every Google API answers a failure as ``{"error": {"code", "message", "status", "details"}}``
(google.rpc.Status). What matters beyond the HTTP status is in ``status`` and ``details``:

* ``429 RESOURCE_EXHAUSTED``: a quota. Its ``google.rpc.ErrorInfo`` detail carries the limit in
  ``metadata.quota_limit_value``; **0** means Google has not approved the project's access to the
  Business Profile APIs yet (every project starts at 0 requests a minute until the "Application for
  Basic API Access" is granted) → :class:`AccessTierError`, nothing to retry. Otherwise a
  per-minute quota → :class:`RateLimited` a minute later (or at ``Retry-After``).
* ``401 UNAUTHENTICATED``: the access token expired or was revoked (the client renews it once
  first) → :class:`AuthError`.
* ``403 PERMISSION_DENIED``: ``SERVICE_DISABLED`` when an API is not enabled in the project; else
  the Google account does not manage the location → :class:`AuthError`.
* ``400 INVALID_ARGUMENT`` / ``FAILED_PRECONDITION``: the post; the v4 API names the fields in a
  ``google.mybusiness.v4.ValidationError`` detail (``errorDetails[].field``/``message``) →
  :class:`ContentRejected`.
* ``404 NOT_FOUND`` → :class:`PermanentError`; 5xx, ``UNAVAILABLE`` → :class:`TransientError`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialpost.errors import (
    AccessTierError,
    AuthError,
    ContentRejected,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.i18n import _
from socialpost.networks.common.http import body_text, excerpt, retry_after
from socialpost.networks.google_business.settings import ACCESS_FORM

ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
VALIDATION = "type.googleapis.com/google.mybusiness.v4.ValidationError"


def parse(response: httpx.Response) -> tuple[str, str, list[dict[str, Any]]]:
    """(status, message, details) of a Google error body; ("", text, []) when it is not one."""
    try:
        data = json.loads(body_text(response) or "null")
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return "", body_text(response), []
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    return str(error.get("status") or ""), str(error.get("message") or ""), details


def _info(details: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return next((d for d in details if d.get("@type") == ERROR_INFO), {})


def unapproved(response: httpx.Response) -> bool:
    """Whether the answer is the one a project without API access gets: quota 0."""
    status, _message, details = parse(response)
    metadata = _info(details).get("metadata")
    return (
        response.status_code == 429
        and status == "RESOURCE_EXHAUSTED"
        and isinstance(metadata, dict)
        and str(metadata.get("quota_limit_value")) == "0"
    )


def google_error(
    response: httpx.Response,
    *,
    where: str,
    now: datetime,
    secrets: Sequence[str],
    reconnect: str,
    sending: bool = False,
) -> NetworkError:
    code = response.status_code
    status, message, details = parse(response)
    said = ""
    text = excerpt(message, secrets=secrets)
    if text:
        said = " " + _("Google said: {message}").format(message=text)
    fields = [
        f"{d.get('field')}: {d.get('message')}"
        for v in details
        if v.get("@type") == VALIDATION
        for d in v.get("errorDetails") or []
        if isinstance(d, dict) and d.get("field")
    ]
    if fields:
        said += " (" + excerpt("; ".join(fields), secrets=secrets) + ")"
    reason = str(_info(details).get("reason") or "")
    names = {"where": where, "status": code}
    if unapproved(response):
        return AccessTierError(
            _(
                "{where}: Google has not yet given your Google Cloud project access to the Business Profile APIs: "
                "its quota is 0 requests a minute, so every call is refused (429)."
            ).format(**names)
            + said,
            hint=_(
                "Apply with the 'Application for Basic API Access' form ({form}) with the project's number; Google "
                "answers by e-mail, usually within days. Until then nothing can be posted through the API."
            ).format(form=ACCESS_FORM),
            status=code,
        )
    if code == 429 or status == "RESOURCE_EXHAUSTED":
        when = retry_after(response.headers.get("retry-after"), now) or now + timedelta(minutes=1)
        return RateLimited(
            _("{where}: Google says to slow down ({status}): a per-minute quota.").format(**names) + said,
            status=code,
            retry_at=when,
        )
    if code == 401 or status == "UNAUTHENTICATED":
        return AuthError(
            _("{where}: Google refused the sign-in ({status}).").format(**names) + said,
            hint=_("Reconnect with: {command}.").format(command=reconnect),
            status=code,
        )
    if code == 403 or status == "PERMISSION_DENIED":
        if reason == "SERVICE_DISABLED":
            return AuthError(
                _("{where}: an API this needs is not enabled in your Google Cloud project ({status}).").format(**names)
                + said,
                hint=_(
                    "Enable the My Business Account Management API, the My Business Business Information API and "
                    "the Google My Business API in the project's 'APIs & Services', then try again."
                ),
                status=code,
            )
        return AuthError(
            _("{where}: Google refused ({status}): this Google account may not manage the location.").format(**names)
            + said,
            hint=_("Sign in with an owner or manager of the Business Profile: {command}.").format(command=reconnect),
            status=code,
        )
    if code >= 500 or status in ("UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED"):
        return TransientError(
            _("{where}: Google failed ({status}).").format(**names) + said,
            status=code,
            retry_at=retry_after(response.headers.get("retry-after"), now),
            request_sent=sending,
        )
    if code == 404 or status == "NOT_FOUND":
        return PermanentError(_("{where}: Google cannot find it ({status}).").format(**names) + said, status=code)
    if code == 400 or status in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
        return ContentRejected(_("{where}: Google rejected the post ({status}).").format(**names) + said, status=code)
    return PermanentError(_("{where}: Google refused the request ({status}).").format(**names) + said, status=code)
