"""Rate budgets, the retry age limit and recurring late posts, inside the claim (store level)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from socialpost.campaign.expand import PlannedPost
from socialpost.daemon.dispatcher import Dispatcher
from socialpost.settings.config import DaemonSettings, Settings
from socialpost.store.claims import ClaimPolicy
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, EventRow, PostRow, RateBudgetRow, Status
from socialpost.store.queue import Queue
from socialpost.wiring import Adapters
from tests.conftest import START, FakeClock
from tests.store_helpers import assert_history_consistent, events, post, seed_posts, throwaway_postgres_store
from tests.support.http import LocalServer, Reply

LEASE = timedelta(seconds=60)


def _budget(store: Store, account: str) -> datetime | None:
    with store.session() as session:
        return session.scalar(select(RateBudgetRow.next_allowed_at).where(RateBudgetRow.account == account))


def test_rate_limited_account_waits_and_other_accounts_do_not(store: Store, clock: FakeClock) -> None:
    a_ids = seed_posts(store, 3, due=START, account="webhook:a", campaign="ca")
    b_ids = seed_posts(store, 2, due=START, account="webhook:b", campaign="cb")
    later = seed_posts(store, 1, due=START + timedelta(minutes=30), account="webhook:a", campaign="ca2")
    queue = Queue(store, "d", clock=clock)
    until = START + timedelta(minutes=10)

    assert queue.rate_limited("webhook:a", until, "webhook 'a': too many requests (429).") == 3
    assert _budget(store, "webhook:a") == until
    assert all(post(store, i).next_attempt_at == until and post(store, i).status == "pending" for i in a_ids)
    assert post(store, later[0]).next_attempt_at == START + timedelta(minutes=30)  # already later: untouched
    (deferred,) = [e for e in events(store, a_ids[0]) if e.kind == "deferred"]
    assert deferred.to_status is None and "rate limited" in (deferred.detail or "")

    assert sorted(c.id for c in queue.claim(10, LEASE)) == b_ids
    clock.set(until - timedelta(seconds=1))
    assert queue.claim(10, LEASE) == []
    # an earlier Retry-After never moves the budget backwards
    queue.rate_limited("webhook:a", START + timedelta(minutes=1), "429 again")
    assert _budget(store, "webhook:a") == until
    # 20 minutes after their time, but only 10 after the rate limit let them go: not "late"
    clock.set(until + timedelta(minutes=10))
    assert sorted(c.id for c in queue.claim(10, LEASE)) == a_ids
    assert_history_consistent(store)


def test_a_budget_in_the_future_defers_rows_found_by_the_claim(store: Store, clock: FakeClock) -> None:
    ids = seed_posts(store, 2, due=START, account="webhook:a")
    with store.write() as session:
        session.execute(
            insert(RateBudgetRow).values(
                account="webhook:a", next_allowed_at=START + timedelta(seconds=90), updated_at=START
            )
        )
    queue = Queue(store, "d", clock=clock)
    assert queue.claim(10, LEASE) == []
    assert {post(store, i).next_attempt_at for i in ids} == {START + timedelta(seconds=90)}
    clock.advance(seconds=90)
    assert len(queue.claim(10, LEASE)) == 2


def test_min_interval_paces_an_account_and_debits_its_budget(store: Store, clock: FakeClock) -> None:
    a_ids = seed_posts(store, 3, due=START, account="webhook:a", campaign="ca")
    b_ids = seed_posts(store, 3, due=START, account="webhook:b", campaign="cb")
    settings = DaemonSettings(min_interval_overrides={"webhook:a": 60})
    policy = ClaimPolicy(min_interval=settings.min_interval)
    queue = Queue(store, "d", clock=clock)

    first = queue.claim(10, LEASE, policy)
    assert sorted(c.id for c in first) == sorted([a_ids[0], *b_ids])  # b is not paced
    assert _budget(store, "webhook:a") == START + timedelta(seconds=60)
    assert [post(store, i).next_attempt_at for i in a_ids[1:]] == [
        START + timedelta(seconds=60),
        START + timedelta(seconds=120),
    ]
    clock.advance(seconds=59)
    assert queue.claim(10, LEASE, policy) == []
    clock.advance(seconds=1)
    assert [c.id for c in queue.claim(10, LEASE, policy)] == [a_ids[1]]
    clock.advance(seconds=60)
    assert [c.id for c in queue.claim(10, LEASE, policy)] == [a_ids[2]]
    assert_history_consistent(store)


def test_min_interval_resolution_account_then_network_then_default() -> None:
    settings = DaemonSettings(min_interval_seconds=5, min_interval_overrides={"mastodon": 30, "mastodon:big": 1})
    assert settings.min_interval("mastodon:big") == 1
    assert settings.min_interval("mastodon:small") == 30
    assert settings.min_interval("webhook:x") == 5
    assert DaemonSettings().min_interval("webhook:x") == 0


@pytest.fixture
def pg_store() -> Iterator[Store]:
    with throwaway_postgres_store() as opened:
        yield opened


@pytest.mark.slow
def test_pacing_holds_across_concurrent_claimers_on_postgresql(pg_store: Store, clock: FakeClock) -> None:
    seed_posts(pg_store, 40, due=START, account="webhook:a")
    policy = ClaimPolicy(min_interval=lambda _account: 60.0)
    got: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def work(name: str) -> None:
        queue = Queue(pg_store, name, clock=clock)
        barrier.wait(timeout=10)
        for _ in range(5):
            claimed = queue.claim(5, LEASE, policy)
            with lock:
                got.extend(c.id for c in claimed)

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(got) == 1, got  # one post per minute for this account, whoever claims
    assert _budget(pg_store, "webhook:a") == START + timedelta(seconds=60)
    assert_history_consistent(pg_store)


def test_429_from_the_webhook_defers_the_accounts_other_posts(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    with LocalServer() as server:
        settings.accounts = {"webhook": {"a": {"url": server.url + "/a"}, "b": {"url": server.url + "/b"}}}
        server.respond(lambda req: Reply(429, "slow down", {"Retry-After": "300"}) if req.path == "/a" else Reply(200))
        a_ids = seed_posts(store, 4, due=START, account="webhook:a", campaign="ca")
        b_ids = seed_posts(store, 2, due=START, account="webhook:b", campaign="cb")
        dispatcher = Dispatcher(
            Queue(store, "d", clock=clock), Adapters(settings, clock=clock), settings.daemon, jitter=lambda: 0.0
        )
        first = next(c for c in dispatcher.claim(1) if c.account == "webhook:a")
        assert dispatcher.deliver(first) is Status.RETRY_WAIT
        until = START + timedelta(seconds=300)
        assert _budget(store, "webhook:a") == until
        assert {post(store, i).next_attempt_at for i in a_ids} == {until}
        claimed = dispatcher.claim(10)
        assert sorted(c.id for c in claimed) == b_ids
        for item in claimed:
            assert dispatcher.deliver(item) is Status.SENT
        assert [r.path for r in server.requests] == ["/a", "/b", "/b"]


def test_retry_older_than_max_age_fails_at_claim(store: Store, clock: FakeClock) -> None:
    (post_id,) = seed_posts(store, 1, due=START)
    queue = Queue(store, "d", clock=clock)
    queue.claim(1, LEASE)
    queue.mark_retry(post_id, "500", START + timedelta(hours=2))
    clock.set(START + timedelta(hours=3))  # no daemon ran in between
    policy = ClaimPolicy(max_age=timedelta(hours=2, minutes=59))
    assert queue.claim(5, LEASE, policy) == []
    row = post(store, post_id)
    assert row.status == "failed" and "daemon.max_age (2h59m)" in (row.last_error or "")
    assert events(store, post_id)[-1].kind == "too-old"
    assert_history_consistent(store)


def test_dispatcher_fails_instead_of_retrying_beyond_max_age(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    with LocalServer() as server:
        settings.accounts = {"webhook": {"hook": {"url": server.url}}}
        settings.daemon = DaemonSettings(max_age="1h", retry_base_seconds=60)
        server.respond(Reply(503, "down", {"Retry-After": "7200"}))
        (post_id,) = seed_posts(store, 1, due=START, account="webhook:hook")
        dispatcher = Dispatcher(
            Queue(store, "d", clock=clock), Adapters(settings, clock=clock), settings.daemon, jitter=lambda: 0.0
        )
        (claimed,) = dispatcher.claim(1)
        assert dispatcher.deliver(claimed) is Status.FAILED
    row = post(store, post_id)
    assert "later than daemon.max_age (1h)" in (row.last_error or "") and "(503)" in (row.last_error or "")


def _seed_recurring(
    store: Store, occurrences: list[datetime], *, late_else: str, account: str = "outbox:news"
) -> list[int]:
    """Rows of one recurring post, as campaign expansion makes them (one per occurrence)."""
    planned = [
        PlannedPost(
            campaign="weekly",
            post_id="tip",
            occurrence=f"{when:%Y-%m-%dT%H:%M}",
            account=account,
            due_at=when,
            local_time=when,
            payload={"text": f"Tip of {when:%H:%M}"},
        )
        for when in occurrences
    ]
    with store.write() as session:
        campaign = CampaignRow(
            name="weekly",
            source_file="weekly.yaml",
            timezone="UTC",
            late_within_seconds=900,
            late_else=late_else,
            created_at=START,
            updated_at=START,
        )
        session.add(campaign)
        session.flush()
        rows = [
            PostRow(
                campaign_id=campaign.id,
                post_key=p.post_id,
                occurrence=p.occurrence,
                account=p.account,
                network=p.network,
                payload=p.payload,
                fingerprint=p.fingerprint,
                idempotency_key=p.idempotency_key,
                due_at=p.due_at,
                local_time=p.local_time.isoformat(),
                next_attempt_at=p.due_at,
                status="pending",
                attempts=0,
                created_at=START,
                updated_at=START,
            )
            for p in planned
        ]
        session.add_all(rows)
        session.flush()
        ids = [r.id for r in rows]
        session.execute(
            insert(EventRow),
            [
                {"post_id": i, "at": START, "kind": "scheduled", "from_status": None, "to_status": "pending"}
                for i in ids
            ],
        )
    return ids


@pytest.mark.parametrize(("policy", "newest"), [("post", "sending"), ("hold", "held"), ("skip", "missed")])
def test_only_the_newest_late_occurrence_of_a_recurring_post_may_go_out(
    store: Store, clock: FakeClock, policy: str, newest: str
) -> None:
    hours_ago = [START - timedelta(hours=h) for h in (3, 2, 1)]
    oldest, middle, last = _seed_recurring(store, hours_ago, late_else=policy)
    other = seed_posts(store, 1, due=START - timedelta(hours=2), late_else="post")  # not recurring: not superseded
    claimed = Queue(store, "d", clock=clock).claim(10, LEASE)
    assert sorted(c.id for c in claimed) == sorted(other + ([last] if policy == "post" else []))
    for old in (oldest, middle):
        row = post(store, old)
        assert row.status == "missed"
        assert "superseded by a newer occurrence (2027-01-10T11:00)" in (row.last_error or "")
        assert events(store, old)[-1].kind == "superseded"
    assert post(store, last).status == newest
    assert_history_consistent(store)


def test_a_late_occurrence_is_superseded_by_a_newer_one_due_within_the_window(store: Store, clock: FakeClock) -> None:
    old, recent, future = _seed_recurring(
        store, [START - timedelta(hours=1), START - timedelta(minutes=5), START + timedelta(hours=1)], late_else="post"
    )
    claimed = Queue(store, "d", clock=clock).claim(10, LEASE)
    assert [c.id for c in claimed] == [recent]
    assert post(store, old).status == "missed" and post(store, future).status == "pending"
    with store.session() as session:
        kinds = Counter(session.scalars(select(EventRow.kind)))
    assert kinds["superseded"] == 1
