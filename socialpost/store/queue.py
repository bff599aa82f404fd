"""The daemon's side of the store: claim due posts, record outcomes, expire leases.

Every method is one short transaction. A claim moves due rows ``pending → sending`` with a lease
in a transaction that no other daemon can interleave with (SQLite: ``BEGIN IMMEDIATE``;
PostgreSQL: ``FOR UPDATE SKIP LOCKED``), and it applies the campaign's late policy in that same
transaction. The ``sending`` state is committed before any network call; the outcome is committed
after. If the daemon dies in between, the lease expires and the post is reconciled.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from socialpost.store import transitions
from socialpost.store.db import Store
from socialpost.store.models import WAITING, CampaignRow, DaemonRow, PostRow, Status
from socialpost.timeutil import Clock, format_duration, utcnow

# Statuses a proof of publication settles as ``sent`` (see :meth:`Queue.mark_sent`).
SETTLES_AS_SENT = frozenset({Status.SENDING.value, Status.UNKNOWN.value, Status.PENDING.value, Status.RETRY_WAIT.value})


@dataclass(frozen=True)
class Claimed:
    """A post this daemon holds the lease on, with everything an adapter needs to send it."""

    id: int
    campaign: str
    post_key: str
    occurrence: str
    account: str
    network: str
    payload: dict[str, Any]
    idempotency_key: str
    due_at: datetime
    local_time: str
    attempts: int
    remote_id: str | None = None


class Queue:
    """Claims and outcomes for one daemon (``daemon_id`` is written on every claim and event)."""

    def __init__(self, store: Store, daemon_id: str, *, clock: Clock = utcnow) -> None:
        self.store = store
        self.daemon_id = daemon_id
        self.clock = clock

    # --- claiming ------------------------------------------------------------------------------

    def claim(self, limit: int, lease: timedelta) -> list[Claimed]:
        """Take up to ``limit`` due posts. Late ones follow their campaign's late policy instead."""
        if limit <= 0:
            return []
        now = self.clock()
        with self.store.write() as session:
            candidates = session.execute(
                select(
                    PostRow.id,
                    PostRow.status,
                    PostRow.due_at,
                    CampaignRow.late_within_seconds,
                    CampaignRow.late_else,
                )
                .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
                .where(PostRow.status.in_([s.value for s in WAITING]), PostRow.next_attempt_at <= now)
                .order_by(PostRow.next_attempt_at, PostRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=PostRow)
            ).all()
            to_send: list[tuple[int, str]] = []
            for post_id, status, due_at, within, policy in candidates:
                late_by = now - due_at
                if status == Status.PENDING.value and late_by > timedelta(seconds=within) and policy != "post":
                    target = Status.MISSED if policy == "skip" else Status.HELD
                    self._set(
                        session,
                        post_id,
                        status,
                        target,
                        "late",
                        f"{format_duration(late_by)} late; the late policy allows "
                        f"{format_duration(timedelta(seconds=within))} then '{policy}'",
                        now=now,
                    )
                    continue
                to_send.append((post_id, status))
            if not to_send:
                return []
            ids = [post_id for post_id, _ in to_send]
            session.execute(
                update(PostRow)
                .where(PostRow.id.in_(ids), PostRow.status.in_([s.value for s in WAITING]))
                .values(
                    status=Status.SENDING.value,
                    claimed_by=self.daemon_id,
                    lease_until=now + lease,
                    attempts=PostRow.attempts + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            for post_id, status in to_send:
                transitions.log(
                    session,
                    post_id=post_id,
                    at=now,
                    kind="claimed",
                    from_status=status,
                    to_status=Status.SENDING.value,
                    daemon=self.daemon_id,
                    detail=f"lease until {(now + lease).isoformat()}",
                )
            return self._load(session, ids)

    def _load(self, session: Session, ids: list[int]) -> list[Claimed]:
        rows = session.execute(
            select(PostRow, CampaignRow.name)
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(PostRow.id.in_(ids))
            .order_by(PostRow.next_attempt_at, PostRow.id)
        ).all()
        return [
            Claimed(
                id=row.id,
                campaign=name,
                post_key=row.post_key,
                occurrence=row.occurrence,
                account=row.account,
                network=row.network,
                payload=row.payload,
                idempotency_key=row.idempotency_key,
                due_at=row.due_at,
                local_time=row.local_time,
                attempts=row.attempts,
                remote_id=row.remote_id,
            )
            for row, name in rows
        ]

    def next_due(self) -> datetime | None:
        """When the earliest waiting post becomes due (None if nothing waits)."""
        with self.store.session() as session:
            return session.scalar(
                select(func.min(PostRow.next_attempt_at)).where(PostRow.status.in_([s.value for s in WAITING]))
            )

    # --- outcomes ------------------------------------------------------------------------------

    def mark_sent(self, post_id: int, *, remote_id: str | None, remote_url: str | None, detail: str = "") -> bool:
        """Record success, whoever holds the lease: proof of publication always wins.

        Also settles a post another daemon had meanwhile marked unknown, or put back in the queue
        (``pending``/``retry_wait``) after its reconciliation wrongly concluded it was not sent —
        recording it as sent there is what prevents the second post.
        """
        now = self.clock()
        with self.store.write() as session:
            status = session.scalar(select(PostRow.status).where(PostRow.id == post_id))
            if status not in SETTLES_AS_SENT:
                transitions.log(
                    session,
                    post_id=post_id,
                    at=now,
                    kind="late-result",
                    from_status=status,
                    to_status=None,
                    daemon=self.daemon_id,
                    detail=f"sent as {remote_url or remote_id} but the post is {status}",
                )
                return False
            session.execute(
                update(PostRow)
                .where(PostRow.id == post_id)
                .values(
                    status=Status.SENT.value,
                    remote_id=remote_id,
                    remote_url=remote_url,
                    sent_at=now,
                    last_error=None,
                    claimed_by=None if status != Status.SENDING.value else PostRow.claimed_by,
                    lease_until=None,
                    updated_at=now,
                )
            )
            transitions.log(
                session,
                post_id=post_id,
                at=now,
                kind="sent",
                from_status=status,
                to_status=Status.SENT.value,
                daemon=self.daemon_id,
                detail=detail or (remote_url or remote_id or ""),
            )
            return True

    def mark_failed(self, post_id: int, reason: str) -> bool:
        return self._finish(post_id, Status.FAILED, "failed", reason)

    def mark_unknown(self, post_id: int, reason: str) -> bool:
        return self._finish(post_id, Status.UNKNOWN, "unknown", reason)

    def mark_retry(self, post_id: int, reason: str, retry_at: datetime) -> bool:
        return self._finish(post_id, Status.RETRY_WAIT, "retry", reason, next_attempt_at=retry_at)

    def release(self, post_id: int, reason: str) -> bool:
        """Give back a claim that never reached the network (e.g. on shutdown).

        A first attempt goes back to ``pending``; a retry goes back to ``retry_wait`` (same
        ``next_attempt_at``), so the late policy — which judges only posts never tried — does not
        turn a retry that was interrupted by a restart into ``missed``.
        """
        now = self.clock()
        with self.store.write() as session:
            attempts = session.scalar(
                select(PostRow.attempts).where(
                    PostRow.id == post_id,
                    PostRow.status == Status.SENDING.value,
                    PostRow.claimed_by == self.daemon_id,
                )
            )
            if attempts is None:
                return False
            back = Status.RETRY_WAIT if attempts > 1 else Status.PENDING
            session.execute(
                update(PostRow)
                .where(PostRow.id == post_id)
                .values(
                    status=back.value,
                    claimed_by=None,
                    lease_until=None,
                    attempts=max(attempts - 1, 0),
                    updated_at=now,
                )
            )
            transitions.log(
                session,
                post_id=post_id,
                at=now,
                kind="released",
                from_status=Status.SENDING.value,
                to_status=back.value,
                daemon=self.daemon_id,
                detail=reason,
            )
            return True

    def _finish(self, post_id: int, to: Status, kind: str, reason: str, **extra: Any) -> bool:
        now = self.clock()
        with self.store.write() as session:
            result = session.execute(
                update(PostRow)
                .where(
                    PostRow.id == post_id,
                    PostRow.status == Status.SENDING.value,
                    PostRow.claimed_by == self.daemon_id,
                )
                .values(status=to.value, last_error=reason, lease_until=None, updated_at=now, **extra)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                # Our lease was taken over (we were too slow); the reaper owns the post now.
                transitions.log(
                    session,
                    post_id=post_id,
                    at=now,
                    kind="late-result",
                    from_status=session.scalar(select(PostRow.status).where(PostRow.id == post_id)),
                    to_status=None,
                    daemon=self.daemon_id,
                    detail=f"{kind}: {reason}",
                )
                return False
            transitions.log(
                session,
                post_id=post_id,
                at=now,
                kind=kind,
                from_status=Status.SENDING.value,
                to_status=to.value,
                daemon=self.daemon_id,
                detail=reason,
            )
            return True

    def _set(
        self,
        session: Session,
        post_id: int,
        from_status: str,
        to: Status,
        kind: str,
        reason: str,
        *,
        now: datetime,
    ) -> None:
        session.execute(
            update(PostRow)
            .where(PostRow.id == post_id, PostRow.status == from_status)
            .values(status=to.value, last_error=reason, updated_at=now, claimed_by=None, lease_until=None)
        )
        transitions.log(
            session,
            post_id=post_id,
            at=now,
            kind=kind,
            from_status=from_status,
            to_status=to.value,
            daemon=self.daemon_id,
            detail=reason,
        )

    # --- expired leases ------------------------------------------------------------------------

    def take_expired(self, limit: int, lease: timedelta) -> list[Claimed]:
        """Take over posts whose lease ran out while ``sending`` (their daemon died or hung).

        The taker re-leases them to itself so that only one daemon reconciles each.
        """
        now = self.clock()
        with self.store.write() as session:
            rows = session.execute(
                select(PostRow.id, PostRow.claimed_by)
                .where(PostRow.status == Status.SENDING.value, PostRow.lease_until < now)
                .order_by(PostRow.lease_until)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return []
            ids = [row.id for row in rows]
            session.execute(
                update(PostRow)
                .where(PostRow.id.in_(ids))
                .values(claimed_by=self.daemon_id, lease_until=now + lease, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            for row in rows:
                transitions.log(
                    session,
                    post_id=row.id,
                    at=now,
                    kind="lease-expired",
                    from_status=Status.SENDING.value,
                    to_status=Status.SENDING.value,
                    daemon=self.daemon_id,
                    detail=f"lease of {row.claimed_by} expired; reconciling",
                )
            return self._load(session, ids)

    def requeue(self, post_id: int, reason: str) -> bool:
        """After reconciliation proved the post did not go out: back to pending, now."""
        return self._finish(post_id, Status.PENDING, "not-sent", reason, next_attempt_at=self.clock(), claimed_by=None)

    # --- heartbeats ----------------------------------------------------------------------------

    def heartbeat(self, *, started: bool = False, stopped: bool = False) -> None:
        now = self.clock()
        # A write transaction: on SQLite, a deferred read-then-write fails at once with "database
        # is locked" when another daemon committed in between.
        with self.store.write() as session:
            row = session.get(DaemonRow, self.daemon_id)
            if row is None or started:
                if row is not None:
                    session.execute(delete(DaemonRow).where(DaemonRow.id == self.daemon_id))
                    session.flush()
                session.add(
                    DaemonRow(
                        id=self.daemon_id,
                        hostname=socket.gethostname(),
                        pid=os.getpid(),
                        started_at=now,
                        heartbeat_at=now,
                        stopped_at=now if stopped else None,
                    )
                )
                return
            row.heartbeat_at = now
            if stopped:
                row.stopped_at = now


def settled(store: Store, campaign_names: list[str]) -> bool:
    """True when no post of these campaigns waits or is being sent (used by ``--follow``)."""
    with store.session() as session:
        busy = session.scalar(
            select(func.count())
            .select_from(PostRow)
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(
                CampaignRow.name.in_(campaign_names),
                PostRow.status.in_([Status.PENDING.value, Status.RETRY_WAIT.value, Status.SENDING.value]),
            )
        )
    return not busy
