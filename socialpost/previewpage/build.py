"""What the preview page shows: each post's previews (:mod:`socialpost.preview`, as `show` builds
them), the advice `validate` gives about each (:func:`socialpost.scheduling.draft`, the same
judgement), the account settings a network's look names (a content warning), and the images
read once, as data URIs. Nothing is re-measured and no network is contacted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from socialpost.errors import NotFound, Problem
from socialpost.i18n import _
from socialpost.media import MEDIA_ROOT_KEY
from socialpost.preview import MediaFile, Preview, Previewer
from socialpost.previewpage.images import data_uri
from socialpost.settings.config import Settings

if TYPE_CHECKING:
    from socialpost.store.db import Store


@dataclass(frozen=True)
class Image:
    file: MediaFile
    uri: str | None  # None: not an image, or not readable (the page names the file)


@dataclass(frozen=True)
class Card:
    """One post to one account: its preview, the advice about it, what its account adds."""

    preview: Preview
    advice: tuple[Problem, ...] = ()
    errors: tuple[Problem, ...] = ()
    images: tuple[Image, ...] = ()
    thumbnail: Image | None = None
    spoiler: str | None = None  # the account's content warning (Mastodon's spoiler_text)


@dataclass(frozen=True)
class Post:
    """A post (one occurrence) on every account it goes to."""

    campaign: str
    post_id: str
    occurrence: str
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Page:
    title: str
    source: str  # the file or the campaign in the queue
    made: datetime
    posts: tuple[Post, ...]
    general: tuple[Problem, ...] = ()  # advice and errors about no single post
    queued: bool = False  # the posts as the queue keeps them (no advice: `validate` the file)


def from_file(
    settings: Settings, store: Store, path: Path, post: str | None, *, account: str | None, now: datetime
) -> Page:
    """The posts of campaign file ``path`` (``post``: one of them), with `validate`'s advice."""
    from socialpost import scheduling

    with Previewer(settings) as previewer:
        previews = previewer.from_file(store, path, post, account=account, now=now)
    drafted = scheduling.draft([path], settings, now=now)
    owned: dict[tuple[str, str, str, str], tuple[list[Problem], list[Problem]]] = {}
    general: list[Problem] = list(drafted.errors)
    for prepared in drafted.prepared:
        general.extend(prepared.warnings)
        found = prepared.findings
        if found is None:
            continue
        for problems, at in ((found.warnings, 0), (found.errors, 1)):
            for problem in problems:
                owners = found.owners.get(problem)
                if not owners:
                    general.append(problem)
                for key in owners or ():
                    owned.setdefault(key, ([], []))[at].append(problem)
    names = sorted({p.campaign for p in previews})
    return Page(
        title=", ".join(names) or path.name,
        source=str(path),
        made=now,
        posts=_posts(settings, previews, owned),
        general=tuple(dict.fromkeys(general)),
    )


def from_queue(
    settings: Settings, store: Store, campaign: str, post: str | None, *, account: str | None, now: datetime
) -> Page:
    """The posts of ``campaign`` in the queue (``post``: one of them), as the queue keeps them."""
    from socialpost.store.actions import PostRef

    with Previewer(settings) as previewer:
        if post is not None:
            previews = previewer.from_queue(store, PostRef.parse(f"{campaign}/{post}", account=account), now=now)
        else:
            previews = []
            for key in _post_keys(store, campaign):
                previews += previewer.from_queue(store, PostRef(campaign, key, None, account), now=now)
    return Page(title=campaign, source=campaign, made=now, posts=_posts(settings, previews, {}), queued=True)


def _post_keys(store: Store, campaign: str) -> list[str]:
    from socialpost.report.facts import Filters
    from socialpost.store.calendar_rows import calendar_rows

    keys = list(dict.fromkeys(row.post_key for row in calendar_rows(store, Filters(campaign=campaign))))
    if not keys:
        raise NotFound(
            _("no campaign '{campaign}' in the queue, and no such file.").format(campaign=campaign),
            hint=_("Give a campaign file (socialpost preview campaigns/launch.yaml) or a scheduled campaign's name."),
        )
    return keys


def _posts(
    settings: Settings,
    previews: Sequence[Preview],
    owned: dict[tuple[str, str, str, str], tuple[list[Problem], list[Problem]]],
) -> tuple[Post, ...]:
    groups: dict[tuple[str, str, str], list[Card]] = {}
    uris: dict[tuple[str, str, str], Image] = {}  # a file on several accounts is read (and resized) once
    for preview in previews:
        advice, errors = owned.get((preview.campaign, preview.post_id, preview.occurrence, preview.account), ([], []))
        base = str(preview.payload.get(MEDIA_ROOT_KEY) or "")
        card = Card(
            preview=preview,
            advice=tuple(advice),
            errors=tuple(errors),
            images=tuple(_image(m, base, uris) for m in preview.media),
            thumbnail=_image(preview.thumbnail, base, uris) if preview.thumbnail else None,
            spoiler=_spoiler(settings, preview.account),
        )
        groups.setdefault((preview.campaign, preview.post_id, preview.occurrence), []).append(card)
    posts = [Post(c, p, o, tuple(cards)) for (c, p, o), cards in groups.items()]
    return tuple(sorted(posts, key=lambda p: (p.cards[0].preview.due_at, p.campaign, p.post_id)))


def _image(media: MediaFile, base: str, seen: dict[tuple[str, str, str], Image]) -> Image:
    if media.problem is not None or not (media.type or "").startswith("image/"):
        return Image(media, None)
    path = Path(media.path)
    if not path.is_absolute() and base:
        path = Path(base) / path
    key = (str(path), media.type or "", media.alt)
    if key not in seen:
        seen[key] = Image(media, data_uri(path, media.type))
    return seen[key]


def _spoiler(settings: Settings, account: str) -> str | None:
    """The account's content warning, when its network declares the setting that holds one."""
    from socialpost.networks.profile import profile_of

    network, _sep, name = account.partition(":")
    key = profile_of(network).look.content_warning
    if key is None:
        return None
    values = (settings.accounts.get(network) or {}).get(name) or {}
    spoiler = values.get(key)
    return str(spoiler) if spoiler else None
