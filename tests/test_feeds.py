"""Campaign feeds: a blog's new entries become posts, once per account (socialpost.feeds).

Every feed is a real file served over HTTP on loopback (tests.support.feed_site), read through
socialpost's guarded fetcher and feedparser; only DNS and the dial are the test's."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from socialpost.feeds import Poller
from socialpost.feeds.entries import parse
from socialpost.settings.config import Settings
from socialpost.store import feeds as stored
from socialpost.store.db import Store, open_store
from socialpost.store.models import FeedRow, PostRow
from socialpost.text.count import x_weighted_length
from tests.conftest import START, FakeClock
from tests.store_helpers import schedule_file, throwaway_postgres
from tests.support.feed_site import FEED_URL, HOST, FeedSite, Item, atom, rss
from tests.support.feeds import ACCOUNTS, QUEUED, Blog, feed_campaign, feed_posts, item, per_entry
from tests.support.http import LocalServer


@pytest.fixture
def site() -> Iterator[FeedSite]:
    with LocalServer() as server:
        blog = FeedSite(server)
        server.respond(blog.respond)
        yield blog


@pytest.fixture
def blog(store: Store, settings: Settings, site: FeedSite, clock: FakeClock, write) -> Blog:  # type: ignore[no-untyped-def]
    return Blog(store, settings, site, clock, write)


def test_the_first_poll_posts_nothing_older_and_a_new_entry_goes_once_to_each_account(blog: Blog) -> None:
    old = [item(1, START - timedelta(days=3)), item(2, START - timedelta(hours=1))]
    blog.site.feed(rss(old))
    blog.schedule(feed_campaign())
    blog.at(timedelta(minutes=1))
    blog.poll()
    assert blog.posts() == []  # the back catalogue does not flood the accounts

    blog.site.feed(rss([item(3, START + timedelta(minutes=30)), *old]))
    blog.at(timedelta(hours=1))
    blog.poll()
    posts = blog.posts()
    assert sorted(p.account for p in posts) == sorted(ACCOUNTS)
    assert {p.payload["text"] for p in posts} == {f"New on the blog: Entry 3 http://{HOST}/3/"}
    assert {p.status for p in posts} == {"pending"}
    assert all(p.due_at == START + timedelta(hours=1) for p in posts)
    assert len({p.idempotency_key for p in posts}) == 2 and len({p.post_key for p in posts}) == 1

    blog.at(timedelta(hours=2))
    blog.poll()
    assert len(blog.posts()) == 2


def test_a_conditional_get_sends_the_validators_back_and_a_304_changes_nothing(blog: Blog) -> None:
    blog.site.feed(rss([item(1, START + timedelta(minutes=5))]), last_modified="Sun, 10 Jan 2027 12:05:00 GMT")
    blog.schedule(feed_campaign())
    blog.at(timedelta(minutes=10))
    first = blog.poll()
    assert first.etag and first.last_modified == "Sun, 10 Jan 2027 12:05:00 GMT"
    assert len(blog.posts()) == 2
    blog.at(timedelta(minutes=30))
    second = blog.poll()
    assert blog.site.conditional[-1] == {"if-none-match": first.etag, "if-modified-since": first.last_modified}
    assert blog.site.not_modified == 1
    assert second.last_ok_at == START + timedelta(minutes=30) and second.etag == first.etag
    assert len(blog.posts()) == 2


def test_an_atom_feed_since_a_day_and_a_summary_clipped_to_the_network(blog: Blog) -> None:
    long = "Our new single-origin beans from Huila are here, roasted on Tuesday. " * 12
    entries = [
        Item("urn:a", "Huila beans", f"http://{HOST}/huila/", START - timedelta(days=2), summary=long),
        Item("urn:b", "Too old", f"http://{HOST}/old/", START - timedelta(days=40), summary="old"),
    ]
    blog.site.feed(atom(entries))
    text = (
        "campaign: cafe-blog\ntimezone: America/Montreal\naccounts: [x:cafe, bluesky:cafe]\n"
        f'feeds:\n  - url: {FEED_URL}\n    template: "{{title}}: {{summary}} {{link}}"\n    since: 2027-01-01\n'
    )
    blog.schedule(text)
    blog.poll()
    posts = {p.account: p.payload["text"] for p in blog.posts()}
    assert set(posts) == {"x:cafe", "bluesky:cafe"}
    for posted in posts.values():
        assert posted.startswith("Huila beans: Our new single-origin") and posted.endswith(f"… http://{HOST}/huila/")
    assert x_weighted_length(posts["x:cafe"]) <= 280 < x_weighted_length(posts["x:cafe"]) + 10  # filled, not cut short
    assert len(posts["bluesky:cafe"]) <= 300 < len(posts["bluesky:cafe"]) + 10


WORDPRESS = Path(__file__).parent / "data" / "feeds" / "wordpress.xml"


def test_a_wordpress_feed_posts_its_first_image_with_its_alt_text(blog: Blog) -> None:
    blog.site.image("/wp-content/uploads/2027/01/latte-art.png")
    blog.site.image("/wp-content/uploads/2027/01/croissant.png")
    blog.site.feed(WORDPRESS.read_bytes())
    blog.schedule(feed_campaign(("outbox:news",), extra="    since: 2027-01-01\n"))
    blog.poll()
    posts = {p.payload["text"]: p.payload for p in blog.posts()}
    latte = posts[f"New on the blog: Latte art night, Thursday http://{HOST}/2027/01/latte-art-night/"]
    (media,) = latte["media"]
    assert media["alt"] == "A barista pouring a rosetta into a latte"
    saved = Path(media["file"])
    assert saved.read_bytes() == blog.site.pages["/wp-content/uploads/2027/01/latte-art.png"].body
    assert saved.is_relative_to(blog.settings.data_dir / "feeds") and latte["media_root"] == str(saved.parent)
    croissant = posts[f"New on the blog: Croissants are back http://{HOST}/2027/01/croissants/"]
    assert croissant["media"][0]["file"].endswith(".png")  # an enclosure; no alt text in the feed
    assert croissant["media"][0]["alt"] == ""
    assert blog.site.hits["/wp-content/uploads/2027/01/latte-art.png"] == 1


def test_broken_dates_are_skipped_at_the_first_poll_and_new_ones_posted_after(blog: Blog) -> None:
    broken = [item(1, None, date_text="Sunday, sometime in January"), item(2, None, date_text="2027-13-45")]
    blog.site.feed(rss(broken))
    blog.schedule(feed_campaign())
    blog.poll()
    assert blog.posts() == []
    blog.site.feed(rss([item(3, None, date_text="yesterday"), *broken]))
    blog.at(timedelta(hours=1))
    blog.poll()
    assert per_entry(blog.store) == Counter({(f"New on the blog: Entry 3 http://{HOST}/3/", a): 1 for a in ACCOUNTS})


def test_reordered_redated_and_edited_entries_are_not_posted_again(blog: Blog) -> None:
    old = item(1, START - timedelta(days=1))
    new = [item(2, START + timedelta(minutes=1)), item(3, START + timedelta(minutes=2))]
    no_guid = Item(None, "Linked", f"http://{HOST}/linked/", START + timedelta(minutes=3))
    blog.site.feed(rss([no_guid, *reversed(new), old]))
    blog.schedule(feed_campaign(("outbox:news",)))
    blog.at(timedelta(minutes=5))
    blog.poll()
    assert len(blog.posts()) == 3
    # the blog edits entry 2 (same guid), re-dates everything to now, reorders, and re-dates the old
    # entry forward: nothing is new
    later = START + timedelta(hours=2)
    edited = Item("post-2", "Entry 2 (updated)", f"http://{HOST}/2/", later, summary="now with photos")
    moved = Item(None, "Linked, renamed", f"http://{HOST}/linked/", later)
    blog.site.feed(rss([item(1, later), moved, item(3, later), edited]))
    blog.at(timedelta(hours=3))
    blog.poll()
    assert len(blog.posts()) == 3
    assert all(count == 1 for count in per_entry(blog.store).values())


@pytest.mark.parametrize("kind", ["404", "html", "timeout", "refused"])
def test_a_feed_that_fails_is_recorded_and_the_other_feeds_still_post(kind: str, blog: Blog) -> None:
    blog.site.feed(rss([item(1, START + timedelta(minutes=1))]))
    bad = {"404": f"http://{HOST}/gone", "html": f"http://{HOST}/page", "timeout": f"http://{HOST}/slow"}
    bad_url = bad.get(kind, "http://127.0.0.1/feed")  # refused: not a public address
    blog.site.serve("/page", b"<html><body><p>Hello</p></body></html>", "text/html")
    blog.site.serve("/slow", rss([item(2, START + timedelta(minutes=1))]), delay=2.0)
    text = feed_campaign(("outbox:news",)) + f"  - url: {bad_url}\n"
    blog.schedule(text, now=START)
    blog.at(timedelta(minutes=5))
    reader = blog.site.reader(timeout=0.5)
    results = Poller(blog.store, blog.settings.data_dir, reader=reader, clock=blog.clock).run()
    assert len(results) == 2
    assert [p.payload["text"] for p in blog.posts()] == [f"New on the blog: Entry 1 http://{HOST}/1/"]
    (problem,) = stored.problems(blog.store)
    assert problem.url == bad_url and problem.failures == 1
    expected = {
        "404": "answered 404",
        "html": "not a feed",
        "timeout": "no complete answer",
        "refused": "loopback",
    }[kind]
    assert expected in problem.error


def test_schedule_again_keeps_the_feed_posts_and_removing_the_feed_stops_it(blog: Blog) -> None:
    blog.site.feed(rss([item(1, START + timedelta(minutes=1))]))
    text = feed_campaign(("outbox:news",)) + 'posts:\n  - id: hello\n    at: "2027-02-01 09:00"\n    text: "Hi"\n'
    blog.schedule(text)
    blog.at(timedelta(minutes=5))
    blog.poll()
    (made,) = blog.posts()
    blog.schedule(text.replace("Hi", "Hello"), now=blog.clock())
    assert [p.status for p in blog.posts()] == ["pending"]  # not "removed from the file"
    without = text.split("feeds:")[0] + "posts:" + text.split("posts:")[1]
    blog.schedule(without, now=blog.clock())
    assert stored.feeds(blog.store) == [] and [p.status for p in blog.posts()] == ["pending"]
    blog.schedule(text, now=blog.clock())
    (back,) = stored.feeds(blog.store)
    assert back.first_scheduled_at == START  # its entries stay seen: nothing is posted twice
    blog.poll()
    assert [p.id for p in blog.posts()] == [made.id]


def _race(url: str, settings: Settings, site: FeedSite, rounds: int = 6) -> None:
    """Two 'daemons' (each its own store connection) poll the same feed at the same moments."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def daemon() -> None:
        own = open_store(url)
        try:
            for _round in range(rounds):
                (feed,) = stored.feeds(own)
                barrier.wait(timeout=10)
                Poller(own, settings.data_dir, reader=site.reader(), clock=lambda: START + timedelta(hours=1)).poll(
                    feed
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=daemon) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def _two_daemons(store: Store, url: str, settings: Settings, site: FeedSite, write) -> None:  # type: ignore[no-untyped-def]
    site.feed(rss([item(n, START + timedelta(minutes=n)) for n in range(1, 9)]))
    schedule_file(store, settings, write("blog.yaml", feed_campaign()), now=START)
    _race(url, settings, site)
    counts = per_entry(store)
    assert len(counts) == 8 * len(ACCOUNTS) and set(counts.values()) == {1}


