"""Engagement reads in the store: which sent posts may be read, and what a read found.

``engagement.schedule`` decides which posts are due (by their ages) from the rows this module
reads; ``engagement.collect`` asks the networks and stores what they said here: one snapshot row
per metric, the adapter's whole answer on one of them, or a ``metrics-unavailable`` event when the
network gave nothing, so the post waits for its next age.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, EventRow, LatestRow, PostRow, SnapshotRow, Status

UNAVAILABLE = "metrics-unavailable"  # EventRow.kind of a read that gave no metrics


# A sent post that can be read: (post id, account, remote id, sent at, newest snapshot's time, newest
# unavailable mark's time); plain rows as the database gives them (a report's worth of posts: no copy).
SentPost = tuple[int, str, str, datetime, datetime | None, datetime | None]


def sent_posts(
    store: Store,
    *,
    sent_until: datetime | None = None,
    campaign: str | None = None,
    account: str | None = None,
) -> Sequence[SentPost]:
    """The sent posts with a network id (sent at ``sent_until`` or before, when given), in one query
    over ``posts`` and the per-post summary ``engagement_latest`` (never the snapshots)."""
    marks = (
        select(EventRow.post_id, func.max(EventRow.at).label("at"))
        .where(EventRow.kind == UNAVAILABLE)
        .group_by(EventRow.post_id)
        .subquery()
    )
    query = (
        select(PostRow.id, PostRow.account, PostRow.remote_id, PostRow.sent_at, LatestRow.collected_at, marks.c.at)
        .outerjoin(LatestRow, LatestRow.post_id == PostRow.id)  # the newest snapshot, one row per post
        .outerjoin(marks, marks.c.post_id == PostRow.id)
        .where(PostRow.status == Status.SENT.value, PostRow.remote_id.is_not(None), PostRow.sent_at.is_not(None))
    )
    if campaign is not None:
        query = query.join(CampaignRow, CampaignRow.id == PostRow.campaign_id).where(CampaignRow.name == campaign)
    if account is not None:
        query = query.where(PostRow.account == account)
    if sent_until is not None:
        query = query.where(PostRow.sent_at <= sent_until)
    with store.session() as session:
        return session.execute(query).all()


def reads_since(store: Store, account: str, start: datetime, *, raw_on: str) -> int:
    """Posts of ``account`` read since ``start``: snapshots (counted on their ``raw_on`` metric's
    row, one per read) plus unavailable marks."""
    with store.session() as session:
        snapshots = session.scalar(
            select(func.count())
            .select_from(SnapshotRow)
            .join(PostRow, PostRow.id == SnapshotRow.post_id)
            .where(PostRow.account == account, SnapshotRow.metric == raw_on, SnapshotRow.collected_at >= start)
        )
        marks = session.scalar(
            select(func.count())
            .select_from(EventRow)
            .join(PostRow, PostRow.id == EventRow.post_id)
            .where(PostRow.account == account, EventRow.kind == UNAVAILABLE, EventRow.at >= start)
        )
    return int(snapshots or 0) + int(marks or 0)


@dataclass(frozen=True)
class Read:
    """What one read of one post found: its metrics (and the raw answer, kept on the ``raw_on``
    metric's row), or why there are none (``unavailable``)."""

    post_id: int
    metrics: Mapping[str, int | None] | None = None
    raw: dict[str, Any] | None = None
    unavailable: str | None = None


def save_reads(store: Store, reads: Sequence[Read], *, at: datetime, metrics: Sequence[str], raw_on: str) -> None:
    """Store ``reads`` in one transaction: a snapshot row per metric in ``metrics`` order, or an
    unavailable mark."""
    with store.session() as session:
        for read in reads:
            if read.metrics is None:
                session.add(EventRow(post_id=read.post_id, at=at, kind=UNAVAILABLE, detail=read.unavailable))
                continue
            for metric in metrics:
                session.add(
                    SnapshotRow(
                        post_id=read.post_id,
                        collected_at=at,
                        metric=metric,
                        value=read.metrics[metric],
                        raw=read.raw if metric == raw_on else None,
                    )
                )
