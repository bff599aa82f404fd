"""The Graph calls of one Instagram account: the version prefix, the token in the
``Authorization`` header (never in a URL, so it cannot reach a log line), JSON answers, and
every failure mapped to the error tree (:func:`~socialpost.networks.common.containers.graph_errors`
first, then :func:`~socialpost.networks.common.http.classify`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from socialpost.errors import TransientError
from socialpost.i18n import _
from socialpost.networks.api_version import VersionInUse
from socialpost.networks.common.containers import graph_errors
from socialpost.networks.common.http import classify, transport_error
from socialpost.networks.common.tls import LazyClient, bearer_client
from socialpost.networks.instagram.settings import API_VERSIONS, InstagramSettings

if TYPE_CHECKING:
    from socialpost.networks.instagram.token import Tokens
    from socialpost.timeutil import Clock


class GraphClient:
    """``call(method, path, params)`` → the answer's JSON object (a :class:`GraphCall`)."""

    def __init__(
        self,
        settings: InstagramSettings,
        *,
        account: str,
        data_dir: Any,
        clock: Clock,
        tokens: Tokens,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings, self.account, self.clock = settings, account, clock
        self.name = account.partition(":")[2] or account
        self.where = _("{network} account '{account}'").format(network="Instagram", account=self.name)
        self.reconnect = f"socialpost accounts add instagram {self.name}"
        self.version = VersionInUse(
            API_VERSIONS, account=account, configured=settings.graph_version, data_dir=data_dir, clock=clock
        )
        self.tokens = tokens
        self._client = LazyClient(lambda: bearer_client(settings.host, settings.timeout, None, transport))

    @property
    def _secrets(self) -> list[str]:
        return [self.tokens.configured, self.tokens.token]

    def __call__(self, method: str, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.send(method, f"/{self.version.current}/{path.lstrip('/')}", params)

    def unversioned(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """A GET outside the version prefix (``/refresh_access_token``)."""
        return self.send("GET", f"/{path.lstrip('/')}", params)

    def send(self, method: str, url: str, params: Mapping[str, Any]) -> dict[str, Any]:
        client = self._client.get()
        headers = {"Authorization": f"Bearer {self.tokens.token}"}
        try:
            if method == "GET":
                response = client.get(url, params=dict(params), headers=headers)
            else:
                response = client.request(method, url, data=dict(params), headers=headers)
        except httpx.TransportError as exc:
            raise transport_error(exc, where=self.where, timeout=self.settings.timeout) from None
        if response.is_error or response.is_redirect:
            special = graph_errors(
                network="Instagram",
                where=self.where,
                clock=self.clock,
                secrets=self._secrets,
                reconnect=self.reconnect,
            )
            raise classify(
                response,
                network="instagram",
                account=self.name,
                secrets=self._secrets,
                now=self.clock(),
                where=self.where,
                special=special,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TransientError(
                _("{where}: Instagram answered with something that is not JSON.").format(where=self.where),
                status=response.status_code,
                request_sent=method != "GET",
            )
        return body

    def close(self) -> None:
        self._client.close()
