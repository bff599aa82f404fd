"""The dispatcher's policy, with the real outbox and webhook adapters (a real local HTTP server)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from socialpost.daemon.dispatcher import Dispatcher
from socialpost.errors import TransientError
from socialpost.networks.base import AccountSettings, AdapterContext, Network, NotSent, OutgoingPost, Published
from socialpost.settings.config import DaemonSettings, Settings
from socialpost.store.claims import Claimed
from socialpost.store.db import Store
from socialpost.store.models import Status
from socialpost.store.queue import Queue
from socialpost.wiring import Adapters
from tests.conftest import START, FakeClock
from tests.store_helpers import assert_history_consistent, events, post, seed_posts
from tests.support.http import LocalServer, Reply

BASE = 60.0  # retry_base_seconds in these tests


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture
def hooked(settings: Settings, server: LocalServer) -> Settings:
    settings.accounts = {"webhook": {"hook": {"url": server.url + "/hook", "timeout": 0.3}}}
    settings.daemon = DaemonSettings(lease_seconds=30, retry_base_seconds=BASE, max_attempts=3, poll_seconds=0.2)
    return settings


def _dispatcher(
    store: Store, settings: Settings, clock: FakeClock, jitter: float = 0.0, name: str = "d1"
) -> Dispatcher:
    return Dispatcher(
        Queue(store, name, clock=clock), Adapters(settings, clock=clock), settings.daemon, jitter=lambda: jitter
    )


def _claim_one(dispatcher: Dispatcher) -> Claimed:
    (claimed,) = dispatcher.claim(5)
    return claimed


def test_outbox_success_is_sent_with_the_file_url(store: Store, settings: Settings, clock: FakeClock) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="outbox:news")
    dispatcher = _dispatcher(store, settings, clock)
    claimed = _claim_one(dispatcher)
    assert dispatcher.deliver(claimed) is Status.SENT
    row = post(store, post_id)
    files = list((settings.data_dir / "outbox" / "news" / "posts").glob("*.json"))
    assert len(files) == 1
    assert row.status == "sent" and row.remote_url == files[0].resolve().as_uri()
    assert row.remote_id == files[0].name and row.sent_at == START and row.lease_until is None
    document = json.loads(files[0].read_text())
    assert document["idempotency_key"] == claimed.idempotency_key and document["published_at"] == "2027-01-10T12:00:00Z"
    assert [e.kind for e in events(store, post_id)] == ["scheduled", "claimed", "sent"]
    assert_history_consistent(store)


@pytest.mark.parametrize(("jitter", "wait"), [(0.0, BASE / 2), (1.0, BASE)])
def test_webhook_500_waits_in_the_backoff_window_then_sends(
    store: Store, hooked: Settings, clock: FakeClock, server: LocalServer, jitter: float, wait: float
) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="webhook:hook")
    server.respond([Reply(500, "upstream down"), Reply(200, {"id": "r-1", "url": "https://example.test/r-1"})])
    dispatcher = _dispatcher(store, hooked, clock, jitter=jitter)
    assert dispatcher.deliver(_claim_one(dispatcher)) is Status.RETRY_WAIT
    row = post(store, post_id)
    assert (row.status, row.attempts, row.lease_until) == ("retry_wait", 1, None)
    assert row.next_attempt_at == START + timedelta(seconds=wait)
    assert "(500)" in (row.last_error or "") and "upstream down" in (row.last_error or "")

    clock.advance(seconds=wait - 1)
    assert dispatcher.claim(5) == []
    clock.advance(seconds=1)
    second = _claim_one(dispatcher)
    assert second.attempts == 2
    assert dispatcher.deliver(second) is Status.SENT
    row = post(store, post_id)
    assert (row.status, row.remote_id, row.remote_url, row.last_error) == (
        "sent",
        "r-1",
        "https://example.test/r-1",
        None,
    )
    keys = [r.headers["Idempotency-Key"] for r in server.requests]
    assert keys == [second.idempotency_key] * 2
    assert [e.kind for e in events(store, post_id)] == ["scheduled", "claimed", "retry", "claimed", "sent"]
    assert_history_consistent(store)


def test_backoff_doubles_and_is_capped(store: Store, hooked: Settings, clock: FakeClock) -> None:
    hooked.daemon = DaemonSettings(retry_base_seconds=30, retry_max_seconds=100)
    low = _dispatcher(store, hooked, clock, jitter=0.0)
    high = _dispatcher(store, hooked, clock, jitter=1.0)
    assert [(low.backoff(n, None) - START).total_seconds() for n in (1, 2, 3, 4)] == [15, 30, 50, 50]
    assert [(high.backoff(n, None) - START).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    assert high.backoff(1, START + timedelta(hours=1)) == START + timedelta(hours=1)


def test_webhook_429_honours_retry_after(store: Store, hooked: Settings, clock: FakeClock, server: LocalServer) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="webhook:hook")
    server.respond(Reply(429, "slow down", headers={"Retry-After": "600"}))
    dispatcher = _dispatcher(store, hooked, clock, jitter=1.0)
    assert dispatcher.deliver(_claim_one(dispatcher)) is Status.RETRY_WAIT
    row = post(store, post_id)
    assert row.status == "retry_wait"
    assert row.next_attempt_at >= START + timedelta(seconds=600)
    assert row.next_attempt_at == START + timedelta(seconds=600)  # the backoff (60 s) is shorter
    assert "429" in (row.last_error or "") and "10m" in (row.last_error or "")
    clock.advance(seconds=599)
    assert dispatcher.claim(5) == []


def test_webhook_400_fails_with_the_receivers_message(
    store: Store, hooked: Settings, clock: FakeClock, server: LocalServer
) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="webhook:hook")
    server.respond(Reply(400, {"error": "text must not mention competitors"}))
    dispatcher = _dispatcher(store, hooked, clock)
    assert dispatcher.deliver(_claim_one(dispatcher)) is Status.FAILED
    row = post(store, post_id)
    assert row.status == "failed" and row.attempts == 1
    assert "(400)" in (row.last_error or "")
    assert "text must not mention competitors" in (row.last_error or "")
    assert server.url not in (row.last_error or "")  # the URL may hold a token
    assert len(server.requests) == 1
    assert_history_consistent(store)


def test_gives_up_after_max_attempts(store: Store, hooked: Settings, clock: FakeClock, server: LocalServer) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="webhook:hook")
    server.respond(Reply(503, "maintenance"))
    dispatcher = _dispatcher(store, hooked, clock, jitter=0.0)
    outcomes = []
    for _ in range(3):
        outcomes.append(dispatcher.deliver(_claim_one(dispatcher)))
        clock.advance(hours=1)
    assert outcomes == [Status.RETRY_WAIT, Status.RETRY_WAIT, Status.FAILED]
    row = post(store, post_id)
    assert row.status == "failed" and row.attempts == 3
    assert (row.last_error or "").startswith("gave up after 3 attempts. Last error:")
    assert "(503)" in (row.last_error or "")
    assert len(server.requests) == 3
    assert dispatcher.claim(5) == []


def test_read_timeout_retries_with_the_same_idempotency_key(
    store: Store, hooked: Settings, clock: FakeClock, server: LocalServer
) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="webhook:hook")
    server.respond([Reply(200, {"id": "late"}, delay=0.8), Reply(200, {"id": "r-2"})])
    dispatcher = _dispatcher(store, hooked, clock, jitter=0.0)
    first = _claim_one(dispatcher)
    assert dispatcher.deliver(first) is Status.RETRY_WAIT  # the webhook is idempotent: safe to retry
    row = post(store, post_id)
    assert "no answer within 0.3 s" in (row.last_error or "")
    clock.advance(seconds=BASE)
    assert dispatcher.deliver(_claim_one(dispatcher)) is Status.SENT
    assert post(store, post_id).remote_id == "r-2"
    assert [r.headers["Idempotency-Key"] for r in server.requests] == [first.idempotency_key] * 2
    assert [r.json["idempotency_key"] for r in server.requests] == [first.idempotency_key] * 2


def test_an_account_not_set_up_holds_its_post_until_it_is_connected(
    store: Store, hooked: Settings, clock: FakeClock, server: LocalServer
) -> None:
    """A post whose account is not in the config (retried by hand before it was connected, or the
    account removed) is held with the set-up command, not failed: nothing was sent, and it goes
    back in the queue once the account is connected."""
    from socialpost.store import connect

    (post_id,) = seed_posts(store, 1, due=START, account="webhook:nowhere")
    dispatcher = _dispatcher(store, hooked, clock)
    assert dispatcher.deliver(_claim_one(dispatcher)) is Status.HELD
    row = post(store, post_id)
    assert (row.status, row.claimed_by) == ("held", None)
    assert "account webhook:nowhere is not connected: run 'socialpost accounts add webhook nowhere'" in (
        row.last_error or ""
    )
    assert server.requests == []
    assert connect.release(store, dispatcher.adapters.connected, now=clock()) == []  # still not connected
    hooked.accounts["webhook"]["nowhere"] = {"url": server.url + "/hook"}
    assert connect.release(store, dispatcher.adapters.connected, now=clock()) == [
        connect.Released("webhook:nowhere", 1)
    ]
    assert post(store, post_id).status == "pending"
    assert dispatcher.deliver(_claim_one(dispatcher)) is Status.SENT
    assert len(server.requests) == 1
    assert [e.kind for e in events(store, post_id)] == [
        "scheduled",
        "claimed",
        "not-connected",
        "released",
        "claimed",
        "sent",
    ]


class _Fake(Network):
    """A test double for the dispatcher's policy (not a network test)."""

    name = "fake"
    title = "Fake"
    needs_config = False

    def __init__(self, behaviour: str, *, idempotent: bool = False) -> None:
        super().__init__(account="fake:x", settings=AccountSettings(), context=AdapterContext(Path("."), Path(".")))
        self.behaviour = behaviour
        self.profile = dataclasses.replace(type(self).profile, idempotent=idempotent)  # type: ignore[misc]
        self.calls: list[str] = []

    def publish(self, post: OutgoingPost) -> Published:
        self.calls.append(post.key)
        if self.behaviour == "bug":
            raise KeyError("remote_id")
        if self.behaviour == "read-timeout":
            raise TransientError("fake: no answer within 10 s.", request_sent=True)
        if self.behaviour == "noted":
            return Published("f-1", "https://fake.test/f-1", note="no link card: 10.0.0.1 is not a public address")
        return Published("f-1", "https://fake.test/f-1")


