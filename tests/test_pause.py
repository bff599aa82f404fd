"""`socialpost pause / resume`: a paused campaign or account keeps its posts in the queue, no daemon
takes them, and resuming first shows what the campaign's late policy makes of the overdue ones.

Real `socialpost daemon` processes (tests/store_helpers/daemons.py) send to local outboxes; the
user's commands run through the CLI (`run_cli`) with the clock set to the real time when a daemon
is involved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from socialpost.settings.config import Settings
from socialpost.store.db import Store, open_store
from socialpost.store.models import CampaignRow, EventRow, PostRow
from socialpost.store.queue import Queue, settled
from socialpost.timeutil import utcnow
from tests.conftest import REPO, START, FakeClock
from tests.store_helpers import (
    assert_history_consistent,
    campaign_yaml,
    deliver_due,
    seed_posts,
    throwaway_postgres,
)
from tests.store_helpers.daemons import DaemonFleet, wait_until
from tests.support.http import LocalServer, Reply, Request

FAST = {"poll_seconds": 0.2, "lease_seconds": 30, "workers": 4, "retry_base_seconds": 0.2, "retry_max_seconds": 1}


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _by_campaign(store: Store) -> dict[str, dict[str, str]]:
    """{campaign: {post id@account: status}}."""
    with store.session() as session:
        rows = session.execute(
            select(CampaignRow.name, PostRow.post_key, PostRow.occurrence, PostRow.account, PostRow.status).join(
                CampaignRow, CampaignRow.id == PostRow.campaign_id
            )
        ).all()
    found: dict[str, dict[str, str]] = {}
    for campaign, key, occurrence, account, status in rows:
        name = f"{key}@{occurrence}" if occurrence else key
        found.setdefault(campaign, {})[f"{name}@{account}"] = status
    return found


def _events(store: Store, kind: str) -> list[tuple[int, str | None]]:
    with store.session() as session:
        return [(e.post_id, e.detail) for e in session.scalars(select(EventRow).where(EventRow.kind == kind))]


def _claimed_ids(store: Store) -> set[int]:
    return {post_id for post_id, _detail in _events(store, "claimed")}


def _outbox(settings: Settings, account: str) -> list[dict[str, Any]]:
    folder = settings.data_dir / "outbox" / account / "posts"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def _stop(fleet: DaemonFleet) -> None:
    codes = fleet.stop_all()
    assert set(codes.values()) <= {0}, (codes, fleet.output()[-3000:])
    assert "Traceback" not in fleet.output(), fleet.output()[-3000:]


# --- with real daemons --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_paused_campaign_waits_while_another_goes_out_and_resume_applies_the_late_policy(
    run_cli, write, settings: Settings, store: Store, clock: FakeClock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    soon = now + timedelta(seconds=3)
    cafe = write(
        "cafe.yaml",
        campaign_yaml(
            [("old", _at(now - timedelta(minutes=10)), "Closed today"), ("soon", _at(soon), "Open again?")],
            name="cafe",
            accounts=("outbox:cafe",),
            within="5m",
            else_="skip",
        ),
    )
    news = write("news.yaml", campaign_yaml([("hello", _at(soon), "Hello?")], name="news", accounts=("outbox:news",)))
    clock.set(utcnow())
    assert run_cli("schedule", str(cafe), "--allow-past").exit_code == 0
    assert run_cli("schedule", str(news)).exit_code == 0
    paused = run_cli("pause", "cafe", "--reason", "a burst pipe")
    assert paused.exit_code == 0, paused.stderr
    assert "Paused campaign 'cafe'." in paused.stdout
    assert (
        "2 waiting posts stay in the queue and will not go out until you run: socialpost resume cafe" in paused.stdout
    )

    fleet = DaemonFleet(tmp_path, settings.database_url, daemon=FAST, accounts={})
    fleet.start("d1")
    try:
        assert wait_until(lambda: _by_campaign(store)["news"] == {"hello@outbox:news": "sent"}, 30), fleet.output()
        time.sleep(max(0.0, (soon + timedelta(seconds=1.5) - utcnow()).total_seconds()))  # "soon" is due too
        # the daemon claimed the other campaign's post, and none of the paused one's
        assert _by_campaign(store)["cafe"] == {"old@outbox:cafe": "pending", "soon@outbox:cafe": "pending"}
        with store.session() as session:
            cafe_ids = set(session.scalars(select(PostRow.id).where(PostRow.account == "outbox:cafe")))
        assert not cafe_ids & _claimed_ids(store)
        assert _outbox(settings, "cafe") == []

        clock.set(utcnow())
        status = run_cli("status")
        assert status.stdout.index("Paused") < status.stdout.index("Posts")  # at the top
        assert "campaign 'cafe' is paused since" in status.stdout and "a burst pipe" in status.stdout
        assert "2 posts wait (2 already due); to let them go: socialpost resume cafe" in status.stdout

        clock.set(utcnow())
        resumed = run_cli("resume", "cafe", input="y\n")
        assert resumed.exit_code == 0, resumed.stderr
        out = resumed.stdout
        assert "Came due while paused" in out
        old_line = next(line for line in out.splitlines() if "cafe/old" in line)
        soon_line = next(line for line in out.splitlines() if "cafe/soon" in line)
        assert "10 min" in old_line and "marked missed" in old_line
        assert "goes out now" in soon_line
        assert "Late policy of 'cafe': within 5 min, else skip." in out
        assert "On resume — goes out now: 1; marked missed: 1; held for you: 0." in out
        assert "To send a missed or held post anyway afterwards: socialpost retry cafe/old@outbox:cafe" in out
        assert "Resume campaign 'cafe'?" in resumed.stderr
        assert "Resumed campaign 'cafe'." in out

        assert wait_until(lambda: _by_campaign(store)["cafe"]["soon@outbox:cafe"] == "sent", 30), fleet.output()
    finally:
        _stop(fleet)
    assert _by_campaign(store)["cafe"] == {"old@outbox:cafe": "missed", "soon@outbox:cafe": "sent"}
    assert [(p["campaign"], p["id"]) for p in _outbox(settings, "cafe")] == [("cafe", "soon")]
    with store.session() as session:
        old = session.scalar(select(PostRow).where(PostRow.post_key == "old"))
        assert old is not None and "late, more than the campaign's late rule allows (5 min)" in (old.last_error or "")
    paused_notes = _events(store, "paused")
    assert len(paused_notes) == 2 and all("a burst pipe" in (d or "") for _i, d in paused_notes)
    assert all((d or "").startswith("by the user ") for _i, d in paused_notes)
    assert any("resumed campaign cafe" in (d or "") for _i, d in _events(store, "late"))
    assert_history_consistent(store)


@pytest.mark.slow
def test_a_paused_account_holds_its_posts_in_every_campaign(
    run_cli, write, settings: Settings, store: Store, clock: FakeClock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    due = utcnow() + timedelta(seconds=2)
    path = write("launch.yaml", campaign_yaml([("teaser", _at(due), "Soon?")], accounts=("outbox:cafe", "outbox:news")))
    clock.set(utcnow())
    assert run_cli("schedule", str(path)).exit_code == 0
    paused = run_cli("pause", "outbox:cafe", "--json")
    assert paused.exit_code == 0, paused.stderr
    data = json.loads(paused.stdout)
    assert data["created"] is True and data["sending"] == 0
    assert (data["paused"]["kind"], data["paused"]["target"], data["paused"]["waiting"]) == (
        "account",
        "outbox:cafe",
        1,
    )
    assert data["paused"]["resume"] == "socialpost resume outbox:cafe"

    fleet = DaemonFleet(tmp_path, settings.database_url, daemon=FAST, accounts={})
    fleet.start("d1")
    try:
        assert wait_until(lambda: _by_campaign(store)["launch"]["teaser@outbox:news"] == "sent", 30), fleet.output()
        time.sleep(1.0)
        assert _by_campaign(store)["launch"]["teaser@outbox:cafe"] == "pending"
        clock.set(utcnow())
        resumed = run_cli("resume", "outbox:cafe", "--yes", "--json")
        assert resumed.exit_code == 0, resumed.stderr
        plan = json.loads(resumed.stdout)
        assert plan["applied"] is True
        assert [(p["id"], p["account"], p["decision"]) for p in plan["overdue"]] == [("teaser", "outbox:cafe", "send")]
        assert wait_until(lambda: _by_campaign(store)["launch"]["teaser@outbox:cafe"] == "sent", 30), fleet.output()
    finally:
        _stop(fleet)
    assert len(_outbox(settings, "cafe")) == 1 and len(_outbox(settings, "news")) == 1
    assert_history_consistent(store)


@pytest.mark.slow
def test_two_daemons_on_postgresql_never_claim_a_post_paused_while_they_run(
    run_cli, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The pause lands while two daemons claim both campaigns' posts: every post it reports as held
    stays pending and is never claimed; every other one went out once; resume lets them all go."""
    count = 400
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def receive(request: Request) -> Reply:
        with lock:
            seen[request.headers["Idempotency-Key"]] += 1
        return Reply(200, {"ok": True})

    with throwaway_postgres() as url, LocalServer() as server:
        server.respond(receive)
        settings.database_url = url
        store = open_store(url)
        try:
            start = utcnow() + timedelta(seconds=2)
            dues = [start + timedelta(milliseconds=8 * i) for i in range(count)]
            live = seed_posts(store, count, due=dues, campaign="live", account="webhook:live")
            held = seed_posts(store, count, due=dues, campaign="held", account="webhook:held")
            hook = {"url": server.url + "/hook", "timeout": 5}
            fleet = DaemonFleet(tmp_path, url, daemon=FAST, accounts={"webhook": {"live": hook, "held": hook}})
            fleet.start("a")
            fleet.start("b")
            try:
                assert wait_until(lambda: _sent(store, held) >= 30, 60), fleet.output()[-3000:]
                clock.set(utcnow())
                paused = run_cli("pause", "held", "--json")
                assert paused.exit_code == 0, paused.stderr
                report = json.loads(paused.stdout)
                assert wait_until(lambda: _sent(store, live) == count, 120), fleet.output()[-3000:]
                time.sleep(1.5)  # the daemons keep polling; the held posts are long due
                with store.session() as session:
                    rows = {r.id: r.status for r in session.scalars(select(PostRow).where(PostRow.id.in_(held)))}
                noted = {post_id for post_id, _detail in _events(store, "paused")}
                waiting = {i for i, status in rows.items() if status == "pending"}
                assert waiting == noted and len(waiting) == report["paused"]["waiting"]
                assert 0 < len(waiting) < count, len(waiting)  # the pause landed mid-way
                assert not waiting & _claimed_ids(store)
                assert {s for i, s in rows.items() if i not in waiting} == {"sent"}
                assert report["sending"] <= count - len(waiting)
                print(
                    f"\n[pause] postgresql, 2 daemons: the pause held {len(waiting)} of {count} posts "
                    f"({report['sending']} were being sent, {count - len(waiting) - report['sending']} already sent); "
                    "none of the held ones was claimed",
                    file=sys.stderr,
                )

                clock.set(utcnow())
                resumed = run_cli("resume", "held", "--yes", "--json")
                assert resumed.exit_code == 0, resumed.stderr
                assert json.loads(resumed.stdout)["counts"]["send"] == len(waiting)
                assert wait_until(lambda: _sent(store, held) == count, 120), fleet.output()[-3000:]
            finally:
                _stop(fleet)
            claimers = Counter(d for d in _daemons_of(store, "claimed") if d is not None)
            assert set(claimers) == {"a", "b"}, claimers  # both daemons took part
            with store.session() as session:
                keys = set(session.scalars(select(PostRow.idempotency_key)))
            assert set(seen) == keys and set(seen.values()) == {1}  # each post reached the receiver once
            assert_history_consistent(store)
        finally:
            store.close()


