"""YouTube statistics: ``videos.list(part=statistics)``, 50 ids per call."""

from __future__ import annotations

from collections.abc import Sequence

from socialpost.networks.common.numbers import as_int
from socialpost.networks.youtube.client import YouTubeClient

STATS_BATCH = 50  # videos.list takes at most 50 ids


class Statistics(YouTubeClient):
    """Views, likes and comment counts of our videos."""

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        ids = list(dict.fromkeys(i for i in remote_ids if i))
        found: dict[str, dict[str, int | None]] = {}
        for start in range(0, len(ids), STATS_BATCH):
            batch = ids[start : start + STATS_BATCH]
            data = self._execute(
                "videos.list",
                # maxResults is "not supported for use in conjunction with the id parameter"
                self._service().videos().list(part="statistics", id=",".join(batch)),
            )
            for item in data.get("items", []) if isinstance(data, dict) else []:
                stats = item.get("statistics") or {}
                found[str(item.get("id"))] = {
                    "views": as_int(stats.get("viewCount")),
                    "likes": as_int(stats.get("likeCount")),  # hidden when the owner hides likes
                    "replies": as_int(stats.get("commentCount")),  # absent when comments are off
                    "reposts": None,
                    "quotes": None,
                    "bookmarks": None,
                    "clicks": None,
                }
        return found
