"""Several `socialpost schedule` runs of one campaign at once: one writes, the others find it done.

Real `socialpost schedule` processes on a real database. A gate makes the race certain instead of
likely: the test holds a lock the runs need for their first write (PostgreSQL: an EXCLUSIVE lock on
the table they write, which still lets them read; SQLite: the database's write lock) until every
run is waiting at it, then lets them all go at once. Without the per-campaign lock, all five
planned against the same empty store and four crashed on the unique keys, or each updated every
edited row again.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from socialpost import scheduling
from socialpost.errors import ExitCode, StoreError
from socialpost.settings.config import Settings
from socialpost.store import sync, sync_apply, sync_plan
from socialpost.store.db import open_store
from socialpost.store.models import EventRow
from socialpost.timeutil import utcnow
from tests.conftest import REPO
from tests.store_helpers import assert_history_consistent, campaign_yaml, pg_waiting, throwaway_postgres
from tests.store_helpers.daemons import wait_until

pytestmark = pytest.mark.slow
RUNS = 5
POSTS = 100
Gate = Callable[[list["subprocess.Popen[bytes]"]], AbstractContextManager[None]]


def _posts(count: int, text: str, start: datetime) -> list[tuple[str, str, str]]:
    return [(f"p{i:03d}", f"{start + timedelta(minutes=i):%Y-%m-%d %H:%M}", f"{text} {i}") for i in range(count)]


def _run_in_parallel(campaign: Path, database_url: str, gate: Gate) -> list[tuple[int, Counter[str], str]]:
    """``RUNS`` `socialpost schedule --json` processes, which ``gate`` holds at their first write
    until all are there. (exit code, actions, stderr) per run."""
    env = {**os.environ, "SOCIALPOST_DATABASE_URL": database_url, "SOCIALPOST_DATA_DIR": str(campaign.parent)}
    command = [str(REPO / ".venv" / "bin" / "socialpost"), "schedule", "--json", str(campaign)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with gate(processes):
            processes += [
                subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=campaign.parent)
                for _ in range(RUNS)
            ]
        results = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            actions = Counter(post["action"] for post in json.loads(out)["posts"]) if out else Counter()
            results.append((process.returncode, actions, err.decode()))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _event_kinds(database_url: str) -> Counter[str]:
    store = open_store(database_url)
    try:
        with store.session() as session:
            rows = session.execute(select(EventRow.kind, func.count()).group_by(EventRow.kind)).all()
        assert_history_consistent(store)
    finally:
        store.close()
    return Counter(dict(rows))


def _check_round(results: list[tuple[int, Counter[str], str]], winner: Counter[str], total: int) -> None:
    """Every run exits 0 without an internal error; one run made ``winner``'s changes and every
    other run found all ``total`` rows unchanged."""
    for code, _actions, err in results:
        assert code == 0, err
        assert "internal error" not in err and "Traceback" not in err, err
    actions = sorted((actions for _code, actions, _err in results), key=lambda a: a["unchanged"])
    assert actions == [winner] + [Counter(unchanged=total)] * (RUNS - 1)


def _two_rounds(tmp_path: Path, database_url: str, gate: Callable[[str], Gate]) -> None:
    """A new campaign, then the same file with every text edited and 100 posts more."""
    start = (utcnow() + timedelta(days=30)).replace(second=0, microsecond=0)
    campaign = tmp_path / "launch.yaml"

    campaign.write_text(campaign_yaml(_posts(POSTS, "first", start)), encoding="utf-8")
    _check_round(_run_in_parallel(campaign, database_url, gate("campaigns")), Counter(create=POSTS), POSTS)
    assert _event_kinds(database_url) == Counter(scheduled=POSTS)

    campaign.write_text(campaign_yaml(_posts(2 * POSTS, "edited", start)), encoding="utf-8")
    winner = Counter(update=POSTS, create=POSTS)
    _check_round(_run_in_parallel(campaign, database_url, gate("posts")), winner, 2 * POSTS)
    assert _event_kinds(database_url) == Counter(scheduled=2 * POSTS, updated=POSTS)  # one set, not five


@contextmanager
def _pg_gate(url: str, table: str, processes: list[subprocess.Popen[bytes]]) -> Iterator[None]:
    """Hold ``table`` in EXCLUSIVE mode (reads go on, writes wait) until every run waits for a lock."""
    import psycopg

    with psycopg.connect(url) as connection:
        connection.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        yield
        assert wait_until(lambda: pg_waiting(url) == RUNS, 90), f"{pg_waiting(url)} of {RUNS} runs wait"
        connection.commit()


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(Path(f"/proc/{pid}/fd/{fd}").resolve() == path for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:  # the process ended, or a descriptor closed while we looked
        return False


@contextmanager
def _sqlite_gate(path: Path, processes: list[subprocess.Popen[bytes]]) -> Iterator[None]:
    """Hold the write lock until every run has the database open: the store is opened just before
    the write transaction, whose BEGIN IMMEDIATE then waits for this lock."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        assert wait_until(lambda: all(_has_open(p.pid, path.resolve()) for p in processes), 90)
        connection.execute("COMMIT")
    finally:
        connection.close()


def test_parallel_schedule_runs_on_postgresql_one_writes_the_others_find_it_unchanged(tmp_path: Path) -> None:
    with throwaway_postgres() as url:
        open_store(url).close()  # the schema, so the gate has tables to hold
        _two_rounds(tmp_path, url, lambda table: functools.partial(_pg_gate, url, table))


