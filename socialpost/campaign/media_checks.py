"""The checks of a post's media files, before anything is queued: found, inside the media roots,
of a kind and size each network takes, a host for networks that fetch them, videos' limits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from socialpost import i18n
from socialpost.campaign.expand import PlannedPost
from socialpost.campaign.findings import Findings, _once, _Seen
from socialpost.campaign.load import LoadedCampaign
from socialpost.i18n import N_, _, formats, ngettext
from socialpost.media import HOW_TO, MEDIA_ROOT_KEY, confined, refusal, sniff
from socialpost.networks.profile import MB, MediaLimits, profile_of, video_networks
from socialpost.settings.quoting import clip
from socialpost.settings.textfile import path_problem

IMAGE_TYPES = {".jpg": "image", ".jpeg": "image", ".png": "image", ".webp": "image", ".gif": "gif"}
VIDEO_TYPES = {".mp4": "video", ".mov": "video", ".m4v": "video", ".webm": "video"}


def _roots(row: PlannedPost, media_roots: Sequence[Path]) -> list[Path]:
    own = row.payload.get(MEDIA_ROOT_KEY)
    return [*([Path(own)] if own else []), *media_roots]


def _outside(path: Path, roots: Sequence[Path]) -> str | None:
    """The one neutral message for a file outside the allowed folders (whether it exists or not)."""
    if confined(path, roots) is not None:
        return None
    return f"{refusal(clip(path, keep_end=True))} {_(HOW_TO)}"


def _media(loaded: LoadedCampaign, row: PlannedPost, found: Findings, seen: _Seen, media_roots: Sequence[Path]) -> None:
    media = row.payload.get("media", [])
    if not media:
        return
    network = row.network
    limits = profile_of(network).media
    locs = row.media_locs or tuple(("posts", row.index, "media", i) for i in range(len(media)))
    if len(media) > limits.count:
        _once(
            found.errors,
            seen,
            ("media-count", locs[0], network),
            loaded.document.problem(
                locs[0][:-1],
                ngettext(
                    "{count} media file, but {network} takes at most {most} per post. "
                    "Fix: keep {most}, or give {network} its own media under variants:.",
                    "{count} media files, but {network} takes at most {most} per post. "
                    "Fix: keep {most}, or give {network} its own media under variants:.",
                    len(media),
                ).format(count=len(media), network=network, most=limits.count),
            ),
        )
    roots = _roots(row, media_roots)
    for item, loc in zip(media, locs, strict=False):
        path = Path(item["file"])
        problem = _outside(path, roots) or _media_problem(path, network, limits)
        if problem:
            _once(
                found.errors,
                seen,
                ("media", loc, network if "over" in problem else ""),
                loaded.document.problem((*loc, "file"), problem),
            )


def _needs_media_host(loaded: LoadedCampaign, row: PlannedPost, found: Findings, seen: _Seen) -> None:
    """A post with media to a network that fetches media by URL, and no media host to put it on."""
    media = row.payload.get("media", [])
    profile = profile_of(row.network)
    if not media or not profile.public_media:
        return
    locs = row.media_locs or tuple(("posts", row.index, "media", i) for i in range(len(media)))
    _once(
        found.errors,
        seen,
        ("media-host", locs[0], row.network),
        loaded.document.problem(
            locs[0],
            _(
                "{network} fetches a post's media from a public web address, and no media host is set up "
                "to put it there. Fix: add a media_host: section to your config file (an S3-compatible "
                "bucket or a folder your web server publishes; see docs/media-host.md), or send this post "
                "without media to {account}."
            ).format(network=_(profile.title), account=row.account),
        ),
    )


def _video(loaded: LoadedCampaign, row: PlannedPost, found: Findings, seen: _Seen, media_roots: Sequence[Path]) -> None:
    post = loaded.model.posts[row.index]
    loc = ("posts", row.index, "video")
    profile = profile_of(row.network)
    if not profile.takes("video"):
        if post.video is not None and not post.accounts:
            return  # a campaign-wide post with a video: the video goes to the accounts that take one
        if post.video is not None:
            takers = video_networks()
            _once(
                found.errors,
                seen,
                ("video-where", row.index, row.account),
                loaded.document.problem(
                    loc,
                    _(
                        "a video goes only to {networks} accounts, and this post goes to {account}. "
                        "Fix: give the video its own post for {prefixes} accounts, and announce it in another post."
                    ).format(
                        networks=", ".join(_(p.title) for p in takers) or _("video"),
                        prefixes=", ".join(f"{p.name}:…" for p in takers) or "…",
                        account=row.account,
                    ),
                ),
            )
        return
    if post.video is None:
        if "video" in profile.required_keys:
            _once(
                found.errors,
                seen,
                ("video-missing", row.index),
                loaded.document.problem(
                    ("posts", row.index),
                    _(
                        "post '{post}' goes to {account} but has no video. "
                        "Fix: add video: {{file: …, title: …}} (its text becomes the description)."
                    ).format(post=row.post_id, account=row.account),
                ),
            )
        return
    _post_checks(loaded, row, found, seen, media_roots, loc)


def _post_checks(
    loaded: LoadedCampaign,
    row: PlannedPost,
    found: Findings,
    seen: _Seen,
    media_roots: Sequence[Path],
    loc: tuple[str | int, ...],
) -> None:
    """What the network itself says about the post (its profile's ``post_checks``): a video
    network's about the post's video (from :func:`_video`), any other network's about the post
    (Instagram's hashtags and mentions, Telegram's caption)."""
    profile = profile_of(row.network)
    if profile.post_checks is None:
        return
    from socialpost.networks.base import OutgoingPost

    outgoing = OutgoingPost.from_payload(
        key="check",
        campaign=row.campaign,
        post_id=row.post_id,
        account=row.account,
        due_at=row.due_at,
        payload=row.payload,
    )
    roots = _roots(row, media_roots)
    outside = [(key, _outside(path, roots)) for key, path in profile.post_checks.files(outgoing)]
    for key, problem in outside:
        if problem:  # the other checks would tell whether the file exists: not for a file out there
            _once(found.errors, seen, ("video", row.index, problem), loaded.document.problem((*loc, key), problem))
    if any(problem for _key, problem in outside):
        return
    for said in profile.post_checks.problems(outgoing):
        where, message = (loc, said) if isinstance(said, str) else (("posts", row.index, *said[0]), said[1])
        _once(found.errors, seen, ("video", row.index, message), loaded.document.problem(where, message))


def _media_problem(path: Path, network: str, limits: MediaLimits) -> str | None:
    kind = IMAGE_TYPES.get(path.suffix.lower()) or VIDEO_TYPES.get(path.suffix.lower())
    if kind is None:
        return _(
            "'{name}' is not an image or video socialpost can post (use .jpg, .png, .gif, .webp, "
            ".mp4 or .mov). Fix: convert it."
        ).format(name=clip(path.name))
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(12)
    except FileNotFoundError:
        return _("media file not found: {path}. Fix: check the path (relative to the campaign file).").format(
            path=clip(path, keep_end=True)
        )
    except PermissionError as exc:
        return _("cannot read the media file {path} ({reason}). Fix: check its permissions.").format(
            path=clip(path, keep_end=True), reason=exc.strerror
        )
    except (OSError, ValueError) as exc:
        return _("cannot use the media file {path}: {problem}").format(
            path=clip(path, keep_end=True), problem=path_problem(exc)
        )
    if _kind(sniff(head)) != kind:
        return _("'{name}' does not contain what its name says ({kind}). Fix: re-export it from your editor.").format(
            name=clip(path.name), kind=_(KIND_NAMES[kind])
        )
    limit = {"image": limits.image_bytes, "gif": limits.gif_bytes, "video": limits.video_bytes}[kind]
    if limit == 0:  # the network's profile says it takes no file of this kind (Threads: no GIF)
        return _(
            "{network} does not take a {kind} ('{name}'). Fix: use another file, or give {network} other media"
            " under variants:."
        ).format(network=network, kind=_(KIND_NAMES[kind]), name=clip(path.name))
    if size > limit:
        return _(
            "'{name}' is {size} MB, over {network}'s limit of {limit} MB for a "
            "{kind}. Fix: make it smaller, or give {network} other media under variants:."
        ).format(
            name=clip(path.name),
            size=_megabytes(size / MB, ".1f"),
            network=network,
            limit=_megabytes(limit / MB, "g"),
            kind=_(KIND_NAMES[kind]),
        )
    return None


_KINDS = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/gif": "gif",
    "video/mp4": "video",
    "video/quicktime": "video",
    "video/webm": "video",
}


def _kind(mime: str | None) -> str | None:
    """The kind of file a media type is, as IMAGE_TYPES and VIDEO_TYPES name them (None: not one
    socialpost posts from a campaign)."""
    return _KINDS.get(mime or "")


# The kinds of media file, as a message names them.
KIND_NAMES = {"image": N_("image"), "gif": N_("gif"), "video": N_("video")}


def _megabytes(value: float, spec: str) -> str:
    """A size in MB as English has always written it (``12.5``, ``512``); other languages put
    their own decimal sign."""
    text = format(value, spec)
    if i18n.locale_name() == "en":
        return text
    return text.replace(".", formats.decimal(0.5)[1:2])
