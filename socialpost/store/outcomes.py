"""The daemon's outcomes: what became of each claimed post, written in one short transaction
(:meth:`Outcomes.record`, possibly several outcomes together), and the moves back to waiting.

Part of :class:`socialpost.store.queue.Queue` (its base: the claims build on :meth:`Outcomes._set`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from socialpost.store import transitions
from socialpost.store.db import Store
from socialpost.store.models import PostRow, Status
from socialpost.timeutil import Clock, format_duration, utcnow

# Statuses a proof of publication settles as ``sent`` (see :meth:`Outcomes.mark_sent`).
SETTLES_AS_SENT = frozenset({Status.SENDING.value, Status.UNKNOWN.value, Status.PENDING.value, Status.RETRY_WAIT.value})
_POSTS = cast(Table, PostRow.__table__)  # Core statements on the hot path: no ORM unit of work


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed post, to be written by :meth:`Queue.record`."""

    post_id: int
    status: Status  # SENT, FAILED, UNKNOWN, RETRY_WAIT, PENDING (reconciliation: not sent) or HELD (no account)
    kind: str  # the event: sent, failed, unknown, retry, not-sent
    reason: str  # ``last_error``; for ``sent``, the event's detail (empty: the remote URL or id)
    at: datetime  # when it was decided (``sent_at`` for a success)
    remote_id: str | None = None
    remote_url: str | None = None
    next_attempt_at: datetime | None = None
    note: str = ""  # ``sent``: what the user should know although the post is out (kept as its ``last_error``)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text


