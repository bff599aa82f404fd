"""What ``validate`` asks about a post to Instagram beyond length and media size (the profile's
``post_checks``): Instagram has no text-only posts, and a caption takes at most 30 hashtags and
20 mentions ("You can use up to 30 hashtags" and 20 ``@`` tags per post: the Instagram API's
caption limits; a caption over either is refused with error code 100)."""

from __future__ import annotations

import re
from pathlib import Path

from socialpost.i18n import _
from socialpost.networks.base import OutgoingPost, Rendition

MAX_CAPTION = 2200
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
MAX_ITEMS = 10  # children of a carousel
HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.]+)")


def caption(post: OutgoingPost) -> str:
    """The caption: the text and its thread parts joined, as :meth:`Rendition.joined` shows them."""
    return Rendition.joined((post.text, *post.thread), network="Instagram").parts[0] if post.text or post.thread else ""


def hashtags(text: str) -> list[str]:
    return HASHTAG.findall(text)


def mentions(text: str) -> list[str]:
    return MENTION.findall(text)


class InstagramChecks:
    """The profile's ``post_checks`` (pure: no settings, no network call)."""

    def files(self, post: OutgoingPost) -> list[tuple[str, Path]]:
        return []

    def problems(self, post: OutgoingPost) -> list[str]:
        found: list[str] = []
        text = caption(post)
        if not post.media:
            found.append(
                _("Instagram has no text-only posts. Fix: add an image or a video (media: [{file: …, alt: …}]).")
            )
        tags = hashtags(text)
        if len(tags) > MAX_HASHTAGS:
            found.append(
                _("the caption has {count} hashtags; Instagram takes at most {limit}. Fix: remove {extra}.").format(
                    count=len(tags), limit=MAX_HASHTAGS, extra=len(tags) - MAX_HASHTAGS
                )
            )
        names = mentions(text)
        if len(names) > MAX_MENTIONS:
            found.append(
                _(
                    "the caption mentions {count} accounts; Instagram takes at most {limit}. Fix: remove {extra}."
                ).format(count=len(names), limit=MAX_MENTIONS, extra=len(names) - MAX_MENTIONS)
            )
        return found


CHECKS = InstagramChecks()
