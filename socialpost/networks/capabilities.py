"""What an adapter can do beyond publishing, as small abstract bases the core asks with ``isinstance``.

An adapter declares a capability by inheriting its base and implementing its method::

    class PigeonNetwork(Network, Reconciler, MetricsReader):
        def reconcile(self, post): ...
        def fetch_metrics(self, remote_ids): ...

The core never compares methods to guess (``type(a).fetch_metrics is not Network.fetch_metrics``):
a network without a capability is simply not an instance of it. The contract suite checks that
what an adapter declares matches what it implements.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socialpost.networks.base import (
        AccountSetup,
        AdapterContext,
        Caveat,
        NotPublic,
        NotSent,
        OutgoingPost,
        Published,
        Reply,
        SetupUI,
    )
    from socialpost.networks.health import AccountHealth
    from socialpost.text.rules import LengthRule


class Reconciler(ABC):
    """After an outcome nobody saw (a timeout, a crash mid-request), the network can be asked."""

    @abstractmethod
    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        """Find ``post`` on the network (Published), prove it is not there (NotSent), or return None
        when that cannot be decided (the post is then ``unknown``, for the user to check)."""


class MetricsReader(ABC):
    """The network tells how posts did (``socialpost collect``, ``report``)."""

    @abstractmethod
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        """Engagement for posts this account published. A metric the network cannot give is
        absent or None ("not available"), never 0."""


class InboxReader(ABC):
    """The network shows replies and comments under the account's posts (``socialpost inbox``)."""

    @abstractmethod
    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """Whole conversations under ``remote_ids``, the account's own answers with ``own=True``;
        a post that is gone is left out."""


class Replier(ABC):
    """The account can answer a reply from socialpost (``socialpost reply``)."""

    @abstractmethod
    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer the reply or comment ``in_reply_to`` with ``text`` (its limits: the profile's
        ``reply_length``, else a post's)."""


class PublishAhead(ABC):
    """The post is handed to the network before its time and the network publishes it (YouTube's
    ``publishAt``); the daemon later confirms it is public."""

    @abstractmethod
    def lead_time(self) -> timedelta:
        """How long before its time a post must be handed over."""

    @abstractmethod
    def confirm(self, remote_id: str) -> bool | NotPublic | None:
        """After the post's time: True when public; False or NotPublic (with the likely reason)
        when not (yet); None when there is nothing to confirm."""


class AccountLimits(ABC):
    """One account's limits differ from the network's (a Mastodon instance's own length)."""

    @abstractmethod
    def length_rule(self) -> LengthRule | None:
        """This account's length rule from what is known locally (never a network call: ``validate``
        asks); None: the profile's applies."""


class GuidedSetup(ABC):
    """``socialpost accounts add`` can walk the user through connecting an account."""

    @classmethod
    @abstractmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        """Ask what is needed, sign in, and return the settings and secrets to save."""


class HealthCheck(ABC):
    """The account can be checked (``accounts test``, ``doctor``, the daemon before it posts)."""

    @abstractmethod
    def health(self) -> AccountHealth:
        """Sign in and say who we post as, with everything typed: token expiry, whether it renews
        itself, missing permissions, warnings with their fix, the API version and its sunset."""

    def caveats(self) -> list[Caveat]:
        """What keeps posts from going out as planned although the sign-in works (from the
        settings only, never a network call)."""
        return []

    def token_expiry(self) -> datetime | None:
        """When the access stops working unless someone acts, from the settings alone (so also
        when signing in fails). None: never, renewed by itself, or not known without asking."""
        return None

    def api_origin(self) -> str | None:
        """The scheme://host[:port] of the API this account talks to (``doctor`` compares its
        clock); never a path, which may hold a token. None: no remote API."""
        return None


CAPABILITIES: dict[type[Any], tuple[str, ...]] = {
    Reconciler: ("reconcile",),
    MetricsReader: ("fetch_metrics",),
    InboxReader: ("fetch_replies",),
    Replier: ("reply",),
    PublishAhead: ("lead_time", "confirm"),
    AccountLimits: ("length_rule",),
    GuidedSetup: ("setup",),
    HealthCheck: ("health",),
}
"""Each capability and the methods that make it: the contract suite checks an adapter declares a
capability exactly when it implements these."""
