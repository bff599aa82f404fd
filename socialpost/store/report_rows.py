"""The report's one query: every post with its campaign and its ``engagement_latest`` row.

Plain columns, from ``posts`` and the one-row-per-post summary ``engagement_latest`` that every
snapshot write keeps up to date (the history in ``engagement_snapshots`` is not read), as SQL that
SQLite and PostgreSQL both run. It is run through the store (:func:`load_rows`) or, for a SQLite
file already at the current schema, through a plain ``sqlite3`` connection (:func:`read_rows`,
see :mod:`socialpost.store.sqlite_read`). The rows go to the caller's ``consume`` as the database
gives them, without a list in between (``socialpost.report.aggregate`` makes its posts of them).

Nothing here imports SQLAlchemy at import time (nor ``socialpost.store.models``, which does): a
report read with sqlite3 alone does without it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from socialpost.errors import StoreError
from socialpost.i18n import _
from socialpost.store.metrics import METRICS

if TYPE_CHECKING:
    from socialpost.store.db import Store

R = TypeVar("R")
Rows = Iterable[Sequence[Any]]


class PostFilters(Protocol):
    """Which posts (``socialpost.report.facts.Filters``): None lets every value through."""

    @property
    def campaign(self) -> str | None: ...
    @property
    def network(self) -> str | None: ...
    @property
    def account(self) -> str | None: ...
    @property
    def since(self) -> datetime | None: ...  # sent (or due, when not sent) at or after
    @property
    def until(self) -> datetime | None: ...  # … and before


_COLUMNS = (
    "posts.id, campaigns.name, campaigns.timezone, posts.post_key, posts.occurrence, posts.account, posts.network,"
    " posts.status, posts.due_at, posts.local_time, posts.sent_at, posts.remote_url, posts.last_error,"
    " engagement_latest.collected_at, engagement_latest.stored, "
    + ", ".join(f"engagement_latest.{m}" for m in METRICS)
    + ", engagement_latest.previous_collected_at, engagement_latest.previous_stored, "
    + ", ".join(f"engagement_latest.previous_{m}" for m in METRICS)
)
# The post's text and its thread's other parts, read from the payload by the database (a million
# rows' JSON parsed in C, not in Python): SQLite gives the thread as JSON text, parsed only for the
# posts that have one; PostgreSQL's driver gives a list. Another database: the payload as it is.
_TEXT_COLUMNS = {
    "sqlite": "json_extract(posts.payload, '$.text'), json_extract(posts.payload, '$.thread')",
    "postgresql": "posts.payload ->> 'text', posts.payload -> 'thread'",
}
_PAYLOAD_COLUMNS = "posts.payload, NULL"


def posts_sql(
    filters: PostFilters, *, stored_text: bool = False, dialect: str = "sqlite", texts: bool = True
) -> tuple[str, dict[str, Any]]:
    """The report's one query — posts, their campaign and their engagement_latest row — as SQL that
    SQLite and PostgreSQL both run (but for how each reads the text from the payload, ``dialect``),
    with its named parameters. ``stored_text``: the store keeps times as SQLite's text, so the time
    filters are given as that text too. ``texts``: read each post's text and thread (else NULL)."""
    where: list[str] = []
    params: dict[str, Any] = {}
    for name, column in (("campaign", "campaigns.name"), ("network", "posts.network"), ("account", "posts.account")):
        value = getattr(filters, name)
        if value is not None:
            where.append(f"{column} = :{name}")
            params[name] = value
    for name, test in (("since", ">="), ("until", "<")):
        instant: datetime | None = getattr(filters, name)
        if instant is not None:
            where.append(f"coalesce(posts.sent_at, posts.due_at) {test} :{name}")
            params[name] = _stored(instant) if stored_text else instant
    return (
        f"SELECT {_COLUMNS}, {_TEXT_COLUMNS.get(dialect, _PAYLOAD_COLUMNS) if texts else 'NULL, NULL'}"
        " FROM posts JOIN campaigns ON campaigns.id = posts.campaign_id"
        " LEFT OUTER JOIN engagement_latest ON engagement_latest.post_id = posts.id"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY campaigns.name, posts.due_at, posts.post_key, posts.account",
        params,
    )


def _stored(instant: datetime) -> str:
    """An instant as the store's UTCDateTime column keeps it on SQLite (naive UTC, microseconds)."""
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def load_rows(store: Store, filters: PostFilters, consume: Callable[[Rows, bool], R], *, texts: bool = True) -> R:
    """Run the report's query in the store and hand its rows to ``consume``, with whether their text
    column holds the whole payload (a database without JSON paths) rather than the text.

    SQLite's times come back as their stored text (the query has no column types): parsed only when a
    view needs the datetime (the JSON and CSV need only the text); PostgreSQL's driver gives datetimes.
    """
    from sqlalchemy import text

    sql, params = posts_sql(filters, stored_text=store.dialect == "sqlite", dialect=store.dialect, texts=texts)
    with store.session() as session:
        return consume(session.execute(text(sql), params), store.dialect not in _TEXT_COLUMNS)


def read_rows(
    connection: sqlite3.Connection, filters: PostFilters, consume: Callable[[Rows], R], *, texts: bool = True
) -> R:
    """:func:`load_rows` through a plain sqlite3 connection (:func:`socialpost.store.sqlite_read.connect_current`)."""
    sql, params = posts_sql(filters, stored_text=True, texts=texts)
    try:
        return consume(connection.execute(sql, params))
    except sqlite3.OperationalError as exc:  # as socialpost.store.db.Store says it
        raise StoreError(
            _("the database failed: {error}").format(error=str(exc).splitlines()[0]),
            hint=_("Check that the database is reachable and not full (socialpost doctor)."),
        ) from exc


MEDIA_KEYS = ("media", "video", "media_root")  # what the HTML report's thumbnails read of a payload


def post_media(store: Store, row_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The media parts of the given posts' payloads (``media``, ``video``, ``media_root``), by post
    id; a post without media is left out. Asked for the few hundred posts a page shows, never the
    whole report."""
    from sqlalchemy import select

    from socialpost.store.models import PostRow

    found: dict[int, dict[str, Any]] = {}
    ids = list(dict.fromkeys(row_ids))
    with store.session() as session:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row_id, payload in session.execute(select(PostRow.id, PostRow.payload).where(PostRow.id.in_(chunk))):
                if isinstance(payload, dict) and (payload.get("media") or payload.get("video")):
                    found[row_id] = {key: payload[key] for key in MEDIA_KEYS if key in payload}
    return found
