"""The campaign's late policy: what becomes of a post whose time has passed.

One judgement for every place that decides it: the daemon's claim (a post due while no daemon
ran), ``socialpost resume`` (posts that came due while their campaign or account was paused) and
``socialpost restore`` (a cancelled post whose time passed meanwhile). See README, "Late posts".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialpost.i18n import _
from socialpost.store.models import WAITING, PostRow, Status
from socialpost.timeutil import human_duration


@dataclass(frozen=True)
class LateRule:
    """A campaign's ``late: {within, else}`` and its name (for the fix in the reason)."""

    within: timedelta
    else_: str  # skip | post | hold
    campaign: str


@dataclass(frozen=True)
class Verdict:
    """The post does not go out: it becomes ``status`` (missed or held), logged as ``kind``."""

    status: Status
    kind: str  # "late" or "superseded"
    reason: str


def judge(rule: LateRule, late_by: timedelta, *, post: str, newer: Callable[[], str | None]) -> Verdict | None:
    """None when a post ``late_by`` late may still go out; else what becomes of it.

    ``post`` names it for the fix (``CAMPAIGN/ID@ACCOUNT``); ``newer()`` is the newest occurrence of
    the same recurring post and account that is due too (None for a one-off post or when there is
    none): only the newest late occurrence may go out. It is asked only for a post later than
    ``within``."""
    if late_by <= rule.within:
        return None
    newest = newer()
    if newest is not None:
        return Verdict(
            Status.MISSED,
            "superseded",
            _(
                "{late} late and superseded by a newer occurrence ({newer}) of this recurring post: "
                "only the newest late occurrence may go out"
            ).format(late=human_duration(late_by), newer=newest),
        )
    if rule.else_ == "post":
        return None
    return Verdict(
        Status.MISSED if rule.else_ == "skip" else Status.HELD,
        "late",
        _(
            "{late} late, more than the campaign's late rule allows ({within}). Fix: to send it anyway, "
            "run 'socialpost retry {post}'; to allow more, change 'late:' in the campaign file"
        ).format(late=human_duration(late_by), within=human_duration(rule.within), post=post),
    )


def newer_occurrence(
    session: Session, *, campaign_id: int, post_key: str, account: str, due_at: datetime, now: datetime
) -> str | None:
    """The newest occurrence of the same recurring post and account that is waiting and due too."""
    return session.scalar(
        select(PostRow.occurrence)
        .where(
            PostRow.campaign_id == campaign_id,
            PostRow.post_key == post_key,
            PostRow.account == account,
            PostRow.status.in_([s.value for s in WAITING]),
            PostRow.due_at > due_at,
            PostRow.due_at <= now,
        )
        .order_by(PostRow.due_at.desc())
        .limit(1)
    )
