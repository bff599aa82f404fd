"""Claiming: only due rows, in order, with a lease and the late policy — and never twice."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from socialpost.settings.config import Settings
from socialpost.store.claims import ClaimPolicy
from socialpost.store.db import Store, open_store
from socialpost.store.models import EventRow, PostRow, Status
from socialpost.store.queue import Queue
from tests.conftest import START, FakeClock
from tests.store_helpers import assert_history_consistent, events, post, seed_posts, throwaway_postgres
from tests.store_helpers.workers import claim_all

LEASE = timedelta(seconds=60)


def test_claim_takes_only_due_rows_in_due_order_up_to_limit(store: Store, clock: FakeClock) -> None:
    dues = [START + timedelta(minutes=m) for m in (3, -2, 0, 5, -1, 1)]
    ids = seed_posts(store, 6, due=dues)
    by_due = dict(zip(dues, ids, strict=True))
    queue = Queue(store, "daemon-a", clock=clock)

    first = queue.claim(2, LEASE)
    assert [c.id for c in first] == [by_due[START - timedelta(minutes=2)], by_due[START - timedelta(minutes=1)]]
    second = queue.claim(10, LEASE)
    assert [c.id for c in second] == [by_due[START]]  # due exactly now; the future ones wait
    assert queue.claim(10, LEASE) == []
    assert queue.next_due() == START + timedelta(minutes=1)

    row = post(store, first[0].id)
    assert (row.status, row.claimed_by, row.lease_until, row.attempts) == ("sending", "daemon-a", START + LEASE, 1)
    assert first[0].attempts == 1 and first[0].account == "outbox:news" and first[0].campaign == "bulk"
    assert first[0].idempotency_key == row.idempotency_key
    for waiting in (START + timedelta(minutes=m) for m in (1, 3, 5)):
        assert post(store, by_due[waiting]).status == "pending"
    (claimed_event,) = [e for e in events(store, first[0].id) if e.kind == "claimed"]
    assert (claimed_event.from_status, claimed_event.to_status, claimed_event.daemon) == (
        "pending",
        "sending",
        "daemon-a",
    )
    assert claimed_event.at == START
    assert queue.claim(0, LEASE) == []

    clock.advance(minutes=3)
    assert [c.id for c in queue.claim(10, LEASE)] == [by_due[START + timedelta(minutes=1)], by_due[dues[0]]]


def test_claim_takes_retry_wait_rows_when_their_next_attempt_is_due(store: Store, clock: FakeClock) -> None:
    (post_id,) = seed_posts(store, 1, due=START)
    queue = Queue(store, "d", clock=clock)
    queue.claim(1, LEASE)
    assert queue.mark_retry(post_id, "500", START + timedelta(minutes=30))
    clock.advance(minutes=29)
    assert queue.claim(5, LEASE) == []  # 29 min late, but a retry is not subject to the late policy
    clock.advance(minutes=1)
    (again,) = queue.claim(5, LEASE)
    assert (again.id, again.attempts) == (post_id, 2)
    assert [e.kind for e in events(store, post_id)] == ["scheduled", "claimed", "retry", "claimed"]


@pytest.mark.parametrize(
    ("policy", "expected", "kind"),
    [("skip", Status.MISSED, "late"), ("hold", Status.HELD, "late"), ("post", Status.SENDING, "claimed")],
)
def test_late_policy_is_applied_inside_the_claim(
    store: Store, clock: FakeClock, policy: str, expected: Status, kind: str
) -> None:
    (late_id,) = seed_posts(store, 1, due=START - timedelta(minutes=16), within_seconds=900, late_else=policy)
    queue = Queue(store, "d", clock=clock)
    claimed = queue.claim(5, LEASE)
    assert [c.id for c in claimed] == ([late_id] if policy == "post" else [])
    row = post(store, late_id)
    assert row.status == expected
    last = events(store, late_id)[-1]
    assert (last.kind, last.from_status, last.to_status) == (kind, "pending", expected.value)
    if policy != "post":
        assert row.last_error == (
            "16 min late, more than the campaign's late rule allows (15 min). Fix: to send it anyway, run "
            f"'socialpost retry bulk/{row.post_key}@outbox:news'; to allow more, change 'late:' in the campaign file"
        )
        assert row.claimed_by is None and row.attempts == 0
    assert_history_consistent(store)


def test_post_exactly_at_the_end_of_the_window_is_sent(store: Store, clock: FakeClock) -> None:
    ids = seed_posts(store, 2, due=[START - timedelta(seconds=900), START - timedelta(seconds=901)], within_seconds=900)
    claimed = Queue(store, "d", clock=clock).claim(5, LEASE)
    assert [c.id for c in claimed] == [ids[0]]
    assert post(store, ids[0]).status == "sending"
    assert post(store, ids[1]).status == "missed"


def test_a_claim_ahead_takes_posts_due_within_the_window_and_leases_them_past_it(
    store: Store, clock: FakeClock
) -> None:
    dues = [START + timedelta(milliseconds=ms) for ms in (-100, 200, 500, 501)]
    ids = seed_posts(store, 4, due=dues)
    paced = seed_posts(store, 1, due=START + timedelta(milliseconds=300), account="webhook:paced", campaign="p")
    plugin = seed_posts(store, 1, due=START + timedelta(milliseconds=300), account="pigeon:loft", campaign="q")
    policy = ClaimPolicy(
        min_interval=lambda account: 5.0 if account == "webhook:paced" else 0.0,
        ahead_ok=lambda network: network != "pigeon",  # say its adapter could not settle a dead daemon's claim
    )
    queue = Queue(store, "d", clock=clock)

    claimed = queue.claim(10, LEASE, policy, ahead=timedelta(milliseconds=500))

    assert [c.id for c in claimed] == ids[:3]  # not 501 ms ahead; not the paced account; not the plugin
    assert [c.send_at for c in claimed] == dues[:3]  # the daemon holds each until then
    for c in claimed:
        row = post(store, c.id)
        assert (row.status, row.lease_until) == ("sending", START + timedelta(milliseconds=500) + LEASE)
    assert {post(store, i).status for i in [ids[3], *paced, *plugin]} == {"pending"}
    clock.advance(milliseconds=300)
    assert {c.id for c in queue.claim(10, LEASE, policy)} == {*paced, *plugin}  # at their time
    assert_history_consistent(store)


def test_record_writes_a_batch_of_outcomes_each_with_its_own_time(store: Store, clock: FakeClock) -> None:
    ids = seed_posts(store, 4, due=START)
    queue = Queue(store, "d", clock=clock)
    queue.claim(4, LEASE)
    outcomes = []
    for i, post_id in enumerate(ids[:3]):
        clock.advance(milliseconds=10)
        outcomes.append(
            queue.sent(post_id, remote_id=f"r{i}", remote_url=None)
            if i != 1
            else queue.outcome(post_id, Status.RETRY_WAIT, "retry", "503", next_attempt_at=START + timedelta(minutes=1))
        )
    with store.write() as session:  # another daemon took the last post over
        session.execute(update(PostRow).where(PostRow.id == ids[3]).values(claimed_by="other"))
    outcomes.append(queue.outcome(ids[3], Status.FAILED, "failed", "400"))

    assert queue.record(outcomes) == [True, True, True, False]

    rows = [post(store, i) for i in ids]
    assert [r.status for r in rows] == ["sent", "retry_wait", "sent", "sending"]
    assert [r.sent_at for r in rows] == [
        START + timedelta(milliseconds=10),
        None,
        START + timedelta(milliseconds=30),
        None,
    ]
    assert rows[1].next_attempt_at == START + timedelta(minutes=1) and rows[1].last_error == "503"
    assert rows[3].claimed_by == "other"
    assert [(e.kind, e.to_status) for e in events(store, ids[3])][-1] == ("late-result", None)
    assert queue.record([]) == []
    assert_history_consistent(store)


def test_four_threads_claim_each_post_exactly_once(store: Store, clock: FakeClock) -> None:
    ids = seed_posts(store, 400, due=[START - timedelta(seconds=i % 50) for i in range(400)])
    got: dict[str, list[int]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(name: str) -> None:
        queue = Queue(store, name, clock=clock)
        mine: list[int] = []
        try:
            barrier.wait(timeout=10)
            while batch := queue.claim(7, LEASE):
                mine.extend(c.id for c in batch)
                time.sleep(0.002)  # stands in for the network call a daemon makes between claims
        except BaseException as exc:
            errors.append(exc)
        got[name] = mine

    threads = [threading.Thread(target=work, args=(f"thread-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    counts = Counter(i for mine in got.values() for i in mine)
    assert sorted(counts) == sorted(ids)
    assert set(counts.values()) == {1}
    assert sum(1 for mine in got.values() if mine) >= 2  # they really competed
    with store.session() as session:
        owners = dict(session.execute(select(PostRow.id, PostRow.claimed_by)).all())
        claimed_events = Counter(session.scalars(select(EventRow.post_id).where(EventRow.kind == "claimed")))
    assert all(owners[i] == name for name, mine in got.items() for i in mine)
    assert set(claimed_events.values()) == {1} and len(claimed_events) == 400


def _claim_in_processes(url: str, processes: int, batch: int) -> tuple[list[dict[str, Any]], float]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    children = [
        ctx.Process(target=claim_all, args=(url, f"proc-{i}", START.isoformat(), batch, barrier, results), daemon=True)
        for i in range(processes)
    ]
    started = time.perf_counter()
    for child in children:
        child.start()
    out = [results.get(timeout=45) for _ in children]
    elapsed = time.perf_counter() - started
    for child in children:
        child.join(timeout=10)
        assert child.exitcode == 0
    assert [r for r in out if "error" in r] == []
    return out, elapsed


def _assert_disjoint_union(out: list[dict[str, Any]], ids: list[int]) -> None:
    per_child = [list(r["ids"]) for r in out]
    everything = [i for mine in per_child for i in mine]
    assert len(everything) == len(set(everything)), "a post was claimed twice"
    assert sorted(everything) == sorted(ids)
    assert all(mine for mine in per_child), "a process claimed nothing: no real contention"


@pytest.mark.slow
def test_two_processes_on_one_sqlite_file_never_claim_the_same_post(
    store: Store, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = seed_posts(store, 1000, due=START - timedelta(seconds=5))
    out, elapsed = _claim_in_processes(settings.database_url, 2, 10)
    _assert_disjoint_union(out, ids)
    with store.session() as session:
        statuses = Counter(session.scalars(select(PostRow.status)))
    assert statuses == {"sending": 1000}
    busiest = max(float(r["seconds"]) for r in out)
    with capsys.disabled():
        print(
            f"\n[claim] sqlite, 2 processes: 1000 posts in {busiest:.2f}s ({1000 / busiest:.0f} posts/s), "
            f"{[len(r['ids']) for r in out]} per process; wall with spawn {elapsed:.2f}s"
        )
    assert_history_consistent(store)


@pytest.mark.slow
def test_three_processes_on_postgresql_never_claim_the_same_post(capsys: pytest.CaptureFixture[str]) -> None:
    with throwaway_postgres() as url:
        store = open_store(url)
        try:
            ids = seed_posts(store, 1000, due=START - timedelta(seconds=5))
            out, _elapsed = _claim_in_processes(url, 3, 10)
            _assert_disjoint_union(out, ids)
            with store.session() as session:
                assert Counter(session.scalars(select(PostRow.status))) == {"sending": 1000}
                per_daemon = Counter(session.scalars(select(PostRow.claimed_by)))
            assert per_daemon == {str(r["daemon"]): len(r["ids"]) for r in out}
            busiest = max(float(r["seconds"]) for r in out)
            with capsys.disabled():
                print(
                    f"\n[claim] postgresql, 3 processes: 1000 posts in {busiest:.2f}s "
                    f"({1000 / busiest:.0f} posts/s), {[len(r['ids']) for r in out]} per process"
                )
            assert_history_consistent(store)
        finally:
            store.close()


def test_take_expired_takes_only_sending_rows_whose_lease_passed(store: Store, clock: FakeClock) -> None:
    ids = seed_posts(store, 4, due=START)
    old, fresh, waiting, done = ids
    a = Queue(store, "daemon-a", clock=clock)
    b = Queue(store, "daemon-b", clock=clock)
    assert [c.id for c in a.claim(2, timedelta(seconds=30))] == [old, fresh]
    clock.advance(seconds=20)
    assert [c.id for c in b.claim(1, timedelta(seconds=30))] == [waiting]  # leased until +50s
    assert b.release(waiting, "test") and post(store, waiting).status == "pending"
    assert [c.id for c in b.claim(2, timedelta(seconds=30))] == [waiting, done]
    assert b.mark_sent(done, remote_id="x", remote_url=None)
    with store.write() as session:  # 'fresh' got a longer lease (e.g. renewed)
        session.execute(update(PostRow).where(PostRow.id == fresh).values(lease_until=START + timedelta(seconds=120)))

    clock.set(START + timedelta(seconds=30))
    assert b.take_expired(10, LEASE) == []  # lease_until == now is not expired yet
    clock.set(START + timedelta(seconds=31))
    taken = b.take_expired(10, LEASE)
    assert [c.id for c in taken] == [old]
    row = post(store, old)
    assert (row.status, row.claimed_by, row.lease_until, row.attempts) == ("sending", "daemon-b", clock() + LEASE, 1)
    last = events(store, old)[-1]
    assert (last.kind, last.from_status, last.to_status, last.daemon) == (
        "lease-expired",
        "sending",
        "sending",
        "daemon-b",
    )
    assert "daemon-a" in (last.detail or "")
    assert a.take_expired(10, LEASE) == []  # re-leased: nobody else takes it now
    # daemon-a comes back too late: its outcome is refused and noted
    assert a.mark_failed(old, "timeout") is False
    assert post(store, old).status == "sending"
    assert events(store, old)[-1].kind == "late-result"
    assert post(store, waiting).status == "sending" and post(store, done).status == "sent"
    assert_history_consistent(store)


def test_two_callers_never_take_the_same_expired_row(store: Store, clock: FakeClock) -> None:
    ids = seed_posts(store, 120, due=START)
    Queue(store, "dead", clock=clock).claim(200, timedelta(seconds=10))
    clock.advance(seconds=11)
    got: dict[str, list[int]] = {}
    barrier = threading.Barrier(2)

    def work(name: str) -> None:
        queue = Queue(store, name, clock=clock)
        mine: list[int] = []
        barrier.wait(timeout=10)
        while batch := queue.take_expired(5, LEASE):
            mine.extend(c.id for c in batch)
        got[name] = mine

    threads = [threading.Thread(target=work, args=(n,)) for n in ("reaper-1", "reaper-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    everything = got["reaper-1"] + got["reaper-2"]
    assert sorted(everything) == ids and len(set(everything)) == len(everything)


def test_release_gives_a_first_attempt_back_to_pending_and_a_retry_back_to_retry_wait(
    store: Store, clock: FakeClock
) -> None:
    first, retried = seed_posts(store, 2, due=START)  # late policy: 15m then skip
    queue = Queue(store, "d", clock=clock)
    queue.claim(2, LEASE)
    queue.mark_retry(retried, "503", START + timedelta(minutes=20))
    assert queue.release(first, "daemon stopping before sending")
    row = post(store, first)
    assert (row.status, row.attempts, row.claimed_by, row.lease_until) == ("pending", 0, None, None)
    clock.set(START + timedelta(minutes=20))
    assert [c.id for c in queue.claim(5, LEASE)] == [retried]
    assert post(store, first).status == "missed"  # a released first attempt is judged as late
    assert queue.release(retried, "daemon stopping before sending")
    row = post(store, retried)
    assert (row.status, row.attempts, row.next_attempt_at) == ("retry_wait", 1, START + timedelta(minutes=20))
    # 20 minutes after its due time, but a retry is not judged by the late policy: it is claimed
    assert [c.id for c in queue.claim(5, LEASE)] == [retried]
    assert [e.kind for e in events(store, retried)][-2:] == ["released", "claimed"]
    assert queue.release(retried, "again") and not queue.release(retried, "twice")
    assert_history_consistent(store)