def test_parallel_schedule_runs_on_sqlite_one_writes_the_others_find_it_unchanged(tmp_path: Path) -> None:
    if not Path("/proc/self/fd").is_dir():
        reason = "the gate looks at /proc/PID/fd (Linux)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI runs on Linux", pytrace=False)
        pytest.skip(reason)
    database = tmp_path / "queue.db"
    url = f"sqlite:///{database}"
    open_store(url).close()
    _two_rounds(tmp_path, url, lambda _table: functools.partial(_sqlite_gate, database))


def test_a_run_that_loses_the_race_to_a_writer_without_the_lock_plans_again(tmp_path: Path, settings: Settings) -> None:
    """A writer that does not take the campaign lock (an older socialpost) inserts the same rows
    first: the run waits on the unique key, gets the violation when that writer commits, plans
    again and finds every row there."""
    path = tmp_path / "launch.yaml"
    start = (utcnow() + timedelta(days=30)).replace(second=0, microsecond=0)
    path.write_text(campaign_yaml(_posts(POSTS, "text", start)), encoding="utf-8")
    (prepared,) = scheduling.prepare([path], settings)
    with throwaway_postgres() as url:
        store, other = open_store(url), open_store(url)
        try:
            now = utcnow()
            with other.write() as legacy:  # no _lock_campaigns: what a writer without it does
                plan = sync_plan.plan_campaign(legacy, prepared.loaded, prepared.rows, now=now)
                sync_apply.apply_plan(legacy, prepared.loaded, plan, now=now)
                outcome: dict[str, Any] = {}

                def run() -> None:
                    try:
                        outcome["plans"] = scheduling.schedule(store, [prepared], now=now)
                    except Exception as exc:  # the test reports it
                        outcome["error"] = exc

                thread = threading.Thread(target=run)
                thread.start()
                assert wait_until(lambda: pg_waiting(url) == 1, 30)  # blocked on the uncommitted campaign row
            thread.join(timeout=60)
            assert "error" not in outcome, outcome.get("error")
            (planned,) = outcome["plans"]
            assert Counter(item.action for item in planned.items) == Counter(unchanged=POSTS)
            assert _event_kinds(url) == Counter(scheduled=POSTS)
        finally:
            store.close()
            other.close()


def _real_integrity_error(settings: Settings, statement: str) -> IntegrityError:
    """The IntegrityError the database raises for ``statement`` (after one campaign row 'c'); nothing kept."""
    store = open_store(settings.database_url)
    try:
        with store.engine.connect() as connection:
            connection.exec_driver_sql(
                "INSERT INTO campaigns (name, source_file, timezone, late_within_seconds, late_else, created_at, "
                "updated_at) VALUES ('c', 'c.yaml', 'UTC', 0, 'skip', '2027-01-01', '2027-01-01')"
            )
            try:
                connection.exec_driver_sql(statement)
            except IntegrityError as exc:
                return exc
            finally:
                connection.rollback()
            raise AssertionError(f"no IntegrityError from {statement}")
    finally:
        store.close()


def test_a_race_lost_twice_is_a_clear_store_error_and_any_other_integrity_error_is_not_hidden(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "launch.yaml"
    path.write_text(campaign_yaml(_posts(1, "text", utcnow() + timedelta(days=3))), encoding="utf-8")
    prepared = scheduling.prepare([path], settings)
    duplicate = _real_integrity_error(
        settings,
        "INSERT INTO campaigns (name, source_file, timezone, late_within_seconds, late_else, created_at, "
        "updated_at) VALUES ('c', 'd.yaml', 'UTC', 0, 'skip', '2027-01-01', '2027-01-01')",
    )
    missing_campaign = _real_integrity_error(
        settings, "INSERT INTO events (post_id, at, kind) VALUES (424242, '2027-01-01', 'x')"
    )
    attempts: list[int] = []

    def losing(*_args: Any, **_kwargs: Any) -> list[sync_plan.Plan]:
        attempts.append(1)
        raise duplicate

    monkeypatch.setattr(sync, "_plan_and_apply", losing)
    store = open_store(settings.database_url)
    try:
        with pytest.raises(StoreError) as caught:
            scheduling.schedule(store, prepared, now=utcnow())
        assert len(attempts) == 2
        assert caught.value.exit_code == ExitCode.FAILURE
        assert "campaign launch was changed by another program at the same time, twice in a row" in str(caught.value)
        assert "Run the same socialpost schedule command again" in str(caught.value)

        def broken(*_args: Any, **_kwargs: Any) -> list[sync_plan.Plan]:
            attempts.append(1)
            raise missing_campaign

        monkeypatch.setattr(sync, "_plan_and_apply", broken)
        attempts.clear()
        with pytest.raises(IntegrityError):  # a bug, not a race: not retried, not disguised
            scheduling.schedule(store, prepared, now=utcnow())
        assert len(attempts) == 1
    finally:
        store.close()


def test_campaign_lock_keys_are_stable_32_bit_values() -> None:
    """The key must be the same in every process (Python's hash() is not) and fit the int4 form."""
    assert sync.campaign_lock_key("spring-launch") == sync.campaign_lock_key("spring-launch")
    assert sync.campaign_lock_key("spring-launch") != sync.campaign_lock_key("spring-launch-2")
    code = "from socialpost.store.sync import campaign_lock_key; print(campaign_lock_key('spring-launch'))"
    other = subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    assert int(other.stdout) == sync.campaign_lock_key("spring-launch")
    assert all(-(2**31) <= sync.campaign_lock_key(f"c{i}") < 2**31 for i in range(1000))
