"""Compare what a campaign file asks for with what the store holds, and apply the difference.

Rules (README, "Re-running is safe"):

* a row not in the store is created (``create``);
* a waiting row whose time or content changed is updated (``update``); a failed, missed or held
  row that comes back changed, or a row removed from the file that is back in it, is queued again;
* a row the file no longer has is cancelled if it has not gone out and is not in doubt
  (``cancel``, ``cancelled_by`` = "file");
* a row the user cancelled (``socialpost cancel``: ``cancelled_by`` = "user") stays cancelled
  whatever the file says, until ``socialpost restore``; an edit of it is stored (so ``restore``
  queues the new version) and a warning says it stays cancelled;
* a row that is sending, sent or unknown is never touched: if the file changed it, a warning says
  it will not be re-sent;
* a row for an account that is not connected yet is queued ``held`` (``hold``), and goes back to
  ``pending`` once the account is connected (see socialpost.store.connect);
* a new one-off post whose time has passed is an error (with ``allow_past``, a warning): the one
  place that judges it, for `validate`, `plan` and `schedule` alike;
* a campaign another file scheduled, and that file is still there, is refused unless ``replace``:
  two files sharing a ``campaign:`` name would otherwise cancel each other's posts.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple, cast

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from socialpost.errors import CampaignError, Problem, StoreError
from socialpost.i18n import _, formats, ngettext
from socialpost.store import connect, pauses, transitions
from socialpost.store.db import Store
from socialpost.store.models import WAITING, CampaignRow, PostRow, Status, display_id
from socialpost.store.planned import CampaignSource, PlannedRow
from socialpost.timeutil import iso_utc

Action = Literal["create", "update", "cancel", "unchanged", "hold"]
BATCH = 2_000  # rows per INSERT … RETURNING
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
        }


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
        for row in session.execute(select(*_EXISTING_COLUMNS).where(PostRow.campaign_id == campaign_id)):
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


def taken_from(session: Session, loaded: CampaignSource, plan: Plan) -> Problem | None:
    """The error for a file that names a campaign another file scheduled, if that file still exists.

    Without it, copying a campaign file and keeping its ``campaign:`` name silently cancels every
    post of the original. The stored ``source_file`` is the path as given to `schedule` (often
    relative to the folder it ran in), so it is resolved from the current folder; when no file is
    there any more, the campaign was moved or renamed, and this file takes it over as before.
    """
    name = loaded.model.campaign
    stored = session.scalar(select(CampaignRow.source_file).where(CampaignRow.name == name))
    if stored is None or not Path(stored).is_file() or _same_file(Path(stored), Path(loaded.path)):
        return None
    count = plan.count("cancel")
    if count:
        message = ngettext(
            "campaign '{name}' is already scheduled from {other}; scheduling this file would cancel "
            "{count} of its posts. Fix: give this file its own campaign: name, or, if it really replaces "
            "{other}, pass --replace.",
            "campaign '{name}' is already scheduled from {other}; scheduling this file would cancel "
            "{count} of its posts. Fix: give this file its own campaign: name, or, if it really replaces "
            "{other}, pass --replace.",
            count,
        ).format(name=name, other=stored, count=formats.integer(count))
    else:
        message = _(
            "campaign '{name}' is already scheduled from {other}. Fix: give this file its own campaign: "
            "name, or, if it really replaces {other}, pass --replace."
        ).format(name=name, other=stored)
    return loaded.document.problem(("campaign",), message)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (relative or absolute, through links)."""
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return False


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


Review = Callable[[list[Plan]], list[Problem]]


