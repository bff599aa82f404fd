"""Likes, reposts, replies, quotes and bookmarks per post (app.bsky.feed.getPosts)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import unquote

from socialpost.i18n import _
from socialpost.networks.bluesky.client import POST_COLLECTION, BlueskyClient

METRICS_BATCH = 25  # app.bsky.feed.getPosts takes at most 25 URIs


class MetricsPart(BlueskyClient):
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        wanted: dict[str, str] = {}  # at:// URI → the remote id we were given
        for remote_id in remote_ids:
            uri = to_at_uri(remote_id)
            if uri:
                wanted.setdefault(uri, remote_id)
        uris = list(wanted)
        result: dict[str, dict[str, int | None]] = {}
        for start in range(0, len(uris), METRICS_BATCH):
            batch = uris[start : start + METRICS_BATCH]
            answer = self._call(_("reading metrics"), _get_posts(batch))
            by_tail = {_uri_tail(u): u for u in batch}
            for view in answer.posts:
                uri = str(view.uri)
                asked = uri if uri in wanted else by_tail.get(_uri_tail(uri))
                if asked is None:
                    continue
                result[wanted[asked]] = {
                    "views": None,
                    "likes": _count(view, "like_count"),
                    "reposts": _count(view, "repost_count"),
                    "replies": _count(view, "reply_count"),
                    "quotes": _count(view, "quote_count"),
                    "bookmarks": _count(view, "bookmark_count"),
                    "clicks": None,
                }
        return result


def _get_posts(uris: list[str]) -> Callable[[Any], Any]:
    return lambda client: client.get_posts(uris)


def _count(view: Any, name: str) -> int | None:
    value = getattr(view, name, None)
    return int(value) if isinstance(value, int) else None


def _uri_tail(uri: str) -> str:
    return uri.removeprefix("at://").partition("/")[2]


_WEB_POST = re.compile(r"^https?://(?:www\.)?bsky\.app/profile/([^/\s]+)/post/([^/?#\s]+)")


def to_at_uri(remote_id: str) -> str | None:
    """An at:// post URI from what a user may have recorded: the URI itself or a bsky.app link."""
    remote_id = remote_id.strip()
    if remote_id.startswith("at://"):
        return remote_id
    match = _WEB_POST.match(remote_id)
    if match:
        return f"at://{unquote(match.group(1))}/{POST_COLLECTION}/{match.group(2)}"
    return None