def _sent(store: Store, ids: list[int]) -> int:
    with store.session() as session:
        return len(list(session.scalars(select(PostRow.id).where(PostRow.id.in_(ids), PostRow.status == "sent"))))


def _daemons_of(store: Store, kind: str) -> list[str | None]:
    with store.session() as session:
        return list(session.scalars(select(EventRow.daemon).where(EventRow.kind == kind)))


# --- resume: the late policy, shown before it is applied ------------------------------------------


RECURRING = """\
campaign: tips
timezone: UTC
accounts: [outbox:cafe]
late: {{within: 30m, else: {policy}}}
posts:
  - id: announce
    at: "2027-01-13 11:50"
    text: "Announcement?"
  - id: tip
    every: {{days: [mon, tue, wed, thu, fri, sat, sun], at: "09:00", from: 2027-01-11}}
    texts: ["Tip one?", "Tip two?"]
"""


@pytest.mark.parametrize(("policy", "newest"), [("hold", "held"), ("skip", "missed"), ("post", "send")])
def test_resume_judges_overdue_posts_as_the_claim_would(
    run_cli, write, store: Store, settings: Settings, clock: FakeClock, policy: str, newest: str
) -> None:  # type: ignore[no-untyped-def]
    path = write("tips.yaml", RECURRING.format(policy=policy))
    assert run_cli("schedule", str(path)).exit_code == 0
    assert run_cli("pause", "tips").exit_code == 0
    clock.set(datetime(2027, 1, 13, 12, 0, tzinfo=START.tzinfo))  # three tips and the announcement are due
    deliver_due(settings, clock)  # a daemon's claim meanwhile takes nothing
    assert set(_by_campaign(store)["tips"].values()) == {"pending"}

    dry = run_cli("resume", "tips", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["applied"] is False
    decisions = {p["id"]: p["decision"] for p in plan["overdue"]}
    assert decisions == {
        "tip@2027-01-11T09:00": "missed",  # superseded by the newest late occurrence
        "tip@2027-01-12T09:00": "missed",
        "tip@2027-01-13T09:00": newest,  # 3 h late: the campaign's policy
        "announce": "send",  # 10 min late: within 30 min
    }
    superseded = next(p for p in plan["overdue"] if p["id"] == "tip@2027-01-11T09:00")
    assert "superseded by a newer occurrence (2027-01-13T09:00)" in superseded["reason"]
    assert plan["late_policies"] == [{"campaign": "tips", "within_seconds": 1800, "else": policy}]
    assert plan["counts"]["later"] > 0 and plan["counts"]["still_paused"] == 0
    assert set(_by_campaign(store)["tips"].values()) == {"pending"}  # --dry-run changed nothing

    done = run_cli("resume", "tips", "--yes", "--json")
    assert done.exit_code == 0, done.stderr
    applied = json.loads(done.stdout)
    assert applied["applied"] is True
    assert {p["id"]: p["decision"] for p in applied["overdue"]} == decisions
    states = _by_campaign(store)["tips"]
    expected_newest = {"send": "pending", "held": "held", "missed": "missed"}[newest]
    assert states["tip@2027-01-13T09:00@outbox:cafe"] == expected_newest
    assert states["tip@2027-01-11T09:00@outbox:cafe"] == "missed"
    # the daemon now sends exactly what the plan said goes out now, and nothing else
    clock.advance(minutes=1)
    deliver_due(settings, clock)
    sent = {(p["id"], p["due_at"]) for p in _outbox(settings, "cafe")}
    assert sent == {(p["id"].split("@")[0], p["due_at"]) for p in plan["overdue"] if p["decision"] == "send"}
    assert run_cli("resume", "tips").stdout.strip() == "campaign 'tips' is not paused: nothing to resume."
    assert_history_consistent(store)


def test_resume_applies_what_was_shown_when_time_passes_at_the_question(
    run_cli, write, store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The user agreed to "goes out now" for a post 25 minutes late; while they read, it became
    more than 30 minutes late. What they agreed to is what happens."""
    path = write("tips.yaml", RECURRING.format(policy="skip"))
    assert run_cli("schedule", str(path)).exit_code == 0
    assert run_cli("pause", "tips").exit_code == 0
    clock.set(datetime(2027, 1, 13, 12, 15, tzinfo=START.tzinfo))  # "announce" is 25 min late

    import click

    real_confirm = click.confirm

    def slow_reader(*args: Any, **kwargs: Any) -> Any:
        clock.advance(minutes=10)  # 35 min late now
        return real_confirm(*args, **kwargs)

    monkeypatch.setattr(click, "confirm", slow_reader)
    done = run_cli("resume", "tips", input="y\n")
    assert done.exit_code == 0, done.stderr
    assert _by_campaign(store)["tips"]["announce@outbox:cafe"] == "pending"
    with store.session() as session:
        announce = session.scalar(select(PostRow).where(PostRow.post_key == "announce"))
        assert announce is not None and announce.next_attempt_at == clock()  # lateness counts from the resume


def test_declining_the_question_changes_nothing(run_cli, write, store: Store) -> None:  # type: ignore[no-untyped-def]
    path = write("tips.yaml", RECURRING.format(policy="skip"))
    assert run_cli("schedule", str(path)).exit_code == 0
    assert run_cli("pause", "tips").exit_code == 0
    declined = run_cli("resume", "tips", input="n\n")
    assert declined.exit_code == 1
    assert "Nothing changed yet." in declined.stdout
    status = run_cli("status").stdout
    assert "paused since" in status
    upcoming = status[status.index("Upcoming") :]
    rows = [line for line in upcoming.splitlines() if "outbox:cafe" in line]
    assert rows and all("pending (paused)" in line for line in rows)  # each waiting post says why
    french = run_cli("--lang", "fr", "status").stdout
    assert "(en pause)" in french[french.index("outbox:cafe") :]


def test_resume_without_a_terminal_refuses_and_says_to_add_yes(
    run_cli, write, settings: Settings, store: Store
) -> None:  # type: ignore[no-untyped-def]
    """As a script or a cron job runs it: stdin is not a terminal."""
    path = write("tips.yaml", RECURRING.format(policy="skip"))
    assert run_cli("schedule", str(path)).exit_code == 0
    assert run_cli("pause", "tips").exit_code == 0
    env = {
        **os.environ,
        "SOCIALPOST_DATABASE_URL": settings.database_url,
        "SOCIALPOST_DATA_DIR": str(settings.data_dir),
    }
    socialpost = str(REPO / ".venv" / "bin" / "socialpost")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [socialpost, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60
        )

    refused = run("resume", "tips")
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.startswith("error: socialpost resume tips asks for confirmation, and the input here is not")
    assert "add --yes" in refused.stderr and "Traceback" not in refused.stderr
    scripted = run("resume", "tips", "--json")
    assert scripted.returncode == 2 and "--yes" in scripted.stderr and scripted.stdout == ""
    french = run("--lang", "fr", "resume", "tips")
    assert french.returncode == 2
    assert "ajoutez --yes" in french.stderr
    assert "paused since" in run_cli("status").stdout  # still paused
    assert run("resume", "tips", "--yes").returncode == 0
    assert "paused" not in run_cli("status").stdout.lower()


# --- pause: names, repeats, and what it reports ---------------------------------------------------


def test_pause_names_a_campaign_or_an_account_and_says_what_it_cannot_find(run_cli, write, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    path = write("launch.yaml", campaign_yaml([("teaser", "2027-03-02 09:00", "Soon?")], accounts=("outbox:cafe",)))
    assert run_cli("schedule", str(path)).exit_code == 0
    cases = {
        ("launch/teaser",): "error: 'launch/teaser' is a post, not a campaign or an account. A pause holds a whole",
        ("Outbox:cafe",): "error: 'Outbox:cafe' is not an account. Write it as network:name, the network in lower",
        ("outbox:cfe",): "error: no post goes to outbox:cfe, and it is not in your config. Did you mean outbox:cafe?",
        ("cafe",): "error: no campaign named 'cafe'. Campaigns: launch. To pause an account, write it as network:name: "
        "outbox:cafe.",
        ("lunch",): "error: no campaign named 'lunch'. Campaigns: launch.",
    }
    for args, message in cases.items():
        result = run_cli("pause", *args)
        assert result.exit_code == 2, (args, result.stdout)
        assert result.stderr.startswith(message), result.stderr
    # an account in the config may be paused before any post goes to it
    settings.accounts = {"mastodon": {"cafe": {"instance": "https://social.example", "access_token": "t"}}}
    assert run_cli("pause", "mastodon:cafe").exit_code == 0
    first = run_cli("pause", "launch", "--reason", "crisis")
    again = run_cli("pause", "launch", "--reason", "another reason")
    assert again.exit_code == 0 and first.exit_code == 0
    assert "campaign 'launch' is already paused (since 2027-01-10 12:00 (UTC), by " in again.stdout
    assert "nothing changed" in again.stdout
    assert "crisis" in run_cli("status").stdout and "another reason" not in run_cli("status").stdout
    missing = run_cli("resume", "lanch")
    assert missing.exit_code == 2
    assert "Did you mean launch?" in missing.stderr


def test_the_daemon_does_not_wake_for_paused_posts_and_follow_does_not_wait_for_them(
    run_cli, store: Store, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    overdue = seed_posts(store, 3, due=START - timedelta(hours=1), campaign="crisis")
    later = seed_posts(store, 1, due=START + timedelta(hours=2), campaign="other")
    queue = Queue(store, "d", clock=clock)
    assert queue.next_due() == START - timedelta(hours=1)
    assert run_cli("pause", "crisis").exit_code == 0
    # a paused post long overdue would make the daemon claim in a loop: its next time is the other post's
    assert queue.next_due() == START + timedelta(hours=2)
    assert queue.claim(10, timedelta(minutes=1)) == []
    assert settled(store, ["crisis"]) and not settled(store, ["other"])
    assert run_cli("pause", "outbox:news").exit_code == 0  # both campaigns post there
    assert queue.next_due() is None
    assert run_cli("resume", "crisis", "--yes").exit_code == 0
    assert queue.next_due() is None  # the account is still paused
    assert queue.claim(10, timedelta(minutes=1)) == []
    resumed = json.loads(run_cli("resume", "outbox:news", "--yes", "--json").stdout)
    assert resumed["counts"]["missed"] == 3  # an hour late, beyond the default 15 minutes: skip
    assert [c.id for c in queue.claim(10, timedelta(minutes=1))] == []
    clock.advance(hours=2)
    assert [c.id for c in queue.claim(10, timedelta(minutes=1))] == later
    assert len(overdue) == 3


def test_doctor_mentions_a_pause_that_holds_posts_due_soon(run_cli, store: Store, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    seed_posts(store, 2, due=START + timedelta(hours=3), campaign="crisis", account="outbox:cafe")
    seed_posts(store, 1, due=START + timedelta(days=5), campaign="later", account="outbox:later")

    def pauses() -> list[dict[str, Any]]:
        report = json.loads(run_cli("doctor", "--json").stdout)
        return [f for f in report["findings"] if f["check"] == "pauses"]

    assert pauses() == []
    assert run_cli("pause", "later", "--reason", "next week").exit_code == 0
    assert pauses() == []  # nothing due within a day
    assert run_cli("pause", "crisis", "--reason", "burst pipe").exit_code == 0
    (finding,) = pauses()
    assert finding["status"] == "warning"
    assert finding["message"].startswith("Paused posts will not go out: campaign 'crisis' (paused 0 s ago by "), (
        finding["message"]
    )
    assert (
        "holds 2 posts due within 1 day, the first crisis/p00000 to outbox:cafe due 2027-01-10 15:00"
        in (finding["message"])
    )
    assert "burst pipe" in finding["message"]
    assert finding["fix"].startswith("When you are ready: socialpost resume crisis (it shows what happens")
    text = run_cli("doctor")
    assert "! pauses: Paused posts will not go out" in text.stdout


def test_status_lists_pauses_for_scripts_and_for_one_campaign(run_cli, store: Store, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    seed_posts(store, 2, due=START - timedelta(minutes=5), campaign="crisis", account="outbox:cafe")
    seed_posts(store, 1, due=START + timedelta(hours=1), campaign="calm", account="outbox:cafe")
    assert run_cli("pause", "crisis", "--reason", "flood").exit_code == 0
    assert run_cli("pause", "outbox:cafe").exit_code == 0
    data = json.loads(run_cli("status", "--json").stdout)
    assert [(p["kind"], p["target"], p["waiting"], p["overdue"]) for p in data["paused"]] == [
        ("campaign", "crisis", 2, 2),
        ("account", "outbox:cafe", 3, 2),
    ]
    first = data["paused"][0]
    assert set(first) == {
        "kind",
        "target",
        "since",
        "by",
        "reason",
        "waiting",
        "overdue",
        "due_soon",
        "next_due",
        "resume",
    }
    assert (first["since"], first["reason"], first["resume"]) == (
        "2027-01-10T12:00:00Z",
        "flood",
        "socialpost resume crisis",
    )
    calm = json.loads(run_cli("status", "--json", "--campaign", "calm").stdout)["paused"]
    assert [(p["target"], p["waiting"]) for p in calm] == [("outbox:cafe", 1)]
    # resuming the campaign: its posts stay held by the account's pause, and the plan says so
    plan = json.loads(run_cli("resume", "crisis", "--dry-run", "--json").stdout)
    assert plan["overdue"] == [] and plan["counts"]["still_paused"] == 2


def test_plan_json_names_the_pause_that_holds_each_post(run_cli, write, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    path = write("launch.yaml", campaign_yaml([("teaser", "2027-03-02 09:00", "Soon?")], accounts=("outbox:cafe",)))
    assert run_cli("schedule", str(path)).exit_code == 0
    assert run_cli("pause", "launch", "--reason", "rebrand").exit_code == 0
    (item,) = json.loads(run_cli("plan", str(path), "--json").stdout)["posts"]
    assert (item["action"], item["status"], item["state"], item["cancelled_by"]) == (
        "unchanged",
        "pending",
        "pending",
        None,
    )
    assert item["paused_by"] == [
        {"kind": "campaign", "target": "launch", "since": "2027-01-10T12:00:00Z", "reason": "rebrand"}
    ]
    text = run_cli("plan", str(path))
    assert "unchanged (paused)" in text.stdout
    assert "campaign 'launch' is paused: 1 post waits in the queue until you run socialpost resume launch" in (
        text.stdout
    )


def test_pause_and_resume_speak_french(run_cli, write, store: Store, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    path = write("tips.yaml", RECURRING.format(policy="hold"))
    assert run_cli("schedule", str(path)).exit_code == 0
    paused = run_cli("--lang", "fr", "pause", "tips", "--reason", "dégât d'eau")
    assert paused.stdout.startswith("Mise en pause : la campagne « tips ».\n")
    assert "publications en attente restent dans la file et ne partiront pas avant que vous lanciez : " in paused.stdout
    status = run_cli("--lang", "fr", "status").stdout
    assert status.startswith("En pause\n  la campagne « tips » est en pause depuis 2027-01-10 12:00 (UTC), par ")
    assert ": dégât d'eau" in status
    clock.set(datetime(2027, 1, 13, 12, 0, tzinfo=START.tzinfo))
    dry = run_cli("--lang", "fr", "resume", "tips", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "Arrivées à échéance pendant la pause" in dry.stdout
    assert "retenue pour vous" in dry.stdout and "marquée manquée" in dry.stdout and "part maintenant" in dry.stdout
    assert "Politique de retard de « tips » : within 30 min, else hold." in dry.stdout
    assert "À la reprise — part maintenant : 1; marquée manquée : 2; retenue pour vous : 1." in dry.stdout
    assert "Rien n'a encore changé." in dry.stdout
    asked = run_cli("--lang", "fr", "resume", "tips", input="y\n")
    assert "Reprendre la campagne « tips »?" in asked.stderr
    assert asked.exit_code == 0, asked.stderr
    assert "Reprise : la campagne « tips »." in asked.stdout
    wrong = run_cli("--lang", "fr", "pause", "Outbox:cafe")
    assert wrong.stderr.startswith("erreur : « Outbox:cafe » n'est pas un compte. Écrivez-le sous la forme réseau:nom")
