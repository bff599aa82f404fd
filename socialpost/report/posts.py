"""`socialpost report`: every post of every campaign, its outcome and its latest engagement.

The default view (and its ``--json`` shape, ``{"campaigns": [...]}``, documented in the README and
docs/engagement.md) groups posts by campaign. Fields are only ever added to it, never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from socialpost.report.aggregate import load_posts
from socialpost.report.facts import Filters, PostFacts, Snapshot
from socialpost.report.groups import Group, sort_by
from socialpost.report.jsontext import RawJSON

if TYPE_CHECKING:
    from socialpost.store.db import Store

# Kept under their first names: other commands (the demo) render these.
Engagement = Snapshot
PostReport = PostFacts


@dataclass
class CampaignReport:
    campaign: str
    posts: list[PostFacts]  # those shown (``--top`` keeps the best sent posts and every one not out)
    all_posts: list[PostFacts] | None = None  # every post of the campaign the filters let through

    @property
    def everything(self) -> list[PostFacts]:
        return self.all_posts if self.all_posts is not None else self.posts

    def count(self, status: str) -> int:
        return sum(1 for p in self.everything if p.status == status)

    @property
    def summary(self) -> Group:
        return Group(self.campaign, list(self.everything))

    def as_json(self, *, encoded: bool = False) -> dict[str, Any]:
        """The campaign object of the report's JSON; with ``encoded``, its posts are already JSON
        text (:class:`RawJSON`, for :func:`socialpost.report.jsontext.dumps`)."""
        counts: dict[str, int] = {}
        for post in self.everything:
            counts[post.status] = counts.get(post.status, 0) + 1
        summary = self.summary.as_json()
        del summary["key"], summary["counts"]
        return {
            "campaign": self.campaign,
            "counts": counts,
            "posts": RawJSON.array(p.json_text() for p in self.posts) if encoded else [p.as_json() for p in self.posts],
            "summary": summary,
        }


def top_posts(posts: list[PostFacts], sort: str | None, top: int | None) -> list[PostFacts]:
    """``posts`` in ``sort`` order; with ``top``, the first ``top`` that went out and, after them,
    every post that did not (a report never looks better than reality)."""
    ordered = sort_by(posts, sort)
    if top is None:
        return ordered
    return [p for p in ordered if not p.not_out][:top] + [p for p in ordered if p.not_out]


def campaign_reports(
    store: Store,
    *,
    campaign: str | None = None,
    filters: Filters | None = None,
    sort: str | None = None,
    top: int | None = None,
    posts: list[PostFacts] | None = None,
) -> list[CampaignReport]:
    if posts is None:
        if filters is None:
            filters = Filters(campaign=campaign)
        posts = load_posts(store, filters)
    return reports_from(posts, sort=sort, top=top)


def reports_from(posts: list[PostFacts], *, sort: str | None = None, top: int | None = None) -> list[CampaignReport]:
    """One report per campaign of ``posts`` (in the order they come), each sorted and cut as asked."""
    by_campaign: dict[str, list[PostFacts]] = {}
    for post in posts:
        by_campaign.setdefault(post.campaign, []).append(post)
    reports = []
    for name, items in by_campaign.items():
        shown = top_posts(items, sort, top)
        reports.append(CampaignReport(name, shown, items if len(shown) != len(items) or sort else None))
    return reports
