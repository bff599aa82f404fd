"""A post → Instagram containers → a published media, never published twice.

The post's files go to the media host (Instagram fetches media by URL), then: one image → an
``IMAGE`` container with ``alt_text``; one video → a ``REELS`` container (``share_to_feed``); several
files → one child container each (``is_carousel_item``), then a ``CAROUSEL`` container; with
``publish_as: story``, one ``STORIES`` container. Each container is waited for
(:class:`~socialpost.networks.common.containers.Containers`), the parent published, the hosted
copies removed, then the post's first comment added (:mod:`.first_comment`). With Facebook Login a
video is not hosted: its container is made with ``upload_type=resumable`` and its bytes sent to
Meta (:mod:`.upload`); a Reel's ``cover`` goes to the media host and is sent as ``cover_url``.

Every container id is written to the account's private state (``containers/<post key>.json``)
before it is waited for: a retry after a timeout or a crash reuses the container instead of
creating another, and :func:`reconcile` reads its status — ``PUBLISHED`` means the post is out,
so it is found rather than published again. A container whose upload was never confirmed
(``uploads``) is never waited for or published: the retry makes a new one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialpost.errors import ContentRejected, NetworkError, PermanentError
from socialpost.i18n import _
from socialpost.media import EXTENSIONS, MediaRoots, sniff
from socialpost.mediahost import HostedMedia
from socialpost.networks.base import AdapterContext, NotSent, OutgoingPost, Published
from socialpost.networks.common.containers import Containers, ContainerState, Status
from socialpost.networks.instagram.checks import caption, cover
from socialpost.networks.instagram.first_comment import FirstComment
from socialpost.networks.instagram.upload import Rupload
from socialpost.privatefiles import KeyedFiles, read_object, safe_name, write_json, write_private
from socialpost.timeutil import iso_utc

if TYPE_CHECKING:
    import httpx

    from socialpost.networks.instagram.client import GraphClient
    from socialpost.networks.instagram.settings import InstagramSettings

log = logging.getLogger("socialpost.networks.instagram")

HOSTED_LIFETIME = timedelta(hours=2)  # Meta fetches images at once and videos while processing them
QUOTA_WINDOW = timedelta(hours=24)
MEDIA_FIELDS = "id,caption,timestamp,permalink"
SEARCH_PAGES = 4  # pages of the account's recent media read to find a post (25 each)


@dataclass(frozen=True)
class Item:
    url: str  # "" for a video sent by the resumable upload
    kind: str  # "image" | "video"
    alt: str
    file: str = ""  # the campaign's file, for a video sent by the resumable upload

    @property
    def uploaded(self) -> bool:
        return not self.url


class Publisher:
    """Publishes one account's posts (see the module)."""

    def __init__(
        self,
        call: GraphClient,
        containers: Containers,
        settings: InstagramSettings,
        context: AdapterContext,
        account: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.call, self.containers, self.settings = call, containers, settings
        self.context, self.account = context, account
        self.folder = context.state_dir("containers", account)
        self.records = KeyedFiles(self.folder)
        self.comment = FirstComment(call, story=settings.publish_as == "story")
        self.rupload = Rupload(call, host=settings.upload_host, transport=transport)

    # --- state ------------------------------------------------------------------------------------

    def state(self, key: str) -> dict[str, Any]:
        return self.records.read(key) or {}

    def _save(self, key: str, state: dict[str, Any]) -> None:
        self.records.write(key, state)

    def recent(self) -> list[datetime]:
        """When this account published through socialpost in the last 24 hours (for the quota)."""
        times = (read_object(self.folder / "published.json") or {}).get("times", [])
        now = self.context.clock()
        found = []
        for value in times if isinstance(times, list) else []:
            try:
                when = datetime.fromisoformat(str(value))
            except ValueError:
                continue
            if now - QUOTA_WINDOW < when <= now:
                found.append(when)
        return found

    def _published_now(self) -> None:
        times = [iso_utc(t) for t in self.recent()] + [iso_utc(self.context.clock())]
        write_json(self.folder / "published.json", {"times": times})

    # --- publish ----------------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> Published:
        state = self.state(post.key)
        if state.get("media_id"):
            return self._finish(post, self._done(post, state, str(state["media_id"])))
        container = state.get("container")
        if container and state.get("uploads", {}).get(str(container)) is False:
            # its upload was never confirmed (a crash, a broken connection): a new container, a new upload
            state = {"hosted": state.get("hosted", [])}
            container = None
        if container:
            current = self.containers.state(str(container))
            if current.status is Status.PUBLISHED:
                found = self.find(post)
                if found is not None:
                    return self._finish(post, found)
            elif current.status in (Status.ERROR, Status.EXPIRED):
                state = {"hosted": state.get("hosted", [])}  # a new container, the old copies still removed later
                container = None
        if not container:
            self.containers.ensure_room(self.recent())
            container = self._create(post, state)
        self.containers.wait(str(container))
        media_id = self.containers.publish(str(container))
        state["media_id"] = media_id
        self._save(post.key, state)
        self._published_now()
        return self._finish(post, self._done(post, state, media_id))

    def _finish(self, post: OutgoingPost, published: Published) -> Published:
        """The post is out: its first comment, if it has one (never a reason to publish again)."""
        state = self.state(post.key)
        note = self.comment.add(post, state, published.remote_id, lambda: self._save(post.key, state))
        return Published(published.remote_id, published.url, note) if note else published

    def _done(self, post: OutgoingPost, state: dict[str, Any], media_id: str) -> Published:
        self._remove_hosted(post.key, state)
        url = None
        try:
            url = self.call("GET", media_id, {"fields": "permalink"}).get("permalink")
        except NetworkError as exc:  # the post is out: a missing link is no reason to fail it
            log.info("%s: no permalink for %s (%s)", self.account, media_id, exc.message)
        return Published(media_id, url if isinstance(url, str) and url else None)

    def _create(self, post: OutgoingPost, state: dict[str, Any]) -> str:
        items = self._host(post, state)
        text = caption(post)
        if self.settings.publish_as == "story":
            if len(items) != 1:
                raise ContentRejected(
                    _("{where}: a Story takes one image or video, this post has {count}.").format(
                        where=self.call.where, count=len(items)
                    ),
                    hint=_("Give each Story its own post."),
                )
            params = {"media_type": "STORIES", **self._source(items[0])}
        elif len(items) == 1:
            params = self._single(items[0], text)
            if items[0].kind == "video":
                params.update(self._cover(post, state))
        else:
            children: list[str] = []
            for item in items:
                child = {"is_carousel_item": "true", **self._source(item)}
                if item.kind == "video":
                    child["media_type"] = "VIDEO"
                elif item.alt:
                    child["alt_text"] = item.alt
                child_id = self.containers.create(child)
                children.append(child_id)
                state["children"] = children
                self._upload(post, state, child_id, item)
            for child_id in children:
                self.containers.wait(child_id)
            params = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": text}
            items = []  # the carousel itself has no bytes of its own
        container = self.containers.create(params)
        state["container"] = container
        self._upload(post, state, container, items[0] if len(items) == 1 else None)
        return container

    @staticmethod
    def _source(item: Item) -> dict[str, str]:
        """Where Meta finds the item's bytes: its hosted URL, or the resumable upload to come."""
        return {"upload_type": "resumable"} if item.uploaded else {f"{item.kind}_url": item.url}

    def _upload(self, post: OutgoingPost, state: dict[str, Any], container: str, item: Item | None) -> None:
        """Save the container's id, then send its video when it comes by the resumable upload
        (``uploads``: container → whether its upload was confirmed; an unconfirmed one is never
        waited for or published: a retry makes a new one)."""
        if item is None or not item.uploaded:
            self._save(post.key, state)
            return
        uploads = state.setdefault("uploads", {})
        uploads[container] = False
        self._save(post.key, state)
        with MediaRoots.checked(post, self.context).open(item.file) as handle:
            self.rupload.send(container, handle)
        uploads[container] = True
        self._save(post.key, state)

    def _single(self, item: Item, text: str) -> dict[str, str]:
        if item.kind == "video":
            share = "true" if self.settings.share_reels_to_feed else "false"
            return {"media_type": "REELS", **self._source(item), "caption": text, "share_to_feed": share}
        params = {"image_url": item.url, "caption": text}
        if item.alt:
            params["alt_text"] = item.alt
        return params

    def _host(self, post: OutgoingPost, state: dict[str, Any]) -> list[Item]:
        """The post's files as container items: on the media host (before any container is made, so
        a missing host fails the post with nothing created), or, a video with Facebook Login, to be
        sent by the resumable upload."""
        if not post.media:
            raise ContentRejected(
                _("{where}: Instagram has no text-only posts.").format(where=self.call.where),
                hint=_("Add an image or a video to the post."),
            )
        resumable = self.settings.login == "facebook"  # videos by the resumable upload
        roots = MediaRoots.checked(post, self.context)
        kinds = [_mime(roots, media.file) for media in post.media]
        items: list[Item] = []
        state.setdefault("hosted", [])
        for number, (media, mime) in enumerate(zip(post.media, kinds, strict=True)):
            kind = "video" if mime.startswith("video/") else "image"
            if kind == "video" and resumable:
                items.append(Item("", kind, media.alt, media.file))
                continue
            data = roots.read(media.file)
            mime = sniff(data[:64]) or ""
            if kind == "image" and mime != "image/jpeg":
                raise ContentRejected(
                    _("{where}: Instagram takes images as JPEG only; {name} is not one.").format(
                        where=self.call.where, name=Path(media.file).name
                    ),
                    hint=_("Convert it to JPEG."),
                )
            items.append(Item(self._put(post, state, data, mime, str(number)), kind, media.alt))
        return items

    def _put(self, post: OutgoingPost, state: dict[str, Any], data: bytes, mime: str, name: str) -> str:
        """``data`` on the media host (recorded for removal once the post is out) → its URL."""
        host = self.context.media_host
        if host is None:
            raise PermanentError(
                _("{where}: Instagram fetches media from a public web address, and no media host is set up.").format(
                    where=self.call.where
                ),
                hint=_("Add a media_host: section to your config file (docs/media-host.md)."),
            )
        uploads = self.context.state_dir("uploads", self.account)
        copy = uploads / f"{safe_name(post.key)}-{name}{EXTENSIONS.get(mime, '')}"
        write_private(copy, data)
        try:
            put = host.publish(copy, key_hint=post.post_id, lifetime=HOSTED_LIFETIME)
        finally:
            copy.unlink(missing_ok=True)
        state.setdefault("hosted", []).append({"url": put.url, "key": put.key})
        self._save(post.key, state)
        return put.url

    def _cover(self, post: OutgoingPost, state: dict[str, Any]) -> dict[str, str]:
        """A Reel's ``cover_url`` (its cover image put on the media host), {} without a cover."""
        path = cover(post)
        if path is None:
            return {}
        data = MediaRoots.checked(post, self.context).read(str(path))
        if sniff(data[:64]) != "image/jpeg":
            raise ContentRejected(
                _("{where}: a Reel's cover must be a JPEG image; {name} is not one.").format(
                    where=self.call.where, name=path.name
                ),
                hint=_("Convert it to JPEG."),
            )
        return {"cover_url": self._put(post, state, data, "image/jpeg", "cover")}

    def _remove_hosted(self, key: str, state: dict[str, Any]) -> None:
        host = self.context.media_host
        left = []
        for entry in state.get("hosted", []):
            if host is None:
                left.append(entry)
                continue
            try:
                host.remove(HostedMedia(url=str(entry.get("url")), key=str(entry.get("key")), expires_at=None))
            except NetworkError as exc:
                log.warning("%s: could not remove a hosted copy (%s)", self.account, exc.message)
                left.append(entry)
        if left != state.get("hosted", []):
            state["hosted"] = left
            self._save(key, state)

    # --- reconcile --------------------------------------------------------------------------------

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        state = self.state(post.key)
        if state.get("media_id"):
            return self._finish(post, self._done(post, state, str(state["media_id"])))
        container = state.get("container")
        if container:
            current: ContainerState = self.containers.state(str(container))
            if current.status is Status.PUBLISHED:
                found = self.find(post)
                return self._finish(post, found) if found is not None else None
            if current.status is None:
                return None
            return NotSent(
                _("the container was never published (its status is {status}).").format(status=current.status.value)
            )
        found = self.find(post)
        return (
            self._finish(post, found) if found is not None else NotSent(_("no post with this caption since its time."))
        )

    def find(self, post: OutgoingPost) -> Published | None:
        """The account's media with this post's caption, published since the post's time."""
        text = caption(post).strip()
        params: dict[str, Any] = {"fields": MEDIA_FIELDS, "limit": 25}
        path = f"{self.settings.user_id}/media"
        since = post.due_at - timedelta(minutes=5)
        for _page in range(SEARCH_PAGES):
            answer = self.call("GET", path, params)
            data = answer.get("data")
            rows: list[Any] = data if isinstance(data, list) else []
            for row in rows:
                if not isinstance(row, dict):
                    continue
                if str(row.get("caption") or "").strip() == text and row.get("id"):
                    state = self.state(post.key)
                    state["media_id"] = str(row["id"])
                    self._save(post.key, state)
                    self._remove_hosted(post.key, state)
                    link = row.get("permalink")
                    return Published(str(row["id"]), link if isinstance(link, str) else None)
            older = [r for r in rows if isinstance(r, dict) and _time(r.get("timestamp")) < since]
            after = ((answer.get("paging") or {}).get("cursors") or {}).get("after")
            if older or not after or not rows:
                break
            params = {**params, "after": after}
        return None


def _mime(roots: MediaRoots, file: str) -> str:
    """The media type of a post's file from its first bytes ("" when it is none socialpost knows)."""
    with roots.open(file) as handle:
        return sniff(handle.read(64)) or ""


def _time(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("+0000", "+00:00"))
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)
