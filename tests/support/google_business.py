"""Google Business Profile test pieces shared by tests/test_network_google_business.py, the contract
harness and the end-to-end test: the strict fake (tests/servers/google_business.py) on a real
socket, a real web server publishing the media host's folder, photo bytes, and adapters made
against them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from socialpost.mediahost.folder import FolderHost
from socialpost.networks.base import AdapterContext, Media, OutgoingPost
from socialpost.networks.google_business import GoogleBusinessNetwork, GoogleBusinessSettings
from tests.servers.google_business import ACCOUNT, CLIENT_ID, LOCATION, GoogleBusinessServer, client_secret
from tests.support.http import LocalServer
from tests.support.instagram import web_folder
from tests.support.posts import outgoing

START = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
# A JPEG of 12 KB: Google takes 10 KB to 5 MB
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(i % 251 for i in range(12_000))
SMALL = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(i % 251 for i in range(9_000))


def refresh_token() -> str:
    """An obviously fake refresh token, made at run time."""
    return "1//0g-fake-refresh-" + secrets.token_hex(8)


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Rig:
    google: GoogleBusinessServer
    server: LocalServer
    clock: Clock
    folder: Path  # the media host's folder
    base_url: str  # where the web server publishes it
    campaign: Path
    tmp: Path
    refresh: str

    def values(self, **changes: Any) -> dict[str, Any]:
        return {
            "client_id": CLIENT_ID,
            "client_secret": client_secret(),
            "refresh_token": self.refresh,
            "account_id": ACCOUNT,
            "location_id": LOCATION,
            "base_url": self.server.url,
            "token_url": self.server.url + "/token",
            "timeout": 5,
            **changes,
        }

    def adapter(self, *, host: bool = True, **changes: Any) -> GoogleBusinessNetwork:
        media_host = FolderHost(self.folder, self.base_url, clock=self.clock) if host else None
        context = AdapterContext(data_dir=self.tmp / "data", base_dir=self.tmp, clock=self.clock, media_host=media_host)
        return GoogleBusinessNetwork(
            account="google-business:bakery", settings=GoogleBusinessSettings(**self.values(**changes)), context=context
        )

    def photo(self, name: str = "croissants.jpg", data: bytes = PHOTO) -> Media:
        (self.campaign / name).write_bytes(data)
        return Media(str(self.campaign / name), "Croissants on a tray")

    def post(self, text: str = "Fresh croissants every morning from 7 am.", **more: Any) -> OutgoingPost:
        fields: dict[str, Any] = {"due_at": self.clock(), "media_root": str(self.campaign)}
        fields.update(more)
        return outgoing("google-business:bakery", text, **fields)


@contextmanager
def rig(tmp: Path, **server: Any) -> Iterator[Rig]:
    clock = Clock()
    token = refresh_token()
    google = GoogleBusinessServer(clock=clock, refresh_token=token, **server)
    campaign = tmp / "campaign"
    campaign.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        local = stack.enter_context(LocalServer())
        local.respond(google)
        folder, base_url = stack.enter_context(web_folder(tmp / "www"))
        yield Rig(google, local, clock, folder, base_url, campaign, tmp, token)
