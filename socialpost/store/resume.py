"""Resume a campaign or an account (``socialpost resume``): what the campaign's late policy makes of
every post that came due during the pause (:func:`resume_plan`), then applying what was shown, in
one transaction that also deletes the pause (:func:`resume`). Pausing is in
:mod:`socialpost.store.pauses`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from socialpost.errors import NotFound
from socialpost.i18n import _
from socialpost.store import actions, late, transitions
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, PauseRow, PostRow, Status, display_id
from socialpost.store.pauses import _WAITING, PauseInfo, Target, _info, _pause_of, _scope
from socialpost.timeutil import iso_utc

Decision = Literal["send", "missed", "held"]


@dataclass(frozen=True)
class Overdue:
    """A post that came due while paused, and what the late policy makes of it on resume."""

    row_id: int
    status: str  # pending or retry_wait
    campaign: str
    id: str
    account: str
    due_at: datetime
    local_time: str
    late_by: timedelta
    decision: Decision
    kind: str  # the event: resumed, late or superseded
    reason: str | None  # why it does not go out (missed, held)

    @property
    def ref(self) -> str:
        return f"{self.campaign}/{self.id}@{self.account}"

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "id": self.id,
            "account": self.account,
            "network": self.account.split(":", 1)[0],
            "status": self.status,
            "due_at": iso_utc(self.due_at),
            "local_time": self.local_time,
            "late_by_seconds": int(self.late_by.total_seconds()),
            "decision": self.decision,
            "reason": self.reason,
        }


@dataclass
class ResumePlan:
    """What resuming a pause does: each overdue post's fate, and how many posts simply wait."""

    pause: PauseInfo
    overdue: list[Overdue]
    later: int  # not due yet: they go out at their time
    still_paused: int  # another pause (the campaign's or an account's) still holds them
    rules: list[late.LateRule] = field(default_factory=list)  # the late policies of the overdue posts
    applied: bool = False
    _later_ids: list[tuple[int, str]] = field(default_factory=list, repr=False)

    def count(self, decision: Decision) -> int:
        return sum(1 for item in self.overdue if item.decision == decision)

    def as_json(self) -> dict[str, Any]:
        return {
            "pause": self.pause.as_json(),
            "applied": self.applied,
            "overdue": [item.as_json() for item in self.overdue],
            "late_policies": [
                {"campaign": r.campaign, "within_seconds": int(r.within.total_seconds()), "else": r.else_}
                for r in self.rules
            ],
            "counts": {
                "send": self.count("send"),
                "missed": self.count("missed"),
                "held": self.count("held"),
                "later": self.later,
                "still_paused": self.still_paused,
            },
        }


def resume_plan(store: Store, target: Target, *, now: datetime) -> ResumePlan | None:
    """What :func:`resume` would do now (changes nothing); None when ``target`` is not paused."""
    with store.session() as session:
        row = _find(session, target)
        return None if row is None else _plan(session, row, now)


def resume(
    store: Store, target: Target, *, now: datetime, by: str, shown: ResumePlan | None = None
) -> ResumePlan | None:
    """Resume ``target``: apply the late policy to its overdue posts and delete the pause, in one
    transaction. A post listed in ``shown`` (what the user saw and agreed to) gets the decision
    shown, if it is still in the state it was then; any other overdue post gets today's decision.
    None when ``target`` is not paused (any more)."""
    with store.write() as session:
        row = _find(session, target, lock=True)
        if row is None:
            return None
        plan = _plan(session, row, now, lock=True)
        agreed = {item.row_id: item for item in shown.overdue} if shown is not None else {}
        decided = []
        for item in plan.overdue:
            seen = agreed.get(item.row_id)
            if seen is not None and seen.status == item.status:
                item = replace(item, decision=seen.decision, kind=seen.kind, reason=seen.reason)
            decided.append(item)
        plan.overdue = decided
        detail = f"{actions.BY_USER} {by}: resumed {target.kind} {target.name}"
        for item in decided:
            _apply(session, item, now, detail)
        transitions.log_many(
            session,
            [
                {"post_id": post_id, "at": now, "kind": "resumed", "from_status": status, "detail": detail}
                for post_id, status in plan._later_ids
            ],
        )
        session.execute(delete(PauseRow).where(PauseRow.id == row.id))
        plan.applied = True
        return plan


def _find(session: Session, target: Target, *, lock: bool = False) -> PauseRow | None:
    """The pause of ``target``; None when it exists but is not paused; NotFound when nothing by
    that name is scheduled or paused (a typo), with the paused ones named."""
    row = _pause_of(session, target, lock=lock)
    if row is not None:
        return row
    exists = (
        session.scalar(select(CampaignRow.id).where(CampaignRow.name == target.name))
        if target.kind == "campaign"
        else session.scalar(select(PostRow.id).where(PostRow.account == target.name).limit(1))
    )
    if exists is not None:
        return None
    paused = [
        str(name or account)
        for name, account in session.execute(
            select(CampaignRow.name, PauseRow.account).outerjoin(CampaignRow, CampaignRow.id == PauseRow.campaign_id)
        )
    ]
    if target.kind == "campaign":
        message = _("no campaign named '{name}'.").format(name=target.name)
        names = set(paused) | set(session.scalars(select(CampaignRow.name)))
    else:
        message = _("no post goes to {account}.").format(account=target.name)
        names = set(paused) | set(session.scalars(select(PostRow.account).distinct()))
    close = difflib.get_close_matches(target.name, sorted(names), n=3)
    if close:
        hint = _("Did you mean {names}?").format(names=", ".join(close))
    elif paused:
        hint = _("Paused: {names}.").format(names=", ".join(sorted(paused)))
    else:
        hint = _("Nothing is paused.")
    raise NotFound(message, hint=hint)


