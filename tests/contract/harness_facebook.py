"""Facebook: the adapter's real httpx client against FakeGraph (tests/support/graph.py), a Page on
the Graph API that checks the version, the token header and the form of each post."""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import datetime
from typing import Any

import respx

from tests.contract.harness import Harness
from tests.support.facebook import graph_error
from tests.support.faults import Fault
from tests.support.graph import FakeGraph

PAGE = "104857600123456"
TOKEN = "EAAContract-Page-T0KEN-s3cr3t-abcdef0123"


class FacebookHarness(Harness):
    network = "facebook"
    secret = TOKEN

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.fake = FakeGraph(PAGE, TOKEN, clock=self.clock)
        router = stack.enter_context(
            respx.mock(base_url="https://graph.facebook.com", assert_all_called=False, assert_all_mocked=True)
        )
        router.route().mock(side_effect=self.faults.handler(self.fake))
        return {"page_id": PAGE, "page_access_token": TOKEN, "timeout": 5}

    def publish_route(self, method: str, path: str) -> bool:
        return method == "POST" and path.endswith(f"/{PAGE}/feed")

    def posts_seen(self) -> int:
        return len(self.fake.posts)

    def rate_limit(self, reset: datetime) -> Fault:
        minutes = round((reset - self.clock()).total_seconds() / 60)
        usage = {PAGE: [{"type": "pages", "call_count": 100, "total_cputime": 20, "total_time": 30,
                         "estimated_time_to_regain_access": minutes}]}  # fmt: skip
        headers = {"X-Business-Use-Case-Usage": json.dumps(usage)}
        return Fault.answer(400, headers, graph_error(32, "(#32) Page request limit reached"))

    def unauthorized(self) -> Fault:
        body = graph_error(
            190, f"Error validating access token: the session for {TOKEN} has been invalidated", subcode=460
        )
        return Fault.answer(401, {}, body)

    def server_error(self, status: int) -> Fault:
        body = graph_error(
            2, "An unexpected error has occurred. Please retry your request later.", kind="OAuthException"
        )
        return Fault.answer(status, {}, body)

    def hide_counts(self, remote_id: str) -> None:
        self.fake.hidden.add(remote_id)
