"""Publishing on X, thread by thread, and reconciling a post whose outcome nobody saw.

X has no idempotency key: every thread part's id is recorded as soon as X returns it, so a retry
resumes a thread; X refuses an exact duplicate text with 403, and the post is then looked up among
the account's recent posts, as ``reconcile`` does."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from socialpost.errors import ContentRejected, DuplicatePost, NetworkError, TransientError
from socialpost.i18n import N_, _
from socialpost.media import MediaRoots
from socialpost.networks.base import NotSent, OutgoingPost, Published
from socialpost.networks.capabilities import Reconciler
from socialpost.networks.x.client import XClient
from socialpost.networks.x.media import MediaFile, MediaUploader, check_media
from socialpost.networks.x.posts import _check_text, _parent, _same_text, _status_url, _thread_part
from socialpost.networks.x.state import _Threads
from socialpost.timeutil import iso_utc

log = logging.getLogger("socialpost.networks.x")

RECONCILE_MARGIN = timedelta(minutes=10)  # look this far before the due time (clock skew)
RECONCILE_PAGES = 5  # at most 5 × 100 recent posts are searched
# The spec's post.fields values; the posts a post refers to come as expansions (which also put
# referenced_posts in each post).
RECENT_QUERY = {"post.fields": ["created_at", "conversation_id"], "expansions": ["referenced_posts"]}


class Publishing(XClient, Reconciler):
    """``publish`` and ``reconcile``, with the media upload they need."""

    _threads: _Threads
    _uploader: MediaUploader | None
    sleep: Callable[[float], None]

    def _media_auth(self) -> tuple[Any, dict[str, str]]:
        client = self._api()
        headers = {"User-Agent": client.user_agent}
        if self.settings.oauth1:
            from tweepy import OAuth1UserHandler  # type: ignore[import-untyped]

            handler = OAuth1UserHandler(
                client.consumer_key, client.consumer_secret, client.access_token, client.access_token_secret
            )
            return handler.apply_auth(), headers
        return None, {**headers, "Authorization": f"Bearer {client.bearer_token}"}

    def _media(self) -> MediaUploader:
        with self._lock:
            if self._uploader is None:
                self._uploader = MediaUploader(
                    self._api().session,
                    self._media_auth,
                    processing_timeout=self.settings.media_processing_timeout,
                    sleep=lambda seconds: self.sleep(seconds),
                )
            return self._uploader

    def _validate(self, post: OutgoingPost) -> list[str]:
        parts = [post.text, *post.thread]
        for index, text in enumerate(parts):
            label = _("the post") if len(parts) == 1 else _("part {number} of the thread").format(number=index + 1)
            if not text.strip() and not (index == 0 and post.media):
                raise ContentRejected(
                    _("X: {label} is empty.").format(label=label),
                    hint=_("Write some text (or attach media to the post)."),
                )
            _check_text(text, label)
        return parts

    def publish(self, post: OutgoingPost) -> Published:
        parts = self._validate(post)
        media = check_media([(m.file, m.alt) for m in post.media], MediaRoots.checked(post, self.context))
        ids = self._threads.load(post.key)
        first_was_duplicate = False
        while len(ids) < len(parts):
            index = len(ids)
            text = parts[index]
            kwargs: dict[str, Any] = {"text": text, "user_auth": self._user_auth}
            if index == 0 and media:
                kwargs["media_ids"] = [self._upload(m) for m in media]
            if index > 0:
                kwargs["in_reply_to_tweet_id"] = ids[-1]
            try:
                body = self._create(kwargs)
            except DuplicatePost as exc:
                found = self._find_duplicate(post, text, ids[-1] if ids else None)
                if found is None:
                    if ids:  # part of a thread is out: say so
                        raise DuplicatePost(
                            _(
                                "{message} (part {number} of the thread; the first {count} part(s) are on X, "
                                "starting at {url})"
                            ).format(message=exc.message, number=index + 1, count=index, url=_status_url(ids[0])),
                            hint=exc.hint,
                            status=exc.status,
                        ) from None
                    raise
                tweet_id = found
                first_was_duplicate = first_was_duplicate or index == 0
            else:
                data = body.get("data") if isinstance(body, dict) else None
                tweet_id = str(data.get("id") or "") if isinstance(data, dict) else ""
                if not tweet_id:
                    raise TransientError(
                        _("{where}: X accepted the post but returned no id.").format(where=self._where),
                        request_sent=True,
                    ) from None
            ids.append(tweet_id)
            self._threads.save(post.key, ids)
        if first_was_duplicate:
            raise DuplicatePost(
                _("{where}: X already had this post.").format(where=self._where),
                existing_id=ids[0],
                existing_url=_status_url(ids[0]),
            )
        return Published(remote_id=ids[0], url=_status_url(ids[0]))

    def _upload(self, media: MediaFile) -> str:
        uploader = self._media()

        def upload(_client: Any) -> str:
            return uploader.upload(media)

        return self._call(N_("upload media"), upload)

    def _create(self, kwargs: dict[str, Any]) -> Any:
        def create(client: Any) -> Any:
            return client.create_tweet(**kwargs)

        return self._call(N_("publish"), create, creating=True)

    def _find_duplicate(self, post: OutgoingPost, text: str, reply_to: str | None) -> str | None:
        """After X said "duplicate": the id of that post among the account's recent ones, if ours."""
        try:
            tweets, _complete = self._recent(post.due_at - RECONCILE_MARGIN)
        except NetworkError as exc:
            log.info("could not look for the duplicate of %s on %s: %s", post.key, self.account, exc)
            return None
        for tweet in tweets:
            if not _same_text(str(tweet.get("text", "")), text):
                continue
            if reply_to is None or _parent(tweet) == (True, reply_to):  # an unknown parent is no proof
                return str(tweet["id"])
        return None

    def _recent(self, since: datetime) -> tuple[list[dict[str, Any]], bool]:
        """The account's posts since ``since`` (newest first) and whether that list is complete."""
        me = str(self._me_data()["id"])
        now = self.context.clock()
        start = min(since, now - timedelta(seconds=30)).astimezone(UTC)
        tweets: list[dict[str, Any]] = []
        token: str | None = None
        for _page in range(RECONCILE_PAGES):
            params: dict[str, Any] = {"start_time": start, "max_results": 100, **RECENT_QUERY}
            if token:
                params["pagination_token"] = token
            body = self._read(N_("read the account's recent posts"), f"/2/users/{me}/tweets", params)
            data = body.get("data") if isinstance(body, dict) else None
            tweets += [t for t in data or [] if isinstance(t, dict) and t.get("id")]
            meta = body.get("meta") if isinstance(body, dict) else None
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if not token:
                return tweets, True
        return tweets, False

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        parts = [post.text, *post.thread]
        ids = self._threads.load(post.key)
        if len(ids) >= len(parts):
            return Published(remote_id=ids[0], url=_status_url(ids[0]))
        tweets, complete = self._recent(post.due_at - RECONCILE_MARGIN)
        found_any = False
        unsure = False
        while len(ids) < len(parts):
            match, unsure = _thread_part(tweets, parts[len(ids)], ids[-1] if ids else None)
            if match is None:
                break
            ids.append(match)
            found_any = True
        if found_any:
            self._threads.save(post.key, ids)
        if len(ids) >= len(parts):
            return Published(remote_id=ids[0], url=_status_url(ids[0]))
        if not complete or unsure:
            if unsure:
                log.warning(
                    "%s: X's answer left out what some posts reply to; %s stays undecided rather than sent again",
                    self.account,
                    post.key,
                )
            return None
        if ids:
            return NotSent(
                f"the first {len(ids)} of {len(parts)} parts of the thread are on X; the rest were not sent and "
                "will be posted as replies"
            )
        return NotSent(f"no post with this text on {self.account} since {iso_utc(post.due_at - RECONCILE_MARGIN)}")
