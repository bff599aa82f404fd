"""What ``validate`` asks about a post to Pinterest beyond the description's length (the profile's
``post_checks``): a pin needs a board and one image (JPEG or PNG); its title, alt text and link
have Pinterest's limits. Each problem names the key it is about (``pin.title``), so ``validate``
points at the line that holds it. Pure: no settings, no network call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any

from socialpost.i18n import _
from socialpost.i18n.formats import integer
from socialpost.networks.base import OutgoingPost, Rendition
from socialpost.networks.pinterest.settings import MAX_ALT, MAX_LINK, MAX_TITLE

Loc = tuple[str | int, ...]
IMAGE_SUFFIXES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def pin_of(post: OutgoingPost) -> dict[str, Any]:
    """The post's ``pin:`` part (board, title, link), {} when it has none."""
    found = post.extra.get("pin")
    return found if isinstance(found, dict) else {}


def description(post: OutgoingPost) -> str:
    """The pin's description: the text and its thread parts joined (Pinterest has no threads)."""
    return Rendition.joined((post.text, *post.thread), network="Pinterest").parts[0] if post.text or post.thread else ""


def length(text: str) -> int:
    """Pinterest's count: characters as Python counts them (code points; never fewer than graphemes)."""
    return len(text)


class PinChecks:
    """The profile's ``post_checks``."""

    def files(self, post: OutgoingPost) -> list[tuple[str, Path]]:
        return []

    def problems(self, post: OutgoingPost) -> Sequence[str | tuple[Loc, str]]:
        found: list[str | tuple[Loc, str]] = []
        pin = pin_of(post)
        if not pin:
            found.append(
                _(
                    "a Pinterest post needs pin: with the board it goes to. Fix: add "
                    'pin: {board: "Board name", title: "…"} to the post (or the board to defaults: pin:).'
                )
            )
        elif not str(pin.get("board") or "").strip():
            found.append(
                (
                    ("pin", "board"),
                    _("the pin names no board. Fix: add board: with the board's name (here, or in defaults: pin:)."),
                )
            )
        title = str(pin.get("title") or "")
        if length(title) > MAX_TITLE:
            found.append(
                (
                    ("pin", "title"),
                    _(
                        "the pin's title is {length} characters; Pinterest takes at most {limit}. Fix: shorten it."
                    ).format(length=integer(length(title)), limit=integer(MAX_TITLE)),
                )
            )
        link = str(pin.get("link") or "")
        if link and not link.startswith(("https://", "http://")):
            found.append(
                (
                    ("pin", "link"),
                    _("the pin's link must start with https:// or http://. Fix: write the whole address."),
                )
            )
        elif length(link) > MAX_LINK:
            found.append(
                (
                    ("pin", "link"),
                    _("the pin's link is {length} characters; Pinterest takes at most {limit}.").format(
                        length=integer(length(link)), limit=integer(MAX_LINK)
                    ),
                )
            )
        if not post.media:
            found.append(_("a pin is an image: Pinterest has no text-only pins. Fix: add media: [{file: …, alt: …}]."))
        for number, media in enumerate(post.media):
            suffix = PurePath(media.file).suffix.lower()
            if suffix not in IMAGE_SUFFIXES:
                found.append(
                    (
                        ("media", number, "file"),
                        _(
                            "Pinterest pins take a JPEG or PNG image; '{name}' is neither. "
                            "Fix: export it as JPEG or PNG."
                        ).format(name=PurePath(media.file).name),
                    )
                )
            if length(media.alt) > MAX_ALT:
                found.append(
                    (
                        ("media", number, "alt"),
                        _("the image's alt text is {length} characters; Pinterest takes at most {limit}.").format(
                            length=integer(length(media.alt)), limit=integer(MAX_ALT)
                        ),
                    )
                )
        return found


CHECKS = PinChecks()
