"""What Threads tells about published posts: insights (metrics) and conversations (the inbox).

Insights: ``GET /{media}/insights?metric=views,likes,replies,reposts,quotes,shares`` (lifetime
values) mapped to socialpost's normalised metrics (:mod:`socialpost.engagement.metrics`); a
metric Threads does not answer is absent, never 0. Conversations: ``GET /{media}/conversation``
gives every reply under a post, at any depth, with ``replied_to`` and ``root_post``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from socialpost.networks.base import Reply
from socialpost.networks.common.numbers import as_int

INSIGHTS = ("views", "likes", "replies", "reposts", "quotes", "shares")
# Threads' name → socialpost's (shares are sends, which no normalised metric counts: kept raw)
METRIC_NAMES = {"views": "views", "likes": "likes", "replies": "replies", "reposts": "reposts", "quotes": "quotes"}
REPLY_FIELDS = "id,text,username,timestamp,permalink,is_reply_owned_by_me,replied_to,root_post"


def metrics_of(answer: Mapping[str, Any]) -> dict[str, int | None]:
    """An insights answer → the normalised metrics it gives (others absent)."""
    found: dict[str, int | None] = {}
    data = answer.get("data")
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict):
            continue
        name = METRIC_NAMES.get(str(entry.get("name")))
        if name is None:
            continue
        found[name] = _value(entry)
    return found


def _value(entry: Mapping[str, Any]) -> int | None:
    total = entry.get("total_value")
    if isinstance(total, dict):
        return as_int(total.get("value"))
    values = entry.get("values")
    if isinstance(values, list) and values and isinstance(values[-1], dict):
        number = as_int(values[-1].get("value"))
        return number if number is None or number >= 0 else None
    return None


def replies_of(answer: Mapping[str, Any], root: str) -> list[Reply]:
    """A conversation answer → the replies under ``root``, oldest first."""
    found: list[Reply] = []
    data = answer.get("data")
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        parent = item.get("replied_to")
        found.append(
            Reply(
                remote_id=str(item["id"]),
                in_reply_to=str(parent.get("id")) if isinstance(parent, dict) and parent.get("id") else root,
                post_remote_id=root,
                author="@" + str(item.get("username") or ""),
                author_name="",
                text=str(item.get("text") or ""),
                created_at=graph_time(item.get("timestamp")),
                url=str(item["permalink"]) if item.get("permalink") else None,
                own=item.get("is_reply_owned_by_me") is True,
            )
        )
    found.sort(key=lambda r: (r.created_at is None, r.created_at or datetime.min))
    return found


def graph_time(value: Any) -> datetime | None:
    """Meta's ``2026-12-06T15:00:00+0000`` → an aware datetime."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
