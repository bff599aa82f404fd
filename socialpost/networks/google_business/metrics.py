"""Views and button clicks of the account's posts: ``localPosts:reportInsights`` (v4).

``POST /v4/accounts/{a}/locations/{l}/localPosts:reportInsights`` with up to 100 post names and a
``basicRequest`` for ``ALL`` metrics over a time range answers ``LOCAL_POST_VIEWS_SEARCH`` (how
often the post was seen in Search and Maps: ``views``) and ``LOCAL_POST_ACTIONS_CALL_TO_ACTION``
(clicks on its button: ``clicks``), each an ``AGGREGATED_TOTAL``. Google reports nothing else per
post (no likes, replies or shares: those stay None).

Google marked the v4 insights methods deprecated and the Business Profile Performance API, their
replacement, reports only per location, never per post. When Google answers that the method is
gone (404 or 501), the account reports no figures (an empty answer: "not available", never 0) and
says so once in the log; ``accounts test`` shows it too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from socialpost.errors import PermanentError
from socialpost.networks.common.numbers import as_int
from socialpost.timeutil import iso_utc

if TYPE_CHECKING:
    from socialpost.networks.google_business.client import GoogleClient
    from socialpost.networks.google_business.settings import GoogleBusinessSettings

log = logging.getLogger("socialpost.networks.google_business")

BATCH = 100  # localPostNames per call
SPAN = timedelta(days=540)  # Google keeps insights for 18 months
METRICS = {"LOCAL_POST_VIEWS_SEARCH": "views", "LOCAL_POST_ACTIONS_CALL_TO_ACTION": "clicks"}
GONE = (404, 501)


def insights(
    call: GoogleClient, settings: GoogleBusinessSettings, remote_ids: Sequence[str]
) -> dict[str, dict[str, int | None]]:
    names = [n for n in dict.fromkeys(remote_ids) if n.startswith(settings.parent + "/localPosts/")]
    now = call.clock()
    found: dict[str, dict[str, int | None]] = {}
    for start in range(0, len(names), BATCH):
        body: dict[str, Any] = {
            "localPostNames": names[start : start + BATCH],
            "basicRequest": {
                "metricRequests": [{"metric": "ALL"}],
                "timeRange": {"startTime": iso_utc(now - SPAN), "endTime": iso_utc(now)},
            },
        }
        try:
            answer = call("posts", "POST", f"v4/{settings.parent}/localPosts:reportInsights", body)
        except PermanentError as exc:
            if exc.status in GONE:
                log.info("%s: Google no longer reports figures per post (%s)", call.name, exc.message)
                return {}
            raise
        for entry in answer.get("localPostMetrics") or []:
            if not isinstance(entry, dict) or not entry.get("localPostName"):
                continue
            row: dict[str, int | None] = {
                "views": None, "likes": None, "replies": None, "reposts": None,
                "quotes": None, "bookmarks": None, "clicks": None,
            }  # fmt: skip
            for value in entry.get("metricValues") or []:
                key = METRICS.get(str(value.get("metric"))) if isinstance(value, dict) else None
                total = value.get("totalValue") if key else None
                if key and isinstance(total, dict):
                    row[key] = as_int(total.get("value"))
            found[str(entry["localPostName"])] = row
    return found
