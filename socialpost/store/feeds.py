"""Feeds in the store: the feeds ``schedule`` records, the daemon's turn to poll one, and the
entries decided for each account — the unique key claimed in the transaction that queues the post,
so an entry becomes at most one post per account (docs/feeds.md has the rules)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from socialpost.slots import SlotRule
from socialpost.store import transitions
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, FeedEntryRow, FeedRow, PostRow, Status
from socialpost.store.slot_assign import free_slots
from socialpost.timeutil import iso_utc

EVERYONE = "*"  # the account of a "skipped" decision: it holds for every account of the feed
QUEUED = "queued"
SKIPPED = "skipped"


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]


def not_from_feed() -> ColumnElement[bool]:
    """A condition on ``PostRow``: the post was not made from a feed entry (it is the file's)."""
    made = select(FeedEntryRow.post_id).where(FeedEntryRow.post_id.is_not(None))
    return PostRow.id.not_in(made)


def record(session: Session, campaign_id: int, specs: Sequence[dict[str, Any]], *, now: datetime) -> None:
    """Record a campaign's feeds as its file says today (in ``schedule``'s transaction). A new feed
    is first scheduled now and polled at once; a feed no longer in the file becomes inactive."""
    stored = {row.url_key: row for row in session.scalars(select(FeedRow).where(FeedRow.campaign_id == campaign_id))}
    wanted = set()
    for spec in specs:
        key = url_key(spec["url"])
        wanted.add(key)
        row = stored.get(key)
        if row is None:
            session.add(
                FeedRow(
                    campaign_id=campaign_id,
                    url=spec["url"],
                    url_key=key,
                    spec=dict(spec),
                    active=1,
                    first_scheduled_at=now,
                    next_poll_at=now,
                    failures=0,
                )
            )
        elif row.spec != spec or not row.active:
            if not row.active:
                row.next_poll_at = now
            row.spec = dict(spec)
            row.active = 1
    for key, row in stored.items():
        if key not in wanted and row.active:
            row.active = 0
    session.flush()


@dataclass(frozen=True)
class FeedState:
    """A feed as the poller and ``feeds check`` read it."""

    id: int
    campaign: str
    campaign_id: int
    url: str
    url_key: str
    spec: dict[str, Any]
    first_scheduled_at: datetime
    first_polled_at: datetime | None
    next_poll_at: datetime
    etag: str | None
    last_modified: str | None
    last_polled_at: datetime | None
    last_ok_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failures: int


_STATE = (
    FeedRow.id,
    CampaignRow.name,
    FeedRow.campaign_id,
    FeedRow.url,
    FeedRow.url_key,
    FeedRow.spec,
    FeedRow.first_scheduled_at,
    FeedRow.first_polled_at,
    FeedRow.next_poll_at,
    FeedRow.etag,
    FeedRow.last_modified,
    FeedRow.last_polled_at,
    FeedRow.last_ok_at,
    FeedRow.last_error,
    FeedRow.last_error_at,
    FeedRow.failures,
)


def feeds(store: Store, *, campaign: str | None = None) -> list[FeedState]:
    """Every active feed (of one campaign), in campaign then URL order."""
    query = select(*_STATE).join(CampaignRow, CampaignRow.id == FeedRow.campaign_id).where(FeedRow.active == 1)
    if campaign is not None:
        query = query.where(CampaignRow.name == campaign)
    with store.session() as session:
        return [FeedState(*row) for row in session.execute(query.order_by(CampaignRow.name, FeedRow.url))]


def take_turn(store: Store, feed: FeedState, *, now: datetime) -> bool:
    """Claim this poll of ``feed`` (its ``next_poll_at`` moves a period on): False when another
    daemon took it first. This bounds the rate at which the feed's site is asked, however many
    daemons run; exactly-once posting does not depend on it (the entries' unique keys do)."""
    period = timedelta(seconds=int(feed.spec.get("every_seconds", 900)))
    with store.session() as session:
        result = session.execute(
            update(FeedRow)
            .where(FeedRow.id == feed.id, FeedRow.next_poll_at == feed.next_poll_at)
            .values(next_poll_at=now + period, last_polled_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def polled(
    store: Store, feed_id: int, *, now: datetime, etag: str | None, last_modified: str | None, changed: bool
) -> None:
    """A good poll: its validators kept for the next conditional GET, the error cleared."""
    values: dict[str, Any] = {"last_ok_at": now, "last_error": None, "last_error_at": None, "failures": 0}
    if changed:
        values.update(etag=etag, last_modified=last_modified)
    with store.session() as session:
        session.execute(update(FeedRow).where(FeedRow.id == feed_id).values(**values))


def failed(store: Store, feed_id: int, *, now: datetime, error: str) -> None:
    """A poll that failed (the site, the format): kept for ``status`` and ``doctor``."""
    with store.session() as session:
        session.execute(
            update(FeedRow)
            .where(FeedRow.id == feed_id)
            .values(last_error=error[:2000], last_error_at=now, failures=FeedRow.failures + 1)
        )


def decided(store: Store, feed_id: int, keys: Iterable[str]) -> dict[str, set[str]]:
    """Of these entry keys, those already decided: key → the accounts (``*`` for skipped)."""
    wanted = list(set(keys))
    found: dict[str, set[str]] = {}
    with store.session() as session:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = select(FeedEntryRow.entry_key, FeedEntryRow.account).where(
                FeedEntryRow.feed_id == feed_id, FeedEntryRow.entry_key.in_(chunk)
            )
            for key, account in session.execute(query):
                found.setdefault(key, set()).add(account)
    return found


@dataclass(frozen=True)
class NewPost:
    """A post to make from one entry for one account (the application built the payload)."""

    entry_key: str
    account: str
    post_key: str
    payload: dict[str, Any]
    fingerprint: str
    idempotency_key: str
    due_at: datetime  # at once: now; queued: replaced by the slot taken
    local_time: str
    source: str
    queue: SlotRule | None = None  # ``queue: true``: the rule whose next free slot it takes


@dataclass(frozen=True)
class Decisions:
    queued: list[NewPost]  # made now (with the slot each took)
    already: int  # decided before (by this daemon or another): nothing made
    no_slot: list[NewPost] = field(default_factory=list)  # their queue had no free slot: left for later


def decide(
    store: Store,
    feed: FeedState,
    *,
    skipped: Sequence[str],
    posts: Sequence[NewPost],
    now: datetime,
    first_poll: bool,
) -> Decisions:
    """In one transaction: mark ``skipped`` entries for every account, and for each post claim its
    (feed, entry, account) key and queue the post — or, when the key is taken (another daemon, an
    earlier run), make nothing. The first poll's mark is set in the same transaction, so a second
    daemon sees both the skips and the mark, or neither."""
    queued: list[NewPost] = []
    no_slot: list[NewPost] = []
    already = 0
    with store.write() as session:
        table = cast(Table, FeedEntryRow.__table__)
        _lock_queues(session, [post.account for post in posts if post.queue is not None])
        for key in skipped:
            _claim(session, table, feed.id, key, EVERYONE, SKIPPED, now)
        for post in posts:
            if post.queue is not None:
                # the next free slot, read in this transaction (after the account's lock): the
                # posts queued just before in it occupy theirs
                found = free_slots(session, post.account, post.queue, now=now, count=1)
                if not found:
                    no_slot.append(post)
                    continue
                post = replace(post, due_at=found[0], local_time=found[0].astimezone(post.queue.tz).isoformat())
            entry_id = _claim(session, table, feed.id, post.entry_key, post.account, QUEUED, now)
            if entry_id is None:
                already += 1
                continue
            row = PostRow(
                campaign_id=feed.campaign_id,
                post_key=post.post_key,
                occurrence="",
                account=post.account,
                network=post.account.split(":", 1)[0],
                payload=post.payload,
                fingerprint=post.fingerprint,
                idempotency_key=post.idempotency_key,
                due_at=post.due_at,
                local_time=post.local_time,
                next_attempt_at=post.due_at,
                status=Status.PENDING.value,
                attempts=0,
                source=post.source,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            session.execute(update(FeedEntryRow).where(FeedEntryRow.id == entry_id).values(post_id=row.id))
            transitions.log(
                session,
                post_id=row.id,
                at=now,
                kind="scheduled",
                from_status=None,
                to_status=Status.PENDING.value,
                detail=f"from the feed {feed.url}; due {iso_utc(post.due_at)}"
                + (" (the next free slot of its queue)" if post.queue is not None else ""),
            )
            queued.append(post)
        if first_poll:
            session.execute(
                update(FeedRow)
                .where(FeedRow.id == feed.id, FeedRow.first_polled_at.is_(None))
                .values(first_polled_at=now)
            )
    return Decisions(queued, already, no_slot)


def _lock_queues(session: Session, accounts: Sequence[str]) -> None:
    """The accounts' queue locks of ``schedule`` (socialpost.store.sync), so a feed's post and a
    campaign being scheduled never take one slot twice."""
    if accounts:
        from socialpost.store.sync import _lock_queues as lock  # sync imports this module

        lock(session, accounts)


def _claim(
    session: Session, table: Table, feed_id: int, key: str, account: str, decision: str, now: datetime
) -> int | None:
    """Insert the decision unless its unique key exists; its id, or None when it did. On PostgreSQL a
    concurrent insert of the same key waits for the other transaction and then does nothing."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(feed_id=feed_id, entry_key=key, account=account, decision=decision, created_at=now)
        .on_conflict_do_nothing(index_elements=["feed_id", "entry_key", "account"])
        .returning(table.c.id)
    )
    found = session.execute(statement).scalar()
    return int(found) if found is not None else None


@dataclass(frozen=True)
class FeedProblem:
    """A feed whose last poll failed, for ``status`` and ``doctor``."""

    campaign: str
    url: str
    error: str
    since: datetime
    failures: int

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "url": self.url,
            "error": self.error,
            "at": iso_utc(self.since),
            "failures": self.failures,
        }


def free_places(store: Store, account: str, rule: SlotRule, *, now: datetime, count: int) -> list[datetime]:
    """Where ``count`` new posts of a feed with ``queue: true`` would go on ``account``, one after
    the other, as :func:`decide` would place them now (``feeds check``): a read, claiming nothing;
    fewer than ``count`` when the queue has no free place left."""
    with store.session() as session:
        return free_slots(session, account, rule, now=now, count=count, places=True)


def problems(store: Store, *, campaign: str | None = None) -> list[FeedProblem]:
    """The active feeds (of one campaign) whose last poll failed; none in a database that has no
    feeds table yet (``doctor`` reads it without migrating)."""
    with store.session() as session:
        if not inspect(session.connection()).has_table(FeedRow.__tablename__):
            return []
    query = (
        select(CampaignRow.name, FeedRow.url, FeedRow.last_error, FeedRow.last_error_at, FeedRow.failures)
        .join(CampaignRow, CampaignRow.id == FeedRow.campaign_id)
        .where(FeedRow.active == 1, FeedRow.last_error.is_not(None))
        .order_by(CampaignRow.name, FeedRow.url)
    )
    if campaign is not None:
        query = query.where(CampaignRow.name == campaign)
    with store.session() as session:
        return [
            FeedProblem(name, url, error or "", at, failures)
            for name, url, error, at, failures in session.execute(query)
            if at is not None
        ]
