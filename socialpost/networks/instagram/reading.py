"""What an Instagram account reads: engagement (media fields and insights → the normalised
metrics), comments and their replies (the inbox), and answering a comment.

Metrics (developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights):
``like_count`` and ``comments_count`` are fields of the media; ``views``, ``shares`` and ``saved``
come from its insights. Instagram has no quotes or link clicks on a post: those stay None.
Comments: ``GET /{media}/comments`` with their ``replies``; an answer is ``POST /{comment}/replies``
(Instagram threads replies one level deep: an answer to a reply goes under its top comment).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialpost.errors import NetworkError, PermanentError
from socialpost.i18n import _
from socialpost.networks.base import Published, Reply
from socialpost.networks.common.comments import check_reply
from socialpost.networks.common.numbers import as_int
from socialpost.networks.instagram.checks import MAX_COMMENT

if TYPE_CHECKING:
    from socialpost.networks.instagram.client import GraphClient

log = logging.getLogger("socialpost.networks.instagram")

INSIGHTS = "views,shares,saved"
COMMENT_FIELDS = "id,text,username,timestamp,replies{id,text,username,timestamp}"
COMMENT_PAGES = 10  # requests per post, at most (50 comments each)


def metrics(call: GraphClient, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
    found: dict[str, dict[str, int | None]] = {}
    for media_id in remote_ids:
        try:
            fields = call("GET", media_id, {"fields": "like_count,comments_count"})
        except PermanentError as exc:  # gone, or not this account's: left out
            log.info("%s: no metrics for %s (%s)", call.account, media_id, exc.message)
            continue
        row: dict[str, int | None] = {
            "likes": as_int(fields.get("like_count")),
            "replies": as_int(fields.get("comments_count")),
        }
        try:
            insights = call("GET", f"{media_id}/insights", {"metric": INSIGHTS})
        except PermanentError as exc:  # a Story past 24 h, a missing permission: the counts above stay
            log.info("%s: no insights for %s (%s)", call.account, media_id, exc.message)
            insights = {}
        values = {str(item.get("name")): _value(item) for item in insights.get("data", []) if isinstance(item, dict)}
        row["views"] = values.get("views")
        row["reposts"] = values.get("shares")
        row["bookmarks"] = values.get("saved")
        found[media_id] = row
    return found


def _value(item: dict[str, Any]) -> int | None:
    values = item.get("values")
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return as_int(values[0].get("value"))
    total = item.get("total_value")
    return as_int(total.get("value")) if isinstance(total, dict) else None


def replies(call: GraphClient, remote_ids: Sequence[str], username: str) -> list[Reply]:
    found: list[Reply] = []
    for media_id in remote_ids:
        params: dict[str, Any] = {"fields": COMMENT_FIELDS, "limit": 50}
        for _page in range(COMMENT_PAGES):
            try:
                answer = call("GET", f"{media_id}/comments", params)
            except PermanentError as exc:
                if isinstance(exc, NetworkError) and exc.status == 404:
                    break
                raise
            for comment in answer.get("data", []):
                if not isinstance(comment, dict) or not comment.get("id"):
                    continue
                found.append(_reply(comment, media_id, media_id, username))
                nested = comment.get("replies")
                for child in nested.get("data", []) if isinstance(nested, dict) else []:
                    if isinstance(child, dict) and child.get("id"):
                        found.append(_reply(child, str(comment["id"]), media_id, username))
            after = ((answer.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not answer.get("data"):
                break
            params = {**params, "after": after}
    return found


def _reply(row: dict[str, Any], parent: str, root: str, username: str) -> Reply:
    author = str(row.get("username") or "")
    try:
        created = datetime.fromisoformat(str(row.get("timestamp")).replace("+0000", "+00:00"))
    except ValueError:
        created = None
    return Reply(
        remote_id=str(row["id"]),
        in_reply_to=parent,
        post_remote_id=root,
        author=f"@{author}" if author else "",
        author_name="",
        text=str(row.get("text") or ""),
        created_at=created,
        own=bool(username) and author.lower() == username.lower(),
    )


def answer(call: GraphClient, in_reply_to: str, text: str) -> Published:
    check_reply(
        text,
        where=call.where,
        limit=MAX_COMMENT,
        too_long=_("{where}: an Instagram comment takes at most {limit} characters; this one has {length}."),
    )
    made = call("POST", f"{in_reply_to}/replies", {"message": text})
    return Published(str(made.get("id") or ""))
