"""The claim stays an index lookup with a million posts in the queue (SQLite and PostgreSQL).

The claim's statement also reads the pauses (``socialpost pause``): two uncorrelated subqueries on
the tiny ``pauses`` table, read once per statement, never a scan or a sort of ``posts``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from socialpost.store.claims import due_query
from socialpost.store.db import Store, open_store
from socialpost.store.models import Status
from socialpost.store.queue import Queue
from tests.conftest import START
from tests.store_helpers import throwaway_postgres

ROWS = 1_000_000
PG_ROWS = 300_000
NOW = "2027-01-10 12:00:00.000000"  # START as SQLite stores it
# Most of the queue is history (sent) or far in the future; 1 row in 10,000 is due now.
_COLUMNS = (
    "campaign_id, post_key, occurrence, account, network, payload, fingerprint, idempotency_key, due_at, "
    "local_time, next_attempt_at, status, attempts, source, created_at, updated_at"
)
SQLITE_FILL = f"""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
INSERT INTO posts ({_COLUMNS})
SELECT 1, 'p' || i, '', 'webhook:a' || (i % 50), 'webhook', '{{"text": "x"}}', 'f', 'k' || i, t, '', t,
       CASE WHEN i % 3 = 0 THEN 'sent' WHEN i % 7 = 0 THEN 'retry_wait' ELSE 'pending' END, 0, '', t, t
FROM (SELECT i, strftime('%Y-%m-%d %H:%M:%f000', '{NOW}', ((i - 100) * 60) || ' seconds') AS t FROM n)
"""
PG_FILL = f"""
INSERT INTO posts ({_COLUMNS})
SELECT 1, 'p' || i, '', 'webhook:a' || (i % 50), 'webhook', '{{"text": "x"}}', 'f', 'k' || i, t, '', t,
       CASE WHEN i % 3 = 0 THEN 'sent' WHEN i % 7 = 0 THEN 'retry_wait' ELSE 'pending' END, 0, '', t, t
FROM (SELECT i, TIMESTAMPTZ '2027-01-10 12:00:00+00' + (i - 100) * INTERVAL '1 minute' AS t
      FROM generate_series(1, {PG_ROWS}) AS i) AS s