def _plan(session: Session, row: PauseRow, now: datetime, *, lock: bool = False) -> ResumePlan:
    others = [r for r in session.scalars(select(PauseRow)) if r.id != row.id]
    other_campaigns = {r.campaign_id for r in others if r.campaign_id is not None}
    other_accounts = {r.account for r in others if r.account is not None}
    query = (
        select(
            PostRow.id,
            PostRow.status,
            PostRow.campaign_id,
            PostRow.post_key,
            PostRow.occurrence,
            PostRow.account,
            PostRow.due_at,
            PostRow.local_time,
            PostRow.next_attempt_at,
            CampaignRow.name,
            CampaignRow.late_within_seconds,
            CampaignRow.late_else,
        )
        .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
        .where(_scope(row), PostRow.status.in_(_WAITING))
        .order_by(PostRow.next_attempt_at, PostRow.id)
    )
    rows = session.execute(query.with_for_update(of=PostRow) if lock else query).all()
    # The newest occurrence of each recurring post and account that is due (see late.judge): the
    # same rows the claim would find, since they share the campaign and the account.
    newest: dict[tuple[int, str, str], tuple[datetime, str]] = {}
    for r in rows:
        key = (r.campaign_id, r.post_key, r.account)
        if r.occurrence and r.due_at <= now and (key not in newest or r.due_at > newest[key][0]):
            newest[key] = (r.due_at, r.occurrence)
    overdue: list[Overdue] = []
    later: list[tuple[int, str]] = []
    rules: dict[str, late.LateRule] = {}
    still = 0
    for r in rows:
        if r.campaign_id in other_campaigns or r.account in other_accounts:
            still += 1
        elif r.next_attempt_at > now:
            later.append((r.id, r.status))
        else:
            rule = rules.setdefault(
                r.name, late.LateRule(timedelta(seconds=r.late_within_seconds), r.late_else, r.name)
            )
            overdue.append(_decide(r, rule, newest.get((r.campaign_id, r.post_key, r.account)), now))
    plan = ResumePlan(_info(session, row, now), overdue, len(later), still, [rules[n] for n in sorted(rules)])
    plan._later_ids = later
    return plan


def _decide(r: Any, rule: late.LateRule, newest: tuple[datetime, str] | None, now: datetime) -> Overdue:
    """The late policy for one overdue post, as the claim would judge it now."""
    late_by = now - r.next_attempt_at
    name = display_id(r.post_key, r.occurrence)
    verdict = None
    if r.status == Status.PENDING.value:  # a retry is not judged late (only by daemon.max_age)
        verdict = late.judge(
            rule,
            late_by,
            post=f"{r.name}/{name}@{r.account}",
            newer=lambda: newest[1] if newest is not None and newest[0] > r.due_at else None,
        )
    decision: Decision = "send" if verdict is None else ("missed" if verdict.status is Status.MISSED else "held")
    return Overdue(
        row_id=r.id,
        status=r.status,
        campaign=r.name,
        id=name,
        account=r.account,
        due_at=r.due_at,
        local_time=r.local_time,
        late_by=late_by,
        decision=decision,
        kind="resumed" if verdict is None else verdict.kind,
        reason=None if verdict is None else verdict.reason,
    )


def _apply(session: Session, item: Overdue, now: datetime, detail: str) -> None:
    """One overdue post's decision. Sending now counts its lateness from now, as after `retry`, so
    the claim does not judge it late a second time."""
    if item.decision == "send":
        if item.status == Status.PENDING.value:
            session.execute(
                update(PostRow)
                .where(PostRow.id == item.row_id, PostRow.status == item.status)
                .values(next_attempt_at=now, updated_at=now)
            )
            to_status: str | None = item.status
        else:
            to_status = None  # a retry keeps its time: a note
        transitions.log(
            session,
            post_id=item.row_id,
            at=now,
            kind="resumed",
            from_status=item.status,
            to_status=to_status,
            detail=f"{detail}; it goes out now",
        )
        return
    target = Status.MISSED if item.decision == "missed" else Status.HELD
    session.execute(
        update(PostRow)
        .where(PostRow.id == item.row_id, PostRow.status == item.status)
        .values(status=target.value, last_error=item.reason, updated_at=now, claimed_by=None, lease_until=None)
    )
    transitions.log(
        session,
        post_id=item.row_id,
        at=now,
        kind=item.kind,
        from_status=item.status,
        to_status=target.value,
        detail=f"{detail}: {item.reason}",
    )
