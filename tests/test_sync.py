"""`schedule` is idempotent: re-running a file changes only what the file changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from socialpost import scheduling
from socialpost.campaign.expand import fingerprint
from socialpost.errors import CampaignError
from socialpost.settings.config import Settings
from socialpost.store import transitions
from socialpost.store.db import Store, open_store
from socialpost.store.models import CampaignRow, EventRow, PostRow, Status
from socialpost.store.queue import Queue
from tests.conftest import START, FakeClock
from tests.store_helpers import (
    assert_history_consistent,
    campaign_yaml,
    events,
    posts_by_key,
    schedule_file,
    throwaway_postgres,
)

POSTS = [
    ("teaser", "2027-01-11 09:00", "Something is brewing"),
    ("announce", "2027-01-12 11:30", "The roastery opens Saturday"),
    ("thanks", "2027-01-13 18:00", "Thank you all"),
]
ACCOUNTS = ("outbox:news", "outbox:team")


Campaign = Callable[..., Path]


@pytest.fixture
def campaign(write: Callable[[str, str], Path]) -> Campaign:
    """campaign(posts) → the campaign file ``launch.yaml`` with these posts, to both accounts."""

    def _campaign(posts: list[tuple[str, str, str]] = POSTS) -> Path:
        return write("launch.yaml", campaign_yaml(posts, accounts=ACCOUNTS))

    return _campaign


def _event_count(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(EventRow)) or 0


def _snapshot(store: Store) -> dict[str, tuple[object, ...]]:
    return {
        key: (r.status, r.fingerprint, r.updated_at, r.due_at, r.attempts, r.payload)
        for key, r in posts_by_key(store).items()
    }


def test_first_schedule_creates_every_row_with_a_scheduled_event(
    store: Store, settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    plan = schedule_file(store, settings, campaign(), now=clock())
    assert [(i.action, i.post_id, i.account) for i in plan.items] == [
        ("create", p, a) for p, _at, _t in POSTS for a in ACCOUNTS
    ]
    rows = posts_by_key(store)
    assert len(rows) == 6
    teaser = rows["teaser@outbox:news"]
    assert teaser.status == Status.PENDING
    assert teaser.due_at == START.replace(day=11, hour=9)
    assert teaser.next_attempt_at == teaser.due_at
    assert teaser.source.endswith("launch.yaml:6:5")
    assert teaser.idempotency_key != rows["teaser@outbox:team"].idempotency_key
    kinds = [(e.kind, e.from_status, e.to_status) for e in events(store, teaser.id)]
    assert kinds == [("scheduled", None, "pending")]
    assert_history_consistent(store)


def test_same_file_twice_is_unchanged_and_writes_nothing(
    store: Store, settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    path = campaign()
    schedule_file(store, settings, path, now=clock())
    before, count = _snapshot(store), _event_count(store)
    with store.session() as session:
        campaign_updated = session.scalar(select(CampaignRow.updated_at))
    clock.advance(minutes=5)
    plan = schedule_file(store, settings, path, now=clock())
    assert {i.action for i in plan.items} == {"unchanged"}
    assert len(plan.items) == 6
    assert plan.warnings == []
    assert _event_count(store) == count
    assert _snapshot(store) == before  # same updated_at: no UPDATE was issued
    with store.session() as session:
        assert session.scalar(select(CampaignRow.updated_at)) == campaign_updated


def test_edited_pending_post_is_updated_with_an_event(
    store: Store, settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    schedule_file(store, settings, campaign(), now=clock())
    before = posts_by_key(store)
    clock.advance(minutes=1)
    edited = [
        ("teaser", "2027-01-11 09:00", "Something NEW is brewing"),
        POSTS[1],
        ("thanks", "2027-01-13 19:15", POSTS[2][2]),
    ]
    plan = schedule_file(store, settings, campaign(edited), now=clock())
    actions = {(i.post_id, i.account): i.action for i in plan.items}
    assert actions[("teaser", "outbox:news")] == "update"
    assert actions[("thanks", "outbox:team")] == "update"
    assert actions[("announce", "outbox:news")] == "unchanged"
    after = posts_by_key(store)
    teaser, old = after["teaser@outbox:news"], before["teaser@outbox:news"]
    assert teaser.payload == {"text": "Something NEW is brewing"}
    assert teaser.fingerprint != old.fingerprint
    assert teaser.updated_at == clock() and teaser.id == old.id
    thanks = after["thanks@outbox:news"]
    assert thanks.due_at == START.replace(day=13, hour=19, minute=15) == thanks.next_attempt_at
    assert after["announce@outbox:news"].updated_at == before["announce@outbox:news"].updated_at
    kinds = [(e.kind, e.from_status, e.to_status) for e in events(store, teaser.id)]
    assert kinds == [("scheduled", None, "pending"), ("updated", "pending", "pending")]
    assert "due 2027-01-13T19:15:00Z" in (events(store, thanks.id)[-1].detail or "")
    assert_history_consistent(store)


def test_removed_post_is_cancelled(store: Store, settings: Settings, campaign: Campaign, clock: FakeClock) -> None:
    schedule_file(store, settings, campaign(), now=clock())
    plan = schedule_file(store, settings, campaign(POSTS[:2]), now=clock())
    cancelled = [(i.post_id, i.account) for i in plan.items if i.action == "cancel"]
    assert cancelled == [("thanks", "outbox:news"), ("thanks", "outbox:team")]
    rows = posts_by_key(store)
    assert rows["thanks@outbox:news"].status == Status.CANCELLED
    assert rows["teaser@outbox:news"].status == Status.PENDING
    last = events(store, rows["thanks@outbox:news"].id)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("cancelled", "pending", "cancelled")
    # running the shortened file again leaves the cancelled rows alone
    again = schedule_file(store, settings, campaign(POSTS[:2]), now=clock())
    assert {i.action for i in again.items} == {"unchanged"}
    assert_history_consistent(store)


def test_sent_post_edited_is_not_touched_and_warns(
    store: Store, settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    schedule_file(store, settings, campaign(), now=clock())
    teaser = posts_by_key(store)["teaser@outbox:news"]
    clock.set(teaser.due_at)
    queue = Queue(store, "d1", clock=clock)
    claimed = queue.claim(1, timedelta(seconds=60))
    assert [c.id for c in claimed] == [teaser.id]
    assert queue.mark_sent(teaser.id, remote_id="r1", remote_url="file:///r1")
    sent = posts_by_key(store)["teaser@outbox:news"]
    count = _event_count(store)

    clock.advance(minutes=1)
    edited = [("teaser", "2027-01-11 09:00", "A different text"), *POSTS[1:]]
    plan = schedule_file(store, settings, campaign(edited), now=clock())
    item = next(i for i in plan.items if (i.post_id, i.account) == ("teaser", "outbox:news"))
    assert item.action == "unchanged" and item.status == "sent"
    warnings = [w for w in plan.warnings if w.rule == "already-sent"]
    assert len(warnings) == 1
    assert warnings[0].location().endswith("launch.yaml:6:5")
    assert "already sent" in warnings[0].message and "outbox:news" in warnings[0].message
    after = posts_by_key(store)["teaser@outbox:news"]
    assert (after.payload, after.fingerprint, after.updated_at, after.status, after.remote_url) == (
        sent.payload,
        sent.fingerprint,
        sent.updated_at,
        "sent",
        "file:///r1",
    )
    # the other account's (pending) teaser is updated
    assert posts_by_key(store)["teaser@outbox:team"].payload == {"text": "A different text"}
    assert _event_count(store) == count + 1
    # and removing a sent post from the file does not cancel it
    plan = schedule_file(store, settings, campaign(POSTS[1:]), now=clock())
    item = next(i for i in plan.items if (i.post_id, i.account) == ("teaser", "outbox:news"))
    assert item.action == "unchanged"
    assert posts_by_key(store)["teaser@outbox:news"].status == "sent"
    assert_history_consistent(store)


def test_cancelled_post_put_back_is_pending_again(
    store: Store, settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    schedule_file(store, settings, campaign(), now=clock())
    schedule_file(store, settings, campaign(POSTS[:2]), now=clock())
    row_id = posts_by_key(store)["thanks@outbox:news"].id
    plan = schedule_file(store, settings, campaign(), now=clock())
    item = next(i for i in plan.items if (i.post_id, i.account) == ("thanks", "outbox:news"))
    assert (item.action, item.status, item.row_id) == ("create", "cancelled", row_id)
    row = posts_by_key(store)["thanks@outbox:news"]
    assert row.id == row_id and row.status == Status.PENDING and row.attempts == 0
    last = events(store, row_id)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("requeued", "cancelled", "pending")
    assert_history_consistent(store)


def test_failed_post_edited_goes_back_to_pending_with_attempts_reset(
    store: Store, settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    schedule_file(store, settings, campaign(), now=clock())
    teaser = posts_by_key(store)["teaser@outbox:news"]
    clock.set(teaser.due_at)
    queue = Queue(store, "d1", clock=clock)
    assert [c.id for c in queue.claim(1, timedelta(seconds=60))] == [teaser.id]
    assert queue.mark_failed(teaser.id, "the network said no")
    failed = posts_by_key(store)["teaser@outbox:news"]
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "the network said no")

    # unchanged file: a failed post stays failed
    plan = schedule_file(store, settings, campaign(), now=clock())
    assert next(i for i in plan.items if i.row_id == teaser.id).action == "unchanged"
    assert posts_by_key(store)["teaser@outbox:news"].status == "failed"

    edited = [("teaser", "2027-01-11 10:00", "Fixed text"), *POSTS[1:]]
    plan = schedule_file(store, settings, campaign(edited), now=clock())
    assert next(i for i in plan.items if i.row_id == teaser.id).action == "update"
    row = posts_by_key(store)["teaser@outbox:news"]
    assert (row.status, row.attempts, row.last_error, row.claimed_by, row.lease_until) == (
        "pending",
        0,
        None,
        None,
        None,
    )
    assert row.next_attempt_at == START.replace(day=11, hour=10)
    last = events(store, teaser.id)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("requeued", "failed", "pending")
    assert_history_consistent(store)


def test_new_post_in_the_past_is_an_error_with_its_position(
    store: Store, settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    posts = [POSTS[0], ("oops", "2027-01-10 11:00", "Too late")]
    path = campaign(posts)
    with pytest.raises(CampaignError) as caught:
        schedule_file(store, settings, path, now=clock())
    problems = caught.value.problems
    assert [p.location() for p in problems] == [f"{path}:10:9"]  # where its time is written, once
    assert "in the past" in problems[0].message and "--allow-past" in problems[0].message
    assert f"{path}:10:9:" in str(caught.value)
    with store.session() as session:  # nothing was written, not even the valid post
        assert session.scalar(select(func.count()).select_from(PostRow)) == 0

    plan = schedule_file(store, settings, path, now=clock(), allow_past=True)
    past = [w for w in plan.warnings if w.rule == "past-time"]
    assert [w.location() for w in past] == [f"{path}:10:9"]  # once, for both accounts
    assert posts_by_key(store)["oops@outbox:news"].status == Status.PENDING


def test_plan_changes_nothing(store: Store, settings: Settings, campaign: Campaign, clock: FakeClock) -> None:
    prepared = scheduling.prepare([campaign()], settings)
    (plan,) = scheduling.plan(store, prepared, now=clock())
    assert plan.count("create") == 6
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(PostRow)) == 0
        assert session.scalar(select(func.count()).select_from(CampaignRow)) == 0

    schedule_file(store, settings, campaign(), now=clock())
    before, count = _snapshot(store), _event_count(store)
    prepared = scheduling.prepare([campaign([("teaser", "2027-01-11 09:30", "changed"), POSTS[1]])], settings)
    (plan,) = scheduling.plan(store, prepared, now=clock())
    assert plan.count("update") == 2 and plan.count("cancel") == 2
    assert _snapshot(store) == before
    assert _event_count(store) == count


def test_illegal_transitions_raise() -> None:
    for source, target in [("sent", "pending"), ("sent", "sending"), ("cancelled", "sending"), (None, "sent")]:
        with pytest.raises(transitions.IllegalTransition, match="is not allowed"):
            transitions.check(source, target)
    transitions.check("pending", "sending")
    transitions.check("unknown", "sent")


def test_log_refuses_an_illegal_move_and_writes_nothing(
    store: Store, settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    schedule_file(store, settings, campaign(), now=clock())
    row_id = posts_by_key(store)["teaser@outbox:news"].id
    count = _event_count(store)
    with pytest.raises(transitions.IllegalTransition), store.write() as session:
        transitions.log(session, post_id=row_id, at=clock(), kind="oops", from_status="sent", to_status="pending")
    assert _event_count(store) == count


def test_overdue_pending_post_can_be_edited_but_not_moved_into_the_past(
    store: Store, settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    schedule_file(store, settings, campaign(), now=clock())
    clock.set(START.replace(day=11, hour=10))  # the teaser is an hour overdue (no daemon ran)
    edited = [("teaser", "2027-01-11 09:00", "Typo fixed"), *POSTS[1:]]
    plan = schedule_file(store, settings, campaign(edited), now=clock())
    assert plan.count("update") == 2 and plan.warnings == []
    assert posts_by_key(store)["teaser@outbox:news"].payload == {"text": "Typo fixed"}
    moved = [POSTS[0], ("announce", "2027-01-11 09:30", POSTS[1][2]), POSTS[2]]
    with pytest.raises(CampaignError, match="announce' is due 2027-01-11 09:30"):
        schedule_file(store, settings, campaign(moved), now=clock())
    assert posts_by_key(store)["announce@outbox:news"].due_at == START.replace(day=12, hour=11, minute=30)


def test_a_past_post_in_the_second_file_stops_the_first_and_both_go_in_together(
    store: Store, settings: Settings, write: Callable[[str, str], Path], clock: FakeClock
) -> None:
    first = write("first.yaml", campaign_yaml(POSTS, name="first", accounts=ACCOUNTS))
    late = write("second.yaml", campaign_yaml([("oops", "2027-01-10 11:00", "Too late")], name="second"))
    with pytest.raises(CampaignError) as caught:
        scheduling.schedule(store, scheduling.prepare([first, late], settings), now=clock())
    assert [p.location() for p in caught.value.problems] == [f"{late}:7:9"]
    with store.session() as session:  # the whole transaction rolled back: not even the first campaign
        assert session.scalar(select(func.count()).select_from(CampaignRow)) == 0
        assert session.scalar(select(func.count()).select_from(PostRow)) == 0
    assert _event_count(store) == 0

    second = write("second.yaml", campaign_yaml([("fine", "2027-01-14 10:00", "On time")], name="second"))
    plans = scheduling.schedule(store, scheduling.prepare([first, second], settings), now=clock())
    assert [(p.items[0].campaign, p.count("create")) for p in plans] == [("first", 6), ("second", 1)]
    assert len(posts_by_key(store)) == 7
    again = scheduling.schedule(store, scheduling.prepare([first, second], settings), now=clock())
    assert [p.count("unchanged") for p in again] == [6, 1]
    assert_history_consistent(store)


def test_a_removed_post_is_shown_with_its_stored_time_and_text(
    store: Store, settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    schedule_file(store, settings, campaign(), now=clock())
    stored = posts_by_key(store)["thanks@outbox:team"]
    prepared = scheduling.prepare([campaign(POSTS[:2])], settings)
    (plan,) = scheduling.plan(store, prepared, now=clock())
    gone = next(i for i in plan.items if (i.post_id, i.account) == ("thanks", "outbox:team"))
    assert (gone.action, gone.status, gone.row_id) == ("cancel", "pending", stored.id)
    assert (gone.due_at, gone.local_time, gone.text) == (stored.due_at, stored.local_time, "Thank you all")
    assert gone.as_json()["due_at"] == "2027-01-13T18:00:00Z"


@pytest.mark.slow
def test_schedule_on_postgresql_creates_updates_cancels_and_then_writes_nothing(
    settings: Settings, campaign: Campaign, clock: FakeClock
) -> None:
    with throwaway_postgres() as url:
        store = open_store(url)
        try:
            created = schedule_file(store, settings, campaign(), now=clock())
            assert created.count("create") == 6
            edited = [("teaser", "2027-01-11 09:30", "Moved"), POSTS[1]]
            plan = schedule_file(store, settings, campaign(edited), now=clock())
            assert (plan.count("update"), plan.count("cancel"), plan.count("unchanged")) == (2, 2, 2)
            rows = posts_by_key(store)
            assert rows["teaser@outbox:team"].due_at == START.replace(day=11, hour=9, minute=30)
            assert rows["thanks@outbox:news"].status == Status.CANCELLED
            before, count = _snapshot(store), _event_count(store)
            again = schedule_file(store, settings, campaign(edited), now=clock())
            assert {i.action for i in again.items} == {"unchanged"}
            assert (_snapshot(store), _event_count(store)) == (before, count)
            assert_history_consistent(store)
        finally:
            store.close()


def test_rows_queued_before_posts_carried_their_language_are_not_edits(
    store: Store, settings: Settings, write: Callable[[str, str], Path], clock: FakeClock
) -> None:
    # socialpost now puts the campaign's language in each post's payload (for Bluesky's langs and
    # Mastodon's language), which changes the fingerprint of rows an older version queued.
    text = campaign_yaml(POSTS, accounts=ACCOUNTS).replace("timezone: UTC\n", "timezone: UTC\nlanguage: fr-CA\n")
    path = write("launch.yaml", text)
    schedule_file(store, settings, path, now=clock())
    with store.session() as session:
        for row in session.scalars(select(PostRow)):
            assert row.payload["language"] == "fr-CA"
            row.payload = {k: v for k, v in row.payload.items() if k != "language"}  # as an older version wrote
            row.fingerprint = fingerprint(row.due_at, row.payload)
    teaser = posts_by_key(store)["teaser@outbox:news"]
    clock.set(teaser.due_at)
    queue = Queue(store, "d1", clock=clock)
    assert sorted(c.id for c in queue.claim(2, timedelta(seconds=60))) == sorted(
        (teaser.id, posts_by_key(store)["teaser@outbox:team"].id)
    )
    assert queue.mark_sent(teaser.id, remote_id="r1", remote_url="file:///r1")
    assert queue.mark_failed(posts_by_key(store)["teaser@outbox:team"].id, "the network said no")
    clock.advance(minutes=1)

    plan = schedule_file(store, settings, path, now=clock())  # the same file, scheduled again after the upgrade
    actions = {(i.post_id, i.account): i.action for i in plan.items}
    assert actions.pop(("teaser", "outbox:news")) == "unchanged"  # sent: no "your edit will not be re-sent"
    assert actions.pop(("teaser", "outbox:team")) == "unchanged"  # failed: not queued again behind the user's back
    assert set(actions.values()) == {"update"}  # the waiting posts take their language on
    assert plan.warnings == []
    rows = posts_by_key(store)
    assert rows["teaser@outbox:team"].status == "failed" and "language" not in rows["teaser@outbox:news"].payload
    assert rows["announce@outbox:news"].payload == {"text": POSTS[1][2], "language": "fr-CA"}

    edited = path.read_text(encoding="utf-8").replace(POSTS[0][2], "A different text")
    plan = schedule_file(store, settings, write("launch.yaml", edited), now=clock(), allow_past=True)
    assert [w.rule for w in plan.warnings] == ["already-sent", "past-time"]  # a real edit still warns
    assert {(i.post_id, i.account): i.action for i in plan.items}[("teaser", "outbox:team")] == "update"
