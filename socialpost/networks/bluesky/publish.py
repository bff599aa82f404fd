"""Publishing a post and its thread under record keys derived from the post, and reconciling."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from socialpost.errors import AuthError, ContentRejected, PermanentError, TransientError
from socialpost.i18n import _
from socialpost.media import MediaRoots
from socialpost.networks.base import NotSent, OutgoingPost, Published
from socialpost.networks.bluesky.client import POST_COLLECTION, _xrpc_error
from socialpost.networks.bluesky.facets import build_facets, sdk
from socialpost.networks.bluesky.media import MediaPart
from socialpost.networks.bluesky.tid import record_key
from socialpost.networks.common.images import PreparedImage

log = logging.getLogger("socialpost.networks.bluesky")


@dataclass(frozen=True)
class _Ref:
    """A record online: its at:// URI and content id (what reply references point at)."""

    uri: str
    cid: str

    def strong(self) -> dict[str, str]:
        return {"uri": self.uri, "cid": self.cid}


class PublishPart(MediaPart):
    """Posts and threads, each part looked up by its record key before it is created."""

    def publish(self, post: OutgoingPost) -> Published:
        parts = [post.text, *post.thread]
        self._check_lengths(parts)
        images = self.prepare_media(post.media, MediaRoots.of(post, self.context))
        notes: list[str] = []  # why the post has no link card, if it has none
        did = self.did
        root: _Ref | None = None
        parent: _Ref | None = None
        for index, text in enumerate(parts):
            rkey = record_key(post.key, index, post.due_at)
            ref = self._get_record(did, rkey)
            if ref is None:
                reply = {"root": root.strong(), "parent": parent.strong()} if root and parent else None
                record = self._record(
                    text, reply=reply, images=images if index == 0 else [], notes=notes, language=post.language
                )
                ref = self._create(did, rkey, record)
            else:
                log.info("%s: part %d of %s is already online; not sent again", self.account, index + 1, post.post_id)
            root = root or ref
            parent = ref
        assert root is not None
        return Published(remote_id=root.uri, url=self.web_url(root.uri), note=" ".join(notes))

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        """Look the post's records up by their record keys: all there → Published; none → NotSent;
        only some (a thread cut short) → None, and the daemon re-sends, which adds the missing parts."""
        did = self.did
        count = 1 + len(post.thread)
        refs = [self._get_record(did, record_key(post.key, i, post.due_at)) for i in range(count)]
        if all(ref is None for ref in refs):
            return NotSent(
                _("no record of this post on {handle} (looked up by its record keys)").format(
                    handle=self.settings.handle
                )
            )
        if all(ref is not None for ref in refs):
            first = refs[0]
            assert first is not None
            return Published(remote_id=first.uri, url=self.web_url(first.uri))
        return None

    def _check_lengths(self, parts: Sequence[str]) -> None:
        rule = self.profile.length
        for index, text in enumerate(parts):
            which = _("the post") if index == 0 else _("part {number} of the thread").format(number=index + 1)
            if not text.strip():
                raise ContentRejected(
                    _("Bluesky ({account}): {part} is empty; Bluesky needs some text.").format(
                        account=self.account, part=which
                    )
                )
            for measure in rule.measure(text):
                if measure.over:
                    raise ContentRejected(
                        _("Bluesky ({account}): {part} is too long: {value} {unit}, Bluesky allows {limit}.").format(
                            account=self.account,
                            part=which,
                            value=measure.value,
                            unit=_(measure.what),
                            limit=measure.limit,
                        ),
                        hint=_("Shorten it or move the rest into a thread."),
                    )

    def _record(
        self,
        text: str,
        *,
        reply: dict[str, Any] | None,
        images: list[PreparedImage],
        notes: list[str] | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        facets = build_facets(text, self._resolve_handle)
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": _iso_ms(self.context.clock()),
        }
        # The post's own language (BCP 47, as the campaign writes it), else the account's; none
        # rather than a wrong guess (Bluesky's apps then detect it).
        if language or self.settings.language:
            record["langs"] = [language or self.settings.language]
        if facets.facets:
            record["facets"] = facets.facets
        if reply:
            record["reply"] = reply
        if images:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "alt": image.alt,
                        "image": self._upload(image),
                        "aspectRatio": {"width": image.width, "height": image.height},
                    }
                    for image in images
                ],
            }
        elif self.settings.link_cards and facets.first_link:
            card = self._link_card(facets.first_link, [] if notes is None else notes)
            if card is not None:
                record["embed"] = card
        return record

    def _create(self, did: str, rkey: str, record: dict[str, Any]) -> _Ref:
        models = sdk("atproto_client.models")

        data = models.ComAtprotoRepoCreateRecord.Data(repo=did, collection=POST_COLLECTION, rkey=rkey, record=record)
        try:
            created = self._call(_("publishing a post"), lambda c: c.com.atproto.repo.create_record(data))
        except TransientError:
            # The answer was lost, or the key is taken (the PDS answers 500 then): look before retrying.
            found = self._get_record(did, rkey)
            if found is not None:
                return found
            raise
        return _Ref(str(created.uri), str(created.cid))

    def _get_record(self, did: str, rkey: str) -> _Ref | None:
        models = sdk("atproto_client.models")
        BadRequestError = sdk("atproto_client.exceptions").BadRequestError

        params = models.ComAtprotoRepoGetRecord.Params(repo=did, collection=POST_COLLECTION, rkey=rkey)

        def get(client: Any) -> _Ref | None:
            try:
                found = client.com.atproto.repo.get_record(params)
            except BadRequestError as exc:
                if _xrpc_error(exc.response)[0] == "RecordNotFound":
                    return None
                raise
            if not found.cid:
                raise ContentRejected(
                    _("Bluesky ({account}): {uri} has no content id.").format(account=self.account, uri=found.uri)
                )
            return _Ref(str(found.uri), str(found.cid))

        return self._call(_("looking up a post"), get)

    def _resolve_handle(self, handle: str) -> str | None:
        try:
            return str(
                self._call(_("resolving @{handle}").format(handle=handle), lambda c: c.resolve_handle(handle).did)
            )
        except PermanentError as exc:
            if isinstance(exc, AuthError):
                raise
            log.info("%s: @%s is not a Bluesky handle we can resolve; left as plain text", self.account, handle)
            return None

    def web_url(self, uri: str) -> str:
        """at://DID/app.bsky.feed.post/RKEY → https://bsky.app/profile/DID/post/RKEY"""
        authority, _sep, rest = uri.removeprefix("at://").partition("/")
        return f"https://bsky.app/profile/{authority}/post/{rest.rpartition('/')[2]}"


def _iso_ms(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
