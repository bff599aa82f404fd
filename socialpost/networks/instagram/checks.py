"""What ``validate`` asks about a post to Instagram beyond length and media size (the profile's
``post_checks``): Instagram has no text-only posts, and a caption takes at most 30 hashtags and
20 mentions ("You can use up to 30 hashtags" and 20 ``@`` tags per post: the Instagram API's
caption limits; a caption over either is refused with error code 100). The optional first comment
(``first_comment:``) is a comment like any other: at most 2,200 characters and 30 hashtags; it is
added after the post is out, so a comment Instagram would refuse must be found here, not then."""

from __future__ import annotations

import re
from pathlib import Path

from socialpost.i18n import _
from socialpost.media import sniff
from socialpost.networks.base import OutgoingPost, Rendition
from socialpost.text.count import graphemes

MAX_CAPTION = 2200
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
MAX_ITEMS = 10  # children of a carousel
MAX_COMMENT = 2200  # characters in one comment (a caption's limit)
MAX_COVER = 8 * 1_000_000  # bytes of a Reel's cover image (JPEG, like an image post)
HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.]+)")


def caption(post: OutgoingPost) -> str:
    """The caption: the text and its thread parts joined, as :meth:`Rendition.joined` shows them."""
    return Rendition.joined((post.text, *post.thread), network="Instagram").parts[0] if post.text or post.thread else ""


def first_comment(post: OutgoingPost) -> str:
    """The post's ``first_comment:`` ("" when it has none)."""
    value = post.extra.get("first_comment")
    return value.strip() if isinstance(value, str) else ""


def cover(post: OutgoingPost) -> Path | None:
    """The post's ``cover:`` (a Reel's cover image), None when it has none."""
    value = post.extra.get("cover")
    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else Path(post.media_root or ".") / path


def _head(path: Path) -> bytes | None:
    try:
        with path.open("rb") as handle:
            return handle.read(32)
    except OSError:
        return None


def hashtags(text: str) -> list[str]:
    return HASHTAG.findall(text)


def mentions(text: str) -> list[str]:
    return MENTION.findall(text)


class InstagramChecks:
    """The profile's ``post_checks`` (pure: no settings, no network call)."""

    def files(self, post: OutgoingPost) -> list[tuple[str, Path]]:
        path = cover(post)
        return [("cover", path)] if path is not None else []

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
        found.extend(comment_problems(first_comment(post)))
        found.extend(kind_problems(post))
        found.extend(cover_problems(post))
        return found


VIDEOS = frozenset({"video/mp4", "video/quicktime"})


def kind_problems(post: OutgoingPost) -> list[str]:
    """Images in JPEG only, videos in MP4 or MOV (the content-publishing reference): Instagram
    refuses any other kind only when the post goes out. A file that cannot be read is left to the
    media checks, which say why."""
    found: list[str] = []
    for media in post.media:
        path = Path(media.file) if Path(media.file).is_absolute() else Path(post.media_root or ".") / media.file
        head = _head(path)
        kind = sniff(head) if head is not None else None
        if kind is None or kind == "image/jpeg" or kind in VIDEOS:
            continue
        found.append(
            _(
                "Instagram takes images in JPEG only and videos in MP4 or MOV; '{name}' is {kind} and would be "
                "refused when it is posted. Fix: convert it to {target}, or give Instagram other media under "
                "variants:."
            ).format(
                name=path.name,
                kind=kind.partition("/")[2].upper(),
                target="JPEG" if kind.startswith("image/") else "MP4",
            )
        )
    return found


def cover_problems(post: OutgoingPost) -> list[str]:
    """A Reel's cover: a JPEG of at most 8 MB, on a post of exactly one video ([] without one)."""
    path = cover(post)
    if path is None:
        return []
    found: list[str] = []
    heads = [_head(Path(m.file) if Path(m.file).is_absolute() else Path(post.media_root or ".") / m.file)
             for m in post.media]  # fmt: skip
    kinds = [sniff(head) if head is not None else None for head in heads]
    if len(kinds) != 1 or not (kinds[0] or "").startswith("video/"):
        found.append(_("a cover is for a Reel, a post of one video; this post is not one. Fix: remove cover."))
    head = _head(path)
    if head is None:
        found.append(
            _("the cover {file} cannot be read. Fix: check the path (relative to the campaign file).").format(
                file=path.name
            )
        )
    elif sniff(head) != "image/jpeg":
        found.append(_("the cover {file} is not a JPEG image; Instagram takes JPEG only. Fix: convert it.").format(
            file=path.name
        ))  # fmt: skip
    elif path.stat().st_size > MAX_COVER:
        found.append(_("the cover {file} is over Instagram's 8 MB. Fix: make it smaller.").format(file=path.name))
    return found


def comment_problems(text: str) -> list[str]:
    """What Instagram would refuse in the first comment ([] without one)."""
    found: list[str] = []
    length = graphemes(text)
    if length > MAX_COMMENT:
        found.append(
            _(
                "the first comment has {length} characters; an Instagram comment takes at most {limit}. "
                "Fix: shorten it by {extra}."
            ).format(length=length, limit=MAX_COMMENT, extra=length - MAX_COMMENT)
        )
    tags = hashtags(text)
    if len(tags) > MAX_HASHTAGS:
        found.append(
            _("the first comment has {count} hashtags; Instagram takes at most {limit}. Fix: remove {extra}.").format(
                count=len(tags), limit=MAX_HASHTAGS, extra=len(tags) - MAX_HASHTAGS
            )
        )
    return found


CHECKS = InstagramChecks()
