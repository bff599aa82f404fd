"""Graph API's batch endpoint as Meta runs it today, for the Facebook adapter's metrics tests.

    batch = GraphBatch(insights={"1_2": {"post_media_view": 250, "post_clicks": 9}})
    graph.post("/v24.0/").mock(side_effect=batch)      # a respx route

Each request of the batch (``batch=[{"method", "relative_url"}, …]`` in the form body, at most 50)
gets Graph's answer: the post's fields (reactions and comments summaries, ``shares`` left out when
nobody shared), its insights — and, as Graph does since Meta's 2024–2025 deprecations, an
invalid-metric error (code 100) for any metric name that is not a current post metric, for
example ``post_impressions`` and ``post_impressions_unique`` (developers.facebook.com/docs/
platforminsights/page/deprecated-metrics). A post the token cannot see is Graph's code 100,
subcode 33.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

# Post metrics Graph still answers (Page insights reference, checked 2026-12); every other name,
# including the retired post_impressions* family, is an invalid metric.
CURRENT_POST_METRICS = frozenset(
    {
        "post_media_view",  # impressions ("views")
        "post_total_media_view_unique",  # reach
        "post_clicks",
        "post_clicks_by_type",
        "post_reactions_by_type_total",
        "post_reactions_like_total",
        "post_video_views",
        "post_video_views_unique",
    }
)
MAX_BATCH = 50


def graph_error(code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException") -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


INVALID_METRIC = graph_error(100, "(#100) The value must be a valid insights metric")


def item(body: Any, code: int = 200) -> dict[str, Any]:
    return {"code": code, "headers": [], "body": json.dumps(body)}


@dataclass
class GraphBatch:
    """POST /{version}/ with ``batch``: one answer per request, in order."""

    reactions: int = 17
    comments: int = 4
    shares: int | None = 3  # None: nobody shared (Graph leaves the field out)
    insights: dict[str, dict[str, int]] = field(default_factory=dict)  # post id → metric → value
    missing: set[str] = field(default_factory=set)  # posts the token cannot see
    requests: list[list[dict[str, str]]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}
        batch = json.loads(form["batch"])
        self.requests.append(batch)
        if len(batch) > MAX_BATCH:
            return httpx.Response(
                400, json=graph_error(100, "(#100) Too many requests in batch message. Maximum batch size is 50")
            )
        return httpx.Response(200, json=[self._answer(entry) for entry in batch])

    def _answer(self, entry: dict[str, str]) -> dict[str, Any]:
        path, _sep, query = entry["relative_url"].partition("?")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        post = path.removesuffix("/insights")
        if post in self.missing:
            return item(
                graph_error(
                    100,
                    f"Unsupported get request. Object with ID '{post}' does not exist",
                    subcode=33,
                    kind="GraphMethodException",
                ),
                400,
            )
        if path.endswith("/insights"):
            names = params.get("metric", "").split(",")
            if not names or any(name not in CURRENT_POST_METRICS for name in names):
                return item(INVALID_METRIC, 400)
            values = self.insights.get(post, {})
            return item(
                {
                    "data": [
                        {
                            "name": name,
                            "period": "lifetime",
                            "values": [{"value": values.get(name, 0)}],
                            "title": f"Lifetime {name}",
                            "description": "Lifetime: …",
                            "id": f"{post}/insights/{name}/lifetime",
                        }
                        for name in names
                    ],
                    "paging": {"previous": "…", "next": "…"},
                }
            )
        body: dict[str, Any] = {
            "reactions": {"data": [], "summary": {"total_count": self.reactions, "viewer_reaction": "NONE"}},
            "comments": {"data": [], "summary": {"order": "chronological", "total_count": self.comments}},
            "id": post,
        }
        if self.shares is not None:
            body["shares"] = {"count": self.shares}
        return item(body)
