"""Mastodon (any instance) through Mastodon.py.

Posts, threads (each part a reply to the previous one) and images or videos with alt text, with the
account's visibility and language. Every status is created with an ``Idempotency-Key`` header (the
post's key, and ``<key>-<n>`` for thread part n), so sending again after an answer we did not see
returns the statuses the instance already made instead of new ones: the adapter is idempotent.
Mastodon keeps those keys for about an hour; later, :meth:`MastodonNetwork.reconcile` looks for the
post among the account's own statuses.

The instance's limits (characters per post, characters a link counts for, media per post, file
sizes, alt-text length) are read from ``/api/v2/instance`` and cached for a day in
``<data dir>/cache/mastodon-<account name>.json``; every post is checked against them before
anything is uploaded.

A video (GIF, sound) is processed by the instance in the background: the adapter waits for it at
most MEDIA_WAIT_SECONDS per attempt and remembers the upload
(:mod:`socialpost.networks.mastodon_media`), so the next attempt waits for the same attachment
instead of uploading the file again.

Mastodon.py is imported only when an account of this network is used.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import mimetypes
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from socialpost.errors import (
    AuthError,
    ConfigError,
    ContentRejected,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.i18n import N_, _, ngettext
from socialpost.media import MediaRoots
from socialpost.networks.base import (
    AccountSettings,
    AccountSetup,
    AdapterContext,
    Media,
    Network,
    NotSent,
    OutgoingPost,
    Published,
    Reply,
    SetupUI,
    decimal_mark,
)
from socialpost.networks.capabilities import (
    AccountLimits,
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    Reconciler,
    Replier,
)
from socialpost.networks.health import AccountHealth, origin_of
from socialpost.networks.mastodon_media import AttachmentBook, FileIdentity, Upload, media_kind
from socialpost.networks.profile import MB, AdviceFacts, MediaLimits, NetworkProfile
from socialpost.privatefiles import write_private
from socialpost.text.count import graphemes, mastodon_length
from socialpost.text.rules import CHARACTERS, LengthRule
from socialpost.timeutil import ensure_aware, human_duration, iso_utc

if TYPE_CHECKING:
    from mastodon import Mastodon

log = logging.getLogger("socialpost.networks.mastodon")

OOB = "urn:ietf:wg:oauth:2.0:oob"  # the instance shows the authorization code instead of redirecting
SCOPES = ["read", "write"]
APP_NAME = "socialpost"
APP_WEBSITE = "https://github.com/socialpost/socialpost"
USER_AGENT = "socialpost"
LIMITS_MAX_AGE = timedelta(days=1)
# Mastodon keeps an Idempotency-Key for up to an hour; stay well inside that before re-sending.
KEY_LIFETIME = timedelta(minutes=50)
# How long one attempt waits for the instance to process the post's uploads, counted from its
# start. It ends well within the daemon's lease (120 s by default), so no other daemon takes the
# post over meanwhile; a longer processing goes on at the next attempt, on the same attachments
# (socialpost.networks.mastodon_media), until MEDIA_DEADLINE (10 min for images, 2 h for videos).
MEDIA_WAIT_SECONDS = 60.0
MEDIA_POLL_SECONDS = 1.0  # the first look; each next one waits twice as long, up to:
MEDIA_POLL_MAX_SECONDS = 5.0
RECONCILE_PAGES = 5  # x 40 statuses: how far back reconciliation reads the account
RECONCILE_SOURCES = 10  # at most this many /source look-ups per reconciliation
RECONCILE_SKEW = timedelta(minutes=2)  # created_at may be a little before due_at (clock skew)
MESSAGE_CHARS = 300  # how much of the instance's error message goes into ours
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w")
_REDACTED = "[redacted]"


# --- settings ------------------------------------------------------------------------------------


def normalise_instance_url(value: str) -> str:
    """``mastodon.social`` / ``https://mastodon.social/`` → ``https://mastodon.social``.

    Plain ``http://`` is accepted only for this machine (local test servers): a token must never
    cross the internet unencrypted."""
    text = value.strip()
    if not text:
        raise ValueError(_("give your Mastodon instance's address, for example https://mastodon.social"))
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(_("the instance address must look like https://mastodon.social"))
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(_("give only the instance's address, like https://mastodon.social (no user, ? or #)"))
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValueError(_("use https:// for the instance address (http:// is only for local test servers)"))
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def mastodon_rule(limit: int | None = None, url_length: int | None = None) -> LengthRule:
    """Mastodon's length rule: 500 characters by default, each link counted as 23 — or an
    instance's own figures (``/api/v2/instance``)."""
    length = url_length or 23
    return LengthRule("mastodon", ((CHARACTERS, limit or 500, lambda t: mastodon_length(t, url_length=length)),))


