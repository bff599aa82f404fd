"""YouTube comments for the inbox: read with ``commentThreads.list``, answered with ``comments.insert``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialpost.errors import ContentRejected, PermanentError, TransientError
from socialpost.i18n import _, formats
from socialpost.networks.base import Published, Reply
from socialpost.networks.common.numbers import as_int
from socialpost.networks.youtube.client import YouTubeClient, log
from socialpost.networks.youtube.confirm import _when
from socialpost.networks.youtube.publish import watch_url

COMMENT_PAGES = 5  # commentThreads.list pages read per fetch (100 threads each)
MAX_COMMENT = 10_000


@dataclass(frozen=True)
class Comment:
    """A top-level comment on one of our videos (``id`` is what :meth:`YouTubeNetwork.reply` takes)."""

    id: str
    thread_id: str
    video_id: str
    author: str
    author_channel_id: str | None
    text: str
    published_at: datetime | None
    like_count: int | None
    reply_count: int | None

    @property
    def url(self) -> str:
        return f"{watch_url(self.video_id)}&lc={self.id}"


class Comments(YouTubeClient):
    """The inbox: comments on our videos (``commentThreads.list``) and answers (``comments.insert``)."""

    def fetch_comments(self, video_id: str, *, max_pages: int = COMMENT_PAGES) -> list[Comment]:
        """The newest comment threads on ``video_id`` (their top-level comments)."""
        comments: list[Comment] = []
        token: str | None = None
        for _page in range(max_pages):
            params: dict[str, Any] = {
                "part": "snippet",
                "videoId": video_id,
                "maxResults": 100,
                "order": "time",
                "textFormat": "plainText",
            }
            if token:
                params["pageToken"] = token
            data = self._execute("commentThreads.list", self._service().commentThreads().list(**params))
            for thread in data.get("items", []) if isinstance(data, dict) else []:
                outer = thread.get("snippet") or {}
                top = outer.get("topLevelComment") or {}
                snippet = top.get("snippet") or {}
                author_channel = snippet.get("authorChannelId")
                comments.append(
                    Comment(
                        id=str(top.get("id") or thread.get("id")),
                        thread_id=str(thread.get("id")),
                        video_id=str(outer.get("videoId") or video_id),
                        author=str(snippet.get("authorDisplayName") or ""),
                        author_channel_id=str(author_channel.get("value"))
                        if isinstance(author_channel, dict)
                        else None,
                        text=str(snippet.get("textDisplay") or snippet.get("textOriginal") or ""),
                        published_at=_when(snippet.get("publishedAt")),
                        like_count=as_int(snippet.get("likeCount")),
                        reply_count=as_int(outer.get("totalReplyCount")),
                    )
                )
            token = data.get("nextPageToken") if isinstance(data, dict) else None
            if not token:
                break
        return comments

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """The top-level comments on each video (:meth:`fetch_comments`), as inbox replies. Answers
        inside a comment's thread are not read (each would cost quota): a comment counts as
        answered once it is answered with ``socialpost reply``."""
        replies: list[Reply] = []
        for video_id in remote_ids:
            try:
                comments = self.fetch_comments(video_id)
            except PermanentError as exc:
                if exc.status in (403, 404):  # comments disabled, or the video is gone
                    log.info("%s: no comments for %s (%s)", self.account, video_id, exc.message)
                    continue
                raise
            replies.extend(
                Reply(
                    remote_id=comment.id,
                    in_reply_to=comment.video_id,
                    post_remote_id=video_id,
                    author=comment.author_channel_id or comment.author,
                    author_name=comment.author,
                    text=comment.text,
                    created_at=comment.published_at,
                    url=comment.url,
                    own=comment.author_channel_id == self.settings.channel_id,
                )
                for comment in comments
            )
        return replies

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer a comment; the reply's id (and its URL when YouTube says the video)."""
        comment_id = in_reply_to
        if not text.strip():
            raise ContentRejected(
                _("{where}: the reply is empty.").format(where=self._where), hint=_("Write something.")
            )
        if len(text) > MAX_COMMENT:
            raise ContentRejected(
                _("{where}: the reply is {length} characters; YouTube takes at most {limit}.").format(
                    where=self._where, length=formats.integer(len(text)), limit=formats.integer(MAX_COMMENT)
                ),
                hint=_("Shorten it."),
            )
        body = {"snippet": {"parentId": comment_id, "textOriginal": text}}
        data = self._execute(
            "comments.insert", self._service().comments().insert(part="snippet", body=body), sending=True
        )
        reply_id = str(data.get("id") or "") if isinstance(data, dict) else ""
        if not reply_id:
            raise TransientError(
                _("{where}: YouTube took the reply but did not say its id.").format(where=self._where),
                request_sent=True,
            )
        video = (data.get("snippet") or {}).get("videoId")
        return Published(reply_id, f"{watch_url(str(video))}&lc={reply_id}" if video else None)
