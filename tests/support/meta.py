"""What the Meta networks' tests share: a transport that takes every request to the test server."""

from __future__ import annotations

import httpx


class ToServer(httpx.HTTPTransport):
    """A real HTTP transport whose every request reaches the test server instead of Meta's host
    (what a hosts-file entry would do): the account's settings stay exactly what a user has."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.target = httpx.URL(url)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self.target.scheme, host=self.target.host, port=self.target.port)
        request.headers["Host"] = f"{self.target.host}:{self.target.port}"
        return super().handle_request(request)
