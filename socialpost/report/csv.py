"""``socialpost report --csv``: the report as a spreadsheet (one header row, comma-separated, UTF-8).

An empty cell is "not available" (the network does not give that metric), never 0. Text cells that
a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) get a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from socialpost.engagement.metrics import METRICS
from socialpost.report.aggregate import Group, PostFacts

POST_COLUMNS = (
    "campaign",
    "id",
    "account",
    "network",
    "status",
    "due_at",
    "local_time",
    "sent_at",
    "url",
    "reason",
    "collected_at",
    *METRICS,
    "interactions",
    "rate",
    "previous_collected_at",
    *(f"growth_{m}" for m in METRICS),
)
GROUP_COLUMNS = (
    "by",
    "key",
    "posts",
    "sent",
    "not_out",
    "with_metrics",
    *METRICS,
    "interactions",
    "rate",
    *(f"growth_{m}" for m in METRICS),
)


def _text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


def _num(value: int | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


def _write(columns: Iterable[str], rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(columns))
    writer.writerows(rows)
    return out.getvalue()


def posts_csv(posts: Iterable[PostFacts]) -> str:
    rows = []
    for post in posts:
        metrics = post.metrics
        grown = post.growth or {}
        row: list[Any] = [
            _text(post.campaign),
            _text(post.id),
            _text(post.account),
            post.network,
            post.status,
            post.due_iso,
            post.local_time,
            post.sent_iso or "",
            _text(post.url),
            _text(post.reason),
            post.latest.collected_iso if post.latest else "",
            *(_num(metrics.get(m)) for m in METRICS),
            _num(post.interactions),
            _num(post.rate),
            post.previous.collected_iso if post.previous else "",
            *(_num(grown.get(m)) for m in METRICS),
        ]
        rows.append(row)
    return _write(POST_COLUMNS, rows)


def groups_csv(groups: Iterable[Group], by: str) -> str:
    rows = []
    for group in groups:
        grown = group.growth or {}
        rows.append(
            [
                by,
                _text(group.key),
                str(len(group.posts)),
                str(group.sent),
                str(group.not_out),
                str(group.with_metrics),
                *(_num(group.total(m)) for m in METRICS),
                _num(group.interactions),
                _num(group.rate),
                *(_num(grown.get(m)) for m in METRICS),
            ]
        )
    return _write(GROUP_COLUMNS, rows)
