"""`make screenshots`: the README's pictures of the pages socialpost writes, taken by headless Chromium.

    python scripts/screenshots.py calendar   docs/images/calendar.png (and calendar-phone.png)
    python scripts/screenshots.py preview    docs/images/preview.png (and preview-phone.png)

The example campaigns are scheduled into a scratch queue (deleted afterwards) whose config sets up
their accounts with obviously fake credentials: nothing is sent and no network is contacted. The
pages are made by the `socialpost` command itself, and photographed by tests/support/browser.py
(the tests' Chromium driver).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support import browser  # noqa: E402 - after the path is set

IMAGES = REPO / "docs" / "images"
CAMPAIGNS = [REPO / "campaigns" / "coffee-shop-launch.yaml", REPO / "campaigns" / "webinar-series.yaml"]
CONFIG = """\
timezone: America/Montreal
accounts:
  mastodon:
    cafe: {api_base_url: "https://mastodon.example", access_token: "${FAKE_TOKEN}"}
    ledger: {api_base_url: "https://mastodon.example", access_token: "${FAKE_TOKEN}"}
  bluesky:
    cafe: {handle: cafe.example, app_password: "${FAKE_TOKEN}"}
  x:
    cafe: {oauth2_access_token: "${FAKE_TOKEN}"}
  linkedin:
    cafe: {author: "urn:li:organization:1", access_token: "${FAKE_TOKEN}"}
    ledger: {author: "urn:li:organization:2", access_token: "${FAKE_TOKEN}"}
  webhook:
    team-chat: {url: "https://hooks.example/team"}
"""


def socialpost(workdir: Path, *args: str) -> None:
    env = {
        **os.environ,
        "SOCIALPOST_CONFIG": str(workdir / "config.yaml"),
        "SOCIALPOST_DATABASE_URL": f"sqlite:///{workdir / 'socialpost.db'}",
        "SOCIALPOST_DATA_DIR": str(workdir / "data"),
        "SOCIALPOST_LANG": "en",
        "FAKE_TOKEN": "fake-" + "token-" * 3,  # a placeholder: nothing is sent
    }
    command = [str(Path(sys.executable).with_name("socialpost")), *args]
    subprocess.run(command, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def workspace() -> tempfile.TemporaryDirectory[str]:
    folder = tempfile.TemporaryDirectory(prefix="socialpost-screenshots-")
    path = Path(folder.name)
    (path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    socialpost(path, "schedule", *map(str, CAMPAIGNS))
    return folder


def shoot(page: Path, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for suffix, width in (("", 1280), ("-phone", 400)):
        out = browser.screenshot(page, IMAGES / f"{name}{suffix}.png", width, 900)
        print(f"wrote {out.relative_to(REPO)}")


def calendar() -> None:
    with workspace() as folder:
        path = Path(folder)
        socialpost(path, "pause", "linkedin:cafe", "--reason", "waiting for the new page's approval")
        page = path / "calendar.html"
        month = ("--since", "2027-03-01", "--until", "2027-04-01")
        socialpost(path, "calendar", "--campaign", "coffee-shop-launch", *month, "--html", str(page))
        shoot(page, "calendar")


def preview() -> None:
    with workspace() as folder:
        path = Path(folder)
        page = path / "preview.html"
        socialpost(path, "preview", str(CAMPAIGNS[0].relative_to(REPO)), "announce", "--html", str(page))
        shoot(page, "preview")


if __name__ == "__main__":
    targets = {"calendar": calendar, "preview": preview}
    wanted = sys.argv[1:] or list(targets)
    for name in wanted:
        targets[name]()
