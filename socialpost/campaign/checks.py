"""Everything checked on expanded rows before anything is queued: exact lengths per network, media
files against each network's limits, and the writing advice (warnings)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from socialpost import i18n
from socialpost.campaign import advice
from socialpost.campaign.expand import PlannedPost, comes_round
from socialpost.campaign.load import LoadedCampaign
from socialpost.errors import Problem
from socialpost.i18n import N_, _, formats, ngettext
from socialpost.media import HOW_TO, MEDIA_ROOT_KEY, confined, refusal, sniff
from socialpost.networks.profile import MB, MediaLimits, profile_of, video_networks
from socialpost.terminal import describe, visible
from socialpost.text.rules import LengthRule
from socialpost.timeutil import zone
from socialpost.yamlfile import clip, path_problem

IMAGE_TYPES = {".jpg": "image", ".jpeg": "image", ".png": "image", ".webp": "image", ".gif": "gif"}
VIDEO_TYPES = {".mp4": "video", ".mov": "video", ".m4v": "video", ".webm": "video"}


@dataclass
class PostMeasure:
    """What `validate` shows per post and account: the longest part's length and the limit."""

    id: str
    account: str
    network: str
    length: int
    limit: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account": self.account,
            "network": self.network,
            "length": self.length,
            "limit": self.limit,
        }


RowKey = tuple[str, str, str, str]  # PlannedPost.key


@dataclass
class Findings:
    """Errors and advice about a campaign's rows, each problem with the rows it is about (its
    ``owners``), so a problem only of posts that already went out can be left out (:meth:`still`)."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    measures: list[PostMeasure] = field(default_factory=list)
    owners: dict[Problem, set[RowKey]] = field(default_factory=dict)

    def still(self, problems: list[Problem], *, judged: set[RowKey], settled: set[RowKey]) -> list[Problem]:
        """The ``problems`` that still matter: those about a row that is (or stays) queued
        (``judged``), and those about no row the queue has ``settled`` (sent, cancelled…). A
        problem only about settled rows is left out: it was reported when they were scheduled,
        and nothing can be done about it now."""
        kept = []
        for problem in problems:
            owners = self.owners.get(problem)
            if not owners or owners & judged or not owners & settled:
                kept.append(problem)
        return kept


class _Seen:
    """Problems already reported (by key), and the rows being checked: each problem found is
    noted as being about them (see Findings.owners)."""

    def __init__(self, found: Findings) -> None:
        self.found = found
        self.first: dict[Any, Problem] = {}
        self.rows: Sequence[PlannedPost] = ()

    def __contains__(self, key: object) -> bool:
        return key in self.first


RuleFor = Callable[[str], LengthRule]


def check(
    loaded: LoadedCampaign,
    rows: list[PlannedPost],
    *,
    now: datetime,
    rule_for_account: RuleFor | None = None,
    media_roots: Sequence[Path] = (),
    media_host: bool = False,
) -> Findings:
    """Check every row; errors block scheduling, warnings are advice. Media must be inside the
    campaign's folder or one of ``media_roots`` (the config's); media for a network that fetches it
    by URL needs a media host (``media_host``: whether the config sets one up). Whether a time has passed is the
    queue's to judge (socialpost.store.sync), which knows which posts already went out."""
    found = Findings()
    found.errors.extend(control_characters(loaded))
    seen = _Seen(found)
    rules = rule_for_account or (lambda account: profile_of(account.split(":", 1)[0]).length)
    measures: dict[tuple[str, str], PostMeasure] = {}
    for row in rows:
        seen.rows = (row,)
        _lengths(loaded, row, rules(row.account), found, seen, measures)
        _media(loaded, row, found, seen, media_roots)
        if not media_host:
            _needs_media_host(loaded, row, found, seen)
        _video(loaded, row, found, seen, media_roots)
        _post_checks(loaded, row, found, seen)
        _advice(loaded, row, found, seen)
    found.measures = list(measures.values())
    _per_post(loaded, rows, found, seen)
    _never_due(loaded, rows, found, seen, now)
    _holidays(loaded, rows, found, seen, now)
    return found


