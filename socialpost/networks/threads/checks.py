"""What ``validate`` asks about a post to Threads beyond length and media size (the profile's
``post_checks``): the kinds of file Threads takes.

Threads' media specifications (developers.facebook.com/docs/threads/overview, "Media
specifications"): images JPEG or PNG, at most 8 MB; videos MOV or MP4, at most 1 GB and
5 minutes. Threads refuses any other kind only when the container is created, after the file was
put on the media host — a WebP photo (which other networks take) would fail the post at its time.
The check reads each file's first bytes (the kind is its content, never its name); a file that
cannot be read is left to the media checks, which say why.
"""

from __future__ import annotations

from pathlib import Path

from socialpost.i18n import _
from socialpost.media import sniff
from socialpost.networks.base import OutgoingPost

ACCEPTED = frozenset({"image/jpeg", "image/png", "video/mp4", "video/quicktime"})
NAMES = {"image/webp": "WebP", "image/gif": "GIF", "video/webm": "WebM"}


def kind_of(path: Path) -> str | None:
    """The media type of ``path`` from its first bytes; None when it cannot be read or is no media."""
    try:
        with path.open("rb") as handle:
            return sniff(handle.read(32))
    except OSError:
        return None


class ThreadsChecks:
    """The profile's ``post_checks`` (no settings, no network call)."""

    def files(self, post: OutgoingPost) -> list[tuple[str, Path]]:
        return []  # the post's media are checked (and confined) by validate's media checks

    def problems(self, post: OutgoingPost) -> list[str]:
        found: list[str] = []
        for media in post.media:
            path = Path(media.file)
            if not path.is_absolute():
                path = Path(post.media_root or ".") / path
            kind = kind_of(path)
            if kind is None or kind in ACCEPTED or kind == "image/gif":  # a GIF: the media limits say it
                continue
            found.append(
                _(
                    "Threads takes JPEG or PNG images and MP4 or MOV videos; '{name}' is {kind} and would be "
                    "refused when it is posted. Fix: convert it to {target}, or give Threads other media under "
                    "variants:."
                ).format(
                    name=path.name,
                    kind=NAMES.get(kind, kind),
                    target="JPEG" if kind.startswith("image/") else "MP4",
                )
            )
        return found


CHECKS = ThreadsChecks()