def schedule(
    store: Store,
    campaigns: Sequence[tuple[CampaignSource, Sequence[PlannedRow]]],
    *,
    now: datetime,
    allow_past: bool = False,
    dry_run: bool = False,
    replace: bool = False,
    unconnected: Set[str] = frozenset(),
    review: Review | None = None,
) -> list[Plan]:
    """Plan and (unless ``dry_run``) apply every campaign in one write transaction, so a racing
    daemon is safe and a past time in the second file stops the first one too (every error of
    every campaign in one CampaignError, and nothing written).

    ``replace`` lets a file take over a campaign that another, still existing file scheduled
    (see ``taken_from``); without it that is an error. ``review`` (socialpost.scheduling) sees the
    plans before anything is written and returns every error that must stop it (the plans' own
    errors included); without it, the plans' errors stop it.

    Two runs of `schedule` on one campaign take turns (:func:`_lock_campaigns`), so the second
    plans against what the first wrote and finds it unchanged. Should one still lose a race on
    the unique keys (a writer that does not take the lock, such as an older socialpost), it plans
    again against the winner's rows and applies once more."""
    attempt = functools.partial(
        _plan_and_apply,
        store,
        campaigns,
        now=now,
        allow_past=allow_past,
        dry_run=dry_run,
        replace=replace,
        unconnected=unconnected,
        review=review,
    )
    try:
        return attempt()
    except IntegrityError as exc:
        if dry_run or not _lost_race(exc):
            raise
    try:
        return attempt()
    except IntegrityError as exc:
        if not _lost_race(exc):
            raise
        names = ", ".join(sorted({loaded.model.campaign for loaded, _rows in campaigns}))
        raise StoreError(
            _(
                "campaign {names} was changed by another program at the same time, twice in a row; nothing was written."
            ).format(names=names),
            hint=_("Run the same socialpost schedule command again: it writes only what is still missing."),
        ) from None


def plan_all(
    session: Session | None,
    campaigns: Sequence[tuple[CampaignSource, Sequence[PlannedRow]]],
    *,
    now: datetime,
    allow_past: bool = False,
    replace: bool = False,
    unconnected: Set[str] = frozenset(),
) -> list[Plan]:
    """Each campaign's plan against the queue (none: an empty one), with its errors in
    ``Plan.errors`` — a new post in the past, a campaign another file scheduled — raising nothing."""
    plans = []
    for loaded, rows in campaigns:
        plan = plan_campaign(session, loaded, rows, now=now, allow_past=allow_past, unconnected=unconnected)
        if session is not None and not replace and "campaign" not in loaded.unsure:
            clash = taken_from(session, loaded, plan)
            if clash is not None:
                plan.errors.append(clash)
        if session is not None:
            pauses.annotate(session, plan)
        plans.append(plan)
    return plans


def _plan_and_apply(
    store: Store,
    campaigns: Sequence[tuple[CampaignSource, Sequence[PlannedRow]]],
    *,
    now: datetime,
    allow_past: bool,
    dry_run: bool,
    replace: bool,
    unconnected: Set[str],
    review: Review | None,
) -> list[Plan]:
    """One attempt of :func:`schedule`, in one transaction."""
    with store.session() if dry_run else store.write() as session:
        if not dry_run:
            _lock_campaigns(session, [loaded.model.campaign for loaded, _rows in campaigns])
        plans = plan_all(session, campaigns, now=now, allow_past=allow_past, replace=replace, unconnected=unconnected)
        problems = [problem for plan in plans for problem in plan.errors] if review is None else review(plans)
        if problems:
            raise CampaignError(sorted(problems, key=lambda p: (p.file, p.line, p.column)))  # rolls it all back
        if not dry_run:
            for (loaded, _rows), plan in zip(campaigns, plans, strict=True):
                apply_plan(session, loaded, plan, now=now)
    return plans


# pg_advisory_xact_lock(namespace, key): the two-integer form, so these locks can never be taken
# for the one-integer lock that guards migrations (store/db.py) or another program's locks.
_PG_CAMPAIGN_LOCKS = 0x53_43_48_44  # "SCHD"


def campaign_lock_key(name: str) -> int:
    """A stable signed 32-bit key for a campaign name (the same in every process and version; two
    names that share a key only take turns for nothing)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock_campaigns(session: Session, names: Sequence[str]) -> None:
    """Make concurrent `schedule` runs of one campaign take turns, before anything is read.

    PostgreSQL: a transaction-scoped advisory lock per campaign, taken in name order (two runs
    with the same campaigns in another order cannot deadlock) and released at commit or rollback.
    Under READ COMMITTED every later statement sees what the previous holder committed, so the
    second run plans against the first's rows. SQLite needs nothing here: ``Store.write`` begins
    with BEGIN IMMEDIATE, which takes the database's only write lock before the first read.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted(set(names)):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
            {"namespace": _PG_CAMPAIGN_LOCKS, "key": campaign_lock_key(name)},
        )


def _lost_race(exc: IntegrityError) -> bool:
    """Whether an IntegrityError is a unique key another writer took first (worth planning again),
    not a bug such as a foreign key or NOT NULL violation."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation (psycopg)
        return True
    return "UNIQUE constraint failed" in str(orig)  # SQLite
