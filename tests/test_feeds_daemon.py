"""Feed entries are posted exactly once while `socialpost daemon` processes are killed (SIGKILL) and
restarted: real daemons, a real SQLite file, the blog on loopback, the outbox as the network."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from socialpost.store.db import Store, open_store
from socialpost.store.models import FeedRow
from socialpost.timeutil import utcnow
from tests.store_helpers import schedule_file
from tests.store_helpers.daemons import REPO, DaemonFleet, statuses, wait_until
from tests.support.feed_site import FEED_URL, HOST, FeedSite, Item, rss
from tests.support.feeds import feed_posts
from tests.support.http import LocalServer

pytestmark = pytest.mark.slow
ACCOUNTS = ("outbox:news", "outbox:team")


class FeedDaemons(DaemonFleet):
    """Daemons whose fetcher reaches the loopback blog (tests.support.feed_daemon)."""

    def __init__(self, folder: Path, url: str, port: int) -> None:
        super().__init__(folder, url, daemon={"poll_seconds": 0.2, "lease_seconds": 5}, accounts={})
        self.env = {**self.env, "FEED_SITE_PORT": str(port), "PYTHONPATH": str(REPO)}

    def start(self, name: str) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}.log"
        self.logs[name] = log
        command = [sys.executable, "-m", "tests.support.feed_daemon", "--config", str(self.config)]
        with log.open("ab") as out:
            process = subprocess.Popen(
                [*command, "daemon", "--id", name], stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=REPO
            )
        self.processes[name] = process
        return process


@pytest.fixture
def site() -> Iterator[FeedSite]:
    with LocalServer() as server:
        blog = FeedSite(server)
        server.respond(blog.respond)
        yield blog


def _due_again(store: Store) -> None:
    """The feed's period has passed (each feed is read at most every 5 minutes)."""
    with store.session() as session:
        session.execute(update(FeedRow).values(next_poll_at=utcnow() - timedelta(seconds=1)))


def _outbox(folder: Path) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for account in ("news", "team"):
        for path in (folder / "data" / "outbox" / account / "posts").glob("*.json"):
            document = json.loads(path.read_text())
            found[(document["account"], document["text"])] += 1
    return found


def test_killed_and_restarted_daemons_post_each_entry_once_per_account(tmp_path: Path, site: FeedSite) -> None:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    store = open_store(url)
    fleet = FeedDaemons(tmp_path, url, site.port)
    try:
        start = utcnow()
        campaign = tmp_path / "blog.yaml"
        campaign.write_text(
            f"campaign: cafe-blog\ntimezone: UTC\naccounts: [{', '.join(ACCOUNTS)}]\n"
            f'feeds:\n  - url: {FEED_URL}\n    template: "{{title}} {{link}}"\n',
            encoding="utf-8",
        )
        from socialpost.settings.config import Settings

        schedule_file(store, Settings(database_url=url, data_dir=tmp_path / "data"), campaign, now=start)
        picture = site.image("/latte.png")
        site.serve("/latte.png", site.pages["/latte.png"].body, "image/png", delay=3.0)  # slow: killed meanwhile
        items = [Item(f"e{n}", f"Entry {n}", f"http://{HOST}/{n}/", start + timedelta(seconds=n)) for n in (1, 2)]
        items[0].media = picture
        site.feed(rss(items))

        # 1. killed while it downloads the first image: nothing was queued
        fleet.start("first")
        assert wait_until(lambda: site.hits.get("/latte.png", 0) >= 1, 30), fleet.output()
        fleet.kill("first")
        assert feed_posts(store) == []

        # 2. a new daemon reads the feed again, queues and sends; killed once the posts are out
        _due_again(store)
        fleet.start("second")
        assert wait_until(lambda: statuses(store) == {"sent": 4}, 40), (statuses(store), fleet.output())
        fleet.kill("second")

        # 3. the blog edits entry 1, re-dates and reorders; a third entry appears; two daemons now
        items = [
            Item("e3", "Entry 3", f"http://{HOST}/3/", utcnow()),
            Item("e2", "Entry 2", f"http://{HOST}/2/", utcnow()),
            Item("e1", "Entry 1, edited", f"http://{HOST}/1/", utcnow()),
        ]
        site.feed(rss(items))
        _due_again(store)
        fleet.start("third")
        fleet.start("fourth")
        assert wait_until(lambda: statuses(store) == {"sent": 6}, 40), (statuses(store), fleet.output())
        assert site.hits["/feed"] == 3  # one turn per period, however many daemons run
    finally:
        fleet.stop_all()
        store.close()
    posted = _outbox(tmp_path)
    expected = {(a, f"Entry {n} http://{HOST}/{n}/") for n in (1, 2, 3) for a in ACCOUNTS}
    assert set(posted) == expected and set(posted.values()) == {1}, posted
    (with_image,) = [p for p in feed_posts(store) if p.account == "outbox:news" and "media" in p.payload]
    assert with_image.payload["media"][0]["file"].endswith(".png")
