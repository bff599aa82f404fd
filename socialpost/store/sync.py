"""Compare what a campaign file asks for with what the store holds, and apply the difference.

Rules (README, "Re-running is safe"):

* a row not in the store is created (``create``);
* a waiting row whose time or content changed is updated (``update``); a failed, missed, held or
  cancelled row that comes back changed (or back in the file, for cancelled) is queued again;
* a row the file no longer has is cancelled if it has not gone out and is not in doubt
  (``cancel``);
* a row that is sending, sent or unknown is never touched: if the file changed it, a warning says
  it will not be re-sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from socialpost.campaign.expand import PlannedPost
from socialpost.campaign.load import LoadedCampaign
from socialpost.errors import CampaignError, Problem
from socialpost.store import transitions
from socialpost.store.db import Store
from socialpost.store.models import WAITING, CampaignRow, PostRow, Status
from socialpost.timeutil import iso_utc

Action = Literal["create", "update", "cancel", "unchanged"]
REQUEUE_ON_CHANGE = frozenset({Status.FAILED, Status.MISSED, Status.HELD})
FROZEN = frozenset({Status.SENDING, Status.SENT, Status.UNKNOWN})
CANCEL_WHEN_REMOVED = frozenset({Status.PENDING, Status.RETRY_WAIT, Status.HELD, Status.FAILED, Status.MISSED})


@dataclass
class PlanItem:
    """One line of a plan: what `schedule` does (or would do) to one row."""

    action: Action
    campaign: str
    post_id: str
    occurrence: str
    account: str
    due_at: datetime
    local_time: str  # ISO 8601 with offset
    text: str
    status: str | None  # current status in the store, None if new
    planned: PlannedPost | None = None
    row_id: int | None = None

    @property
    def network(self) -> str:
        return self.account.split(":", 1)[0]

    def as_json(self) -> dict[str, str]:
        return {
            "campaign": self.campaign,
            "id": self.post_id,
            "account": self.account,
            "network": self.network,
            "due_at": iso_utc(self.due_at),
            "local_time": self.local_time,
            "action": self.action,
            "text": self.text,
        }


@dataclass
class Plan:
    items: list[PlanItem]
    warnings: list[Problem]

    def count(self, action: Action) -> int:
        return sum(1 for item in self.items if item.action == action)


def plan_campaign(
    session: Session,
    loaded: LoadedCampaign,
    rows: list[PlannedPost],
    *,
    now: datetime,
    allow_past: bool = False,
) -> Plan:
    """What applying ``rows`` would change. Raises CampaignError for new posts in the past."""
    name = loaded.model.campaign
    existing: dict[tuple[str, str, str], PostRow] = {}
    campaign_id = session.scalar(select(CampaignRow.id).where(CampaignRow.name == name))
    if campaign_id is not None:
        for row in session.scalars(select(PostRow).where(PostRow.campaign_id == campaign_id)):
            existing[(row.post_key, row.occurrence, row.account)] = row

    items: list[PlanItem] = []
    warnings: list[Problem] = []
    errors: list[Problem] = []
    wanted: set[tuple[str, str, str]] = set()
    for planned in rows:
        slot = (planned.post_id, planned.occurrence, planned.account)
        current = existing.get(slot)
        if planned.recurring and current is None and planned.due_at < now:
            continue  # a past occurrence of a recurring post is never created after the fact
        wanted.add(slot)
        action = _action_for(planned, current)
        if current is not None and Status(current.status) in FROZEN and current.fingerprint != planned.fingerprint:
            warnings.append(
                Problem(
                    planned.file,
                    planned.line,
                    planned.column,
                    f"post '{planned.post_id}' to {planned.account} is already {current.status}; your edit "
                    "will not be re-sent. Fix: to publish the new version, give it a new id.",
                    rule="already-sent",
                )
            )
        # A waiting post whose time did not change is not "new in the past": editing the text of an
        # overdue post (e.g. while no daemon runs) leaves its lateness to the late policy.
        kept_time = current is not None and Status(current.status) in WAITING and current.due_at == planned.due_at
        if action in ("create", "update") and not kept_time and planned.due_at < now - timedelta(seconds=1):
            message = (
                f"post '{planned.post_id}' is due {planned.local_time:%Y-%m-%d %H:%M} "
                f"({planned.local_time:%Z}), which is in the past."
            )
            if allow_past:
                warnings.append(
                    Problem(
                        planned.file,
                        planned.line,
                        planned.column,
                        message + " The campaign's late policy decides whether it still goes out.",
                        rule="past-time",
                    )
                )
            else:
                errors.append(
                    Problem(
                        planned.file,
                        planned.line,
                        planned.column,
                        message + " Fix: move it to a future time, or pass --allow-past to let the late policy decide.",
                    )
                )
        items.append(
            PlanItem(
                action=action,
                campaign=name,
                post_id=planned.post_id,
                occurrence=planned.occurrence,
                account=planned.account,
                due_at=planned.due_at,
                local_time=planned.local_time.isoformat(),
                text=str(planned.payload.get("text", "")),
                status=current.status if current is not None else None,
                planned=planned,
                row_id=current.id if current is not None else None,
            )
        )
    if errors:
        raise CampaignError(errors)
    for slot, row in existing.items():
        if slot in wanted:
            continue
        cancel = Status(row.status) in CANCEL_WHEN_REMOVED
        items.append(
            PlanItem(
                action="cancel" if cancel else "unchanged",
                campaign=name,
                post_id=row.post_key,
                occurrence=row.occurrence,
                account=row.account,
                due_at=row.due_at,
                local_time=row.local_time,
                text=str(row.payload.get("text", "")),
                status=row.status,
                row_id=row.id,
            )
        )
    return Plan(items, warnings)


def _action_for(planned: PlannedPost, row: PostRow | None) -> Action:
    if row is None:
        return "create"
    status = Status(row.status)
    if status in FROZEN:
        return "unchanged"
    if status == Status.CANCELLED:
        return "create"  # back in the file: queued again
    if row.fingerprint == planned.fingerprint:
        return "unchanged"
    if status in REQUEUE_ON_CHANGE or status in (Status.PENDING, Status.RETRY_WAIT):
        return "update"
    return "unchanged"


def apply_plan(session: Session, loaded: LoadedCampaign, plan: Plan, *, now: datetime) -> CampaignRow:
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

    for item in plan.items:
        if item.action == "unchanged":
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
        values = {
            "payload": planned.payload,
            "fingerprint": planned.fingerprint,
            "due_at": planned.due_at,
            "local_time": planned.local_time.isoformat(),
            "next_attempt_at": planned.due_at,
            "source": f"{planned.file}:{planned.line}:{planned.column}",
            "updated_at": now,
        }
        if item.row_id is None:
            row = PostRow(
                campaign_id=campaign.id,
                post_key=planned.post_id,
                occurrence=planned.occurrence,
                account=planned.account,
                network=planned.network,
                idempotency_key=planned.idempotency_key,
                status=Status.PENDING.value,
                attempts=0,
                created_at=now,
                **values,
            )
            session.add(row)
            session.flush()
            transitions.log(
                session,
                post_id=row.id,
                at=now,
                kind="scheduled",
                from_status=None,
                to_status=Status.PENDING.value,
                detail=f"due {iso_utc(planned.due_at)}",
            )
        else:
            values.update(status=Status.PENDING.value, attempts=0, last_error=None, claimed_by=None, lease_until=None)
            result = session.execute(
                update(PostRow).where(PostRow.id == item.row_id, PostRow.status == item.status).values(**values)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                # A daemon claimed it between plan and apply; leave it to the daemon.
                continue
            kind = "requeued" if item.status != Status.PENDING.value else "updated"
            transitions.log(
                session,
                post_id=item.row_id,
                at=now,
                kind=kind,
                from_status=item.status,
                to_status=Status.PENDING.value,
                detail=f"due {iso_utc(planned.due_at)}",
            )
    return campaign


def _move(
    session: Session,
    row_id: int | None,
    from_status: str | None,
    to: Status,
    now: datetime,
    kind: str,
    detail: str,
) -> bool:
    assert row_id is not None
    result = session.execute(
        update(PostRow)
        .where(PostRow.id == row_id, PostRow.status == from_status)
        .values(status=to.value, updated_at=now, claimed_by=None, lease_until=None)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    transitions.log(
        session, post_id=row_id, at=now, kind=kind, from_status=from_status, to_status=to.value, detail=detail
    )
    return True


def schedule(
    store: Store,
    loaded: LoadedCampaign,
    rows: list[PlannedPost],
    *,
    now: datetime,
    allow_past: bool = False,
    dry_run: bool = False,
) -> Plan:
    """Plan and (unless ``dry_run``) apply in one write transaction, so a racing daemon is safe."""
    if dry_run:
        with store.session() as session:
            return plan_campaign(session, loaded, rows, now=now, allow_past=allow_past)
    with store.write() as session:
        plan = plan_campaign(session, loaded, rows, now=now, allow_past=allow_past)
        apply_plan(session, loaded, plan, now=now)
        return plan
