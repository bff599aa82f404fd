"""`socialpost resolve / retry / cancel`: the user settles, re-queues and cancels posts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from socialpost.store.db import Store
from socialpost.store.models import PostRow, Status
from socialpost.store.queue import Queue
from tests.conftest import START, FakeClock
from tests.store_helpers import assert_history_consistent, events, post, seed_posts


def _set(store: Store, post_id: int, status: Status) -> None:
    """Walk a seeded pending post to ``status`` the way the daemon would (events included)."""
    queue = Queue(store, "d", clock=lambda: START)
    if status in (Status.MISSED, Status.HELD, Status.CANCELLED):
        with store.write() as session:
            queue._set(session, post_id, "pending", status, "late", "test", now=START)
        return
    far = START + timedelta(days=365)
    with store.write() as session:  # claim exactly this one: the others wait far away meanwhile
        session.execute(update(PostRow).where(PostRow.id != post_id).values(next_attempt_at=far))
    queue.claim(1, timedelta(minutes=5))
    with store.write() as session:
        session.execute(update(PostRow).where(PostRow.next_attempt_at == far).values(next_attempt_at=START))
    finish = {
        Status.FAILED: lambda: queue.mark_failed(post_id, "rejected"),
        Status.UNKNOWN: lambda: queue.mark_unknown(post_id, "daemon died"),
        Status.RETRY_WAIT: lambda: queue.mark_retry(post_id, "500", START + timedelta(minutes=1)),
        Status.SENT: lambda: queue.mark_sent(post_id, remote_id="r", remote_url="https://x.test/r"),
    }
    assert finish[status]()


@pytest.fixture
def two_accounts(store: Store) -> tuple[int, int]:
    news, hook = seed_posts(store, 1, due=START, campaign="launch", account="outbox:news") + seed_posts(
        store, 1, due=START, campaign="launch", account="webhook:hook"
    )
    # both rows are post "p00000"/"p00001"; give them one post id, as a campaign with two accounts does
    with store.write() as session:
        session.execute(update(PostRow).where(PostRow.id.in_([news, hook])).values(post_key="teaser"))
    return news, hook


def test_resolve_sent_records_the_url_after_confirmation(store: Store, run_cli, two_accounts: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    news, _hook = two_accounts
    _set(store, news, Status.UNKNOWN)
    declined = run_cli("resolve", "launch/teaser@outbox:news", "--sent", "https://x.test/1", input="n\n")
    assert declined.exit_code == 1 and post(store, news).status == "unknown"
    assert "Record launch/teaser to outbox:news as sent at https://x.test/1?" in declined.stderr

    result = run_cli("resolve", "launch/teaser", "--account", "outbox:news", "--sent", "https://x.test/1", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "launch/teaser to outbox:news: unknown → sent (https://x.test/1)" in result.stdout
    row = post(store, news)
    assert (row.status, row.remote_url, row.sent_at) == ("sent", "https://x.test/1", START)
    last = events(store, news)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("resolved", "unknown", "sent")
    assert (last.detail or "").startswith("by the user")
    assert_history_consistent(store)


def test_resolve_not_sent_queues_the_post_again_now(
    store: Store, run_cli, clock: FakeClock, two_accounts: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    _news, hook = two_accounts
    _set(store, hook, Status.UNKNOWN)
    clock.advance(hours=2)
    result = run_cli("resolve", "launch/teaser@webhook:hook", "--not-sent", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "changed": [
            {
                "campaign": "launch",
                "id": "teaser",
                "account": "webhook:hook",
                "network": "webhook",
                "from": "unknown",
                "to": "pending",
                "url": None,
            }
        ]
    }
    row = post(store, hook)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, clock())
    # two hours after its time, but the user just asked: the late policy does not skip it
    (claimed,) = Queue(store, "d2", clock=clock).claim(5, timedelta(minutes=1))
    assert claimed.id == hook
    assert_history_consistent(store)


def test_resolve_refuses_a_post_that_is_not_unknown(store: Store, run_cli, two_accounts: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("resolve", "launch/teaser@outbox:news", "--not-sent", "--yes")
    assert result.exit_code == 2
    assert "launch/teaser@outbox:news is pending; only unknown posts can be resolved" in result.stderr
    assert run_cli("resolve", "launch/teaser@outbox:news", "--yes").exit_code == 2  # neither --sent nor --not-sent
    both = run_cli("resolve", "launch/teaser@outbox:news", "--sent", "https://x", "--not-sent", "--yes")
    assert both.exit_code == 2
    bad_url = run_cli("resolve", "launch/teaser@outbox:news", "--sent", "not a url", "--yes")
    assert bad_url.exit_code == 2 and "is not a URL" in bad_url.stderr


def test_ambiguous_and_unknown_ids_are_explained(store: Store, run_cli, two_accounts: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    ambiguous = run_cli("cancel", "launch/teaser")
    assert ambiguous.exit_code == 2
    assert "'launch/teaser' matches 2 posts: launch/teaser@outbox:news (pending), " in ambiguous.stderr
    assert "launch/teaser@webhook:hook (pending)" in ambiguous.stderr and "@ACCOUNT" in ambiguous.stderr
    missing = run_cli("retry", "launch/teasr")
    assert missing.exit_code == 2 and "no post 'launch/teasr' in campaign 'launch'" in missing.stderr
    assert "Did you mean launch/teaser?" in missing.stderr
    wrong_account = run_cli("retry", "launch/teaser@outbox:typo")
    assert wrong_account.exit_code == 2 and "It has: launch/teaser@outbox:news (pending), " in wrong_account.stderr
    no_campaign = run_cli("retry", "autumn/teaser")
    assert no_campaign.exit_code == 2 and "no campaign named 'autumn'. Campaigns: launch." in no_campaign.stderr
    malformed = run_cli("cancel", "teaser")
    assert malformed.exit_code == 2 and "CAMPAIGN/POST-ID" in malformed.stderr
    conflict = run_cli("cancel", "launch/teaser@outbox:news", "--account", "webhook:hook")
    assert conflict.exit_code == 2 and "two different accounts" in conflict.stderr
    none = run_cli("retry")
    assert none.exit_code == 2 and "say which posts" in none.stderr
    assert run_cli("retry", "launch/teaser@outbox:news", "--all").exit_code == 2


def test_retry_requeues_failed_missed_and_held_posts_with_attempts_reset(
    store: Store, run_cli, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    failed, missed, held, sent, pending = seed_posts(store, 5, due=START, campaign="launch")
    other = seed_posts(store, 1, due=START, campaign="other")[0]
    for post_id, status in ((failed, Status.FAILED), (missed, Status.MISSED), (held, Status.HELD), (sent, Status.SENT)):
        _set(store, post_id, status)
    _set(store, other, Status.FAILED)
    clock.advance(days=1)

    refused = run_cli("retry", f"launch/{post(store, sent).post_key}")
    assert refused.exit_code == 2 and "is sent; only failed, missed or held posts can be retried" in refused.stderr

    result = run_cli("retry", "--campaign", "launch", "--json")
    assert result.exit_code == 0, result.stderr
    changed = json.loads(result.stdout)["changed"]
    assert sorted((c["from"], c["to"]) for c in changed) == [
        ("failed", "pending"),
        ("held", "pending"),
        ("missed", "pending"),
    ]
    for post_id in (failed, missed, held):
        row = post(store, post_id)
        assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == ("pending", 0, clock(), None)
        assert (events(store, post_id)[-1].kind, events(store, post_id)[-1].detail) == ("retry", "by the user")
    assert post(store, other).status == "failed" and post(store, pending).status == "pending"
    again = run_cli("retry", "--campaign", "launch")
    assert again.exit_code == 0 and "Nothing to retry" in again.stdout
    everything = run_cli("retry", "--all")
    assert everything.exit_code == 0 and "other/" in everything.stdout and post(store, other).status == "pending"
    assert_history_consistent(store)


def test_cancel_one_post_or_a_campaign(store: Store, run_cli) -> None:  # type: ignore[no-untyped-def]
    pending, waiting, held, unknown = seed_posts(store, 4, due=START, campaign="launch")
    _set(store, waiting, Status.RETRY_WAIT)
    _set(store, held, Status.HELD)
    _set(store, unknown, Status.UNKNOWN)
    one = run_cli("cancel", f"launch/{post(store, pending).post_key}")
    assert one.exit_code == 0 and "pending → cancelled" in one.stdout
    refused = run_cli("cancel", f"launch/{post(store, unknown).post_key}")
    assert refused.exit_code == 2 and "only pending, retry_wait or held posts can be cancelled" in refused.stderr
    result = run_cli("cancel", "--campaign", "launch", "--json")
    assert result.exit_code == 0
    assert sorted(c["from"] for c in json.loads(result.stdout)["changed"]) == ["held", "retry_wait"]
    assert [post(store, i).status for i in (pending, waiting, held, unknown)] == ["cancelled"] * 3 + ["unknown"]
    assert events(store, held)[-1].detail == "by the user"
    assert_history_consistent(store)


def test_occurrences_are_named_with_their_local_time(store: Store, run_cli) -> None:  # type: ignore[no-untyped-def]
    first, second = seed_posts(store, 2, due=START, campaign="weekly")
    with store.write() as session:
        for post_id, occurrence in ((first, "2027-01-10T09:00"), (second, "2027-01-17T09:00")):
            session.execute(update(PostRow).where(PostRow.id == post_id).values(post_key="tip", occurrence=occurrence))
    ambiguous = run_cli("cancel", "weekly/tip")
    assert ambiguous.exit_code == 2 and "weekly/tip@2027-01-10T09:00@outbox:news (pending)" in ambiguous.stderr
    result = run_cli("cancel", "weekly/tip@2027-01-17T09:00@outbox:news")
    assert result.exit_code == 0 and "weekly/tip@2027-01-17T09:00 to outbox:news: pending → cancelled" in result.stdout
    assert post(store, second).status == "cancelled" and post(store, first).status == "pending"
