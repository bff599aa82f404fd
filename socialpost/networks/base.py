"""The adapter contract every network implements (built-in or plugin).

An adapter is registered under the entry-point group ``socialpost.networks`` (see
``pyproject.toml``); its name there is the network part of an account reference
(``mastodon:acme`` → ``mastodon``). A plugin package declares, for example::

    [project.entry-points."socialpost.networks.v2"]
    pigeon = "socialpost_pigeon:PigeonNetwork"

Adapters raise only :mod:`socialpost.errors` network errors — :class:`TransientError` (try again
later), :class:`PermanentError` and its subclasses (do not) — so the daemon's retry policy lives in
one place. They never print, never sleep for rate limits and never retry by themselves (one
exception: a request the network refused for its API version alone, unprocessed, is sent again
with a served version — :mod:`socialpost.networks.api_version`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from socialpost.errors import ConfigError
from socialpost.i18n import _
from socialpost.networks.health import AccountHealth, HealthWarning, Identity
from socialpost.privatefiles import account_folder
from socialpost.redaction import register_settings
from socialpost.text.rules import LengthRule
from socialpost.timeutil import Clock, iso_utc, utcnow

if TYPE_CHECKING:
    from socialpost.mediahost import MediaHost
    from socialpost.networks.profile import NetworkProfile

__all__ = ["AccountHealth", "HealthWarning", "Identity"]  # re-exported: adapters import them from here


@dataclass(frozen=True)
class Media:
    file: str
    alt: str


EXTRA_KEYS = ("video", "first_comment", "cover", "event", "offer", "button", "pin")


@dataclass(frozen=True)
class OutgoingPost:
    """Everything an adapter needs to publish one post to one account."""

    key: str  # idempotency key: stable for this post slot, also across restarts
    campaign: str
    post_id: str
    account: str  # network:name
    text: str
    due_at: datetime
    thread: tuple[str, ...] = ()  # follow-up parts, each a reply to the previous one
    media: tuple[Media, ...] = ()
    occurrence: str = ""
    media_root: str = ""  # the campaign's folder: media must be inside it or a configured media root
    # network-specific parts of the payload, e.g. {"video": {...}} for YouTube
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # the campaign's language for this post (BCP 47 as written: "fr", "fr-CA"); None when it names none
    language: str | None = None

    @classmethod
    def from_payload(
        cls,
        *,
        key: str,
        campaign: str,
        post_id: str,
        account: str,
        due_at: datetime,
        payload: dict[str, Any],
        occurrence: str = "",
    ) -> OutgoingPost:
        return cls(
            key=key,
            campaign=campaign,
            post_id=post_id,
            account=account,
            text=str(payload.get("text", "")),
            due_at=due_at,
            thread=tuple(payload.get("thread", ())),
            media=tuple(Media(m["file"], m.get("alt", "")) for m in payload.get("media", ())),
            occurrence=occurrence,
            media_root=str(payload.get("media_root") or ""),
            extra={k: payload[k] for k in EXTRA_KEYS if k in payload},
            language=str(payload["language"]) if payload.get("language") else None,
        )

    @property
    def account_name(self) -> str:
        return self.account.split(":", 1)[1]

    def as_json(self) -> dict[str, Any]:
        """The post as the outbox files it and the webhook sends it (a documented shape)."""
        return {
            "id": self.post_id,
            "campaign": self.campaign,
            "account": self.account,
            "text": self.text,
            "thread": list(self.thread),
            "media": [{"file": m.file, "alt": m.alt} for m in self.media],
            "due_at": iso_utc(self.due_at),
            "idempotency_key": self.key,
        }


@dataclass(frozen=True)
class Rendition:
    """A post as people will read it on a network (``socialpost show``, ``plan --full``): its parts
    after what the adapter does to them on the way (a network without threads joins them), and
    notes on what the network receives differently (escaping, how it counts links)."""

    parts: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @classmethod
    def joined(cls, parts: Sequence[str], *, network: str, separator: str = "\n\n") -> Rendition:
        """For a network without threads: the parts become one post, ``separator`` between them."""
        if len(parts) < 2:
            return cls(tuple(parts))
        note = _("{network} has no threads: the {count} parts go out as one post, separated by a blank line.")
        return cls((separator.join(parts),), (note.format(network=network, count=len(parts)),))


@dataclass(frozen=True)
class Published:
    """Proof that a post is out: the network's id for it and, when there is one, its URL."""

    remote_id: str
    url: str | None = None
    note: str = ""  # what the user should know although the post is out (e.g. why it has no link card)


