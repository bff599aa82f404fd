"""Backups: `socialpost backup` (SQLite's online backup API), `export --json` and `restore FILE`
into an empty queue — taken while a real daemon sends posts, restored, and the report compared."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.daemon.service import Daemon
from socialpost.settings.config import Settings
from socialpost.store.db import Store, open_store
from socialpost.store.models import PostRow, SnapshotRow
from socialpost.store.queue import settled
from socialpost.timeutil import utcnow
from tests.conftest import FakeClock, Result
from tests.store_helpers import assert_history_consistent, seed_posts, throwaway_postgres


def run(settings: Settings, clock: FakeClock, *args: str) -> Result:
    app = AppContext(clock=clock, settings_override=settings)
    result = CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)
    app.close()
    return Result(result.exit_code, result.stdout, result.stderr)


def elsewhere(settings: Settings, url: str) -> Settings:
    return dataclasses.replace(settings, database_url=url)


def report(settings: Settings, clock: FakeClock) -> dict[str, object]:
    result = run(settings, clock, "report", "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def add_engagement(store: Store, clock: FakeClock) -> None:
    with store.write() as session:
        sent = [r.id for r in session.query(PostRow).filter(PostRow.status == "sent").order_by(PostRow.id)]
        for n, post_id in enumerate(sent):
            for metric, value in (("likes", n), ("reposts", 2 * n), ("views", 100 + n)):
                session.add(SnapshotRow(post_id=post_id, collected_at=clock(), metric=metric, value=value, raw={}))


def test_backups_taken_while_a_daemon_sends_restore_to_an_identical_report(
    store: Store, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    now = utcnow()
    seed_posts(store, 40, due=[now + timedelta(milliseconds=50 * i) for i in range(40)], campaign="launch")
    seed_posts(store, 5, due=now + timedelta(days=2), campaign="later")
    daemon = Daemon(store, settings, daemon_id="busy", stop_when=lambda: settled(store, ["launch"]))
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    taken: list[Path] = []
    try:
        for n in range(4):  # while it claims, sends and records outcomes
            db, export = tmp_path / f"during-{n}.db", tmp_path / f"during-{n}.json"
            assert run(settings, clock, "backup", str(db)).exit_code == 0
            assert run(settings, clock, "export", "--json", "-o", str(export)).exit_code == 0
            taken += [db, export]
    finally:
        thread.join(timeout=30)
    assert not thread.is_alive()
    with sqlite3.connect(taken[0]) as first:  # the first copy was taken before the daemon was done
        assert first.execute("SELECT count(*) FROM posts WHERE status = 'sent'").fetchone()[0] < 40

    # each copy taken mid-flight is one consistent moment: restored, it reads as the copy itself does
    for n, copy in enumerate(taken):
        restored = elsewhere(settings, f"sqlite:///{tmp_path / f'restored-{n}.db'}")
        result = run(restored, clock, "restore", str(copy))
        assert result.exit_code == 0, result.stderr
        assert "Restored 2 campaigns and 45 posts" in result.stdout
        with _opened(restored.database_url) as again:
            assert_history_consistent(again)
        if copy.suffix == ".db":
            assert report(restored, clock) == report(elsewhere(settings, f"sqlite:///{copy}"), clock)
            assert stat.S_IMODE(copy.stat().st_mode) == 0o600
            assert not Path(f"{copy}-wal").exists()  # one self-contained file

    # and once the daemon is done, with engagement read: the restored report is the queue's own
    add_engagement(store, clock)
    final_db, final_json = tmp_path / "final.db", tmp_path / "final.json"
    assert run(settings, clock, "backup", str(final_db)).exit_code == 0
    assert run(settings, clock, "export", "--json", "-o", str(final_json)).exit_code == 0
    assert stat.S_IMODE(final_json.stat().st_mode) == 0o600
    original = report(settings, clock)
    assert any(c["posts"] for c in original["campaigns"])  # type: ignore[index,union-attr]
    for name, copy in (("db", final_db), ("json", final_json)):
        restored = elsewhere(settings, f"sqlite:///{tmp_path / f'final-{name}.db'}")
        assert run(restored, clock, "restore", str(copy)).exit_code == 0
        assert report(restored, clock) == original
        status_after = json.loads(run(restored, clock, "status", "--json").stdout)
        status_before = json.loads(run(settings, clock, "status", "--json").stdout)
        assert status_after.pop("daemons") == []  # heartbeats of processes are not restored
        status_before.pop("daemons")
        assert status_after == status_before


class _opened:
    def __init__(self, url: str) -> None:
        self.store = open_store(url)

    def __enter__(self) -> Store:
        return self.store

    def __exit__(self, *_exc: object) -> None:
        self.store.close()


def test_restore_refuses_a_queue_that_is_not_empty(
    store: Store, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    seed_posts(store, 2, due=clock() + timedelta(hours=1))
    copy = tmp_path / "copy.db"
    assert run(settings, clock, "backup", str(copy)).exit_code == 0
    result = run(settings, clock, "restore", str(copy))
    assert result.exit_code == 2
    assert "not empty (1 campaigns, 2 posts)" in result.stderr
    assert "SOCIALPOST_DATABASE_URL=sqlite:///path/to/new.db socialpost restore" in result.stderr
    with store.session() as session:
        assert session.query(PostRow).count() == 2  # nothing added


def test_backup_says_what_to_do_with_postgresql(settings: Settings, clock: FakeClock, tmp_path: Path) -> None:
    pg = elsewhere(settings, "postgresql://socialpost@db.example.com/socialpost")
    result = run(pg, clock, "backup", str(tmp_path / "x.db"))
    assert result.exit_code == 2
    assert "pg_dump --format=custom" in result.stderr
    assert "socialpost export --json" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_backup_will_not_overwrite_without_force(
    store: Store, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    seed_posts(store, 1, due=clock())
    target = tmp_path / "copy.db"
    target.write_text("precious")
    result = run(settings, clock, "backup", str(target))
    assert result.exit_code == 2 and "already exists" in result.stderr and "--force" in result.stderr
    assert target.read_text() == "precious"
    assert run(settings, clock, "backup", str(target), "--force").exit_code == 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM posts").fetchone() == (1,)
    queue = settings.database_url.removeprefix("sqlite:///")
    assert "is the queue itself" in run(settings, clock, "backup", queue, "--force").stderr


def test_export_prints_the_documented_shape(store: Store, settings: Settings, clock: FakeClock) -> None:
    seed_posts(store, 2, due=clock() + timedelta(hours=1), campaign="spring")
    result = run(settings, clock, "export", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert {"format", "version", "schema", "exported_at", "tables"} <= set(document)
    assert document["format"] == "socialpost-export"
    tables = document["tables"]
    assert {"campaigns", "posts", "events", "engagement_snapshots", "engagement_latest"} <= set(tables)
    assert "daemons" not in tables
    # every table of the schema but the heartbeats, also the ones added later (notifications sent,
    # feed entries claimed): a restored queue must not send them again
    from socialpost.store.models import Base

    assert set(tables) == {t.name for t in Base.metadata.sorted_tables} - {"daemons"}
    assert {"notifications", "feeds", "feed_entries"} <= set(tables)
    assert [c["name"] for c in tables["campaigns"]] == ["spring"]
    assert tables["posts"][0]["due_at"].endswith("Z")
    assert run(settings, clock, "export").exit_code == 2  # the format is said


def test_export_without_a_queue_creates_none(settings: Settings, clock: FakeClock) -> None:
    result = run(settings, clock, "export", "--json")
    assert result.exit_code == 1 and "there is no queue to export yet" in result.stderr
    assert not Path(settings.database_url.removeprefix("sqlite:///")).exists()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("not a backup at all", "neither a socialpost backup"),
        ('{"format": "something-else", "tables": {}}', "not a socialpost export"),
        ('{"format": "socialpost-export", "schema": "9999", "tables": {}}', "schema 9999"),
        ("{broken", "not a readable JSON export"),
    ],
)
def test_restore_says_what_is_wrong_with_the_file(
    settings: Settings, clock: FakeClock, tmp_path: Path, content: str, said: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run(settings, clock, "restore", str(bad))
    assert result.exit_code == 2
    assert said in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_an_export_restores_into_postgresql_and_the_queue_goes_on(
    store: Store, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    seed_posts(store, 3, due=clock() + timedelta(hours=1), campaign="spring")
    export = tmp_path / "export.json"
    assert run(settings, clock, "export", "--json", "-o", str(export)).exit_code == 0
    with throwaway_postgres() as url:
        pg = elsewhere(settings, url)
        assert run(pg, clock, "restore", str(export)).exit_code == 0
        assert report(pg, clock) == report(settings, clock)
        # the id sequences moved past the restored ids: new posts can be added
        with _opened(url) as again:
            seed_posts(again, 1, due=clock() + timedelta(hours=2), campaign="spring")
        with _opened(url) as again, again.session() as session:
            assert session.query(PostRow).count() == 4
