"""A daemon that starts after posts were due: the late policy, with a real daemon and outbox."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from socialpost.daemon.service import Daemon
from socialpost.settings.config import Settings
from socialpost.store.db import Store
from socialpost.store.models import PostRow
from socialpost.store.queue import settled
from socialpost.timeutil import utcnow
from tests.store_helpers import assert_history_consistent, seed_posts
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