@dataclass(frozen=True)
class Reply:
    """A reply or comment on one of the account's posts (``socialpost inbox``)."""

    remote_id: str  # the network's id for the reply (what ``reply`` answers)
    in_reply_to: str  # the remote id of what it answers: the post itself or another reply
    post_remote_id: str  # the root: the account's post the conversation is under
    author: str  # handle (@name@instance, name.bsky.social, a channel id…)
    author_name: str  # display name ("" when the network gives none)
    text: str  # plain text
    created_at: datetime | None = None
    url: str | None = None
    own: bool = False  # written by the account itself (then its parent counts as answered)


@dataclass(frozen=True)
class NotSent:
    """Reconciliation proved the post never reached the network; it may be sent again."""

    reason: str


@dataclass(frozen=True)
class NotPublic:
    """:meth:`Network.confirm`'s answer when a post the network publishes by itself (YouTube's
    publishAt) is not public, with what most likely keeps it so and the fix, in the user's words.
    The daemon records ``reason`` only once the grace period after the post's time is over."""

    reason: str


@dataclass(frozen=True)
class Caveat:
    """Something that keeps an account's posts from going out as planned although its sign-in
    works (an unaudited YouTube project keeps every upload private). ``doctor`` shows it for
    accounts with posts."""

    message: str
    fix: str


def decimal_mark(number: str) -> str:
    """A number Python wrote (``2.5``, ``f"{x:g}"``, ``f"{x:.1f}"``; no thousands separator) with the
    active language's decimal mark: ``2.5`` in English, ``2,5`` in French."""
    if "." not in number:
        return number
    from socialpost.i18n import formats

    return number.replace(".", formats.decimal(0.0, 1)[1])


def settings_problems(exc: ValidationError, *, where: Sequence[str] = ()) -> list[str]:
    """pydantic's errors about account settings as ``where.field: what`` lines — never pydantic's
    own text, which repeats the input (a URL or a token)."""
    return [
        f"{'.'.join(str(part) for part in (*where, *err['loc']))}: {err['msg'].removeprefix('Value error, ')}"
        for err in exc.errors(include_input=False, include_url=False)
    ]


def unusable_answers(exc: ValidationError, account: str) -> ConfigError:
    """The error for answers to a guided set-up that do not make usable settings."""
    heading = _("the answers for {account} are not usable:").format(account=account)
    return ConfigError(heading + "\n" + "\n".join(settings_problems(exc)))


class AccountSettings(BaseModel):
    """Base for an adapter's account settings (``accounts.<network>.<name>`` in the config)."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class AdapterContext:
    """What the runtime hands every adapter."""

    data_dir: Path  # socialpost's data folder (default outbox, sessions, caches)
    base_dir: Path  # relative paths in account settings are relative to this (the config's folder)
    clock: Clock = utcnow
    media_roots: tuple[Path, ...] = ()  # folders besides a campaign's own that media may come from (config)
    fetch_ports: frozenset[int] = frozenset({80, 443})  # ports a fetched URL may use (config: fetch.ports)
    # where to put media a network fetches by URL (config: media_host; socialpost.mediahost); None: not set up
    media_host: MediaHost | None = None

    def state_dir(self, kind: str, account: str, *, old: Path | None = None) -> Path:
        """Where one account's (``network:name``) private state of ``kind`` lives (tokens, thread
        progress, read budgets, uploads, quotas): ``<data_dir>/<network>/<name>/<kind>``, or the
        account's folder itself when ``kind`` is "". ``old``, a folder an earlier version used, is
        still used while it exists and the new one does not, so users' files are found."""
        folder = account_folder(self.data_dir, account)
        path = folder / kind if kind else folder
        if old is not None and old != path and not path.exists() and old.exists():
            return old
        return path


