"""One Threads account's HTTP calls: the host, the version prefix, the token, the error mapping.

Every request goes to ``{api_base}/{api_version}/{path}`` with the token in an ``Authorization:
Bearer`` header (never in a URL, which logs and proxies keep). A failed answer becomes the error
tree through :func:`~socialpost.networks.common.http.classify` with Meta's Graph error body read
first (:func:`~socialpost.networks.common.containers.graph_errors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from socialpost.errors import TransientError
from socialpost.i18n import _
from socialpost.networks.common.containers import graph_errors
from socialpost.networks.common.http import classify, transport_error
from socialpost.networks.threads.settings import ThreadsSettings
from socialpost.networks.threads.token import Token, TokenStore
from socialpost.timeutil import Clock


class ThreadsClient:
    def __init__(
        self,
        settings: ThreadsSettings,
        *,
        account: str,
        where: str,
        clock: Clock,
        tokens: TokenStore,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings, self.account, self.where, self.clock, self.tokens = settings, account, where, clock, tokens
        self._http = httpx.Client(
            base_url=settings.api_base, timeout=settings.timeout, follow_redirects=False, transport=transport
        )

    @property
    def origin(self) -> str:
        return self.settings.api_base

    def call(self, method: str, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """``method`` on ``/{version}/{path}``; GET parameters in the query, POST ones as a form."""
        return self._send(method, f"/{self.settings.api_version}/{path}", params, self.tokens.current().value)

    def refresh(self, token: Token) -> dict[str, Any]:
        """``GET /refresh_access_token`` (no version prefix) for ``token``."""
        params = {"grant_type": "th_refresh_token"}
        return self._send("GET", "/refresh_access_token", params, token.value)

    def _send(self, method: str, path: str, params: Mapping[str, Any], token: str) -> dict[str, Any]:
        values = {k: str(v) for k, v in params.items() if v is not None}
        headers = {"Authorization": f"Bearer {token}"}
        try:
            if method == "GET":
                response = self._http.request(method, path, params=values, headers=headers)
            else:
                response = self._http.request(method, path, data=values, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_error(exc, where=self.where, timeout=self.settings.timeout) from None
        if response.is_success:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                return body
            raise TransientError(
                _("{where}: Threads answered with something that is not JSON.").format(where=self.where),
                status=response.status_code,
                request_sent=method != "GET",
            )
        special = graph_errors(
            network="Threads",
            where=self.where,
            clock=self.clock,
            secrets=[token],
            reconnect=f"socialpost accounts add threads {self.account.split(':', 1)[-1]}",
        )
        raise classify(
            response,
            network="threads",
            account=self.account.split(":", 1)[-1],
            secrets=[token],
            now=self.clock(),
            where=self.where,
            special=special,
        )

    def close(self) -> None:
        self._http.close()
