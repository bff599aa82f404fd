"""Reading a SQLite store with the standard library alone, when nothing needs creating or migrating.

Importing SQLAlchemy costs about 0.2 s, a fifth of ``socialpost report`` over a million snapshots
(``bench/report.py``), for a report that runs one SELECT. :func:`connect_current` gives a plain
``sqlite3`` connection to an existing SQLite file whose schema is already current; for anything
else — another database, a file still to create, an older schema to migrate, a file that is not a
database — it gives None, and the caller opens the store (``socialpost.store.db.open_store``),
which creates, migrates and reports problems as usual.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from socialpost.store.schema import SCHEMA_HEAD

PREFIX = "sqlite:///"


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (relative to the working folder, as SQLAlchemy
    reads it); None for other URLs, in-memory databases and URLs with options."""
    if not url.startswith(PREFIX):
        return None
    path = url.removeprefix(PREFIX)
    if not path or path == ":memory:" or path.startswith("file:") or "?" in path:
        return None
    return Path(path)


def connect_current(url: str) -> sqlite3.Connection | None:
    """A connection for reading ``url``'s SQLite file when it exists at the current schema, else None."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    # the timeout waits for a writer as the store's engine does (busy_timeout 30 s); no BEGIN is
    # issued (autocommit): a single SELECT reads one consistent snapshot
    try:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.Error:  # cannot open it: the store says why
        return None
    try:
        found = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:  # no such table, not a database…: the store says what is wrong
        found = []
    if found != [(SCHEMA_HEAD,)]:
        connection.close()
        return None
    connection.execute("PRAGMA query_only = ON")  # a reader: any write is refused
    # The report reads posts in campaign order, not in the order they are stored: a page cache that
    # holds the posts and their engagement_latest rows (13 MB for 37,000 posts) reads each page once.
    connection.execute("PRAGMA cache_size = -32000")  # KiB, taken only as pages are read
    # pages read straight from the file's mapping rather than copied in by read() (address space
    # only; a tenth off the report's query)
    connection.execute("PRAGMA mmap_size = 268435456")
    return connection
