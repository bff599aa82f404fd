"""What ``socialpost status`` reads: counts by state, the next posts, the posts with a problem, how
many are due (not paused), and the daemons' heartbeats. :mod:`socialpost.report.status` shapes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select

from socialpost.store.daemons import recent_daemons
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, DaemonRow, PostRow, Status
from socialpost.store.pauses import not_paused


class PostWithCampaign(NamedTuple):
    row: PostRow
    campaign: str
    timezone: str


class StatusRows(NamedTuple):
    counts: dict[str, int]  # every state, 0 when none
    upcoming: list[PostWithCampaign]  # soonest next attempt first, at most the limit
    problems: list[PostWithCampaign]  # by state, then due time
    due: int  # pending or retrying posts whose time has come, not paused
    daemons: list[DaemonRow]  # latest heartbeat first
    noted: list[PostWithCampaign]  # sent since ``noted_since`` with a note (last_error), latest first


def status_rows(
    store: Store,
    *,
    now: datetime,
    campaign: str | None,
    upcoming_states: Sequence[Status],
    problem_states: Sequence[Status],
    upcoming_limit: int,
    noted_since: datetime | None = None,
) -> StatusRows:
    """The rows of the status summary, for every campaign or the one named ``campaign``."""
    with store.session() as session:
        base = select(PostRow, CampaignRow.name, CampaignRow.timezone).join(
            CampaignRow, CampaignRow.id == PostRow.campaign_id
        )
        count_query = select(PostRow.status, func.count()).group_by(PostRow.status)
        if campaign is not None:
            base = base.where(CampaignRow.name == campaign)
            count_query = count_query.join(CampaignRow, CampaignRow.id == PostRow.campaign_id).where(
                CampaignRow.name == campaign
            )
        counts = {status.value: 0 for status in Status}
        for status, number in session.execute(count_query):
            counts[status] = number
        upcoming = [
            PostWithCampaign(row, name, timezone)
            for row, name, timezone in session.execute(
                base.where(PostRow.status.in_([s.value for s in upcoming_states]))
                .order_by(PostRow.next_attempt_at)
                .limit(upcoming_limit)
            )
        ]
        problems = [
            PostWithCampaign(row, name, timezone)
            for row, name, timezone in session.execute(
                base.where(PostRow.status.in_([s.value for s in problem_states])).order_by(
                    PostRow.status, PostRow.due_at
                )
            )
        ]
        noted = (
            [
                PostWithCampaign(row, name, timezone)
                for row, name, timezone in session.execute(
                    base.where(
                        PostRow.status == Status.SENT.value,
                        PostRow.last_error.is_not(None),
                        PostRow.sent_at >= noted_since,
                    )
                    .order_by(PostRow.sent_at.desc())
                    .limit(upcoming_limit)
                )
            ]
            if noted_since is not None
            else []
        )
        due = session.scalar(
            select(func.count())
            .select_from(PostRow)
            .where(
                PostRow.status.in_([Status.PENDING.value, Status.RETRY_WAIT.value]),
                PostRow.next_attempt_at <= now,
                not_paused(),
                *(
                    [PostRow.campaign_id.in_(select(CampaignRow.id).where(CampaignRow.name == campaign))]
                    if campaign
                    else []
                ),
            )
        )
    return StatusRows(counts, upcoming, problems, int(due or 0), recent_daemons(store, limit=20), noted)
