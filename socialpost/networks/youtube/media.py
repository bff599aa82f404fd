"""A YouTube post's video: its description and the checks YouTube would apply.

Nothing here imports Google's client, so campaign validation can call :func:`check_video`
cheaply.

* :func:`video_spec` reads a post's video (file, title, tags, category, made_for_kids,
  thumbnail, playlist) from ``post.extra["video"]`` (the campaign's ``video:`` key), the file
  falling back to the post's first media file.
* :func:`check_video` lists what YouTube would refuse (title ≤ 100 characters, description ≤ 5,000
  bytes, tags ≤ 500 characters in all, no ``<``/``>``, a known category, a video file, a JPEG/PNG
  thumbnail ≤ 2 MB), each in plain words with the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialpost.i18n import _, formats
from socialpost.networks.base import OutgoingPost, decimal_mark

MAX_TITLE = 100  # characters
MAX_DESCRIPTION = 5000  # bytes (UTF-8)
MAX_TAGS = 500  # characters, counted YouTube's way (see tags_length)
MAX_THUMBNAIL = 2 * 1024 * 1024
MAX_VIDEO = 256 * 1024**3  # 256 GB, the API's maxSize for videos.insert
VIDEO_SUFFIXES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
    ".wmv": "video/x-ms-wmv",
    ".flv": "video/x-flv",
    ".mpg": "video/mpeg",
    ".mpeg": "video/mpeg",
    ".3gp": "video/3gpp",
}
THUMBNAIL_SUFFIXES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
# The assignable categories YouTube lists for most regions (videoCategories.list).
CATEGORIES = {
    "1": "Film & Animation",
    "2": "Autos & Vehicles",
    "10": "Music",
    "15": "Pets & Animals",
    "17": "Sports",
    "19": "Travel & Events",
    "20": "Gaming",
    "22": "People & Blogs",
    "23": "Comedy",
    "24": "Entertainment",
    "25": "News & Politics",
    "26": "Howto & Style",
    "27": "Education",
    "28": "Science & Technology",
    "29": "Nonprofits & Activism",
}
DEFAULT_CATEGORY = "22"


def _category_key(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


_CATEGORY_NAMES = {_category_key(label): number for number, label in CATEGORIES.items()}
_CATEGORY_NAMES.update({"howto": "26", "science": "28", "technology": "28", "news": "25", "nonprofits": "29"})


@dataclass(frozen=True)
class VideoSpec:
    """One video to upload and its metadata (the description is the post's text)."""

    file: Path | None
    title: str
    tags: tuple[str, ...] = ()
    category: str = DEFAULT_CATEGORY  # as written: an id ("22") or a name ("People & Blogs")
    made_for_kids: bool = False
    thumbnail: Path | None = None
    playlist: str | None = None

    @property
    def category_id(self) -> str | None:
        """The category's id, or None when it is neither a known id nor a known name."""
        value = str(self.category).strip()
        if value in CATEGORIES:
            return value
        return _CATEGORY_NAMES.get(_category_key(value))

    @property
    def mimetype(self) -> str:
        suffix = self.file.suffix.lower() if self.file else ""
        return VIDEO_SUFFIXES.get(suffix, "application/octet-stream")


def video_spec(post: OutgoingPost) -> VideoSpec:
    """The video of ``post``: ``post.extra["video"]`` (the campaign's ``video:`` key, with absolute
    paths), the file falling back to the post's first media file."""
    extra = getattr(post, "extra", None)
    raw: Mapping[str, Any] = {}
    if isinstance(extra, Mapping) and isinstance(extra.get("video"), Mapping):
        raw = extra["video"]
    file = raw.get("file") or (post.media[0].file if post.media else None)
    tags = raw.get("tags") or ()
    if isinstance(tags, str):
        tags = [t for t in (part.strip() for part in tags.split(",")) if t]
    thumbnail = raw.get("thumbnail")
    playlist = raw.get("playlist")
    return VideoSpec(
        file=Path(str(file)) if file else None,
        title=str(raw.get("title") or ""),
        tags=tuple(str(t) for t in tags),
        category=str(raw.get("category") or DEFAULT_CATEGORY),
        made_for_kids=bool(raw.get("made_for_kids", False)),
        thumbnail=Path(str(thumbnail)) if thumbnail else None,
        playlist=str(playlist).strip() if playlist else None,
    )


def tags_length(tags: tuple[str, ...] | list[str]) -> int:
    """Tags' length as YouTube counts it toward its 500: each tag's characters, a comma between
    tags, and two quote marks around a tag that holds a space."""
    if not tags:
        return 0
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + len(tags) - 1


def check_video(spec: VideoSpec, description: str) -> list[str]:
    """What YouTube would refuse about this video, in plain words with the fix ([] when fine)."""
    problems: list[str] = []
    title = spec.title.strip()
    if not title:
        problems.append(_("the video has no title. Fix: add video: {title: …} (at most 100 characters)"))
    elif len(title) > MAX_TITLE:
        problems.append(
            _("the video title is {length} characters; YouTube takes at most {limit}. Fix: shorten it").format(
                length=len(title), limit=MAX_TITLE
            )
        )
    if "<" in title or ">" in title:
        problems.append(_("YouTube does not accept < or > in a video title. Fix: remove them"))
    size = len(description.encode("utf-8"))
    if size > MAX_DESCRIPTION:
        problems.append(
            _(
                "the video description (the post's text) is {size} bytes; YouTube takes at most "
                "{limit} bytes (accented letters and emoji count 2 to 4). Fix: shorten it"
            ).format(size=formats.integer(size), limit=formats.integer(MAX_DESCRIPTION))
        )
    if "<" in description or ">" in description:
        problems.append(
            _(
                "YouTube does not accept < or > in a video description (the post's text). Fix: remove them, "
                "or write them as words"
            )
        )
    length = tags_length(spec.tags)
    if length > MAX_TAGS:
        problems.append(
            _(
                "the video's tags take {length} characters (commas included, and 2 more for each tag with a "
                "space); YouTube takes at most {limit}. Fix: remove some tags"
            ).format(length=length, limit=MAX_TAGS)
        )
    if any(not t.strip() for t in spec.tags):
        problems.append(_("a video tag is empty. Fix: remove it"))
    if any("<" in t or ">" in t for t in spec.tags):
        problems.append(_("YouTube does not accept < or > in tags. Fix: remove them"))
    if spec.category_id is None:
        known = ", ".join(f"{number} {label}" for number, label in CATEGORIES.items())
        problems.append(
            _("'{category}' is not a YouTube category. Fix: use one of: {known}").format(
                category=spec.category, known=known
            )
        )
    problems.extend(_check_file(spec))
    if spec.thumbnail is not None:
        problems.extend(_check_thumbnail(spec.thumbnail))
    if spec.playlist is not None and not spec.playlist:
        problems.append(_("the playlist is empty. Fix: give the playlist's id (PL…) or remove playlist"))
    return problems


class VideoChecks:
    """What ``validate`` asks about a post's video (the profile's ``post_checks``)."""

    def files(self, post: OutgoingPost) -> list[tuple[str, Path]]:
        spec = video_spec(post)
        return [(key, path) for key, path in (("file", spec.file), ("thumbnail", spec.thumbnail)) if path]

    def problems(self, post: OutgoingPost) -> list[str]:
        return check_video(video_spec(post), post.text)


VIDEO_CHECKS = VideoChecks()


def _check_file(spec: VideoSpec) -> list[str]:
    if spec.file is None:
        return [_("the post has no video file. Fix: add video: {file: clip.mp4, …}")]
    if spec.file.suffix.lower() not in VIDEO_SUFFIXES:
        kinds = ", ".join(sorted(VIDEO_SUFFIXES))
        return [
            _("{file} does not look like a video ({kinds}). Fix: give the video file").format(
                file=spec.file.name, kinds=kinds
            )
        ]
    try:
        size = spec.file.stat().st_size
    except FileNotFoundError:
        return [
            _("the video {file} does not exist. Fix: check the path (relative to the campaign file)").format(
                file=spec.file
            )
        ]
    except OSError as exc:
        return [
            _("the video {file} cannot be read ({reason}). Fix: check its permissions").format(
                file=spec.file, reason=exc.strerror
            )
        ]
    if size == 0:
        return [_("the video {file} is empty. Fix: give the real file").format(file=spec.file.name)]
    if size > MAX_VIDEO:
        return [_("the video {file} is larger than YouTube's 256 GB. Fix: compress it").format(file=spec.file.name)]
    return []


def _check_thumbnail(path: Path) -> list[str]:
    if path.suffix.lower() not in THUMBNAIL_SUFFIXES:
        return [_("the thumbnail {file} must be a JPEG or PNG image. Fix: convert it").format(file=path.name)]
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return [_("the thumbnail {file} does not exist. Fix: check the path").format(file=path)]
    except OSError as exc:
        return [
            _("the thumbnail {file} cannot be read ({reason}). Fix: check its permissions").format(
                file=path, reason=exc.strerror
            )
        ]
    if size > MAX_THUMBNAIL:
        return [
            _(
                "the thumbnail {file} is {size} MB; YouTube takes at most 2 MB. "
                "Fix: make it smaller (1280×720 JPEG is the usual size)"
            ).format(file=path.name, size=decimal_mark(f"{size / 1024 / 1024:.1f}"))
        ]
    return []
