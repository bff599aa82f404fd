"""What a network is, declared once by its adapter: the facts the core reads (never its name).

Every adapter class carries a :class:`NetworkProfile` in its ``profile`` attribute. ``validate``
measures a post against the profile's length rule and media limits, advice reads its hashtag
habit, the campaign expander gives a post only the payload keys the profile takes (a video goes to
networks that take ``video``), and the daemon reads idempotency and the API version policy from
it. A third-party network declares the same facts and gets the same checks.

The profile is a class-level fact: reading it imports the adapter's module but never creates an
adapter, reads a setting or calls a network. What depends on one account (a Mastodon instance's own
limit) is the adapter's :meth:`~socialpost.networks.base.Network.length_rule`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from socialpost.errors import PluginError
from socialpost.networks import registry
from socialpost.text.rules import LengthRule

if TYPE_CHECKING:
    from socialpost.networks.api_version import VersionPolicy
    from socialpost.networks.base import AccountSettings, OutgoingPost

log = logging.getLogger(__name__)

MB = 1_000_000


@dataclass(frozen=True)
class MediaLimits:
    """How many files a post may carry, and how big each kind may be (bytes)."""

    count: int
    image_bytes: int
    video_bytes: int
    gif_bytes: int


DEFAULT_MEDIA = MediaLimits(4, 16 * MB, 512 * MB, 16 * MB)
NO_MEDIA = MediaLimits(0, 0, 0, 0)


@dataclass(frozen=True)
class AdviceFacts:
    """What reads well on the network, for ``validate``'s advice."""

    hashtags: int = 5  # more than this many hashtags reads as spam there


GREY = "#6b7280"  # the colour of a network that declares none

# the shapes of a preview card (``socialpost preview``), as the network's app lays a post out
THREAD = "thread"  # one post per part, joined by the thread line, the images on the first (X, Threads)
REPLIES = "replies"  # one author line, the parts as replies under it, the images on the first (Mastodon)
FEED = "feed"  # the parts joined into one text, cut at the feed's fold; a link becomes a card (LinkedIn)
PHOTO = "photo"  # the picture first (a carousel's dots), then the caption cut at the fold (Instagram)
VIDEO = "video"  # the thumbnail or the player, the video's title, the description (YouTube)
GENERIC = "generic"  # the parts as written, then the media (any other network)
CARDS = frozenset({THREAD, REPLIES, FEED, PHOTO, VIDEO, GENERIC})


@dataclass(frozen=True)
class Span:
    """A stretch of a post's text its app draws as a link, a hashtag or a mention (character
    offsets, ``end`` exclusive); ``href`` a link's target when it is not the text itself."""

    start: int
    end: int
    kind: str  # "link", "tag" or "mention"
    href: str | None = None


@dataclass(frozen=True)
class PreviewLook:
    """How the network's app lays a post out, for the card ``socialpost preview`` draws (a likeness).

    ``card`` the card's shape (:data:`CARDS`; another is drawn as :data:`GENERIC`); ``name`` the
    network's name as its app writes it (None: the entry-point name); ``link_colour`` the colour
    of its links, hashtags and mentions; ``link_shown`` how many characters of a link (without its
    scheme) the app shows before an ellipsis (None: the whole link); ``find_links`` where the app
    finds links when it finds more than the URLs with a scheme (X: twitter-text's, bare domains
    too); ``rich_text`` the links, tags and mentions exactly as the adapter sends them (Bluesky's
    facets), drawn instead of the ones found in the text; ``link_card`` whether the first link
    becomes a card when the post has no image; ``content_warning`` the account setting whose text
    hides the post until "Show more" (Mastodon's ``spoiler_text``); ``fold_at`` about where the
    feed cuts a long text with "… more" (apps cut on lines: their usual length), ``see_more``
    whether the cut reads "… see more"; ``title_limit`` the limit of the video's title, shown
    with its length; ``square_avatar`` whether the app draws avatars as rounded squares (pages,
    companies).
    """

    card: str = GENERIC
    name: str | None = None
    link_colour: str | None = None
    link_shown: int | None = None
    find_links: Callable[[str], Sequence[tuple[int, int]]] | None = None
    rich_text: Callable[[str], Sequence[Span]] | None = None
    link_card: bool = False
    content_warning: str | None = None
    fold_at: int | None = None
    see_more: bool = False
    title_limit: int | None = None
    square_avatar: bool = False


