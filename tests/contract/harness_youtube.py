"""YouTube: google-api-python-client, httplib2 and google-auth run for real against FakeYouTube
(tests/support/youtube.py) on a real local socket: a token endpoint and the Data API, every request
checked against YouTube's discovery document, videos uploaded through resumable sessions."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime
from typing import Any, ClassVar

import httplib2  # type: ignore[import-untyped]

from socialpost.networks import registry
from socialpost.networks.base import OutgoingPost
from tests.contract.harness import Harness
from tests.support.faults import Fault
from tests.support.http import LocalServer
from tests.support.youtube import UPLOAD, FakeYouTube, error_body

CLIENT_ID = "1234-contract.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-Contract-s3cr3t-0123456789"
REFRESH = "1//0Contract-refresh-T0KEN-abcdefghijklmnop"
ACCESS = "ya29.Contract-access-T0KEN-qrstuvwxyz012345"
CHUNK = 256 * 1024
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42"  # a video by its first bytes


class PlainHttp(httplib2.Http):  # type: ignore[misc]
    """httplib2 as it is, except that the test server speaks plain HTTP: google-api-python-client
    keeps https for the upload URL when the API root is moved (``base_url``)."""

    def request(self, uri: str, *args: Any, **kwargs: Any) -> Any:
        if uri.startswith("https://127.0.0.1:"):
            uri = "http://" + uri.removeprefix("https://")
        return super().request(uri, *args, **kwargs)


class YouTubeHarness(Harness):
    network = "youtube"
    secret = REFRESH
    resends_after_401: ClassVar[int] = 2  # google-auth-httplib2 renews the token and tries again, twice
    resends_after_lost_connection: ClassVar[int] = 1  # httplib2 reconnects and sends once more

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.fake = FakeYouTube(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=REFRESH, access_token=ACCESS
        )
        server = stack.enter_context(LocalServer())
        self.fake.url = server.url
        server.respond(self.faults.local(self.fake))
        stack.callback(self._no_violations)
        adapter = registry.load("youtube")
        before = adapter.__dict__.get("http_factory")  # the adapter's hook for its HTTP object
        adapter.http_factory = lambda timeout: PlainHttp(timeout=timeout)  # type: ignore[attr-defined]
        stack.callback(setattr, adapter, "http_factory", before)
        self.video = self.tmp_path / "campaign" / "tour.mp4"
        self.video.parent.mkdir(parents=True, exist_ok=True)
        # three chunks: YouTube answers "308 Resume Incomplete" between them, which the adapter's
        # httplib2 must not take for a redirect (it did until the contract suite found it)
        self.video.write_bytes(MP4_HEAD + bytes(i % 251 for i in range(2 * CHUNK + 20_000)))
        return {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH,
            "channel_id": "UC_x5XG1OV2P6uZZ5FSM9Ttw",
            "chunk_size": CHUNK,
            "base_url": server.url,
            "token_url": f"{server.url}/token",
            "timeout": 0.5,
        }

    def _no_violations(self) -> None:
        assert self.fake.violations == [], f"requests that break YouTube's discovery document: {self.fake.violations}"

    def outgoing(self, text: str | None = None, **more: Any) -> OutgoingPost:
        video = {"file": str(self.video), "title": "Roastery tour", "tags": ["coffee"]}
        return super().outgoing(text, extra={"video": video}, media_root=str(self.video.parent), **more)

    def publish_route(self, method: str, path: str) -> bool:
        return (method, path) == ("POST", UPLOAD)

    def posts_seen(self) -> int:
        return len(self.fake.videos)

    def rate_limit(self, reset: datetime) -> Fault:
        seconds = int((reset - self.clock()).total_seconds())
        body = error_body(
            429, "rateLimitExceeded", "The request cannot be completed: too many requests.", "youtube.quota"
        )
        return Fault.answer(429, {"Retry-After": str(seconds)}, body)

    def unauthorized(self) -> Fault:
        message = f"Request had invalid authentication credentials (refresh token {REFRESH})."
        return Fault.answer(401, {}, error_body(401, "authError", message))

    def server_error(self, status: int) -> Fault:
        return Fault.answer(status, {}, error_body(status, "backendError", "Backend Error"))

    def hide_counts(self, remote_id: str) -> None:
        self.fake.hidden.add(remote_id)
