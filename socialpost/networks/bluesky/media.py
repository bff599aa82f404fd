"""A post's images (checked, re-encoded when too large: :mod:`socialpost.networks.common.images`)
and its link card (:mod:`socialpost.networks.common.linkcard`), uploaded as blobs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from socialpost.errors import ContentRejected, FetchError, TransientError
from socialpost.fetch import FetchPolicy
from socialpost.i18n import _, formats
from socialpost.media import MediaRoots
from socialpost.networks.base import Media
from socialpost.networks.bluesky.client import BlueskyClient
from socialpost.networks.bluesky.facets import sdk
from socialpost.networks.common.images import ImageRefused, PreparedImage
from socialpost.networks.common.images import prepare_image as prepare_any_image
from socialpost.networks.common.linkcard import CARD_TIMEOUT, fetch_card, fetch_image

log = logging.getLogger("socialpost.networks.bluesky")

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000  # the lexicon's maxSize for an image (and a link card's thumbnail) blob
MAX_IMAGE_SIDE = 2000  # re-encoded images are scaled down to this first


class MediaPart(BlueskyClient):
    """Images and link cards."""

    def _upload(self, image: PreparedImage) -> dict[str, Any]:
        get_model_as_dict = sdk("atproto_client.models.utils").get_model_as_dict

        uploaded = self._call(
            _("uploading an image"),
            lambda c: c.com.atproto.repo.upload_blob(image.data, headers={"Content-Type": image.mime}),
        )
        blob: dict[str, Any] = get_model_as_dict(uploaded.blob)
        return blob

    # --- media -----------------------------------------------------------------------------

    def prepare_media(self, media: Sequence[Media], roots: MediaRoots) -> list[PreparedImage]:
        if len(media) > MAX_IMAGES:
            raise ContentRejected(
                _("Bluesky ({account}): {count} images; a post can carry at most {limit}.").format(
                    account=self.account, count=len(media), limit=MAX_IMAGES
                ),
                hint=_("Keep four, or move the others to a later part of a thread."),
            )
        prepared = []
        for item in media:
            path = Path(item.file)
            data = roots.read(path)
            image = prepare_image(data, label=path.name)
            prepared.append(PreparedImage(image.data, image.mime, image.width, image.height, alt=item.alt))
        return prepared

    # --- link cards ------------------------------------------------------------------------

    def _fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(
            allow_private=self.settings.allow_private_links, ports=self.context.fetch_ports, timeout=CARD_TIMEOUT
        )

    def _link_card(self, url: str, notes: list[str]) -> dict[str, Any] | None:
        """An app.bsky.embed.external card for ``url``, or None when its page cannot be read (the
        reason goes to the log and to ``notes``: the post goes out without a card)."""
        policy = self._fetch_policy()
        try:
            page = fetch_card(url, policy=policy)
        except FetchError as exc:
            self._no_card(_("no link card: {reason}"), exc, notes)
            return None
        if page is None or not (page.title or page.description):
            return None
        external: dict[str, Any] = {"uri": url, "title": page.title, "description": page.description}
        if page.image:
            try:
                thumb = fetch_image(page.image, max_bytes=MAX_IMAGE_BYTES, policy=policy)
            except FetchError as exc:
                self._no_card(_("the link card has no image: {reason}"), exc, notes)
                thumb = None
            if thumb is not None:
                try:
                    external["thumb"] = self._upload(thumb)
                except (TransientError, ContentRejected) as exc:
                    log.info("%s: link card without its image (%s)", self.account, exc.__class__.__name__)
        return {"$type": "app.bsky.embed.external", "external": external}

    def _no_card(self, template: str, exc: FetchError, notes: list[str]) -> None:
        note = template.format(reason=exc.message)
        log.log(logging.WARNING if exc.refused else logging.INFO, "%s: %s", self.account, note)
        notes.append(note)


def prepare_image(data: bytes, *, label: str, max_bytes: int = MAX_IMAGE_BYTES) -> PreparedImage:
    """Check an image Bluesky can show; re-encode it as JPEG when it is over ``max_bytes``."""
    try:
        return prepare_any_image(data, label=label, max_bytes=max_bytes, max_side=MAX_IMAGE_SIDE)
    except ImageRefused as refused:
        raise _refusal(refused, label) from None


def _refusal(refused: ImageRefused, label: str) -> ContentRejected:
    """Why an image cannot go to Bluesky, in Bluesky's words."""
    if refused.reason == "format":
        return ContentRejected(
            _("Bluesky: {file} is a {format} image; Bluesky takes JPEG, PNG, WebP or GIF.").format(
                file=label, format=refused.fmt
            ),
            hint=_("Convert it to JPEG or PNG."),
        )
    if refused.reason == "size":
        return ContentRejected(
            _("Bluesky: {file} is {size} bytes and cannot be brought under {limit} bytes.").format(
                file=label, size=formats.integer(refused.size), limit=formats.integer(refused.limit)
            ),
            hint=_("Use a smaller image."),
        )
    reason = _("it is too large to decode") if refused.reason == "undecodable" else _("not an image")
    return ContentRejected(
        _("Bluesky: {file} cannot be posted ({reason}); Bluesky takes JPEG, PNG, WebP or GIF images.").format(
            file=label, reason=reason
        )
    )
