"""The replies under the account's posts (app.bsky.feed.getPostThread), and answering them."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from socialpost.errors import ContentRejected, PermanentError
from socialpost.i18n import _
from socialpost.networks.base import Published, Reply
from socialpost.networks.bluesky.client import _xrpc_error
from socialpost.networks.bluesky.facets import sdk
from socialpost.networks.bluesky.metrics import _get_posts, to_at_uri
from socialpost.networks.bluesky.publish import PublishPart, _Ref
from socialpost.networks.bluesky.tid import record_key
from socialpost.networks.common.numbers import as_time

log = logging.getLogger("socialpost.networks.bluesky")

THREAD_DEPTH = 50  # how deep app.bsky.feed.getPostThread reads a conversation


class InboxPart(PublishPart):
    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """The replies under each post (app.bsky.feed.getPostThread, recursively), the account's
        own marked ``own``. A post that is gone is left out; blocked or deleted replies too."""
        me = self.did
        replies: list[Reply] = []
        for remote_id in remote_ids:
            uri = to_at_uri(remote_id)
            if uri is None:
                continue
            thread = self._call(_("reading replies"), _get_thread(uri))
            if thread is None or getattr(thread, "post", None) is None:
                log.info("%s: %s is gone; no replies", self.account, remote_id)
                continue
            self._walk(thread, remote_id, str(thread.post.uri), me, replies)
        return replies

    def _walk(self, view: Any, root: str, parent: str, me: str, out: list[Reply]) -> None:
        for child in getattr(view, "replies", None) or ():
            post = getattr(child, "post", None)  # NotFoundPost and BlockedPost have none
            if post is None:
                continue
            record = post.record
            reply_ref = getattr(record, "reply", None)
            in_reply_to = str(reply_ref.parent.uri) if reply_ref is not None else parent
            author = post.author
            created = _parse_time(getattr(record, "created_at", None))
            out.append(
                Reply(
                    remote_id=str(post.uri),
                    in_reply_to=in_reply_to,
                    post_remote_id=root,
                    author=str(author.handle),
                    author_name=str(getattr(author, "display_name", None) or ""),
                    text=str(getattr(record, "text", "") or ""),
                    created_at=created,
                    url=self.web_url(str(post.uri)),
                    own=str(author.did) == me,
                )
            )
            self._walk(child, root, str(post.uri), me, out)

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer the post ``in_reply_to``: a post whose reply refers to that post (parent) and to
        the root of its conversation, with facets like any post."""
        uri = to_at_uri(in_reply_to)
        if uri is None:
            raise ContentRejected(
                _("Bluesky ({account}): {id} is not a Bluesky post.").format(account=self.account, id=in_reply_to)
            )
        self._check_lengths([text])
        answer = self._call(_("looking up the post to answer"), _get_posts([uri]))
        if not answer.posts:
            raise PermanentError(
                _("Bluesky ({account}): the post {id} is gone; it cannot be answered.").format(
                    account=self.account, id=in_reply_to
                ),
                hint=_("Refresh the inbox: socialpost inbox"),
            )
        parent_view = answer.posts[0]
        parent = _Ref(str(parent_view.uri), str(parent_view.cid))
        parent_reply = getattr(parent_view.record, "reply", None)
        root = _Ref(str(parent_reply.root.uri), str(parent_reply.root.cid)) if parent_reply is not None else parent
        record = self._record(text, reply={"root": root.strong(), "parent": parent.strong()}, images=[])
        key = hashlib.sha256(f"{self.account}\n{uri}\n{text}".encode()).hexdigest()
        ref = self._create(self.did, record_key(key, 0, self.context.clock()), record)
        return Published(remote_id=ref.uri, url=self.web_url(ref.uri))


def _get_thread(uri: str) -> Callable[[Any], Any]:
    """getPostThread's ``thread`` for ``uri``, or None when the post is not found."""

    def get(client: Any) -> Any:
        BadRequestError = sdk("atproto_client.exceptions").BadRequestError
        try:
            return client.get_post_thread(uri, depth=THREAD_DEPTH, parent_height=0).thread
        except BadRequestError as exc:
            if _xrpc_error(exc.response)[0] == "NotFound":
                return None
            raise

    return get


def _parse_time(value: Any) -> datetime | None:
    """An atproto datetime string → aware UTC datetime (None when missing or unreadable)."""
    when = as_time(value)
    return when.astimezone(UTC) if when else None