class SetupUI(Protocol):
    """How a guided account set-up talks to the person at the keyboard (the CLI implements it)."""

    def say(self, text: str) -> None: ...

    def ask(self, prompt: str, *, default: str | None = None) -> str: ...

    def ask_secret(self, prompt: str) -> str: ...

    def confirm(self, prompt: str, *, default: bool = True) -> bool: ...

    def choose(self, prompt: str, options: Sequence[tuple[str, str]]) -> str:
        """One of ``options`` (value, label); returns the value."""
        ...

    def open_url(self, url: str) -> None:
        """Show ``url`` (and open a browser when there is one)."""
        ...


@dataclass
class AccountSetup:
    """What a guided set-up produced: plain settings for config.yaml, secrets for secrets.yaml."""

    settings: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)


class Network(ABC):
    """One social network (or sink). Instances serve one account and may be used from threads.

    An adapter declares its facts in ``profile`` (:class:`~socialpost.networks.profile.NetworkProfile`)
    and what it can do beyond publishing by inheriting the bases of
    :mod:`socialpost.networks.capabilities` (``Reconciler``, ``MetricsReader``, ``HealthCheck``…).
    ``name``, ``title`` and ``settings_model`` are read from the profile.
    """

    profile: ClassVar[NetworkProfile]
    name: ClassVar[str]  # the entry-point name, e.g. "webhook" (profile.name)
    title: ClassVar[str]  # human name, e.g. "Webhook" (profile.title)
    settings_model: ClassVar[type[AccountSettings]] = AccountSettings

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "profile" in cls.__dict__:
            cls.name, cls.title, cls.settings_model = cls.profile.name, cls.profile.title, cls.profile.settings_model
        elif "name" in cls.__dict__ or getattr(cls, "_first_api", False):
            legacy_adapter(cls)

    def __init__(self, *, account: str, settings: AccountSettings, context: AdapterContext) -> None:
        self.account = account
        self.settings = settings
        self.context = context
        register_settings(settings)  # its SecretStr, URLs and marked fields never come out (socialpost.redaction)

    @abstractmethod
    def publish(self, post: OutgoingPost) -> Published:
        """Publish ``post`` (and its thread) and return where it is."""

    @classmethod
    def as_read(cls, parts: Sequence[str]) -> Rendition:
        """The post's parts (its text, then each thread part) as people will read them on this
        network, with a note for anything the network receives differently. A pure function of
        the text: no settings, no network call (an account that is not set up is shown too).
        Default: the parts as they are, one post each; joined when the profile says the network
        has no threads."""
        if not cls.profile.threads:
            return Rendition.joined(parts, network=_(cls.title))
        return Rendition(tuple(parts))

    def close(self) -> None:
        """Release connections."""


def legacy_adapter(cls: type[Network]) -> None:
    """An adapter written for the first plugin API (``name``, ``max_length``, ``idempotent`` class
    attributes; methods overridden from the old base, ``check()``): give it a profile from those
    attributes and register the capabilities its methods provide, so it keeps working."""
    from socialpost.networks import capabilities as caps
    from socialpost.networks.profile import NetworkProfile
    from socialpost.text.rules import characters

    cls._first_api = True  # type: ignore[attr-defined]  # its subclasses are read the same way
    limit = getattr(cls, "max_length", None)
    cls.profile = NetworkProfile(
        name=cls.name,
        title=getattr(cls, "title", cls.name),
        settings_model=getattr(cls, "settings_model", AccountSettings),
        length=characters(cls.name, limit) if limit else LengthRule(cls.name),
        idempotent=bool(getattr(cls, "idempotent", False)),
        needs_config=bool(getattr(cls, "needs_config", True)),
    )
    if callable(getattr(cls, "check", None)) and not callable(getattr(cls, "health", None)):

        def health(self: Any) -> Any:
            return self.check()

        cls.health = health  # type: ignore[attr-defined]
    if callable(getattr(cls, "confirm", None)) and not callable(getattr(cls, "lead_time", None)):
        cls.lead_time = lambda self: timedelta(0)  # type: ignore[attr-defined]
    for capability, methods in caps.CAPABILITIES.items():
        if all(callable(getattr(cls, method, None)) for method in methods):
            capability.register(cls)
            for attr, default in vars(capability).items():  # a virtual subclass inherits nothing
                if callable(default) and not attr.startswith("__") and not hasattr(cls, attr):
                    setattr(cls, attr, default)
