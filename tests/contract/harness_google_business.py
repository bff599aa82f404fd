"""Google Business Profile: the adapter against the strict fake of Google's OAuth server and
Business Profile APIs (tests/servers/google_business.py) on a loopback socket. Posts are text-only
here (the photo through the media host is tested in tests/test_network_google_business.py). The
client renews its access token after a 401 and sends the request once more, as Google's libraries
do."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime
from typing import Any, ClassVar

from tests.contract.harness import Harness
from tests.servers.google_business import (
    ACCOUNT,
    CLIENT_ID,
    LOCATION,
    GoogleBusinessServer,
    client_secret,
    quota_error,
    status_error,
)
from tests.support.faults import Fault
from tests.support.google_business import refresh_token
from tests.support.http import LocalServer


class GoogleBusinessHarness(Harness):
    network = "google-business"
    resends_after_401: ClassVar[int] = 1

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.secret = refresh_token()
        self.google = GoogleBusinessServer(clock=self.clock, refresh_token=self.secret)
        server = stack.enter_context(LocalServer())
        server.respond(self.faults.local(self.google))
        stack.callback(lambda: self._no_violations())
        return {
            "client_id": CLIENT_ID,
            "client_secret": client_secret(),
            "refresh_token": self.secret,
            "account_id": ACCOUNT,
            "location_id": LOCATION,
            "base_url": server.url,
            "token_url": server.url + "/token",
            "timeout": 0.5,
        }

    def _no_violations(self) -> None:
        assert self.google.violations == [], f"requests Google would refuse: {self.google.violations}"

    def posts_seen(self) -> int:
        return len(self.google.posts())

    def publish_route(self, method: str, path: str) -> bool:
        return method == "POST" and path.endswith("/localPosts")

    def rate_limit(self, reset: datetime) -> Fault:
        seconds = int((reset - self.clock()).total_seconds())
        return Fault.answer(429, {"Retry-After": str(seconds)}, quota_error("mybusiness.googleapis.com", 300))

    def unauthorized(self) -> Fault:
        body = status_error(401, "UNAUTHENTICATED", f"Request had invalid authentication credentials: {self.secret}")
        return Fault.answer(401, {}, body)

    def server_error(self, status: int) -> Fault:
        if status == 503:
            return Fault.answer(503, {}, status_error(503, "UNAVAILABLE", "The service is currently unavailable."))
        return Fault.answer(status, {}, status_error(status, "INTERNAL", "Internal error encountered."))

    def hide_counts(self, remote_id: str) -> None:
        self.google.hidden.add(remote_id)
