"""LinkedIn: the adapter's real httpx client against FakeLinkedIn (tests/support/linkedin.py), which
enforces tokens, versions, Rest.li headers and post bodies as LinkedIn does. The account is a
company page, so the adapter can read its posts back (a member's posts cannot be)."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime
from typing import Any

import respx

from socialpost.networks.base import Network
from tests.contract.harness import Harness
from tests.support.faults import Fault
from tests.support.linkedin import API_HOST, UPLOAD_HOST, UPLOAD_PREFIX, FakeLinkedIn, Grant, Organization

TOKEN = "AQVli-Contract-T0KEN-s3cr3t-0123456789abcdef"
PERSON = "urn:li:person:782bbtaQ"
ORG = "urn:li:organization:2414183"
SCOPES = frozenset(
    {"openid", "profile", "w_member_social", "w_organization_social", "r_organization_social", "rw_organization_admin"}
)


class LinkedInHarness(Harness):
    network = "linkedin"
    secret = TOKEN

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.fake = FakeLinkedIn(
            today=lambda: self.clock().date(),
            tokens={TOKEN: Grant(PERSON, SCOPES)},
            organizations=[Organization(2414183, "Café Acme", "cafe-acme", admins={PERSON})],
        )
        router = stack.enter_context(respx.mock(assert_all_called=False, assert_all_mocked=True))
        handler = self.faults.handler(self.fake)
        router.route(host=API_HOST).mock(side_effect=handler)
        router.route(host=UPLOAD_HOST, path__startswith=UPLOAD_PREFIX).mock(side_effect=handler)
        return {"author": ORG, "access_token": TOKEN, "timeout": 5}

    def prepare(self, adapter: Network) -> None:
        adapter.sleep = lambda _seconds: None  # type: ignore[attr-defined]  # its waits, never real

    def publish_route(self, method: str, path: str) -> bool:
        return (method, path) == ("POST", "/rest/posts")

    def posts_seen(self) -> int:
        return len(self.fake.posts)

    def rate_limit(self, reset: datetime) -> Fault:
        seconds = int((reset - self.clock()).total_seconds())
        body = {
            "status": 429,
            "serviceErrorCode": 101,
            "code": "TOO_MANY_REQUESTS",
            "message": "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
        }
        return Fault.answer(429, {"Retry-After": str(seconds)}, body)

    def unauthorized(self) -> Fault:
        body = {
            "status": 401,
            "serviceErrorCode": 65600,
            "code": "INVALID_ACCESS_TOKEN",
            "message": f"Invalid access token {TOKEN}",
        }
        return Fault.answer(401, {}, body)

    def server_error(self, status: int) -> Fault:
        return Fault.answer(status, {}, {"status": status, "message": "Internal Server Error"})

    def hide_counts(self, remote_id: str) -> None:
        self.fake.statistics.pop(remote_id, None)
