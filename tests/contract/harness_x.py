"""X: tweepy and the adapter run for real against FakeX (tests/support/x_api.py), a strict local
server that checks every request against X's own OpenAPI spec and signs in with OAuth 1.0a."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime
from typing import Any

from socialpost.networks.base import Network
from tests.contract.harness import Harness
from tests.servers.prism import SPEC
from tests.support.faults import Fault
from tests.support.http import LocalServer
from tests.support.openapi import OpenAPI
from tests.support.x_api import FakeX

CK, CS = "ck-Contract-4f1d9a", "cs-Contract-Secret-8e2b7c6d5a"
AT, ATS = "2244994945-Contract-AccessTok3n", "ats-Contract-AccessSecret-91bc3de"
USER = {"id": "2244994945", "name": "Acme Café", "username": "acme"}


class XHarness(Harness):
    network = "x"
    secret = ATS  # the access token's secret: it signs, and must never be seen anywhere

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.fake = FakeX(OpenAPI.load(SPEC), self.clock, consumer_key=CK, access_token=AT, user=USER)
        server = stack.enter_context(LocalServer())
        server.respond(self.faults.local(self.fake))
        stack.callback(lambda: self._no_violations())
        return {
            "consumer_key": CK,
            "consumer_secret": CS,
            "access_token": AT,
            "access_token_secret": ATS,
            "base_url": server.url,
            "timeout": 0.5,
            "collect_metrics": True,
        }

    def _no_violations(self) -> None:
        assert self.fake.violations == [], f"requests X's spec does not allow: {self.fake.violations}"

    def prepare(self, adapter: Network) -> None:
        adapter.sleep = lambda _seconds: None  # type: ignore[attr-defined]  # its waits, never real

    def publish_route(self, method: str, path: str) -> bool:
        return (method, path) == ("POST", "/2/tweets")

    def posts_seen(self) -> int:
        return len(self.fake.posts)

    def rate_limit(self, reset: datetime) -> Fault:
        body = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
        headers = {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int(reset.timestamp())),
        }
        return Fault.answer(429, headers, body)

    def unauthorized(self) -> Fault:
        detail = f"Unauthorized: signature made with {ATS} does not match"
        return Fault.answer(401, {}, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": detail})

    def server_error(self, status: int) -> Fault:
        return Fault.answer(
            status, {}, {"title": "Service Unavailable", "detail": "Service Unavailable", "status": status}
        )

    def hide_counts(self, remote_id: str) -> None:
        self.fake.hidden.add(remote_id)
