"""`socialpost report`: every post of every campaign, its outcome and its latest engagement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, PostRow, SnapshotRow, display_id
from socialpost.timeutil import iso_utc


@dataclass
class Engagement:
    collected_at: datetime
    metrics: dict[str, int | None]  # None: the network does not give this metric

    def as_json(self) -> dict[str, Any]:
        return {"collected_at": iso_utc(self.collected_at), "metrics": self.metrics}


@dataclass
class PostReport:
    id: str
    account: str
    status: str
    due_at: datetime
    local_time: str
    sent_at: datetime | None
    url: str | None
    reason: str | None
    engagement: Engagement | None

    @property
    def network(self) -> str:
        return self.account.split(":", 1)[0]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account": self.account,
            "network": self.network,
            "status": self.status,
            "due_at": iso_utc(self.due_at),
            "local_time": self.local_time,
            "sent_at": iso_utc(self.sent_at) if self.sent_at else None,
            "url": self.url,
            "reason": self.reason,
            "engagement": self.engagement.as_json() if self.engagement else None,
        }


@dataclass
class CampaignReport:
    campaign: str
    posts: list[PostReport]

    def count(self, status: str) -> int:
        return sum(1 for p in self.posts if p.status == status)

    def as_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for post in self.posts:
            counts[post.status] = counts.get(post.status, 0) + 1
        return {"campaign": self.campaign, "counts": counts, "posts": [p.as_json() for p in self.posts]}


def campaign_reports(store: Store, *, campaign: str | None = None) -> list[CampaignReport]:
    with store.session() as session:
        query = (
            select(PostRow, CampaignRow.name)
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .order_by(CampaignRow.name, PostRow.due_at, PostRow.post_key, PostRow.account)
        )
        if campaign is not None:
            query = query.where(CampaignRow.name == campaign)
        rows = session.execute(query).all()
        latest = _latest_snapshots(session, [row.id for row, _ in rows])
    reports: dict[str, CampaignReport] = {}
    for row, name in rows:
        report = reports.setdefault(name, CampaignReport(name, []))
        report.posts.append(
            PostReport(
                id=display_id(row.post_key, row.occurrence),
                account=row.account,
                status=row.status,
                due_at=row.due_at,
                local_time=row.local_time,
                sent_at=row.sent_at,
                url=row.remote_url,
                reason=row.last_error,
                engagement=latest.get(row.id),
            )
        )
    return list(reports.values())


def _latest_snapshots(session: Any, post_ids: list[int]) -> dict[int, Engagement]:
    if not post_ids:
        return {}
    newest = (
        select(SnapshotRow.post_id, func.max(SnapshotRow.collected_at).label("at"))
        .group_by(SnapshotRow.post_id)
        .subquery()
    )
    result: dict[int, Engagement] = {}
    query = select(SnapshotRow).join(
        newest, (newest.c.post_id == SnapshotRow.post_id) & (newest.c.at == SnapshotRow.collected_at)
    )
    wanted = set(post_ids)
    for snap in session.scalars(query):
        if snap.post_id not in wanted:
            continue
        engagement = result.setdefault(snap.post_id, Engagement(snap.collected_at, {}))
        engagement.metrics[snap.metric] = snap.value
    return result
