"""Writing a campaign's plan (:class:`socialpost.store.sync_plan.Plan`) in the caller's transaction:
new rows in batches, edits, moves back to the queue and cancellations, each with its event."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from socialpost.store import connect, feeds, transitions
from socialpost.store.models import CampaignRow, PostRow, Status
from socialpost.store.planned import CampaignSource
from socialpost.store.sync_plan import (
    Plan,
    PlanItem,
)
from socialpost.timeutil import iso_utc

BATCH = 2_000  # rows per INSERT … RETURNING


def apply_plan(session: Session, loaded: CampaignSource, plan: Plan, *, now: datetime) -> CampaignRow:
    """Write ``plan`` in the caller's transaction. Unchanged rows cause no write."""
    model = loaded.model
    campaign = session.scalar(select(CampaignRow).where(CampaignRow.name == model.campaign))
    late_within = int(model.late.within.total_seconds())
    if campaign is None:
        campaign = CampaignRow(
            name=model.campaign,
            source_file=loaded.path,
            timezone=model.timezone,
            late_within_seconds=late_within,
            late_else=model.late.else_,
            created_at=now,
            updated_at=now,
        )
        session.add(campaign)
        session.flush()
    elif (campaign.source_file, campaign.timezone, campaign.late_within_seconds, campaign.late_else) != (
        loaded.path,
        model.timezone,
        late_within,
        model.late.else_,
    ):
        campaign.source_file = loaded.path
        campaign.timezone = model.timezone
        campaign.late_within_seconds = late_within
        campaign.late_else = model.late.else_
        campaign.updated_at = now

    creates: list[dict[str, Any]] = []
    for item in plan.items:
        if item.action == "unchanged":
            if item.changed and item.kept_cancelled:
                _keep_edit(session, item, now)
            continue
        if item.action == "cancel":
            _move(
                session,
                item.row_id,
                item.status,
                Status.CANCELLED,
                now,
                "cancelled",
                "removed from the campaign file",
            )
            continue
        planned = item.planned
        assert planned is not None
        target = Status.HELD if item.action == "hold" else Status.PENDING
        values = {
            "payload": planned.payload,
            "fingerprint": planned.fingerprint,
            "due_at": planned.due_at,
            "local_time": planned.local_time.isoformat(),
            "next_attempt_at": planned.due_at - planned.lead,
            "source": f"{planned.file}:{planned.line}:{planned.column}",
            "updated_at": now,
        }
        if item.row_id is None:
            creates.append(
                {
                    "campaign_id": campaign.id,
                    "post_key": planned.post_id,
                    "occurrence": planned.occurrence,
                    "account": planned.account,
                    "network": planned.network,
                    "idempotency_key": planned.idempotency_key,
                    "status": target.value,
                    "last_error": connect.reason(planned.account) if target is Status.HELD else None,
                    "attempts": 0,
                    "created_at": now,
                    **values,
                }
            )
        else:
            reason = connect.reason(planned.account) if target is Status.HELD else None
            values.update(
                status=target.value,
                attempts=0,
                last_error=reason,
                claimed_by=None,
                lease_until=None,
                cancelled_by=None,
            )
            result = session.execute(
                update(PostRow).where(PostRow.id == item.row_id, PostRow.status == item.status).values(**values)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                # A daemon claimed it between plan and apply; leave it to the daemon.
                continue
            transitions.log(
                session,
                post_id=item.row_id,
                at=now,
                kind=_event_kind(item, target),
                from_status=item.status,
                to_status=target.value,
                detail=f"due {iso_utc(planned.due_at)}",
            )
    _insert_new(session, creates, now=now)
    feeds.record(session, campaign.id, loaded.feed_specs(), now=now)
    return campaign


def _event_kind(item: PlanItem, target: Status) -> str:
    """The event an applied ``update`` or ``hold`` of a stored row writes."""
    if target is Status.HELD:
        return connect.NOT_CONNECTED  # also for an edit while held: it marks why the post is held
    if item.waiting_account:
        return connect.RELEASED
    return "requeued" if item.status != Status.PENDING.value else "updated"


# A Core insert: the ORM's bulk-insert machinery cost more than the statement itself (30,000 rows).
_POSTS = cast(Table, PostRow.__table__)
_INSERT_POSTS = insert(_POSTS).returning(_POSTS.c.id, _POSTS.c.idempotency_key)


def _insert_new(session: Session, creates: list[dict[str, Any]], *, now: datetime) -> None:
    """New rows and their 'scheduled' events, a few statements for the lot (not two per row)."""
    if not creates:
        return
    ids: dict[str, int] = {}
    for start in range(0, len(creates), BATCH):
        batch = creates[start : start + BATCH]
        result = session.execute(_INSERT_POSTS, batch)
        ids.update({key: row_id for row_id, key in result})
    transitions.log_many(
        session,
        [
            {
                "post_id": ids[row["idempotency_key"]],
                "at": now,
                "kind": "scheduled" if row["status"] == Status.PENDING.value else connect.NOT_CONNECTED,
                "from_status": None,
                "to_status": row["status"],
                "detail": f"due {iso_utc(row['due_at'])}",
            }
            for row in creates
        ],
    )


def _keep_edit(session: Session, item: PlanItem, now: datetime) -> None:
    """A post the user cancelled, changed in the file: store the new version (so `restore` queues
    what the file says), keep it cancelled, and note it in its events."""
    planned = item.planned
    assert planned is not None and item.row_id is not None
    result = session.execute(
        update(PostRow)
        .where(PostRow.id == item.row_id, PostRow.status == Status.CANCELLED.value, PostRow.cancelled_by == "user")
        .values(
            payload=planned.payload,
            fingerprint=planned.fingerprint,
            due_at=planned.due_at,
            local_time=planned.local_time.isoformat(),
            next_attempt_at=planned.due_at - planned.lead,
            source=f"{planned.file}:{planned.line}:{planned.column}",
            updated_at=now,
        )
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        transitions.log(
            session,
            post_id=item.row_id,
            at=now,
            kind="edited",
            from_status=Status.CANCELLED.value,
            to_status=None,
            detail=f"changed in the file; stays cancelled by the user; due {iso_utc(planned.due_at)}",
        )


def _move(
    session: Session,
    row_id: int | None,
    from_status: str | None,
    to: Status,
    now: datetime,
    kind: str,
    detail: str,
) -> bool:
    """Cancel a row removed from the file (``cancelled_by`` = "file": putting it back queues it)."""
    assert row_id is not None
    result = session.execute(
        update(PostRow)
        .where(PostRow.id == row_id, PostRow.status == from_status)
        .values(status=to.value, updated_at=now, claimed_by=None, lease_until=None, cancelled_by="file")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    transitions.log(
        session, post_id=row_id, at=now, kind=kind, from_status=from_status, to_status=to.value, detail=detail
    )
    return True
