"""One Pinterest account's HTTP calls: the host, the ``/v5`` prefix, the bearer token, the token's
renewal and what an error answer means.

Pinterest answers an error with ``{"code": <int>, "message": "…"}``: 401 for a token that is
expired, revoked or unknown; 403 for a board the account may not pin to or a scope it lacks; 404
for an object that is not there; 429 when a rate limit is reached (``x-ratelimit-*`` headers,
daily limits under Trial access); 400 for a request it refuses. :func:`pinterest_error` reads
them; the generic cases are :func:`~socialpost.networks.common.http.classify`'s.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialpost.errors import AuthError, ContentRejected, NetworkError, PermanentError, RateLimited, TransientError
from socialpost.i18n import N_, _
from socialpost.networks.common.http import Wording, classify, excerpt, retry_time, transport_error
from socialpost.networks.common.tls import LazyClient, ssl_context
from socialpost.networks.pinterest.settings import PinterestSettings
from socialpost.networks.pinterest.token import Tokens, TokenStore
from socialpost.redaction import REGISTRY, pair_forms, protect_http_loggers
from socialpost.timeutil import Clock

log = logging.getLogger(__name__)

DEFAULT_RATE_DELAY = timedelta(minutes=15)  # a 429 without a reset header
WORDING = Wording(
    said=N_("Pinterest said: {message}"),
    refused=N_("{where}: Pinterest refused the access token ({status})."),
    refused_hint=N_("Connect the account again: socialpost accounts add {network} {account}"),
)


def said(body: Any, secrets: list[str]) -> str:
    """`` Pinterest said: … (code N)`` for a message's end, or ""."""
    if not isinstance(body, dict) or not body.get("message"):
        return ""
    code = body.get("code")
    text = excerpt(str(body["message"]), secrets=secrets) + (f" (code {code})" if code is not None else "")
    return " " + _(WORDING.said).format(message=text)


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def pinterest_error(
    response: httpx.Response, *, where: str, now: datetime, secrets: list[str], reconnect: str, publishing: bool
) -> NetworkError:
    """A Pinterest error answer → the socialpost error that says what is wrong and what to do."""
    body = json_of(response)
    tail = said(body, secrets)
    status = response.status_code

    def special(answer: httpx.Response) -> NetworkError | None:
        if status == 401:
            return AuthError(
                _("{where}: Pinterest refused the access token: it expired or was revoked (401).").format(where=where)
                + tail,
                hint=_("Connect the account again: {command}").format(command=reconnect),
                status=status,
            )
        if status == 403:
            return AuthError(
                _(
                    "{where}: Pinterest refused (403): the board is not one the account may pin to, or the app "
                    "lacks a scope (boards:read, pins:read, pins:write, user_accounts:read)."
                ).format(where=where)
                + tail,
                hint=_("Check the board's name in the campaign, or connect the account again: {command}").format(
                    command=reconnect
                ),
                status=status,
            )
        if status == 429:
            when = retry_time(answer.headers, now) or now + DEFAULT_RATE_DELAY
            return RateLimited(
                _("{where}: Pinterest's rate limit is reached (429).").format(where=where) + tail,
                hint=_("socialpost tries again later; under Trial access the limits are per day."),
                status=status,
                retry_at=when,
            )
        if status >= 500:
            return TransientError(
                _("{where}: Pinterest failed ({status}).").format(where=where, status=status) + tail,
                status=status,
                request_sent=publishing,
            )
        if status in (400, 422) and tail:
            return ContentRejected(
                _("{where}: Pinterest refused the pin ({status}).").format(where=where, status=status) + tail,
                status=status,
            )
        if status == 404 and tail:
            return PermanentError(
                _("{where}: Pinterest cannot find it (404).").format(where=where) + tail, status=status
            )
        return None

    return classify(
        response,
        network="pinterest",
        account=reconnect.rsplit(" ", 1)[-1],
        secrets=secrets,
        now=now,
        where=where,
        wording=WORDING,
        special=special,
    )


