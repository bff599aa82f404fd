"""Groups of a report's posts (by campaign, network, account, day, week or post), and ordering.

Rules (docs/engagement.md): a metric is summed over the posts that know it (a group where no post
knows it shows "n/a"); the engagement rate is (likes + reposts + replies + quotes) / views, over
posts whose views are known (and above 0) only; a group's growth is the sum over its posts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from socialpost.engagement.metrics import METRICS
from socialpost.i18n import _
from socialpost.report.facts import NOT_OUT, SENT, PostFacts

GROUPINGS = ("post", "campaign", "network", "account", "day", "week")
SORT_KEYS = (*METRICS, "interactions", "rate", "posts", "sent", "time")
T = TypeVar("T", "PostFacts", "Group")


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
        return sum(1 for p in self.posts if p.status == SENT)

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
        """The group object of the report's JSON (the same figures as the properties, metric by
        metric over the posts' dicts: a group can hold every post of the report)."""
        counts = dict(Counter(p.status for p in self.posts))  # in order of first appearance
        not_out = sum(n for status, n in counts.items() if status in NOT_OUT)
        measured = [p for p in self.posts if p.latest is not None]
        with_metrics = len(measured)
        readings = [p.metrics for p in measured]
        totals: dict[str, int | None] = {}
        known: dict[str, int] = {}
        for metric in METRICS:
            found = [v for metrics in readings if (v := metrics.get(metric)) is not None]
            known[metric] = len(found)
            totals[metric] = sum(found) if found else None
        counted = [(p.interactions, p.metrics.get("views")) for p in measured if p.interactions is not None]
        engaged = sum(count for count, _views in counted) if counted else None
        rate_views = rate_engaged = 0
        for count, views in counted:
            if views is not None and views > 0:
                rate_views += views
                rate_engaged += count
        changes = [p.growth for p in measured if p.growth is not None]
        any_growth = bool(changes)
        grown: dict[str, int | None] = {}
        for metric in METRICS:
            found = [v for change in changes if (v := change.get(metric)) is not None]
            grown[metric] = sum(found) if found else None
        return {
            "key": self.key,
            "posts": len(self.posts),
            "sent": counts.get(SENT, 0),
            "not_out": not_out,
            "counts": counts,
            "with_metrics": with_metrics,
            "metrics": totals,
            "known": known,
            "interactions": engaged,
            "rate": rate_engaged / rate_views if rate_views else None,
            "growth": grown if any_growth else None,
        }


def group_key(post: PostFacts, by: str) -> str:
    if by == "campaign":
        return post.campaign
    if by == "network":
        return post.network
    if by == "account":
        return post.account
    if by == "day":
        return post.local_when.date().isoformat()
    if by == "week":
        year, week, _day = post.local_when.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "post":
        return f"{post.campaign}/{post.id}/{post.account}"
    raise ValueError(
        _("cannot group by {value} (choose from {choices})").format(value=repr(by), choices=", ".join(GROUPINGS))
    )


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
        raise ValueError(
            _("cannot sort by {value} (choose from {choices})").format(value=repr(key), choices=", ".join(SORT_KEYS))
        )
    if key == "time":
        return sorted(items, key=lambda item: item.sort_value("time") or 0.0)
    indexed = list(enumerate(items))
    indexed.sort(key=lambda pair: (pair[1].sort_value(key) is None, -(pair[1].sort_value(key) or 0.0), pair[0]))
    return [item for _index, item in indexed]