class MastodonSettings(AccountSettings):
    api_base_url: str = Field(description="your instance's address, e.g. https://mastodon.social")
    access_token: SecretStr = Field(description="the account's access token (kept in secrets.yaml)")
    visibility: Literal["public", "unlisted", "private"] = Field(
        "public", description="who sees the posts: public, unlisted (not in public timelines), private (followers)"
    )
    language: str | None = Field(None, description="ISO 639 code of the posts' language (e.g. en, fr)")
    spoiler_text: str | None = Field(None, description="a content warning shown before every post")
    timeout: float = Field(60.0, gt=0, le=600, description="seconds to wait for the instance")
    client_id: SecretStr | None = Field(None, description="the app registered on the instance (set-up keeps it)")
    client_secret: SecretStr | None = Field(None, description="the app's secret (set-up keeps it)")

    @field_validator("api_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return normalise_instance_url(value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().lower()
        if not _LANGUAGE.fullmatch(value):
            raise ValueError(_("language must be an ISO 639 code such as en, fr or de"))
        return value

    @field_validator("spoiler_text")
    @classmethod
    def _spoiler(cls, value: str | None) -> str | None:
        return value if value and value.strip() else None


# --- instance limits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MastodonLimits:
    """What the instance accepts (Mastodon's defaults until the instance says otherwise)."""

    max_characters: int = 500
    characters_reserved_per_url: int = 23
    max_media_attachments: int = 4
    image_size_limit: int = 16 * 1024 * 1024
    video_size_limit: int = 99 * 1024 * 1024
    description_limit: int = 1500
    supported_mime_types: tuple[str, ...] = ()
    domain: str = ""
    version: str = ""
    fetched_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["supported_mime_types"] = list(self.supported_mime_types)
        data["fetched_at"] = iso_utc(self.fetched_at) if self.fetched_at else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MastodonLimits:
        fetched = data.get("fetched_at")
        return cls(
            max_characters=int(data["max_characters"]),
            characters_reserved_per_url=int(data["characters_reserved_per_url"]),
            max_media_attachments=int(data["max_media_attachments"]),
            image_size_limit=int(data["image_size_limit"]),
            video_size_limit=int(data["video_size_limit"]),
            description_limit=int(data["description_limit"]),
            supported_mime_types=tuple(str(m) for m in data.get("supported_mime_types") or ()),
            domain=str(data.get("domain") or ""),
            version=str(data.get("version") or ""),
            fetched_at=ensure_aware(datetime.fromisoformat(fetched.replace("Z", "+00:00"))) if fetched else None,
        )


def _positive(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def limits_from_instance(instance: Any, fetched_at: datetime) -> MastodonLimits:
    """Limits from an ``/api/v2/instance`` (or v1) answer; what is missing keeps Mastodon's default."""
    default = MastodonLimits()
    config = _mapping(_mapping(instance).get("configuration"))
    statuses = _mapping(config.get("statuses"))
    media = _mapping(config.get("media_attachments"))
    mimes = media.get("supported_mime_types")
    return MastodonLimits(
        max_characters=_positive(statuses.get("max_characters"), default.max_characters),
        characters_reserved_per_url=_positive(
            statuses.get("characters_reserved_per_url"), default.characters_reserved_per_url
        ),
        max_media_attachments=_positive(statuses.get("max_media_attachments"), default.max_media_attachments),
        image_size_limit=_positive(media.get("image_size_limit"), default.image_size_limit),
        video_size_limit=_positive(media.get("video_size_limit"), default.video_size_limit),
        description_limit=_positive(media.get("description_limit"), default.description_limit),
        supported_mime_types=tuple(str(m) for m in mimes) if isinstance(mimes, list) else (),
        domain=str(_mapping(instance).get("domain") or _mapping(instance).get("uri") or ""),
        version=str(_mapping(instance).get("version") or ""),
        fetched_at=fetched_at,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


# --- the adapter ---------------------------------------------------------------------------------


class MastodonNetwork(
    Network, Reconciler, AccountLimits, MetricsReader, InboxReader, Replier, GuidedSetup, HealthCheck
):
    profile = NetworkProfile(
        name="mastodon",
        title="Mastodon",
        settings_model=MastodonSettings,
        length=mastodon_rule(),  # Mastodon's default; each instance may allow more (see limits())
        media=MediaLimits(4, 16 * MB, 99 * MB, 16 * MB),
        advice=AdviceFacts(hashtags=5),
        idempotent=True,
    )

    settings: MastodonSettings

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client: Mastodon | None = None
        self._lock = threading.RLock()  # one call at a time: Mastodon.py keeps rate-limit state per client
        self._limits: MastodonLimits | None = None
        self._me: dict[str, Any] | None = None
        self.sleep: Callable[[float], None] = time.sleep  # tests replace it
        self.monotonic: Callable[[], float] = time.monotonic  # and this, with it
        self._host = urlsplit(self.settings.api_base_url).netloc
        # the uploads of posts not online yet, so that a later attempt waits for them again
        self.attachments = AttachmentBook(
            self.context.state_dir(
                "media", self.account, old=self.context.data_dir / "mastodon" / self._slug / "media"
            ),
            instance=self.settings.api_base_url,
        )

    @property
    def _where(self) -> str:
        """How messages name this account, in the active language."""
        return _("Mastodon account {account} ({host})").format(account=self.account, host=self._host)

    # --- plumbing ------------------------------------------------------------------------------

    def _api(self) -> Mastodon:
        from mastodon import Mastodon

        with self._lock:
            if self._client is None:
                client = Mastodon(
                    api_base_url=self.settings.api_base_url,
                    ratelimit_method="throw",
                    version_check_mode="none",
                    request_timeout=self.settings.timeout,
                    user_agent=USER_AGENT,
                )
                # Given to the constructor, a token that happens to name a file would be read from it.
                client.access_token = self.settings.access_token.get_secret_value()
                self._client = client
            return self._client

    @contextmanager
    def _calling(self, doing: str, *, sends: bool = False) -> Iterator[Mastodon]:
        """Run Mastodon.py calls, turning its exceptions into socialpost's (see :meth:`_translate`)."""
        from mastodon.errors import MastodonError

        with self._lock:
            client = self._api()
            try:
                yield client
            except MastodonError as exc:
                self._translate(exc, client, doing, sends=sends)

    def _translate(self, exc: Exception, client: Mastodon, doing: str, *, sends: bool) -> NoReturn:
        """Raise the socialpost error for a Mastodon.py exception. Never repeats the token."""
        from mastodon.errors import (
            MastodonAPIError,
            MastodonFileNotFoundError,
            MastodonIllegalArgumentError,
            MastodonIOError,
            MastodonNetworkError,
            MastodonNotFoundError,
            MastodonRatelimitError,
            MastodonServerError,
            MastodonUnauthorizedError,
        )

        where = _("{where}: {doing}").format(where=self._where, doing=doing)
        fix_auth = _("Connect the account again: socialpost accounts add mastodon {name}").format(
            name=self.account.split(":", 1)[1]
        )
        if isinstance(exc, MastodonRatelimitError):
            reset = getattr(client, "ratelimit_reset", None)
            retry_at = datetime.fromtimestamp(float(reset), UTC) if isinstance(reset, int | float) else None
            if retry_at:
                text = _("{where}: the instance is rate limiting this account (429) until {time}.").format(
                    where=where, time=iso_utc(retry_at)
                )
            else:
                text = _("{where}: the instance is rate limiting this account (429).").format(where=where)
            raise RateLimited(text, status=429, retry_at=retry_at) from None
        if isinstance(exc, MastodonNetworkError):
            sent = sends and _may_have_arrived(exc)
            reason = _network_reason(exc, self.settings.timeout)
            raise TransientError(
                _("{where}: {reason}.").format(where=where, reason=reason), request_sent=sent
            ) from None
        if isinstance(exc, MastodonFileNotFoundError | MastodonIOError):
            raise ContentRejected(
                _("{where}: a media file cannot be read ({error}).").format(where=where, error=exc.__class__.__name__)
            ) from None
        if isinstance(exc, MastodonIllegalArgumentError):
            raise PermanentError(_("{where}: {message}").format(where=where, message=self._clean(str(exc)))) from None
        if isinstance(exc, MastodonAPIError):
            status, message = _api_error(exc)
            said = " " + _("The instance said: {message}").format(message=self._clean(message)) if message else ""
            if isinstance(exc, MastodonUnauthorizedError) or status == 401:
                raise AuthError(
                    _("{where}: the instance refused the access token (401); it was revoked or is wrong.").format(
                        where=where
                    )
                    + said,
                    hint=fix_auth,
                    status=401,
                ) from None
            if status == 403:
                raise AuthError(
                    _("{where}: the instance does not allow this account or token to do it (403).").format(where=where)
                    + said,
                    hint=_(
                        "The token needs the read and write permissions and the account must be active. {fix}"
                    ).format(fix=fix_auth),
                    status=403,
                ) from None
            if isinstance(exc, MastodonNotFoundError) or status == 404:
                raise PermanentError(
                    _("{where}: not found on the instance (404); it was deleted or never existed.").format(where=where)
                    + said,
                    status=404,
                ) from None
            if status == 422:
                raise ContentRejected(
                    _("{where}: the instance rejected the post (422).").format(where=where) + said,
                    hint=_("Change the post so the instance accepts it, then run socialpost retry."),
                    status=422,
                ) from None
            if isinstance(exc, MastodonServerError) or (status is not None and status >= 500):
                raise TransientError(
                    _("{where}: the instance failed ({status}).").format(where=where, status=status) + said,
                    status=status,
                    request_sent=sends,
                ) from None
            if status is None:  # a 2xx answer Mastodon.py could not read
                raise TransientError(
                    _("{where}: the instance sent an answer socialpost cannot read.").format(where=where),
                    request_sent=sends,
                ) from None
            raise PermanentError(
                _("{where}: the instance refused the request ({status}).").format(where=where, status=status) + said,
                status=status,
            ) from None
        # Anything else from Mastodon.py: the outcome is open, and a resend with the same key is safe.
        raise TransientError(
            _("{where}: {error}.").format(where=where, error=exc.__class__.__name__), request_sent=sends
        ) from None

    def _clean(self, text: str) -> str:
        """An instance's message on one line, cut short, with none of our secrets in it."""
        for secret in self._secrets():
            text = text.replace(secret, _REDACTED)
        text = " ".join(text.split())
        return text[:MESSAGE_CHARS] + ("…" if len(text) > MESSAGE_CHARS else "")

    def _secrets(self) -> list[str]:
        values = [self.settings.access_token, self.settings.client_secret]
        return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]

    # --- limits --------------------------------------------------------------------------------

    @property
    def _old_folder(self) -> Path:
        """Where this account's state lived before ``AdapterContext.state_dir`` (names with unusual
        characters were folded differently)."""
        return self.context.data_dir / "mastodon" / self._slug

    @property
    def _slug(self) -> str:
        """The account's name as it may appear in a file name."""
        return _UNSAFE.sub("_", self.account.split(":", 1)[-1]) or "account"

    @property
    def cache_file(self) -> Path:
        return self.context.data_dir / "cache" / f"mastodon-{self._slug}.json"

    def limits(self, *, refresh: bool = False) -> MastodonLimits:
        """The instance's limits: from memory, the day-old cache, or the instance."""
        now = self.context.clock()
        with self._lock:
            if not refresh and self._limits is not None and self._fresh(self._limits, now):
                return self._limits
            cached = None if refresh else self._read_cache()
            if cached is not None and self._fresh(cached, now):
                self._limits = cached
                return cached
            try:
                fetched = self._fetch_limits(now)
            except TransientError:
                if cached is not None:  # an old answer beats none
                    log.info("%s: using cached instance limits (the instance did not answer)", self.account)
                    self._limits = cached
                    return cached
                raise
            self._write_cache(fetched)
            self._limits = fetched
            return fetched

    @staticmethod
    def _fresh(limits: MastodonLimits, now: datetime) -> bool:
        fetched = limits.fetched_at
        return fetched is not None and timedelta(0) <= now - fetched < LIMITS_MAX_AGE

    def _fetch_limits(self, now: datetime) -> MastodonLimits:
        from mastodon.errors import MastodonNotFoundError

        with self._calling(_("reading the instance's limits")) as api:
            try:
                instance: Any = api.instance_v2()
            except MastodonNotFoundError:  # Mastodon before 4.0
                instance = api.instance_v1()
        return limits_from_instance(instance, now)

    def _read_cache(self) -> MastodonLimits | None:
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            if data.get("api_base_url") != self.settings.api_base_url:
                return None
            return MastodonLimits.from_json(data["limits"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _write_cache(self, limits: MastodonLimits) -> None:
        path = self.cache_file
        body = json.dumps({"api_base_url": self.settings.api_base_url, "limits": limits.as_json()}, indent=2)
        try:
            write_private(path, body)
        except OSError as exc:  # a cache we cannot write only costs a request next time
            log.warning("%s: cannot write %s (%s)", self.account, path, exc.strerror or exc)

    # --- checks before sending -----------------------------------------------------------------

    def length_rule(self) -> LengthRule | None:
        """The instance's own limits, when `accounts test` or a post has cached them."""
        cached = self._read_cache()
        if cached is None:
            return None
        return mastodon_rule(cached.max_characters, cached.characters_reserved_per_url)

    def validate(self, post: OutgoingPost, limits: MastodonLimits) -> list[tuple[Media, str]]:
        """ContentRejected if the instance would refuse ``post``; returns each media with its type."""
        where = _("{where}: the post {post}").format(where=self._where, post=post.post_id)
        host = limits.domain or urlsplit(self.settings.api_base_url).netloc
        spoiler = graphemes(self.settings.spoiler_text) if self.settings.spoiler_text else 0
        parts = (post.text, *post.thread)
        for number, text in enumerate(parts, 1):
            if len(parts) == 1:
                label = _("the text")
            else:
                label = _("part {number} of {count} of the thread").format(number=number, count=len(parts))
            if not text.strip() and (number > 1 or not post.media):
                raise ContentRejected(
                    _("{where}: {part} is empty.").format(where=where, part=label), hint=_("Write some text for it.")
                )
            length = mastodon_length(text, url_length=limits.characters_reserved_per_url) + spoiler
            if length > limits.max_characters:
                values = {
                    "where": where,
                    "part": label,
                    "length": length,
                    "host": host,
                    "limit": limits.max_characters,
                    "link": limits.characters_reserved_per_url,
                }
                if spoiler:
                    message = _(
                        "{where}: {part} is {length} characters with the content warning; {host} allows {limit} "
                        "(links count as {link})."
                    ).format(**values)
                else:
                    message = _(
                        "{where}: {part} is {length} characters; {host} allows {limit} (links count as {link})."
                    ).format(**values)
                raise ContentRejected(
                    message,
                    hint=_("Shorten it by {count} characters or split it into a thread.").format(
                        count=length - limits.max_characters
                    ),
                )
        if len(post.media) > limits.max_media_attachments:
            raise ContentRejected(
                _("{where}: it has {count} media files; {host} allows {limit} per post.").format(
                    where=where, count=len(post.media), host=host, limit=limits.max_media_attachments
                ),
                hint=_("Remove some, or move them to a second post."),
            )
        checked = []
        for media in post.media:
            name = Path(media.file).name
            try:
                size = Path(media.file).stat().st_size
                with open(media.file, "rb") as handle:
                    head = handle.read(32)
            except OSError as exc:
                raise ContentRejected(
                    _("{where}: the media file {file} cannot be read ({reason}).").format(
                        where=where, file=media.file, reason=exc.strerror or exc.__class__.__name__
                    ),
                    hint=_("Check the path in the campaign file."),
                ) from None
            mime = _sniff(head) or mimetypes.guess_type(media.file)[0]
            if mime is None or (limits.supported_mime_types and mime not in limits.supported_mime_types):
                kinds = ", ".join(limits.supported_mime_types) or _("images, videos and audio")
                raise ContentRejected(
                    _("{where}: {file} is a file type {host} does not take ({type}).").format(
                        where=where, file=name, host=host, type=mime or _("unknown")
                    ),
                    hint=_("Use one of: {kinds}.").format(kinds=kinds),
                )
            video = mime.split("/", 1)[0] in ("video", "audio")
            cap = limits.video_size_limit if video else limits.image_size_limit
            if size > cap:
                values = {"where": where, "file": name, "size": _megabytes(size), "host": host, "cap": _megabytes(cap)}
                if video:
                    message = _("{where}: {file} is {size}; {host} takes videos up to {cap}.").format(**values)
                else:
                    message = _("{where}: {file} is {size}; {host} takes images up to {cap}.").format(**values)
                raise ContentRejected(message, hint=_("Make the file smaller (resize or compress it)."))
            if len(media.alt) > limits.description_limit:
                raise ContentRejected(
                    _("{where}: the alt text of {file} is {length} characters; {host} allows {limit}.").format(
                        where=where, file=name, length=len(media.alt), host=host, limit=limits.description_limit
                    ),
                    hint=_("Shorten the description."),
                )
            checked.append((media, mime))
        return checked

    # --- publishing ----------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> Published:
        roots = MediaRoots.checked(post, self.context)
        media = self.validate(post, self.limits())
        media_ids = self._attachments(post, media, roots)
        language = self._language(post)
        try:
            first = self._post(post.text, key=post.key, media_ids=media_ids, reply_to=None, language=language)
        except ContentRejected as exc:
            if exc.status == 422 and media:
                self._still_processing(post, media)  # raises TransientError when that is why
            raise
        if media:
            self.attachments.forget(post.key)  # attached now: nothing left to resume
        published = Published(remote_id=str(first["id"]), url=_status_url(first))
        previous = first
        for number, text in enumerate(post.thread, 1):
            try:
                previous = self._post(
                    text, key=f"{post.key}-{number}", media_ids=[], reply_to=previous["id"], language=language
                )
            except TransientError:
                raise  # sent again later with the same keys: the parts already online are found again
            except PermanentError as exc:
                exc.message += " " + ngettext(
                    "The first {count} part of the thread is online ({url}).",
                    "The first {count} parts of the thread are online ({url}).",
                    number,
                ).format(count=number, url=published.url or published.remote_id)
                raise
        return published

    def _language(self, post: OutgoingPost) -> str | None:
        """Mastodon takes an ISO 639 code: the post's language without its region (``fr-CA`` →
        ``fr``), else the account's setting, else none (the instance guesses)."""
        primary = (post.language or "").split("-", 1)[0].lower()
        return primary if _LANGUAGE.fullmatch(primary) else self.settings.language

    def _post(
        self, text: str, *, key: str, media_ids: list[Any], reply_to: Any, language: str | None
    ) -> dict[str, Any]:
        with self._calling(_("publishing a post"), sends=True) as api:
            status = api.status_post(
                text,
                in_reply_to_id=reply_to,
                media_ids=media_ids or None,
                visibility=self.settings.visibility,
                language=language,
                spoiler_text=self.settings.spoiler_text,
                idempotency_key=key,
            )
        return dict(status)

    # --- media ---------------------------------------------------------------------------------

    def _attachments(self, post: OutgoingPost, media: list[tuple[Media, str]], roots: MediaRoots) -> list[str]:
        """The ids of the post's attachments once the instance has processed them all.

        Every file is uploaded first (or an earlier upload of it is taken up again), so the instance
        processes them side by side; then this attempt waits for them, at most MEDIA_WAIT_SECONDS
        from its start, so that it ends well within the daemon's lease. Past that, TransientError:
        the next attempt waits for the same attachments."""
        deadline = self.monotonic() + MEDIA_WAIT_SECONDS
        started = [self._attachment(post.key, index, item, mime, roots) for index, (item, mime) in enumerate(media)]
        return [
            self._processed(post.key, index, (item, mime, roots), upload, answer, deadline)
            for index, ((item, mime), (upload, answer)) in enumerate(zip(media, started, strict=True))
        ]

    def _attachment(
        self, key: str, index: int, media: Media, mime: str, roots: MediaRoots
    ) -> tuple[Upload, dict[str, Any]]:
        """The attachment for media ``index`` of post ``key`` and the instance's latest word on it:
        the one an earlier attempt uploaded while it is still good, else a new upload (remembered)."""
        identity = self._identity(media)
        with self.attachments.locked(key):
            known = self.attachments.get(key, index)
            answer = self._reuse(key, index, known, identity, media) if known is not None else None
            if known is not None and answer is not None:
                return known, answer
            name = Path(media.file).name
            with self._calling(_("uploading {file}").format(file=name)) as api, roots.open(media.file) as handle:
                uploaded: Any = api.media_post(handle, mime_type=mime, description=media.alt or None, file_name=name)
            upload = Upload(
                id=str(uploaded["id"]),
                identity=identity,
                kind=media_kind(uploaded.get("type"), mime),
                uploaded_at=self.context.clock(),
            )
            self.attachments.put(key, index, upload)  # replaces the entry of an upload of no use
            return upload, dict(uploaded)

    def _identity(self, media: Media) -> FileIdentity:
        """The file as it is now; ContentRejected when it cannot be read any more (moved or
        deleted since the post was checked) — never an unexpected error."""
        try:
            return FileIdentity.of(media)
        except OSError as exc:
            raise ContentRejected(
                _("{where}: the media file {file} cannot be read ({reason}).").format(
                    where=self._where, file=media.file, reason=exc.strerror or exc.__class__.__name__
                ),
                hint=_("Check the path in the campaign file."),
            ) from None

    def _reuse(
        self, key: str, index: int, known: Upload, identity: FileIdentity, media: Media
    ) -> dict[str, Any] | None:
        """The instance's answer for an attachment an earlier attempt uploaded, or None when it is
        of no use any more (the file changed, the instance forgot it, or it looks stuck)."""
        name = Path(media.file).name
        age = self.context.clock() - known.uploaded_at
        if known.identity != identity:
            log.info("%s: %s changed since it was uploaded; uploading it again", self.account, name)
            return None
        if known.stuck(self.context.clock()):
            log.warning(
                "%s: the instance has been processing %s (attachment %s) for %s; uploading it again",
                self.account,
                name,
                known.id,
                human_duration(age),
            )
            return None
        answer = self._media(key, index, known, name)
        if answer is None:
            log.info(
                "%s: the instance no longer has attachment %s (%s); uploading it again", self.account, known.id, name
            )
            return None
        log.info("%s: taking up attachment %s (%s), uploaded %s ago", self.account, known.id, name, human_duration(age))
        return answer

    def _processed(
        self,
        key: str,
        index: int,
        media: tuple[Media, str, MediaRoots],
        upload: Upload,
        answer: dict[str, Any],
        deadline: float,
    ) -> str:
        """Wait until the instance gives the attachment's ``url`` (it has processed it); its id.
        ``media`` is the file, its MIME type and the roots to open it from again if needed."""
        item, mime, roots = media
        name = Path(item.file).name
        naps = 0
        while answer.get("url") is None:  # 202 or 206: still processing
            if self.monotonic() >= deadline:
                age = human_duration(self.context.clock() - upload.uploaded_at)
                raise TransientError(
                    _(
                        "{where}: the instance is still processing {file} ({age} after its upload); nothing was "
                        "posted. The next attempt waits for the same upload."
                    ).format(where=self._where, file=name, age=age)
                )
            step = min(MEDIA_POLL_MAX_SECONDS, MEDIA_POLL_SECONDS * 2**naps)
            self.sleep(min(step, deadline - self.monotonic()))  # the last look is at the deadline
            naps += 1
            latest = self._media(key, index, upload, name)
            if latest is None:  # the instance forgot it while we waited: upload it again
                upload, latest = self._attachment(key, index, item, mime, roots)
            answer = latest
        return upload.id

    def _media(self, key: str, index: int, upload: Upload, name: str) -> dict[str, Any] | None:
        """``GET /api/v1/media/:id``: the attachment (``url`` null while processing), or None when
        the instance does not have it (404: deleted, or attached to a status already). A processing
        failure (422) is a ContentRejected naming the file and the fix, and the upload is forgotten,
        so that a retry uploads the file again."""
        from mastodon.errors import MastodonAPIError

        with self._calling(_("waiting for {file} to be processed").format(file=name)) as api:
            try:
                return dict(api.media(upload.id))
            except MastodonAPIError as exc:
                status, message = _api_error(exc)
                if status == 404:
                    return None
                if status != 422:
                    raise
        with self.attachments.locked(key):
            self.attachments.drop(key, index)
        said = " " + _("The instance said: {message}").format(message=self._clean(message)) if message else ""
        raise ContentRejected(
            _("{where}: the instance could not process {file} (422); nothing was posted.").format(
                where=self._where, file=name
            )
            + said,
            hint=_(
                "Check that the file opens and plays, or convert it (for example to MP4 with H.264 video and AAC "
                "sound), then run socialpost retry."
            ),
            status=422,
        )

    def _still_processing(self, post: OutgoingPost, media: list[tuple[Media, str]]) -> None:
        """After a 422 on a status with media: TransientError when an attachment is still being
        processed or is gone (Mastodon's "Cannot attach files that have not finished processing";
        its wording follows the account's language, so the attachments themselves are asked)."""
        for index, (item, _mime) in enumerate(media):
            upload = self.attachments.get(post.key, index)
            if upload is None:
                continue
            name = Path(item.file).name
            answer = self._media(post.key, index, upload, name)
            if answer is None:
                raise TransientError(
                    _(
                        "{where}: the instance no longer has the upload of {file}; the next attempt uploads it again."
                    ).format(where=self._where, file=name)
                )
            if answer.get("url") is None:
                raise TransientError(
                    _("{where}: the instance is still processing {file}; nothing was posted.").format(
                        where=self._where, file=name
                    )
                )

    # --- after an unseen outcome ---------------------------------------------------------------

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        """Within the instance's key lifetime, send again (the same keys give back the same
        statuses). Later, look for the post among the account's statuses since it was due."""
        now = self.context.clock()
        if now - ensure_aware(post.due_at) < KEY_LIFETIME:
            return self.publish(post)
        since = ensure_aware(post.due_at) - RECONCILE_SKEW
        statuses, complete = self._own_statuses_since(since)
        first = self._find(post.text, None, statuses)
        if first is None:
            if complete:
                return NotSent(
                    _("no status of this account since {time} has this text").format(time=iso_utc(post.due_at))
                )
            return None
        self.attachments.forget(post.key)  # online: its uploads, if any, are attached
        previous = first
        for number, text in enumerate(post.thread, 1):
            found = self._find(text, str(previous["id"]), statuses)
            if found is None:  # the thread broke off here: finish it
                if not complete:
                    return None
                found = self._post(
                    text,
                    key=f"{post.key}-{number}",
                    media_ids=[],
                    reply_to=previous["id"],
                    language=self._language(post),
                )
            previous = found
        return Published(remote_id=str(first["id"]), url=_status_url(first))

    def _own_statuses_since(self, since: datetime) -> tuple[list[dict[str, Any]], bool]:
        """The account's statuses created since ``since`` (newest first), and whether that is all."""
        me = self._whoami()
        found: list[dict[str, Any]] = []
        max_id = None
        for _page in range(RECONCILE_PAGES):
            with self._calling(_("reading the account's statuses")) as api:
                page = api.account_statuses(me["id"], max_id=max_id, limit=40, exclude_reblogs=True)
            if not page:
                return found, True
            for status in page:
                created = status.get("created_at")
                if isinstance(created, datetime) and ensure_aware(created) < since:
                    return found, True
                found.append(dict(status))
            max_id = page[-1]["id"]
        return found, False

    def _find(self, text: str, reply_to: str | None, statuses: list[dict[str, Any]]) -> dict[str, Any] | None:
        expected = _normalise(_REMOTE_MENTION.sub(r"@\1", text))
        candidates: list[dict[str, Any]] = [
            status
            for status in statuses
            if (str(status["in_reply_to_id"]) if status.get("in_reply_to_id") is not None else None) == reply_to
        ]
        oldest_first = candidates[::-1]  # the first copy is the one we sent
        for candidate in oldest_first:
            if _normalise(_html_text(str(candidate.get("content") or ""))) == expected:
                return candidate
        exact = _normalise(text)
        for candidate in oldest_first[:RECONCILE_SOURCES]:
            with self._calling(_("reading a status's text")) as api:
                source: Any = api.status_source(candidate["id"])
            if _normalise(str(source.get("text") or "")) == exact:
                return candidate
        return None

    def _whoami(self) -> dict[str, Any]:
        if self._me is None:
            with self._calling(_("checking the access token")) as api:
                self._me = dict(api.account_verify_credentials())
        return self._me

    # --- engagement ----------------------------------------------------------------------------

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        """Likes, boosts, replies and (Mastodon 4.5+) quotes per status; a deleted status is left out."""
        result: dict[str, dict[str, int | None]] = {}
        for remote_id in remote_ids:
            try:
                with self._calling(_("reading status {id}").format(id=remote_id)) as api:
                    status: Any = api.status(remote_id)
            except PermanentError as exc:
                if exc.status in (404, 410):
                    log.info("%s: status %s is gone; no metrics", self.account, remote_id)
                    continue
                raise
            result[remote_id] = {
                "views": None,
                "likes": _count(status.get("favourites_count")),
                "reposts": _count(status.get("reblogs_count")),
                "replies": _count(status.get("replies_count")),
                "quotes": _count(status.get("quotes_count")),
                "bookmarks": None,
                "clicks": None,
            }
        return result

    # --- inbox -----------------------------------------------------------------------------------

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """Every status under each of ``remote_ids`` (``/api/v1/statuses/:id/context`` descendants),
        the account's own among them marked ``own``. A deleted status is left out."""
        me = str(self._whoami()["id"])
        replies: list[Reply] = []
        for remote_id in remote_ids:
            try:
                with self._calling(_("reading the replies to status {id}").format(id=remote_id)) as api:
                    context: Any = api.status_context(remote_id)
            except PermanentError as exc:
                if exc.status in (404, 410):
                    log.info("%s: status %s is gone; no replies", self.account, remote_id)
                    continue
                raise
            for status in context.get("descendants") or ():
                parent = status.get("in_reply_to_id")
                if parent is None:
                    continue
                account = _mapping(status.get("account"))
                created = status.get("created_at")
                replies.append(
                    Reply(
                        remote_id=str(status["id"]),
                        in_reply_to=str(parent),
                        post_remote_id=str(remote_id),
                        author="@" + str(account.get("acct") or account.get("username") or "?"),
                        author_name=str(account.get("display_name") or ""),
                        text=_html_text(str(status.get("content") or "")).strip(),
                        created_at=ensure_aware(created) if isinstance(created, datetime) else None,
                        url=_status_url(dict(status)),
                        own=str(account.get("id")) == me,
                    )
                )
        return replies

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer status ``in_reply_to`` (``in_reply_to_id``), checked against the instance's limit.
        The Idempotency-Key comes from the status and the text, so sending the same answer again
        (after a timeout) within the instance's key lifetime does not post it twice."""
        limits = self.limits()
        host = limits.domain or urlsplit(self.settings.api_base_url).netloc
        if not text.strip():
            raise ContentRejected(
                _("{where}: the reply is empty.").format(where=self._where), hint=_("Write some text for it.")
            )
        length = mastodon_length(text, url_length=limits.characters_reserved_per_url)
        if length > limits.max_characters:
            raise ContentRejected(
                _("{where}: the reply is {length} characters; {host} allows {limit}.").format(
                    where=self._where, length=length, host=host, limit=limits.max_characters
                ),
                hint=_("Shorten it by {count} characters.").format(count=length - limits.max_characters),
            )
        digest = hashlib.sha256(f"{self.account}\n{in_reply_to}\n{text}".encode()).hexdigest()[:32]
        status = self._post(
            text, key=f"sp-reply-{digest}", media_ids=[], reply_to=in_reply_to, language=self.settings.language
        )
        return Published(remote_id=str(status["id"]), url=_status_url(status))

    # --- accounts ------------------------------------------------------------------------------

    def api_origin(self) -> str | None:
        return origin_of(self.settings.api_base_url)

    def health(self) -> AccountHealth:
        me = self._whoami()
        limits = self.limits()
        domain = limits.domain or urlsplit(self.settings.api_base_url).netloc
        # The keys are also the JSON of `accounts test --json`: marked (N_), never translated here.
        details = {
            N_("instance"): self.settings.api_base_url,
            N_("visibility"): self.settings.visibility,
            N_("language"): self.settings.language or _("detected by Mastodon"),
            N_("characters per post"): str(limits.max_characters),
            N_("characters per link"): str(limits.characters_reserved_per_url),
            N_("media per post"): str(limits.max_media_attachments),
            N_("image size limit"): _megabytes(limits.image_size_limit),
            N_("video size limit"): _megabytes(limits.video_size_limit),
            N_("alt text limit"): ngettext("{count} character", "{count} characters", limits.description_limit).format(
                count=limits.description_limit
            ),
        }
        if limits.version:
            details[N_("Mastodon version")] = limits.version
        if self.settings.spoiler_text:
            details[N_("content warning")] = self.settings.spoiler_text
        return AccountHealth(self.account, f"@{me.get('username') or me.get('acct')}@{domain}", details)

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        ui.say(
            _(
                "socialpost posts to your Mastodon account through your instance's API. You need the "
                "address of your instance (the server your account lives on, e.g. https://mastodon.social)."
            )
        )
        while True:
            try:
                url = normalise_instance_url(ui.ask(_("Instance address")))
                break
            except ValueError as exc:
                ui.say(_("That does not work: {reason}.").format(reason=exc))
        how = ui.choose(
            _("How do you want to connect?"),
            [
                ("login", _("Log in on the instance in your browser and paste the code it shows (recommended)")),
                ("token", _("Paste an access token you created under Preferences → Development")),
            ],
        )
        secrets = _login(ui, url) if how == "login" else _paste_token(ui, url)
        visibility = ui.choose(
            _("Who should see the posts?"),
            [
                ("public", _("Everyone (public)")),
                ("unlisted", _("Everyone, but not in public timelines or trends (unlisted)")),
                ("private", _("Followers only")),
            ],
        )
        language = ui.ask(_("Language of the posts as an ISO code (en, fr, …); empty lets Mastodon guess"), default="")
        settings: dict[str, Any] = {"api_base_url": url, "visibility": visibility}
        if language.strip():
            settings["language"] = language.strip().lower()
        return AccountSetup(settings=settings, secrets=secrets)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.session.close()
                self._client = None


# --- set-up steps --------------------------------------------------------------------------------


def _login(ui: SetupUI, url: str) -> dict[str, str]:
    """Register socialpost as an app on the instance, then the authorization-code flow."""
    from mastodon import Mastodon
    from mastodon.errors import MastodonError

    allow_http = url.startswith("http://")  # only ever a loopback address (normalise_instance_url)
    try:
        client_id, client_secret = Mastodon.create_app(
            APP_NAME,
            scopes=SCOPES,
            redirect_uris=OOB,
            website=APP_WEBSITE,
            api_base_url=url,
            request_timeout=60,
            user_agent=USER_AGENT,
        )
    except (MastodonError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            _("{url} did not let socialpost register itself as an app ({reason}).").format(
                url=url, reason=_setup_reason(exc)
            ),
            hint=_("Check the address, or connect with an access token instead (choice 2)."),
        ) from None
    api = Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=url,
        ratelimit_method="throw",
        version_check_mode="none",
        request_timeout=60,
        user_agent=USER_AGENT,
    )
    try:
        authorize = api.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=allow_http)
    except MastodonError as exc:
        raise ConfigError(
            _("{url} gave no usable login address ({reason}).").format(url=url, reason=_setup_reason(exc))
        ) from None
    ui.say(
        _(
            "Open the address below, log in if asked, and press Authorize. The instance then shows an "
            "authorization code: copy it."
        )
    )
    ui.open_url(authorize)
    code = ui.ask_secret(_("Authorization code")).strip()
    try:
        token = api.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=allow_http)
    except MastodonError:
        raise AuthError(
            _("{url} did not accept that authorization code.").format(url=url),
            hint=_("Codes work once and expire quickly: run socialpost accounts add again and paste the new code."),
        ) from None
    finally:
        api.session.close()
    return {"access_token": token, "client_id": client_id, "client_secret": client_secret}


def _paste_token(ui: SetupUI, url: str) -> dict[str, str]:
    ui.say(
        _(
            "On {url}, open Preferences → Development → New application. Name it socialpost, keep the "
            "scopes read and write (at least read:accounts, read:statuses, write:statuses and write:media), "
            "save, open the application and copy 'Your access token'."
        ).format(url=url)
    )
    token = ui.ask_secret(_("Access token")).strip()
    if not token:
        raise ConfigError(_("no access token was given."), hint=_("Run socialpost accounts add again and paste it."))
    return {"access_token": token}


def _setup_reason(exc: Exception) -> str:
    from mastodon.errors import MastodonAPIError, MastodonNetworkError

    if isinstance(exc, MastodonNetworkError):
        return _("it could not be reached")
    if isinstance(exc, MastodonAPIError):
        status, message = _api_error(exc)
        text = " ".join((message or "").split())[:MESSAGE_CHARS]
        if status and text:
            return f"{status}: {text}"
        return _("error {status}").format(status=status) if status else _("unreadable answer")
    return _("it answered in a way socialpost did not expect; is this a Mastodon instance?")


# --- helpers -------------------------------------------------------------------------------------


def _api_error(exc: Exception) -> tuple[int | None, str]:
    """(HTTP status, the instance's message) from ``MastodonAPIError('…', status, reason, message)``."""
    args = exc.args
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    message = args[3] if len(args) > 3 and isinstance(args[3], str) else ""
    if status is not None and not message and len(args) > 2 and isinstance(args[2], str):
        message = args[2]
    return status, message


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.args and isinstance(current.args[0], BaseException):
            yield from _causes(current.args[0])
        current = current.__cause__ or current.__context__


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cause in _causes(exc) for cls in type(cause).__mro__}


