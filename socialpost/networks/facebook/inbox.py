"""Comments: every comment under each post, replies included (``GET /{post}/comments`` with
``filter=stream``), and answers as the Page (``POST /{comment}/comments``). Facebook threads are
one level deep."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from socialpost.errors import AuthError, PermanentError
from socialpost.i18n import _
from socialpost.networks.base import Published, Reply
from socialpost.networks.common.comments import check_reply
from socialpost.networks.common.meta import GraphNotFound, graph_time
from socialpost.networks.common.read_pause import ReadPause
from socialpost.networks.facebook.client import DEFAULT_RATE_DELAY, FacebookClient
from socialpost.networks.facebook.client import post_id as new_id

log = logging.getLogger("socialpost.networks.facebook")

INBOX_PERMISSIONS = ("pages_read_engagement", "pages_read_user_content")  # read the comments
REPLY_PERMISSIONS = ("pages_manage_engagement",)  # answer them as the Page
MAX_COMMENT = 8000  # characters in one comment
COMMENT_FIELDS = "id,from{id,name},message,created_time,parent{id},permalink_url"
COMMENTS_PAGE = 100  # comments per request
COMMENT_PAGES = 20  # requests per post, at most (2,000 comments)
PERMISSION_PAUSE = timedelta(hours=1)  # no comments read for a while after a permission error


class Comments(FacebookClient):
    """The inbox: the comments on the Page's posts, and answers to them."""

    _read_pause: ReadPause

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """Every comment under each post, replies to comments included (``GET /{post}/comments``
        with ``filter=stream``: one flat list, each reply naming its ``parent``), page after page.
        The Page's own comments are ``own``. A post that is gone is left out."""
        ids = list(dict.fromkeys(str(i) for i in remote_ids if str(i).strip()))
        if not ids:
            return []
        with self._read_pause.guard(rate=DEFAULT_RATE_DELAY, refused=PERMISSION_PAUSE):
            replies: list[Reply] = []
            for post_id in ids:
                try:
                    replies += self._comments(post_id)
                except GraphNotFound as exc:
                    log.info("%s: post %s is gone; no comments (%s)", self._where, post_id, exc.message)
            return replies

    def _comments(self, post_id: str) -> list[Reply]:
        params = {
            "filter": "stream",
            "order": "reverse_chronological",
            "limit": str(COMMENTS_PAGE),
            "fields": COMMENT_FIELDS,
        }
        replies: list[Reply] = []
        for _page in range(COMMENT_PAGES):
            data = self._call("GET", self._path(post_id, "comments"), params=params, permissions=INBOX_PERMISSIONS)
            items = data.get("data") if isinstance(data, dict) else None
            for item in items if isinstance(items, list) else []:
                reply = _comment_reply(item, post_id, self.settings.page_id)
                if reply is not None:
                    replies.append(reply)
            paging = data.get("paging") if isinstance(data, dict) else None
            cursors = paging.get("cursors") if isinstance(paging, dict) and paging.get("next") else None
            after = cursors.get("after") if isinstance(cursors, dict) else None
            if not after:
                return replies
            params = {**params, "after": str(after)}
        log.info(
            "%s: post %s has more than %d comments; only the newest are read",
            self._where,
            post_id,
            COMMENTS_PAGE * COMMENT_PAGES,
        )
        return replies

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer a comment as the Page (``POST /{comment}/comments``). Facebook threads are one
        level deep: an answer to a reply goes under the comment that reply belongs to."""
        check_reply(
            text,
            where=self._where,
            limit=MAX_COMMENT,
            too_long=_("{where}: the reply is {length} characters; a Facebook comment takes at most {limit}."),
        )
        target = self._thread_of(in_reply_to)
        data = self._call(
            "POST",
            self._path(target, "comments"),
            data={"message": text},
            publishing=True,
            permissions=REPLY_PERMISSIONS,
        )
        return Published(new_id(data, self._where), None)

    def _thread_of(self, comment_id: str) -> str:
        """The comment an answer to ``comment_id`` goes under: its parent when it is a reply."""
        try:
            data = self._call(
                "GET", self._path(comment_id), params={"fields": "id,parent{id}"}, permissions=INBOX_PERMISSIONS
            )
        except GraphNotFound:
            raise PermanentError(
                _("{where}: the comment {id} is gone; it cannot be answered.").format(where=self._where, id=comment_id),
                hint=_("Refresh the inbox: socialpost inbox"),
            ) from None
        except AuthError:
            return comment_id  # not allowed to read it: answer it directly
        parent = data.get("parent") if isinstance(data, dict) else None
        return str(parent["id"]) if isinstance(parent, dict) and parent.get("id") else comment_id


def _comment_reply(item: Any, post_id: str, page_id: str) -> Reply | None:
    """One Graph comment as an inbox reply (None when it has no id)."""
    if not isinstance(item, dict) or not item.get("id"):
        return None
    author: dict[str, Any] = item["from"] if isinstance(item.get("from"), dict) else {}
    parent: dict[str, Any] = item["parent"] if isinstance(item.get("parent"), dict) else {}
    link = item.get("permalink_url")
    return Reply(
        remote_id=str(item["id"]),
        in_reply_to=str(parent.get("id") or post_id),
        post_remote_id=post_id,
        # Graph leaves "from" out when the person's profile is not visible to the app
        author=str(author.get("name") or author.get("id") or "?"),
        author_name="",
        text=str(item.get("message") or ""),
        created_at=graph_time(item.get("created_time")),
        url=str(link) if link else None,
        own=str(author.get("id") or "") == page_id,
    )
