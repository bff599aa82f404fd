"""The store's tables. Schema changes go through Alembic migrations (``store/migrations``)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from socialpost.redaction import redact
from socialpost.store.metrics import METRICS as METRICS


class Status(enum.StrEnum):
    """A post's state. See docs/state-machine.md for every transition."""

    PENDING = "pending"  # waiting for its time
    SENDING = "sending"  # claimed by a daemon, the network call may be in flight
    RETRY_WAIT = "retry_wait"  # a transient error; tries again at next_attempt_at
    SENT = "sent"  # published; remote_id and remote_url are set
    FAILED = "failed"  # permanent error, or out of attempts; last_error says why
    UNKNOWN = "unknown"  # the outcome could not be established; the user must resolve it
    MISSED = "missed"  # its time passed while no daemon ran, beyond the late policy
    CANCELLED = "cancelled"  # removed from the campaign or cancelled by the user
    HELD = "held"  # late, and the campaign's late policy says to wait for the user


FINAL = frozenset({Status.SENT, Status.FAILED, Status.UNKNOWN, Status.MISSED, Status.CANCELLED, Status.HELD})
WAITING = frozenset({Status.PENDING, Status.RETRY_WAIT})
NEEDS_ATTENTION = frozenset({Status.FAILED, Status.UNKNOWN, Status.HELD})


def display_id(post_key: str, occurrence: str) -> str:
    """How people see a post's id: ``teaser``, or ``weekly-tip@2027-03-02T10:30`` for an occurrence."""
    return f"{post_key}@{occurrence}" if occurrence else post_key


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class RedactedText(TypeDecorator[str]):
    """Free text from outside (a network's error, an inbox comment, a receiver's URL): every value
    written goes through ``socialpost.redaction.redact``, so no registered secret is stored,
    whichever query writes it (:class:`RedactedString` for a bounded column)."""

    impl: type[String] = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else redact(value)


