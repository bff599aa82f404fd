"""Backups of the store: a SQLite file copied with SQLite's online backup API, a JSON export of
every table, and a restore of either into an empty store.

* :func:`backup_sqlite` copies the queue's SQLite file while daemons write to it: the backup API
  copies every page inside one read transaction, so the copy is the database as of one instant
  (WAL mode lets writers go on meanwhile). PostgreSQL has its own tools (``pg_dump``), or the JSON
  export.
* :func:`export` reads every table in one transaction (a consistent snapshot on SQLite and, with
  REPEATABLE READ, on PostgreSQL): campaigns, posts, their event log (the outcomes), engagement
  snapshots and the latest figures, the inbox, pauses, rate budgets, the notifications sent and the
  feed entries claimed (so a restored queue sends neither again) — every table of the schema. Not
  the daemons' heartbeats (they describe processes, not history).
* :func:`restore` copies a backup file or an export into a store with none of those rows, table by
  table in foreign-key order, keeping every id; a SQLite backup of an older schema is migrated on a
  temporary copy first. PostgreSQL's id sequences are moved past the restored ids.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, Table, func, insert, select, text

from socialpost.errors import InputError, StoreError, UsageError
from socialpost.i18n import _
from socialpost.store.db import Store, open_store
from socialpost.store.models import Base, UTCDateTime
from socialpost.store.schema import SCHEMA_HEAD
from socialpost.store.sqlite_read import sqlite_file
from socialpost.timeutil import iso_utc

FORMAT = "socialpost-export"
VERSION = 1
SKIPPED = frozenset({"daemons"})  # heartbeats of processes: not history
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP = 'pg_dump --format=custom --file=socialpost.dump "$DATABASE_URL"'
PG_RESTORE = 'pg_restore --no-owner --dbname="$NEW_DATABASE_URL" socialpost.dump'


def tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED]


@dataclass(frozen=True)
class Counts:
    """How many rows of each table a backup, an export or a restore holds."""

    rows: dict[str, int]

    @property
    def posts(self) -> int:
        return self.rows.get("posts", 0)

    @property
    def campaigns(self) -> int:
        return self.rows.get("campaigns", 0)


# --- SQLite backup ----------------------------------------------------------------------------


def backup_sqlite(url: str, destination: Path, *, overwrite: bool = False) -> Counts:
    """Copy the SQLite queue at ``url`` to ``destination`` (a single 0600 file, written whole or
    not at all) with the online backup API; safe while daemons write. Checks the copy."""
    source = sqlite_file(url)
    if source is None:
        raise UsageError(
            _("socialpost backup copies a SQLite queue; yours is not a SQLite file ({kind}).").format(
                kind=url.split(":", 1)[0]
            ),
            hint=_(
                "For PostgreSQL, use its own tool: {dump} (restore it with: {restore}); or export "
                "everything as JSON: socialpost export --json -o socialpost.json, which socialpost restore reads."
            ).format(dump=PG_DUMP, restore=PG_RESTORE),
        )
    if not source.is_file():
        raise StoreError(
            _("there is no queue to back up: {path} does not exist.").format(path=source),
            hint=_("Check 'database:' in your config file (or $SOCIALPOST_DATABASE_URL)."),
        )
    _check_destination(destination, overwrite=overwrite, source=source)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.chmod(0o600)  # unpublished posts, failure reasons, inbox messages: as private as the queue
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(tmp)
        try:
            src.execute("PRAGMA busy_timeout=30000")
            src.backup(dst)  # every page in one step: one read transaction, one instant
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            problem = dst.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise StoreError(_("the copy of the queue is damaged: {error}").format(error=problem))
            counts = _sqlite_counts(dst)
        finally:
            src.close()
            dst.close()
        tmp.replace(destination)
    except sqlite3.Error as exc:
        raise StoreError(
            _("could not back up {path}: {error}").format(path=source, error=exc),
            hint=_("Check that the file is a socialpost database and the disk is not full (socialpost doctor)."),
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    return counts


def _sqlite_counts(connection: sqlite3.Connection) -> Counts:
    names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return Counts(
        {
            t.name: connection.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
            for t in tables()
            if t.name in names
        }
    )


def _check_destination(destination: Path, *, overwrite: bool, source: Path | None = None) -> None:
    if destination.is_dir():
        raise UsageError(
            _("{path} is a folder. Fix: name a file in it, e.g. {example}.").format(
                path=destination, example=destination / "socialpost-backup.db"
            )
        )
    if not destination.parent.is_dir():
        raise UsageError(
            _("the folder {folder} does not exist. Fix: create it first, or name a file elsewhere.").format(
                folder=destination.parent
            )
        )
    if source is not None and destination.exists() and destination.resolve() == source.resolve():
        raise UsageError(_("{path} is the queue itself. Fix: name another file.").format(path=destination))
    if destination.exists() and not overwrite:
        raise UsageError(
            _("{path} already exists. Fix: name a new file, or add --force to replace it.").format(path=destination)
        )


# --- JSON export ------------------------------------------------------------------------------


@contextmanager
def _snapshot(store: Store) -> Iterator[Any]:
    """A connection reading one consistent state of every table."""
    with store.engine.connect() as connection:
        if store.dialect == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def export(store: Store, *, now: datetime) -> dict[str, Any]:
    """Every table's rows as JSON values (times as ISO 8601 UTC), in one consistent read."""
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "schema": SCHEMA_HEAD, "exported_at": iso_utc(now)}
    data: dict[str, list[dict[str, Any]]] = {}
    with _snapshot(store) as connection:
        for table in tables():
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            data[table.name] = [{key: _to_json(value) for key, value in row.items()} for row in rows]
    out["tables"] = data
    return out