def _may_have_arrived(exc: BaseException) -> bool:
    """False only when the connection was never made (refused, DNS, connect timeout)."""
    names = _names(exc)
    if names & {"ReadTimeout", "ReadTimeoutError", "ProtocolError", "ChunkedEncodingError"}:
        return True
    connect = {"ConnectTimeout", "ConnectTimeoutError", "NewConnectionError", "NameResolutionError"}
    return not (names & connect or ("MaxRetryError" in names and "ConnectionRefusedError" in names))


def _network_reason(exc: BaseException, timeout: float) -> str:
    names = _names(exc)
    seconds = decimal_mark(f"{timeout:g}")
    if names & {"ReadTimeout", "ReadTimeoutError"}:
        return _("no answer within {seconds} s").format(seconds=seconds)
    if names & {"ConnectTimeout", "ConnectTimeoutError"} and not names & {"NewConnectionError"}:
        return _("cannot connect within {seconds} s").format(seconds=seconds)
    if "NameResolutionError" in names:
        return _("the instance's name cannot be resolved (DNS)")
    if names & {"NewConnectionError", "ConnectionRefusedError"}:
        return _("cannot connect to the instance")
    return _("the connection broke")


def _status_url(status: dict[str, Any]) -> str | None:
    url = status.get("url") or status.get("uri")
    return str(url) if url else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _megabytes(size: int) -> str:
    if size < 1024:
        return ngettext("{count} byte", "{count} bytes", size).format(count=size)
    if size < 1024 * 1024:
        return _("{size} KB").format(size=f"{size / 1024:.0f}")
    return _("{size} MB").format(size=decimal_mark(f"{size / (1024 * 1024):.1f}".removesuffix(".0")))


_SNIFF: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"ftypavif", 4, "image/avif"),
    (b"ftypheic", 4, "image/heic"),
    (b"ftyp", 4, "video/mp4"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
    (b"OggS", 0, "audio/ogg"),
    (b"ID3", 0, "audio/mpeg"),
)


def _sniff(head: bytes) -> str | None:
    """The media type from a file's first bytes (the extension may lie)."""
    for magic, offset, mime in _SNIFF:
        if head[offset : offset + len(magic)] == magic:
            if mime == "video/mp4" and head[8:12] == b"qt  ":
                return "video/quicktime"
            return mime
    return None


def _html_text(content: str) -> str:
    """A status's HTML ``content`` as plain text (links, mentions and tags keep their text)."""
    text = re.sub(r"<br\s*/?>", "\n", content, flags=re.IGNORECASE)
    text = re.sub(r"</p>\s*<p[^>]*>", "\n\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text)


def _normalise(text: str) -> str:
    return " ".join(text.split())


__all__ = ["MastodonLimits", "MastodonNetwork", "MastodonSettings", "normalise_instance_url"]
