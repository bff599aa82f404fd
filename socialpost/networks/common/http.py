"""What a network's HTTP answer means, said once for every adapter.

:func:`classify` maps the generic cases of a failed answer to the error tree: 401 →
:class:`AuthError`; 403 → :class:`PermanentError` (an :class:`AuthError` when the network says it is
a missing permission or scope); 429 → :class:`RateLimited` with the time the network gave
(``Retry-After``, ``x-rate-limit-reset`` and their kin); 408 and 5xx → :class:`TransientError`;
other 4xx (and 3xx: we never follow redirects) → :class:`PermanentError`. Each message ends with an
excerpt of the network's own error body: secrets blanked, on one line, cut to
:data:`EXCERPT_CHARS`. An adapter passes ``special`` for the cases only its network has; it is
tried first. :func:`transport_error` does the same for timeouts and broken connections.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from socialpost.errors import AuthError, NetworkError, PermanentError, RateLimited, TransientError
from socialpost.i18n import N_, _
from socialpost.redaction import redact, redact_values

if TYPE_CHECKING:
    import httpx

EXCERPT_CHARS = 300  # how much of a network's error message goes into ours
MAX_RETRY_AFTER = timedelta(days=7)  # a larger wait is a server's bug, not a plan
EPOCH_FLOOR = 1_000_000_000  # a reset value this large is a Unix time, not a number of seconds
# Headers that say when a rate limit ends, most specific first (Retry-After is read before them).
RESET_HEADERS = ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset")
_SECONDS = re.compile(r"[0-9]+")
_PERMISSION = re.compile(r"permission|scope", re.IGNORECASE)  # a 403 that names what is missing

Special = Callable[["httpx.Response"], NetworkError | None]


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """``Retry-After`` as seconds or an HTTP date → an aware UTC datetime (None if unreadable).

    A value further than :data:`MAX_RETRY_AFTER` away is capped there."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        seconds = int(value)
        delay = MAX_RETRY_AFTER if seconds > MAX_RETRY_AFTER.total_seconds() else timedelta(seconds=seconds)
        return (now + delay).astimezone(UTC)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    return min(when, (now + MAX_RETRY_AFTER).astimezone(UTC))


