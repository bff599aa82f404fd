"""The HTTP calls of one Google Business Profile account, through httpx.

Google's access tokens last an hour. The client trades the saved refresh token for one at
``token_url`` when it has none or when the one it has is past its ``expires_in`` (a minute
early), keeps it in memory only, and sends it as ``Authorization: Bearer`` (never in a URL). A
``401 UNAUTHENTICATED`` (a token Google expired or revoked sooner) makes it renew the token and
send the same request once more, as Google's own client libraries do; a second 401 is an
:class:`AuthError`. A refresh Google refuses (``invalid_grant``: access revoked, or the OAuth app
still in "Testing", whose refresh tokens last 7 days) is an :class:`AuthError` too.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialpost.errors import AuthError, TransientError
from socialpost.i18n import _
from socialpost.networks.common.http import excerpt, transport_error
from socialpost.networks.common.numbers import as_int
from socialpost.networks.common.tls import LazyClient, bearer_client
from socialpost.networks.google_business.errors import google_error
from socialpost.networks.google_business.settings import GoogleBusinessSettings
from socialpost.redaction import register
from socialpost.timeutil import Clock

EARLY = timedelta(minutes=1)  # renew an access token this long before Google says it expires


class GoogleClient:
    """``call(api, method, path, body=None, params=None)`` → the answer's JSON object."""

    def __init__(
        self,
        settings: GoogleBusinessSettings,
        *,
        account: str,
        clock: Clock,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings, self.clock = settings, clock
        self.name = account.partition(":")[2] or account
        self.where = _("Google Business Profile '{name}'").format(name=self.name)
        self.reconnect = f"socialpost accounts add google-business {self.name}"
        self._transport = transport
        self._client = LazyClient(lambda: bearer_client("", settings.timeout, None, transport))
        self._token: str | None = None
        self._expires: datetime | None = None
        self._lock = threading.Lock()

    @property
    def secrets(self) -> list[str]:
        values = [self.settings.client_secret.get_secret_value(), self.settings.refresh_token.get_secret_value()]
        return [v for v in (*values, self._token or "") if v]

    # --- the access token -------------------------------------------------------------------------

    def token(self, *, renew: bool = False) -> str:
        with self._lock:
            now = self.clock()
            if renew or self._token is None or self._expires is None or now >= self._expires - EARLY:
                self._token, self._expires = self._refresh(now)
            return self._token

    def _refresh(self, now: datetime) -> tuple[str, datetime]:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self.settings.refresh_token.get_secret_value(),
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret.get_secret_value(),
        }
        try:
            response = self._client.get().post(self.settings.token_url, data=form)
        except httpx.TransportError as exc:
            raise transport_error(exc, where=self.where, timeout=self.settings.timeout) from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        token = data.get("access_token")
        if response.is_success and isinstance(token, str) and token:
            register(token)
            return token, now + timedelta(seconds=as_int(data.get("expires_in")) or 3600)
        said = excerpt(
            f"{data.get('error', '')}: {data.get('error_description', '')}".strip(": "), secrets=self.secrets
        )
        if response.status_code >= 500:
            raise TransientError(
                _("{where}: Google's sign-in service failed ({status}).").format(
                    where=self.where, status=response.status_code
                ),
                status=response.status_code,
            )
        raise AuthError(
            _(
                "{where}: Google no longer accepts the saved sign-in ({message}). Refresh tokens stop working when "
                "access is revoked, the password changes, or the OAuth app is still in 'Testing' (they then last "
                "7 days)."
            ).format(where=self.where, message=said or response.status_code),
            hint=_("Reconnect with: {command}.").format(command=self.reconnect),
            status=response.status_code,
        )

    # --- calls ------------------------------------------------------------------------------------

    def __call__(
        self,
        api: str,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        url = f"{self.settings.url(api)}/{path.lstrip('/')}"
        sending = method != "GET"
        response = self._send(method, url, body, params, self.token())
        if response.status_code == 401:
            response = self._send(method, url, body, params, self.token(renew=True))
        if response.is_error or response.is_redirect:
            raise google_error(
                response,
                where=self.where,
                now=self.clock(),
                secrets=self.secrets,
                reconnect=self.reconnect,
                sending=sending,
            )
        if not response.content:
            return {}
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise TransientError(
                _("{where}: Google answered with something that is not JSON.").format(where=self.where),
                status=response.status_code,
                request_sent=sending,
            )
        return data

    def _send(
        self, method: str, url: str, body: Mapping[str, Any] | None, params: Mapping[str, Any] | None, token: str
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            return self._client.get().request(
                method, url, json=dict(body) if body is not None else None, params=dict(params or {}), headers=headers
            )
        except httpx.TransportError as exc:
            raise transport_error(exc, where=self.where, timeout=self.settings.timeout) from None

    def close(self) -> None:
        self._client.close()