def test_two_daemons_polling_one_feed_make_one_post_per_entry_and_account_sqlite(
    store: Store,
    settings: Settings,
    site: FeedSite,
    write,  # type: ignore[no-untyped-def]
) -> None:
    _two_daemons(store, settings.database_url, settings, site, write)


def test_two_daemons_polling_one_feed_make_one_post_per_entry_and_account_postgres(
    settings: Settings,
    site: FeedSite,
    write,  # type: ignore[no-untyped-def]
) -> None:
    with throwaway_postgres() as url:
        store = open_store(url)
        try:
            _two_daemons(store, url, settings, site, write)
        finally:
            store.close()


def test_only_one_daemon_takes_a_feed_s_turn(blog: Blog) -> None:
    blog.site.feed(rss([item(1, START + timedelta(minutes=1))]))
    blog.schedule(feed_campaign())
    feed = blog.feed()
    assert stored.take_turn(blog.store, feed, now=START) is True
    assert stored.take_turn(blog.store, feed, now=START) is False  # the same view of the feed: already taken
    (after,) = stored.feeds(blog.store)
    assert after.next_poll_at == START + timedelta(minutes=15)
    Poller(blog.store, blog.settings.data_dir, reader=blog.site.reader(), clock=blog.clock).run()
    assert blog.site.hits.get("/feed", 0) == 0  # not due before its period


