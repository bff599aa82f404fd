"""How X's and the SDKs' failures map to socialpost's error tree.

X is reached through tweepy and requests (not httpx), its messages name the action that failed
("while we read replies"), its 429 carries several rate-limit windows and almost every status has
an X-specific case (duplicate text, no credits, access tier, reply not allowed, app permissions),
so the mapping lives here rather than in :func:`socialpost.networks.common.http.classify`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

from socialpost.errors import (
    AccessTierError,
    AuthError,
    ContentRejected,
    DuplicatePost,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.i18n import N_, _
from socialpost.networks.common.http import excerpt
from socialpost.networks.x.redaction import _REDACTOR

PORTAL = "https://developer.x.com/en/portal/dashboard"
READ_REPLIES = N_("read replies")
_TIER_MARKERS = (
    "client-not-enrolled",
    "client-forbidden",
    "subset of",
    "access level",
    "appropriate level",
    "enrolled",
    "attached to a project",
)
_REPLY_REFUSED_MARKERS = ("mentioned or otherwise engaged", "not allowed to reply", "reply to this conversation")


def classify_error(
    exc: Exception,
    what: str,
    *,
    creating: bool,
    where: str,
    readd: str,
    timeout: float,
    clock: Callable[[], datetime],
) -> NetworkError:
    """One place that turns tweepy's and requests' exceptions into socialpost's. ``what`` is a
    marked message (``N_``): the action, as a verb phrase ("publish", "read replies")."""
    import tweepy  # type: ignore[import-untyped]

    action = _(what)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TransientError(
            _("{where}: could not connect to X to {action} (timed out).").format(where=where, action=action)
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return TransientError(
            _("{where}: X did not answer within {seconds} s while we {action}.").format(
                where=where, seconds=f"{timeout:g}", action=action
            ),
            request_sent=creating,
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        sent = creating and not _never_connected(exc)
        return TransientError(
            _("{where}: the connection to X failed while we {action}.").format(where=where, action=action),
            request_sent=sent,
        )
    if isinstance(exc, requests.RequestException):
        return TransientError(
            _("{where}: the request to X failed ({error}).").format(where=where, error=exc.__class__.__name__),
            request_sent=creating,
        )
    if not isinstance(exc, tweepy.HTTPException):
        return PermanentError(
            _("{where}: {action} failed ({error}).").format(where=where, action=action, error=exc.__class__.__name__)
        )
    response = exc.response
    status = int(response.status_code)
    detail = _detail(exc)
    said = " " + _("X said: {detail}").format(detail=detail) if detail else ""
    if isinstance(exc, tweepy.TooManyRequests) or status == 429:
        return RateLimited(
            _("{where}: X's rate limit is reached (429) while we {action}.{said}").format(
                where=where, action=action, said=said
            ),
            status=429,
            retry_at=_reset_time(response.headers, clock()),
        )
    if status == 401:
        return AuthError(
            _("{where}: X refused the credentials (401) while we {action}.{said}").format(
                where=where, action=action, said=said
            ),
            hint=_("The tokens are wrong, revoked or expired; connect the account again: {command}").format(
                command=readd
            ),
            status=401,
        )
    lowered = detail.lower()
    if status == 403 and "duplicate" in lowered:
        return DuplicatePost(
            _(
                "{where}: X refuses this post because the account already has one with exactly the same "
                "text (403).{said}"
            ).format(where=where, said=said),
            hint=_("Change the text, or delete the earlier post on X, then retry."),
            status=403,
        )
    if status == 402 or (status == 403 and "credits" in lowered):
        return PermanentError(
            _(
                "{where}: X refused to {action} because the developer account has no API credits left ({status}).{said}"
            ).format(where=where, action=action, status=status, said=said),
            hint=_("Add credits or change the plan in the X developer console ({portal}).").format(portal=PORTAL),
            status=status,
        )
    if status == 403 and what == READ_REPLIES and _tier_refusal(exc, lowered):
        return AccessTierError(
            _(
                "{where}: reading replies needs X's Basic access tier or higher (or pay-per-use credits): "
                "the Free tier cannot search conversations, so the inbox has no replies for this "
                "account.{said}"
            ).format(where=where, said=said),
            hint=_(
                "Upgrade the app's access in the X developer portal ({portal}), or answer replies in the X app."
            ).format(portal=PORTAL),
            status=403,
        )
    if status == 403 and any(marker in lowered for marker in _REPLY_REFUSED_MARKERS):
        return ContentRejected(
            _(
                "{where}: X lets an app answer a post only when its author mentioned or engaged with the "
                "account (403).{said}"
            ).format(where=where, said=said),
            hint=_("Answer it in the X app."),
            status=403,
        )
    if status == 403:
        if "permission" in lowered or "not permitted" in lowered:
            hint = _(
                "In the X developer portal, open the app's 'User authentication settings', set App "
                "permissions to 'Read and write', save, then regenerate the Access Token and Secret (or sign "
                "in again) and run: {command}"
            ).format(command=readd)
        elif "project" in lowered or "enrolled" in lowered or "subset" in lowered:
            hint = _(
                "The app must belong to a Project with API v2 access and an access level (or credits) that "
                "allows this call; check the developer portal ({portal})."
            ).format(portal=PORTAL)
        else:
            hint = _(
                "Check that the app has 'Read and write' permission and that your X API access allows this "
                "call ({portal})."
            ).format(portal=PORTAL)
        return AuthError(
            _("{where}: X does not allow this app to {action} (403).{said}").format(
                where=where, action=action, said=said
            ),
            hint=hint,
            status=403,
        )
    if status >= 500:
        return TransientError(
            _("{where}: X failed ({status}) while we {action}.{said}").format(
                where=where, status=status, action=action, said=said
            ),
            status=status,
        )
    return ContentRejected(
        _("{where}: X rejected the request to {action} ({status}).{said}").format(
            where=where, action=action, status=status, said=said
        ),
        hint=_("Change the post as X says, then retry it."),
        status=status,
    )


def _detail(exc: Any) -> str:
    """X's own explanation, short, on one line, without any of our secrets."""
    messages = [str(m) for m in getattr(exc, "api_messages", []) if m]
    text = " ".join(messages)
    if not text:
        try:
            body = exc.response.json()
        except Exception:  # noqa: BLE001 - not JSON: use the raw text
            body = None
        if isinstance(body, dict):
            text = str(body.get("detail") or body.get("title") or body.get("message") or "")
        if not text:
            try:
                text = str(exc.response.text or "")
            except Exception:  # noqa: BLE001 - an unreadable body says nothing
                text = ""
    return excerpt(_REDACTOR.redact(text))  # on one line, cut to common.http.EXCERPT_CHARS


