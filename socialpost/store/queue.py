"""The daemon's side of the store: claim due posts, record outcomes, expire leases.

Every method is one short transaction. A claim moves due rows ``pending → sending`` with a lease
in a transaction that no other daemon can interleave with (SQLite: ``BEGIN IMMEDIATE``;
PostgreSQL: ``FOR UPDATE SKIP LOCKED``), and it applies the campaign's late policy in that same
transaction. A claim may reach a little ahead of time (``ahead``): the daemon then holds the post
until its instant, so the transaction is not on the path from due time to request. The
``sending`` state is committed before any network call; the outcome is committed after, possibly
together with other outcomes (:meth:`Queue.record`). If the daemon dies in between, the lease
expires and the post is reconciled with the same idempotency key.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from socialpost.store import transitions
from socialpost.store.claims import Claimed, Claims
from socialpost.store.db import Store
from socialpost.store.models import WAITING, CampaignRow, DaemonRow, PostRow, Status
from socialpost.store.pauses import not_paused


class Queue(Claims):
    """Claims and outcomes for one daemon (``daemon_id`` is written on every claim and event):
    claiming (:class:`Claims`), outcomes (:class:`socialpost.store.outcomes.Outcomes`), and here
    the expired leases and the heartbeats."""

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
        now = self.clock()
        return self.record([self.outcome(post_id, Status.PENDING, "not-sent", reason, next_attempt_at=now)])[0]

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
    """True when no post of these campaigns waits or is being sent (used by ``--follow``). A post
    of a paused campaign or account does not count: it waits for ``socialpost resume``, not for
    this daemon."""
    with store.session() as session:
        busy = session.scalar(
            select(func.count())
            .select_from(PostRow)
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(
                CampaignRow.name.in_(campaign_names),
                or_(
                    PostRow.status == Status.SENDING.value,
                    and_(PostRow.status.in_([s.value for s in WAITING]), not_paused()),
                ),
            )
        )
    return not busy
