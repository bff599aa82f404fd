"""Mastodon: Mastodon.py and the adapter against mastodon_mock (tests/servers/mastodon.py), a
stateful local implementation of Mastodon's API, through a FaultProxy (tests/support/fault_proxy.py)
that passes every request on unchanged unless a fault is armed for it."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any, ClassVar

from tests.contract.harness import Harness
from tests.servers.mastodon import MastodonMock
from tests.support.fault_proxy import FaultProxy
from tests.support.faults import Fault

COUNTS = ("favourites_count", "reblogs_count", "replies_count", "quotes_count")


class MastodonHarness(Harness):
    network = "mastodon"
    fixtures = ("mastodon_mock",)
    # Mastodon.py moves the reset by the gap between the server's Date header and this machine's
    # clock; the header has whole seconds
    retry_at_slack: ClassVar[timedelta] = timedelta(seconds=3)

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.server: MastodonMock = self.servers["mastodon_mock"]
        self.server.clear_faults()
        self.tag = uuid.uuid4().hex[:12]  # the one server is shared: this harness's posts carry it
        self.hidden: set[str] = set()
        self.secret = self.server.token
        proxy = stack.enter_context(FaultProxy(self.server.url, self.faults, edit=self._edit))
        return {"api_base_url": proxy.url, "access_token": self.server.token, "timeout": 2}

    def text(self) -> str:
        return f"Contract check {self.tag} {uuid.uuid4().hex[:8]} ☕"

    def _edit(self, method: str, path: str, body: Any) -> Any:
        if method == "GET" and path.rsplit("/", 1)[-1] in self.hidden and isinstance(body, dict):
            return {k: v for k, v in body.items() if k not in COUNTS}
        return body

    def publish_route(self, method: str, path: str) -> bool:
        return (method, path) == ("POST", "/api/v1/statuses")

    def posts_seen(self) -> int:
        me = self.server.request("GET", "/api/v1/accounts/verify_credentials")
        statuses = self.server.request("GET", f"/api/v1/accounts/{me['id']}/statuses?limit=40")
        return sum(self.tag in str(s.get("content", "")) for s in statuses)

    def rate_limit(self, reset: datetime) -> Fault:
        stamp = reset.isoformat().replace("+00:00", "Z")
        headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": stamp}
        return Fault.answer(429, headers, {"error": "Too many requests"})

    def unauthorized(self) -> Fault:
        return Fault.answer(401, {}, {"error": f"The access token {self.secret} is invalid"})

    def server_error(self, status: int) -> Fault:
        return Fault.answer(status, {}, {"error": "Service temporarily unavailable"})

    def timeout(self) -> Fault:
        return Fault.timeout(3.5)  # past the adapter's 2 s

    def hide_counts(self, remote_id: str) -> None:
        self.hidden.add(remote_id)