"""
CAMPAIGN = (
    "INSERT INTO campaigns (id, name, source_file, timezone, late_within_seconds, late_else, created_at, updated_at) "
    "VALUES (1, 'big', 'big.yaml', 'UTC', 86400, 'post', :t, :t)"
)


def _fill(store: Store, fill: str, now: Any) -> float:
    started = time.perf_counter()
    with store.session() as session:
        session.execute(text(CAMPAIGN), {"t": now})
        session.execute(text(fill))
    return time.perf_counter() - started


def _claim_sql(store: Store, status: Status) -> tuple[str, dict[str, Any]]:
    query = due_query(status, START, 8).with_for_update(skip_locked=True)
    compiled = query.compile(dialect=store.engine.dialect)
    return str(compiled), dict(compiled.params)


def _check_sqlite_plan(plan: list[str]) -> None:
    assert plan[0] == "SEARCH posts USING INDEX ix_posts_claim (status=? AND next_attempt_at<?)", plan
    rest = plan[1:]  # the pauses, read once per statement
    assert [line for line in rest if line.startswith("LIST SUBQUERY")] == ["LIST SUBQUERY 1", "LIST SUBQUERY 2"], plan
    assert all(line.startswith(("LIST SUBQUERY", "SEARCH pauses", "SCAN pauses")) for line in rest), plan


PAUSED_ROWS = 10_000


def _pause_a_backlog(store: Store, now: Any) -> None:
    """A second campaign, paused, with PAUSED_ROWS posts long overdue: each claim walks past them
    in the index (they are due first) and takes none."""
    with store.session() as session:
        session.execute(
            text(
                "INSERT INTO campaigns (id, name, source_file, timezone, late_within_seconds, late_else, created_at,"
                " updated_at) VALUES (2, 'paused', 'p.yaml', 'UTC', 86400, 'post', :t, :t)"
            ),
            {"t": now},
        )
        session.execute(
            text(
                f"INSERT INTO posts ({_COLUMNS}) SELECT 2, 'q' || i, '', 'webhook:b', 'webhook', '{{}}', 'f', "
                "'pk' || i, :t, '', :t, 'pending', 0, '', :t, :t FROM ("
                + (
                    f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PAUSED_ROWS}) "
                    "SELECT i FROM n"
                    if store.dialect == "sqlite"
                    else f"SELECT generate_series(1, {PAUSED_ROWS}) AS i"
                )
                + ") AS s"
            ),
            {"t": now},
        )
        session.execute(
            text("INSERT INTO pauses (campaign_id, paused_by, paused_at) VALUES (2, 'test', :t)"), {"t": now}
        )


def _time_claim(store: Store) -> tuple[float, int]:
    """The second of two claims (the first also warms the connection pool and caches)."""
    queue = Queue(store, "plan", clock=lambda: START)
    queue.claim(8, timedelta(minutes=1))
    started = time.perf_counter()
    claimed = queue.claim(8, timedelta(minutes=1))
    return time.perf_counter() - started, len(claimed)


@pytest.fixture
def sqlite_store(tmp_path: Any) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'big.db'}")
    yield store
    store.close()


@pytest.mark.slow
def test_sqlite_claim_is_an_index_range_scan_over_a_million_rows(
    sqlite_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    filled = _fill(sqlite_store, SQLITE_FILL, NOW)
    plans = []
    with sqlite_store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM posts")).scalar() == ROWS
        for status in (Status.PENDING, Status.RETRY_WAIT):
            sql, params = _claim_sql(sqlite_store, status)
            params = {k: (NOW if k.startswith("next_attempt_at") else v) for k, v in params.items()}
            plan = [
                str(row[3]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(params.values()))
            ]
            plans.append(plan)
            _check_sqlite_plan(plan)
    seconds, claimed = _time_claim(sqlite_store)
    assert claimed == 8
    _pause_a_backlog(sqlite_store, "2027-01-09 12:00:00.000000")
    paused_seconds, claimed = _time_claim(sqlite_store)
    assert claimed == 8
    with sqlite_store.engine.connect() as connection:
        assert connection.execute(
            text("SELECT count(*) FROM posts WHERE campaign_id = 2 AND status = 'pending'")
        ).scalar() == (PAUSED_ROWS)
    with capsys.disabled():
        print(
            f"\n[plan] sqlite: {ROWS:,} rows inserted in {filled:.1f}s; claim of 8 in {seconds * 1000:.1f} ms, "
            f"{paused_seconds * 1000:.1f} ms past {PAUSED_ROWS:,} paused overdue posts; {plans[0]}"
        )


@pytest.mark.slow
def test_postgresql_claim_is_an_index_scan(capsys: pytest.CaptureFixture[str]) -> None:
    with throwaway_postgres() as url:
        store = open_store(url)
        try:
            filled = _fill(store, PG_FILL, START)
            with store.engine.connect() as connection:
                connection.execute(text("ANALYZE posts"))
                plans = []
                for status in (Status.PENDING, Status.RETRY_WAIT):
                    sql, params = _claim_sql(store, status)
                    plan = [str(row[0]) for row in connection.exec_driver_sql("EXPLAIN " + sql, params)]
                    plans.append(plan)
                    joined = "\n".join(plan)
                    assert "Index Scan using ix_posts_claim on posts" in joined, joined
                    assert "Seq Scan on posts" not in joined and "Sort" not in joined, joined
                    assert "hashed SubPlan" in joined, joined  # the pauses: read once, then a hash lookup
            seconds, claimed = _time_claim(store)
            assert claimed == 8
            _pause_a_backlog(store, START - timedelta(days=1))
            paused_seconds, claimed = _time_claim(store)
            assert claimed == 8
            with capsys.disabled():
                print(
                    f"\n[plan] postgresql: {PG_ROWS:,} rows inserted in {filled:.1f}s; claim of 8 in "
                    f"{seconds * 1000:.1f} ms, {paused_seconds * 1000:.1f} ms past {PAUSED_ROWS:,} paused overdue "
                    "posts; " + " | ".join(p.strip() for p in plans[0])
                )
        finally:
            store.close()
