"""Which sent posts are due for an engagement snapshot.

A post is read at fixed ages after it went out (``engagement.ages``, default 1 h, 24 h, 7 d, 30 d).
It is due when an age has passed and nothing was read for it since that age: one read covers every
age that has passed, so a daemon that was stopped for a week reads a post once, not three times.
After the last age a post is never read again by the daemon (``socialpost collect --all`` can).

A read that gave nothing (the post was deleted, the network refused, X's daily cap) is recorded as
a ``metrics-unavailable`` event, so the post waits for its next age instead of being asked again
every few minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialpost.store import engagement as stored
from socialpost.store.db import Store
from socialpost.store.engagement import UNAVAILABLE

__all__ = ["UNAVAILABLE", "Target", "due_mark", "is_due", "next_due", "targets"]


@dataclass(frozen=True)
class Target:
    """A sent post to read: the store's row id, its account and the network's id for it."""

    post_id: int
    account: str
    remote_id: str
    sent_at: datetime
    last_read: datetime | None  # newest snapshot or unavailable mark
    due_since: datetime | None  # when its current age was reached; None: not due (read on demand)


def due_mark(sent_at: datetime, now: datetime, ages: Sequence[timedelta]) -> datetime | None:
    """The moment the newest age that has passed was reached, or None when no age has passed."""
    passed = [age for age in ages if sent_at + age <= now]
    return sent_at + max(passed) if passed else None


def is_due(sent_at: datetime, last_read: datetime | None, now: datetime, ages: Sequence[timedelta]) -> bool:
    mark = due_mark(sent_at, now, ages)
    return mark is not None and (last_read is None or last_read < mark)


def next_due(sent_at: datetime, last_read: datetime | None, ages: Sequence[timedelta]) -> datetime | None:
    """When this post will next be due (None: never again)."""
    for age in sorted(ages):
        mark = sent_at + age
        if last_read is None or last_read < mark:
            return mark
    return None


def targets(
    store: Store,
    *,
    now: datetime,
    ages: Sequence[timedelta],
    mode: str = "due",
    campaign: str | None = None,
    account: str | None = None,
) -> list[Target]:
    """Sent posts to read now, oldest due first.

    ``mode``: ``due`` — only posts due by their ages (the daemon); ``recent`` — also every post sent
    within the last age (``socialpost collect``); ``all`` — every sent post.
    """
    if mode not in ("due", "recent", "all"):
        raise ValueError(f"unknown collection mode {mode!r}")
    sent_until = {"due": now - min(ages), "recent": now, "all": None}[mode]
    rows = stored.sent_posts(store, sent_until=sent_until, campaign=campaign, account=account)
    found: list[Target] = []
    window = max(ages)
    for post_id, acct, remote_id, sent_at, snap_at, mark_at in rows:
        last = max((t for t in (snap_at, mark_at) if t is not None), default=None)
        mark = due_mark(sent_at, now, ages)
        due = mark is not None and (last is None or last < mark)
        if due or mode == "all" or (mode == "recent" and now - sent_at <= window):
            found.append(Target(post_id, acct, remote_id, sent_at, last, mark if due else None))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    found.sort(key=lambda t: (t.due_since is None, t.due_since or far, t.post_id))
    return found