def test_parse_keeps_entries_without_dates_and_leaves_out_those_without_id_or_link() -> None:
    body = rss([Item(None, "No link", "", None), item(1, None, date_text="nope")])
    (entry,) = parse(body)
    assert entry.title == "Entry 1" and entry.published is None
    html = '<p>Fresh <b>beans</b> &amp; pastries.</p><script>alert("x")</script><style>p {color: red}</style>'
    (entry,) = parse(rss([item(2, START, content=html)]))
    assert entry.summary == "Fresh beans & pastries."


def test_a_large_first_poll_is_spread_over_polls(blog: Blog) -> None:
    blog.site.feed(rss([item(n, START - timedelta(days=1) + timedelta(minutes=n)) for n in range(30, 0, -1)]))
    blog.schedule(feed_campaign(("outbox:news",), extra="    since: 2027-01-01\n"))
    blog.poll()
    first = [p.payload["text"] for p in blog.posts()]
    assert len(first) == 20 and first[0].startswith("New on the blog: Entry 1 ")  # oldest first
    with blog.store.session() as session:
        session.execute(update(FeedRow).values(etag=None, last_modified=None))
    blog.poll()
    assert len(blog.posts()) == 30


def test_datetime_of_first_schedule_is_the_default_since(blog: Blog) -> None:
    blog.schedule(feed_campaign())
    feed = blog.feed()
    assert feed.first_scheduled_at == START and feed.spec["since"] is None
    blog.schedule(feed_campaign() + "    since: 2027-01-05\n", now=START)
    again = blog.feed()
    assert again.first_scheduled_at == START and again.spec["since"] == "2027-01-05"
    from socialpost.feeds.poll import cutoff

    assert cutoff(again) == datetime(2027, 1, 5, 5, 0, tzinfo=UTC)  # midnight in Montreal


