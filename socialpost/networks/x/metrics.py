"""Engagement metrics of X posts, within a daily read budget (X bills every post read)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, timedelta

from socialpost.errors import AuthError, ContentRejected
from socialpost.i18n import N_
from socialpost.networks.capabilities import MetricsReader
from socialpost.networks.common.numbers import as_int
from socialpost.networks.x.client import XClient
from socialpost.networks.x.posts import _chunks, _field, _snowflake_time
from socialpost.networks.x.state import _ReadBudget

log = logging.getLogger("socialpost.networks.x")

NON_PUBLIC_WINDOW = timedelta(days=29)  # X gives non-public metrics for own posts < 30 days old
PUBLIC_METRICS = ["public_metrics"]
PRIVATE_METRICS = ["public_metrics", "non_public_metrics", "organic_metrics"]


class Metrics(XClient, MetricsReader):
    """``fetch_metrics``: private metrics for recent own posts, public ones otherwise."""

    _budget: _ReadBudget

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        if not self.settings.collect_metrics:
            return {}
        ids = list(dict.fromkeys(str(i) for i in remote_ids if str(i).isdigit()))
        if not ids:
            return {}
        now = self.context.clock()
        granted = self._budget.take(len(ids), now.astimezone(UTC).date())
        if granted < len(ids):
            log.info(
                "%s: %d of %d posts skipped for metrics today (max_metric_reads_per_day=%d)",
                self.account,
                len(ids) - granted,
                len(ids),
                self.settings.max_metric_reads_per_day,
            )
        ids = ids[:granted]
        recent: list[str] = []
        older: list[str] = []
        for tweet_id in ids:
            created = _snowflake_time(tweet_id)
            (recent if created is not None and now - created < NON_PUBLIC_WINDOW else older).append(tweet_id)
        results: dict[str, dict[str, int | None]] = {}
        for batch in _chunks(recent, 100):
            got = self._metrics(batch, private=True)
            results.update(got)
            missing = [i for i in batch if i not in got]
            if missing:  # X refused the private fields for some: read them again, public only
                older += missing
        for batch in _chunks(older, 100):
            results.update(self._metrics(batch, private=False))
        return results

    def _metrics(self, ids: list[str], *, private: bool) -> dict[str, dict[str, int | None]]:
        fields = PRIVATE_METRICS if private else PUBLIC_METRICS
        try:
            body = self._read(N_("read metrics"), "/2/tweets", {"ids": ids, "post.fields": fields})
        except (ContentRejected, AuthError) as exc:
            if not private or exc.status not in (400, 403):
                raise
            return {}  # the private fields were refused for this batch: the caller reads it public only
        out: dict[str, dict[str, int | None]] = {}
        for tweet in body.get("data") or [] if isinstance(body, dict) else []:
            if not isinstance(tweet, dict) or not tweet.get("id"):
                continue
            public = tweet.get("public_metrics") or {}
            non_public = tweet.get("non_public_metrics")
            organic = tweet.get("organic_metrics")
            if private and non_public is None and organic is None:
                continue  # not given for this one: read again, public only
            private_data = {**(organic or {}), **(non_public or {})}
            views = public.get("impression_count", private_data.get("impression_count"))
            out[str(tweet["id"])] = {
                "views": as_int(views),
                "likes": as_int(public.get("like_count")),
                "reposts": as_int(_field(public, "repost_count", "retweet_count")),
                "replies": as_int(public.get("reply_count")),
                "quotes": as_int(public.get("quote_count")),
                "bookmarks": as_int(public.get("bookmark_count")),
                "clicks": as_int(private_data.get("url_link_clicks")) if private_data else None,
            }
        return out
