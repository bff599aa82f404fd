"""What the notifier reads and writes (``socialpost.notify``): the post events worth telling, the
daemons' last sign of life, the day's counts for the digest, and the ``notifications`` table.

Once per event, also with several daemons: a notification row is inserted with
``INSERT … ON CONFLICT DO NOTHING`` on ``(event_key, channel)``, so only the first inserter creates
it; then a sender claims it (``pending`` → ``sending`` with a lease, one UPDATE that only one
process can win), sends it and records ``sent``, or puts it back ``pending`` at a later
``next_try_at`` (backoff), or ``failed`` after the last attempt. A claimer that died mid-send leaves
its row ``sending``; once the lease ends another process sends it again (a repeat is better than
silence; the e-mail's Message-ID is the event's, so mail programs show one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, func, or_, select, update

from socialpost.liveness import is_alive
from socialpost.store.connect import NOT_CONNECTED
from socialpost.store.db import Store
from socialpost.store.models import WAITING, CampaignRow, DaemonRow, EventRow, NotificationRow, PostRow, Status
from socialpost.store.pauses import not_paused

POST_EVENT_STATES = (Status.FAILED, Status.HELD, Status.UNKNOWN, Status.MISSED)


class PostEvent(NamedTuple):
    """A post moving to a state worth telling, with what the message says about it."""

    event_id: int
    at: datetime
    state: str
    detail: str | None
    post_id: int
    post_key: str
    occurrence: str
    account: str
    campaign: str
    timezone: str
    due_at: datetime
    local_time: str
    last_error: str | None


class NewNotification(NamedTuple):
    event_key: str
    channel: str
    kind: str
    facts: dict[str, Any]


class Pending(NamedTuple):
    """A notification claimed for sending."""

    id: int
    event_key: str
    channel: str
    kind: str
    facts: dict[str, Any]
    attempts: int


class DaemonGap(NamedTuple):
    """No daemon alive: since when (None: none ever ran), and the waiting posts due meanwhile."""

    last_alive: datetime | None
    due: int
    first_due: datetime | None


def last_event_id(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.max(EventRow.id))) or 0)


def post_events(store: Store, *, after_id: int | None, since: datetime, limit: int = 500) -> list[PostEvent]:
    """Posts that moved to failed, held, unknown or missed (not those held until their account is
    connected): events after ``after_id`` (by id: the primary key's range), or at ``since`` or
    later when no id is known yet; oldest first."""
    query = (
        select(
            EventRow.id,
            EventRow.at,
            EventRow.to_status,
            EventRow.detail,
            PostRow.id,
            PostRow.post_key,
            PostRow.occurrence,
            PostRow.account,
            CampaignRow.name,
            CampaignRow.timezone,
            PostRow.due_at,
            PostRow.local_time,
            PostRow.last_error,
        )
        .join(PostRow, PostRow.id == EventRow.post_id)
        .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
        .where(EventRow.to_status.in_([s.value for s in POST_EVENT_STATES]))
        # held until its account is connected: the user's own "draft first, connect later", said
        # by schedule; not an accident to tell
        .where(EventRow.kind != NOT_CONNECTED)
        .where(EventRow.from_status.is_distinct_from(EventRow.to_status))  # a move, not an edit while there
        .order_by(EventRow.id)
        .limit(limit)
    )
    query = query.where(EventRow.id > after_id) if after_id is not None else query.where(EventRow.at >= since)
    with store.session() as session:
        return [PostEvent._make(row) for row in session.execute(query)]


def daemon_gap(store: Store, *, now: datetime) -> DaemonGap | None:
    """None while a daemon is alive; else when the last one was, and the waiting posts due by now
    (not paused)."""
    with store.session() as session:
        daemons = list(session.scalars(select(DaemonRow)))
        if any(is_alive(d, now) for d in daemons):
            return None
        last = max((d.stopped_at or d.heartbeat_at for d in daemons), default=None)
        due, first = session.execute(
            select(func.count(), func.min(PostRow.next_attempt_at))
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(PostRow.status.in_([s.value for s in WAITING]), PostRow.next_attempt_at <= now, not_paused())
        ).one()
    return DaemonGap(last, int(due or 0), first)


def due_between(store: Store, start: datetime | None, end: datetime) -> tuple[int, datetime | None]:
    """Posts (not cancelled) due after ``start`` (None: ever) and by ``end``, and the first of them:
    what a daemon starting after a gap finds was due while none ran."""
    query = select(func.count(), func.min(PostRow.due_at)).where(
        PostRow.status != Status.CANCELLED.value, PostRow.due_at <= end
    )
    if start is not None:
        query = query.where(PostRow.due_at > start)
    with store.session() as session:
        count, first = session.execute(query).one()
    return int(count or 0), first


def last_alive(store: Store) -> datetime | None:
    """The last sign of life of any daemon (its stop, else its last heartbeat); None: none ever ran."""
    with store.session() as session:
        return session.scalar(select(func.max(func.coalesce(DaemonRow.stopped_at, DaemonRow.heartbeat_at))))


class DayCounts(NamedTuple):
    """The digest's figures: what happened in the window, what waits for the user, what comes next."""

    moved: dict[str, int]  # state → posts that reached it in the window (sent, failed, …)
    attention: int  # failed, unknown or held now
    upcoming: int  # waiting posts due in the next window
    next_due: datetime | None


def day_counts(store: Store, *, start: datetime, end: datetime, ahead: timedelta) -> DayCounts:
    with store.session() as session:
        moved = {
            str(state): int(count)
            for state, count in session.execute(
                select(EventRow.to_status, func.count(func.distinct(EventRow.post_id)))
                .where(
                    EventRow.at >= start,
                    EventRow.at < end,
                    EventRow.to_status.in_(["sent", *(s.value for s in POST_EVENT_STATES)]),
                )
                .group_by(EventRow.to_status)
            )
        }
        attention = session.scalar(
            select(func.count()).select_from(PostRow).where(PostRow.status.in_(["failed", "unknown", "held"]))
        )
        upcoming, next_due = session.execute(
            select(func.count(), func.min(PostRow.next_attempt_at)).where(
                PostRow.status.in_([s.value for s in WAITING]),
                PostRow.next_attempt_at >= end,
                PostRow.next_attempt_at < end + ahead,
            )
        ).one()
    return DayCounts(moved, int(attention or 0), int(upcoming or 0), next_due)


def record(store: Store, notifications: Sequence[NewNotification], *, now: datetime) -> int:
    """Insert each notification unless its (event, channel) is there already; how many were new."""
    if not notifications:
        return 0
    from sqlalchemy.dialects import postgresql, sqlite

    insert: Any = postgresql.insert if store.dialect == "postgresql" else sqlite.insert
    new = 0
    with store.write() as session:
        for item in notifications:
            statement = (
                insert(NotificationRow)
                .values(
                    event_key=item.event_key,
                    channel=item.channel,
                    kind=item.kind,
                    facts=item.facts,
                    status="pending",
                    attempts=0,
                    next_try_at=now,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["event_key", "channel"])
            )
            new += _rowcount(session.execute(statement))
    return new


def known(store: Store, keys: Iterable[str]) -> set[str]:
    """Which of these event keys have a notification already (on any channel)."""
    wanted = list(set(keys))
    if not wanted:
        return set()
    with store.session() as session:
        return set(session.scalars(select(NotificationRow.event_key).where(NotificationRow.event_key.in_(wanted))))


def claim(
    store: Store,
    *,
    daemon: str,
    now: datetime,
    lease: timedelta,
    limit: int = 20,
    channel: str | None = None,
    kinds: Sequence[str] = (),
) -> list[Pending]:
    """Claim notifications whose time has come (and those a dead claimer left ``sending``),
    oldest first; only those of ``channel`` and ``kinds`` when given."""
    ready = or_(
        and_(NotificationRow.status == "pending", NotificationRow.next_try_at <= now),
        and_(NotificationRow.status == "sending", NotificationRow.lease_until < now),
    )
    if channel is not None:
        ready = and_(ready, NotificationRow.channel == channel)
    if kinds:
        ready = and_(ready, NotificationRow.kind.in_(list(kinds)))
    with store.session() as session:  # a read first: most passes find nothing, and take no write lock
        if session.scalar(select(NotificationRow.id).where(ready).limit(1)) is None:
            return []
    with store.write() as session:
        rows = list(session.scalars(select(NotificationRow).where(ready).order_by(NotificationRow.id).limit(limit)))
        claimed = []
        for row in rows:
            won = _rowcount(
                session.execute(
                    update(NotificationRow)
                    .where(NotificationRow.id == row.id, ready)
                    .values(status="sending", claimed_by=daemon, lease_until=now + lease)
                )
            )
            if won:
                claimed.append(Pending(row.id, row.event_key, row.channel, row.kind, dict(row.facts), row.attempts))
    return claimed


def mark_sent(store: Store, notification_id: int, *, daemon: str, now: datetime) -> None:
    with store.write() as session:
        session.execute(
            update(NotificationRow)
            .where(NotificationRow.id == notification_id, NotificationRow.claimed_by == daemon)
            .values(status="sent", sent_at=now, attempts=NotificationRow.attempts + 1, lease_until=None)
        )


def mark_failed(store: Store, notification_id: int, *, daemon: str, error: str, retry_at: datetime | None) -> None:
    """One attempt failed: try again at ``retry_at``, or give up (None)."""
    with store.write() as session:
        session.execute(
            update(NotificationRow)
            .where(NotificationRow.id == notification_id, NotificationRow.claimed_by == daemon)
            .values(
                status="pending" if retry_at is not None else "failed",
                next_try_at=retry_at if retry_at is not None else NotificationRow.next_try_at,
                attempts=NotificationRow.attempts + 1,
                last_error=error[:2000],
                lease_until=None,
            )
        )


def notifications(store: Store, *, limit: int = 100) -> list[NotificationRow]:
    """The latest notifications, newest first (for tests and status)."""
    with store.session() as session:
        return list(session.scalars(select(NotificationRow).order_by(NotificationRow.id.desc()).limit(limit)))


def _rowcount(result: Any) -> int:
    """The rows an INSERT or UPDATE touched (a CursorResult's ``rowcount``)."""
    return int(getattr(result, "rowcount", 0) or 0)


def given_up(store: Store, *, since: datetime) -> tuple[int, str | None]:
    """Notifications given up since ``since`` (created then or later), and the last one's error."""
    with store.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(NotificationRow)
            .where(NotificationRow.status == "failed", NotificationRow.created_at >= since)
        )
        last = session.scalar(
            select(NotificationRow.last_error)
            .where(NotificationRow.status == "failed", NotificationRow.created_at >= since)
            .order_by(NotificationRow.id.desc())
            .limit(1)
        )
    return int(count or 0), last