class PinterestClient:
    """Calls ``{base}/v5/{path}`` with the account's current token, renewing it when due."""

    transport: httpx.BaseTransport | None = None  # tests may inject one

    def __init__(
        self, settings: PinterestSettings, *, account: str, where: str, clock: Clock, tokens: TokenStore
    ) -> None:
        self.settings, self.account, self.where, self.clock, self.tokens = settings, account, where, clock, tokens
        self.reconnect = f"socialpost accounts add pinterest {account.split(':', 1)[-1]}"
        self._client = LazyClient(self._new_client)
        self._renew_lock = threading.Lock()
        if settings.client_id and settings.client_secret:
            REGISTRY.add_forms(pair_forms(settings.client_id, settings.client_secret.get_secret_value()))

    def _new_client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.settings.base,
            verify=ssl_context(),
            timeout=httpx.Timeout(self.settings.timeout),
            headers={"User-Agent": "socialpost"},
            transport=self.transport,
            follow_redirects=False,
        )

    def _secrets(self, tokens: Tokens) -> list[str]:
        found = [tokens.access, *([tokens.refresh] if tokens.refresh else [])]
        if self.settings.client_secret is not None:
            found.append(self.settings.client_secret.get_secret_value())
        return found

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        publishing: bool = False,
    ) -> dict[str, Any]:
        """``method`` on ``/v5/{path}`` → the answer's JSON object."""
        tokens = self.renew()
        headers = {"Authorization": f"Bearer {tokens.access}"}
        try:
            response = self._client.get().request(
                method, f"/v5/{path}", params=dict(params or {}), json=body, headers=headers
            )
        except httpx.TransportError as exc:
            error = transport_error(exc, where=self.where, timeout=self.settings.timeout)
            error.request_sent = error.request_sent and publishing
            raise error from None
        if response.is_success:
            data = json_of(response)
            if isinstance(data, dict):
                return data
            raise TransientError(
                _("{where}: Pinterest answered with something that is not JSON.").format(where=self.where),
                status=response.status_code,
                request_sent=publishing,
            )
        raise pinterest_error(
            response,
            where=self.where,
            now=self.clock(),
            secrets=self._secrets(tokens),
            reconnect=self.reconnect,
            publishing=publishing,
        )

    def pages(self, path: str, params: Mapping[str, Any], *, most: int = 10) -> list[dict[str, Any]]:
        """Every item of a listing (``items`` and ``bookmark``), at most ``most`` pages."""
        found: list[dict[str, Any]] = []
        bookmark: str | None = None
        for _page in range(most):
            answer = self.call("GET", path, params={**params, **({"bookmark": bookmark} if bookmark else {})})
            items = answer.get("items")
            if isinstance(items, list):
                found.extend(item for item in items if isinstance(item, dict))
            bookmark = answer.get("bookmark") if isinstance(answer.get("bookmark"), str) else None
            if not bookmark:
                break
        return found

    # --- the token --------------------------------------------------------------------------------

    def renew(self, *, force: bool = False) -> Tokens:
        """The tokens to use, renewed first when due (see :mod:`socialpost.networks.pinterest.token`).
        A failed renewal of a token that still works is logged and left for the next call."""
        with self._renew_lock:
            tokens = self.tokens.current()
            now = self.clock()
            if not (force and tokens.refresh) and not tokens.due(now):
                return tokens
            try:
                renewed = self._refresh(tokens, now)
            except NetworkError as exc:
                if tokens.expires_at is not None and tokens.expires_at <= now:
                    raise
                log.warning("%s: the Pinterest token could not be renewed: %s", self.account, exc.message)
                return tokens
            self.tokens.save(renewed)
            return renewed

    def _refresh(self, tokens: Tokens, now: datetime) -> Tokens:
        assert tokens.refresh is not None and self.settings.client_id and self.settings.client_secret
        pair = f"{self.settings.client_id}:{self.settings.client_secret.get_secret_value()}"
        basic = base64.b64encode(pair.encode()).decode()
        try:
            response = self._client.get().post(
                "/v5/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": tokens.refresh},
                headers={"Authorization": f"Basic {basic}"},
            )
        except httpx.TransportError as exc:
            raise transport_error(exc, where=self.where, timeout=self.settings.timeout) from None
        data = json_of(response)
        if response.is_success and isinstance(data, dict) and isinstance(data.get("access_token"), str):
            return token_answer(data, now, previous_refresh=tokens.refresh)
        raise pinterest_error(
            response,
            where=self.where,
            now=now,
            secrets=[*self._secrets(tokens), basic],
            reconnect=self.reconnect,
            publishing=False,
        )

    def close(self) -> None:
        self._client.close()


def token_answer(data: Mapping[str, Any], now: datetime, *, previous_refresh: str | None = None) -> Tokens:
    """``POST /v5/oauth/token``'s answer → the tokens (a new refresh token when Pinterest sends one)."""
    seconds = data.get("expires_in")
    refresh = data.get("refresh_token")
    expires = now + timedelta(seconds=seconds) if isinstance(seconds, int) and seconds > 0 else None
    return Tokens(
        str(data["access_token"]),
        refresh if isinstance(refresh, str) and refresh else previous_refresh,
        expires,
    )


# httpx logs every request's URL at INFO: no secret is in a URL here, but the rule is the same.
protect_http_loggers()
