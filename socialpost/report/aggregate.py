"""Report data: each post with its latest and previous snapshot, and groups of posts.

Reading is built for big stores (``bench/report.py``: a million snapshot rows): the posts and each
post's latest and previous snapshot come in one query of plain columns, from ``posts`` and the
one-row-per-post summary ``engagement_latest`` that every snapshot write keeps up to date (the
history in ``engagement_snapshots`` is not read).

Rules (docs/engagement.md):

* a metric is summed over the posts that know it; a group where no post knows it shows "n/a";
* the engagement rate is (likes + reposts + replies + quotes) / views, over posts whose views are
  known (and above 0) only;
* growth is latest minus previous snapshot, per post; a group's growth is the sum over its posts;
* posts that never went out (failed, missed, unknown, held) stay in every view, counted as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialpost.engagement.metrics import METRICS, engagement_rate, growth, interactions
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, LatestRow, PostRow, Status, display_id
from socialpost.timeutil import iso_utc, zone

GROUPINGS = ("post", "campaign", "network", "account", "day", "week")
NOT_OUT = (Status.FAILED.value, Status.MISSED.value, Status.UNKNOWN.value, Status.HELD.value)
SORT_KEYS = (*METRICS, "interactions", "rate", "posts", "sent", "time")
T = TypeVar("T", "PostFacts", "Group")


@dataclass(frozen=True)
class Filters:
    campaign: str | None = None
    network: str | None = None
    account: str | None = None
    since: datetime | None = None  # posts sent (or due, when not sent) at or after
    until: datetime | None = None  # … and before

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "network": self.network,
            "account": self.account,
            "since": iso_utc(self.since) if self.since else None,
            "until": iso_utc(self.until) if self.until else None,
        }


@dataclass(frozen=True)
class Snapshot:
    collected_at: datetime
    metrics: dict[str, int | None]  # only the metrics stored for this snapshot; None: not available

    def as_json(self) -> dict[str, Any]:
        return {"collected_at": _iso(self.collected_at), "metrics": self.metrics}


@dataclass
class PostFacts:
    row_id: int
    campaign: str
    timezone: str
    id: str
    account: str
    network: str
    status: str
    due_at: datetime
    local_time: str
    sent_at: datetime | None
    url: str | None
    reason: str | None
    latest: Snapshot | None = None
    previous: Snapshot | None = None

    @property
    def when(self) -> datetime:
        """When it went out, or was due to."""
        return self.sent_at or self.due_at

    @property
    def local_when(self) -> datetime:
        try:
            return self.when.astimezone(zone(self.timezone))
        except ValueError:
            return self.when

    @property
    def not_out(self) -> bool:
        return self.status in NOT_OUT

    @property
    def metrics(self) -> dict[str, int | None]:
        return self.latest.metrics if self.latest else {}

    @property
    def engagement(self) -> Snapshot | None:
        """The latest snapshot (the name the report's JSON uses)."""
        return self.latest

    # The figures are worked out once (a report reads each several times): set ``latest`` and
    # ``previous`` when building a PostFacts, not after.
    @cached_property
    def rate(self) -> float | None:
        return engagement_rate(self.metrics)

    @cached_property
    def interactions(self) -> int | None:
        return interactions(self.metrics)

    @cached_property
    def growth(self) -> dict[str, int | None] | None:
        if self.latest is None:
            return None
        return growth(self.latest.metrics, self.previous.metrics if self.previous else None)

    def engagement_json(self) -> dict[str, Any] | None:
        if self.latest is None:
            return None
        return {
            "collected_at": _iso(self.latest.collected_at),
            "metrics": self.latest.metrics,
            "rate": self.rate,
            "previous": self.previous.as_json() if self.previous else None,
            "growth": self.growth,
        }

    def as_json(self) -> dict[str, Any]:
        """The post object of the report's JSON contract (docs/engagement.md)."""
        return {
            "id": self.id,
            "account": self.account,
            "network": self.network,
            "status": self.status,
            "due_at": _iso(self.due_at),
            "local_time": self.local_time,
            "sent_at": _iso(self.sent_at) if self.sent_at else None,
            "url": self.url,
            "reason": self.reason,
            "engagement": self.engagement_json(),
        }

    def sort_value(self, key: str) -> float | None:
        if key == "rate":
            return self.rate
        if key == "interactions":
            value = self.interactions
            return None if value is None else float(value)
        if key == "time":
            return self.when.timestamp()
        if key in ("posts", "sent"):
            return None
        value = self.metrics.get(key)
        return None if value is None else float(value)


@dataclass
class Group:
    key: str
    posts: list[PostFacts] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for post in self.posts:
            out[post.status] = out.get(post.status, 0) + 1
        return out

    @property
    def sent(self) -> int:
        return sum(1 for p in self.posts if p.status == Status.SENT.value)

    @property
    def not_out(self) -> int:
        return sum(1 for p in self.posts if p.not_out)

    @property
    def with_metrics(self) -> int:
        return sum(1 for p in self.posts if p.latest is not None)

    def total(self, metric: str) -> int | None:
        known = [v for p in self.posts if (v := p.metrics.get(metric)) is not None]
        return sum(known) if known else None

    def known(self, metric: str) -> int:
        return sum(1 for p in self.posts if p.metrics.get(metric) is not None)

    @property
    def interactions(self) -> int | None:
        known = [v for p in self.posts if (v := p.interactions) is not None]
        return sum(known) if known else None

    @property
    def rate(self) -> float | None:
        views = 0
        total = 0
        for post in self.posts:
            seen = post.metrics.get("views")
            engaged = post.interactions
            if seen is not None and seen > 0 and engaged is not None:
                views += seen
                total += engaged
        return total / views if views else None

    @property
    def growth(self) -> dict[str, int | None] | None:
        grown = [g for p in self.posts if (g := p.growth) is not None]
        if not grown:
            return None
        out: dict[str, int | None] = {}
        for metric in METRICS:
            known = [v for g in grown if (v := g.get(metric)) is not None]
            out[metric] = sum(known) if known else None
        return out

    def sort_value(self, key: str) -> float | None:
        if key == "rate":
            return self.rate
        if key == "interactions":
            value = self.interactions
        elif key == "posts":
            value = len(self.posts)
        elif key == "sent":
            value = self.sent
        elif key == "time":
            return min(p.when for p in self.posts).timestamp() if self.posts else None
        else:
            value = self.total(key)
        return None if value is None else float(value)

    def as_json(self) -> dict[str, Any]:
        """The group object of the report's JSON (the same figures as the properties, in one pass)."""
        counts: dict[str, int] = {}
        totals: dict[str, int | None] = dict.fromkeys(METRICS)
        known = dict.fromkeys(METRICS, 0)
        grown: dict[str, int | None] = dict.fromkeys(METRICS)
        any_growth = False
        with_metrics = not_out = 0
        engaged: int | None = None
        rate_views = rate_engaged = 0
        for post in self.posts:
            counts[post.status] = counts.get(post.status, 0) + 1
            if post.status in NOT_OUT:
                not_out += 1
            if post.latest is None:
                continue
            with_metrics += 1
            metrics = post.latest.metrics
            for metric, value in metrics.items():
                if value is not None and metric in known:
                    known[metric] += 1
                    totals[metric] = (totals[metric] or 0) + value
            count = post.interactions
            if count is not None:
                engaged = (engaged or 0) + count
                views = metrics.get("views")
                if views is not None and views > 0:
                    rate_views += views
                    rate_engaged += count
            change = post.growth
            if change is not None:
                any_growth = True
                for metric, value in change.items():
                    if value is not None and metric in grown:
                        grown[metric] = (grown[metric] or 0) + value
        return {
            "key": self.key,
            "posts": len(self.posts),
            "sent": counts.get(Status.SENT.value, 0),
            "not_out": not_out,
            "counts": counts,
            "with_metrics": with_metrics,
            "metrics": totals,
            "known": known,
            "interactions": engaged,
            "rate": rate_engaged / rate_views if rate_views else None,
            "growth": grown if any_growth else None,
        }


def _iso(instant: datetime) -> str:
    """:func:`socialpost.timeutil.iso_utc`, quicker for the UTC instants the store gives back."""
    if instant.tzinfo is UTC:
        return instant.isoformat().replace("+00:00", "Z")
    return iso_utc(instant)


# --- reading ------------------------------------------------------------------------------------


def load_posts(store: Store, filters: Filters | None = None) -> list[PostFacts]:
    """Every post the filters let through, ordered by campaign, due time, post and account.

    One query of plain columns: the posts, and each post's row of ``engagement_latest`` (its newest
    and previous snapshot, kept by the collector) — never the snapshot history itself.
    """
    filters = filters or Filters()
    with store.session() as session:
        return _posts(session, filters)


def posts_query(filters: Filters) -> Any:
    """The report's one query: posts with their campaign and their engagement_latest row."""
    query = (
        select(
            PostRow.id,
            CampaignRow.name,
            CampaignRow.timezone,
            PostRow.post_key,
            PostRow.occurrence,
            PostRow.account,
            PostRow.network,
            PostRow.status,
            PostRow.due_at,
            PostRow.local_time,
            PostRow.sent_at,
            PostRow.remote_url,
            PostRow.last_error,
            *_LATEST_COLUMNS,
        )
        .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
        .outerjoin(LatestRow, LatestRow.post_id == PostRow.id)
        .order_by(CampaignRow.name, PostRow.due_at, PostRow.post_key, PostRow.account)
    )
    if filters.campaign is not None:
        query = query.where(CampaignRow.name == filters.campaign)
    if filters.network is not None:
        query = query.where(PostRow.network == filters.network)
    if filters.account is not None:
        query = query.where(PostRow.account == filters.account)
    when = func.coalesce(PostRow.sent_at, PostRow.due_at)
    if filters.since is not None:
        query = query.where(when >= filters.since)
    if filters.until is not None:
        query = query.where(when < filters.until)
    return query


def _posts(session: Session, filters: Filters) -> list[PostFacts]:
    query = posts_query(filters)
    posts = []
    width = len(METRICS)
    rows: Any = session.connection().execute(query)  # Core: plain tuples (29 columns), no ORM loading
    for row in rows:
        (row_id, name, tz, key, occurrence, account, network, status, due_at, local_time, sent_at, url, error) = row[
            :13
        ]
        latest = _snapshot(row[13], row[14], row[15 : 15 + width])
        previous = _snapshot(row[15 + width], row[16 + width], row[17 + width :]) if latest else None
        posts.append(
            PostFacts(
                row_id=row_id,
                campaign=name,
                timezone=tz,
                id=display_id(key, occurrence),
                account=account,
                network=network or account.split(":", 1)[0],
                status=status,
                due_at=due_at,
                local_time=local_time,
                sent_at=sent_at,
                url=url,
                reason=error,
                latest=latest,
                previous=previous,
            )
        )
    if filters.since is not None or filters.until is not None:
        # coalesce() of two UTC columns compares as stored; check again on the real instants
        posts = [
            p
            for p in posts
            if (filters.since is None or p.when >= filters.since) and (filters.until is None or p.when < filters.until)
        ]
    return posts


_LATEST_COLUMNS = (
    LatestRow.collected_at,
    LatestRow.stored,
    *(getattr(LatestRow, m) for m in METRICS),
    LatestRow.previous_collected_at,
    LatestRow.previous_stored,
    *(getattr(LatestRow, f"previous_{m}") for m in METRICS),
)


def _snapshot(at: datetime | None, stored: int | None, values: Sequence[int | None]) -> Snapshot | None:
    """A snapshot from its summary columns: only the metrics it stored (their None: not available)."""
    if at is None or not stored:
        return None
    metrics = {m: values[bit] for bit, m in enumerate(METRICS) if stored >> bit & 1}
    return Snapshot(at, metrics)


# --- grouping and ordering ----------------------------------------------------------------------


def group_key(post: PostFacts, by: str) -> str:
    if by == "campaign":
        return post.campaign
    if by == "network":
        return post.network
    if by == "account":
        return post.account
    if by == "day":
        return post.local_when.strftime("%Y-%m-%d")
    if by == "week":
        year, week, _ = post.local_when.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "post":
        return f"{post.campaign}/{post.id}/{post.account}"
    raise ValueError(f"cannot group by {by!r} (choose from {', '.join(GROUPINGS)})")


def group_posts(posts: Iterable[PostFacts], by: str) -> list[Group]:
    groups: dict[str, Group] = {}
    for post in posts:
        key = group_key(post, by)
        groups.setdefault(key, Group(key)).posts.append(post)
    return [groups[k] for k in sorted(groups)]


def sort_by(items: Sequence[T], key: str | None) -> list[T]:
    """Biggest first for a metric (unknown values last, ties in the given order); ``time`` oldest first."""
    if key is None:
        return list(items)
    if key not in SORT_KEYS:
        raise ValueError(f"cannot sort by {key!r} (choose from {', '.join(SORT_KEYS)})")
    if key == "time":
        return sorted(items, key=lambda item: item.sort_value("time") or 0.0)
    indexed = list(enumerate(items))
    indexed.sort(key=lambda pair: (pair[1].sort_value(key) is None, -(pair[1].sort_value(key) or 0.0), pair[0]))
    return [item for _, item in indexed]
