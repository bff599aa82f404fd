"""Threads: the adapter's real httpx client against ThreadsServer (tests/servers/threads.py), a
strict fake of graph.threads.net on a loopback socket, through a FaultProxy."""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any

from socialpost.networks.base import Network
from tests.contract.harness import Harness
from tests.servers.threads import USER_ID, ThreadsServer, graph_error
from tests.support.fault_proxy import FaultProxy
from tests.support.faults import Fault


class ThreadsHarness(Harness):
    network = "threads"

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.server = stack.enter_context(ThreadsServer(clock=self.clock))
        self.secret = self.server.token
        proxy = stack.enter_context(FaultProxy(self.server.url, self.faults))
        return {
            "access_token": self.server.token,
            "user_id": USER_ID,
            "api_base": proxy.url,
            "timeout": 2,
            "token_expires_at": (self.clock() + timedelta(days=60)).isoformat(),
        }

    def prepare(self, adapter: Network) -> None:
        adapter.containers.sleep = lambda seconds: self.clock.advance(seconds=seconds)  # type: ignore[attr-defined]

    def publish_route(self, method: str, path: str) -> bool:
        return method == "POST" and path.endswith("/threads_publish")

    def posts_seen(self) -> int:
        return len(self.server.mine())

    def rate_limit(self, reset: datetime) -> Fault:
        minutes = round((reset - self.clock()).total_seconds() / 60)
        usage = {USER_ID: [{"type": "threads", "call_count": 100, "total_cputime": 20, "total_time": 30,
                            "estimated_time_to_regain_access": minutes}]}  # fmt: skip
        headers = {"X-Business-Use-Case-Usage": json.dumps(usage)}
        return Fault.answer(400, headers, graph_error(4, "(#4) Application request limit reached"))

    def unauthorized(self) -> Fault:
        message = f"Error validating access token: the session for {self.secret} has been invalidated"
        body = graph_error(190, message, subcode=460)
        return Fault.answer(401, {}, body)

    def server_error(self, status: int) -> Fault:
        body = graph_error(2, "An unexpected error has occurred. Please retry your request later.")
        return Fault.answer(status, {}, body)

    def timeout(self) -> Fault:
        return Fault.timeout(3.5)  # past the adapter's 2 s

    def hide_counts(self, remote_id: str) -> None:
        self.server.posts[remote_id].hidden_counts = True
