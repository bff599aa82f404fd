"""The migrated schema is exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path
from unittest import mock

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from socialpost.store import db
from socialpost.store.db import MIGRATIONS, SCHEMA_HEAD, current_revision, open_store
from socialpost.store.models import Base
from tests.store_helpers import throwaway_postgres

TABLES = {
    "alembic_version",
    "campaigns",
    "posts",
    "events",
    "feeds",
    "feed_entries",
    "engagement_snapshots",
    "engagement_latest",
    "daemons",
    "rate_budgets",
    "inbox_items",
    "pauses",
    "notifications",
}


def _diff(store: db.Store) -> list[object]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        return list(compare_metadata(context, Base.metadata))


def test_schema_head_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert heads == [SCHEMA_HEAD]


def test_sqlite_migrated_schema_matches_models(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        assert _diff(store) == []
        assert current_revision(store) == SCHEMA_HEAD
        with store.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == TABLES
            indexes = {ix["name"] for ix in inspect(connection).get_indexes("posts")}
            assert {"ix_posts_claim", "ix_posts_lease", "ix_posts_campaign_id"} <= indexes
    finally:
        store.close()


def test_upgrade_runs_from_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "empty.db"
    assert not path.exists()
    store = open_store(f"sqlite:///{path}", migrate=False)
    try:
        assert current_revision(store) is None
        with store.engine.connect() as connection:
            assert inspect(connection).get_table_names() == []
        db.upgrade(store)
        assert current_revision(store) == SCHEMA_HEAD
        assert _diff(store) == []
    finally:
        store.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert (tmp_path / "wal.db-wal").exists()
    finally:
        store.close()


def test_opening_twice_does_not_rerun_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    open_store(url).close()
    from alembic import command

    with mock.patch.object(command, "upgrade", side_effect=AssertionError("migrations ran again")) as upgrade:
        second = open_store(url)
        second.close()
    assert upgrade.call_count == 0
    second = open_store(url)
    try:
        assert current_revision(second) == SCHEMA_HEAD
        with second.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        second.close()


def _open_at_once(url: str, count: int) -> list[BaseException]:
    """``count`` daemons opening the same new database at the same moment."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def open_one() -> None:
        barrier.wait(timeout=10)
        try:
            open_store(url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_several_daemons_can_create_a_new_sqlite_database_at_once(tmp_path: Path) -> None:
    for attempt in range(3):  # the race is timing-dependent: try it a few times
        url = f"sqlite:///{tmp_path / f'race{attempt}.db'}"
        assert _open_at_once(url, 3) == []
        store = open_store(url, migrate=False)
        try:
            assert current_revision(store) == SCHEMA_HEAD
            assert _diff(store) == []
        finally:
            store.close()


@pytest.mark.slow
def test_postgresql_migrated_schema_matches_models() -> None:
    with throwaway_postgres() as url:
        store = open_store(url)
        try:
            assert store.dialect == "postgresql"
            assert _diff(store) == []
            assert current_revision(store) == SCHEMA_HEAD
            with store.engine.connect() as connection:
                assert set(inspect(connection).get_table_names()) == TABLES
                kind = connection.execute(
                    text(
                        "SELECT data_type FROM information_schema.columns "
                        "WHERE table_name='posts' AND column_name='due_at'"
                    )
                ).scalar()
                assert kind == "timestamp with time zone"
            # a second open (another daemon starting) finds the schema current
            again = open_store(url)
            assert current_revision(again) == SCHEMA_HEAD
            again.close()
            with store.engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        finally:
            store.close()


@pytest.mark.slow
def test_several_daemons_can_migrate_a_new_postgresql_database_at_once() -> None:
    with throwaway_postgres() as url:
        assert _open_at_once(url, 3) == []
        store = open_store(url, migrate=False)
        try:
            assert current_revision(store) == SCHEMA_HEAD
            assert _diff(store) == []
        finally:
            store.close()


def test_upgrade_from_0001_keeps_posts_and_adds_rate_budgets(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = open_store(url, migrate=False)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.execute(
                text(
                    "INSERT INTO campaigns VALUES (1, 'c', 'c.yaml', 'UTC', 900, 'skip', "
                    "'2027-01-01 00:00:00.000000', '2027-01-01 00:00:00.000000')"
                )
            )
        assert current_revision(store) == "0001"
        db.upgrade(store)
        assert current_revision(store) == SCHEMA_HEAD
        assert _diff(store) == []
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM campaigns")).scalar() == "c"
            claim = next(ix for ix in inspect(connection).get_indexes("posts") if ix["name"] == "ix_posts_claim")
            assert claim["column_names"] == ["status", "next_attempt_at", "id"]
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        with store.engine.connect() as connection:
            assert "rate_budgets" not in inspect(connection).get_table_names()
    finally:
        store.close()


def test_0003_fills_engagement_latest_from_the_snapshots_already_stored(tmp_path: Path) -> None:
    """Snapshots written before 0003 (partial ones, "not available", late and older reads, two
    reads at the same moment) give the same latest and previous as grouping the history."""
    from datetime import UTC, datetime, timedelta

    from alembic import command

    from tests.test_report_latest import from_history, from_summary

    store = open_store(f"sqlite:///{tmp_path / 'before.db'}", migrate=False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    t0 = datetime(2027, 3, 1, 14, 0)
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    snapshots = [  # post, hours after t0, metric, value
        *((1, 1, m, v) for m, v in (("views", 100), ("likes", 5), ("bookmarks", None))),
        *((1, 24, m, v) for m, v in (("views", 400), ("likes", 20), ("bookmarks", None))),
        (1, 24, "clicks", 0),  # a second read at the same moment: merged into the same snapshot
        (1, 2, "likes", 7),  # written late, between the two: the previous
        (1, 0, "likes", 1),  # older than both: history only
        (2, 3, "likes", 0),
        (2, 3, "views", None),  # only one snapshot: no previous
        (2, 5, "raw-only", 4),  # not a normalised metric: history only
    ]
    try:
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
            connection.execute(
                text(
                    "INSERT INTO campaigns VALUES (1, 'c', 'c.yaml', 'UTC', 900, 'skip', "
                    "'2027-01-01 00:00:00.000000', '2027-01-01 00:00:00.000000')"
                )
            )
            for post in (1, 2, 3):
                connection.execute(
                    text(
                        "INSERT INTO posts (id, campaign_id, post_key, occurrence, account, network, payload,"
                        " fingerprint, idempotency_key, due_at, local_time, next_attempt_at, status, attempts,"
                        " source, created_at, updated_at) VALUES (:id, 1, :key, '', 'x:a', 'x', '{}', 'f', :key,"
                        " :t, '', :t, 'sent', 1, '', :t, :t)"
                    ),
                    {"id": post, "key": f"p{post}", "t": t0.strftime(stamp)},
                )
            for post, hours, metric, value in snapshots:
                connection.execute(
                    text(
                        "INSERT INTO engagement_snapshots (post_id, collected_at, metric, value)"
                        " VALUES (:post, :at, :metric, :value)"
                    ),
                    {
                        "post": post,
                        "at": (t0 + timedelta(hours=hours)).strftime(stamp),
                        "metric": metric,
                        "value": value,
                    },
                )
            command.upgrade(config, "0003")
        summary = from_summary(store)
        assert summary == from_history(store)
        at = t0.replace(tzinfo=UTC)
        assert summary[1] == (
            at + timedelta(hours=24),
            {"views": 400, "likes": 20, "bookmarks": None, "clicks": 0},
            at + timedelta(hours=2),
            {"likes": 7},
        )
        assert summary[2] == (at + timedelta(hours=3), {"views": None, "likes": 0}, None, None)
        assert 3 not in summary  # never read
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        with store.engine.connect() as connection:
            assert "engagement_latest" not in inspect(connection).get_table_names()
            assert connection.execute(text("SELECT count(*) FROM engagement_snapshots")).scalar() == len(snapshots)
    finally:
        store.close()


@pytest.mark.slow
def test_0003_backfill_runs_on_postgresql() -> None:
    from alembic import command

    from tests.test_report_latest import from_history, from_summary

    with throwaway_postgres() as url:
        store = open_store(url, migrate=False)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with store.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "0002")
                connection.execute(
                    text("INSERT INTO campaigns VALUES (1, 'c', 'c.yaml', 'UTC', 900, 'skip', now(), now())")
                )
                connection.execute(
                    text(
                        "INSERT INTO posts (id, campaign_id, post_key, occurrence, account, network, payload,"
                        " fingerprint, idempotency_key, due_at, local_time, next_attempt_at, status, attempts,"
                        " source, created_at, updated_at) VALUES (1, 1, 'p', '', 'x:a', 'x', '{}', 'f', 'k',"
                        " now(), '', now(), 'sent', 1, '', now(), now())"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO engagement_snapshots (post_id, collected_at, metric, value) VALUES"
                        " (1, '2027-03-01 15:00+00', 'likes', 5), (1, '2027-03-01 15:00+00', 'views', NULL),"
                        " (1, '2027-03-02 14:00+00', 'likes', 9), (1, '2027-03-02 14:00+00', 'views', NULL)"
                    )
                )
                command.upgrade(config, "0003")
            summary = from_summary(store)
            assert summary == from_history(store)
            assert summary[1][1] == {"views": None, "likes": 9} and summary[1][3] == {"views": None, "likes": 5}
        finally:
            store.close()


PAUSES, BEFORE_PAUSES = "0005", "0004"  # the revision that adds pauses and posts.cancelled_by, and the one before


def _0005_keeps_who_cancelled(url: str) -> None:
    """Posts cancelled before 0005 get ``cancelled_by`` from their events: "by the user" (socialpost
    cancel) → user, removed from the file → file; other posts none. Downgrading loses no post."""
    from alembic import command

    store = open_store(url, migrate=False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    t = "2027-01-01 00:00:00"
    try:
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, BEFORE_PAUSES)
            connection.execute(
                text(
                    "INSERT INTO campaigns (id, name, source_file, timezone, late_within_seconds, late_else, "
                    "created_at, updated_at) VALUES (1, 'c', 'c.yaml', 'UTC', 900, 'skip', :t, :t)"
                ),
                {"t": t},
            )
            history = {  # post: its status and the events that led there
                "by-hand": ("cancelled", [("pending", "cancelled", "by the user")]),
                "removed": ("cancelled", [("pending", "cancelled", "removed from the campaign file")]),
                # cancelled by hand, put back by the file (the old behaviour), then removed from it
                "both": (
                    "cancelled",
                    [
                        ("pending", "cancelled", "by the user"),
                        ("cancelled", "pending", "due 2027-01-02T00:00:00Z"),
                        ("pending", "cancelled", "removed from the campaign file"),
                    ],
                ),
                "waiting": ("pending", []),
            }
            for number, (key, (status, moves)) in enumerate(history.items(), 1):
                connection.execute(
                    text(
                        "INSERT INTO posts (id, campaign_id, post_key, occurrence, account, network, payload,"
                        " fingerprint, idempotency_key, due_at, local_time, next_attempt_at, status, attempts,"
                        " source, created_at, updated_at) VALUES (:id, 1, :key, '', 'x:a', 'x', '{}', 'f', :key,"
                        " :t, '', :t, :status, 0, '', :t, :t)"
                    ),
                    {"id": number, "key": key, "t": t, "status": status},
                )
                for before, after, detail in moves:
                    connection.execute(
                        text(
                            "INSERT INTO events (post_id, at, kind, from_status, to_status, detail) "
                            "VALUES (:id, :t, 'x', :before, :after, :detail)"
                        ),
                        {"id": number, "t": t, "before": before, "after": after, "detail": detail},
                    )
            command.upgrade(config, PAUSES)
        db.upgrade(store)  # and any later revision
        assert _diff(store) == []
        with store.engine.connect() as connection:
            found = dict(connection.execute(text("SELECT post_key, cancelled_by FROM posts")).all())
        assert found == {"by-hand": "user", "removed": "file", "both": "file", "waiting": None}
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, BEFORE_PAUSES)
        with store.engine.connect() as connection:
            assert "pauses" not in inspect(connection).get_table_names()
            assert "cancelled_by" not in {c["name"] for c in inspect(connection).get_columns("posts")}
            assert connection.execute(text("SELECT count(*) FROM posts")).scalar() == 4
            assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 5
    finally:
        store.close()


def test_0005_fills_cancelled_by_from_the_event_log(tmp_path: Path) -> None:
    _0005_keeps_who_cancelled(f"sqlite:///{tmp_path / 'before.db'}")


@pytest.mark.slow
def test_0005_fills_cancelled_by_on_postgresql() -> None:
    with throwaway_postgres() as url:
        _0005_keeps_who_cancelled(url)