def test_queue_true_puts_each_entry_in_the_next_free_slot_of_each_account(blog: Blog) -> None:
    blog.schedule(QUEUED)  # Sunday 07:00 in Montreal
    blog.site.feed(rss([item(2, START + timedelta(minutes=2)), item(1, START + timedelta(minutes=1))]))
    blog.at(timedelta(minutes=5))
    blog.poll()
    with blog.store.session() as session:
        tip = {p.account: p.due_at for p in session.scalars(select(PostRow).where(PostRow.post_key == "tip"))}
    assert tip == dict.fromkeys(ACCOUNTS, datetime(2027, 1, 10, 14, 0, tzinfo=UTC))  # the file's post: 09:00 EST
    slots = {(p.payload["text"].split(" ")[1], p.account): p.due_at for p in blog.posts()}
    for account in ACCOUNTS:  # the oldest entry first, each in the next free slot, on each account
        assert slots[("1", account)] == datetime(2027, 1, 10, 17, 30, tzinfo=UTC)  # 12:30 EST
        assert slots[("2", account)] == datetime(2027, 1, 11, 14, 0, tzinfo=UTC)  # Monday 09:00 EST
    assert {p.local_time for p in blog.posts()} == {"2027-01-10T12:30:00-05:00", "2027-01-11T09:00:00-05:00"}
    # scheduling the file again keeps every slot: the feed's posts occupy theirs
    blog.schedule(QUEUED, now=blog.clock())
    assert {(p.account, p.due_at, p.status) for p in blog.posts()} == {
        (a, due, "pending") for a in ACCOUNTS for due in slots.values()
    }


def test_queue_true_without_a_queue_is_located(write) -> None:  # type: ignore[no-untyped-def]
    from socialpost.campaign.expand import expand_all
    from socialpost.campaign.load import load_campaign

    text = QUEUED.replace('queue: {days: [mon, tue, wed, thu, fri, sat, sun], at: ["09:00", "12:30"]}\n', "")
    text = text.split("posts:")[0]
    _rows, problems = expand_all(load_campaign(write("c.yaml", text)), now=START)
    (problem,) = problems
    assert "no queue for outbox:news, outbox:team" in problem.message and "at_once: true" in problem.message
    assert (problem.line, problem.column) == (7, 12)


def test_a_post_added_to_the_file_goes_round_the_feed_s_slots(blog: Blog) -> None:
    blog.schedule(QUEUED, now=START)
    blog.site.feed(rss([item(1, START + timedelta(minutes=1))]))
    blog.at(timedelta(minutes=5))
    blog.poll()
    more = QUEUED + '  - id: menu\n    text: "The winter menu is out."\n'
    blog.schedule(more, now=blog.clock())
    with blog.store.session() as session:
        menu = {p.due_at for p in session.scalars(select(PostRow).where(PostRow.post_key == "menu"))}
    assert menu == {datetime(2027, 1, 11, 14, 0, tzinfo=UTC)}  # 14:00Z the file's tip, 17:30Z the feed's entry


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_daemons_queueing_entries_never_share_a_slot(
    database: str,
    settings: Settings,
    site: FeedSite,
    write,  # type: ignore[no-untyped-def]
) -> None:
    def run(url: str) -> None:
        store = open_store(url)
        try:
            site.feed(rss([item(n, START + timedelta(minutes=n)) for n in range(1, 7)]))
            schedule_file(store, settings, write("blog.yaml", QUEUED), now=START)
            _race(url, settings, site, rounds=3)
            posts = feed_posts(store)
            assert len(posts) == 6 * len(ACCOUNTS)
            for account in ACCOUNTS:
                dues = sorted(p.due_at for p in posts if p.account == account)
                assert len(set(dues)) == 6 and dues[0] == datetime(2027, 1, 10, 17, 30, tzinfo=UTC)
        finally:
            store.close()

    if database == "sqlite":
        run(settings.database_url)
    else:
        with throwaway_postgres() as url:
            run(url)