class PostChecks(Protocol):
    """What ``validate`` asks a network about one post beyond length and media (YouTube: the
    video's title, privacy, thumbnail). Pure: no settings, no network call."""

    def files(self, post: OutgoingPost) -> list[tuple[str, Path]]:
        """The files the post's network-specific parts name, with the key that names each
        (``("thumbnail", …)``): ``validate`` checks them like media (inside the allowed folders)."""
        ...

    def problems(self, post: OutgoingPost) -> Sequence[str | tuple[tuple[str | int, ...], str]]:
        """What the network would refuse, in plain words with the fix ([] when fine); a problem
        about one key of the post is ``(key path, message)``, the path from the post
        (``("pin", "title")``), so ``validate`` points at the line that holds it."""
        ...


@dataclass(frozen=True)
class NetworkProfile:
    """The facts of one network, as its adapter declares them.

    ``name`` is the entry-point name (the network part of ``network:account``); ``length`` the
    network's length rule (a rule without checks: no limit); ``reply_length`` a reply's, when it
    differs; ``media`` the attachment limits (a network that re-encodes oversized images declares
    the size it accepts before re-encoding); ``post_keys`` the payload keys beyond text, thread and
    media the network takes (``"video"``); ``required_keys`` those every post to it must have;
    ``threads`` whether a thread's parts become replies (else they are joined into one post);
    ``idempotent`` whether publishing twice with the same key cannot create a second post;
    ``needs_config`` whether an account needs an entry in the config file; ``api_version`` the
    policy of an API whose versions retire (:mod:`socialpost.networks.api_version`);
    ``post_checks`` what ``validate`` asks the network about a post's own parts;
    ``public_media`` whether the network fetches a post's media by URL (Instagram, Threads), so
    its posts with media need a media host (:mod:`socialpost.mediahost`); ``colour`` the
    network's colour in the calendar and the preview (its brand's, close enough to tell networks
    apart), ``dark_colour`` whether it is near-black (a dark terminal draws the network in its own
    foreground colour, bold); ``look`` how its app lays a post out (:class:`PreviewLook`).
    """

    name: str
    title: str
    settings_model: type[AccountSettings]
    length: LengthRule
    reply_length: LengthRule | None = None
    media: MediaLimits = DEFAULT_MEDIA
    advice: AdviceFacts = field(default_factory=AdviceFacts)
    post_keys: frozenset[str] = frozenset()
    required_keys: frozenset[str] = frozenset()
    threads: bool = True
    idempotent: bool = False
    needs_config: bool = True
    api_version: VersionPolicy | None = None
    post_checks: PostChecks | None = None
    public_media: bool = False
    colour: str = GREY
    dark_colour: bool = False
    look: PreviewLook = PreviewLook()

    @property
    def max_length(self) -> int | None:
        """The headline limit (characters, graphemes…), None when the network sets none."""
        return self.length.limit

    def takes(self, key: str) -> bool:
        """Whether a post to this network carries the payload part ``key`` (``"video"``)."""
        return key in self.post_keys


def generic_profile(network: str) -> NetworkProfile:
    """The profile assumed for a network that is not installed (or fails to load): no length
    limit, the common media limits. Its accounts are reported as such elsewhere."""
    from socialpost.networks.base import AccountSettings

    return NetworkProfile(name=network, title=network, settings_model=AccountSettings, length=LengthRule(network))


_LOADED: dict[str, tuple[object, NetworkProfile]] = {}  # network → (its entry point, its profile)


def profile_of(network: str) -> NetworkProfile:
    """The declared profile of ``network``'s adapter, or the generic one when it cannot be loaded
    (the reason is reported where the account is used). Remembered per entry point: ``validate``
    asks several times per post and account, so the path for a known network is two dict reads."""
    entry = registry.available().get(network)
    cached = _LOADED.get(network)
    if cached is not None and cached[0] is entry:
        return cached[1]
    try:
        found = registry.load(network).profile
    except PluginError as exc:
        log.debug("no profile for %s: %s", network, exc)
        return generic_profile(network)
    _LOADED[network] = (entry, found)
    return found


def installed_profiles() -> list[NetworkProfile]:
    """The profiles of every installed network that loads (imports each adapter: not for hot paths)."""
    from socialpost.networks.registry import network_names

    return [profile_of(name) for name in network_names()]


def video_networks() -> list[NetworkProfile]:
    """The installed networks whose posts carry a video."""
    return [p for p in installed_profiles() if p.takes("video")]