class Outcomes:
    """Outcomes for one daemon (``daemon_id`` is written on every event)."""

    def __init__(self, store: Store, daemon_id: str, *, clock: Clock = utcnow) -> None:
        self.store = store
        self.daemon_id = daemon_id
        self.clock = clock

    def mark_sent(
        self, post_id: int, *, remote_id: str | None, remote_url: str | None, detail: str = "", note: str = ""
    ) -> bool:
        """Record success, whoever holds the lease: proof of publication always wins.

        Also settles a post another daemon had meanwhile marked unknown, or put back in the queue
        (``pending``/``retry_wait``) after its reconciliation wrongly concluded it was not sent —
        recording it as sent there is what prevents the second post.
        """
        return self.record([self.sent(post_id, remote_id=remote_id, remote_url=remote_url, detail=detail, note=note)])[
            0
        ]

    def mark_failed(self, post_id: int, reason: str) -> bool:
        return self.record([self.outcome(post_id, Status.FAILED, "failed", reason)])[0]

    def mark_unknown(self, post_id: int, reason: str) -> bool:
        return self.record([self.outcome(post_id, Status.UNKNOWN, "unknown", reason)])[0]

    def mark_retry(self, post_id: int, reason: str, retry_at: datetime) -> bool:
        return self.record([self.outcome(post_id, Status.RETRY_WAIT, "retry", reason, next_attempt_at=retry_at)])[0]

    def sent(
        self, post_id: int, *, remote_id: str | None, remote_url: str | None, detail: str = "", note: str = ""
    ) -> Outcome:
        """The outcome "published", decided now (see :meth:`mark_sent`); ``note``: the adapter's
        ``Published.note`` (a first comment that could not be added…), which ``show`` prints."""
        return Outcome(
            post_id, Status.SENT, "sent", detail, self.clock(), remote_id=remote_id, remote_url=remote_url, note=note
        )

    def outcome(
        self, post_id: int, to: Status, kind: str, reason: str, *, next_attempt_at: datetime | None = None
    ) -> Outcome:
        """Any other outcome of a send, decided now."""
        return Outcome(post_id, to, kind, reason, self.clock(), next_attempt_at=next_attempt_at)

    def record(self, outcomes: list[Outcome]) -> list[bool]:
        """Write many outcomes in one transaction; for each, whether it was applied.

        ``sent`` applies whoever holds the lease (see :meth:`mark_sent`); any other outcome only
        while the post is still ``sending`` under this daemon's claim — otherwise our lease was
        taken over (we were too slow), the reaper owns the post, and a ``late-result`` note is
        logged instead. Each outcome keeps its own time (``sent_at``, the event's time).
        """
        if not outcomes:
            return []
        posts = _POSTS.c
        ids = sorted({o.post_id for o in outcomes})
        with self.store.write() as session:
            # PostgreSQL: lock the rows, in one order for every daemon (no lock cycles)
            current = {
                row.id: (row.status, row.claimed_by)
                for row in session.execute(
                    select(posts.id, posts.status, posts.claimed_by)
                    .where(posts.id.in_(ids))
                    .order_by(posts.id)
                    .with_for_update()
                )
            }
            applied: list[bool] = []
            changes: list[tuple[tuple[str, ...], list[dict[str, Any]]]] = []  # runs of one shape, in order
            events: list[dict[str, Any]] = []
            for o in outcomes:
                if o.post_id not in current:  # deleted meanwhile (its campaign was removed)
                    applied.append(False)
                    continue
                status, owner = current[o.post_id]
                event: dict[str, Any] = {"post_id": o.post_id, "at": o.at, "daemon": self.daemon_id}
                if o.status is Status.SENT:
                    ok = status in SETTLES_AS_SENT
                    values: dict[str, Any] = {
                        "status": Status.SENT.value,
                        "remote_id": o.remote_id,
                        "remote_url": o.remote_url,
                        "sent_at": o.at,
                        "last_error": o.note or None,  # the adapter's note: what to do by hand (show prints it)
                        "lease_until": None,
                        "updated_at": o.at,
                    }
                    if status != Status.SENDING.value:
                        values["claimed_by"] = None
                    late = f"sent as {o.remote_url or o.remote_id} but the post is {status}"
                    detail = o.reason or (o.remote_url or o.remote_id or "")
                else:
                    ok = status == Status.SENDING.value and owner == self.daemon_id
                    values = {"status": o.status.value, "last_error": o.reason, "lease_until": None, "updated_at": o.at}
                    if o.next_attempt_at is not None:
                        values["next_attempt_at"] = o.next_attempt_at
                    if o.status in (Status.PENDING, Status.HELD):
                        values["claimed_by"] = None
                    late = f"{o.kind}: {o.reason}"
                    detail = o.reason
                applied.append(ok)
                if not ok:
                    events.append(
                        {**event, "kind": "late-result", "from_status": status, "to_status": None, "detail": late}
                    )
                    continue
                if not changes or changes[-1][0] != tuple(values):
                    changes.append((tuple(values), []))
                changes[-1][1].append({"row_id": o.post_id, **{f"new_{k}": v for k, v in values.items()}})
                # the row's status now, for a second outcome of the same post in this batch
                current[o.post_id] = (o.status.value, values.get("claimed_by", owner))
                events.append(
                    {**event, "kind": o.kind, "from_status": status, "to_status": o.status.value, "detail": detail}
                )
            for columns, rows in changes:
                session.execute(
                    update(_POSTS)
                    .where(posts.id == bindparam("row_id"))
                    .values({column: bindparam(f"new_{column}") for column in columns}),
                    rows,
                )
            transitions.log_many(session, events)
            return applied

    def reconcile_later(self, post_id: int, reason: str, after: timedelta) -> bool:
        """The outcome of the call was not seen: keep the post ``sending`` and let the lease run out
        in ``after``, so a daemon reconciles it once the network has had time to show the post."""
        now = self.clock()
        with self.store.write() as session:
            result = session.execute(
                update(PostRow)
                .where(
                    PostRow.id == post_id,
                    PostRow.status == Status.SENDING.value,
                    PostRow.claimed_by == self.daemon_id,
                )
                .values(lease_until=now + after, last_error=reason, updated_at=now)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            transitions.log(
                session,
                post_id=post_id,
                at=now,
                kind="outcome-unseen",
                from_status=Status.SENDING.value,
                to_status=Status.SENDING.value,
                daemon=self.daemon_id,
                detail=f"{reason} Reconciling after {format_duration(after)}.",
            )
            return True

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
