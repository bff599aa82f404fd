"""Telegram's length limits, measured as Telegram measures them: in UTF-16 code units (an emoji
outside the Basic Multilingual Plane counts 2). A text message takes 4,096; a caption (the text of
a post with a photo or an album) 1,024 — checked by :class:`CaptionChecks`, the profile's
``post_checks``, since the length rule measures a text without knowing its media."""

from __future__ import annotations

from pathlib import Path

from socialpost.i18n import N_, _
from socialpost.i18n.formats import integer
from socialpost.networks.base import OutgoingPost
from socialpost.text.rules import LengthRule

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALBUM_MAX = 10
UTF16_UNITS = N_("characters (UTF-16)")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def telegram_rule() -> LengthRule:
    return LengthRule("telegram", ((UTF16_UNITS, TEXT_LIMIT, utf16_length),))


class CaptionChecks:
    """What ``validate`` asks about a Telegram post beyond the text's length: a post with media
    has a caption, limited to 1,024."""

    def files(self, post: OutgoingPost) -> list[tuple[str, Path]]:
        return []

    def problems(self, post: OutgoingPost) -> list[str]:
        if not post.media:
            return []
        length = utf16_length(post.text)
        if length <= CAPTION_LIMIT:
            return []
        return [
            _(
                "the text of a Telegram post with media is its caption: {length} characters, more than "
                "{limit}. Fix: shorten it, or move the rest to a thread part"
            ).format(length=integer(length), limit=integer(CAPTION_LIMIT))
        ]


CAPTION_CHECKS = CaptionChecks()
