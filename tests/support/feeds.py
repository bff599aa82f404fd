"""What the feed tests share: the campaign text, the entries, the posts made from them, and
:class:`Blog`, the loopback blog with the store, settings and clock a test schedules and polls it in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from socialpost.feeds import Poller
from socialpost.settings.config import Settings
from socialpost.store import feeds as stored
from socialpost.store.db import Store
from socialpost.store.models import FeedEntryRow, PostRow
from tests.conftest import START, FakeClock
from tests.store_helpers import schedule_file
from tests.support.feed_site import FEED_URL, HOST, FeedSite, Item

ACCOUNTS = ("outbox:news", "outbox:team")

QUEUED = (
    "campaign: cafe-blog\ntimezone: America/Montreal\naccounts: [outbox:news, outbox:team]\n"
    'queue: {days: [mon, tue, wed, thu, fri, sat, sun], at: ["09:00", "12:30"]}\n'
    f'feeds:\n  - url: {FEED_URL}\n    template: "{{title}} {{link}}"\n    queue: true\n'
    'posts:\n  - id: tip\n    text: "Pour-over tip: 93 °C, 3 minutes."\n'
)


def feed_campaign(
    accounts: tuple[str, ...] = ACCOUNTS, *, extra: str = "", url: str = FEED_URL, name: str = "cafe-blog"
) -> str:
    return (
        f"campaign: {name}\ntimezone: America/Montreal\naccounts: [{', '.join(accounts)}]\n"
        f'feeds:\n  - url: {url}\n    template: "New on the blog: {{title}} {{link}}"\n{extra}'
    )


def item(n: int, published: datetime | None, **kwargs: object) -> Item:
    return Item(f"post-{n}", f"Entry {n}", f"http://{HOST}/{n}/", published, **kwargs)  # type: ignore[arg-type]


def feed_posts(store: Store) -> list[PostRow]:
    """The posts made from feed entries, in the order they were made."""
    with store.session() as session:
        made = select(FeedEntryRow.post_id).where(FeedEntryRow.post_id.is_not(None))
        return list(session.scalars(select(PostRow).where(PostRow.id.in_(made)).order_by(PostRow.id)))


def per_entry(store: Store) -> Counter[tuple[str, str]]:
    """How many posts each (text, account) has."""
    return Counter((row.payload["text"], row.account) for row in feed_posts(store))


@dataclass
class Blog:
    """The blog on loopback and the queue a test schedules its campaign in and polls it into."""

    store: Store
    settings: Settings
    site: FeedSite
    clock: FakeClock
    write: Callable[[str, str], Path]

    def schedule(self, text: str, *, now: datetime = START) -> None:
        """Schedule ``text`` as blog.yaml."""
        schedule_file(self.store, self.settings, self.write("blog.yaml", text), now=now)

    def feed(self) -> stored.FeedState:
        """The one feed the store holds."""
        (feed,) = stored.feeds(self.store)
        return feed

    def at(self, delta: timedelta) -> None:
        """Move the clock to START + ``delta``."""
        self.clock.set(START + delta)

    def poll(self) -> stored.FeedState:
        """The daemon's poll of the one feed, now; the feed after it."""
        Poller(self.store, self.settings.data_dir, reader=self.site.reader(), clock=self.clock).poll(self.feed())
        return self.feed()

    def posts(self) -> list[PostRow]:
        return feed_posts(self.store)
