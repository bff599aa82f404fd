"""Open the store: engine, SQLite settings, migrations, sessions."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from socialpost.errors import ExitCode, StoreError
from socialpost.i18n import _
from socialpost.settings.paths import database_url_problem, make_private_dir
from socialpost.store.schema import SCHEMA_HEAD as SCHEMA_HEAD  # kept importable from here

MIGRATIONS = Path(__file__).parent / "migrations"
_PG_MIGRATION_LOCK = 0x50_4F_53_54  # advisory lock id: several daemons may start at once


class DatabaseURLError(StoreError):
    """The database URL cannot be used as written. It is a setting the user wrote, so it exits
    with 2 like any bad config value; still a StoreError, so whatever reports the store's problems
    (``socialpost doctor``) reports it too."""

    exit_code = ExitCode.BAD_INPUT


class Store:
    """The database behind socialpost, with the few transaction flavours it needs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # On SQLite, claims and other read-then-write transactions take the write lock up front
        # (BEGIN IMMEDIATE) so two daemons never both read the same due row as free.
        immediate = engine.execution_options(sqlite_begin="IMMEDIATE") if self.dialect == "sqlite" else engine
        self._write_sessions = sessionmaker(immediate, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of one process queue here, in order, instead of
        # in SQLite's busy handler, which sleeps in steps of up to 100 ms even when the lock frees
        # after one: under a burst of due posts that sleeping was most of the daemon's lateness.
        # Other processes still meet at the database lock (busy_timeout).
        self._writer = threading.RLock() if self.dialect == "sqlite" else contextlib.nullcontext()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read (or simple write) transaction, committed on success."""
        with self._wrap(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that reads then writes and must not race another process."""
        with self._writer, self._wrap(), self._write_sessions.begin() as session:
            yield session

    @contextmanager
    def _wrap(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise StoreError(
                _("the database failed: {error}").format(error=_short(exc)),
                hint=_("Check that the database is reachable and not full (socialpost doctor)."),
            ) from exc

    def close(self) -> None:
        self.engine.dispose()


def _short(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0]


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:" and not path.startswith("file:"):
        try:
            make_private_dir(Path(path).parent)
        except OSError as exc:
            raise StoreError(
                _("cannot create the folder for the database {path}: {error}").format(path=path, error=exc.strerror)
            ) from None
        _create_private(Path(path))
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _create_private(path: Path) -> None:
    """Create a new database file readable by its owner only (0600) before SQLite opens it (an
    empty file is an empty SQLite database); SQLite then gives its -wal and -shm files the same
    mode. The queue holds unpublished posts, failure reasons and inbox messages. An existing file
    keeps its mode. Should the file not be creatable, SQLite says so when it opens it."""
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL (a persistent setting). On a brand-new file several processes may
    try at once, and SQLite answers "database is locked" without waiting: try again briefly."""
    import sqlite3

    for attempt in range(200):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 199:
                raise
            time.sleep(0.05)


def _check_url_hint(fix: str) -> str:
    check = _("Check 'database:' in your config file (or $SOCIALPOST_DATABASE_URL).")
    return f"{fix} {check}"


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Connect to ``url`` and bring its schema up to date.

    A URL that cannot be used as written raises :class:`DatabaseURLError` (exit 2); a database that
    cannot be reached or read raises :class:`StoreError` (exit 1). Never a Python warning: the URL
    is checked before SQLAlchemy would warn about it (``socialpost.settings.paths.database_url_problem``).
    """
    found = database_url_problem(url)
    if found is not None:
        problem, fix = found
        raise DatabaseURLError(
            _("cannot use the database URL: {error}").format(error=problem), hint=_check_url_hint(fix)
        )
    try:
        if url.startswith("sqlite"):
            engine = _sqlite_engine(url)
        else:
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            engine = create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ValueError) as exc:  # ValueError: an option SQLAlchemy cannot convert
        error = (_short(exc) if isinstance(exc, SQLAlchemyError) else str(exc)).rstrip(".") + "."
        raise DatabaseURLError(
            _("cannot use the database URL: {error}").format(error=error),
            hint=_check_url_hint(
                _(
                    "Fix: write a URL like sqlite:///path/to/socialpost.db (a file) or "
                    "postgresql+psycopg://user@host/socialpost (a PostgreSQL server)."
                )
            ),
        ) from None
    except ModuleNotFoundError as exc:
        raise StoreError(
            _("the database driver '{name}' is not installed.").format(name=exc.name),
            hint=_(
                "For PostgreSQL, from your clone of socialpost: make install EXTRAS=postgres (or, in its "
                "environment: pipx inject socialpost-cli 'psycopg[binary]')."
            ),
        ) from None
    store = Store(engine)
    if migrate:
        try:
            upgrade(store)
        except DatabaseError as exc:
            store.close()
            if store.dialect == "sqlite" and type(exc) is DatabaseError:
                # "file is not a database": not SQLite at all (a wrong path), or a damaged file
                raise StoreError(
                    _("{path} is not a socialpost database: SQLite cannot read it ({error}).").format(
                        path=engine.url.database, error=_short(exc)
                    ),
                    hint=_(
                        "Fix: point 'database:' in your config file (or $SOCIALPOST_DATABASE_URL) at your socialpost "
                        "database, e.g. sqlite:///path/to/socialpost.db. If this file is your socialpost database, "
                        "it is damaged: restore it from a backup."
                    ),
                ) from None
            raise StoreError(
                _("cannot open the database: {error}").format(error=_short(exc)),
                hint=_("Check the database URL, that the server runs, and file permissions (socialpost doctor)."),
            ) from None
    return store


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(store: Store) -> None:
    """Run pending migrations. Cheap when the schema is current (no Alembic import)."""
    if current_revision(store) == SCHEMA_HEAD:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Several daemons (or a daemon and a command) may open a new database at once. They take turns:
    # PostgreSQL with an advisory lock, SQLite with the write lock (BEGIN IMMEDIATE) — a deferred
    # transaction would read the empty schema, then fail with "database is locked" on its first
    # CREATE once the other has written. The one that waited then finds the schema current.
    engine = store.engine.execution_options(sqlite_begin="IMMEDIATE") if store.dialect == "sqlite" else store.engine
    with engine.begin() as connection:
        if store.dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
