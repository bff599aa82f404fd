"""Post metrics: reactions, comments and shares from the post's fields; views (``post_media_view``:
impressions, as every other network counts views) and clicks from the post's insights, under
configurable metric names (Meta renamed and removed many in 2024–2025). Graph batch requests fetch
up to 25 posts (50 requests) per call."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from socialpost.networks.common.meta import BATCH_LIMIT, item_reason
from socialpost.networks.common.numbers import as_int
from socialpost.networks.facebook.client import FacebookClient

log = logging.getLogger("socialpost.networks.facebook")

FIELDS = "reactions.summary(total_count).limit(0),comments.summary(true).limit(0),shares"


class PostMetrics(FacebookClient):
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        wanted = dict(self.settings.insights_metrics)
        per_post = 2 if wanted else 1
        results: dict[str, dict[str, int | None]] = {}
        ids = list(dict.fromkeys(remote_ids))
        step = BATCH_LIMIT // per_post
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            requests: list[dict[str, str]] = []
            for post_id in chunk:
                requests.append({"method": "GET", "relative_url": f"{post_id}?fields={FIELDS}"})
                if wanted:
                    metrics = ",".join(dict.fromkeys(wanted.values()))
                    requests.append({"method": "GET", "relative_url": f"{post_id}/insights?metric={metrics}"})
            answers = self._batch(requests)
            for index, post_id in enumerate(chunk):
                fields = answers[index * per_post]
                insights = answers[index * per_post + 1] if wanted else None
                results[post_id] = self._metrics(post_id, fields, insights, wanted)
        return results

    def _metrics(
        self,
        post_id: str,
        fields: tuple[int, Any],
        insights: tuple[int, Any] | None,
        wanted: Mapping[str, str],
    ) -> dict[str, int | None]:
        result: dict[str, int | None] = {"likes": None, "replies": None, "reposts": None}
        status, body = fields
        if status == 200 and isinstance(body, dict) and "error" not in body:
            result["likes"] = _summary_count(body.get("reactions"))
            result["replies"] = _summary_count(body.get("comments"))
            shares = body.get("shares")
            # Graph leaves the field out when nobody has shared the post
            result["reposts"] = as_int(shares.get("count")) if isinstance(shares, dict) else 0
        else:
            log.warning("%s: no engagement for %s (%s)", self._where, post_id, item_reason(status, body))
        if not wanted:
            return result
        for metric in wanted:
            result[metric] = None
        if insights is None:
            return result
        status, body = insights
        if status != 200 or not isinstance(body, dict) or "error" in body:
            log.warning(
                "%s: insights %s not available for %s (%s); check insights_metrics and the read_insights permission",
                self._where,
                ", ".join(wanted.values()),
                post_id,
                item_reason(status, body),
            )
            return result
        values = {
            str(entry.get("name")): _insight_value(entry)
            for entry in body.get("data", [])
            if isinstance(entry, dict) and entry.get("name")
        }
        for metric, graph_name in wanted.items():
            result[metric] = values.get(graph_name)
        return result


def _summary_count(edge: Any) -> int | None:
    if isinstance(edge, dict) and isinstance(edge.get("summary"), dict):
        return as_int(edge["summary"].get("total_count"))
    return None


def _insight_value(entry: Mapping[str, Any]) -> int | None:
    values = entry.get("values")
    if not isinstance(values, list) or not values or not isinstance(values[-1], dict):
        return None
    value = values[-1].get("value")
    if isinstance(value, dict):  # *_by_type metrics: {"like": 3, "love": 1}
        numbers = [as_int(v) for v in value.values()]
        return sum(n for n in numbers if n is not None)
    return as_int(value)