def reset_at(value: str | None, now: datetime) -> datetime | None:
    """A rate-limit reset header → an aware UTC datetime: a Unix time (X, GitHub, Bluesky), a number
    of seconds (the IETF ``RateLimit-Reset``) or an ISO 8601 time (Mastodon); never before ``now``,
    never further than :data:`MAX_RETRY_AFTER`; None if unreadable."""
    if not value:
        return None
    value = value.strip()
    latest = (now + MAX_RETRY_AFTER).astimezone(UTC)
    if _SECONDS.fullmatch(value):
        number = int(value)
        if number < EPOCH_FLOOR:
            return retry_after(value, now)
        try:
            when = datetime.fromtimestamp(number, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return latest
    else:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    return min(max(when, now.astimezone(UTC)), latest)


def retry_time(headers: Mapping[str, str], now: datetime) -> datetime | None:
    """When the network lets us in again: ``Retry-After``, else the first reset header it sent."""
    when = retry_after(headers.get("retry-after"), now)
    for name in RESET_HEADERS:
        if when is not None:
            break
        when = reset_at(headers.get(name), now)
    return when


def body_text(response: httpx.Response) -> str:
    """The answer's body as text, whatever its charset claims."""
    try:
        return response.text
    except (LookupError, ValueError):  # an unknown or broken charset
        return response.content.decode("utf-8", "replace")


def excerpt(text: str, *, secrets: Iterable[str] = (), limit: int = EXCERPT_CHARS) -> str:
    """The start of a network's answer, on one line, safe to print: the values this request sent
    (``secrets``) and every registered or token-shaped secret blanked before it is cut (so no half
    of a token is left), at most ``limit`` characters. Control characters are kept: the error keeps
    the network's exact words (JSON outputs), and what prints it shows them visibly
    (``socialpost.terminal.printable``)."""
    text = " ".join(redact(redact_values(text, secrets)).split())
    return text[:limit] + ("…" if len(text) > limit else "")


@dataclass(frozen=True)
class Wording:
    """An adapter's words for the generic cases, each marked with ``N_`` and translated when
    used; ``{where}`` names the account, ``{status}`` the HTTP status, ``said`` introduces the
    network's own words (``{message}``)."""

    said: str = N_("The network said: {message}")
    rate_limited: str = N_("{where}: too many requests (429).")
    failed: str = N_("{where}: the server failed ({status}).")
    refused: str = N_("{where}: the credentials were refused ({status}).")
    refused_hint: str | None = N_("Connect the account again: socialpost accounts add {network} {account}")
    permission: str = N_("{where}: the account lacks a permission ({status}).")
    permission_hint: str | None = N_("Grant the permission, then connect the account again.")
    forbidden: str = N_("{where}: the request was refused ({status}).")
    forbidden_hint: str | None = None
    rejected: str = N_("{where}: the request was rejected ({status}).")
    rejected_hint: str | None = None
    redirect: str = N_("{where}: the server answered with a redirect ({status}); socialpost does not follow redirects.")
    redirect_hint: str | None = None


GENERIC = Wording()


def said(response: httpx.Response, *, secrets: Iterable[str] = (), wording: Wording = GENERIC) -> str:
    """`` The network said: …`` for a message's end, or "" when the body is empty."""
    text = excerpt(body_text(response), secrets=secrets)
    return " " + _(wording.said).format(message=text) if text else ""


def classify(
    response: httpx.Response,
    *,
    network: str,
    account: str,
    secrets: Iterable[str] = (),
    now: datetime | None = None,
    where: str | None = None,
    wording: Wording = GENERIC,
    special: Special | None = None,
) -> NetworkError:
    """The error a failed answer means (see the module's docstring); ``special`` is asked first.
    ``where`` (default: the network and account) starts each message."""
    if special is not None and (error := special(response)) is not None:
        return error
    status = response.status_code
    if where is None:
        where = _("{network} account '{account}'").format(network=network, account=account)
    tail = said(response, secrets=secrets, wording=wording)
    names = {"where": where, "status": status}

    def hint(text: str | None) -> str | None:
        return _(text).format(network=network, account=account) if text else None

    if status == 429:
        when = retry_time(response.headers, now or datetime.now(UTC))
        return RateLimited(_(wording.rate_limited).format(**names) + tail, status=status, retry_at=when)
    if status == 408 or status >= 500:
        when = retry_after(response.headers.get("retry-after"), now or datetime.now(UTC))
        return TransientError(_(wording.failed).format(**names) + tail, status=status, retry_at=when)
    if 300 <= status < 400:
        return PermanentError(_(wording.redirect).format(**names), hint=hint(wording.redirect_hint), status=status)
    if status == 401:
        return AuthError(_(wording.refused).format(**names) + tail, hint=hint(wording.refused_hint), status=status)
    if status == 403:
        if _PERMISSION.search(body_text(response)):
            message = _(wording.permission).format(**names) + tail
            return AuthError(message, hint=hint(wording.permission_hint), status=status)
        return PermanentError(
            _(wording.forbidden).format(**names) + tail, hint=hint(wording.forbidden_hint), status=status
        )
    return PermanentError(_(wording.rejected).format(**names) + tail, hint=hint(wording.rejected_hint), status=status)


def transport_error(exc: BaseException, *, where: str, timeout: float | None = None) -> TransientError:
    """The error a failed connection means: nothing sent when it never connected (safe to send
    again), maybe sent when it timed out or broke afterwards."""
    import httpx

    name = exc.__class__.__name__
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError | httpx.PoolTimeout):
        return TransientError(_("{where}: cannot connect ({error}).").format(where=where, error=name))
    if isinstance(exc, httpx.TimeoutException) and timeout is not None:
        seconds = f"{timeout:g}"
        return TransientError(
            _("{where}: no answer within {seconds} s.").format(where=where, seconds=_decimal(seconds)),
            request_sent=True,
        )
    return TransientError(
        _("{where}: the connection broke ({error}).").format(where=where, error=name), request_sent=True
    )


def setup_request(
    client: httpx.Client, method: str, url: str, *, where: str, network: str, **kwargs: Any
) -> httpx.Response:
    """A guided set-up's request; no answer at all is a :class:`TransientError` naming ``network``
    (nothing is posted during a set-up, so how far the request went does not matter)."""
    import httpx

    try:
        return client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise TransientError(
            _("{where}: cannot reach {network} ({error}).").format(
                where=where, network=network, error=exc.__class__.__name__
            )
        ) from None


def _decimal(text: str) -> str:
    from socialpost.networks.base import decimal_mark

    return decimal_mark(text)
