"""Planning a campaign: what its rows would change in the store (the diff), row by row, with the
warnings and errors; the rules are in :mod:`socialpost.store.sync`. Nothing is written here
(:mod:`socialpost.store.sync_apply` writes a plan).
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialpost.errors import Problem
from socialpost.i18n import _, formats
from socialpost.store import connect
from socialpost.store import feeds as feed_posts
from socialpost.store.models import WAITING, CampaignRow, PostRow, Status, display_id
from socialpost.store.planned import CampaignSource, PlannedRow
from socialpost.timeutil import iso_utc

Action = Literal["create", "update", "cancel", "unchanged", "hold"]
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
    planned: PlannedRow | None = None
    row_id: int | None = None
    waiting_account: bool = False  # the stored row is held until its account is connected
    cancelled_by: str | None = None  # for a cancelled row: "user" (socialpost cancel) or "file" (removed)
    changed: bool = False  # the file changed the row's time or content
    paused_by: list[dict[str, Any]] = field(default_factory=list)  # pauses that hold it (pauses.annotate)

    @property
    def network(self) -> str:
        return self.account.split(":", 1)[0]

    @property
    def state(self) -> str:
        """The row's state once the plan is applied."""
        if self.action in ("create", "update"):
            return Status.PENDING.value
        if self.action == "hold":
            return Status.HELD.value
        if self.action == "cancel":
            return Status.CANCELLED.value
        return self.status or Status.PENDING.value

    @property
    def waits_for_account(self) -> bool:
        """Held (once the plan is applied) until its account is connected, not by the late policy."""
        return self.action == "hold" or (self.action == "unchanged" and self.waiting_account)

    @property
    def kept_cancelled(self) -> bool:
        """Cancelled by the user: it stays out of the queue until `socialpost restore`."""
        return self.state == Status.CANCELLED and self.cancelled_by_after == "user"

    @property
    def cancelled_by_after(self) -> str | None:
        if self.action == "cancel":
            return "file"
        return self.cancelled_by if self.state == Status.CANCELLED else None

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "id": self.post_id,
            "account": self.account,
            "network": self.network,
            "due_at": iso_utc(self.due_at),
            "local_time": self.local_time,
            "action": self.action,
            "text": self.text,
            "status": self.status,
            "state": self.state,
            "cancelled_by": self.cancelled_by_after,
            "paused_by": self.paused_by,
            "waiting_for_account": self.waits_for_account,
            **({"slot": self.slot} if self.slot is not None else {}),
        }

    @property
    def slot(self) -> dict[str, str | None] | None:
        """For a queued post: why it has its time (kept, next, taken) and, when its first choice
        was taken, by which campaign."""
        if self.planned is None or self.planned.queue is None or not self.planned.slot_why:
            return None
        return {"why": self.planned.slot_why, "taken_by": self.planned.slot_taken_by or None}


@dataclass
class Plan:
    items: list[PlanItem]
    warnings: list[Problem]
    errors: list[Problem] = field(default_factory=list)  # nothing is written while there is one

    def count(self, action: Action) -> int:
        return sum(1 for item in self.items if item.action == action)


def plan_campaign(
    session: Session | None,
    loaded: CampaignSource,
    rows: Sequence[PlannedRow],
    *,
    now: datetime,
    allow_past: bool = False,
    unconnected: Set[str] = frozenset(),
) -> Plan:
    """What applying ``rows`` would change, with its errors (new posts in the past) in
    ``Plan.errors``. Without a ``session`` (no queue on this machine) every row is new.
    ``unconnected``: accounts not set up yet, whose rows are held."""
    name = loaded.model.campaign
    existing: dict[tuple[str, str, str], _Existing] = {}
    campaign_id = None
    if session is not None and "campaign" not in loaded.unsure:
        campaign_id = session.scalar(select(CampaignRow.id).where(CampaignRow.name == name))
    if session is not None and campaign_id is not None:
        # A few text columns, not ORM objects: re-planning a 30,000-row campaign must stay cheap.
        # posts made from feed entries are not the file's: never cancelled as "removed from the file"
        from_file = select(*_EXISTING_COLUMNS).where(PostRow.campaign_id == campaign_id, feed_posts.not_from_feed())
        for row in session.execute(from_file):
            existing[(row.post_key, row.occurrence, row.account)] = _Existing._make(row)
    waiting: set[int] = set()
    if session is not None:
        waiting = connect.waiting_for_account(session, [r.id for r in existing.values() if r.status == Status.HELD])

    items: list[PlanItem] = []
    warnings: list[Problem] = []
    errors: list[Problem] = []
    judged_past: set[tuple[str, str]] = set()
    wanted: set[tuple[str, str, str]] = set()
    past = now - timedelta(seconds=1)
    for planned in rows:
        slot = (planned.post_id, planned.occurrence, planned.account)
        current = existing.get(slot)
        if planned.recurring and current is None and planned.due_at < now:
            continue  # a past occurrence of a recurring post is never created after the fact
        wanted.add(slot)
        # The fingerprint (a hash of the time and payload) is computed once, and only for rows the
        # store already has.
        changed = current is not None and current.fingerprint != planned.fingerprint
        if changed and current is not None and current.status not in WAITING:
            # Queued before payloads carried the post's language: only a waiting post takes it on.
            changed = current.fingerprint != planned.fingerprint_before_language
        held = current is not None and current.id in waiting
        action = _connected_action(current, changed, connected=planned.account not in unconnected, held=held)
        if changed and current is not None and _cancelled_by_user(current):
            warnings.append(_kept_cancelled(planned, name))
        if changed and current is not None and current.status in FROZEN:
            warnings.append(
                Problem(
                    planned.file,
                    planned.line,
                    planned.column,
                    _(
                        "post '{post}' to {account} is already {status}; your edit will not be re-sent. "
                        "Fix: to publish the new version, give it a new id."
                    ).format(post=planned.post_id, account=planned.account, status=current.status),
                    rule="already-sent",
                )
            )
        if (
            action in ("create", "update", "hold")
            and planned.due_at < past
            and "timezone" not in loaded.unsure
            and (planned.post_id, planned.occurrence) not in judged_past
            and not _kept_time(session, current, planned, held=held)
        ):
            judged_past.add((planned.post_id, planned.occurrence))
            (warnings if allow_past else errors).append(_in_the_past(loaded, planned, allow_past=allow_past))
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
                waiting_account=held,
                cancelled_by=current.cancelled_by if current is not None else None,
                changed=changed,
            )
        )
    removed = [gone for slot, gone in existing.items() if slot not in wanted]
    shown: dict[int, tuple[datetime, str, dict[str, Any]]] = {}
    if removed and session is not None:
        columns = select(PostRow.id, PostRow.due_at, PostRow.local_time, PostRow.payload)
        for row_id, due_at, local_time, payload in session.execute(
            columns.where(PostRow.id.in_([gone.id for gone in removed]))
        ):
            shown[row_id] = (due_at, local_time, payload)
    for gone in removed:
        due_at, local_time, payload = shown[gone.id]
        items.append(
            PlanItem(
                action="cancel" if gone.status in CANCEL_WHEN_REMOVED else "unchanged",
                campaign=name,
                post_id=gone.post_key,
                occurrence=gone.occurrence,
                account=gone.account,
                due_at=due_at,
                local_time=local_time,
                text=str(payload.get("text", "")),
                status=gone.status,
                row_id=gone.id,
                waiting_account=gone.id in waiting,
                cancelled_by=gone.cancelled_by,
            )
        )
    return Plan(items, warnings, errors)