def _with_fake(store: Store, settings: Settings, clock: FakeClock, fake: _Fake) -> Dispatcher:
    dispatcher = _dispatcher(store, settings, clock)
    dispatcher.adapters._instances["fake:x"] = fake
    return dispatcher


def test_unexpected_adapter_exception_is_unknown(store: Store, settings: Settings, clock: FakeClock) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="fake:x")
    dispatcher = _with_fake(store, settings, clock, _Fake("bug"))
    assert dispatcher.deliver(_claim_one(dispatcher)) is Status.UNKNOWN
    row = post(store, post_id)
    assert row.status == "unknown"
    assert "KeyError" in (row.last_error or "") and "may or may not be online" in (row.last_error or "")
    assert dispatcher.claim(5) == []  # never re-sent blindly


def test_what_the_adapter_notes_about_a_sent_post_is_in_its_sent_event(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="fake:x")
    dispatcher = _with_fake(store, settings, clock, _Fake("noted"))
    assert dispatcher.deliver(_claim_one(dispatcher)) is Status.SENT
    (sent,) = [e for e in events(store, post_id) if e.kind == "sent"]
    assert sent.detail == "no link card: 10.0.0.1 is not a public address"
    assert post(store, post_id).remote_url == "https://fake.test/f-1"


def test_timeout_on_a_non_idempotent_network_is_unknown(store: Store, settings: Settings, clock: FakeClock) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="fake:x")
    fake = _Fake("read-timeout")
    dispatcher = _with_fake(store, settings, clock, fake)
    assert dispatcher.deliver(_claim_one(dispatcher)) is Status.UNKNOWN
    assert "socialpost resolve" in (post(store, post_id).last_error or "")
    assert len(fake.calls) == 1


