"""A post → one ``localPosts.create`` on the account's location, never twice, and what became of it.

The photo goes to the media host first (Google fetches it by URL, like Instagram); then one
``POST /v4/accounts/{a}/locations/{l}/localPosts``. Google keeps no idempotency key, so the
created post's name is written to the account's private state (``posts/<post key>.json``) at
once, and after an outcome nobody saw :meth:`Publisher.reconcile` lists the location's posts
(``GET …/localPosts``, 100 a page) for one with this summary and topic created since the post's
time: found → published; the whole list read without it → not sent; more than
:data:`SEARCH_PAGES` pages → ``unknown``, for the user to check.

A new post is ``PROCESSING`` while Google reviews it, then ``LIVE`` or ``REJECTED`` (against
Google's content policies). Create answers with the post at once; :meth:`Publisher.confirm` (the
daemon's confirmation job, :class:`~socialpost.networks.capabilities.PublishAhead` with no lead
time) reads it again later: ``LIVE`` is confirmed, ``REJECTED`` recorded with the reason. The
hosted photo is removed once Google has it (``LIVE`` or ``REJECTED``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialpost.errors import ContentRejected, NetworkError, PermanentError
from socialpost.i18n import _
from socialpost.media import EXTENSIONS, MediaRoots, sniff
from socialpost.mediahost import HostedMedia
from socialpost.networks.base import AdapterContext, NotPublic, NotSent, OutgoingPost, Published
from socialpost.networks.common.numbers import as_time
from socialpost.networks.google_business.posts import local_post, summary, topic
from socialpost.privatefiles import KeyedFiles, read_object, safe_name, write_json, write_private

if TYPE_CHECKING:
    from socialpost.networks.google_business.client import GoogleClient
    from socialpost.networks.google_business.settings import GoogleBusinessSettings

log = logging.getLogger("socialpost.networks.google_business")

HOSTED_LIFETIME = timedelta(days=2)  # Google fetches the photo while it reviews the post
SEARCH_PAGES = 5  # pages of the location's posts read to find one (100 each)
EARLIER = timedelta(minutes=5)  # a post created this long before its time may still be ours (clock skew)


class Publisher:
    """Publishes one account's posts (see the module)."""

    def __init__(
        self, call: GoogleClient, settings: GoogleBusinessSettings, context: AdapterContext, account: str
    ) -> None:
        self.call, self.settings, self.context, self.account = call, settings, context, account
        self.folder = context.state_dir("posts", account)
        self.records = KeyedFiles(self.folder)
        self.hosted_folder = context.state_dir("hosted", account)

    # --- state --------------------------------------------------------------------------------------

    def state(self, key: str) -> dict[str, Any]:
        return self.records.read(key) or {}

    def _save(self, key: str, state: dict[str, Any]) -> None:
        self.records.write(key, state)

    # --- publish ------------------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> Published:
        state = self.state(post.key)
        if state.get("name"):
            return Published(str(state["name"]), state.get("url"))
        if len(post.media) > 1:
            raise ContentRejected(
                _("{where}: a Google Business Profile post takes one photo; this one has {count}.").format(
                    where=self.call.where, count=len(post.media)
                ),
                hint=_("Keep one photo, or give each its own post."),
            )
        photo = self._host(post, state)
        body = local_post(post, photo.url if photo else None)
        try:
            made = self.call("posts", "POST", f"v4/{self.settings.parent}/localPosts", body)
        except PermanentError:  # refused: Google will not fetch the photo
            if photo is not None:
                self._remove([{"url": photo.url, "key": photo.key}])
                state.pop("hosted", None)
                self._save(post.key, state)
            raise
        name = str(made.get("name") or "")
        if not name:
            raise PermanentError(_("{where}: Google answered without the post's name.").format(where=self.call.where))
        url = made.get("searchUrl") if isinstance(made.get("searchUrl"), str) else None
        if photo is not None:
            write_json(self._hosted_path(name), {"hosted": [{"url": photo.url, "key": photo.key}]})
        if made.get("state") == "REJECTED":  # not out: a retry (after a change) creates a new post
            self._forget_hosted(name)
            state.pop("hosted", None)
            self._save(post.key, {**state, "rejected": name})
            raise ContentRejected(
                _("{where}: Google rejected the post at once (it breaks Google's content policies).").format(
                    where=self.call.where
                ),
                hint=_("Read Google's rules for posts (support.google.com/business/answer/7213077) and change it."),
            )
        state.update({"name": name, "url": url})
        self._save(post.key, state)
        if made.get("state") == "LIVE":
            self._forget_hosted(name)
        return Published(name, url)

    def _host(self, post: OutgoingPost, state: dict[str, Any]) -> HostedMedia | None:
        if not post.media:
            return None
        host = self.context.media_host
        if host is None:
            raise PermanentError(
                _(
                    "{where}: Google fetches a post's photo from a public web address, and no media host is set up."
                ).format(where=self.call.where),
                hint=_("Add a media_host: section to your config file (docs/media-host.md)."),
            )
        earlier = state.pop("hosted", None)  # a copy from an attempt whose post Google never created
        if isinstance(earlier, list) and earlier:
            self._remove(earlier)
        media = post.media[0]
        data = MediaRoots.checked(post, self.context).read(media.file)
        mime = sniff(data[:64]) or ""
        if mime not in ("image/jpeg", "image/png"):
            raise ContentRejected(
                _("{where}: Google takes a post's photo as JPEG or PNG; {name} is neither.").format(
                    where=self.call.where, name=Path(media.file).name
                ),
                hint=_("Convert it to JPEG."),
            )
        copy = self.context.state_dir("uploads", self.account) / f"{safe_name(post.key)}{EXTENSIONS.get(mime, '')}"
        write_private(copy, data)
        try:
            put = host.publish(copy, key_hint=post.post_id, lifetime=HOSTED_LIFETIME)
        finally:
            copy.unlink(missing_ok=True)
        state["hosted"] = [{"url": put.url, "key": put.key}]
        self._save(post.key, state)
        return put

    def _hosted_path(self, name: str) -> Path:
        return self.hosted_folder / f"{safe_name(name.rsplit('/', 1)[-1])}.json"

    def _forget_hosted(self, name: str) -> None:
        """Remove the hosted photo of the post ``name`` (Google has it now)."""
        path = self._hosted_path(name)
        entries = (read_object(path) or {}).get("hosted") or []
        left = self._remove(entries if isinstance(entries, list) else [])
        if left:
            write_json(path, {"hosted": left})
        else:
            path.unlink(missing_ok=True)

    def _remove(self, entries: list[Any]) -> list[Any]:
        """Remove hosted copies; those the host could not remove are returned."""
        host = self.context.media_host
        left = []
        for entry in entries:
            try:
                if host is None:
                    raise PermanentError("no media host")
                host.remove(HostedMedia(url=str(entry.get("url")), key=str(entry.get("key")), expires_at=None))
            except NetworkError as exc:
                log.warning("%s: could not remove a hosted photo (%s)", self.account, exc.message)
                left.append(entry)
        return left

    # --- what became of it --------------------------------------------------------------------------

    def confirm(self, name: str) -> bool | NotPublic:
        """True once the post is LIVE; NotPublic while Google reviews it; ContentRejected when REJECTED."""
        found = self.call("posts", "GET", f"v4/{name}")
        state = found.get("state")
        if state == "LIVE":
            self._forget_hosted(name)
            return True
        if state == "REJECTED":
            self._forget_hosted(name)
            raise ContentRejected(
                _("{where}: Google rejected the post {name} after review (it breaks Google's content policies).")
                .format(where=self.call.where, name=name),
                hint=_("Read Google's rules for posts (support.google.com/business/answer/7213077), change it and "
                       "post it again."),
            )  # fmt: skip
        return NotPublic(
            _("Google is still reviewing the post {name} ({state}); it shows on the profile once Google approves "
              "it. If it stays so for a day, look at it in the Business Profile manager.")
            .format(name=name, state=state or "?")
        )  # fmt: skip

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        state = self.state(post.key)
        if state.get("name"):
            return Published(str(state["name"]), state.get("url"))
        text, kind = summary(post).strip(), topic(post)
        since = post.due_at - EARLIER
        params: dict[str, Any] = {"pageSize": 100}
        for _page in range(SEARCH_PAGES):
            answer = self.call("posts", "GET", f"v4/{self.settings.parent}/localPosts", params=params)
            rows = [r for r in answer.get("localPosts") or [] if isinstance(r, dict)]
            for row in rows:
                created = as_time(row.get("createTime"))
                if (
                    str(row.get("summary") or "").strip() == text
                    and row.get("topicType", "STANDARD") == kind
                    and row.get("state") != "REJECTED"  # a rejected post is not out
                    and created is not None
                    and created >= since
                    and row.get("name")
                ):
                    name = str(row["name"])
                    url = row.get("searchUrl") if isinstance(row.get("searchUrl"), str) else None
                    self._save(post.key, {**state, "name": name, "url": url})
                    return Published(name, url)
            token = answer.get("nextPageToken")
            if not token:  # the whole list was read (Google does not say it is sorted: no shortcut)
                return NotSent(_("no post with this text on the location since its time."))
            params = {**params, "pageToken": token}
        return None  # more posts since its time than socialpost reads: the user checks
