"""A campaign feed of 1,000 entries: the first poll (the back catalogue skipped, or 20 entries
posted to two accounts), a re-read with nothing new, and a 304.

The feed is a real RSS 2.0 file (about 0.6 MB, WordPress-like: content:encoded with an image per
entry) served over HTTP on loopback and read through socialpost's guarded fetcher and feedparser,
into a SQLite store; only the name lookup and the dial are the benchmark's (no internet). Images are
not downloaded (`image: false`): their time is the network's, not ours. Figures: wall time and
peak Python memory (tracemalloc) of each poll, and the process's peak RSS.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import figure, header

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from socialpost.feeds import Poller  # noqa: E402
from socialpost.feeds.entries import parse  # noqa: E402
from socialpost.scheduling import prepare, schedule  # noqa: E402
from socialpost.settings.config import Settings  # noqa: E402
from socialpost.store import feeds as stored  # noqa: E402
from socialpost.store.db import open_store  # noqa: E402
from tests.support.feed_site import FEED_URL, HOST, FeedSite, Item, rss  # noqa: E402
from tests.support.http import LocalServer  # noqa: E402

ENTRIES = 1_000
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
BODY = (
    "<p>Our roaster tried a new profile this week. {i} kilos later, here is what we learned about "
    "light roasts, water temperature and patience.</p>"
    '<figure><img src="http://{host}/img/{i}.jpg" alt="Beans of batch {i} cooling on the tray"/></figure>'
    "<p>Come by and taste it: the first cup is on us.</p>"
)


def feed() -> bytes:
    items = [
        Item(
            f"http://{HOST}/?p={i}",
            f"Roasting notes #{i}: what batch {i} taught us",
            f"http://{HOST}/{i}/",
            NOW - timedelta(hours=ENTRIES + 1 - i),
            summary=f"What batch {i} taught us about light roasts.",
            content=BODY.format(i=i, host=HOST),
        )
        for i in range(ENTRIES, 0, -1)
    ]
    return rss(items)


def poll_once(poller: Poller, store: object, *, traced: bool = False) -> tuple[float, float, int]:
    """One poll: its wall time, or (``traced``: tracemalloc slows it several times) its peak memory."""
    (state,) = stored.feeds(store)  # type: ignore[arg-type]
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    result = poller.poll(state)
    wall = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    return wall, peak / 2**20, result.posted


def run(site: FeedSite, folder: Path, since: str | None, label: str, *, traced: bool = False) -> None:
    settings = Settings(database_url=f"sqlite:///{folder / f'{label}.db'}", data_dir=folder / f"data-{label}")
    campaign = folder / f"{label}.yaml"
    extra = f"    since: {since}\n" if since else ""
    campaign.write_text(
        "campaign: cafe-blog\ntimezone: America/Montreal\naccounts: [mastodon:cafe, bluesky:cafe]\n"
        f'feeds:\n  - url: {FEED_URL}\n    template: "{{title}}: {{summary}} {{link}}"\n    image: false\n{extra}',
        encoding="utf-8",
    )
    store = open_store(settings.database_url)
    try:
        schedule(store, prepare([campaign], settings, now=NOW), now=NOW)
        poller = Poller(store, settings.data_dir, reader=site.reader(timeout=30), clock=lambda: NOW)
        wall, peak, posted = poll_once(poller, store, traced=traced)
        if traced:
            figure(f"{label}: first poll peak Python memory", peak, "MiB")
            return
        figure(f"{label}: first poll wall ({posted} posts made)", wall, "s")
        wall, _peak, _posted = poll_once(poller, store)
        figure(f"{label}: second poll, 304 Not Modified", wall, "s")
        with store.session() as session:
            from sqlalchemy import update

            from socialpost.store.models import FeedRow

            session.execute(update(FeedRow).values(etag=None, last_modified=None))
        wall, peak, posted = poll_once(poller, store)
        figure(f"{label}: re-read of the whole feed ({posted} posts made)", wall, "s")
    finally:
        store.close()


def main() -> None:
    header(f"feeds: a feed of {ENTRIES:,} entries, read into a SQLite store")
    with LocalServer() as server, tempfile.TemporaryDirectory() as folder:
        site = FeedSite(server)
        server.respond(site.respond)
        body = feed()
        site.feed(body)
        figure("feed size", len(body) / 2**20, "MiB")
        started = time.perf_counter()
        entries = parse(body)
        figure(f"feedparser parse of {len(entries):,} entries", time.perf_counter() - started, "s")
        # the adapters' modules (length rules) are imported once, as a daemon has them already
        from socialpost.networks.profile import profile_of

        profile_of("mastodon").length.measure("warm")
        profile_of("bluesky").length.measure("warm")
        run(site, Path(folder), None, "default since")
        run(site, Path(folder), "2027-01-01", "since 2027-01-01")
        run(site, Path(folder), None, "default since, traced", traced=True)
        run(site, Path(folder), "2027-01-01", "since 2027-01-01, traced", traced=True)
        figure("process peak RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MiB")


if __name__ == "__main__":
    main()
