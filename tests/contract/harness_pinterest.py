"""Pinterest: the adapter's real httpx client against PinterestServer (tests/servers/pinterest.py),
a strict fake of API v5 on a loopback socket. A pin is an image on a board: every post carries
one (sent inline, base64) and ``pin: {board: …}``."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any

from socialpost.networks.base import Media, OutgoingPost
from tests.contract.harness import Harness
from tests.servers.pinterest import AUTH_FAILED, RATE_LIMITED, PinterestServer, png
from tests.support.faults import Fault


class PinterestHarness(Harness):
    network = "pinterest"

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.fake = stack.enter_context(PinterestServer(self.clock))
        self.fake.server.respond(self.faults.local(self.fake.answer))
        self.secret = self.fake.token()
        self.campaign = self.tmp_path / "campaign"
        self.campaign.mkdir(parents=True, exist_ok=True)
        (self.campaign / "tart.png").write_bytes(png())
        stack.callback(self._no_violations)
        return {
            "access_token": self.secret,
            "api_base": self.fake.url,
            "timeout": 2,
            "token_expires_at": (self.clock() + timedelta(days=30)).isoformat(),
        }

    def _no_violations(self) -> None:
        assert self.fake.violations == [], f"requests Pinterest would refuse: {self.fake.violations}"

    def outgoing(self, text: str | None = None, **more: Any) -> OutgoingPost:
        media = (Media("tart.png", "A lemon tart on a plate"),)
        extra = {"pin": {"board": "Spring recipes", "title": "Lemon tart"}}
        return super().outgoing(text, media=media, media_root=str(self.campaign), extra=extra, **more)

    def publish_route(self, method: str, path: str) -> bool:
        return method == "POST" and path == "/v5/pins"

    def posts_seen(self) -> int:
        return len(self.fake.pins)

    def rate_limit(self, reset: datetime) -> Fault:
        seconds = int((reset - self.clock()).total_seconds())
        headers = {"x-ratelimit-limit": "1000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(seconds)}
        return Fault.answer(429, headers, RATE_LIMITED)

    def unauthorized(self) -> Fault:
        return Fault.answer(401, {}, {**AUTH_FAILED, "message": f"Authentication failed for {self.secret}."})

    def server_error(self, status: int) -> Fault:
        return Fault.answer(status, {}, {"code": 1, "message": "Something went wrong on our end."})

    def hide_counts(self, remote_id: str) -> None:
        self.fake.pins[remote_id].hidden_counts = True