def _tier_refusal(exc: Any, lowered_detail: str) -> bool:
    """True when X's 403 says the access tier does not include this endpoint (Free tier: code 453,
    or the ``client-not-enrolled`` problem)."""
    if 453 in (getattr(exc, "api_codes", None) or []):
        return True
    try:
        raw = str(exc.response.text or "").lower()
    except Exception:  # noqa: BLE001 - an unreadable body says nothing
        raw = ""
    return any(marker in lowered_detail or marker in raw for marker in _TIER_MARKERS)


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection was never made (refused, DNS), so nothing was sent."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


def _reset_time(headers: Any, now: datetime) -> datetime | None:
    """When X lets us in again: the latest reset among the windows that are used up (15-minute and
    24-hour, per user and per app), or the latest of all when X does not say which is used up."""
    windows = (
        ("x-rate-limit-reset", "x-rate-limit-remaining"),
        ("x-user-limit-24hour-reset", "x-user-limit-24hour-remaining"),
        ("x-app-limit-24hour-reset", "x-app-limit-24hour-remaining"),
    )
    all_resets: list[int] = []
    exhausted: list[int] = []
    for reset_name, remaining_name in windows:
        value = str(headers.get(reset_name) or "").strip()
        if not value.isdigit():
            continue
        reset = int(value)
        all_resets.append(reset)
        if str(headers.get(remaining_name) or "").strip() == "0":
            exhausted.append(reset)
    chosen = exhausted or all_resets
    if not chosen:
        return None
    when = datetime.fromtimestamp(max(chosen), tz=UTC)
    return max(when, now.astimezone(UTC))
