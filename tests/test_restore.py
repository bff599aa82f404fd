"""A post cancelled by hand stays cancelled when its file is scheduled again, until `socialpost
restore`; one removed from its file comes back when it is put back (as before). Through the CLI,
in English and French."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from socialpost.settings.config import Settings
from socialpost.store.db import Store
from socialpost.store.models import EventRow, PostRow
from tests.conftest import START, FakeClock
from tests.store_helpers import assert_history_consistent, campaign_yaml, deliver_due

POSTS = [("teaser", "2027-01-12 09:00", "Something is coming?"), ("reveal", "2027-01-14 09:00", "Here it is?")]


def _states(store: Store) -> dict[str, tuple[str, str | None]]:
    with store.session() as session:
        return {
            f"{r.post_key}@{r.account}": (r.status, r.cancelled_by)
            for r in session.scalars(select(PostRow).order_by(PostRow.id))
        }


def _plan(run_cli, path) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    result = run_cli("plan", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    return {f"{p['id']}@{p['account']}": p for p in json.loads(result.stdout)["posts"]}


@pytest.fixture
def launch(write):  # type: ignore[no-untyped-def]
    return write("launch.yaml", campaign_yaml(POSTS, accounts=("outbox:cafe", "outbox:news")))


def test_a_post_cancelled_by_hand_stays_cancelled_until_restored(run_cli, launch, store: Store) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("schedule", str(launch)).exit_code == 0
    cancelled = run_cli("cancel", "launch/teaser@outbox:cafe")
    assert cancelled.exit_code == 0 and "pending → cancelled" in cancelled.stdout

    again = run_cli("schedule", str(launch))
    assert again.exit_code == 0, again.stderr
    assert _states(store)["teaser@outbox:cafe"] == ("cancelled", "user")
    assert "0 to create, 0 to update, 0 to cancel, 4 unchanged." in again.stdout
    assert "unchanged (cancelled by you)" in again.stdout
    assert (
        "launch/teaser@outbox:cafe stays cancelled: you cancelled it. To bring it back: "
        "socialpost restore launch/teaser@outbox:cafe" in again.stdout
    )
    item = _plan(run_cli, launch)["teaser@outbox:cafe"]
    assert (item["action"], item["status"], item["state"], item["cancelled_by"], item["paused_by"]) == (
        "unchanged",
        "cancelled",
        "cancelled",
        "user",
        [],
    )
    assert _plan(run_cli, launch)["teaser@outbox:news"]["state"] == "pending"

    restored = run_cli("restore", "launch/teaser@outbox:cafe")
    assert restored.exit_code == 0, restored.stderr
    assert restored.stdout.strip() == "launch/teaser to outbox:cafe: cancelled → pending (queued for its time)"
    assert _states(store)["teaser@outbox:cafe"] == ("pending", None)
    assert {p["state"] for p in _plan(run_cli, launch).values()} == {"pending"}
    assert "0 to create, 0 to update, 0 to cancel, 4 unchanged." in run_cli("schedule", str(launch)).stdout
    with store.session() as session:
        kinds = [e.kind for e in session.scalars(select(EventRow).order_by(EventRow.id)) if e.post_id == 1]
    assert kinds == ["scheduled", "cancel", "restored"]
    assert_history_consistent(store)


def test_cancel_campaign_then_schedule_keeps_every_post_out_and_restore_brings_them_back(
    run_cli, launch, store: Store
) -> None:  # type: ignore[no-untyped-def]
    """The reported bug: after `cancel --campaign`, the next `schedule` re-created the posts."""
    assert run_cli("schedule", str(launch)).exit_code == 0
    assert run_cli("cancel", "--campaign", "launch").exit_code == 0
    again = run_cli("schedule", str(launch))
    assert again.exit_code == 0
    assert {state for state, _by in _states(store).values()} == {"cancelled"}
    assert (
        "4 posts of 'launch' stay cancelled: you cancelled them. To bring them back: socialpost restore launch "
        "(or one of them: socialpost restore launch/teaser@outbox:cafe)" in again.stdout
    )
    restored = json.loads(run_cli("restore", "launch", "--json").stdout)
    assert restored["removed_from_file"] == 0
    assert [(r["id"], r["account"], r["from"], r["to"], r["decision"]) for r in restored["restored"]] == [
        ("teaser", "outbox:cafe", "cancelled", "pending", "queued"),
        ("teaser", "outbox:news", "cancelled", "pending", "queued"),
        ("reveal", "outbox:cafe", "cancelled", "pending", "queued"),
        ("reveal", "outbox:news", "cancelled", "pending", "queued"),
    ]
    assert restored["restored"][0]["due_at"] == "2027-01-12T09:00:00Z"
    assert {state for state, _by in _states(store).values()} == {"pending"}
    nothing = run_cli("restore", "launch")
    assert nothing.exit_code == 0 and "Nothing to restore: no post you cancelled in 'launch'." in nothing.stdout


def test_a_post_removed_from_the_file_comes_back_with_the_file_not_with_restore(
    run_cli, write, launch, store: Store
) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("schedule", str(launch)).exit_code == 0
    shorter = write("launch.yaml", campaign_yaml(POSTS[1:], accounts=("outbox:cafe", "outbox:news")))
    assert run_cli("schedule", str(shorter)).exit_code == 0
    assert _states(store)["teaser@outbox:cafe"] == ("cancelled", "file")
    refused = run_cli("restore", "launch/teaser@outbox:cafe")
    assert refused.exit_code == 2
    assert refused.stderr.startswith(
        "error: launch/teaser@outbox:cafe was cancelled because it was removed from its campaign file; restore "
        "brings back posts you cancelled. Put it back in "
    )
    assert "and run socialpost schedule" in refused.stderr
    whole = run_cli("restore", "launch")
    assert "2 posts of 'launch' were cancelled because they were removed from the file" in whole.stdout
    back = write("launch.yaml", campaign_yaml(POSTS, accounts=("outbox:cafe", "outbox:news")))
    plan = _plan(run_cli, back)["teaser@outbox:cafe"]
    assert (plan["action"], plan["status"], plan["cancelled_by"], plan["state"]) == (
        "create",
        "cancelled",
        None,
        "pending",
    )
    assert run_cli("schedule", str(back)).exit_code == 0
    assert _states(store)["teaser@outbox:cafe"] == ("pending", None)
    pending = run_cli("restore", "launch/teaser@outbox:cafe")
    assert pending.exit_code == 2
    assert "launch/teaser@outbox:cafe is pending; only posts you cancelled can be restored." in pending.stderr
    assert_history_consistent(store)


def test_an_edit_of_a_post_you_cancelled_is_kept_and_the_post_stays_cancelled(
    run_cli, write, launch, store: Store
) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("schedule", str(launch)).exit_code == 0
    assert run_cli("cancel", "launch/teaser@outbox:cafe").exit_code == 0
    edited = write(
        "launch.yaml",
        campaign_yaml(
            [("teaser", "2027-01-12 10:00", "Something new is coming?"), POSTS[1]],
            accounts=("outbox:cafe", "outbox:news"),
        ),
    )
    result = run_cli("schedule", str(edited))
    assert result.exit_code == 0, result.stderr
    assert (
        "warning [cancelled-by-you]: "
        f"{edited}:6:5: post 'teaser' to outbox:cafe was cancelled by you (socialpost cancel), so it stays "
        "cancelled although the file changed it; the new version is kept. Fix: to queue it, run socialpost restore "
        "launch/teaser@outbox:cafe" in result.stderr
    )
    assert _states(store)["teaser@outbox:cafe"] == ("cancelled", "user")
    assert _states(store)["teaser@outbox:news"] == ("pending", None)  # the other account's row is updated
    assert "cancelled-by-you" not in run_cli("schedule", str(edited)).stderr  # said once
    assert run_cli("restore", "launch/teaser@outbox:cafe").exit_code == 0
    with store.session() as session:
        row = session.scalar(select(PostRow).where(PostRow.post_key == "teaser", PostRow.account == "outbox:cafe"))
        assert row is not None
        assert (row.status, row.payload["text"], row.due_at) == (
            "pending",
            "Something new is coming?",
            START.replace(day=12, hour=10),
        )
    assert_history_consistent(store)


@pytest.mark.parametrize(("late", "within", "expected"), [("skip", "15m", "missed"), ("hold", "15m", "held")])
def test_restore_after_its_time_follows_the_late_policy(
    run_cli, write, store: Store, settings: Settings, clock: FakeClock, late: str, within: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    path = write("late.yaml", campaign_yaml(POSTS, accounts=("outbox:cafe",), else_=late, within=within))
    assert run_cli("schedule", str(path)).exit_code == 0
    assert run_cli("cancel", "--campaign", "launch").exit_code == 0
    clock.set(START.replace(day=12, hour=9, minute=10))  # teaser: 10 min late
    soon = run_cli("restore", "launch/teaser")
    assert "cancelled → pending (its time has passed; the late policy lets it go out now)" in soon.stdout
    clock.set(START.replace(day=14, hour=11))  # reveal: 2 h late
    late_one = run_cli("restore", "launch/reveal", "--json")
    (item,) = json.loads(late_one.stdout)["restored"]
    assert (item["to"], item["decision"]) == (expected, expected)
    assert item["reason"].startswith("2 h late, more than the campaign's late rule allows (15 min).")
    assert _states(store)["reveal@outbox:cafe"] == (expected, None)
    text = run_cli("retry", "launch/reveal")  # the reason's fix works
    assert text.exit_code == 0
    deliver_due(settings, clock)
    assert _states(store)["reveal@outbox:cafe"] == ("sent", None)
    assert_history_consistent(store)


def test_restoring_late_occurrences_lets_only_the_newest_go(run_cli, write, store: Store, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "tips.yaml",
        "campaign: tips\ntimezone: UTC\naccounts: [outbox:cafe]\nlate: {within: 1d, else: post}\nposts:\n"
        '  - id: tip\n    every: {days: [mon, tue, wed, thu, fri, sat, sun], at: "09:00", from: 2027-01-11, '
        "until: 2027-01-20}\n    text: Tip of the day?\n",
    )
    assert run_cli("schedule", str(path)).exit_code == 0
    assert run_cli("cancel", "--campaign", "tips").exit_code == 0
    clock.set(START.replace(day=13, hour=9, minute=30))
    done = json.loads(run_cli("restore", "tips", "--json").stdout)["restored"]
    decisions = {r["id"]: r["decision"] for r in done}
    assert decisions["tip@2027-01-11T09:00"] == "missed"
    assert decisions["tip@2027-01-12T09:00"] == "missed"
    assert decisions["tip@2027-01-13T09:00"] == "send"
    assert {decisions[f"tip@2027-01-{d}T09:00"] for d in range(14, 21)} == {"queued"}
    old = next(r for r in done if r["id"] == "tip@2027-01-11T09:00")
    assert "superseded by a newer occurrence (2027-01-13T09:00)" in old["reason"]


def test_cancel_and_restore_speak_french(run_cli, launch, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOCIALPOST_LANG", "fr")
    assert run_cli("schedule", str(launch)).exit_code == 0
    assert run_cli("cancel", "launch/teaser@outbox:cafe").exit_code == 0
    again = run_cli("schedule", str(launch))
    assert "unchanged (annulée par vous)" in again.stdout
    assert (
        "launch/teaser@outbox:cafe reste annulée : vous l'avez annulée. Pour la rétablir : socialpost restore "
        "launch/teaser@outbox:cafe" in again.stdout
    )
    restored = run_cli("restore", "launch/teaser@outbox:cafe")
    assert restored.stdout.strip() == "launch/teaser vers outbox:cafe : cancelled → pending (en file pour son heure)"
    refused = run_cli("restore", "launch/teaser@outbox:cafe")
    assert refused.exit_code == 2
    assert "seules les publications que vous avez annulées peuvent être rétablies" in refused.stderr
    help_text = run_cli("restore", "--help").stdout
    assert "Rétablir des publications que vous avez annulées" in help_text