def _expire(dispatcher: Dispatcher, clock: FakeClock, *, reaper: str = "reaper") -> tuple[Dispatcher, Claimed]:
    """The claiming daemon 'died': move past its lease and let another daemon take over."""
    clock.advance(seconds=dispatcher.settings.lease_seconds + 1)
    other = Dispatcher(Queue(dispatcher.queue.store, reaper, clock=clock), dispatcher.adapters, dispatcher.settings)
    (taken,) = other.queue.take_expired(5, other.lease)
    return other, taken


def test_reconcile_outbox_file_missing_goes_back_to_pending(store: Store, settings: Settings, clock: FakeClock) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="outbox:news")
    dispatcher = _dispatcher(store, settings, clock)
    _claim_one(dispatcher)  # then the daemon dies before publishing
    reaper, taken = _expire(dispatcher, clock)
    assert reaper.reconcile(taken) is Status.PENDING
    row = post(store, post_id)
    assert (row.status, row.next_attempt_at, row.claimed_by) == ("pending", clock(), None)
    last = events(store, post_id)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("not-sent", "sending", "pending")
    assert "is not in the outbox" in (last.detail or "")
    assert not (settings.data_dir / "outbox" / "news" / "posts").exists() or not list(
        (settings.data_dir / "outbox" / "news" / "posts").glob("*.json")
    )
    # it goes out at the next claim (31 s late: within the late window)
    assert reaper.deliver(_claim_one(reaper)) is Status.SENT
    assert_history_consistent(store)


