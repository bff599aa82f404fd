"""The daemon notices that its machine slept (the wall clock ran ahead of the monotonic clock),
says which posts came due meanwhile and what their late policy did, and `doctor` warns about it.

A real daemon with a real outbox; the wall clock is the test's FakeClock, moved by hours at once
while the monotonic clock (the real one) moves by a fraction of a second: exactly what a suspend
looks like from inside the process."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from socialpost.daemon.service import Daemon
from socialpost.daemon.sleep import THRESHOLD, SleepWatch, Slept
from socialpost.doctor import run_checks
from socialpost.settings.config import Settings
from socialpost.store import sleeps
from socialpost.store.db import Store
from socialpost.store.models import PostRow
from socialpost.store.sleeps import SleptPost
from tests.conftest import START, FakeClock
from tests.store_helpers import assert_history_consistent, events, post, seed_posts
from tests.store_helpers.daemons import wait_until


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_watch_sees_a_sleep_and_not_a_busy_loop_or_a_clock_slew() -> None:
    wall, mono = FakeClock(), FakeMonotonic()
    watch = SleepWatch(wall, mono)
    assert watch.check() is None  # the first turn: nothing to compare with
    wall.advance(seconds=0.5)
    mono.now += 0.5
    assert watch.check() is None
    wall.advance(seconds=9)  # a loaded machine: both clocks advance together
    mono.now += 9
    assert watch.check() is None
    wall.advance(seconds=0.6)  # NTP slewing the wall clock a little
    mono.now += 0.5
    assert watch.check() is None
    before = wall()
    wall.advance(hours=2, seconds=0.5)  # suspended: the monotonic clock stood still
    mono.now += 0.5
    slept = watch.check()
    assert slept == Slept(since=before, until=wall(), length=timedelta(hours=2))
    wall.advance(seconds=0.5)
    mono.now += 0.5
    assert watch.check() is None  # once
    wall.advance(seconds=THRESHOLD.total_seconds())  # just the threshold: not a sleep
    assert watch.check() is None


def test_the_daemon_says_which_posts_the_sleep_concerned_and_what_the_late_policy_did(
    store: Store, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="socialpost")
    clock = FakeClock(START)
    missed, late_but_sent = seed_posts(
        store,
        2,
        due=[START + timedelta(minutes=30), START + timedelta(minutes=55)],
        campaign="launch",
        late_else="skip",  # within 15 min, else skipped
    )
    (held,) = seed_posts(store, 1, due=START + timedelta(minutes=40), campaign="hold-me", late_else="hold")
    (later,) = seed_posts(store, 1, due=START + timedelta(hours=3), campaign="launch")
    daemon = Daemon(store, settings, daemon_id="laptop", clock=clock)
    told: list[tuple[Slept, list[SleptPost]]] = []
    daemon.on_slept.append(lambda slept, posts: told.append((slept, posts)))
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: any("started" in r.getMessage() for r in caplog.records), 10)
        clock.set(START + timedelta(hours=1))  # the lid closed at START and opened an hour later
        assert wait_until(lambda: bool(told), 10)
        assert wait_until(lambda: post(store, late_but_sent).status == "sent", 10)
    finally:
        daemon.stop()
        thread.join(timeout=15)
    assert not thread.is_alive()

    ((slept, affected),) = told
    assert timedelta(minutes=59) < slept.length <= timedelta(hours=1)
    assert [(p.post_id, p.late_policy) for p in affected] == [
        (missed, "missed"),
        (held, "held"),
        (late_but_sent, "sent-late"),
    ]
    assert post(store, missed).status == "missed" and post(store, held).status == "held"
    assert post(store, later).status == "pending"
    assert "30 min late, more than the campaign's late rule allows" in (affected[0].reason or "")

    said = [r.getMessage() for r in caplog.records if r.name == "socialpost.daemon"]
    assert any(
        line.startswith(
            (
                "this machine slept (or its clock jumped ahead) for 59 min",
                "this machine slept (or its clock jumped ahead) for 1 h",
            )
        )
        and "from 2027-01-10T12:00:00Z to 2027-01-10T13:00:00Z" in line
        for line in said
    ), said
    assert any(
        line.startswith("slept past launch/") and "missed by the late policy: 30 min late" in line for line in said
    )
    assert any("hold-me/" in line and "held by the late policy" in line for line in said)
    assert any("went out late" in line for line in said)

    # kept in the event log, for doctor and whatever tells the user
    (event,) = [e for e in events(store, missed) if e.kind == "host-slept"]
    assert json.loads(event.detail or "")["status"] == "missed"
    assert [p.post_id for p in sleeps.recent(store, since=START)] == [missed, held, late_but_sent]
    assert not [e for e in events(store, later) if e.kind == "host-slept"]
    assert_history_consistent(store)

    # doctor warns, names the posts, and suggests a machine that stays up or the service
    report = run_checks(settings, clock=lambda: START + timedelta(hours=2), date_probe=lambda _o, _t: None)
    (finding,) = [f for f in report.findings if f.check == "daemon-sleep"]
    assert finding.status == "warning"
    assert "slept past 3 due posts in the last 7 days" in finding.message
    assert "missed (late policy)" in finding.message and "held (late policy)" in finding.message
    assert "socialpost service install --system" in (finding.fix or "")
    # a week later it is old news
    report = run_checks(settings, clock=lambda: START + timedelta(days=8), date_probe=lambda _o, _t: None)
    assert not [f for f in report.findings if f.check == "daemon-sleep"]


def _slept_an_hour(store: Store) -> list[SleptPost]:
    """A sleep of laptop's daemon "d" from START to an hour later, recorded on waking."""
    return sleeps.record(
        store,
        slept_from=START,
        slept_until=START + timedelta(hours=1),
        now=START + timedelta(hours=1),
        host="laptop",
        daemon="d",
    )


def test_posts_another_daemon_sent_meanwhile_are_not_counted(store: Store) -> None:
    """Two hosts share a queue: what the other one sent on time while this one slept was not late."""
    sent_by_other, waiting = seed_posts(
        store, 2, due=[START + timedelta(minutes=10), START + timedelta(minutes=20)], campaign="shared"
    )
    with store.write() as session:
        row = session.get(PostRow, sent_by_other)
        assert row is not None
        row.status, row.sent_at = "sent", START + timedelta(minutes=10, seconds=1)
    found = _slept_an_hour(store)
    assert [p.post_id for p in found] == [waiting]


def test_a_sleep_with_no_post_due_records_nothing(store: Store, settings: Settings) -> None:
    (later,) = seed_posts(store, 1, due=START + timedelta(hours=3), campaign="launch")
    found = _slept_an_hour(store)
    assert found == []
    assert sleeps.recent(store, since=START) == []
    report = run_checks(settings, clock=lambda: START + timedelta(hours=2), date_probe=lambda _o, _t: None)
    assert not [f for f in report.findings if f.check == "daemon-sleep"]
    assert post(store, later).status == "pending"
