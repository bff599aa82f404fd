"""``socialpost restore``: cancelled posts back in the queue, each judged by its campaign's late
policy as the daemon would (the other hand actions are in :mod:`socialpost.store.actions`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from socialpost.errors import UsageError
from socialpost.i18n import _
from socialpost.store import late, transitions
from socialpost.store.actions import BY_USER, Change, Selection, _again, _campaign_id, _one
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, PostRow, Status, display_id
from socialpost.timeutil import iso_utc


@dataclass(frozen=True)
class Restored:
    """A post the user brought back, and what became of it: ``queued`` (its time is still to
    come), ``send`` (it goes out now), or ``missed`` / ``held`` by the campaign's late policy."""

    change: Change
    decision: Literal["queued", "send", "missed", "held"]
    reason: str | None
    due_at: datetime
    local_time: str

    def as_json(self) -> dict[str, Any]:
        return {
            **self.change.as_json(),
            "decision": self.decision,
            "reason": self.reason,
            "due_at": iso_utc(self.due_at),
            "local_time": self.local_time,
        }


@dataclass(frozen=True)
class Restoration:
    restored: list[Restored]
    removed_from_file: int  # cancelled because they left their file: the file brings them back, not restore


def restore(store: Store, selection: Selection, *, now: datetime) -> Restoration:
    """Bring back posts the user cancelled: queued again at their time, or, when it has passed,
    judged by the campaign's late policy now — as the claim would: all of them are put back first,
    then each is judged oldest first, so of several late occurrences of a recurring post only the
    newest may go out."""
    with store.write() as session:
        picked, removed = _restorable(session, selection)
        for row, _campaign, _rule in picked:
            session.execute(
                update(PostRow)
                .where(PostRow.id == row.id, PostRow.status == Status.CANCELLED.value)
                .values(
                    status=Status.PENDING.value,
                    cancelled_by=None,
                    updated_at=now,
                    **{k: v for k, v in _again(now).items() if k != "next_attempt_at"},
                )
                .execution_options(synchronize_session=False)
            )
        done = [
            _judge_restored(session, row, campaign, rule, now)
            for row, campaign, rule in sorted(picked, key=lambda p: (p[0].next_attempt_at, p[0].id))
        ]
        return Restoration(done, removed)


def _restorable(session: Session, selection: Selection) -> tuple[list[tuple[PostRow, str, late.LateRule]], int]:
    """The posts ``selection`` names that the user cancelled; and how many it names that were
    removed from their file instead. A single post in any other state is an error saying why."""
    if selection.ref is not None:
        row, campaign = _one(session, selection.ref)
        if row.status != Status.CANCELLED.value:
            post = f"{campaign}/{display_id(row.post_key, row.occurrence)}@{row.account}"
            raise UsageError(
                _("{post} is {status}; only posts you cancelled can be restored.").format(post=post, status=row.status)
            )
        if row.cancelled_by != "user":
            raise UsageError(
                _(
                    "{post} was cancelled because it was removed from its campaign file; restore brings back "
                    "posts you cancelled."
                ).format(post=f"{campaign}/{display_id(row.post_key, row.occurrence)}@{row.account}"),
                hint=_("Put it back in {file} and run socialpost schedule {file} again.").format(
                    file=_source_file(session, row.campaign_id)
                ),
            )
        rows = [row]
    else:
        if selection.campaign is None:
            raise UsageError(_("say which posts to restore: CAMPAIGN or CAMPAIGN/POST-ID."))
        campaign_id = _campaign_id(session, selection.campaign)
        cancelled = list(
            session.scalars(
                select(PostRow)
                .where(PostRow.campaign_id == campaign_id, PostRow.status == Status.CANCELLED.value)
                .order_by(PostRow.due_at, PostRow.id)
            )
        )
        rows = [r for r in cancelled if r.cancelled_by == "user"]
        removed = len(cancelled) - len(rows)
        return [(r, selection.campaign, _late_rule(session, r.campaign_id)) for r in rows], removed
    return [(row, selection.ref.campaign, _late_rule(session, row.campaign_id))], 0


def _late_rule(session: Session, campaign_id: int) -> late.LateRule:
    within, late_else, name = session.execute(
        select(CampaignRow.late_within_seconds, CampaignRow.late_else, CampaignRow.name).where(
            CampaignRow.id == campaign_id
        )
    ).one()
    return late.LateRule(timedelta(seconds=within), late_else, name)


def _source_file(session: Session, campaign_id: int) -> str:
    return str(session.scalar(select(CampaignRow.source_file).where(CampaignRow.id == campaign_id)))


def _judge_restored(session: Session, row: PostRow, campaign: str, rule: late.LateRule, now: datetime) -> Restored:
    """Log the restore of ``row`` (already ``pending``) and apply the late policy if its time passed."""
    ref = f"{campaign}/{display_id(row.post_key, row.occurrence)}@{row.account}"
    verdict = None
    if row.next_attempt_at > now:
        decision: Literal["queued", "send", "missed", "held"] = "queued"
    else:
        verdict = late.judge(
            rule,
            now - row.next_attempt_at,
            post=ref,
            newer=lambda: (
                late.newer_occurrence(
                    session,
                    campaign_id=row.campaign_id,
                    post_key=row.post_key,
                    account=row.account,
                    due_at=row.due_at,
                    now=now,
                )
                if row.occurrence
                else None
            ),
        )
        decision = "send" if verdict is None else ("missed" if verdict.status is Status.MISSED else "held")
    transitions.log(
        session,
        post_id=row.id,
        at=now,
        kind="restored",
        from_status=Status.CANCELLED.value,
        to_status=Status.PENDING.value,
        detail=BY_USER + ("; it goes out now" if decision == "send" else ""),
    )
    if decision == "send":  # its lateness counts from now, as after `retry`
        session.execute(update(PostRow).where(PostRow.id == row.id).values(next_attempt_at=now))
    elif verdict is not None:
        session.execute(
            update(PostRow)
            .where(PostRow.id == row.id)
            .values(status=verdict.status.value, last_error=verdict.reason, updated_at=now)
        )
        transitions.log(
            session,
            post_id=row.id,
            at=now,
            kind=verdict.kind,
            from_status=Status.PENDING.value,
            to_status=verdict.status.value,
            detail=verdict.reason,
        )
    change = Change(
        campaign,
        display_id(row.post_key, row.occurrence),
        row.account,
        Status.CANCELLED.value,
        verdict.status.value if verdict is not None else Status.PENDING.value,
    )
    return Restored(change, decision, verdict.reason if verdict else None, row.due_at, row.local_time)
