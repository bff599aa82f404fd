"""The normalised metrics, "not available" versus zero, and the engagement rate.

Every adapter answers with these names (``socialpost.networks.base.Network.fetch_metrics``). A
metric the network cannot give is ``None`` — "not available" — and never 0: a Bluesky post has no
view count, which is not the same as nobody having seen it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

METRICS = ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks")
INTERACTIONS = ("likes", "reposts", "replies", "quotes")  # the numerator of the engagement rate
RAW_ON = "views"  # the snapshot row that carries the adapter's whole answer in ``raw``


def normalise(answer: Mapping[str, Any]) -> dict[str, int | None]:
    """An adapter's answer for one post → every normalised metric, None where not available.

    Absent keys, None, booleans, negative numbers and anything not a whole number are "not
    available": a broken value is never shown as a count.
    """
    result: dict[str, int | None] = {}
    for metric in METRICS:
        result[metric] = _count(answer.get(metric))
    return result


def _count(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def interactions(metrics: Mapping[str, int | None]) -> int | None:
    """likes + reposts + replies + quotes, counting only those the network gives; None if it gives none."""
    known = [metrics[m] for m in INTERACTIONS if metrics.get(m) is not None]
    return sum(v for v in known if v is not None) if known else None


def engagement_rate(metrics: Mapping[str, int | None]) -> float | None:
    """(likes + reposts + replies + quotes) / views, only where views are known and above 0."""
    views = metrics.get("views")
    total = interactions(metrics)
    if views is None or views <= 0 or total is None:
        return None
    return total / views


def growth(latest: Mapping[str, int | None], previous: Mapping[str, int | None] | None) -> dict[str, int | None] | None:
    """Per metric, latest minus previous; None for a metric either snapshot does not know."""
    if previous is None:
        return None
    return {
        metric: now - before if now is not None and (before := previous.get(metric)) is not None else None
        for metric, now in latest.items()
    }
