"""LinkedIn's transport: the REST headers and their ``LinkedIn-Version``, requests, and what an
error answer means.

:data:`API_VERSIONS` declares LinkedIn's version policy (:mod:`socialpost.networks.api_version`);
a request LinkedIn answers with "this version does not exist" goes out again with a served one.
:func:`linkedin_error` is LinkedIn's reading of a failed answer: its duplicate (``422
DUPLICATE_POST`` naming the existing post), its version refusal, and its own words and hints for
expired tokens, missing products, daily quotas and rejected posts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from socialpost.errors import (
    AuthError,
    ContentRejected,
    DuplicatePost,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.i18n import _
from socialpost.networks.api_version import VersionInUse, VersionPolicy
from socialpost.networks.base import Network
from socialpost.networks.common.http import classify, retry_after, transport_error
from socialpost.networks.common.tls import LazyClient, bearer_client
from socialpost.networks.linkedin.settings import LinkedInSettings
from socialpost.redaction import redact_values

log = logging.getLogger("socialpost.networks.linkedin")

# LinkedIn's versions (learn.microsoft.com/linkedin/marketing/versioning and …/integrations/migrations):
# one a month, YYYYMM, each served for about a year; retired ones answer 426 NONEXISTENT_VERSION.
API_VERSIONS = VersionPolicy(
    network="linkedin",
    setting="linkedin_version",
    label="LinkedIn-Version",
    scheme="monthly",
    checked=date(2026, 12, 6),
    docs="https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations",
    lifetime_months=12,
    release_day=15,
    known_sunsets={"202510": date(2026, 10, 15), "202511": date(2026, 11, 16)},
)
HEADERS_REST = {"X-Restli-Protocol-Version": "2.0.0"}
DEFAULT_RATE_DELAY = timedelta(hours=1)  # LinkedIn's 429s rarely say when; its quotas are daily
EXCERPT = 300
POST_URN = re.compile(r"urn:li:(?:share|ugcPost):[0-9]+")


class LinkedInClient(Network):
    """The plumbing every part of the adapter calls: one lazy HTTP client per account, the REST
    headers with the version in use, and LinkedIn's errors."""

    settings: LinkedInSettings
    transport: httpx.BaseTransport | None = None  # tests may inject one

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = LazyClient(self._new_client)
        name = self.account.partition(":")[2] or self.account
        self._name = name
        self._reconnect = f"socialpost accounts add linkedin {name}"
        self._versions = VersionInUse(
            API_VERSIONS,
            account=self.account,
            configured=self.settings.linkedin_version,
            data_dir=self.context.data_dir,
            clock=self.context.clock,
        )

    @property
    def _where(self) -> str:
        """How messages name this account (in the language active when the message is built)."""
        return _("LinkedIn '{name}'").format(name=self._name)

    def _new_client(self) -> httpx.Client:
        return bearer_client(self.settings.base_url, self.settings.timeout, self.settings.access_token, self.transport)

    def _secrets(self) -> list[str]:
        return [self.settings.access_token.get_secret_value()]

    def _rest_headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {"LinkedIn-Version": self._versions.current, **HEADERS_REST, **(extra or {})}

    def _send(self, method: str, url: str, *, publishing: bool = False, **kwargs: Any) -> httpx.Response:
        """One request; when LinkedIn says its ``LinkedIn-Version`` does not exist (retired, or not
        out yet), the same request again with a served version (LinkedIn processed nothing)."""
        response = self._request(method, url, publishing=publishing, **kwargs)
        headers = kwargs.get("headers") or {}
        refused = headers.get("LinkedIn-Version")
        if refused is None or not version_refused(response):
            return response

        def attempt(version: str) -> httpx.Response | None:
            again = self._request(
                method, url, publishing=publishing, **{**kwargs, "headers": {**headers, "LinkedIn-Version": version}}
            )
            return None if version_refused(again) else again

        reason = redact_values(refusal(response), self._secrets())
        moved = self._versions.move(refused, attempt, reason=reason)
        return response if moved is None else moved[1]

    def _request(self, method: str, url: str, *, publishing: bool = False, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.get().request(method, url, **kwargs)
        except httpx.TransportError as exc:
            error = transport_error(exc, where=self._where, timeout=self.settings.timeout)
            error.request_sent = error.request_sent and publishing  # a read, or an upload nobody sees, posts nothing
            raise error from None

    def _call(self, method: str, url: str, *, publishing: bool = False, **kwargs: Any) -> httpx.Response:
        response = self._send(method, url, publishing=publishing, **kwargs)
        if response.is_success:
            return response
        raise self._error(response, publishing=publishing)

    def _error(self, response: httpx.Response, *, publishing: bool = False) -> NetworkError:
        return linkedin_error(
            response,
            where=self._where,
            now=self.context.clock(),
            secrets=self._secrets(),
            reconnect=self._reconnect,
            organization=self.settings.is_organization,
            request_sent=publishing,
            account=self._name,
        )

    def close(self) -> None:
        self._client.close()


def enc(value: str) -> str:
    """``value`` as one URL path segment or query value (every reserved character escaped)."""
    return quote(value, safe="")


def json_of(response: httpx.Response) -> Any:
    """The answer's JSON, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}"


def version_refused(response: httpx.Response) -> bool:
    """LinkedIn's "this LinkedIn-Version does not exist" (retired, or not out yet)."""
    if response.status_code == 426:
        return True
    data = json_of(response) if response.status_code >= 400 else None
    return isinstance(data, dict) and data.get("code") == "NONEXISTENT_VERSION"


def refusal(response: httpx.Response) -> str:
    """The log's words for a refusal: ``426 NONEXISTENT_VERSION: Requested version … is not active``."""
    data = json_of(response)
    said = " ".join(str(data.get("message") or "").split())[:EXCERPT] if isinstance(data, dict) else ""
    code = str(data.get("code") or "") if isinstance(data, dict) else ""
    return " ".join(part for part in (str(response.status_code), code) if part) + (f": {said}" if said else "")


def _message(response: httpx.Response, secrets: Sequence[str]) -> tuple[Any, str, str]:
    """(the parsed body, the body with ``secrets`` blanked, LinkedIn's ``message`` or the body on one line)."""
    data = json_of(response)
    raw = redact_values(response.text, secrets)
    message = ""
    if isinstance(data, dict) and data.get("message"):
        message = redact_values(" ".join(str(data["message"]).split()), secrets)
    elif raw.strip():
        message = " ".join(raw.split())
    return data, raw, message


def linkedin_said(response: httpx.Response, secrets: Sequence[str]) -> str:
    """`` LinkedIn said: …`` (with a leading space), or "" when LinkedIn said nothing."""
    data, _raw, message = _message(response, secrets)
    service = data.get("serviceErrorCode") if isinstance(data, dict) else None
    if not message:
        return ""
    if service is not None:
        said = _("LinkedIn said: {message} (serviceErrorCode {code})").format(message=message[:EXCERPT], code=service)
    else:
        said = _("LinkedIn said: {message}").format(message=message[:EXCERPT])
    return " " + (said if said.endswith(".") else said + ".")


def linkedin_error(
    response: httpx.Response,
    *,
    where: str,
    now: datetime,
    secrets: Sequence[str],
    reconnect: str,
    organization: bool,
    request_sent: bool,
    account: str = "",
) -> NetworkError:
    """A LinkedIn error answer → the socialpost error that says what is wrong and what to do:
    LinkedIn's own cases here, the other statuses (3xx, 408, other 4xx) as
    :func:`~socialpost.networks.common.http.classify` reads every network's."""

    def special(answer: httpx.Response) -> NetworkError | None:
        return _linkedin_cases(
            answer,
            where=where,
            now=now,
            secrets=secrets,
            reconnect=reconnect,
            organization=organization,
            request_sent=request_sent,
        )

    return classify(
        response, network="linkedin", account=account, secrets=secrets, now=now, where=where, special=special
    )


def _linkedin_cases(
    response: httpx.Response,
    *,
    where: str,
    now: datetime,
    secrets: Sequence[str],
    reconnect: str,
    organization: bool,
    request_sent: bool,
) -> NetworkError | None:
    """What LinkedIn's answers mean beyond the generic reading: its duplicate, its version refusal,
    and its words and fixes for tokens, products, daily quotas and rejected posts; None otherwise."""
    status = response.status_code
    data, raw, message = _message(response, secrets)
    code = str(data.get("code") or "") if isinstance(data, dict) else ""
    said = linkedin_said(response, secrets)
    if "DUPLICATE_POST" in raw or (status == 422 and "duplicate" in raw.lower()):
        found = POST_URN.search(raw)
        urn = found.group(0) if found else None
        return DuplicatePost(
            _("{where}: LinkedIn already has this post ({urn}).").format(where=where, urn=urn)
            if urn
            else _("{where}: LinkedIn already has this post.").format(where=where),
            hint=None if urn else _("Change the text, or check the profile: it may already be online."),
            status=status,
            existing_id=urn,
            existing_url=post_url(urn) if urn else None,
        )
    if (
        status == 426
        or code in ("NONEXISTENT_VERSION", "VERSION_MISSING")
        or (
            status == 400
            and "version" in message.lower()
            and ("not active" in message.lower() or "sunset" in message.lower())
        )
    ):
        return PermanentError(
            _(
                "{where}: LinkedIn refused the API version socialpost sent (LinkedIn-Version), and the months "
                "around it.{said}"
            ).format(where=where, said=said),
            hint=_(
                "Set linkedin_version in your config file to a month LinkedIn lists as served ({docs}), "
                "or update socialpost."
            ).format(docs=API_VERSIONS.docs),
            status=status,
        )
    if status == 401:
        return AuthError(
            _("{where}: the access token is expired or revoked (LinkedIn tokens last about 60 days).{said}").format(
                where=where, said=said
            ),
            hint=_("Connect the account again: {command}.").format(command=reconnect),
            status=status,
        )
    if status == 403:
        permission = (
            "w_organization_social (Community Management API)"
            if organization
            else "w_member_social (Share on LinkedIn)"
        )
        return AuthError(
            _(
                "{where}: LinkedIn refused: the app or token lacks a permission ({permission}), or you are not an "
                "administrator of this page.{said}"
            ).format(where=where, permission=permission, said=said),
            hint=_("Add the product to your LinkedIn app, then connect again: {command}.").format(command=reconnect),
            status=status,
        )
    if status == 429:
        retry_at = retry_after(response.headers.get("Retry-After"), now) or now + DEFAULT_RATE_DELAY
        return RateLimited(
            _("{where}: LinkedIn's rate limit is reached (429).{said}").format(where=where, said=said),
            hint=_("socialpost will try again later; LinkedIn's quotas are per day."),
            status=status,
            retry_at=retry_at,
        )
    if status >= 500:
        return TransientError(
            _("{where}: LinkedIn failed ({status}).{said}").format(where=where, status=status, said=said),
            status=status,
            request_sent=request_sent,
        )
    if status in (400, 422):
        return ContentRejected(
            _("{where}: LinkedIn rejected the post ({status}).{said}").format(where=where, status=status, said=said),
            status=status,
        )
    if status == 404:
        return PermanentError(
            _("{where}: LinkedIn cannot find it (404).{said}").format(where=where, said=said),
            hint=_("Check the author URN in your config."),
            status=status,
        )
    return None