class RedactedString(RedactedText):
    """:class:`RedactedText` as ``VARCHAR(n)``: ``RedactedString(1000)``."""

    impl = String
    cache_ok = True


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class CampaignRow(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    source_file: Mapped[str] = mapped_column(String(1000))
    timezone: Mapped[str] = mapped_column(String(64))
    late_within_seconds: Mapped[int] = mapped_column(Integer, default=900)
    late_else: Mapped[str] = mapped_column(String(8), default="skip")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PostRow(Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "post_key", "occurrence", "account", name="uq_posts_slot"),
        # The claim reads one status at a time in (next_attempt_at, id) order: a pure index range
        # scan, no sort (tests/test_claim_plan.py checks the plan on SQLite and PostgreSQL).
        Index("ix_posts_claim", "status", "next_attempt_at", "id"),
        Index("ix_posts_lease", "status", "lease_until"),
        CheckConstraint(
            "status IN ('pending','sending','retry_wait','sent','failed','unknown','missed','cancelled','held')",
            name="ck_posts_status",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    post_key: Mapped[str] = mapped_column(String(100))
    occurrence: Mapped[str] = mapped_column(String(32), default="")
    account: Mapped[str] = mapped_column(String(200))
    network: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]]
    fingerprint: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    due_at: Mapped[datetime]
    local_time: Mapped[str] = mapped_column(String(40))
    next_attempt_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=Status.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    remote_id: Mapped[str | None] = mapped_column(String(300))
    remote_url: Mapped[str | None] = mapped_column(RedactedString(1000))
    last_error: Mapped[str | None] = mapped_column(RedactedText)
    sent_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(1100), default="")  # file:line:column of the post
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Why a ``cancelled`` post is cancelled: ``user`` (socialpost cancel: it stays cancelled when its
    # file is scheduled again, until socialpost restore) or ``file`` (removed from its campaign file:
    # putting it back queues it again). NULL for every other state.
    cancelled_by: Mapped[str | None] = mapped_column(String(8))


class PauseRow(Base):
    """A campaign or an account the user paused (``socialpost pause``); deleted by ``resume``.

    The claim does not take a waiting post whose campaign or account has a row here (the same
    statement reads both, see :func:`socialpost.store.pauses.not_paused`), so its posts stay in the
    queue, keep their times and are judged by the campaign's late policy on resume. Exactly one of
    ``campaign_id`` and ``account`` is set. Who paused and why are also written to each waiting
    post's events.
    """

    __tablename__ = "pauses"
    __table_args__ = (
        CheckConstraint("(campaign_id IS NULL) <> (account IS NULL)", name="ck_pauses_one_target"),
        UniqueConstraint("campaign_id", name="uq_pauses_campaign"),
        UniqueConstraint("account", name="uq_pauses_account"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    account: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    paused_by: Mapped[str] = mapped_column(String(300))
    paused_at: Mapped[datetime]


class EventRow(Base):
    """Append-only log of everything that happened to a post."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    daemon: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(RedactedText)


class SnapshotRow(Base):
    """One metric of one sent post at one moment. ``value`` None means "not available".

    The history. Every row written through the models also updates the post's
    :class:`LatestRow` in the same transaction (see :func:`_keep_latest`), which is what the
    report reads.
    """

    __tablename__ = "engagement_snapshots"
    __table_args__ = (Index("ix_snapshots_post_time", "post_id", "collected_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    collected_at: Mapped[datetime]
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[dict[str, Any] | None]


# The normalised metrics, in their bit order in LatestRow.stored: socialpost.store.metrics.METRICS.


class LatestRow(Base):
    """Each post's newest snapshot and the one before it, one row per post (``engagement_latest``).

    Kept up to date with every snapshot row written (same transaction), so the report reads one
    row per post instead of grouping the whole ``engagement_snapshots`` history. A snapshot may
    store only some metrics: bit ``i`` of ``stored`` says ``METRICS[i]`` was stored, and then its
    column's NULL means "not available" (never 0); a metric not stored reads NULL and is left out.
    """

    __tablename__ = "engagement_latest"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    collected_at: Mapped[datetime]
    stored: Mapped[int] = mapped_column(Integer)
    views: Mapped[int | None] = mapped_column(Integer)
    likes: Mapped[int | None] = mapped_column(Integer)
    reposts: Mapped[int | None] = mapped_column(Integer)
    replies: Mapped[int | None] = mapped_column(Integer)
    quotes: Mapped[int | None] = mapped_column(Integer)
    bookmarks: Mapped[int | None] = mapped_column(Integer)
    clicks: Mapped[int | None] = mapped_column(Integer)
    previous_collected_at: Mapped[datetime | None]
    previous_stored: Mapped[int | None] = mapped_column(Integer)
    previous_views: Mapped[int | None] = mapped_column(Integer)
    previous_likes: Mapped[int | None] = mapped_column(Integer)
    previous_reposts: Mapped[int | None] = mapped_column(Integer)
    previous_replies: Mapped[int | None] = mapped_column(Integer)
    previous_quotes: Mapped[int | None] = mapped_column(Integer)
    previous_bookmarks: Mapped[int | None] = mapped_column(Integer)
    previous_clicks: Mapped[int | None] = mapped_column(Integer)


def latest_upsert(dialect: str) -> Any:
    """``INSERT … ON CONFLICT (post_id) DO UPDATE`` that folds one snapshot into ``engagement_latest``.

    Parameters: ``post_id``, ``collected_at``, ``stored`` (bits of the metrics given) and one value
    per metric. Snapshots may arrive in any order (two daemons reading the same post, each
    committing when it can), and the result is the same as grouping the history: the newest
    ``collected_at`` is the latest; an older one becomes the previous when it is newer than the
    previous; metrics of the same ``collected_at`` merge; anything older is ignored. On conflict the
    database serialises the updates of one post's row (SQLite ≥ 3.24 and PostgreSQL).
    """
    from sqlalchemy import bindparam, case, or_
    from sqlalchemy.dialects import postgresql, sqlite

    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = LatestRow.__table__.c
    values: dict[str, Any] = {
        "post_id": bindparam("post_id"),
        "collected_at": bindparam("collected_at", type_=UTCDateTime()),
        "stored": bindparam("stored"),
        **{m: bindparam(m, type_=Integer()) for m in METRICS},
    }
    stmt = insert(LatestRow.__table__).values(values)
    new = stmt.excluded
    at, previous_at = table.collected_at, table.previous_collected_at
    newer = new.collected_at > at
    same = new.collected_at == at
    becomes_previous = (new.collected_at < at) & (previous_at.is_(None) | (new.collected_at > previous_at))
    same_as_previous = (new.collected_at < at) & (new.collected_at == previous_at)
    updates: dict[str, Any] = {
        "collected_at": case((newer, new.collected_at), else_=at),
        "stored": case((newer, new.stored), (same, table.stored.bitwise_or(new.stored)), else_=table.stored),
        "previous_collected_at": case((newer, at), (becomes_previous, new.collected_at), else_=previous_at),
        "previous_stored": case(
            (newer, table.stored),
            (becomes_previous, new.stored),
            (same_as_previous, table.previous_stored.bitwise_or(new.stored)),
            else_=table.previous_stored,
        ),
    }
    for bit, metric in enumerate(METRICS):
        given = new.stored.bitwise_and(1 << bit) != 0
        updates[metric] = case((newer, new[metric]), (same & given, new[metric]), else_=table[metric])
        updates[f"previous_{metric}"] = case(
            (newer, table[metric]),
            (becomes_previous, new[metric]),
            (same_as_previous & given, new[metric]),
            else_=table[f"previous_{metric}"],
        )
    return stmt.on_conflict_do_update(
        index_elements=[table.post_id],
        set_=updates,
        where=or_(new.collected_at >= at, previous_at.is_(None), new.collected_at >= previous_at),
    )


_UPSERTS: dict[str, Any] = {}


def fold_snapshots(connection: Any, rows: Iterable[tuple[int, datetime, str, int | None]]) -> None:
    """Fold snapshot rows ``(post_id, collected_at, metric, value)`` into ``engagement_latest``.

    Rows of one (post, moment) become one upsert. Metrics outside :data:`METRICS` are history only.
    """
    snapshots: dict[tuple[int, datetime], dict[str, Any]] = {}
    for post_id, collected_at, metric, value in rows:
        if metric not in METRICS:
            continue
        params = snapshots.get((post_id, collected_at))
        if params is None:
            params = {"post_id": post_id, "collected_at": collected_at, "stored": 0, **dict.fromkeys(METRICS)}
            snapshots[(post_id, collected_at)] = params
        params["stored"] |= 1 << METRICS.index(metric)
        params[metric] = value
    if not snapshots:
        return
    dialect = connection.dialect.name
    upsert = _UPSERTS.get(dialect)
    if upsert is None:
        upsert = _UPSERTS[dialect] = latest_upsert(dialect)
    for params in snapshots.values():  # one at a time: two in one batch may touch the same post
        connection.execute(upsert, params)


@event.listens_for(Session, "after_flush")
def _keep_latest(session: Session, _context: Any) -> None:
    """Snapshot rows inserted by this flush update engagement_latest in the same transaction."""
    rows = [
        (obj.post_id, obj.collected_at, obj.metric, obj.value) for obj in session.new if isinstance(obj, SnapshotRow)
    ]
    if rows:
        fold_snapshots(session.connection(), rows)


class RateBudgetRow(Base):
    """When an account may next be posted to. Kept in the store so it holds across daemons.

    The claim skips accounts whose ``next_allowed_at`` is in the future and, when the account is
    paced (``daemon.min_interval_seconds``), moves it forward by the interval for each post it
    claims. A 429 from the network pushes it to the network's reset time.
    """

    __tablename__ = "rate_budgets"

    account: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_allowed_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(RedactedText)
    updated_at: Mapped[datetime]


class InboxItemRow(Base):
    """A reply or comment on one of the accounts' posts (``socialpost inbox``).

    One row per (account, network id): fetching again updates nothing it already has. An item is
    answered when the account's own reply to it was seen in the conversation or sent with
    ``socialpost reply`` (``answered_at``, ``answered_by_remote_id``). ``digested_at``: when the
    daemon's digest of unanswered comments last included it.
    """

    __tablename__ = "inbox_items"
    __table_args__ = (
        UniqueConstraint("account", "remote_id", name="uq_inbox_items_remote"),
        Index("ix_inbox_items_order", "answered_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(200))
    network: Mapped[str] = mapped_column(String(50))
    remote_id: Mapped[str] = mapped_column(String(300))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    post_remote_id: Mapped[str] = mapped_column(String(300))
    in_reply_to: Mapped[str] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(300))
    author_name: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(RedactedText)
    url: Mapped[str | None] = mapped_column(RedactedString(1000))
    created_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by_remote_id: Mapped[str | None] = mapped_column(String(300))
    digested_at: Mapped[datetime | None]


class DaemonRow(Base):
    """A daemon's heartbeat, so `status` can tell whether anything is running."""

    __tablename__ = "daemons"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]


class NotificationRow(Base):
    """One message about one event on one channel (``socialpost.notify``).

    ``(event_key, channel)`` is unique: whichever daemon (or ``notify check``) inserts the row first
    owns the event, and every other finds it there, so each event is told once per channel.
    ``facts`` are what the message is written from (in the reader's language at sending time).
    ``status``: ``pending`` (waiting for ``next_try_at``), ``sending`` (claimed by ``claimed_by``
    until ``lease_until``), ``sent``, or ``failed`` (gave up after the configured attempts).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_key", "channel", name="uq_notifications_event"),
        Index("ix_notifications_due", "status", "next_try_at"),
        CheckConstraint("status IN ('pending','sending','sent','failed')", name="ck_notifications_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    facts: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(RedactedText)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class FeedRow(Base):
    """A campaign's feed (``feeds:``), recorded by ``schedule`` and polled by the daemon (docs/feeds.md).

    ``spec`` is the feed as the file says today (template, accounts, since, every, where it is
    written); ``first_scheduled_at`` the default ``since``; ``etag`` and ``last_modified`` the
    validators of the last answer, sent back for a conditional GET. A feed removed from its file is
    kept, inactive, so its entries stay seen if it comes back."""

    __tablename__ = "feeds"
    __table_args__ = (UniqueConstraint("campaign_id", "url_key", name="uq_feeds_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(RedactedString(2000))
    url_key: Mapped[str] = mapped_column(String(64))
    spec: Mapped[dict[str, Any]]
    active: Mapped[int] = mapped_column(Integer, default=1)
    first_scheduled_at: Mapped[datetime]
    first_polled_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime]
    last_polled_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(RedactedText)
    last_error_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row; 0 after a good poll


class FeedEntryRow(Base):
    """One entry of a feed decided for one account: ``queued`` (``post_id`` is the post made from it)
    or, with ``account`` ``*``, ``skipped`` for every account (older than the feed's ``since``, or
    undated at the first poll). The unique key is claimed in the transaction that queues the post,
    so an entry is posted once per account whatever polls it (docs/feeds.md)."""

    __tablename__ = "feed_entries"
    __table_args__ = (
        UniqueConstraint("feed_id", "entry_key", "account", name="uq_feed_entries"),
        CheckConstraint("decision IN ('queued','skipped')", name="ck_feed_entries_decision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(8))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