def test_reconcile_outbox_file_present_is_sent(store: Store, settings: Settings, clock: FakeClock) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="outbox:news")
    dispatcher = _dispatcher(store, settings, clock)
    claimed = _claim_one(dispatcher)
    published = dispatcher.adapters.get("outbox:news").publish(
        OutgoingPost.from_payload(
            key=claimed.idempotency_key,
            campaign=claimed.campaign,
            post_id=claimed.post_key,
            account=claimed.account,
            due_at=claimed.due_at,
            payload=claimed.payload,
        )
    )  # ... and the daemon dies before recording it
    reaper, taken = _expire(dispatcher, clock)
    assert reaper.reconcile(taken) is Status.SENT
    row = post(store, post_id)
    assert (row.status, row.remote_url) == ("sent", published.url)
    last = events(store, post_id)[-1]
    assert (last.kind, last.detail, last.daemon) == ("sent", "found on the network by reconciliation", "reaper")
    assert len(list((settings.data_dir / "outbox" / "news" / "posts").glob("*.json"))) == 1


def test_reconcile_webhook_resends_with_the_same_key(
    store: Store, hooked: Settings, clock: FakeClock, server: LocalServer
) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="webhook:hook")
    dispatcher = _dispatcher(store, hooked, clock)
    claimed = _claim_one(dispatcher)
    reaper, taken = _expire(dispatcher, clock)
    assert reaper.reconcile(taken) is Status.SENT
    assert [r.headers["Idempotency-Key"] for r in server.requests] == [claimed.idempotency_key]
    assert post(store, post_id).status == "sent"


def test_reconcile_non_idempotent_undecidable_is_unknown_and_asks_to_resolve(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="fake:x")
    fake = _Fake("ok")
    dispatcher = _with_fake(store, settings, clock, fake)
    _claim_one(dispatcher)
    reaper, taken = _expire(dispatcher, clock)
    assert reaper.reconcile(taken) is Status.UNKNOWN
    row = post(store, post_id)
    assert row.status == "unknown"
    assert "run 'socialpost resolve'" in (row.last_error or "") and "fake:x" in (row.last_error or "")
    assert fake.calls == []  # never re-sent blindly
    assert_history_consistent(store)


def test_mark_sent_settles_a_post_another_daemon_marked_unknown(store: Store, clock: FakeClock) -> None:
    (post_id,) = seed_posts(store, 1, due=START)
    slow = Queue(store, "slow", clock=clock)
    slow.claim(1, timedelta(seconds=30))
    clock.advance(seconds=31)
    reaper = Queue(store, "reaper", clock=clock)
    reaper.take_expired(1, timedelta(seconds=30))
    assert reaper.mark_unknown(post_id, "could not tell")
    assert post(store, post_id).status == "unknown"
    # the slow daemon's answer finally arrives: the post is online
    assert slow.mark_sent(post_id, remote_id="r-9", remote_url="https://example.test/r-9")
    row = post(store, post_id)
    assert (row.status, row.remote_id, row.last_error) == ("sent", "r-9", None)
    last = events(store, post_id)[-1]
    assert (last.kind, last.from_status, last.to_status, last.daemon) == ("sent", "unknown", "sent", "slow")
    assert_history_consistent(store)


