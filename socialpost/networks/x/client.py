"""Talking to X: tweepy's client on a session whose transport goes to ``base_url`` with a timeout,
the OAuth 2.0 token kept fresh (renewed once on 401), and every failure mapped to socialpost's
errors (:mod:`.errors`). :class:`XClient` is the base the adapter's parts share."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter

from socialpost.errors import AuthError, NetworkError, TransientError
from socialpost.i18n import N_, _
from socialpost.networks.base import Network
from socialpost.networks.x.errors import _reset_time, classify_error
from socialpost.networks.x.media import API_HOST
from socialpost.networks.x.redaction import _REDACTOR
from socialpost.networks.x.settings import XSettings
from socialpost.networks.x.state import _Tokens
from socialpost.privatefiles import locked

log = logging.getLogger("socialpost.networks.x")

TOKEN_PATH = "/2/oauth2/token"
REFRESH_EARLY = timedelta(minutes=2)  # refresh an OAuth 2.0 token this long before it expires

T = TypeVar("T")


class _Transport(HTTPAdapter):
    """Sends tweepy's requests (always to https://api.twitter.com) to ``base_url`` instead, and
    gives every request a timeout (tweepy sets none)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        base = base_url.rstrip("/")
        self.base = None if base == API_HOST else base
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if self.base and request.url and request.url.startswith(API_HOST):
            request.url = self.base + request.url[len(API_HOST) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, *args, **kwargs)


