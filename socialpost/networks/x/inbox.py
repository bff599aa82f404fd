"""The inbox on X: replies found by conversation with the recent search, and answering them."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from socialpost.errors import ContentRejected, NetworkError, RateLimited, TransientError
from socialpost.i18n import N_, _
from socialpost.networks.base import Published, Reply
from socialpost.networks.capabilities import InboxReader, Replier
from socialpost.networks.common.numbers import as_time
from socialpost.networks.common.read_pause import ReadPause
from socialpost.networks.x.client import XClient
from socialpost.networks.x.errors import READ_REPLIES
from socialpost.networks.x.posts import _check_text, _parent, _snowflake_time, _status_url
from socialpost.networks.x.state import SEARCH_WINDOW, _ReadBudget, _ReplyMarks

log = logging.getLogger("socialpost.networks.x")

# Replies are found with the recent search (last 7 days), several conversations a query.
SEARCH_QUERY_MAX = 512  # characters in one recent-search query (Basic access)
SEARCH_MIN_RESULTS, SEARCH_MAX_RESULTS = 10, 100  # max_results bounds of the recent search
REPLY_PAGES = 10  # pages read per batch of conversations, at most
REPLY_OVERLAP = timedelta(hours=1)  # read again this far back from the last complete read
# The spec's post.fields values; the author and the posts a post refers to come as expansions
# (which also put author_id and referenced_posts in each post).
REPLY_QUERY = {
    "post.fields": ["conversation_id", "created_at"],
    "expansions": ["author_id", "referenced_posts"],
    "user.fields": ["username", "name"],
}
RATE_PAUSE = timedelta(minutes=15)  # no replies read after a 429 that does not say how long
ACCESS_PAUSE = timedelta(hours=6)  # nor after X said the access tier does not allow the search


class Inbox(XClient, InboxReader, Replier):
    """``fetch_replies`` (within a daily read budget) and ``reply``."""

    _reply_budget: _ReadBudget
    _reply_marks: _ReplyMarks
    _read_pause: ReadPause

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """The replies under each post, found by conversation with the recent search
        (``GET /2/tweets/search/recent``, ``conversation_id:ID OR …``, several conversations a
        query), the account's own marked ``own``. Only the last 7 days are searchable; a
        conversation read completely before is read again only from an hour before that read.
        Posts read count against ``max_reply_reads_per_day`` (X bills reads)."""
        ids = list(dict.fromkeys(str(i) for i in remote_ids if str(i).isdigit()))
        if not ids or self.settings.max_reply_reads_per_day == 0:
            return []
        with self._read_pause.guard(rate=RATE_PAUSE, refused=ACCESS_PAUSE, refused_if=lambda exc: exc.status == 403):
            return self._read_replies(ids)

    def _read_replies(self, ids: list[str]) -> list[Reply]:
        now = self.context.clock()
        today = now.astimezone(UTC).date()
        if self._reply_budget.left(today) < SEARCH_MIN_RESULTS:
            midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
            raise RateLimited(
                _(
                    "{where}: today's reads for the inbox are used up (max_reply_reads_per_day: {limit}); "
                    "X bills every post read."
                ).format(where=self._where, limit=self.settings.max_reply_reads_per_day),
                hint=_("Replies are read again after midnight UTC; raise max_reply_reads_per_day to read more."),
                retry_at=midnight,
            )
        me = str(self._me_data()["id"])
        marks = self._reply_marks.load()
        oldest = now - SEARCH_WINDOW + REPLY_OVERLAP
        replies: list[Reply] = []
        for batch in _conversation_batches(ids):
            params: dict[str, Any] = {"query": " OR ".join(f"conversation_id:{c}" for c in batch), **REPLY_QUERY}
            if all(c in marks for c in batch):
                start = min(marks[c] for c in batch) - REPLY_OVERLAP
                if start > oldest:
                    params["start_time"] = start.astimezone(UTC)
            found, complete, attributed = self._search_replies(params, set(batch), me, today)
            replies += found
            if not attributed:
                log.warning(
                    "%s: X's answer left out the conversation of some replies; they are read again next time",
                    self.account,
                )
            if not complete:
                log.warning(
                    "%s: replies only partly read (max_reply_reads_per_day=%d, or more than %d pages)",
                    self.account,
                    self.settings.max_reply_reads_per_day,
                    REPLY_PAGES,
                )
                break
            if attributed:
                for conversation in batch:
                    marks[conversation] = now
        self._reply_marks.save(marks, now)
        return replies

    def _search_replies(
        self, params: dict[str, Any], conversations: set[str], me: str, today: date
    ) -> tuple[list[Reply], bool, bool]:
        """Every page of one search; (replies, whether every page was read, whether every post
        found could be put in its conversation)."""
        replies: list[Reply] = []
        attributed = True
        token: str | None = None
        for _page in range(REPLY_PAGES):
            granted = self._reply_budget.take(SEARCH_MAX_RESULTS, today)
            if granted < SEARCH_MIN_RESULTS:
                self._reply_budget.refund(granted, today)
                return replies, False, attributed
            page = {**params, "max_results": granted}
            if token:
                page["next_token"] = token
            try:
                body = self._read(READ_REPLIES, "/2/tweets/search/recent", page)
            except NetworkError:
                self._reply_budget.refund(granted, today)
                raise
            data = body.get("data") if isinstance(body, dict) else None
            tweets = [t for t in data or [] if isinstance(t, dict) and t.get("id")]
            self._reply_budget.refund(granted - len(tweets), today)
            includes = body.get("includes") if isinstance(body, dict) else None
            users = {
                str(u["id"]): u
                for u in (includes.get("users") or [] if isinstance(includes, dict) else [])
                if isinstance(u, dict) and u.get("id")
            }
            for tweet in tweets:
                conversation = _conversation(tweet, conversations)
                if conversation is None:
                    attributed = False
                    continue
                if conversation not in conversations:
                    continue  # a stray the search matched otherwise
                reply = _reply_of(tweet, users, me, conversation)
                if reply is not None:
                    replies.append(reply)
            meta = body.get("meta") if isinstance(body, dict) else None
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if not token:
                return replies, True, attributed
        return replies, False, attributed

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer the post ``in_reply_to``: a post with ``reply.in_reply_to_tweet_id``, checked like
        any post (280 characters as X counts them) before anything is sent."""
        if not str(in_reply_to).isdigit():
            raise ContentRejected(_("X: {id} is not an X post.").format(id=in_reply_to))
        label = _("the reply")
        if not text.strip():
            raise ContentRejected(_("X: {label} is empty.").format(label=label), hint=_("Write some text."))
        _check_text(text, label, reply=True)
        kwargs = {"text": text, "in_reply_to_tweet_id": str(in_reply_to), "user_auth": self._user_auth}
        body = self._call(N_("publish the reply"), lambda c: c.create_tweet(**kwargs), creating=True)
        data = body.get("data") if isinstance(body, dict) else None
        tweet_id = str(data.get("id") or "") if isinstance(data, dict) else ""
        if not tweet_id:
            raise TransientError(
                _("{where}: X accepted the reply but returned no id.").format(where=self._where), request_sent=True
            )
        return Published(remote_id=tweet_id, url=_status_url(tweet_id))


