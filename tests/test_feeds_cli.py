"""`feeds check`, `status`, `doctor` and `validate` on campaign feeds (the blog on loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from socialpost import fetch
from socialpost.campaign.load import load_campaign
from socialpost.errors import CampaignError, ExitCode
from socialpost.feeds import Poller
from socialpost.localtime import local_text
from socialpost.settings.config import Settings
from socialpost.store import feeds as stored
from socialpost.store.db import Store
from tests.conftest import START, FakeClock
from tests.support.feed_site import FEED_URL, HOST, FeedSite, Item, rss
from tests.support.feeds import ACCOUNTS, QUEUED, Blog, feed_campaign, item
from tests.support.http import LocalServer


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedSite]:
    """The blog, reached by every fetch of the command as blog.example (its name and dial only)."""
    with LocalServer() as server:
        blog = FeedSite(server)
        server.respond(blog.respond)
        monkeypatch.setattr(fetch, "system_resolver", blog.names())
        monkeypatch.setattr(fetch, "new_backend", blog.dialler)
        yield blog


@pytest.fixture
def blog(store: Store, settings: Settings, site: FeedSite, clock: FakeClock, write) -> Blog:  # type: ignore[no-untyped-def]
    return Blog(store, settings, site, clock, write)


def test_feeds_check_shows_the_next_poll_and_changes_nothing(
    blog: Blog,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    blog.site.feed(rss([Item("n1", "Winter menu", f"http://{HOST}/menu/", START + timedelta(minutes=1))]))
    blog.schedule(feed_campaign())
    blog.at(timedelta(minutes=5))
    result = run_cli("feeds", "check", "cafe-blog")
    assert result.exit_code == 0, result.stderr
    assert f"cafe-blog  {FEED_URL}" in result.stdout
    assert "the next poll would post 1 entry" in result.stdout
    assert f"outbox:news: New on the blog: Winter menu http://{HOST}/menu/" in result.stdout
    assert blog.posts() == [] and stored.feeds(blog.store)[0].first_polled_at is None
    shown = json.loads(run_cli("feeds", "check", "--json").stdout)
    assert shown[0]["posts"][0]["texts"]["outbox:team"] == f"New on the blog: Winter menu http://{HOST}/menu/"
    blog.poll()
    after = run_cli("feeds", "check")
    assert "the next poll would post 0 entries" in after.stdout and "already posted: 1" in after.stdout


def test_feeds_check_names_a_campaign_without_feeds(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("feeds", "check", "nothing")
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "no feed in campaign 'nothing'" in result.stderr and "socialpost schedule FILE" in result.stderr


def test_a_feed_that_cannot_be_read_shows_in_status_doctor_and_check(
    blog: Blog,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    blog.schedule(feed_campaign())
    Poller(blog.store, blog.settings.data_dir, reader=blog.site.reader(), clock=blog.clock).run()  # 404: nothing served
    status = run_cli("status")
    assert "Feeds that cannot be read" in status.stdout
    assert f"cafe-blog: {FEED_URL}: the site answered 404 instead of the page." in status.stdout
    assert status.exit_code == 0  # the other posts go out: not a reason to exit 3
    assert json.loads(run_cli("status", "--json").stdout)["feeds"][0]["failures"] == 1
    doctor = run_cli("doctor")
    assert f"The feed {FEED_URL} of campaign cafe-blog could not be read" in doctor.stdout
    check = run_cli("feeds", "check")
    assert check.exit_code == 1 and "cannot be read: the site answered 404" in check.stdout


@pytest.mark.parametrize(
    ("feed", "message", "where"),
    [
        ('    template: "{title} {body}"\n', "unknown placeholder {body}", (6, 15)),
        ("    queue: true\n    at_once: true\n", "either queue: true or at_once: true", (5, 5)),
        ("    every: 1m\n", "at most every 5 minutes", (6, 12)),
        ("    since: 2027-02-30\n", "'2027-02-30' is not a date", (6, 12)),
        ("    accounts: [Mastodon]\n", "'Mastodon' is not an account", (6, 16)),
        ("    url_: x\n", "url_", (6, 5)),
    ],
)
def test_bad_feed_keys_are_located(write, feed: str, message: str, where: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    text = f"campaign: c\ntimezone: UTC\naccounts: [outbox:news]\nfeeds:\n  - url: {FEED_URL}\n{feed}"
    with pytest.raises(CampaignError) as caught:
        load_campaign(write("c.yaml", text))
    problem = caught.value.problems[0]
    assert message in problem.message, problem.message
    assert (problem.line, problem.column) == where


def test_a_campaign_needs_posts_or_feeds(write) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CampaignError) as caught:
        load_campaign(write("c.yaml", "campaign: c\ntimezone: UTC\naccounts: [outbox:news]\n"))
    assert "needs at least one post (or a feed)" in caught.value.problems[0].message
    loaded = load_campaign(
        write("f.yaml", f"campaign: c\ntimezone: UTC\naccounts: [outbox:news]\nfeeds: [{{url: {FEED_URL}}}]\n")
    )
    assert loaded.feed_specs()[0]["template"] == "{title} {link}"


def test_plan_and_schedule_say_what_feeds_they_record(write, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = write("blog.yaml", feed_campaign(extra="    since: 2027-03-01\n    every: 30m\n"))
    plan = run_cli("plan", str(path))
    assert plan.exit_code == 0, plan.stderr
    line = (
        f"feed {FEED_URL} → outbox:news, outbox:team, read every 30m, posts entries newer than 2027-03-01, "
        "each as soon as it is read (cafe-blog)."
    )
    assert line in plan.stdout
    assert line in run_cli("validate", str(path)).stdout  # validate says what it checked, too
    shown = json.loads(run_cli("plan", "--json", str(path)).stdout)
    assert shown["posts"] == []
    assert shown["feeds"] == [
        {
            "campaign": "cafe-blog",
            "url": FEED_URL,
            "accounts": ["outbox:news", "outbox:team"],
            "every_seconds": 1800,
            "since": "2027-03-01",
            "queue": False,
            "source": f"{path}:5:5",
        }
    ]
    assert json.loads(run_cli("plan", "--json", "--full", str(path)).stdout)["feeds"] == shown["feeds"]
    assert json.loads(run_cli("plan", "--json", "--empty-queue", str(path)).stdout)["feeds"] == shown["feeds"]
    queued = write("queued.yaml", feed_campaign(("outbox:news",), extra="    queue: true\n", name="queued"))
    queued_text = queued.read_text().replace("feeds:", "queue:\n  days: [mon]\n  at: ['09:00']\nfeeds:")
    queued.write_text(queued_text)
    schedule = run_cli("schedule", str(queued))
    assert schedule.exit_code == 0, schedule.stderr
    assert (
        f"feed {FEED_URL} → outbox:news, read every 15m, posts entries published after it was first "
        "scheduled, each in the next free slot of the queue (queued)."
    ) in schedule.stdout
    assert json.loads(run_cli("schedule", "--json", str(queued)).stdout)["feeds"][0]["queue"] is True


def test_validate_warns_of_a_feed_account_not_connected_at_the_feed(write, run_cli) -> None:  # type: ignore[no-untyped-def]
    own = write("own.yaml", feed_campaign(("outbox:news",), extra="    accounts: [outbox:news, mastodon:cafe]\n"))
    result = run_cli("validate", str(own))
    assert result.exit_code == 0, result.stderr
    # the feed's own accounts: the second of them, line 7 column 29
    assert f"warning [not-connected]: {own}:7:29: account 'mastodon:cafe' is not connected yet" in result.stderr
    assert result.stderr.count("[not-connected]") == 1
    inherited = write("inherited.yaml", feed_campaign(("outbox:news", "bluesky:cafe")))
    result = run_cli("validate", str(inherited))
    assert result.exit_code == 0, result.stderr
    # a feed without accounts goes to the campaign's: warned once, where the campaign names it
    assert f"warning [not-connected]: {inherited}:3:25: account 'bluesky:cafe' is not connected yet" in result.stderr
    assert result.stderr.count("[not-connected]") == 1
    # a feed's account on a network that is not installed is an error there (it was not checked at all)
    bad = write("bad.yaml", feed_campaign(("outbox:news",), extra="    accounts: [nosuch:x]\n"))
    result = run_cli("validate", str(bad))
    assert result.exit_code == ExitCode.BAD_INPUT
    assert f"{bad}:7:16: no network adapter named 'nosuch' is installed" in result.stderr


@pytest.mark.parametrize(
    ("per_slot", "expected"),
    [
        # the file's post takes Sunday 09:00; entry 1 the next free slot, 12:30; entry 2 Monday 09:00
        ("", {"1": "2027-01-10T12:30:00-05:00", "2": "2027-01-11T09:00:00-05:00"}),
        # two places a slot: entry 1 shares 09:00 with the file's post, entry 2 takes 12:30
        (", per_slot: 2", {"1": "2027-01-10T09:00:00-05:00", "2": "2027-01-10T12:30:00-05:00"}),
        # three: both entries share 09:00 with it (one slot, two of its places)
        (", per_slot: 3", {"1": "2027-01-10T09:00:00-05:00", "2": "2027-01-10T09:00:00-05:00"}),
    ],
)
def test_feeds_check_shows_the_slot_a_queued_entry_would_take_and_claims_none(
    blog: Blog,
    run_cli,  # type: ignore[no-untyped-def]
    per_slot: str,
    expected: dict[str, str],
) -> None:
    text = QUEUED.replace('"12:30"]}', f'"12:30"]{per_slot}}}')
    blog.schedule(text)  # Sunday 07:00 in Montreal
    blog.site.feed(rss([item(2, START + timedelta(minutes=2)), item(1, START + timedelta(minutes=1))]))
    blog.at(timedelta(minutes=5))
    shown = json.loads(run_cli("feeds", "check", "--json").stdout)
    slots = {post["title"].split(" ")[1]: post["slots"] for post in shown[0]["posts"]}
    assert slots == {number: dict.fromkeys(ACCOUNTS, when) for number, when in expected.items()}
    human = run_cli("feeds", "check")
    assert human.exit_code == 0, human.stderr
    first = local_text(datetime.fromisoformat(expected["1"]), ZoneInfo("America/Montreal"))  # 2027-01-10 12:30 EST
    assert f"outbox:news: Entry 1 http://{HOST}/1/\n        in the next free slot of its queue: {first}" in human.stdout
    assert human.stdout.count("in the next free slot of its queue") == 4  # 2 entries × 2 accounts
    assert blog.posts() == []  # nothing claimed: the daemon's poll then takes exactly those slots
    blog.poll()
    taken = {(p.payload["text"].split(" ")[1], p.account): p.local_time for p in blog.posts()}
    assert taken == {(number, a): when for number, when in expected.items() for a in ACCOUNTS}


def test_feeds_check_at_once_shows_no_slot(
    blog: Blog,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    blog.site.feed(rss([item(1, START + timedelta(minutes=1))]))
    blog.schedule(feed_campaign())
    blog.at(timedelta(minutes=5))
    shown = json.loads(run_cli("feeds", "check", "--json").stdout)
    assert shown[0]["posts"][0]["slots"] == {}
    assert "slot" not in run_cli("feeds", "check").stdout


def test_feeds_check_says_when_a_queued_entry_has_no_free_slot(
    blog: Blog,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    # the queue closes after Sunday: the file's post takes 09:00, entry 1 12:30, entry 2 has none
    text = QUEUED.replace('"12:30"]}', '"12:30"], except: ["2027-01-11..2999-12-31"]}')
    blog.schedule(text)
    blog.site.feed(rss([item(2, START + timedelta(minutes=2)), item(1, START + timedelta(minutes=1))]))
    blog.at(timedelta(minutes=5))
    shown = json.loads(run_cli("feeds", "check", "--json").stdout)
    slots = {post["title"].split(" ")[1]: post["slots"] for post in shown[0]["posts"]}
    assert slots == {"1": dict.fromkeys(ACCOUNTS, "2027-01-10T12:30:00-05:00"), "2": dict.fromkeys(ACCOUNTS)}
    human = run_cli("feeds", "check").stdout
    assert human.count("no free slot left in its queue: the entry waits (socialpost queue shows the slots)") == 2
