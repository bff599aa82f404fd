"""engagement_latest, the per-post summary the report reads: kept by every snapshot write, in any
order and from several collectors at once, equal to grouping the history; "not available" stays
apart from 0; and the report reads the summary, never the million-row history."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, select, text

from socialpost.engagement import metrics as engagement_metrics
from socialpost.engagement.collect import Collector
from socialpost.report.aggregate import load_posts, read_posts
from socialpost.report.facts import Filters
from socialpost.settings.config import Settings
from socialpost.store.db import Store, open_store
from socialpost.store.models import METRICS, LatestRow, SnapshotRow
from socialpost.store.report_rows import posts_sql
from socialpost.store.sqlite_read import connect_current
from tests.conftest import FakeClock
from tests.store_helpers import throwaway_postgres
from tests.test_engagement import Recorder, adapters_with
from tests.test_report import T0, Seeder

Summary = dict[int, tuple[datetime, dict[str, int | None], datetime | None, dict[str, int | None] | None]]


def from_history(store: Store) -> Summary:
    """What grouping engagement_snapshots gives (the report's old queries): per post, the newest
    collected_at and the one before it, each with the metrics stored at that moment."""
    moments: dict[int, dict[datetime, dict[str, int | None]]] = {}
    with store.session() as session:
        for post_id, at, metric, value in session.execute(
            select(SnapshotRow.post_id, SnapshotRow.collected_at, SnapshotRow.metric, SnapshotRow.value)
        ):
            if metric in METRICS:
                moments.setdefault(post_id, {}).setdefault(at, {})[metric] = value
    out: Summary = {}
    for post_id, found in moments.items():
        times = sorted(found, reverse=True)
        ordered = [{m: found[t][m] for m in METRICS if m in found[t]} for t in times[:2]]
        out[post_id] = (
            times[0],
            ordered[0],
            times[1] if len(times) > 1 else None,
            ordered[1] if len(times) > 1 else None,
        )
    return out


def from_summary(store: Store) -> Summary:
    out: Summary = {}
    with store.session() as session:
        for row in session.scalars(select(LatestRow)):
            latest = {m: getattr(row, m) for bit, m in enumerate(METRICS) if row.stored >> bit & 1}
            previous = None
            if row.previous_collected_at is not None:
                assert row.previous_stored
                previous = {
                    m: getattr(row, f"previous_{m}") for bit, m in enumerate(METRICS) if row.previous_stored >> bit & 1
                }
            out[row.post_id] = (row.collected_at, latest, row.previous_collected_at, previous)
    return out


def add_snapshot(store: Store, post_id: int, at: datetime, values: dict[str, int | None]) -> None:
    with store.session() as session:
        for metric, value in values.items():
            session.add(SnapshotRow(post_id=post_id, collected_at=at, metric=metric, value=value, raw=None))


def test_metric_lists_agree() -> None:
    assert engagement_metrics.METRICS == METRICS  # the bit order in engagement_latest.stored


def test_each_snapshot_write_updates_the_summary_in_its_transaction(store: Store, seed: Seeder) -> None:
    post = seed.post("spring", "a1", "x:acme")
    add_snapshot(store, post, T0 + timedelta(hours=1), {"views": 100, "likes": 5})
    assert from_summary(store) == {post: (T0 + timedelta(hours=1), {"views": 100, "likes": 5}, None, None)}
    add_snapshot(store, post, T0 + timedelta(hours=24), {"views": 400, "likes": 20})
    add_snapshot(store, post, T0 + timedelta(hours=2), {"views": 150, "likes": 6})  # late, older: previous
    add_snapshot(store, post, T0 + timedelta(minutes=30), {"views": 1, "likes": 1})  # older still: history only
    assert from_summary(store) == from_history(store)
    assert from_summary(store)[post][2] == T0 + timedelta(hours=2)
    with pytest.raises(RuntimeError), store.session() as session:  # a rolled-back write leaves no trace
        session.add(SnapshotRow(post_id=post, collected_at=T0 + timedelta(days=9), metric="likes", value=9))
        session.flush()
        raise RuntimeError("abort")
    assert from_summary(store)[post][0] == T0 + timedelta(hours=24)


def test_not_available_stays_apart_from_zero(store: Store, seed: Seeder, run_cli: Any) -> None:
    post = seed.post("spring", "a1", "bluesky:acme")
    add_snapshot(store, post, T0 + timedelta(hours=1), {"views": None, "likes": 0, "reposts": 2})
    with store.session() as session:
        row = session.get(LatestRow, post)
        assert row is not None
        assert row.views is None and row.likes == 0 and row.stored == 0b111  # views stored, as "not available"
        assert row.quotes is None and not row.stored & 1 << METRICS.index("quotes")  # quotes: never stored
    facts = load_posts(store)[0]
    assert facts.metrics == {"views": None, "likes": 0, "reposts": 2}
    report = json.loads(run_cli("report", "--json").stdout)
    assert report["campaigns"][0]["posts"][0]["engagement"]["metrics"] == {"views": None, "likes": 0, "reposts": 2}


snapshot_lists = st.lists(
    st.tuples(
        st.integers(0, 2),  # which post
        st.integers(0, 5),  # which moment
        st.dictionaries(st.sampled_from(METRICS), st.none() | st.integers(0, 1000), min_size=1),
    ),
    max_size=14,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(snapshots=snapshot_lists)
def test_any_order_of_writes_gives_what_the_history_gives(
    store: Store, seed: Seeder, snapshots: list[tuple[int, int, dict[str, int | None]]]
) -> None:
    posts = [seed.post("spring", f"p{i}", "x:acme") for i in range(3)] if not seed.count else [1, 2, 3]
    with store.session() as session:
        session.execute(delete(LatestRow))
        session.execute(delete(SnapshotRow))
    for index, moment, values in snapshots:  # one transaction each, as separate collectors would
        add_snapshot(store, posts[index], T0 + timedelta(hours=moment), values)
    assert from_summary(store) == from_history(store)


def test_two_collectors_the_newest_read_wins_whatever_commits_last(
    settings: Settings, store: Store, seed: Seeder
) -> None:
    post = seed.post("spring", "a1", "fake:one", remote_id="r1")
    early, late = FakeClock(T0 + timedelta(hours=25)), FakeClock(T0 + timedelta(hours=25, seconds=4))
    first, second = Recorder(), Recorder()
    first.answers["r1"] = {"likes": 10, "views": None}
    second.answers["r1"] = {"likes": 12, "views": None}
    newer = Collector(store, adapters_with(settings, late, second), clock=late)
    older = Collector(store, adapters_with(settings, early, first), clock=early)
    assert newer.collect(mode="all").collected == 1  # the later read commits first …
    assert older.collect(mode="all").collected == 1  # … then the earlier one
    latest_at, latest, previous_at, previous = from_summary(store)[post]
    assert (latest_at, latest["likes"], latest["views"]) == (late(), 12, None)
    assert previous_at == early() and previous is not None and previous["likes"] == 10
    assert from_summary(store) == from_history(store)
    facts = load_posts(store)[0]
    assert facts.growth is not None and facts.growth["likes"] == 2 and facts.growth["views"] is None


def _race(url: str) -> None:
    """Two threads (two daemons) fold the same posts' snapshots at once, in different orders."""
    store = open_store(url)
    try:
        seed = Seeder(store)
        posts = [seed.post("spring", f"p{i}", "x:acme") for i in range(10)]
        work = [(p, T0 + timedelta(minutes=m), {"likes": m, "views": None}) for p in posts for m in range(8)]
        shuffled = [random.Random(n).sample(work, len(work)) for n in (1, 2)]
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def collect(items: list[tuple[int, datetime, dict[str, int | None]]]) -> None:
            barrier.wait(timeout=10)
            try:
                for post_id, at, values in items:
                    add_snapshot(store, post_id, at, values)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=collect, args=(items,)) for items in shuffled]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        summary = from_summary(store)
        assert summary == from_history(store)
        assert all(summary[p][0] == T0 + timedelta(minutes=7) for p in posts)
        assert all(summary[p][2] == T0 + timedelta(minutes=6) for p in posts)
    finally:
        store.close()


