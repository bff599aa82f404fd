"""`socialpost queue` and the slots `plan` shows (README, "Posting queue")."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialpost.queues import free_slots
from socialpost.settings.config import Settings
from socialpost.slots import SlotRule
from socialpost.store.db import open_store
from tests.test_queue_schedule import queued

Run = Callable[..., Any]
Write = Callable[[str, str], Path]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the store records the campaign file as given: relative to here


def test_plan_shows_each_queued_post_slot_and_why(run_cli: Run, write: Write) -> None:
    write("cafe.yaml", queued(["a", "b"]))
    write("bakery.yaml", queued(["x"], name="bakery"))
    assert run_cli("schedule", "cafe.yaml").exit_code == 0
    result = run_cli("plan", "--json", "cafe.yaml", "bakery.yaml")
    posts = json.loads(result.stdout)["posts"]
    assert [(p["id"], p["due_at"], p["local_time"], p["slot"]) for p in posts] == [
        ("a", "2027-01-11T14:00:00Z", "2027-01-11T09:00:00-05:00", {"why": "kept", "taken_by": None}),
        ("b", "2027-01-11T17:30:00Z", "2027-01-11T12:30:00-05:00", {"why": "kept", "taken_by": None}),
        ("x", "2027-01-12T14:00:00Z", "2027-01-12T09:00:00-05:00", {"why": "taken", "taken_by": "cafe"}),
    ]
    table = run_cli("plan", "cafe.yaml", "bakery.yaml").stdout
    assert "⏲ kept its slot" in table
    assert "⏲ slot taken by cafe → next" in table
    empty = json.loads(run_cli("plan", "--empty-queue", "--json", "bakery.yaml").stdout)["posts"]
    assert [(p["due_at"], p["slot"]["why"]) for p in empty] == [("2027-01-11T14:00:00Z", "next")]


def test_queue_lists_filled_and_free_slots_in_text_and_json(run_cli: Run, write: Write) -> None:
    write("cafe.yaml", queued(["a", "b", "c"]))
    assert run_cli("schedule", "cafe.yaml").exit_code == 0
    result = run_cli("queue", "--count", "5", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["unread"] == []
    (account,) = data["accounts"]
    assert (account["account"], account["campaigns"]) == ("outbox:news", ["cafe"])
    assert [(s["due_at"], s["local_time"], s["free"], s["posts"]) for s in account["slots"]] == [
        ("2027-01-11T14:00:00Z", "2027-01-11T09:00:00-05:00", 0, [{"campaign": "cafe", "id": "a", "state": "pending"}]),
        ("2027-01-11T17:30:00Z", "2027-01-11T12:30:00-05:00", 0, [{"campaign": "cafe", "id": "b", "state": "pending"}]),
        ("2027-01-12T14:00:00Z", "2027-01-12T09:00:00-05:00", 0, [{"campaign": "cafe", "id": "c", "state": "pending"}]),
        ("2027-01-12T17:30:00Z", "2027-01-12T12:30:00-05:00", 1, []),
        ("2027-01-13T14:00:00Z", "2027-01-13T09:00:00-05:00", 1, []),
    ]
    text = run_cli("queue", "outbox:news", "--count", "4").stdout
    assert "outbox:news — queue of cafe" in text
    assert "cafe/a" in text and "cafe/c" in text and "pending" in text
    assert text.count("(free)") == 1
    assert "2027-01-11 09:00 -05:00" in text


def test_queue_says_when_a_campaign_file_is_gone(run_cli: Run, write: Write) -> None:
    path = write("cafe.yaml", queued(["a"]))
    assert run_cli("schedule", "cafe.yaml").exit_code == 0
    path.unlink()
    result = run_cli("queue")
    assert result.exit_code == 0
    assert "campaign cafe: its file cafe.yaml is gone" in result.stderr
    assert json.loads(run_cli("queue", "--json").stdout)["unread"] == [
        {"campaign": "cafe", "file": "cafe.yaml", "reason": "gone"}
    ]


def test_queue_refuses_what_is_not_an_account(run_cli: Run) -> None:
    result = run_cli("queue", "News")
    assert result.exit_code == 2
    assert "'News' is not an account" in result.stderr


def test_free_slots_skips_the_slots_the_store_filled(run_cli: Run, write: Write, settings: Settings) -> None:
    write("cafe.yaml", queued(["a", "b", "c"]))
    assert run_cli("schedule", "cafe.yaml").exit_code == 0
    rule = SlotRule(
        "America/Montreal", ("mon", "tue"), (datetime(2000, 1, 1, 9).time(), datetime(2000, 1, 1, 12, 30).time())
    )
    store = open_store(settings.database_url)
    try:
        now = datetime(2027, 1, 10, 12, tzinfo=UTC)
        assert free_slots(store, "outbox:news", rule, now=now, count=2) == [
            datetime(2027, 1, 12, 17, 30, tzinfo=UTC),
            datetime(2027, 1, 18, 14, 0, tzinfo=UTC),
        ]
    finally:
        store.close()


def test_queue_and_plan_speak_french(run_cli: Run, write: Write) -> None:
    write("cafe.yaml", queued(["a"]))
    assert run_cli("schedule", "cafe.yaml").exit_code == 0
    text = run_cli("--lang", "fr", "queue", "--count", "2").stdout
    assert "outbox:news — file de cafe" in text and "(libre)" in text
    plan = run_cli("--lang", "fr", "plan", "cafe.yaml").stdout
    assert "⏲ garde son créneau" in plan
    write("nope.yaml", queued(["b"], name="nope", queue="language: fr"))
    refused = run_cli("--lang", "fr", "validate", "nope.yaml")
    assert refused.exit_code == 2
    assert "nope.yaml:6:5" in refused.stdout + refused.stderr
    assert "la publication « b » n’a pas d’heure" in refused.stdout + refused.stderr
    assert "pas de file de publication pour outbox:news" in refused.stdout + refused.stderr


def test_show_a_file_gives_queued_posts_the_slot_the_queue_holds(run_cli: Run, write: Write) -> None:
    path = write("cafe.yaml", queued(["a", "b"]))
    assert run_cli("schedule", "cafe.yaml").exit_code == 0
    path.write_text(queued(["new", "a", "b"]), encoding="utf-8")
    shown = json.loads(run_cli("show", "cafe.yaml", "--json").stdout)["posts"]
    assert [(p["id"], p["action"], p["due_at"]) for p in shown] == [
        ("new", "create", "2027-01-12T14:00:00Z"),  # the next free slot, after the two kept ones
        ("a", "unchanged", "2027-01-11T14:00:00Z"),
        ("b", "unchanged", "2027-01-11T17:30:00Z"),
    ]


def test_queue_lists_a_config_queue_too(run_cli: Run, write: Write, settings: Settings) -> None:
    settings.accounts = {"outbox": {"team": {"queue": {"days": ["mon"], "at": ["09:00"]}}}}
    settings.timezone = "America/Montreal"  # the config's zone: the queue's, as it names none
    write("plain.yaml", queued(["a"], name="plain", queue="language: en", accounts="[outbox:team]"))
    assert run_cli("schedule", "plain.yaml").exit_code == 0
    data = json.loads(run_cli("queue", "--count", "2", "--json").stdout)
    assert [(a["account"], a["campaigns"]) for a in data["accounts"]] == [("outbox:team", ["config"])]
    assert [(s["due_at"], s["posts"]) for s in data["accounts"][0]["slots"]] == [
        ("2027-01-11T14:00:00Z", [{"campaign": "plain", "id": "a", "state": "pending"}]),
        ("2027-01-18T14:00:00Z", []),
    ]
