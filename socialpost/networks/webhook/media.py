"""The webhook's media: each file inline as base64 (``data``, up to ``inline_media_max_bytes`` a
request) or, with ``media_base_url`` and ``media_folder``, copied into that folder under its digest
and sent as a link (``url``).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import quote

from socialpost.errors import ContentRejected, PermanentError, TransientError
from socialpost.i18n import _
from socialpost.i18n.formats import integer
from socialpost.media import MediaRoots
from socialpost.networks.base import Media, OutgoingPost
from socialpost.networks.common import files
from socialpost.networks.common.media_json import described
from socialpost.networks.webhook.client import WebhookClient


class MediaSender(WebhookClient):
    """How the post's media travel: inline (base64) or as links into the account's media folder."""

    def _media(self, post: OutgoingPost, where: str) -> list[dict[str, Any]]:
        """Each media file as the receiver gets it: inline (``data``, base64), or as a link
        (``url``) when the account has a media folder published at ``media_base_url``. Every file
        is opened through MediaRoots (confined to the campaign's folder, no link followed)."""
        if not post.media:
            return []
        roots = MediaRoots.checked(post, self.context)
        if self.settings.media_base_url is not None:
            return [self._linked(roots, media, where) for media in post.media]
        return self._inline(roots, post, where)

    def _inline(self, roots: MediaRoots, post: OutgoingPost, where: str) -> list[dict[str, Any]]:
        cap = self.settings.inline_media_max_bytes
        # the sizes first: a video too big to send is not read into memory
        _within(sum(files.media_size(roots, media.file) for media in post.media), cap, where)
        read = [(media, roots.read(media.file)) for media in post.media]
        _within(sum(len(data) for _media, data in read), cap, where)  # a file that grew meanwhile
        return [
            {
                **described(media, files.MediaFacts.of(media.file, data)),
                "data": base64.b64encode(data).decode("ascii"),
                "url": None,
            }
            for media, data in read
        ]

    def _linked(self, roots: MediaRoots, media: Media, where: str) -> dict[str, Any]:
        """``media`` copied into the media folder under a name made of its digest (the same file is
        copied once, two files never share a name, and no name can be guessed), and its address."""
        folder = Path(self.settings.media_folder or "").expanduser()
        folder = folder if folder.is_absolute() else self.context.base_dir / folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            facts, copy = files.copy_media(roots, media.file, folder, _by_digest)
        except OSError as exc:
            error = PermanentError if exc.errno in files.PERMANENT_ERRNOS else TransientError
            raise error(
                _("{where}: cannot copy the media into {folder} ({reason}).").format(
                    where=where, folder=folder, reason=exc.strerror or exc.__class__.__name__
                ),
                hint=_("Make media_folder writable for socialpost, or set it to another folder."),
            ) from None
        base = str(self.settings.media_base_url).rstrip("/")
        return {**described(media, facts), "data": None, "url": f"{base}/{quote(copy.name)}"}


def _within(total: int, cap: int, where: str) -> None:
    """ContentRejected naming the cap when the inline media come to more than ``cap`` bytes."""
    if total <= cap:
        return
    raise ContentRejected(
        _(
            "{where}: the post's media come to {size} bytes, more than the {limit} bytes this webhook "
            "sends inline (inline_media_max_bytes)."
        ).format(where=where, size=integer(total), limit=integer(cap)),
        hint=_(
            "Set media_base_url and media_folder for this webhook so media go as links, or raise "
            "inline_media_max_bytes if your receiver takes bigger requests (docs/networks/webhook.md)."
        ),
    )


def _by_digest(facts: files.MediaFacts) -> str:
    """A linked copy's name: its content's digest (128 bits) and the extension of its type."""
    return f"{facts.sha256[:32]}{facts.extension}"