def _to_json(value: Any) -> Any:
    return iso_utc(value) if isinstance(value, datetime) else value


# --- restore ----------------------------------------------------------------------------------


def restore(store: Store, source: Path) -> Counts:
    """Copy a SQLite backup or a JSON export into ``store``, which must hold none of its rows."""
    held = _counts(store)
    if any(held.rows.values()):
        raise InputError(
            _(
                "the queue you restore into is not empty ({campaigns} campaigns, {posts} posts): restore only "
                "writes into an empty queue, so nothing is mixed or overwritten."
            ).format(campaigns=held.campaigns, posts=held.posts),
            hint=_(
                "Restore into a new queue: SOCIALPOST_DATABASE_URL=sqlite:///path/to/new.db socialpost restore "
                "{file} (then point 'database:' in your config at it), or move the current database away first "
                "(back it up: socialpost backup FILE)."
            ).format(file=source),
        )
    kind = _kind(source)
    if kind == "sqlite":
        with _opened_backup(source) as backup, _snapshot(backup) as connection:
            return _copy(store, lambda table: (dict(r) for r in connection.execute(select(table)).mappings()))
    document = _read_export(source)
    data: dict[str, list[dict[str, Any]]] = document["tables"]
    return _copy(store, lambda table: (_from_json(table, row) for row in data.get(table.name, [])))


def _kind(source: Path) -> str:
    try:
        with source.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise InputError(
            _("cannot read {path}: {error}").format(path=source, error=exc.strerror or exc),
        ) from None
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.lstrip()[:1] == b"{":
        return "json"
    raise InputError(
        _("{path} is neither a socialpost backup (a SQLite file) nor an export (JSON).").format(path=source),
        hint=_("Make one with socialpost backup FILE (or with socialpost export --json -o FILE)."),
    )


@contextmanager
def _opened_backup(source: Path) -> Iterator[Store]:
    """The backup opened as a store, on a temporary copy (opening migrates an older schema, and
    the user's backup must stay as it is)."""
    with tempfile.TemporaryDirectory(prefix="socialpost-restore-") as folder:
        copy = Path(folder) / "backup.db"
        try:
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
            dst = sqlite3.connect(copy)
            try:
                src.backup(dst)  # not a plain file copy: a live queue's -wal file is read too
            finally:
                src.close()
                dst.close()
            backup = open_store(f"sqlite:///{copy}")
        except sqlite3.Error as exc:
            raise InputError(
                _("{path} cannot be read as a socialpost backup: {error}").format(path=source, error=exc)
            ) from None
        except StoreError as exc:
            raise InputError(
                _("{path} cannot be read as a socialpost backup: {error}").format(path=source, error=exc.message)
            ) from None
        try:
            yield backup
        finally:
            backup.close()


def _read_export(source: Path) -> dict[str, Any]:
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(_("{path} is not a readable JSON export: {error}").format(path=source, error=exc)) from None
    if (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or not isinstance(document.get("tables"), dict)
    ):
        raise InputError(
            _('{path} is JSON but not a socialpost export (no "format": "{format}").').format(
                path=source, format=FORMAT
            ),
            hint=_("Make one with socialpost export --json -o FILE."),
        )
    if document.get("schema") != SCHEMA_HEAD:
        raise InputError(
            _("{path} was exported by a socialpost with the store's schema {theirs}; this one has {ours}.").format(
                path=source, theirs=document.get("schema"), ours=SCHEMA_HEAD
            ),
            hint=_(
                "Restore it with the socialpost version that exported it, then back up the SQLite file "
                "(socialpost backup FILE): backups of older schemas are upgraded when restored."
            ),
        )
    return document


def _from_json(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for column in table.columns:
        value = out.get(column.name)
        if isinstance(column.type, UTCDateTime) and isinstance(value, str):
            out[column.name] = datetime.fromisoformat(value)
    return out


def _copy(store: Store, rows_of: Any) -> Counts:
    """Insert every table's rows (``rows_of(table)``) in one transaction."""
    counts: dict[str, int] = {}
    with store.write() as session:
        connection = session.connection()
        for table in tables():
            batch: list[dict[str, Any]] = []
            counts[table.name] = 0
            for row in rows_of(table):
                batch.append(row)
                if len(batch) >= 1000:
                    connection.execute(insert(table), batch)
                    counts[table.name] += len(batch)
                    batch = []
            if batch:
                connection.execute(insert(table), batch)
                counts[table.name] += len(batch)
        if store.dialect == "postgresql":
            for table in tables():
                if "id" in table.c and isinstance(table.c.id.type, Integer) and counts[table.name]:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f'(SELECT max(id) FROM "{table.name}"))'
                        )
                    )
    return Counts(counts)


def _counts(store: Store) -> Counts:
    with store.session() as session:
        return Counts({t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in tables()})
