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
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings, self.account, self.clock = settings, account, clock
        self.name = account.partition(":")[2] or account
        self.where = _("{network} account '{account}'").format(network="Instagram", account=self.name)
        self.reconnect = f"socialpost accounts add instagram {self.name}"
        self.version = VersionInUse(
            API_VERSIONS, account=account, configured=settings.graph_version, data_dir=data_dir, clock=clock
        )
        self._secret = settings.access_token.get_secret_value()
        self._client = LazyClient(
            lambda: bearer_client(settings.host, settings.timeout, settings.access_token, transport)
        )

    def __call__(self, method: str, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        url = f"/{self.version.current}/{path.lstrip('/')}"
        client = self._client.get()
        try:
            if method == "GET":
                response = client.get(url, params=dict(params))
            else:
                response = client.request(method, url, data=dict(params))
        except httpx.TransportError as exc:
            raise transport_error(exc, where=self.where, timeout=self.settings.timeout) from None
        if response.is_error or response.is_redirect:
            special = graph_errors(
                network="Instagram",
                where=self.where,
                clock=self.clock,
                secrets=[self._secret],
                reconnect=self.reconnect,
            )
            raise classify(
                response,
                network="instagram",
                account=self.name,
                secrets=[self._secret],
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
