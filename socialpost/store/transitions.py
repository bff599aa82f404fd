"""The state machine: which moves are allowed, and the event every move writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from socialpost.store.models import EventRow, Status

S = Status
# Core inserts: the event log is written on the daemon's hot path (claims, outcomes), where the ORM's
# bulk-insert machinery cost more than the statement itself.
_EVENTS = insert(cast(Table, EventRow.__table__))
ALLOWED: dict[Status | None, frozenset[Status]] = {
    # created by `schedule`; HELD: its account is not connected yet (socialpost.store.connect)
    None: frozenset({S.PENDING, S.HELD}),
    # PENDING/RETRY_WAIT → SENT: a daemon's late proof of publication, after a reconciliation
    # wrongly put the post back in the queue (recording it prevents a second post).
    S.PENDING: frozenset({S.SENDING, S.CANCELLED, S.MISSED, S.HELD, S.PENDING, S.SENT}),
    S.RETRY_WAIT: frozenset({S.SENDING, S.CANCELLED, S.FAILED, S.PENDING, S.MISSED, S.HELD, S.SENT}),
    # PENDING = released; HELD = the daemon found its account not connected (nothing was sent)
    S.SENDING: frozenset({S.SENT, S.FAILED, S.RETRY_WAIT, S.UNKNOWN, S.PENDING, S.HELD}),
    S.UNKNOWN: frozenset({S.SENT, S.PENDING, S.CANCELLED}),  # settled by reconcile or `resolve`
    # `retry`, or an edited file (HELD: queued again for an account not connected)
    S.FAILED: frozenset({S.PENDING, S.CANCELLED, S.HELD}),
    S.MISSED: frozenset({S.PENDING, S.CANCELLED, S.HELD}),
    S.HELD: frozenset({S.PENDING, S.CANCELLED, S.MISSED}),
    S.CANCELLED: frozenset({S.PENDING, S.HELD}),  # the post came back in the file
    S.SENT: frozenset(),  # a sent post is never sent again
}


class IllegalTransition(RuntimeError):
    """A bug: code tried a move the state machine forbids."""


def check(from_status: str | None, to_status: str) -> None:
    source = Status(from_status) if from_status is not None else None
    if Status(to_status) not in ALLOWED[source]:
        raise IllegalTransition(f"{from_status} → {to_status} is not allowed")


def log(
    session: Session,
    *,
    post_id: int,
    at: datetime,
    kind: str,
    from_status: str | None,
    to_status: str | None,
    daemon: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one event (the log is never updated or deleted from)."""
    if to_status is not None and from_status != to_status:
        check(from_status, to_status)
    session.execute(
        _EVENTS,
        {
            "post_id": post_id,
            "at": at,
            "kind": kind,
            "from_status": from_status,
            "to_status": to_status,
            "daemon": daemon,
            "detail": detail,
        },
    )


def log_many(session: Session, events: list[dict[str, Any]]) -> None:
    """Append many events in one statement (each a dict of :func:`log`'s keyword arguments)."""
    if not events:
        return
    for event in events:
        to_status = event.get("to_status")
        if to_status is not None and event.get("from_status") != to_status:
            check(event.get("from_status"), to_status)
    session.execute(_EVENTS, [{"daemon": None, "detail": None, **event} for event in events])
