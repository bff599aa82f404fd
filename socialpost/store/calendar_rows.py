"""What ``socialpost calendar`` reads: every post the report's filters let through, with what a
calendar entry needs (its text, whether it is paused, when its row last changed).

The filters are the report's (:class:`socialpost.store.report_rows.PostFilters`, the same meaning:
campaign, network, account, and a window on "sent, or due when not sent").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, EventRow, PostRow
from socialpost.store.pauses import not_paused
from socialpost.store.report_rows import PostFilters


@dataclass(frozen=True)
class CalendarRow:
    """One post to one account (one occurrence), as a calendar shows it."""

    campaign: str
    timezone: str
    post_key: str
    occurrence: str
    account: str
    network: str
    status: str
    due_at: datetime  # UTC
    sent_at: datetime | None
    payload: dict[str, Any]
    url: str | None
    reason: str | None
    paused: bool  # its campaign or its account is paused
    created_at: datetime
    updated_at: datetime
    changes: int  # events in its log after the first (scheduled): what an iCalendar SEQUENCE counts


def calendar_rows(store: Store, filters: PostFilters) -> list[CalendarRow]:
    """The posts ``filters`` let through, by due time, campaign, post and account."""
    paused = ~not_paused()
    events = select(func.count()).where(EventRow.post_id == PostRow.id).scalar_subquery()
    query = (
        select(PostRow, CampaignRow.name, CampaignRow.timezone, paused, events)
        .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
        .order_by(PostRow.due_at, CampaignRow.name, PostRow.post_key, PostRow.account)
    )
    for name, column in (("campaign", CampaignRow.name), ("network", PostRow.network), ("account", PostRow.account)):
        value = getattr(filters, name)
        if value is not None:
            query = query.where(column == value)
    when = func.coalesce(PostRow.sent_at, PostRow.due_at)
    if filters.since is not None:
        query = query.where(when >= filters.since)
    if filters.until is not None:
        query = query.where(when < filters.until)
    with store.session() as session:
        return [
            CalendarRow(
                campaign=name,
                timezone=timezone,
                post_key=row.post_key,
                occurrence=row.occurrence,
                account=row.account,
                network=row.network,
                status=row.status,
                due_at=_utc(row.due_at),
                sent_at=_utc(row.sent_at) if row.sent_at is not None else None,
                payload=dict(row.payload or {}),
                url=row.remote_url,
                reason=row.last_error,
                paused=bool(is_paused),
                created_at=_utc(row.created_at),
                updated_at=_utc(row.updated_at),
                changes=max(0, int(logged) - 1),
            )
            for row, name, timezone, is_paused, logged in session.execute(query)
        ]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
