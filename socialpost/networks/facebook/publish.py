"""Page posts: ``POST /{page}/feed`` (text, with the first link as ``link``); one photo:
``POST /{page}/photos`` (``caption``, ``alt_text_custom``); several photos: each uploaded with
``published=false``, then ``/feed`` with ``attached_media``. Facebook has no threads: the parts
are joined into one message, separated by a blank line. Reconcile reads the Page's
``published_posts`` since the post's due time, matched on the message."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from socialpost.errors import ContentRejected
from socialpost.i18n import _
from socialpost.i18n.formats import integer
from socialpost.media import MediaRoots
from socialpost.networks.base import NotSent, OutgoingPost, Published, Rendition
from socialpost.networks.facebook.client import FacebookClient, post_id
from socialpost.networks.facebook.media import MAX_PHOTOS, check_photo
from socialpost.text.utm import links

MAX_MESSAGE = 63_206
THREAD_SEPARATOR = "\n\n"
CLOCK_SKEW = timedelta(minutes=2)


class Publishing(FacebookClient):
    """Publish a post (with its photos) and find out whether an unseen attempt went out."""

    def publish(self, post: OutgoingPost) -> Published:
        message = self.message(post)
        roots = MediaRoots.checked(post, self.context)
        photos = [(Path(m.file), m.alt, *check_photo(Path(m.file), self._where)) for m in post.media]
        if len(photos) > MAX_PHOTOS:
            raise ContentRejected(
                _("{where}: {count} images in one post; socialpost sends at most {limit}.").format(
                    where=self._where, count=len(photos), limit=MAX_PHOTOS
                ),
                hint=_("Split the images over several posts."),
            )
        page = self.settings.page_id
        if not photos:
            form = {"message": message}
            found = links(message)
            if found:
                form["link"] = found[0][2]
            data = self._call("POST", self._path(page, "feed"), data=form, publishing=True)
            return self._published(post_id(data, self._where))
        if len(photos) == 1:
            path, alt, _kind, mime = photos[0]
            form = {"caption": message, "published": "true"}
            if alt:
                form["alt_text_custom"] = alt
            data = self._call(
                "POST",
                self._path(page, "photos"),
                data=form,
                files={"source": (path.name, roots.read(path), mime)},
                publishing=True,
            )
            return self._published(post_id(data, self._where, key="post_id"))
        media_ids = []
        for path, alt, _kind, mime in photos:
            # unpublished uploads are invisible: a failure here never needs reconciling
            form = {"published": "false"}
            if alt:
                form["alt_text_custom"] = alt
            data = self._call(
                "POST", self._path(page, "photos"), data=form, files={"source": (path.name, roots.read(path), mime)}
            )
            media_ids.append(post_id(data, self._where))
        form = {"message": message}
        for index, media_id in enumerate(media_ids):
            form[f"attached_media[{index}]"] = json.dumps({"media_fbid": media_id})
        data = self._call("POST", self._path(page, "feed"), data=form, publishing=True)
        return self._published(post_id(data, self._where))

    @classmethod
    def as_read(cls, parts: Sequence[str]) -> Rendition:
        """One message, as :meth:`message` joins it."""
        return Rendition.joined(parts, network="Facebook", separator=THREAD_SEPARATOR)

    def message(self, post: OutgoingPost) -> str:
        """Facebook has no threads: the parts become one message, separated by a blank line."""
        message = THREAD_SEPARATOR.join([post.text, *post.thread])
        if len(message) > MAX_MESSAGE:
            raise ContentRejected(
                _(
                    "{where}: the post is {length} characters with its thread parts joined "
                    "(Facebook has no threads); a Page post takes at most {limit}."
                ).format(where=self._where, length=integer(len(message)), limit=integer(MAX_MESSAGE)),
                hint=_("Shorten the text or the thread for Facebook (variants: facebook: {{text: …}}).").format(),
            )
        return message

    @staticmethod
    def _published(post_id: str) -> Published:
        return Published(post_id, f"https://www.facebook.com/{post_id}")

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        message = self.message(post).strip()
        since = post.due_at - CLOCK_SKEW
        data = self._call(
            "GET",
            self._path(self.settings.page_id, "published_posts"),
            params={"since": str(int(since.timestamp())), "fields": "id,message,created_time", "limit": "100"},
        )
        posts = data.get("data") if isinstance(data, dict) else None
        if not isinstance(posts, list):
            return None
        for item in posts:
            if isinstance(item, dict) and str(item.get("message", "")).strip() == message and item.get("id"):
                return self._published(str(item["id"]))
        if isinstance(data.get("paging"), dict) and data["paging"].get("next"):
            return None  # more posts than one page since then: cannot prove absence
        return NotSent(f"no post with this text on the Page since {since:%Y-%m-%d %H:%M} UTC")
