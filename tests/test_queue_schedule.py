"""Queued posts in the store: stable slots across edits, shared accounts, per_slot, fixed posts
on slots, SQLite and PostgreSQL (README, "Posting queue")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from socialpost import scheduling
from socialpost.settings.config import Settings
from socialpost.slots import SlotRule
from socialpost.store.db import Store, open_store
from socialpost.store.sync_plan import Plan
from tests.conftest import FakeClock
from tests.store_helpers import posts_by_key, throwaway_postgres

Write = Callable[[str, str], Path]
QUEUE = 'queue: {days: [mon, tue, wed, thu, fri], at: ["09:00", "12:30"]}'


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# now (tests.conftest.START) is Sunday 2027-01-10 12:00Z; Montreal is on EST (UTC-5)
MON_0900, MON_1230 = utc("2027-01-11T14:00"), utc("2027-01-11T17:30")
TUE_0900, TUE_1230 = utc("2027-01-12T14:00"), utc("2027-01-12T17:30")
WED_0900 = utc("2027-01-13T14:00")


def queued(
    ids: Sequence[str],
    *,
    name: str = "cafe",
    queue: str = QUEUE,
    accounts: str = "[outbox:news]",
    extra: Sequence[str] = (),
) -> str:
    lines = [f"campaign: {name}", "timezone: America/Montreal", f"accounts: {accounts}", queue, "posts:"]
    for post_id in ids:
        lines += [f"  - id: {post_id}", f'    text: "Post {post_id}"']
    lines += list(extra)
    return "\n".join(lines) + "\n"


def schedule(store: Store, settings: Settings, *paths: Path, now: datetime) -> list[Plan]:
    return scheduling.schedule(store, scheduling.prepare(list(paths), settings), now=now)


def due(store: Store) -> dict[str, datetime]:
    return {key: row.due_at for key, row in posts_by_key(store).items() if row.status != "cancelled"}


def test_posts_take_the_next_slots_in_file_order_and_keep_them_across_edits(
    store: Store, settings: Settings, write: Write, clock: FakeClock
) -> None:
    path = write("cafe.yaml", queued(["a", "b", "c"]))
    (plan,) = schedule(store, settings, path, now=clock())
    assert [(i.post_id, i.due_at, i.as_json()["slot"]["why"]) for i in plan.items] == [
        ("a", MON_0900, "next"),
        ("b", MON_1230, "next"),
        ("c", TUE_0900, "next"),
    ]
    assert plan.items[0].as_json()["local_time"] == "2027-01-11T09:00:00-05:00"
    # a post inserted in the middle: the others keep their slots, the new one takes the next free one
    path.write_text(queued(["a", "new", "b", "c"]), encoding="utf-8")
    (plan,) = schedule(store, settings, path, now=clock())
    assert {i.post_id: (i.action, i.due_at, i.slot["why"] if i.slot else None) for i in plan.items} == {
        "a": ("unchanged", MON_0900, "kept"),
        "new": ("create", TUE_1230, "next"),
        "b": ("unchanged", MON_1230, "kept"),
        "c": ("unchanged", TUE_0900, "kept"),
    }
    # one removed: its slot is free, nobody moves; the next new post takes the freed slot
    path.write_text(queued(["a", "new", "c"]), encoding="utf-8")
    (plan,) = schedule(store, settings, path, now=clock())
    assert {i.post_id: i.action for i in plan.items} == {
        "a": "unchanged",
        "new": "unchanged",
        "c": "unchanged",
        "b": "cancel",
    }
    assert due(store) == {"a@outbox:news": MON_0900, "new@outbox:news": TUE_1230, "c@outbox:news": TUE_0900}
    path.write_text(queued(["a", "new", "c", "d"]), encoding="utf-8")
    schedule(store, settings, path, now=clock())
    assert due(store)["d@outbox:news"] == MON_1230
    # editing a post's text keeps its slot
    path.write_text(queued(["a", "new", "c", "d"]).replace('"Post a"', '"Post a, edited"'), encoding="utf-8")
    (plan,) = schedule(store, settings, path, now=clock())
    assert [(i.post_id, i.action, i.due_at) for i in plan.items if i.post_id == "a"] == [("a", "update", MON_0900)]


def test_a_removed_post_that_comes_back_takes_its_slot_again_while_it_is_free(
    store: Store, settings: Settings, write: Write, clock: FakeClock
) -> None:
    path = write("cafe.yaml", queued(["a", "b"]))
    schedule(store, settings, path, now=clock())
    path.write_text(queued(["a"]), encoding="utf-8")
    schedule(store, settings, path, now=clock())
    path.write_text(queued(["a", "b"]), encoding="utf-8")
    (plan,) = schedule(store, settings, path, now=clock())
    assert [(i.post_id, i.action, i.due_at) for i in plan.items] == [
        ("a", "unchanged", MON_0900),
        ("b", "create", MON_1230),
    ]


def test_a_post_whose_slot_the_queue_no_longer_has_takes_the_next_free_one(
    store: Store, settings: Settings, write: Write, clock: FakeClock
) -> None:
    path = write("cafe.yaml", queued(["a", "b"]))
    schedule(store, settings, path, now=clock())
    path.write_text(queued(["a", "b"], queue='queue: {days: [mon, tue], at: ["09:00"]}'), encoding="utf-8")
    (plan,) = schedule(store, settings, path, now=clock())
    assert [(i.post_id, i.action, i.due_at, i.slot and i.slot["why"]) for i in plan.items] == [
        ("a", "unchanged", MON_0900, "kept"),
        ("b", "update", TUE_0900, "next"),
    ]


def test_campaigns_sharing_an_account_fill_the_same_slots_without_doubling_one(
    store: Store, settings: Settings, write: Write, clock: FakeClock
) -> None:
    first = write("cafe.yaml", queued(["a", "b"]))
    second = write("bakery.yaml", queued(["x", "y"], name="bakery", accounts="[outbox:news, outbox:team]"))
    schedule(store, settings, first, now=clock())
    (plan,) = schedule(store, settings, second, now=clock())
    assert [(i.post_id, i.account, i.due_at, i.slot) for i in plan.items] == [
        ("x", "outbox:news", TUE_0900, {"why": "taken", "taken_by": "cafe"}),
        ("x", "outbox:team", MON_0900, {"why": "next", "taken_by": None}),
        ("y", "outbox:news", TUE_1230, {"why": "next", "taken_by": None}),
        ("y", "outbox:team", MON_1230, {"why": "next", "taken_by": None}),
    ]
    # both files in one run: the same slots, each kept
    plans = schedule(store, settings, first, second, now=clock())
    assert {i.action for p in plans for i in p.items} == {"unchanged"}


def test_per_slot_two_puts_two_posts_in_each_slot(
    store: Store, settings: Settings, write: Write, clock: FakeClock
) -> None:
    queue = 'queue: {days: [mon, tue, wed, thu, fri], at: ["09:00"], per_slot: 2}'
    path = write("cafe.yaml", queued(["a", "b", "c", "d", "e"], queue=queue))
    schedule(store, settings, path, now=clock())
    assert list(due(store).values()) == [MON_0900, MON_0900, TUE_0900, TUE_0900, WED_0900]


def test_fixed_and_recurring_posts_on_a_slot_occupy_it(
    store: Store, settings: Settings, write: Write, clock: FakeClock
) -> None:
    extra = [
        "  - id: fixed",
        '    at: "2027-01-11 09:00"',
        '    text: "Fixed"',
        "  - id: weekly",
        '    every: {days: [mon], at: "12:30", from: 2027-01-11, until: 2027-01-11}',
        '    text: "Weekly"',
    ]
    path = write("cafe.yaml", queued(["a"], extra=extra))
    schedule(store, settings, path, now=clock())
    assert due(store)["a@outbox:news"] == TUE_0900
    other = write("other.yaml", queued(["z"], name="other", queue='queue: {days: [tue], at: ["09:00", "12:30"]}'))
    (plan,) = schedule(store, settings, other, now=clock())
    assert [(i.due_at, i.slot) for i in plan.items] == [(TUE_1230, {"why": "taken", "taken_by": "cafe"})]


def test_from_and_except_of_the_queue(store: Store, settings: Settings, write: Write, clock: FakeClock) -> None:
    queue = 'queue: {days: [mon, tue, wed], at: ["09:00"], from: 2027-01-12, except: [2027-01-13..2027-01-18]}'
    path = write("cafe.yaml", queued(["a", "b"], queue=queue))
    schedule(store, settings, path, now=clock())
    assert due(store) == {"a@outbox:news": TUE_0900, "b@outbox:news": utc("2027-01-19T14:00")}


def test_a_post_without_time_in_a_campaign_without_queue_is_a_located_error(
    settings: Settings, write: Write, clock: FakeClock
) -> None:
    path = write("cafe.yaml", queued(["a"], queue="language: en"))
    result = scheduling.validate([path], settings, now=clock())
    (problem,) = result.errors
    assert (problem.line, problem.column) == (6, 5)
    assert "post 'a' has no time" in problem.message and "queue:" in problem.message


@pytest.mark.parametrize(
    ("queue", "where", "words"),
    [
        ('queue: {days: [mon, funday], at: ["09:00"]}', (4, 21), "not a day of the week"),
        ('queue: {days: [mon], at: ["25:00"]}', (4, 26), "not a time of day"),
        ('queue: {days: [mon], at: ["09:00"], per_slot: 0}', (4, 47), "greater than or equal to 1"),
        ('queue: {days: [mon], at: ["09:00"], except: [2027-02-30]}', (4, 46), "not a date"),
        ('queue: {days: [mon], at: ["09:00", "09:00"]}', (4, 36), "listed twice"),
        ('queue: {days: [mon], at: ["09:00"], when: 1}', (4, 37), "when"),
    ],
)
def test_bad_queue_values_are_located_errors(
    settings: Settings, write: Write, clock: FakeClock, queue: str, where: tuple[int, int], words: str
) -> None:
    path = write("cafe.yaml", queued(["a"], queue=queue))
    result = scheduling.validate([path], settings, now=clock())
    assert [(p.line, p.column) for p in result.errors] == [where], [p.message for p in result.errors]
    assert words in result.errors[0].message


def test_a_paused_account_keeps_its_slots(store: Store, settings: Settings, write: Write, clock: FakeClock) -> None:
    from socialpost.store import pauses

    path = write("cafe.yaml", queued(["a", "b"]))
    schedule(store, settings, path, now=clock())
    pauses.pause(store, pauses.Target.parse("outbox:news"), reason=None, by="test", now=clock())
    path.write_text(queued(["a", "b", "c"]), encoding="utf-8")
    (plan,) = schedule(store, settings, path, now=clock())
    assert [(i.post_id, i.due_at) for i in plan.items] == [("a", MON_0900), ("b", MON_1230), ("c", TUE_0900)]


@pytest.mark.slow
def test_queue_on_postgresql_with_two_campaigns_sharing_an_account(
    settings: Settings, write: Write, clock: FakeClock
) -> None:
    with throwaway_postgres() as url:
        pg = open_store(url)
        try:
            first = write("cafe.yaml", queued(["a", "b"]))
            second = write("bakery.yaml", queued(["x"], name="bakery"))
            schedule(pg, settings, first, now=clock())
            schedule(pg, settings, second, now=clock())
            first.write_text(queued(["new", "a", "b"]), encoding="utf-8")
            schedule(pg, settings, first, now=clock())
            assert due(pg) == {
                "a@outbox:news": MON_0900,
                "b@outbox:news": MON_1230,
                "x@outbox:news": TUE_0900,
                "new@outbox:news": TUE_1230,
            }
        finally:
            pg.close()


def test_a_spring_forward_slot_is_stored_at_the_instant_the_time_rules_give(
    store: Store, settings: Settings, write: Write
) -> None:
    queue = 'queue: {days: [sun], at: ["02:30", "09:00"], from: 2027-03-14}'
    path = write("cafe.yaml", queued(["a", "b", "c"], queue=queue))
    (plan,) = schedule(store, settings, path, now=utc("2027-03-01T00:00"))
    assert [(i.post_id, i.due_at, i.local_time) for i in plan.items] == [
        ("a", utc("2027-03-14T07:30"), "2027-03-14T03:30:00-04:00"),  # 02:30 does not exist: 03:30 EDT
        ("b", utc("2027-03-14T13:00"), "2027-03-14T09:00:00-04:00"),
        ("c", utc("2027-03-21T06:30"), "2027-03-21T02:30:00-04:00"),
    ]


@pytest.mark.slow
def test_two_campaigns_sharing_an_account_scheduled_at_once_on_postgresql_never_share_a_slot(
    tmp_path: Path,
) -> None:
    """Two real `socialpost schedule` processes, for two campaigns queued on one account, held at
    their first write until both are in (one at the write, the other at the account's lock): the
    second places its posts around the first's."""
    import os
    import subprocess

    import psycopg

    from tests.conftest import REPO
    from tests.store_helpers import pg_waiting
    from tests.store_helpers.daemons import wait_until

    files = []
    for name in ("cafe", "bakery"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(queued([f"{name}{i:02d}" for i in range(20)], name=name), encoding="utf-8")
        files.append(path)
    with throwaway_postgres() as url:
        open_store(url).close()  # migrated before the race
        env = {**os.environ, "SOCIALPOST_DATABASE_URL": url, "SOCIALPOST_DATA_DIR": str(tmp_path)}
        processes = []
        try:
            with psycopg.connect(url) as gate:
                gate.execute("LOCK TABLE campaigns IN EXCLUSIVE MODE")
                for path in files:
                    command = [str(REPO / ".venv" / "bin" / "socialpost"), "schedule", "--json", str(path)]
                    processes.append(
                        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
                    )
                assert wait_until(lambda: pg_waiting(url) == 2, 90), f"{pg_waiting(url)} of 2 runs wait"
            outputs = [process.communicate(timeout=120) for process in processes]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        for process, (_out, err) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, err.decode()
        pg = open_store(url)
        try:
            instants = list(due(pg).values())
        finally:
            pg.close()
        assert len(instants) == 40
        assert len(set(instants)) == 40  # no slot holds two posts
        first_forty = [instant for instant, _room in upcoming_slots(40)]
        assert sorted(instants) == first_forty


def upcoming_slots(count: int) -> list[tuple[datetime, int]]:
    from socialpost.slots import upcoming
    from socialpost.timeutil import utcnow

    rule = SlotRule("America/Montreal", ("mon", "tue", "wed", "thu", "fri"), (time(9), time(12, 30)))
    return upcoming([rule], after=utcnow(), count=count)


CONFIG_QUEUE = {"days": ["mon"], "at": ["09:00"], "timezone": "America/Montreal"}


def test_an_account_queue_in_the_config_serves_the_campaigns_without_their_own(
    store: Store, settings: Settings, write: Write, clock: FakeClock
) -> None:
    settings.accounts = {"outbox": {"news": {"queue": CONFIG_QUEUE}}}
    plain = write("plain.yaml", queued(["a", "b"], name="plain", queue="language: en"))
    (plan,) = schedule(store, settings, plain, now=clock())
    assert [(i.post_id, i.due_at, i.slot) for i in plan.items] == [
        ("a", MON_0900, {"why": "next", "taken_by": None}),
        ("b", utc("2027-01-18T14:00"), {"why": "next", "taken_by": None}),
    ]
    # a campaign with a queue of its own uses it, around the slots the other filled
    (own,) = schedule(store, settings, write("cafe.yaml", queued(["c"])), now=clock())
    assert [(i.due_at, i.slot) for i in own.items] == [(MON_1230, {"why": "taken", "taken_by": "plain"})]
    # an account without a queue, in the same campaign: the post has no time there
    two = queued(["d"], name="two", queue="language: en", accounts="[outbox:news, outbox:team]")
    result = scheduling.validate([write("two.yaml", two)], settings, now=clock())
    assert [p.message.split(".")[0] for p in result.errors] == [
        "post 'd' has no time: no 'at', no 'every', and no queue for outbox:team"
    ]


def test_mistakes_in_a_config_queue_are_located_in_the_config_file(
    write: Write, clock: FakeClock, tmp_path: Path
) -> None:
    from socialpost.settings.config import load_settings

    config = write(
        "config.yaml",
        f"database: sqlite:///{tmp_path / 'q.db'}\n"
        "accounts:\n"
        "  outbox:\n"
        "    news:\n"
        "      queue: {days: [mon, someday], at: ['09:00']}\n"
        "    team:\n"
        "      queue: {days: [mon], at: ['09:00']}\n",
    )
    settings = load_settings(str(config), {"SOCIALPOST_DATA_DIR": str(tmp_path / "data")})
    path = write("plain.yaml", queued(["a"], name="plain", queue="language: en"))
    result = scheduling.validate([path], settings, now=clock())
    located = [(Path(p.file).name, p.line, p.column, p.message) for p in result.errors]
    assert located[:2] == [
        (
            "config.yaml",
            5,
            27,
            "'someday' is not a day of the week. Fix: write mon, tue, wed, thu, fri, sat or sun.",
        ),
        (
            "config.yaml",
            7,
            14,
            "the queue of outbox:team has no time zone, and the config file names none. Fix: add "
            "timezone: America/Montreal (your zone) to the queue, or to the config file",
        ),
    ]


def test_a_waiting_post_whose_slot_passed_keeps_it_for_the_late_policy(
    store: Store, settings: Settings, write: Write, clock: FakeClock
) -> None:
    path = write("cafe.yaml", queued(["a", "b"]))
    schedule(store, settings, path, now=clock())
    path.write_text(queued(["a", "b", "c"]), encoding="utf-8")
    later = utc("2027-01-11T15:00")  # a's 09:00 slot passed while no daemon ran
    (plan,) = schedule(store, settings, path, now=later)
    assert [(i.post_id, i.action, i.due_at) for i in plan.items] == [
        ("a", "unchanged", MON_0900),
        ("b", "unchanged", MON_1230),
        ("c", "create", TUE_0900),
    ]
    assert not plan.errors


def test_a_post_whose_at_is_removed_keeps_its_time_when_it_is_a_slot(
    store: Store, settings: Settings, write: Write, clock: FakeClock
) -> None:
    fixed = ["  - id: fixed", '    at: "2027-01-12 12:30"', '    text: "Post fixed"']
    path = write("cafe.yaml", queued(["a"], extra=fixed))
    schedule(store, settings, path, now=clock())
    path.write_text(queued(["a", "fixed"]), encoding="utf-8")
    (plan,) = schedule(store, settings, path, now=clock())
    assert [(i.post_id, i.action, i.due_at, i.slot) for i in plan.items] == [
        ("a", "unchanged", MON_0900, {"why": "kept", "taken_by": None}),
        ("fixed", "unchanged", TUE_1230, {"why": "kept", "taken_by": None}),
    ]
