"""The report's fast path: an existing SQLite store at the current schema is read with sqlite3 alone
(no SQLAlchemy import) and, with no config file in play, without loading the settings (no
pydantic); anything else still goes through the store and the settings, which create, migrate and
report problems as before."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.report import facts
from socialpost.report.aggregate import load_posts, read_posts
from socialpost.report.facts import Filters
from socialpost.settings.config import Settings, load_settings
from socialpost.settings.paths import database_url_without_config
from socialpost.store.db import MIGRATIONS, SCHEMA_HEAD, Store, current_revision, open_store
from socialpost.store.models import Status
from socialpost.store.sqlite_read import connect_current
from tests.conftest import REPO, FakeClock
from tests.test_report import T0
from tests.test_report_pinned import NOW, seed_store


def test_the_states_are_the_stores() -> None:
    assert Status.SENT.value == facts.SENT
    assert set(facts.NOT_OUT) == {Status.FAILED, Status.MISSED, Status.UNKNOWN, Status.HELD}


def test_only_a_current_sqlite_file_is_read_directly(settings: Settings, tmp_path: Path) -> None:
    assert connect_current(settings.database_url) is None  # not created yet: the store creates it
    open_store(settings.database_url).close()
    connection = connect_current(settings.database_url)
    assert connection is not None
    connection.close()
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("hello", encoding="utf-8")
    for url in (
        f"sqlite:///{not_a_database}",
        "sqlite:///:memory:",
        f"sqlite:///{tmp_path / 'socialpost.db'}?mode=ro",
        "postgresql://postgres@127.0.0.1:5432/socialpost",
    ):
        assert connect_current(url) is None, url


def _store_at(url: str, revision: str) -> None:
    store = open_store(url, migrate=False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    store.close()


def test_an_older_schema_is_migrated_first(settings: Settings, run_cli: Any) -> None:
    _store_at(settings.database_url, "0002")
    assert connect_current(settings.database_url) is None
    result = run_cli("report", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"campaigns": []}
    store = open_store(settings.database_url, migrate=False)
    assert current_revision(store) == SCHEMA_HEAD
    store.close()


def test_no_store_yet(settings: Settings, run_cli: Any) -> None:
    result = run_cli("report")
    assert result.exit_code == 0
    assert "No campaigns yet." in result.stdout
    assert Path(settings.database_url.removeprefix("sqlite:///")).is_file()


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(campaign="spring"),
        Filters(network="x", account="x:acme"),
        Filters(since=T0 + timedelta(days=1), until=T0 + timedelta(days=9, hours=10, microseconds=999_999)),
        Filters(since=T0 + timedelta(days=1, microseconds=1)),
    ],
)
def test_both_readers_give_the_same_posts(store: Store, settings: Settings, filters: Filters) -> None:
    seed_store(store)
    connection = connect_current(settings.database_url)
    assert connection is not None
    plain = read_posts(connection, filters)
    connection.close()
    through_store = load_posts(store, filters)
    assert plain  # every filter above lets some posts through
    assert [p.json_text(campaign=True) for p in plain] == [p.json_text(campaign=True) for p in through_store]
    assert [(p.due_at, p.sent_at, p.local_when) for p in plain] == [
        (p.due_at, p.sent_at, p.local_when) for p in through_store
    ]


def test_a_failing_database_is_a_store_error(settings: Settings, store: Store) -> None:
    from socialpost.errors import StoreError

    connection = connect_current(settings.database_url)
    assert connection is not None
    with store.session() as session:  # a store broken after the reader opened it
        session.connection().exec_driver_sql("DROP TABLE engagement_latest")
    with pytest.raises(StoreError, match="the database failed: no such table"):
        read_posts(connection, Filters())
    connection.close()


def test_the_report_imports_neither_sqlalchemy_nor_pydantic(store: Store, settings: Settings, tmp_path: Path) -> None:
    seed_store(store)
    probe = (
        "import sys\n"
        "from socialpost.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "finally:\n"
        "    heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'pydantic', 'alembic', 'yaml'})\n"
        "    print('heavy:', ','.join(heavy), file=sys.stderr)\n"
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),  # no config file there
        "SOCIALPOST_DATABASE_URL": settings.database_url,
    }
    for args in (["report", "--json"], ["report", "--by", "network", "--csv"]):
        done = subprocess.run(
            [sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True, cwd=REPO, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "heavy: \n" in done.stderr, done.stderr
        assert done.stdout.startswith('{"campaigns":[{"campaign":"spring"') or done.stdout.startswith("by,key,")


def test_a_config_file_is_still_checked(tmp_path: Path, settings: Settings, store: Store) -> None:
    seed_store(store)
    config = tmp_path / "config.yaml"
    config.write_text("databse: sqlite:///elsewhere.db\n", encoding="utf-8")
    app = AppContext(clock=FakeClock(NOW))
    result = CliRunner().invoke(cli, ["--config", str(config), "report", "--json"], obj=app)
    app.close()
    assert result.exit_code == 2
    assert "databse" in result.stderr and "database" in result.stderr  # the config error, with its fix
    config.write_text(f"database: {settings.database_url}\n", encoding="utf-8")
    app = AppContext(clock=FakeClock(NOW))
    result = CliRunner().invoke(cli, ["--config", str(config), "report", "--json"], obj=app)
    app.close()
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["campaigns"][0]["campaign"] == "spring"  # the config's database


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"SOCIALPOST_DATA_DIR": "~/elsewhere"},
        {"SOCIALPOST_DATABASE_URL": "sqlite:////tmp/given.db"},
        {"SOCIALPOST_DATABASE_URL": "postgresql://db/socialpost", "SOCIALPOST_DATA_DIR": "/data"},
    ],
)
def test_the_database_without_a_config_file_is_the_settings_one(environ: dict[str, str], tmp_path: Path) -> None:
    env = {"HOME": os.environ["HOME"], "XDG_CONFIG_HOME": str(tmp_path / "none"), **environ}
    assert database_url_without_config(None, env) == load_settings(None, env).database_url
    config = tmp_path / "config.yaml"
    config.write_text("database: sqlite:///mine.db\n", encoding="utf-8")
    assert database_url_without_config(str(config), env) is None  # a config file: load (and check) it
    assert database_url_without_config(None, {**env, "SOCIALPOST_CONFIG": str(config)}) is None
    assert database_url_without_config(str(tmp_path / "missing.yaml"), env) is None  # "not found" comes from there


def test_the_sqlite_reader_cannot_write(store: Store, settings: Settings) -> None:
    seed_store(store)
    connection = connect_current(settings.database_url)
    assert connection is not None
    assert len(read_posts(connection, Filters())) == 25
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("DELETE FROM posts")
    connection.close()
    assert len(load_posts(store)) == 25


def test_unknown_groupings_and_sort_keys_are_refused(store: Store) -> None:
    from socialpost.report.groups import group_posts, sort_by

    seed_store(store)
    posts = load_posts(store)
    assert [g.key for g in group_posts(posts, "week")] == ["2027-W09", "2027-W10", "2027-W13"]
    with pytest.raises(ValueError, match="cannot group by 'year'"):
        group_posts(posts, "year")
    with pytest.raises(ValueError, match="cannot sort by 'loudness'"):
        sort_by(posts, "loudness")