# C0 and C1 control characters and DEL; a newline and a tab are text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def control_characters(loaded: LoadedCampaign) -> list[Problem]:
    """A control character in any text of the campaign (post texts, thread parts, alt texts, video
    titles…) is an error, located where it is written: it would go out in the post, and on a
    terminal it can retitle the window or erase the line that shows an error (docs/security.md).
    YAML lets them in only as escapes in double quotes (``"\\e]0;…"``, ``"\\x1b"``); a newline and a
    tab are allowed. The whole file is read, also posts left out for other mistakes."""
    document = loaded.as_written
    problems: list[Problem] = []
    for loc, text in _texts_at((), document.data):
        match = _CONTROL.search(text)
        if match is None:
            continue
        char = match.group()
        line, column = document.position(loc)
        written = visible(char)
        found = document.find_in_value(loc, lambda c: _CONTROL.fullmatch(c) is not None)
        if found is not None:
            line, column, written = found
        problems.append(
            Problem(
                document.path,
                line,
                column,
                _(
                    "this text holds the control character {name} (written {written}), which has no place in a "
                    "post and can rewrite what a terminal shows. Fix: delete it; only line breaks and tabs are "
                    "allowed."
                ).format(name=describe(char), written=written),
            )
        )
    return problems


def _texts_at(loc: tuple[str | int, ...], value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts_at((*loc, key), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts_at((*loc, index), item)


def _holidays(loaded: LoadedCampaign, rows: list[PlannedPost], found: Findings, seen: _Seen, now: datetime) -> None:
    """Advice for posts still to come that fall on a public holiday of the campaign's ``country``
    (about the rows on those days: left out once they are settled, e.g. cancelled by you)."""
    country = loaded.model.country
    if country is None:
        return
    from socialpost.campaign.public_holidays import holidays_on

    coming: dict[int, list[PlannedPost]] = {}
    for row in rows:
        if row.due_at >= now and "holiday" not in row.quiet:
            coming.setdefault(row.index, []).append(row)
    for index, group in coming.items():
        first = group[0]
        on = holidays_on(country, (row.local_time.date() for row in group), first.language or loaded.model.language)
        seen.rows = [row for row in group if row.local_time.date() in on]
        for item in advice.advise_holidays(on, country=country, recurring=first.recurring):
            where = ("posts", index, "every" if first.recurring else "at")
            key = ("holiday", index, item.rule)
            _once(found.warnings, seen, key, loaded.document.problem(where, item.message, rule=item.rule))


def _never_due(loaded: LoadedCampaign, rows: list[PlannedPost], found: Findings, seen: _Seen, now: datetime) -> None:
    """Advice for a recurring post whose rule has no occurrence after ``now``: it passes every check
    and yet nothing will ever be sent (left out once its posts went out: the rule is over)."""
    coming = {row.index for row in rows if row.recurring and row.due_at >= now}
    tz = zone(loaded.model.timezone)
    for index, post in enumerate(loaded.model.posts):
        if post.every is None or index in coming or comes_round(post.every, tz=tz, now=now):
            continue
        seen.rows = [row for row in rows if row.index == index]
        _once(
            found.warnings,
            seen,
            ("never-due", index),
            loaded.document.problem(
                ("posts", index, "every"),
                _(
                    "post '{post}': this rule never comes round after now: no post will be sent. "
                    "Fix: move 'until' (or 'from') to the future, or correct the days or cron expression."
                ).format(post=post.id),
                rule="never-due",
            ),
        )


def _once(bucket: list[Problem], seen: _Seen, key: Any, problem: Problem) -> None:
    """Report ``problem`` once per ``key``, as being about the rows being checked (``seen.rows``)."""
    first = seen.first.get(key)
    if first is None:
        first = seen.first[key] = problem
        bucket.append(problem)
    seen.found.owners.setdefault(first, set()).update(row.key for row in seen.rows)


def _lengths(
    loaded: LoadedCampaign,
    row: PlannedPost,
    rule: LengthRule,
    found: Findings,
    seen: _Seen,
    measures: dict[tuple[str, str], PostMeasure],
) -> None:
    longest = 0
    locs = row.part_locs or tuple([("posts", row.index, "text")] * len(row.parts))
    for part, loc in zip(row.parts, locs, strict=False):
        measured = rule.measure(part)
        if measured:
            longest = max(longest, measured[0].value)
        for measure in measured:
            if measure.over:
                if len(row.parts) > 1:
                    text = _(
                        "this part is {value} {unit} on {network}, over the limit of {limit} by {over}. "
                        "Fix: shorten it, or give {network} its own text under variants:."
                    )
                else:
                    text = _(
                        "post '{post}' is {value} {unit} on {network}, over the limit of {limit} by {over}. "
                        "Fix: shorten it, or give {network} its own text under variants:."
                    )
                _once(
                    found.errors,
                    seen,
                    ("length", loc, rule.network, measure.what),
                    loaded.document.problem(
                        loc,
                        text.format(
                            post=row.post_id,
                            value=formats.integer(measure.value),
                            unit=_(measure.what),
                            network=rule.network,
                            limit=formats.integer(measure.limit),
                            over=formats.integer(measure.over),
                        ),
                    ),
                )
        if not rule.checks:
            longest = max(longest, len(part))
    key = (row.post_id, row.account)
    current = measures.get(key)
    if current is None or longest > current.length:
        measures[key] = PostMeasure(row.post_id, row.account, rule.network, longest, rule.limit)


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
    for problem in profile.post_checks.problems(outgoing):
        _once(found.errors, seen, ("video", row.index, problem), loaded.document.problem(loc, problem))


def _post_checks(loaded: LoadedCampaign, row: PlannedPost, found: Findings, seen: _Seen) -> None:
    """The network's own checks of a post that carries no video part (Telegram: a caption's length
    when the post has media); a network taking a video is asked in :func:`_video`."""
    profile = profile_of(row.network)
    if profile.post_checks is None or profile.takes("video"):
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
    for problem in profile.post_checks.problems(outgoing):
        _once(found.errors, seen, ("post", row.index, problem), loaded.document.problem(("posts", row.index), problem))


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


def _advice(loaded: LoadedCampaign, row: PlannedPost, found: Findings, seen: _Seen) -> None:
    parts = row.parts
    items = [
        *advice.advise_text(
            parts[0], network=row.network, language=row.language, uses_utm=row.uses_utm, thread=parts[1:]
        ),
        *advice.advise_media((m["file"].rsplit("/", 1)[-1], m["alt"]) for m in row.payload.get("media", [])),
    ]
    for item in items:
        if item.rule in row.quiet:
            continue
        per_network = item.rule == "too-many-hashtags"
        loc = row.part_locs[0] if row.part_locs else ("posts", row.index)
        key = ("advice", row.post_id, item.rule, row.network if per_network else "", loc)
        _once(found.warnings, seen, key, loaded.document.problem(loc, item.message, rule=item.rule))


def _per_post(loaded: LoadedCampaign, rows: list[PlannedPost], found: Findings, seen: _Seen) -> None:
    """Advice about a post as a whole (judged on its first occurrence), about all its rows."""
    firsts: dict[str, list[PlannedPost]] = {}
    every: dict[str, list[PlannedPost]] = {}
    for row in rows:
        every.setdefault(row.post_id, []).append(row)
        group = firsts.setdefault(row.post_id, [])
        if not group or group[0].occurrence == row.occurrence:
            group.append(row)
    variants_by_post = {p.id: set(p.variants or {}) for p in loaded.model.posts}
    for post_id, group in firsts.items():
        seen.rows = every[post_id]
        first = group[0]
        quiet = first.quiet
        if "night-time" not in quiet:
            for item in advice.advise_time(first.local_time):
                _once(
                    found.warnings,
                    seen,
                    ("night", post_id),
                    loaded.document.problem(
                        ("posts", first.index, "every" if first.recurring else "at"), item.message, rule=item.rule
                    ),
                )
        # the same source text (UTM tags differ per network, so compare where the text was written)
        texts = {row.network: repr(row.part_locs) for row in group}
        if "same-text-everywhere" not in quiet and not variants_by_post.get(post_id):
            for item in advice.advise_same_text(texts):
                _once(
                    found.warnings,
                    seen,
                    ("same", post_id),
                    loaded.document.problem(("posts", first.index), item.message, rule=item.rule),
                )
        targets = {row.account for row in group} | {row.network for row in group}
        accounts = ", ".join(sorted(row.account for row in group))
        if "unused-variant" not in quiet:
            for key in sorted(variants_by_post.get(post_id, ())):
                if key not in targets:
                    _once(
                        found.warnings,
                        seen,
                        ("variant", post_id, key),
                        loaded.document.problem(
                            ("posts", first.index, "variants", key),
                            _(
                                "the variant '{key}' is not used: this post goes to {accounts}. "
                                "Fix: correct the network name, or add the account to the post."
                            ).format(key=key, accounts=accounts),
                            key=True,
                            rule="unused-variant",
                        ),
                    )
