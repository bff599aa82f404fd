"""A daemon that starts after posts were due: the late policy, with a real daemon and outbox."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from socialpost.daemon.service import Daemon
from socialpost.settings.config import Settings
from socialpost.store.db import Store
from socialpost.store.models import PostRow
from socialpost.store.queue import Queue, settled
from socialpost.timeutil import utcnow
from tests.conftest import START, FakeClock
from tests.store_helpers import assert_history_consistent, post, seed_posts
from tests.test_budgets import _seed_recurring

EXPECTED = {  # (20 minutes late, 5 minutes late, newest of three late occurrences)
    "skip": ("missed", "sent", "missed"),
    "post": ("sent", "sent", "sent"),
    "hold": ("held", "sent", "held"),
}


@pytest.mark.parametrize("policy", sorted(EXPECTED))
def test_daemon_down_across_due_times_follows_the_late_policy(
    store: Store, settings: Settings, policy: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="socialpost")
    now = utcnow()
    late, recent = seed_posts(
        store, 2, due=[now - timedelta(minutes=20), now - timedelta(minutes=5)], campaign="bulk", late_else=policy
    )
    occurrences = _seed_recurring(store, [now - timedelta(hours=h) for h in (3, 2, 1)], late_else=policy)
    daemon = Daemon(store, settings, daemon_id="late", stop_when=lambda: settled(store, ["bulk", "weekly"]))
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()

    with store.session() as session:
        rows = {r.id: r for r in session.scalars(select(PostRow))}
    assert (rows[late].status, rows[recent].status, rows[occurrences[-1]].status) == EXPECTED[policy]
    for older in occurrences[:-1]:
        assert rows[older].status == "missed" and "superseded" in (rows[older].last_error or "")
    sent_files = list((settings.data_dir / "outbox" / "news" / "posts").glob("*.json"))
    assert len(sent_files) == sum(1 for r in rows.values() if r.status == "sent")
    if policy != "post":
        assert rows[late].last_error is not None
        assert rows[late].last_error.startswith("20 min late, more than the campaign's late rule allows (15 min).")
        said = [r.getMessage() for r in caplog.records if r.name == "socialpost.store.queue"]
        assert any(line.startswith("bulk/") and f": {EXPECTED[policy][0]} (20 min late" in line for line in said)
    assert_history_consistent(store)


# --- a late post's reason says how late in words and how to send it ---------------------------------

LEASE = timedelta(seconds=60)


def _retry_command(reason: str) -> list[str]:
    match = re.search(r"run 'socialpost (retry [^']+)'", reason)
    assert match, reason
    return match.group(1).split()


def test_a_missed_post_says_how_late_in_words_and_how_to_send_it(store: Store, clock: FakeClock, run_cli: Any) -> None:
    late = START - timedelta(days=685, hours=2, minutes=57, seconds=5.372772)
    (post_id,) = seed_posts(store, 1, due=late, campaign="spring", late_else="skip")
    assert Queue(store, "d", clock=clock).claim(5, LEASE) == []
    row = post(store, post_id)
    assert row.status == "missed"
    reason = row.last_error or ""
    assert reason == (
        "685 days late, more than the campaign's late rule allows (15 min). Fix: to send it anyway, run "
        f"'socialpost retry spring/{row.post_key}@outbox:news'; to allow more, change 'late:' in the campaign file"
    )
    assert "." not in reason.split(" late")[0]  # no fractions of a second

    shown = run_cli("status").stdout  # in the "why and what to do" column, folded over lines
    assert "".join(reason.split()) in "".join(shown.split()).replace("│", "")

    # the fix it gives works as written
    retried = run_cli(*_retry_command(reason))
    assert retried.exit_code == 0, retried.stderr
    assert post(store, post_id).status == "pending"


def test_a_held_occurrence_names_its_occurrence_in_the_fix(store: Store, clock: FakeClock, run_cli: Any) -> None:
    older, newest = _seed_recurring(
        store, [START - timedelta(hours=3, minutes=12, seconds=7), START - timedelta(hours=1)], late_else="hold"
    )
    Queue(store, "d", clock=clock).claim(5, LEASE)
    superseded, held = post(store, older), post(store, newest)
    assert superseded.status == "missed"
    assert (superseded.last_error or "").startswith("3 h 12 min late and superseded by a newer occurrence")
    assert held.status == "held"
    reason = held.last_error or ""
    assert reason.startswith("1 h late, more than the campaign's late rule allows (15 min).")
    assert f"'socialpost retry weekly/tip@{held.occurrence}@outbox:news'" in reason
    retried = run_cli(*_retry_command(reason))
    assert retried.exit_code == 0, retried.stderr
    assert post(store, newest).status == "pending" and post(store, older).status == "missed"