def _conversation(tweet: Mapping[str, Any], conversations: set[str]) -> str | None:
    """Which of ``conversations`` a found post belongs to: its ``conversation_id``; without one,
    the post it replies to when that is one of them, or the only conversation searched."""
    conversation = tweet.get("conversation_id")
    if conversation is not None:
        return str(conversation)
    if str(tweet.get("id")) in conversations:
        return str(tweet["id"])
    parent = _parent(tweet)[1]
    if parent in conversations:
        return parent
    return next(iter(conversations)) if len(conversations) == 1 else None


def _conversation_batches(ids: list[str]) -> Iterator[list[str]]:
    """Conversation ids grouped so that ``conversation_id:A OR conversation_id:B …`` fits in one
    recent-search query."""
    batch: list[str] = []
    length = 0
    for conversation in ids:
        term = len(f"conversation_id:{conversation}") + (len(" OR ") if batch else 0)
        if batch and length + term > SEARCH_QUERY_MAX:
            yield batch
            batch, length = [], 0
            term = len(f"conversation_id:{conversation}")
        batch.append(conversation)
        length += term
    if batch:
        yield batch


def _reply_of(tweet: dict[str, Any], users: dict[str, Any], me: str, conversation: str) -> Reply | None:
    """One found post as an inbox reply in ``conversation``; None for the conversation's own first
    post."""
    tweet_id = str(tweet["id"])
    if tweet_id == conversation:
        return None
    author_id = str(tweet.get("author_id") or "")
    user = users.get(author_id) or {}
    username = str(user.get("username") or "")
    return Reply(
        remote_id=tweet_id,
        in_reply_to=_parent(tweet)[1] or conversation,
        post_remote_id=conversation,
        author=f"@{username}" if username else author_id,
        author_name=str(user.get("name") or ""),
        text=html.unescape(str(tweet.get("text") or "")),
        created_at=as_time(tweet.get("created_at")) or _snowflake_time(tweet_id),
        url=f"https://x.com/{username}/status/{tweet_id}" if username else _status_url(tweet_id),
        own=bool(author_id) and author_id == me,
    )