def test_mark_sent_after_a_wrong_requeue_prevents_a_second_post(store: Store, clock: FakeClock) -> None:
    (post_id,) = seed_posts(store, 1, due=START)
    slow = Queue(store, "slow", clock=clock)
    slow.claim(1, timedelta(seconds=30))
    clock.advance(seconds=31)
    reaper = Queue(store, "reaper", clock=clock)
    reaper.take_expired(1, timedelta(seconds=30))
    assert reaper.requeue(post_id, "not found")
    assert slow.mark_sent(post_id, remote_id="r", remote_url=None)
    assert post(store, post_id).status == "sent"
    assert reaper.claim(5, timedelta(seconds=30)) == []
    assert_history_consistent(store)


def test_finish_with_a_lost_lease_changes_nothing_and_logs_a_late_result(store: Store, clock: FakeClock) -> None:
    (post_id,) = seed_posts(store, 1, due=START)
    slow = Queue(store, "slow", clock=clock)
    slow.claim(1, timedelta(seconds=30))
    clock.advance(seconds=31)
    reaper = Queue(store, "reaper", clock=clock)
    reaper.take_expired(1, timedelta(seconds=30))
    before = post(store, post_id)
    outcomes: tuple[Callable[[], bool], ...] = (
        lambda: slow.mark_retry(post_id, "500", clock() + timedelta(minutes=1)),
        lambda: slow.mark_failed(post_id, "400"),
        lambda: slow.mark_unknown(post_id, "?"),
        lambda: slow.release(post_id, "stopping"),
    )
    for outcome in outcomes:
        assert outcome() is False
    after = post(store, post_id)
    assert (after.status, after.claimed_by, after.lease_until, after.updated_at, after.last_error) == (
        before.status,
        "reaper",
        before.lease_until,
        before.updated_at,
        None,
    )
    notes = [e for e in events(store, post_id) if e.kind == "late-result"]
    assert [(n.daemon, n.to_status, n.detail) for n in notes] == [
        ("slow", None, "retry: 500"),
        ("slow", None, "failed: 400"),
        ("slow", None, "unknown: ?"),
    ]
    assert all(n.from_status == "sending" for n in notes)
    assert_history_consistent(store)


class _Findable(_Fake):
    """A non-idempotent network that can look for a post (like X, Facebook, LinkedIn orgs)."""

    def __init__(self, behaviour: str, *, online: bool) -> None:
        super().__init__(behaviour)
        self.online = online
        self.looked = 0

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        self.looked += 1
        return Published("f-9", "https://fake.test/f-9") if self.online else NotSent("not among recent posts")


@pytest.mark.parametrize(("online", "settled"), [(True, "sent"), (False, "pending")])
def test_unseen_outcome_on_a_searchable_network_is_reconciled_later_not_marked_unknown(
    store: Store, settings: Settings, clock: FakeClock, online: bool, settled: str
) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="fake:x")
    fake = _Findable("read-timeout", online=online)
    dispatcher = _with_fake(store, settings, clock, fake)
    assert dispatcher.deliver(_claim_one(dispatcher)) is Status.SENDING
    row = post(store, post_id)
    assert row.status == "sending" and fake.looked == 0  # not looked for at once: the network may lag
    assert row.lease_until == clock() + timedelta(seconds=60)
    clock.advance(seconds=30)
    assert dispatcher.queue.take_expired(5, dispatcher.lease) == []  # not yet
    clock.advance(seconds=31)
    (taken,) = dispatcher.queue.take_expired(5, dispatcher.lease)
    assert dispatcher.reconcile(taken).value == settled
    assert post(store, post_id).status == settled and fake.looked == 1
    assert len(fake.calls) == 1  # published once; a resend only ever follows a proven absence
    assert_history_consistent(store)


def test_only_networks_that_honour_the_key_are_claimed_ahead(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    """A held post of a daemon that dies is resent with its key; a network that can only look posts
    up (sometimes not at all: a LinkedIn member) would leave a never-sent post unknown."""
    dispatcher = _dispatcher(store, settings, clock)
    assert [dispatcher.recoverable(n) for n in ("webhook", "outbox", "mastodon", "bluesky", "youtube")] == [True] * 5
    assert [dispatcher.recoverable(n) for n in ("x", "facebook", "linkedin", "no-such")] == [False] * 4
    assert dispatcher.policy.ahead_ok("linkedin") is False
