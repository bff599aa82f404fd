"""Likes, boosts, replies and quotes per status."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from socialpost.i18n import _
from socialpost.networks.mastodon.client import MastodonClient

log = logging.getLogger("socialpost.networks.mastodon")


class MetricsPart(MastodonClient):
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        """Likes, boosts, replies and (Mastodon 4.5+) quotes per status; a deleted status is left out."""
        result: dict[str, dict[str, int | None]] = {}
        for remote_id in remote_ids:
            status = self._unless_gone(
                _("reading status {id}").format(id=remote_id),
                "status",
                remote_id,
                lacking="metrics",
            )
            if status is None:
                continue
            result[remote_id] = {
                "views": None,
                "likes": _count(status.get("favourites_count")),
                "reposts": _count(status.get("reblogs_count")),
                "replies": _count(status.get("replies_count")),
                "quotes": _count(status.get("quotes_count")),
                "bookmarks": None,
                "clicks": None,
            }
        return result


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