class XClient(Network):
    """The plumbing every part of the X adapter uses: the tweepy client, token renewal, calls."""

    settings: XSettings
    _lock: threading.RLock
    _client: Any
    _me: dict[str, Any] | None
    _tokens: _Tokens | None

    @property
    def _where(self) -> str:
        return _("X account {account}").format(account=self.account)

    @property
    def _readd(self) -> str:
        return f"socialpost accounts add x {self.account.split(':', 1)[-1]}"

    def _transport(self) -> _Transport:
        return _Transport(str(self.settings.base_url), self.settings.timeout)

    def _api(self) -> Any:
        import tweepy  # type: ignore[import-untyped]

        with self._lock:
            if self._client is None:
                s = self.settings
                if s.oauth1:
                    assert s.consumer_key and s.consumer_secret and s.access_token and s.access_token_secret
                    client = tweepy.Client(
                        consumer_key=s.consumer_key.get_secret_value(),
                        consumer_secret=s.consumer_secret.get_secret_value(),
                        access_token=s.access_token.get_secret_value(),
                        access_token_secret=s.access_token_secret.get_secret_value(),
                        return_type=dict,
                        wait_on_rate_limit=False,
                    )
                else:
                    assert self._tokens is not None
                    client = tweepy.Client(bearer_token=self._tokens.access, return_type=dict, wait_on_rate_limit=False)
                client.session.mount(API_HOST, self._transport())
                self._client = client
            return self._client

    @property
    def _user_auth(self) -> bool:
        """tweepy: True signs with OAuth 1.0a; False sends the OAuth 2.0 user token as Bearer."""
        return self.settings.oauth1

    # --- OAuth 2.0 refresh ---------------------------------------------------------------------

    def _fresh_token(self) -> None:
        tokens = self._tokens
        if tokens is None:
            return
        with self._lock:
            if tokens.expires_at is not None and self.context.clock() >= tokens.expires_at - REFRESH_EARLY:
                self._refresh()

    def _can_refresh(self) -> bool:
        return self._tokens is not None and bool(self._tokens.refresh) and bool(self.settings.client_id)

    def _refresh(self) -> None:
        """Trade the refresh token for new tokens and keep them (X rotates refresh tokens)."""
        tokens = self._tokens
        assert tokens is not None
        if not self._can_refresh():
            raise AuthError(
                _("{where}: the OAuth 2.0 access token has expired and there is no refresh token.").format(
                    where=self._where
                ),
                hint=_("Connect the account again: {command} (the set-up asks for offline.access).").format(
                    command=self._readd
                ),
            )
        from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]
        from requests.auth import HTTPBasicAuth
        from requests_oauthlib import OAuth2Session  # type: ignore[import-untyped]

        with self._lock, locked(tokens.path):
            before = tokens.access
            # another daemon may have refreshed already: its tokens are in the session file
            if tokens.adopt_stored() and tokens.access != before:
                self._use_token(tokens.access)
                if tokens.expires_at is None or self.context.clock() < tokens.expires_at - REFRESH_EARLY:
                    return
            client_id = self.settings.client_id
            assert client_id and tokens.refresh
            secret = self.settings.client_secret.get_secret_value() if self.settings.client_secret else None
            session = OAuth2Session(client_id=client_id, token={"access_token": tokens.access, "token_type": "bearer"})
            session.mount(API_HOST, self._transport())
            session.register_compliance_hook("refresh_token_response", self._token_response_hook)
            try:
                token = session.refresh_token(
                    API_HOST + TOKEN_PATH,
                    refresh_token=tokens.refresh,
                    auth=HTTPBasicAuth(client_id, secret) if secret else None,
                    **({} if secret else {"client_id": client_id}),
                )
            except NetworkError:
                raise
            except OAuth2Error as exc:
                raise AuthError(
                    _("{where}: X refused to renew the OAuth 2.0 sign-in ({error}).").format(
                        where=self._where, error=exc.error
                    ),
                    hint=_("The access was revoked or the refresh token is stale; connect again: {command}").format(
                        command=self._readd
                    ),
                ) from None
            except requests.RequestException as exc:
                raise TransientError(
                    _("{where}: could not reach X to renew the sign-in ({error}).").format(
                        where=self._where, error=exc.__class__.__name__
                    )
                ) from None
            except ValueError:
                raise TransientError(
                    _("{where}: X's answer to the token renewal was unreadable.").format(where=self._where)
                ) from None
            finally:
                session.close()
            tokens.access = str(token["access_token"])
            tokens.refresh = str(token.get("refresh_token") or tokens.refresh)
            expires_in = token.get("expires_in")
            tokens.expires_at = (
                self.context.clock() + timedelta(seconds=float(expires_in)) if expires_in is not None else None
            )
            _REDACTOR.add([tokens.access, tokens.refresh or ""])
            tokens.save()
            self._use_token(tokens.access)
            log.info("renewed the OAuth 2.0 token of %s", self.account)

    def _token_response_hook(self, response: requests.Response) -> requests.Response:
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(
                _("{where}: X could not renew the sign-in right now ({status}).").format(
                    where=self._where, status=response.status_code
                ),
                status=response.status_code,
                retry_at=_reset_time(response.headers, self.context.clock()),
            )
        return response

    def _use_token(self, access: str) -> None:
        if self._client is not None:
            self._client.bearer_token = access

    # --- calling X ------------------------------------------------------------------------------

    def _call(self, what: str, call: Callable[[Any], T], *, creating: bool = False) -> T:
        """Run ``call(client)``, renewing an OAuth 2.0 token once on 401; map every error."""
        import tweepy

        for attempt in (1, 2):
            self._fresh_token()
            try:
                return call(self._api())
            except tweepy.Unauthorized as exc:
                if attempt == 1 and self._can_refresh():
                    with self._lock:
                        self._refresh()
                    continue
                raise self._error(exc, what, creating=creating) from None
            except (tweepy.TweepyException, requests.RequestException) as exc:
                raise self._error(exc, what, creating=creating) from None
        raise AssertionError("unreachable")

    def _error(self, exc: Exception, what: str, *, creating: bool) -> NetworkError:
        """One place that turns tweepy's and requests' exceptions into socialpost's. ``what`` is a
        marked message (``N_``): the action, as a verb phrase ("publish", "read replies")."""
        return classify_error(
            exc,
            what,
            creating=creating,
            where=self._where,
            readd=self._readd,
            timeout=self.settings.timeout,
            clock=self.context.clock,
        )

    def _me_data(self) -> dict[str, Any]:
        with self._lock:
            if self._me is None:
                body = self._call(
                    N_("read the account"),
                    lambda c: c.get_me(user_fields=["username", "name"], user_auth=self._user_auth),
                )
                data = body.get("data") if isinstance(body, dict) else None
                if not isinstance(data, dict) or not data.get("id"):
                    raise TransientError(
                        _("{where}: X's answer about the account had no id.").format(where=self._where)
                    )
                self._me = data
            return self._me

    def _read(self, what: str, route: str, params: Mapping[str, Any]) -> Any:
        """GET ``route`` with the query parameter names of X's spec (``post.fields``), through
        tweepy's client: its session, its signing (OAuth 1.0a or the OAuth 2.0 token) and its
        errors. tweepy's own read methods can only send ``tweet.fields``."""
        query = _query(params)

        def read(client: Any) -> Any:
            return client.request("GET", route, params=query, user_auth=self._user_auth).json()

        return self._call(what, read)


def _query(params: Mapping[str, Any]) -> dict[str, Any]:
    """Query values the way tweepy writes them: lists comma-separated, times in UTC with ``Z``."""
    query: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, list | tuple):
            query[name] = ",".join(str(v) for v in value)
        elif isinstance(value, datetime):
            query[name] = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif value is not None:
            query[name] = value
    return query