def _in_the_past(loaded: CampaignSource, planned: PlannedRow, *, allow_past: bool) -> Problem:
    """A new (or moved) post whose time has passed, where its time is written: an error, or with
    ``allow_past`` a warning (the late policy decides)."""
    time, zone = formats.datetime_text(planned.local_time), f"{planned.local_time:%Z}"
    where = ("posts", planned.index, "every" if planned.recurring else "at")
    if allow_past:
        message = _(
            "post '{post}' is due {time} ({zone}), which is in the past. The campaign's late "
            "policy decides whether it still goes out."
        )
        return loaded.document.problem(
            where, message.format(post=planned.post_id, time=time, zone=zone), rule="past-time"
        )
    message = _(
        "post '{post}' is due {time} ({zone}), which is in the past. Fix: move it to a future "
        "time, or pass --allow-past to let the late policy decide."
    )
    return loaded.document.problem(where, message.format(post=planned.post_id, time=time, zone=zone))


class _Existing(NamedTuple):
    """What planning needs to know about a row already in the store."""

    id: int
    post_key: str
    occurrence: str
    account: str
    status: str
    fingerprint: str
    cancelled_by: str | None


_EXISTING_COLUMNS = (
    PostRow.id,
    PostRow.post_key,
    PostRow.occurrence,
    PostRow.account,
    PostRow.status,
    PostRow.fingerprint,
    PostRow.cancelled_by,
)


def _cancelled_by_user(row: _Existing) -> bool:
    return row.status == Status.CANCELLED and row.cancelled_by == "user"


def _kept_cancelled(planned: PlannedRow, campaign: str) -> Problem:
    """The file changed a post the user cancelled: the edit is kept, the post stays cancelled."""
    ref = f"{campaign}/{display_id(planned.post_id, planned.occurrence)}@{planned.account}"
    return Problem(
        planned.file,
        planned.line,
        planned.column,
        _(
            "post '{post}' to {account} was cancelled by you (socialpost cancel), so it stays cancelled although "
            "the file changed it; the new version is kept. Fix: to queue it, run socialpost restore {ref}"
        ).format(post=planned.post_id, account=planned.account, ref=ref),
        rule="cancelled-by-you",
    )


def _action_for(row: _Existing | None, changed: bool) -> Action:
    if row is None:
        return "create"
    if row.status in FROZEN:
        return "unchanged"
    if row.status == Status.CANCELLED:
        # removed from the file and back in it: queued again; cancelled by the user: kept out
        # until `socialpost restore` (the user's explicit cancel wins over the file)
        return "unchanged" if row.cancelled_by == "user" else "create"
    if changed and (row.status in REQUEUE_ON_CHANGE or row.status in WAITING):
        return "update"
    return "unchanged"


def _connected_action(row: _Existing | None, changed: bool, *, connected: bool, held: bool) -> Action:
    """:func:`_action_for`, for an account that may not be connected yet: its rows are held
    (``hold``) instead of queued; a row ``held`` for its account goes back in the queue (``update``)
    once the account is connected."""
    action = _action_for(row, changed)
    if connected:
        return "update" if held else action
    if held:
        return "hold" if changed else "unchanged"
    if action in ("create", "update") or (action == "unchanged" and row is not None and row.status in WAITING):
        return "hold"
    return action


def _kept_time(session: Session | None, row: _Existing | None, planned: PlannedRow, *, held: bool = False) -> bool:
    """A waiting post (or one held for its account) whose time did not change is not "new in the
    past": editing the text of an overdue post (e.g. while no daemon runs), or connecting its account
    late, leaves its lateness to the late policy. (Asked only for rows planned in the past, so the
    time is read then, not for every row.)"""
    if session is None or row is None or (row.status not in WAITING and not held):
        return False
    return session.scalar(select(PostRow.due_at).where(PostRow.id == row.id)) == planned.due_at
