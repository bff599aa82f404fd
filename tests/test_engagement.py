"""Engagement collection: the snapshot schedule, batching, read budgets, "not available" versus zero,
back-off on 429 — with an injected clock, a test-only adapter for the policy, and the real Facebook
adapter against a local HTTP server for the wire."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from socialpost.cli import COMMANDS
from socialpost.daemon.collector import CollectorJob
from socialpost.engagement.collect import Collector
from socialpost.engagement.metrics import METRICS, engagement_rate, normalise
from socialpost.engagement.schedule import UNAVAILABLE, due_mark, is_due, next_due
from socialpost.errors import AuthError, RateLimited, TransientError
from socialpost.networks.base import Network, OutgoingPost, Published
from socialpost.report.aggregate import load_posts
from socialpost.settings.config import Settings
from socialpost.settings.engagement import EngagementSettings, engagement_settings
from socialpost.store.db import Store
from socialpost.store.models import EventRow, SnapshotRow
from socialpost.wiring import Adapters
from tests.conftest import FakeClock
from tests.store_helpers import deliver_due
from tests.support.http import LocalServer, Reply
from tests.support.walk import schedule_walk
from tests.test_report import T0, Seeder

AGES = [timedelta(hours=1), timedelta(hours=24), timedelta(days=7), timedelta(days=30)]


class Recorder(Network):
    """A test-only adapter: answers from a table, records each fetch_metrics call, fails on demand."""

    name = "fake"
    title = "Fake"

    def __init__(self, account: str = "fake:one") -> None:
        self.account = account
        self.calls: list[list[str]] = []
        self.answers: dict[str, dict[str, Any]] = {}
        self.fail: list[Exception] = []
        self.lock = threading.Lock()

    def publish(self, post: OutgoingPost) -> Published:  # pragma: no cover - not used here
        raise NotImplementedError

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        with self.lock:
            self.calls.append(list(remote_ids))
            if self.fail:
                raise self.fail.pop(0)
            return {i: self.answers.get(i, {"likes": 1}) for i in remote_ids if i in self.answers or "gone" not in i}


def adapters_with(settings: Settings, clock: FakeClock, *fakes: Recorder) -> Adapters:
    adapters = Adapters(settings, clock=clock)
    for fake in fakes:
        adapters._instances[fake.account] = fake
    return adapters


def snapshots(store: Store) -> list[SnapshotRow]:
    with store.session() as session:
        return list(session.scalars(select(SnapshotRow).order_by(SnapshotRow.id)))


# --- pure policy ----------------------------------------------------------------------------------


def test_due_at_each_age_once() -> None:
    sent = T0
    assert due_mark(sent, sent + timedelta(minutes=59), AGES) is None
    assert is_due(sent, None, sent + timedelta(hours=1), AGES)
    assert not is_due(sent, sent + timedelta(hours=1), sent + timedelta(hours=5), AGES)
    assert is_due(sent, sent + timedelta(hours=1), sent + timedelta(hours=24), AGES)
    # stopped for ten days: one read covers 1 h, 24 h and 7 d
    assert due_mark(sent, sent + timedelta(days=10), AGES) == sent + timedelta(days=7)
    assert not is_due(sent, sent + timedelta(days=10), sent + timedelta(days=20), AGES)
    assert next_due(sent, sent + timedelta(days=10), AGES) == sent + timedelta(days=30)
    assert next_due(sent, sent + timedelta(days=31), AGES) is None


def test_normalise_keeps_not_available_apart_from_zero() -> None:
    got = normalise({"likes": 0, "views": None, "reposts": "3", "replies": -1, "quotes": True, "extra": 9})
    assert got == {
        "views": None,
        "likes": 0,
        "reposts": 3,
        "replies": None,
        "quotes": None,
        "bookmarks": None,
        "clicks": None,
    }
    assert engagement_rate({"views": 200, "likes": 10, "reposts": 5, "replies": None, "quotes": 5}) == 0.1
    assert engagement_rate({"views": None, "likes": 10}) is None
    assert engagement_rate({"views": 0, "likes": 10}) is None


def test_settings_validate_and_read_from_config() -> None:
    parsed = EngagementSettings.model_validate(
        {"ages": ["7d", "1h", "24h"], "every": "5m", "reads_per_day_overrides": {"x": 50}}
    )
    assert parsed.ages == [timedelta(hours=1), timedelta(hours=24), timedelta(days=7)]
    assert parsed.budget("x:acme") == 50 and parsed.budget("mastodon:acme") == 1000
    assert parsed.model_dump()["ages"] == ["1h", "1d", "7d"]
    with pytest.raises(ValueError, match="Fix"):
        EngagementSettings.model_validate({"ages": ["0s"]})
    with pytest.raises(ValueError):
        EngagementSettings.model_validate({"surprise": 1})
    assert engagement_settings(object()).ages == AGES  # config without the section: the defaults

    class WithSection:
        engagement = EngagementSettings(reads_per_day=3)

    assert engagement_settings(WithSection()).reads_per_day == 3


# --- the collector with an injected clock ---------------------------------------------------------


def test_schedule_batches_and_ages(store: Store, settings: Settings, clock: FakeClock) -> None:
    seed = Seeder(store)
    ids = [seed.post("c", f"p{i}", "fake:one", due=T0) for i in range(5)]
    seed.post("c", "lost", "fake:one", due=T0, status="failed")  # never asked: it did not go out
    fake = Recorder()
    collector = Collector(store, adapters_with(settings, clock, fake), EngagementSettings(batch_size=2), clock=clock)

    clock.set(T0 + timedelta(minutes=30))
    assert collector.collect().accounts == [] and fake.calls == []
    clock.set(T0 + timedelta(hours=1))
    result = collector.collect()
    assert [len(c) for c in fake.calls] == [2, 2, 1]  # batch_size per call; the adapter splits further
    assert result.collected == 5 and result.accounts[0].left == 0
    assert len(snapshots(store)) == 5 * len(METRICS)
    fake.calls.clear()
    clock.advance(minutes=10)
    assert collector.collect().collected == 0 and fake.calls == []  # not due again before 24 h
    clock.set(T0 + timedelta(days=12))  # a daemon stopped for 11 days: one read for 24 h and 7 d
    assert collector.collect().collected == 5
    clock.advance(days=1)
    assert collector.collect().collected == 0
    clock.set(T0 + timedelta(days=30))
    assert collector.collect().collected == 5
    clock.set(T0 + timedelta(days=400))
    assert collector.collect().collected == 0  # past the last age: never again
    assert collector.collect(mode="all").collected == 5  # unless asked for
    with store.session() as session:
        times = session.scalars(
            select(SnapshotRow.collected_at).where(SnapshotRow.post_id == ids[0], SnapshotRow.metric == "likes")
        ).all()
    assert times == [
        T0 + timedelta(hours=1),
        T0 + timedelta(days=12),
        T0 + timedelta(days=30),
        T0 + timedelta(days=400),
    ]


def test_not_available_versus_zero_and_raw(store: Store, settings: Settings, clock: FakeClock) -> None:
    seed = Seeder(store)
    post = seed.post("c", "p", "fake:one", due=T0, remote_id="r-1")
    fake = Recorder()
    fake.answers["r-1"] = {"likes": 0, "views": None, "replies": 2, "saves": 4}
    clock.set(T0 + timedelta(hours=2))
    Collector(store, adapters_with(settings, clock, fake), clock=clock).collect()
    rows = {r.metric: r for r in snapshots(store)}
    assert set(rows) == set(METRICS)
    assert rows["likes"].value == 0 and rows["views"].value is None and rows["quotes"].value is None
    assert rows["views"].raw == {"likes": 0, "views": None, "replies": 2, "saves": 4}  # the whole answer, once
    assert rows["likes"].raw is None
    latest = load_posts(store)[0]
    assert latest.row_id == post and latest.metrics["likes"] == 0 and latest.metrics["views"] is None


def test_a_post_without_metrics_waits_for_its_next_age(store: Store, settings: Settings, clock: FakeClock) -> None:
    seed = Seeder(store)
    seed.post("c", "p", "fake:one", due=T0, remote_id="gone-1")
    fake = Recorder()
    collector = Collector(store, adapters_with(settings, clock, fake), clock=clock)
    clock.set(T0 + timedelta(hours=1))
    assert collector.collect().accounts[0].unavailable == 1
    with store.session() as session:
        assert session.scalars(select(EventRow.kind).where(EventRow.kind == UNAVAILABLE)).all() == [UNAVAILABLE]
    assert snapshots(store) == []
    clock.advance(hours=2)
    collector.collect()
    assert len(fake.calls) == 1  # not asked again every round
    clock.set(T0 + timedelta(hours=24))
    collector.collect()
    assert len(fake.calls) == 2


def test_read_budget_holds_across_collectors(store: Store, settings: Settings, clock: FakeClock) -> None:
    seed = Seeder(store)
    for i in range(5):
        seed.post("c", f"p{i}", "fake:one", due=T0)
    fake = Recorder()
    budget = EngagementSettings(reads_per_day=3)
    clock.set(T0 + timedelta(hours=1))
    first = Collector(store, adapters_with(settings, clock, fake), budget, clock=clock).collect()
    assert first.collected == 3 and first.accounts[0].over_budget == 2
    again = Collector(store, adapters_with(settings, clock, fake), budget, clock=clock).collect()  # another daemon
    assert again.collected == 0 and again.accounts[0].over_budget == 2 and len(fake.calls) == 1
    clock.set(datetime(2027, 3, 2, 0, 5, tzinfo=UTC))  # a new UTC day
    assert Collector(store, adapters_with(settings, clock, fake), budget, clock=clock).collect().collected == 2


def test_rate_limit_backs_off_until_the_reset(store: Store, settings: Settings, clock: FakeClock) -> None:
    seed = Seeder(store)
    seed.post("c", "p", "fake:one", due=T0)
    seed.post("c", "q", "fake:two", due=T0)
    one, two = Recorder("fake:one"), Recorder("fake:two")
    clock.set(T0 + timedelta(hours=1))
    reset = clock() + timedelta(minutes=20)
    one.fail.append(RateLimited("Fake: too many requests (429).", retry_at=reset))
    collector = Collector(store, adapters_with(settings, clock, one, two), clock=clock)
    result = collector.collect()
    by = {a.account: a for a in result.accounts}
    assert by["fake:one"].paused_until == reset and "429" in (by["fake:one"].error or "")
    assert by["fake:two"].collected == 1  # another account is not held up
    clock.advance(minutes=10)
    assert collector.collect().accounts[0].paused_until == reset and len(one.calls) == 1  # not asked before the reset
    clock.advance(minutes=10)
    assert collector.collect().collected == 1 and len(one.calls) == 2


def test_transient_errors_back_off_doubling_and_auth_errors_pause(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    seed = Seeder(store)
    seed.post("c", "p", "fake:one", due=T0)
    fake = Recorder()
    fake.fail = [TransientError("Fake failed (503)."), TransientError("Fake failed (503).")]
    clock.set(T0 + timedelta(hours=1))
    collector = Collector(store, adapters_with(settings, clock, fake), clock=clock)
    assert collector.collect().accounts[0].paused_until == clock() + timedelta(minutes=5)
    clock.advance(minutes=5)
    assert collector.collect().accounts[0].paused_until == clock() + timedelta(minutes=10)
    clock.advance(minutes=10)
    assert collector.collect().collected == 1
    seed.post("c", "q", "fake:one", due=T0)
    fake.fail = [AuthError("Fake: the token expired.", hint="Run socialpost accounts add fake one again.")]
    result = collector.collect()
    assert result.errors and "accounts add" in (result.errors[0].error or "")


def test_daemon_job_never_raises_and_reads_due_posts(store: Store, settings: Settings, clock: FakeClock) -> None:
    seed = Seeder(store)
    seed.post("c", "p", "fake:one", due=T0)
    seed.post("c", "q", "ghost:one", due=T0)  # an account nobody configured
    fake = Recorder()
    job = CollectorJob(store, settings, adapters_with(settings, clock, fake), clock=clock)
    assert job.interval_seconds == 600
    clock.set(T0 + timedelta(hours=1))
    result = job.run()
    assert result is not None and result.collected == 1
    ghost = next(a for a in result.accounts if a.account == "ghost:one")
    assert ghost.error and "ghost" in ghost.error
    stopping = CollectorJob(
        store, settings, adapters_with(settings, clock, fake), clock=clock, should_stop=lambda: True
    )
    clock.set(T0 + timedelta(days=1))
    assert stopping.run() is not None and len(fake.calls) == 1  # stopping: no new reads


# --- the wire: the real Facebook adapter against a local HTTP server ------------------------------

PAGE = "104857600123456"


def _batch_answer(requests: list[dict[str, str]]) -> list[dict[str, Any]]:
    answers = []
    for item in requests:
        url = item["relative_url"]
        post = url.split("?")[0].split("/")[0]
        if "/insights" in url:
            body: dict[str, Any] = {
                "data": [
                    {"name": "post_media_view", "period": "lifetime", "values": [{"value": 250}]},
                    {"name": "post_clicks", "period": "lifetime", "values": [{"value": 9}]},
                ]
            }
        else:
            body = {
                "reactions": {"data": [], "summary": {"total_count": 17}},
                "comments": {"data": [], "summary": {"total_count": 0}},
                "id": post,
            }
        answers.append({"code": 200, "body": json.dumps(body)})
    return answers


def test_facebook_over_http_batches_and_backs_off(store: Store, settings: Settings, clock: FakeClock) -> None:
    seed = Seeder(store)
    for i in range(30):
        seed.post("c", f"p{i}", "facebook:page", due=T0, remote_id=f"{PAGE}_{i}")
    batches: list[int] = []

    def graph(request: Any) -> Reply:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        requests = json.loads(form["batch"])
        batches.append(len(requests))
        if len(batches) == 2:
            usage = json.dumps({PAGE: [{"type": "pages", "estimated_time_to_regain_access": 30}]})
            error = {"error": {"message": "(#32) Page request limit reached", "type": "OAuthException", "code": 32}}
            return Reply(400, error, headers={"x-business-use-case-usage": usage})
        return Reply(200, json.dumps(_batch_answer(requests)), headers={"Content-Type": "application/json"})

    with LocalServer() as server:
        server.respond(graph)
        settings.accounts = {
            "facebook": {"page": {"page_id": PAGE, "page_access_token": "EAAG-s3cr3t", "base_url": server.url}}
        }
        adapters = Adapters(settings, clock=clock)
        clock.set(T0 + timedelta(hours=1))
        collector = Collector(store, adapters, EngagementSettings(batch_size=100), clock=clock)
        try:
            first = collector.collect()
            # 30 posts × 2 requests (fields + insights) = 60 → Graph batches of at most 50
            assert batches == [50, 10]
            outcome = first.accounts[0]
            assert outcome.paused_until == clock() + timedelta(minutes=30)
            assert "rate" in (outcome.error or "").lower() and "s3cr3t" not in (outcome.error or "")
            assert outcome.collected == 0 and outcome.left == 30  # nothing half-stored
            clock.advance(minutes=31)
            second = collector.collect()
        finally:
            adapters.close()
    assert second.collected == 30 and batches == [50, 10, 50, 10]
    post = load_posts(store)[0]
    assert post.metrics["likes"] == 17 and post.metrics["replies"] == 0  # a real zero
    assert post.metrics["views"] == 250 and post.metrics["clicks"] == 9
    assert post.metrics["quotes"] is None and post.metrics["bookmarks"] is None  # Facebook has none: n/a
    assert post.rate == pytest.approx(17 / 250)


def test_collect_command_json_and_progress(
    run_cli, store: Store, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(COMMANDS, "collect", "socialpost.cli.collect:collect")  # until the lead registers it
    seed = Seeder(store)
    seed.post("c", "p", "outbox:shop", due=T0)  # the outbox gives no metrics
    clock.set(T0 + timedelta(hours=2))
    result = run_cli("collect", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"collected", "unavailable", "left", "accounts"}
    assert data["accounts"][0]["account"] == "outbox:shop" and data["accounts"][0]["unavailable"] == 1
    human = run_cli("collect")
    assert human.exit_code == 0 and "outbox:shop" in human.stdout and "no metrics" in human.stdout
    failing = run_cli("collect", "--account", "nowhere:none")
    assert failing.exit_code == 0 and "Nothing to read" in failing.stdout


# --- collect says why the outbox has no figures ---------------------------------------------------


def test_collect_says_the_outbox_gives_no_engagement_figures(
    run_cli, write, settings: Settings, clock: FakeClock
) -> None:
    schedule_walk(run_cli, write, clock)
    clock.advance(hours=1, minutes=1)
    deliver_due(settings, clock)
    clock.advance(hours=2)

    human = run_cli("collect")
    assert human.exit_code == 0, human.stderr
    assert "outbox accounts give no engagement figures, so there is nothing to read." in " ".join(human.stdout.split())

    clock.advance(days=2)  # due again at 24 h
    data = json.loads(run_cli("collect", "--json").stdout)
    assert set(data) == {"collected", "unavailable", "left", "accounts"}  # the JSON shape is unchanged
    (account,) = data["accounts"]
    assert set(account) == {
        "account",
        "wanted",
        "collected",
        "unavailable",
        "over_budget",
        "left",
        "paused_until",
        "error",
    }
    assert account["account"] == "outbox:shop" and account["unavailable"] == 1 and account["error"] is None
