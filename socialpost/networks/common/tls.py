"""HTTP clients for the httpx-based adapters, all sharing one TLS context.

Each ``httpx.Client()`` otherwise builds its own SSL context and loads the certificate bundle
again — about 20 ms of CPU each. With one client per account (1,000 webhook accounts, say) that
was a quarter of the daemon's time; an SSL context is safe to share between clients and threads.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx
    from pydantic import SecretStr


@cache
def ssl_context() -> ssl.SSLContext:
    """The shared default context (system or certifi certificates, as httpx would choose)."""
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - httpx depends on certifi
        return ssl.create_default_context()


def bearer_client(
    base_url: str, timeout: float, token: SecretStr | None, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """An API client: base URL, timeout, ``Authorization: Bearer`` (when a token is given), no
    redirects followed (an API that redirects is misconfigured, and a token must not follow)."""
    import httpx

    headers = {"User-Agent": "socialpost"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token.get_secret_value()}"
    return httpx.Client(
        verify=ssl_context(),
        base_url=base_url.rstrip("/"),
        timeout=httpx.Timeout(timeout),
        headers=headers,
        transport=transport,
        follow_redirects=False,
    )


class LazyClient:
    """An adapter's HTTP client, made on first use (send threads share it) and closed with the adapter."""

    def __init__(self, make: Callable[[], httpx.Client]) -> None:
        self._make = make
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> httpx.Client | None:
        """The client if one was made and not closed since."""
        return self._client

    def get(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = self._make()
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
