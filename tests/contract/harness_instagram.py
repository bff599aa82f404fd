"""Instagram: the adapter's real httpx client against FakeInstagram (tests/servers/instagram.py) on a
real local socket, its media put on a folder a real web server publishes (the user's media host) and
fetched by the fake the way Meta fetches it. A post to Instagram always carries an image."""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import datetime
from typing import Any

from socialpost.mediahost.settings import FolderHostSettings
from socialpost.networks.base import Media, Network, OutgoingPost
from tests.contract.harness import Harness
from tests.servers.instagram import FakeInstagram, graph_error
from tests.support.faults import Fault
from tests.support.http import LocalServer
from tests.support.instagram import JPEG, web_folder

USER = "17841400000000042"
TOKEN = "IGAAContract-Instagram-T0KEN-s3cr3t-abcdef012"


class InstagramHarness(Harness):
    network = "instagram"
    secret = TOKEN

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.fake = FakeInstagram(user_id=USER, token=TOKEN, clock=self.clock, processing_polls=1)
        server = stack.enter_context(LocalServer())
        server.respond(self.faults.local(self.fake))
        self.folder, self.base_url = stack.enter_context(web_folder(self.tmp_path / "www"))
        self.campaign = self.tmp_path / "campaign"
        self.campaign.mkdir(parents=True, exist_ok=True)
        (self.campaign / "photo.jpg").write_bytes(JPEG)
        stack.callback(self._no_violations)
        return {"user_id": USER, "access_token": TOKEN, "base_url": server.url, "timeout": 2}

    def __enter__(self) -> Harness:
        super().__enter__()
        self.settings.media_host = FolderHostSettings(kind="folder", folder=str(self.folder), base_url=self.base_url)
        return self

    def _no_violations(self) -> None:
        assert self.fake.violations == [], f"requests Instagram would refuse: {self.fake.violations}"

    def prepare(self, adapter: Network) -> None:
        adapter.sleep = lambda seconds: None  # type: ignore[attr-defined]  # the fake finishes on the next poll

    def outgoing(self, text: str | None = None, **more: Any) -> OutgoingPost:
        media = (Media("photo.jpg", "A croissant on a plate"),)
        return super().outgoing(text, media=media, media_root=str(self.campaign), **more)

    def publish_route(self, method: str, path: str) -> bool:
        return method == "POST" and path.endswith(f"/{USER}/media_publish")

    def posts_seen(self) -> int:
        return len(self.fake.media)

    def rate_limit(self, reset: datetime) -> Fault:
        minutes = round((reset - self.clock()).total_seconds() / 60)
        usage = {USER: [{"type": "instagram", "call_count": 100, "total_cputime": 20, "total_time": 30,
                         "estimated_time_to_regain_access": minutes}]}  # fmt: skip
        headers = {"X-Business-Use-Case-Usage": json.dumps(usage)}
        return Fault.answer(400, headers, graph_error(4, "(#4) Application request limit reached"))

    def unauthorized(self) -> Fault:
        body = graph_error(190, f"Error validating access token: the session for {TOKEN} has been invalidated")
        return Fault.answer(401, {}, body)

    def server_error(self, status: int) -> Fault:
        return Fault.answer(status, {}, graph_error(2, "An unexpected error has occurred. Please retry later."))

    def timeout(self) -> Fault:
        # the fake fetches the image while the container is created: room for that on a loaded machine
        return Fault.timeout(delay=4)

    def hide_counts(self, remote_id: str) -> None:
        self.fake.hidden.add(remote_id)
