"""``socialpost report --csv``: the report as a spreadsheet (one header row, comma-separated, UTF-8).

An empty cell is "not available" (the network does not give that metric), never 0. Text cells that
a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) get a leading ``'``.
A post's text keeps its line breaks inside its quoted cell (RFC 4180), which spreadsheets read as one
cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from socialpost.engagement.metrics import METRICS
from socialpost.report.facts import PostFacts
from socialpost.report.groups import Group

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
    # sent_at, collected_at, previous_collected_at in the campaign's zone, ISO 8601 with the offset
    # (added after the others; the text stays last)
    "sent_at_local",
    "collected_at_local",
    "previous_collected_at_local",
    "text",  # the post's text as sent (the first part of a thread; --json has every part)
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


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def _write(columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """The CSV text. Counts go in as they are: the writer writes an int's digits and None as an
    empty cell (quicker than formatting each of the report's hundreds of thousands of cells)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(columns))
    writer.writerows(rows)
    return out.getvalue()


def posts_csv(posts: Iterable[PostFacts]) -> str:
    rows = []
    for post in posts:
        latest = post.latest
        previous = post.previous
        grown = post.growth
        rows.append(
            [
                _text(post.campaign),
                _text(post.id),
                _text(post.account),
                post.network,
                post.status,
                post.due_iso,
                post.local_time,
                post.sent_iso,
                _text(post.url),
                _text(post.reason),
                latest.collected_iso if latest else "",
                *map(post.metrics.get, METRICS),
                post.interactions,
                _rate(post.rate),
                previous.collected_iso if previous else "",
                *(map(grown.get, METRICS) if grown else _NOTHING),
                post.sent_local_iso,
                latest.local_iso(post.place) if latest else "",
                previous.local_iso(post.place) if previous else "",
                _text(post.text),
            ]
        )
    return _write(POST_COLUMNS, rows)


def groups_csv(groups: Iterable[Group], by: str) -> str:
    rows = []
    for group in groups:
        figures = group.as_json()
        grown = figures["growth"] or {}
        totals = figures["metrics"]
        rows.append(
            [
                by,
                _text(group.key),
                figures["posts"],
                figures["sent"],
                figures["not_out"],
                figures["with_metrics"],
                *map(totals.get, METRICS),
                figures["interactions"],
                _rate(figures["rate"]),
                *map(grown.get, METRICS),
            ]
        )
    return _write(GROUP_COLUMNS, rows)


_NOTHING = (None,) * len(METRICS)
