"""Publishing one post to Threads: the container flow, part by part.

The post's text (with its media: one image, one video, or a carousel of 2 to 20) is the root; each
thread part is a text reply to the part before it (``reply_to_id``). For each part: create its
container (``POST /{user}/threads``), wait until it is FINISHED (bounded, with the adapter's clock:
:class:`~socialpost.networks.common.containers.Containers`), check the 250-a-day quota before the
root, publish (``POST /{user}/threads_publish``). A text post's first link becomes its
``link_attachment`` (the preview card). Media are put on the configured media host first (Meta
fetches them by URL) and removed once the whole post is out. Progress is kept in a
:class:`~socialpost.networks.threads.state.Record` so a retry never publishes a part twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from socialpost.errors import ContentRejected, MediaRefused, TransientError
from socialpost.i18n import _
from socialpost.media import MediaRoots
from socialpost.mediahost import HostedMedia, media_type
from socialpost.networks.base import AdapterContext, OutgoingPost, Published
from socialpost.networks.common.containers import ContainerExpired, Containers, Status
from socialpost.networks.threads.checks import ACCEPTED
from socialpost.networks.threads.settings import MAX_CAROUSEL
from socialpost.networks.threads.state import Hosted, PostBook, Record

HOSTED_FOR = timedelta(hours=24)  # a container must be published within 24 hours of its creation
_LINK = re.compile(r"https?://[^\s<>\"']+")


class Publisher:
    def __init__(
        self,
        containers: Containers,
        book: PostBook,
        context: AdapterContext,
        *,
        where: str,
        find: Callable[[str, str], str | None],
        permalink: Callable[[str], str | None],
    ) -> None:
        self.containers, self.book, self.context, self.where = containers, book, context, where
        self.find, self.permalink = find, permalink

    def publish(self, post: OutgoingPost) -> Published:
        record = self.book.load(post.key) or Record()
        parts = [post.text, *post.thread]
        reply_to = ""
        for index, text in enumerate(parts):
            part = record.part(index)
            if not part.media_id:
                part.media_id = self._part(post, record, index, text, reply_to)
                self.book.save(post.key, record)
            reply_to = part.media_id
        root = record.parts[0].media_id
        if not record.permalink:
            record.permalink = self.permalink(root) or ""
            self.book.save(post.key, record)
        self.release(post.key, record)
        return Published(root, record.permalink or None)

    def _part(self, post: OutgoingPost, record: Record, index: int, text: str, reply_to: str) -> str:
        part = record.parts[index]
        if part.container:
            state = self.containers.state(part.container)
            if state.status is Status.PUBLISHED:  # published, but its id never came back
                found = self.find(text, reply_to)
                if found:
                    return found
                raise TransientError(
                    _("{where}: the post was published but Threads does not list it yet.").format(where=self.where),
                    request_sent=True,
                )
            if state.status not in (Status.IN_PROGRESS, Status.FINISHED):
                part.container = ""  # ERROR or EXPIRED: a new one
        if not part.container:
            part.container = self._create(post, record, index, text, reply_to)
            self.book.save(post.key, record)
        try:
            self.containers.wait(part.container)
        except ContainerExpired:
            part.container = ""
            self.book.save(post.key, record)
            raise
        if index == 0:
            self.containers.ensure_room()
        return self.containers.publish(part.container)

    def _create(self, post: OutgoingPost, record: Record, index: int, text: str, reply_to: str) -> str:
        params: dict[str, Any] = {"text": text}
        if reply_to:
            params["reply_to_id"] = reply_to
        media = post.media if index == 0 else ()
        if not media:
            params["media_type"] = "TEXT"
            link = _LINK.search(text)
            if link:
                params["link_attachment"] = link.group(0).rstrip(".,;:!?)")
            return self.containers.create(params)
        if len(media) > MAX_CAROUSEL:
            raise ContentRejected(
                _("{where}: a Threads carousel takes at most {limit} images or videos; this post has {count}.").format(
                    where=self.where, limit=MAX_CAROUSEL, count=len(media)
                )
            )
        roots = MediaRoots.checked(post, self.context)
        items = [self._item(post, roots, record, m.file, m.alt, carousel=len(media) > 1) for m in media]
        if len(items) == 1:
            params.update(items[0])
            return self.containers.create(params)
        children = []
        for item in items:
            child = self.containers.create({**item, "is_carousel_item": "true"})
            self.containers.wait(child)
            children.append(child)
        params.update({"media_type": "CAROUSEL", "children": ",".join(children)})
        return self.containers.create(params)

    def _item(
        self, post: OutgoingPost, roots: MediaRoots, record: Record, file: str, alt: str, *, carousel: bool
    ) -> dict[str, str]:
        host = self.context.media_host
        if host is None:
            raise MediaRefused(
                _("{where}: Threads fetches images and videos by URL, and no media host is set up.").format(
                    where=self.where
                ),
                hint=_("Fix: add a media_host: section to your config file (see docs/media-host.md)."),
            )
        path = Path(file) if Path(file).is_absolute() else Path(post.media_root or ".") / file
        roots.open(path).close()
        kind = media_type(path)
        if kind not in ACCEPTED:
            raise MediaRefused(
                _("{where}: Threads takes JPEG or PNG images and MP4 or MOV videos; '{name}' is {kind}.").format(
                    where=self.where, name=path.name, kind=kind
                ),
                hint=_("Fix: convert it to JPEG, PNG or MP4."),
            )
        hosted = host.publish(path, key_hint=post.post_id, lifetime=HOSTED_FOR)
        record.hosted.append(Hosted(hosted.url, hosted.key, _iso(hosted)))
        self.book.save(post.key, record)
        if kind.startswith("video/"):
            return {"media_type": "VIDEO", "video_url": hosted.url}
        item = {"media_type": "IMAGE", "image_url": hosted.url}
        if alt:
            item["alt_text"] = alt
        return item

    def release(self, key: str, record: Record) -> None:
        """Remove the post's media from the media host (the post is out: Meta has its copy)."""
        host = self.context.media_host
        if host is None or not record.hosted:
            return
        for hosted in list(record.hosted):
            host.remove(HostedMedia(hosted.url, hosted.key, None))
            record.hosted.remove(hosted)
            self.book.save(key, record)


def _iso(hosted: HostedMedia) -> str | None:
    from socialpost.networks.threads.state import stamp

    return stamp(hosted.expires_at)
