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
from collections.abc import Sequence
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
    its posts with media need a media host (:mod:`socialpost.mediahost`).
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
