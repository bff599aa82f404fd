"""The store's tables. Schema changes go through Alembic migrations (``store/migrations``)."""

from __future__ import annotations

import enum
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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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
    remote_url: Mapped[str | None] = mapped_column(String(1000))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(1100), default="")  # file:line:column of the post
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


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
    detail: Mapped[str | None] = mapped_column(Text)


class SnapshotRow(Base):
    """One metric of one sent post at one moment. ``value`` None means "not available"."""

    __tablename__ = "engagement_snapshots"
    __table_args__ = (Index("ix_snapshots_post_time", "post_id", "collected_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    collected_at: Mapped[datetime]
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[dict[str, Any] | None]


class RateBudgetRow(Base):
    """When an account may next be posted to. Kept in the store so it holds across daemons.

    The claim skips accounts whose ``next_allowed_at`` is in the future and, when the account is
    paced (``daemon.min_interval_seconds``), moves it forward by the interval for each post it
    claims. A 429 from the network pushes it to the network's reset time.
    """

    __tablename__ = "rate_budgets"

    account: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_allowed_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class DaemonRow(Base):
    """A daemon's heartbeat, so `status` can tell whether anything is running."""

    __tablename__ = "daemons"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
