"""Report data: each post with its latest and previous snapshot, and groups of posts.

Reading is built for big stores (``bench/report.py``: a million snapshot rows): the posts and each
post's latest and previous snapshot come in one query of plain columns, from ``posts`` and the
one-row-per-post summary ``engagement_latest`` that every snapshot write keeps up to date (the
history in ``engagement_snapshots`` is not read).

Rules (docs/engagement.md):

* a metric is summed over the posts that know it; a group where no post knows it shows "n/a";
* the engagement rate is (likes + reposts + replies + quotes) / views, over posts whose views are
  known (and above 0) only;
* growth is latest minus previous snapshot, per post; a group's growth is the sum over its posts;
* posts that never went out (failed, missed, unknown, held) stay in every view, counted as such.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from socialpost.engagement.metrics import METRICS
from socialpost.report import gc_paused
from socialpost.report.facts import Filters, PostFacts, Snapshot
from socialpost.store import report_rows

if TYPE_CHECKING:
    from socialpost.store.db import Store


def load_posts(store: Store, filters: Filters | None = None, *, texts: bool = True) -> list[PostFacts]:
    """Every post the filters let through, ordered by campaign, due time, post and account.

    One query of plain columns (:func:`socialpost.store.report_rows.posts_sql`): the posts, and each
    post's row of ``engagement_latest`` (its newest and previous snapshot, kept by the collector) —
    never the snapshot history itself. Without ``texts``, the posts' texts are left empty (views that
    do not show them skip reading them).
    """
    chosen = filters or Filters()
    with gc_paused():
        return report_rows.load_rows(
            store, chosen, lambda rows, whole: _facts(rows, chosen, whole_payload=whole), texts=texts
        )


def read_posts(
    connection: sqlite3.Connection, filters: Filters | None = None, *, texts: bool = True
) -> list[PostFacts]:
    """:func:`load_posts` from a plain sqlite3 connection (:func:`socialpost.store.sqlite_read.connect_current`)."""
    chosen = filters or Filters()
    with gc_paused():
        return report_rows.read_rows(connection, chosen, lambda rows: _facts(rows, chosen), texts=texts)


def _facts(rows: Iterable[Sequence[Any]], filters: Filters, *, whole_payload: bool = False) -> list[PostFacts]:
    posts = []
    width = len(METRICS)
    everything = (1 << width) - 1
    for row in rows:  # 33 plain columns
        (row_id, name, tz, key, occurrence, account, network, status, due_at, local_time, sent_at, url, error) = row[
            :13
        ]
        at = row[13]
        latest = previous = None
        if at is not None and (stored := row[14]):
            latest = Snapshot(at, _every_metric(row, 15) if stored == everything else _pick(stored, row[15:]))
            before = row[15 + width]
            if before is not None and (stored := row[16 + width]):
                previous = Snapshot(
                    before, _every_metric(row, 17 + width) if stored == everything else _pick(stored, row[17 + width :])
                )
        text, thread = row[24 + width], row[25 + width]
        if whole_payload:
            text, thread = _text_and_thread(text)
        posts.append(
            PostFacts(  # in the order of its parameters (a keyword call costs a microsecond a post)
                row_id,
                name,
                tz,
                f"{key}@{occurrence}" if occurrence else key,  # socialpost.store.models.display_id
                account,
                network or account.split(":", 1)[0],
                status,
                due_at,
                local_time,
                sent_at,
                url,
                error,
                latest,
                previous,
                text or "",
                thread,
            )
        )
    if filters.since is not None or filters.until is not None:
        # coalesce() of two UTC columns compares as stored; check again on the real instants
        posts = [
            p
            for p in posts
            if (filters.since is None or p.when >= filters.since) and (filters.until is None or p.when < filters.until)
        ]
    return posts


def _text_and_thread(payload: dict[str, Any] | str | None) -> tuple[str, list[str] | None]:
    """The text and the thread's other parts of a whole payload (a database without JSON paths)."""
    document = json.loads(payload) if isinstance(payload, str) else payload or {}
    return str(document.get("text") or ""), document.get("thread")


def _every_metric(row: Sequence[Any], at: int) -> dict[str, int | None]:
    """The seven metric columns from ``row[at]`` on, every one stored (the usual case): a dict
    display is quicker than ``dict(zip(METRICS, …))``, and the order is the same."""
    return {
        "views": row[at],
        "likes": row[at + 1],
        "reposts": row[at + 2],
        "replies": row[at + 3],
        "quotes": row[at + 4],
        "bookmarks": row[at + 5],
        "clicks": row[at + 6],
    }


if METRICS != ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks"):  # pragma: no cover
    raise ImportError("socialpost.report.aggregate._every_metric lists the metrics in METRICS order; update it")


def _pick(stored: int, values: Sequence[int | None]) -> dict[str, int | None]:
    """The metrics a snapshot stored (bit ``i`` of ``stored``: ``METRICS[i]``; their None: not available)."""
    return {m: values[bit] for bit, m in enumerate(METRICS) if stored >> bit & 1}