def test_two_daemons_collecting_at_once_on_sqlite(settings: Settings) -> None:
    _race(settings.database_url)


@pytest.mark.slow
def test_two_daemons_collecting_at_once_on_postgresql() -> None:
    with throwaway_postgres() as url:
        _race(url)


@pytest.fixture
def statements(store: Store) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    yield seen
    event.remove(store.engine, "before_cursor_execute", record)


def test_the_report_reads_the_summary_not_the_history(store: Store, seed: Seeder, statements: list[str]) -> None:
    post = seed.post("spring", "a1", "x:acme")
    add_snapshot(store, post, T0 + timedelta(hours=1), {"views": 100, "likes": 5})
    statements.clear()
    for filters in (Filters(), Filters(campaign="spring", network="x", since=T0 - timedelta(days=1))):
        assert load_posts(store, filters)[0].metrics == {"views": 100, "likes": 5}
    queries = [s for s in statements if not s.startswith("BEGIN")]
    assert len(queries) == 2  # one query per report, whatever the filters
    assert all("engagement_latest" in s and "engagement_snapshots" not in s for s in queries)
    plain = connect_current(str(store.engine.url))  # the CLI's reader: sqlite3 alone
    assert plain is not None
    seen: list[str] = []
    plain.set_trace_callback(seen.append)
    for filters in (Filters(), Filters(campaign="spring", network="x", since=T0 - timedelta(days=1))):
        assert read_posts(plain, filters)[0].metrics == {"views": 100, "likes": 5}
    plain.close()
    assert len(seen) == 2
    assert all("engagement_latest" in s and "engagement_snapshots" not in s for s in seen)
    sql, _params = posts_sql(Filters())
    with store.engine.connect() as connection:
        plan = " | ".join(row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "engagement_snapshots" not in plan
    assert "engagement_latest USING INTEGER PRIMARY KEY" in plan or "sqlite_autoindex_engagement_latest" in plan, plan


@pytest.fixture
def seed(store: Store) -> Seeder:
    return Seeder(store)
