"""X (Twitter) through API v2 with tweepy 4.17, plus our own v2 media upload (``x.media``).

Authentication is either OAuth 1.0a user context (API Key and Secret + Access Token and Secret)
or an OAuth 2.0 user token from the Authorization Code + PKCE flow. OAuth 2.0 access tokens last
two hours; with ``offline.access`` X also gives a refresh token, which is single-use: every refresh
returns a new pair. Refreshed tokens are kept in ``<data_dir>/sessions/x-<name>.json`` (mode 0600),
because secrets.yaml belongs to the user; that file wins over secrets.yaml until the user connects
the account again (``accounts add``), which the file notices by the refresh token it came from.

X has no idempotency key. Safety comes from three things: every thread part's id is recorded as
soon as X returns it (``<data_dir>/x/<name>/threads/``), so a retry resumes a thread instead of
posting it again; X refuses an exact duplicate text with 403, and we then look the post up among
the account's recent posts; and ``reconcile`` looks for the post there too. Reads cost money on X,
so engagement metrics are off unless ``collect_metrics`` is true, and capped per day.

Field names: X's OpenAPI spec (xdk v2.167) asks for fields with ``post.fields`` and answers with
``repost_count``, ``referenced_posts`` and ``edit_history_post_ids``; ``tweet.fields``,
``retweet_count``, ``referenced_tweets`` and ``edit_history_tweet_ids`` survive only as a legacy
alias, and X drops a field it does not know without an error. So reads go out with the spec's
parameter names (through tweepy's client, whose own methods can only say ``tweet.fields``), every
answer is read in both spellings, the spec's first, and a field that is missing is unknown: a
metric is then None (never 0), and a post whose references are missing is never taken as proof
that a thread part was not sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests
from pydantic import Field, HttpUrl, SecretStr, field_validator, model_validator
from requests.adapters import HTTPAdapter

from socialpost.errors import (
    AccessTierError,
    AuthError,
    ContentRejected,
    DuplicatePost,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.i18n import N_, _
from socialpost.media import MediaRoots
from socialpost.networks.base import (
    AccountSettings,
    AccountSetup,
    AdapterContext,
    Network,
    NotSent,
    OutgoingPost,
    Published,
    Rendition,
    Reply,
    SetupUI,
)
from socialpost.networks.capabilities import (
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    Reconciler,
    Replier,
)
from socialpost.networks.common.numbers import as_int
from socialpost.networks.common.read_pause import ReadPause
from socialpost.networks.health import AccountHealth, origin_of
from socialpost.networks.profile import MB, AdviceFacts, MediaLimits, NetworkProfile
from socialpost.networks.x.media import API_HOST, MediaFile, MediaUploader, check_media
from socialpost.privatefiles import locked, read_object, write_json
from socialpost.text.count import X_MAX, X_URL_LENGTH, x_invalid_characters, x_weighted_length
from socialpost.text.rules import WEIGHTED, LengthRule
from socialpost.text.utm import links
from socialpost.timeutil import iso_utc

log = logging.getLogger("socialpost.networks.x")

DEFAULT_BASE_URL = API_HOST
TOKEN_PATH = "/2/oauth2/token"
SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"]
PORTAL = "https://developer.x.com/en/portal/dashboard"
DEFAULT_REDIRECT = "http://127.0.0.1:8080/callback"
EXCERPT_CHARS = 300
REFRESH_EARLY = timedelta(minutes=2)  # refresh an OAuth 2.0 token this long before it expires
RECONCILE_MARGIN = timedelta(minutes=10)  # look this far before the due time (clock skew)
RECONCILE_PAGES = 5  # at most 5 × 100 recent posts are searched
NON_PUBLIC_WINDOW = timedelta(days=29)  # X gives non-public metrics for own posts < 30 days old
SNOWFLAKE_EPOCH_MS = 1288834974657
THREAD_RECORD_DAYS = 30
# The inbox: replies are found with the recent search (last 7 days), several conversations a query.
SEARCH_WINDOW = timedelta(days=7)
SEARCH_QUERY_MAX = 512  # characters in one recent-search query (Basic access)
SEARCH_MIN_RESULTS, SEARCH_MAX_RESULTS = 10, 100  # max_results bounds of the recent search
REPLY_PAGES = 10  # pages read per batch of conversations, at most
REPLY_OVERLAP = timedelta(hours=1)  # read again this far back from the last complete read
# The spec's post.fields values; the author and the posts a post refers to come as expansions
# (which also put author_id and referenced_posts in each post).
RECENT_QUERY = {"post.fields": ["created_at", "conversation_id"], "expansions": ["referenced_posts"]}
REPLY_QUERY = {
    "post.fields": ["conversation_id", "created_at"],
    "expansions": ["author_id", "referenced_posts"],
    "user.fields": ["username", "name"],
}
PUBLIC_METRICS = ["public_metrics"]
PRIVATE_METRICS = ["public_metrics", "non_public_metrics", "organic_metrics"]
RATE_PAUSE = timedelta(minutes=15)  # no replies read after a 429 that does not say how long
ACCESS_PAUSE = timedelta(hours=6)  # nor after X said the access tier does not allow the search
READ_REPLIES = N_("read replies")
_TIER_MARKERS = (
    "client-not-enrolled",
    "client-forbidden",
    "subset of",
    "access level",
    "appropriate level",
    "enrolled",
    "attached to a project",
)
_REPLY_REFUSED_MARKERS = ("mentioned or otherwise engaged", "not allowed to reply", "reply to this conversation")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_REDACTED = "[redacted]"

T = TypeVar("T")


# --- settings ---------------------------------------------------------------------------------


class XSettings(AccountSettings):
    # OAuth 1.0a user context (the app's API Key and Secret, the account's Access Token and Secret)
    consumer_key: SecretStr | None = Field(None, description="API Key (OAuth 1.0a)")
    consumer_secret: SecretStr | None = Field(None, description="API Key Secret (OAuth 1.0a)")
    access_token: SecretStr | None = Field(None, description="Access Token (OAuth 1.0a)")
    access_token_secret: SecretStr | None = Field(None, description="Access Token Secret (OAuth 1.0a)")
    # OAuth 2.0 Authorization Code with PKCE (user token)
    client_id: str | None = Field(None, description="OAuth 2.0 Client ID")
    client_secret: SecretStr | None = Field(None, description="OAuth 2.0 Client Secret (confidential clients)")
    oauth2_access_token: SecretStr | None = Field(None, description="OAuth 2.0 user access token")
    oauth2_refresh_token: SecretStr | None = Field(None, description="OAuth 2.0 refresh token (offline.access)")
    oauth2_expires_at: datetime | None = Field(None, description="when the OAuth 2.0 access token expires")

    base_url: HttpUrl = Field(HttpUrl(DEFAULT_BASE_URL), description="X API address (proxies, tests)")
    timeout: float = Field(30.0, gt=0, le=600, description="seconds to wait for X on each request")
    media_processing_timeout: float = Field(600.0, gt=0, description="seconds to wait for X to process a video")
    collect_metrics: bool = Field(False, description="read engagement metrics (X bills every post read)")
    max_metric_reads_per_day: int = Field(200, ge=0, description="posts read for metrics per UTC day, at most")
    max_reply_reads_per_day: int = Field(
        200, ge=0, description="posts read for the inbox per UTC day, at most (X bills reads); 0: no inbox"
    )

    @field_validator("oauth2_expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> XSettings:
        oauth1 = [self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret]
        if any(oauth1):
            if not all(oauth1):
                raise ValueError(
                    _(
                        "OAuth 1.0a needs all four of consumer_key, consumer_secret, access_token and "
                        "access_token_secret"
                    )
                )
            if self.oauth2_access_token:
                raise ValueError(_("set either the OAuth 1.0a keys or an OAuth 2.0 token, not both"))
            return self
        if not self.oauth2_access_token:
            raise ValueError(
                _(
                    "no credentials: set consumer_key, consumer_secret, access_token and access_token_secret "
                    "(OAuth 1.0a) or oauth2_access_token (OAuth 2.0); 'socialpost accounts add x NAME' does it "
                    "for you"
                )
            )
        if self.oauth2_refresh_token and not self.client_id:
            raise ValueError(_("client_id is needed to refresh the OAuth 2.0 token"))
        return self

    @property
    def oauth1(self) -> bool:
        return self.consumer_key is not None


# --- HTTP plumbing ----------------------------------------------------------------------------


class _Transport(HTTPAdapter):
    """Sends tweepy's requests (always to https://api.twitter.com) to ``base_url`` instead, and
    gives every request a timeout (tweepy sets none)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        base = base_url.rstrip("/")
        self.base = None if base == API_HOST else base
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if self.base and request.url and request.url.startswith(API_HOST):
            request.url = self.base + request.url[len(API_HOST) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, *args, **kwargs)


class _Redactor(logging.Filter):
    """tweepy logs every request's headers at DEBUG (``Authorization: Bearer …``) and
    requests-oauthlib logs tokens when it fetches or refreshes them; blank those out."""

    _PATTERNS = (
        (re.compile(r"(Bearer\s+)[^\s'\",}]+"), r"\1" + _REDACTED),
        (re.compile(r"(oauth_[a-z_]+=\"?)[^\"',&\s]+"), r"\1" + _REDACTED),
        (
            re.compile(
                r"(['\"]?(?:access_token|refresh_token|code_verifier|client_secret|code|id_token|oauth_token"
                r"|oauth_token_secret)['\"]?\s*[:=]\s*['\"]?)[^'\",&\s}]+"
            ),
            r"\1" + _REDACTED,
        ),
    )

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, values: Sequence[str]) -> None:
        with self._lock:
            self._secrets.update(v for v in values if v and len(v) >= 6)

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, _REDACTED)
        for pattern, replacement in self._PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's business
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_REDACTOR = _Redactor()
# A logger's filters only see records logged on that very logger, so each one is named.
_SDK_LOGGERS = (
    "tweepy.client",
    "tweepy.auth",
    "requests_oauthlib",
    "requests_oauthlib.oauth1_auth",
    "requests_oauthlib.oauth1_session",
    "requests_oauthlib.oauth2_session",
    "oauthlib",
    "oauthlib.oauth1.rfc5849",
    "oauthlib.oauth1.rfc5849.signature",
    "oauthlib.oauth2.rfc6749",
    "urllib3.connectionpool",
    "socialpost.networks.x",
)
for _name in _SDK_LOGGERS:
    logging.getLogger(_name).addFilter(_REDACTOR)


# --- small files in the data folder -----------------------------------------------------------


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically with mode 0600 (X's files have always been compact JSON)."""
    write_json(path, data, indent=None, sort_keys=False)


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class _Tokens:
    """The OAuth 2.0 tokens in use: from secrets.yaml, or newer ones from the session file."""

    def __init__(self, path: Path, settings: XSettings) -> None:
        self.path = path
        assert settings.oauth2_access_token is not None
        original = settings.oauth2_refresh_token or settings.oauth2_access_token
        self.origin = _fingerprint(original.get_secret_value())
        self.access = settings.oauth2_access_token.get_secret_value()
        self.refresh = settings.oauth2_refresh_token.get_secret_value() if settings.oauth2_refresh_token else None
        self.expires_at = settings.oauth2_expires_at
        self.adopt_stored()

    def adopt_stored(self) -> bool:
        """Take the session file's tokens when they descend from the configured ones."""
        stored = read_object(self.path)
        if not stored or stored.get("origin") != self.origin or not stored.get("access_token"):
            return False
        changed = bool(stored["access_token"] != self.access)
        self.access = str(stored["access_token"])
        self.refresh = str(stored["refresh_token"]) if stored.get("refresh_token") else None
        expires = stored.get("expires_at")
        self.expires_at = datetime.fromisoformat(expires) if isinstance(expires, str) else None
        return changed

    def save(self) -> None:
        _write_private(
            self.path,
            {
                "origin": self.origin,
                "access_token": self.access,
                "refresh_token": self.refresh,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            },
        )


class _Threads:
    """Which parts of which post are already on X: ``{key: [id of part 0, id of part 1, …]}``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.json"

    def load(self, key: str) -> list[str]:
        data = read_object(self._path(key))
        if not data or data.get("key") != key:
            return []
        return [str(i) for i in data.get("ids", [])]

    def save(self, key: str, ids: list[str]) -> None:
        if not ids:
            return
        _write_private(self._path(key), {"key": key, "ids": ids, "updated": time.time()})
        if len(ids) == 1:
            self._prune()

    def _prune(self) -> None:
        cutoff = time.time() - THREAD_RECORD_DAYS * 86400
        with contextlib.suppress(OSError):
            for path in self.folder.glob("*.json"):
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()


class _ReadBudget:
    """Posts read for metrics per UTC day (X bills reads), shared by daemons through a file."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit

    def take(self, wanted: int, today: date) -> int:
        with locked(self.path):
            data = read_object(self.path) or {}
            used = int(data.get("reads", 0)) if data.get("day") == today.isoformat() else 0
            granted = max(0, min(wanted, self.limit - used))
            if granted:
                _write_private(self.path, {"day": today.isoformat(), "reads": used + granted})
            return granted

    def refund(self, unused: int, today: date) -> None:
        """Give back reads taken but not made (X returned fewer posts than asked for)."""
        if unused <= 0:
            return
        with locked(self.path):
            data = read_object(self.path) or {}
            if data.get("day") != today.isoformat():
                return
            _write_private(self.path, {"day": today.isoformat(), "reads": max(0, int(data.get("reads", 0)) - unused)})

    def left(self, today: date) -> int:
        data = read_object(self.path) or {}
        used = int(data.get("reads", 0)) if data.get("day") == today.isoformat() else 0
        return max(0, self.limit - used)


class _ReplyMarks:
    """When each conversation's replies were last read completely (``{conversation id: ISO time}``),
    so that the next read asks X only for what is newer (minus :data:`REPLY_OVERLAP`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, datetime]:
        marks: dict[str, datetime] = {}
        for key, value in (read_object(self.path) or {}).items():
            with contextlib.suppress(TypeError, ValueError):
                marks[str(key)] = datetime.fromisoformat(str(value))
        return marks

    def save(self, marks: dict[str, datetime], now: datetime) -> None:
        cutoff = now - SEARCH_WINDOW - timedelta(days=1)
        _write_private(self.path, {k: v.isoformat() for k, v in marks.items() if v >= cutoff})


# --- text matching (reconciliation) -----------------------------------------------------------


def _comparable(text: str) -> str:
    """Text as X gives it back, made comparable with ours: entities unescaped, every link (X
    rewrites them to t.co) replaced by one token, trailing links (X appends media links) and
    leading @mentions (replies) dropped, whitespace collapsed."""
    from twitter_text.extract_urls import extract_urls_with_indices  # type: ignore[import-untyped,unused-ignore]

    text = unicodedata.normalize("NFC", html.unescape(text)).replace("\r\n", "\n")
    pieces: list[str] = []
    last = 0
    for entity in extract_urls_with_indices(text):
        start, end = entity["indices"]
        pieces.append(text[last:start])
        pieces.append(" \x00 ")
        last = end
    pieces.append(text[last:])
    words = "".join(pieces).split()
    while words and words[-1] == "\x00":
        words.pop()
    while words and words[0].startswith("@") and len(words) > 1:
        words.pop(0)
    return " ".join(words)


def _same_text(remote: str, ours: str) -> bool:
    return _comparable(remote) == _comparable(ours)


def _snowflake_time(tweet_id: str) -> datetime | None:
    try:
        millis = (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    except ValueError:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def _status_url(tweet_id: str) -> str:
    return f"https://x.com/i/status/{tweet_id}"


# --- the adapter ------------------------------------------------------------------------------


class XNetwork(Network, Reconciler, MetricsReader, InboxReader, Replier, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="x",
        title="X (Twitter)",
        settings_model=XSettings,
        length=LengthRule("x", ((WEIGHTED, X_MAX, x_weighted_length),)),
        media=MediaLimits(4, 5 * MB, 512 * MB, 15 * MB),
        advice=AdviceFacts(hashtags=2),
        idempotent=False,
    )

    # Where `accounts add` sends the OAuth requests (tests point it at a local fake).
    setup_base_url: ClassVar[str] = DEFAULT_BASE_URL

    settings: XSettings

    @classmethod
    def as_read(cls, parts: Sequence[str]) -> Rendition:
        """The parts as they are; X counts every link as 23 characters, which the length shown does too."""
        if not any(links(part) for part in parts):
            return Rendition(tuple(parts))
        note = _("X counts each link as {count} characters, however long it is; the length shown counts it so.")
        return Rendition(tuple(parts), (note.format(count=X_URL_LENGTH),))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.RLock()
        self._client: Any = None
        self._me: dict[str, Any] | None = None
        self._uploader: MediaUploader | None = None
        name = _UNSAFE.sub("_", self.account.split(":", 1)[-1])
        data_dir = self.context.data_dir
        folder = self.context.state_dir("", self.account, old=data_dir / "x" / name)
        self._threads = _Threads(folder / "threads")
        self._budget = _ReadBudget(folder / "metric-reads.json", self.settings.max_metric_reads_per_day)
        self._reply_budget = _ReadBudget(folder / "reply-reads.json", self.settings.max_reply_reads_per_day)
        self._reply_marks = _ReplyMarks(folder / "reply-marks.json")
        self._read_pause = ReadPause(self.context.clock)
        self._tokens: _Tokens | None = None
        if not self.settings.oauth1:
            self._tokens = _Tokens(data_dir / "sessions" / f"x-{name}.json", self.settings)
        _REDACTOR.add(self._secret_values())
        self.sleep: Callable[[float], None] = time.sleep  # media processing polls (tests replace it)

    # --- plumbing ------------------------------------------------------------------------------

    def _secret_values(self) -> list[str]:
        s = self.settings
        values = [
            v.get_secret_value()
            for v in (
                s.consumer_key,
                s.consumer_secret,
                s.access_token,
                s.access_token_secret,
                s.client_secret,
                s.oauth2_access_token,
                s.oauth2_refresh_token,
            )
            if v is not None
        ]
        if self._tokens is not None:
            values += [v for v in (self._tokens.access, self._tokens.refresh) if v]
        return values

    @property
    def _where(self) -> str:
        return _("X account {account}").format(account=self.account)

    @property
    def _readd(self) -> str:
        return f"socialpost accounts add x {self.account.split(':', 1)[-1]}"

    def _transport(self) -> _Transport:
        return _Transport(str(self.settings.base_url), self.settings.timeout)

    def _api(self) -> Any:
        import tweepy  # type: ignore[import-untyped]

        with self._lock:
            if self._client is None:
                s = self.settings
                if s.oauth1:
                    assert s.consumer_key and s.consumer_secret and s.access_token and s.access_token_secret
                    client = tweepy.Client(
                        consumer_key=s.consumer_key.get_secret_value(),
                        consumer_secret=s.consumer_secret.get_secret_value(),
                        access_token=s.access_token.get_secret_value(),
                        access_token_secret=s.access_token_secret.get_secret_value(),
                        return_type=dict,
                        wait_on_rate_limit=False,
                    )
                else:
                    assert self._tokens is not None
                    client = tweepy.Client(bearer_token=self._tokens.access, return_type=dict, wait_on_rate_limit=False)
                client.session.mount(API_HOST, self._transport())
                self._client = client
            return self._client

    @property
    def _user_auth(self) -> bool:
        """tweepy: True signs with OAuth 1.0a; False sends the OAuth 2.0 user token as Bearer."""
        return self.settings.oauth1

    def _media_auth(self) -> tuple[Any, dict[str, str]]:
        client = self._api()
        headers = {"User-Agent": client.user_agent}
        if self.settings.oauth1:
            from tweepy import OAuth1UserHandler

            handler = OAuth1UserHandler(
                client.consumer_key, client.consumer_secret, client.access_token, client.access_token_secret
            )
            return handler.apply_auth(), headers
        return None, {**headers, "Authorization": f"Bearer {client.bearer_token}"}

    def _media(self) -> MediaUploader:
        with self._lock:
            if self._uploader is None:
                self._uploader = MediaUploader(
                    self._api().session,
                    self._media_auth,
                    processing_timeout=self.settings.media_processing_timeout,
                    sleep=lambda seconds: self.sleep(seconds),
                )
            return self._uploader

    # --- OAuth 2.0 refresh ---------------------------------------------------------------------

    def _fresh_token(self) -> None:
        tokens = self._tokens
        if tokens is None:
            return
        with self._lock:
            if tokens.expires_at is not None and self.context.clock() >= tokens.expires_at - REFRESH_EARLY:
                self._refresh()

    def _can_refresh(self) -> bool:
        return self._tokens is not None and bool(self._tokens.refresh) and bool(self.settings.client_id)

    def _refresh(self) -> None:
        """Trade the refresh token for new tokens and keep them (X rotates refresh tokens)."""
        tokens = self._tokens
        assert tokens is not None
        if not self._can_refresh():
            raise AuthError(
                _("{where}: the OAuth 2.0 access token has expired and there is no refresh token.").format(
                    where=self._where
                ),
                hint=_("Connect the account again: {command} (the set-up asks for offline.access).").format(
                    command=self._readd
                ),
            )
        from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]
        from requests.auth import HTTPBasicAuth
        from requests_oauthlib import OAuth2Session  # type: ignore[import-untyped]

        with self._lock, locked(tokens.path):
            before = tokens.access
            # another daemon may have refreshed already: its tokens are in the session file
            if tokens.adopt_stored() and tokens.access != before:
                self._use_token(tokens.access)
                if tokens.expires_at is None or self.context.clock() < tokens.expires_at - REFRESH_EARLY:
                    return
            client_id = self.settings.client_id
            assert client_id and tokens.refresh
            secret = self.settings.client_secret.get_secret_value() if self.settings.client_secret else None
            session = OAuth2Session(client_id=client_id, token={"access_token": tokens.access, "token_type": "bearer"})
            session.mount(API_HOST, self._transport())
            session.register_compliance_hook("refresh_token_response", self._token_response_hook)
            try:
                token = session.refresh_token(
                    API_HOST + TOKEN_PATH,
                    refresh_token=tokens.refresh,
                    auth=HTTPBasicAuth(client_id, secret) if secret else None,
                    **({} if secret else {"client_id": client_id}),
                )
            except NetworkError:
                raise
            except OAuth2Error as exc:
                raise AuthError(
                    _("{where}: X refused to renew the OAuth 2.0 sign-in ({error}).").format(
                        where=self._where, error=exc.error
                    ),
                    hint=_("The access was revoked or the refresh token is stale; connect again: {command}").format(
                        command=self._readd
                    ),
                ) from None
            except requests.RequestException as exc:
                raise TransientError(
                    _("{where}: could not reach X to renew the sign-in ({error}).").format(
                        where=self._where, error=exc.__class__.__name__
                    )
                ) from None
            except ValueError:
                raise TransientError(
                    _("{where}: X's answer to the token renewal was unreadable.").format(where=self._where)
                ) from None
            finally:
                session.close()
            tokens.access = str(token["access_token"])
            tokens.refresh = str(token.get("refresh_token") or tokens.refresh)
            expires_in = token.get("expires_in")
            tokens.expires_at = (
                self.context.clock() + timedelta(seconds=float(expires_in)) if expires_in is not None else None
            )
            _REDACTOR.add([tokens.access, tokens.refresh or ""])
            tokens.save()
            self._use_token(tokens.access)
            log.info("renewed the OAuth 2.0 token of %s", self.account)

    def _token_response_hook(self, response: requests.Response) -> requests.Response:
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(
                _("{where}: X could not renew the sign-in right now ({status}).").format(
                    where=self._where, status=response.status_code
                ),
                status=response.status_code,
                retry_at=_reset_time(response.headers, self.context.clock()),
            )
        return response

    def _use_token(self, access: str) -> None:
        if self._client is not None:
            self._client.bearer_token = access

    # --- calling X ------------------------------------------------------------------------------

    def _call(self, what: str, call: Callable[[Any], T], *, creating: bool = False) -> T:
        """Run ``call(client)``, renewing an OAuth 2.0 token once on 401; map every error."""
        import tweepy

        for attempt in (1, 2):
            self._fresh_token()
            try:
                return call(self._api())
            except tweepy.Unauthorized as exc:
                if attempt == 1 and self._can_refresh():
                    with self._lock:
                        self._refresh()
                    continue
                raise self._error(exc, what, creating=creating) from None
            except (tweepy.TweepyException, requests.RequestException) as exc:
                raise self._error(exc, what, creating=creating) from None
        raise AssertionError("unreachable")

    def _error(self, exc: Exception, what: str, *, creating: bool) -> NetworkError:
        """One place that turns tweepy's and requests' exceptions into socialpost's. ``what`` is a
        marked message (``N_``): the action, as a verb phrase ("publish", "read replies")."""
        import tweepy

        where = self._where
        action = _(what)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return TransientError(
                _("{where}: could not connect to X to {action} (timed out).").format(where=where, action=action)
            )
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return TransientError(
                _("{where}: X did not answer within {seconds} s while we {action}.").format(
                    where=where, seconds=f"{self.settings.timeout:g}", action=action
                ),
                request_sent=creating,
            )
        if isinstance(exc, requests.exceptions.ConnectionError):
            sent = creating and not _never_connected(exc)
            return TransientError(
                _("{where}: the connection to X failed while we {action}.").format(where=where, action=action),
                request_sent=sent,
            )
        if isinstance(exc, requests.RequestException):
            return TransientError(
                _("{where}: the request to X failed ({error}).").format(where=where, error=exc.__class__.__name__),
                request_sent=creating,
            )
        if not isinstance(exc, tweepy.HTTPException):
            return PermanentError(
                _("{where}: {action} failed ({error}).").format(
                    where=where, action=action, error=exc.__class__.__name__
                )
            )
        response = exc.response
        status = int(response.status_code)
        detail = self._detail(exc)
        said = " " + _("X said: {detail}").format(detail=detail) if detail else ""
        if isinstance(exc, tweepy.TooManyRequests) or status == 429:
            return RateLimited(
                _("{where}: X's rate limit is reached (429) while we {action}.{said}").format(
                    where=where, action=action, said=said
                ),
                status=429,
                retry_at=_reset_time(response.headers, self.context.clock()),
            )
        if status == 401:
            return AuthError(
                _("{where}: X refused the credentials (401) while we {action}.{said}").format(
                    where=where, action=action, said=said
                ),
                hint=_("The tokens are wrong, revoked or expired; connect the account again: {command}").format(
                    command=self._readd
                ),
                status=401,
            )
        lowered = detail.lower()
        if status == 403 and "duplicate" in lowered:
            return DuplicatePost(
                _(
                    "{where}: X refuses this post because the account already has one with exactly the same "
                    "text (403).{said}"
                ).format(where=where, said=said),
                hint=_("Change the text, or delete the earlier post on X, then retry."),
                status=403,
            )
        if status == 402 or (status == 403 and "credits" in lowered):
            return PermanentError(
                _(
                    "{where}: X refused to {action} because the developer account has no API credits left "
                    "({status}).{said}"
                ).format(where=where, action=action, status=status, said=said),
                hint=_("Add credits or change the plan in the X developer console ({portal}).").format(portal=PORTAL),
                status=status,
            )
        if status == 403 and what == READ_REPLIES and _tier_refusal(exc, lowered):
            return AccessTierError(
                _(
                    "{where}: reading replies needs X's Basic access tier or higher (or pay-per-use credits): "
                    "the Free tier cannot search conversations, so the inbox has no replies for this "
                    "account.{said}"
                ).format(where=where, said=said),
                hint=_(
                    "Upgrade the app's access in the X developer portal ({portal}), or answer replies in the X app."
                ).format(portal=PORTAL),
                status=403,
            )
        if status == 403 and any(marker in lowered for marker in _REPLY_REFUSED_MARKERS):
            return ContentRejected(
                _(
                    "{where}: X lets an app answer a post only when its author mentioned or engaged with the "
                    "account (403).{said}"
                ).format(where=where, said=said),
                hint=_("Answer it in the X app."),
                status=403,
            )
        if status == 403:
            if "permission" in lowered or "not permitted" in lowered:
                hint = _(
                    "In the X developer portal, open the app's 'User authentication settings', set App "
                    "permissions to 'Read and write', save, then regenerate the Access Token and Secret (or sign "
                    "in again) and run: {command}"
                ).format(command=self._readd)
            elif "project" in lowered or "enrolled" in lowered or "subset" in lowered:
                hint = _(
                    "The app must belong to a Project with API v2 access and an access level (or credits) that "
                    "allows this call; check the developer portal ({portal})."
                ).format(portal=PORTAL)
            else:
                hint = _(
                    "Check that the app has 'Read and write' permission and that your X API access allows this "
                    "call ({portal})."
                ).format(portal=PORTAL)
            return AuthError(
                _("{where}: X does not allow this app to {action} (403).{said}").format(
                    where=where, action=action, said=said
                ),
                hint=hint,
                status=403,
            )
        if status >= 500:
            return TransientError(
                _("{where}: X failed ({status}) while we {action}.{said}").format(
                    where=where, status=status, action=action, said=said
                ),
                status=status,
            )
        return ContentRejected(
            _("{where}: X rejected the request to {action} ({status}).{said}").format(
                where=where, action=action, status=status, said=said
            ),
            hint=_("Change the post as X says, then retry it."),
            status=status,
        )

    def _detail(self, exc: Any) -> str:
        """X's own explanation, short, on one line, without any of our secrets."""
        messages = [str(m) for m in getattr(exc, "api_messages", []) if m]
        text = " ".join(messages)
        if not text:
            try:
                body = exc.response.json()
            except Exception:  # noqa: BLE001 - not JSON: use the raw text
                body = None
            if isinstance(body, dict):
                text = str(body.get("detail") or body.get("title") or body.get("message") or "")
            if not text:
                try:
                    text = str(exc.response.text or "")
                except Exception:  # noqa: BLE001 - an unreadable body says nothing
                    text = ""
        text = _REDACTOR.redact(" ".join(text.split()))
        return text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else "")

    def _me_data(self) -> dict[str, Any]:
        with self._lock:
            if self._me is None:
                body = self._call(
                    N_("read the account"),
                    lambda c: c.get_me(user_fields=["username", "name"], user_auth=self._user_auth),
                )
                data = body.get("data") if isinstance(body, dict) else None
                if not isinstance(data, dict) or not data.get("id"):
                    raise TransientError(
                        _("{where}: X's answer about the account had no id.").format(where=self._where)
                    )
                self._me = data
            return self._me

    # --- publishing -----------------------------------------------------------------------------

    def _validate(self, post: OutgoingPost) -> list[str]:
        parts = [post.text, *post.thread]
        for index, text in enumerate(parts):
            label = _("the post") if len(parts) == 1 else _("part {number} of the thread").format(number=index + 1)
            if not text.strip() and not (index == 0 and post.media):
                raise ContentRejected(
                    _("X: {label} is empty.").format(label=label),
                    hint=_("Write some text (or attach media to the post)."),
                )
            _check_text(text, label)
        return parts

    def publish(self, post: OutgoingPost) -> Published:
        parts = self._validate(post)
        media = check_media([(m.file, m.alt) for m in post.media], MediaRoots.checked(post, self.context))
        ids = self._threads.load(post.key)
        first_was_duplicate = False
        while len(ids) < len(parts):
            index = len(ids)
            text = parts[index]
            kwargs: dict[str, Any] = {"text": text, "user_auth": self._user_auth}
            if index == 0 and media:
                kwargs["media_ids"] = [self._upload(m) for m in media]
            if index > 0:
                kwargs["in_reply_to_tweet_id"] = ids[-1]
            try:
                body = self._create(kwargs)
            except DuplicatePost as exc:
                found = self._find_duplicate(post, text, ids[-1] if ids else None)
                if found is None:
                    if ids:  # part of a thread is out: say so
                        raise DuplicatePost(
                            _(
                                "{message} (part {number} of the thread; the first {count} part(s) are on X, "
                                "starting at {url})"
                            ).format(message=exc.message, number=index + 1, count=index, url=_status_url(ids[0])),
                            hint=exc.hint,
                            status=exc.status,
                        ) from None
                    raise
                tweet_id = found
                first_was_duplicate = first_was_duplicate or index == 0
            else:
                data = body.get("data") if isinstance(body, dict) else None
                tweet_id = str(data.get("id") or "") if isinstance(data, dict) else ""
                if not tweet_id:
                    raise TransientError(
                        _("{where}: X accepted the post but returned no id.").format(where=self._where),
                        request_sent=True,
                    ) from None
            ids.append(tweet_id)
            self._threads.save(post.key, ids)
        if first_was_duplicate:
            raise DuplicatePost(
                _("{where}: X already had this post.").format(where=self._where),
                existing_id=ids[0],
                existing_url=_status_url(ids[0]),
            )
        return Published(remote_id=ids[0], url=_status_url(ids[0]))

    def _upload(self, media: MediaFile) -> str:
        uploader = self._media()

        def upload(_client: Any) -> str:
            return uploader.upload(media)

        return self._call(N_("upload media"), upload)

    def _create(self, kwargs: dict[str, Any]) -> Any:
        def create(client: Any) -> Any:
            return client.create_tweet(**kwargs)

        return self._call(N_("publish"), create, creating=True)

    def _find_duplicate(self, post: OutgoingPost, text: str, reply_to: str | None) -> str | None:
        """After X said "duplicate": the id of that post among the account's recent ones, if ours."""
        try:
            tweets, _complete = self._recent(post.due_at - RECONCILE_MARGIN)
        except NetworkError as exc:
            log.info("could not look for the duplicate of %s on %s: %s", post.key, self.account, exc)
            return None
        for tweet in tweets:
            if not _same_text(str(tweet.get("text", "")), text):
                continue
            if reply_to is None or _parent(tweet) == (True, reply_to):  # an unknown parent is no proof
                return str(tweet["id"])
        return None

    def _recent(self, since: datetime) -> tuple[list[dict[str, Any]], bool]:
        """The account's posts since ``since`` (newest first) and whether that list is complete."""
        me = str(self._me_data()["id"])
        now = self.context.clock()
        start = min(since, now - timedelta(seconds=30)).astimezone(UTC)
        tweets: list[dict[str, Any]] = []
        token: str | None = None
        for _page in range(RECONCILE_PAGES):
            params: dict[str, Any] = {"start_time": start, "max_results": 100, **RECENT_QUERY}
            if token:
                params["pagination_token"] = token
            body = self._read(N_("read the account's recent posts"), f"/2/users/{me}/tweets", params)
            data = body.get("data") if isinstance(body, dict) else None
            tweets += [t for t in data or [] if isinstance(t, dict) and t.get("id")]
            meta = body.get("meta") if isinstance(body, dict) else None
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if not token:
                return tweets, True
        return tweets, False

    def _read(self, what: str, route: str, params: Mapping[str, Any]) -> Any:
        """GET ``route`` with the query parameter names of X's spec (``post.fields``), through
        tweepy's client: its session, its signing (OAuth 1.0a or the OAuth 2.0 token) and its
        errors. tweepy's own read methods can only send ``tweet.fields``."""
        query = _query(params)

        def read(client: Any) -> Any:
            return client.request("GET", route, params=query, user_auth=self._user_auth).json()

        return self._call(what, read)

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        parts = [post.text, *post.thread]
        ids = self._threads.load(post.key)
        if len(ids) >= len(parts):
            return Published(remote_id=ids[0], url=_status_url(ids[0]))
        tweets, complete = self._recent(post.due_at - RECONCILE_MARGIN)
        found_any = False
        unsure = False
        while len(ids) < len(parts):
            match, unsure = _thread_part(tweets, parts[len(ids)], ids[-1] if ids else None)
            if match is None:
                break
            ids.append(match)
            found_any = True
        if found_any:
            self._threads.save(post.key, ids)
        if len(ids) >= len(parts):
            return Published(remote_id=ids[0], url=_status_url(ids[0]))
        if not complete or unsure:
            if unsure:
                log.warning(
                    "%s: X's answer left out what some posts reply to; %s stays undecided rather than sent again",
                    self.account,
                    post.key,
                )
            return None
        if ids:
            return NotSent(
                f"the first {len(ids)} of {len(parts)} parts of the thread are on X; the rest were not sent and "
                "will be posted as replies"
            )
        return NotSent(f"no post with this text on {self.account} since {iso_utc(post.due_at - RECONCILE_MARGIN)}")

    # --- metrics --------------------------------------------------------------------------------

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        if not self.settings.collect_metrics:
            return {}
        ids = list(dict.fromkeys(str(i) for i in remote_ids if str(i).isdigit()))
        if not ids:
            return {}
        now = self.context.clock()
        granted = self._budget.take(len(ids), now.astimezone(UTC).date())
        if granted < len(ids):
            log.info(
                "%s: %d of %d posts skipped for metrics today (max_metric_reads_per_day=%d)",
                self.account,
                len(ids) - granted,
                len(ids),
                self.settings.max_metric_reads_per_day,
            )
        ids = ids[:granted]
        recent: list[str] = []
        older: list[str] = []
        for tweet_id in ids:
            created = _snowflake_time(tweet_id)
            (recent if created is not None and now - created < NON_PUBLIC_WINDOW else older).append(tweet_id)
        results: dict[str, dict[str, int | None]] = {}
        for batch in _chunks(recent, 100):
            got = self._metrics(batch, private=True)
            results.update(got)
            missing = [i for i in batch if i not in got]
            if missing:  # X refused the private fields for some: read them again, public only
                older += missing
        for batch in _chunks(older, 100):
            results.update(self._metrics(batch, private=False))
        return results

    def _metrics(self, ids: list[str], *, private: bool) -> dict[str, dict[str, int | None]]:
        fields = PRIVATE_METRICS if private else PUBLIC_METRICS
        try:
            body = self._read(N_("read metrics"), "/2/tweets", {"ids": ids, "post.fields": fields})
        except (ContentRejected, AuthError) as exc:
            if not private or exc.status not in (400, 403):
                raise
            return {}  # the private fields were refused for this batch: the caller reads it public only
        out: dict[str, dict[str, int | None]] = {}
        for tweet in body.get("data") or [] if isinstance(body, dict) else []:
            if not isinstance(tweet, dict) or not tweet.get("id"):
                continue
            public = tweet.get("public_metrics") or {}
            non_public = tweet.get("non_public_metrics")
            organic = tweet.get("organic_metrics")
            if private and non_public is None and organic is None:
                continue  # not given for this one: read again, public only
            private_data = {**(organic or {}), **(non_public or {})}
            views = public.get("impression_count", private_data.get("impression_count"))
            out[str(tweet["id"])] = {
                "views": as_int(views),
                "likes": as_int(public.get("like_count")),
                "reposts": as_int(_field(public, "repost_count", "retweet_count")),
                "replies": as_int(public.get("reply_count")),
                "quotes": as_int(public.get("quote_count")),
                "bookmarks": as_int(public.get("bookmark_count")),
                "clicks": as_int(private_data.get("url_link_clicks")) if private_data else None,
            }
        return out

    # --- inbox ----------------------------------------------------------------------------------

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """The replies under each post, found by conversation with the recent search
        (``GET /2/tweets/search/recent``, ``conversation_id:ID OR …``, several conversations a
        query), the account's own marked ``own``. Only the last 7 days are searchable; a
        conversation read completely before is read again only from an hour before that read.
        Posts read count against ``max_reply_reads_per_day`` (X bills reads)."""
        ids = list(dict.fromkeys(str(i) for i in remote_ids if str(i).isdigit()))
        if not ids or self.settings.max_reply_reads_per_day == 0:
            return []
        self._read_pause.check()
        try:
            return self._read_replies(ids)
        except RateLimited as exc:
            self._read_pause.hold(exc, exc.retry_at or self.context.clock() + RATE_PAUSE)
            raise
        except AuthError as exc:
            if exc.status == 403:
                self._read_pause.hold(exc, self.context.clock() + ACCESS_PAUSE)
            raise

    def _read_replies(self, ids: list[str]) -> list[Reply]:
        now = self.context.clock()
        today = now.astimezone(UTC).date()
        if self._reply_budget.left(today) < SEARCH_MIN_RESULTS:
            midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
            raise RateLimited(
                _(
                    "{where}: today's reads for the inbox are used up (max_reply_reads_per_day: {limit}); "
                    "X bills every post read."
                ).format(where=self._where, limit=self.settings.max_reply_reads_per_day),
                hint=_("Replies are read again after midnight UTC; raise max_reply_reads_per_day to read more."),
                retry_at=midnight,
            )
        me = str(self._me_data()["id"])
        marks = self._reply_marks.load()
        oldest = now - SEARCH_WINDOW + REPLY_OVERLAP
        replies: list[Reply] = []
        for batch in _conversation_batches(ids):
            params: dict[str, Any] = {"query": " OR ".join(f"conversation_id:{c}" for c in batch), **REPLY_QUERY}
            if all(c in marks for c in batch):
                start = min(marks[c] for c in batch) - REPLY_OVERLAP
                if start > oldest:
                    params["start_time"] = start.astimezone(UTC)
            found, complete, attributed = self._search_replies(params, set(batch), me, today)
            replies += found
            if not attributed:
                log.warning(
                    "%s: X's answer left out the conversation of some replies; they are read again next time",
                    self.account,
                )
            if not complete:
                log.warning(
                    "%s: replies only partly read (max_reply_reads_per_day=%d, or more than %d pages)",
                    self.account,
                    self.settings.max_reply_reads_per_day,
                    REPLY_PAGES,
                )
                break
            if attributed:
                for conversation in batch:
                    marks[conversation] = now
        self._reply_marks.save(marks, now)
        return replies

    def _search_replies(
        self, params: dict[str, Any], conversations: set[str], me: str, today: date
    ) -> tuple[list[Reply], bool, bool]:
        """Every page of one search; (replies, whether every page was read, whether every post
        found could be put in its conversation)."""
        replies: list[Reply] = []
        attributed = True
        token: str | None = None
        for _page in range(REPLY_PAGES):
            granted = self._reply_budget.take(SEARCH_MAX_RESULTS, today)
            if granted < SEARCH_MIN_RESULTS:
                self._reply_budget.refund(granted, today)
                return replies, False, attributed
            page = {**params, "max_results": granted}
            if token:
                page["next_token"] = token
            try:
                body = self._read(READ_REPLIES, "/2/tweets/search/recent", page)
            except NetworkError:
                self._reply_budget.refund(granted, today)
                raise
            data = body.get("data") if isinstance(body, dict) else None
            tweets = [t for t in data or [] if isinstance(t, dict) and t.get("id")]
            self._reply_budget.refund(granted - len(tweets), today)
            includes = body.get("includes") if isinstance(body, dict) else None
            users = {
                str(u["id"]): u
                for u in (includes.get("users") or [] if isinstance(includes, dict) else [])
                if isinstance(u, dict) and u.get("id")
            }
            for tweet in tweets:
                conversation = _conversation(tweet, conversations)
                if conversation is None:
                    attributed = False
                    continue
                if conversation not in conversations:
                    continue  # a stray the search matched otherwise
                reply = _reply_of(tweet, users, me, conversation)
                if reply is not None:
                    replies.append(reply)
            meta = body.get("meta") if isinstance(body, dict) else None
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if not token:
                return replies, True, attributed
        return replies, False, attributed

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer the post ``in_reply_to``: a post with ``reply.in_reply_to_tweet_id``, checked like
        any post (280 characters as X counts them) before anything is sent."""
        if not str(in_reply_to).isdigit():
            raise ContentRejected(_("X: {id} is not an X post.").format(id=in_reply_to))
        label = _("the reply")
        if not text.strip():
            raise ContentRejected(_("X: {label} is empty.").format(label=label), hint=_("Write some text."))
        _check_text(text, label, reply=True)
        kwargs = {"text": text, "in_reply_to_tweet_id": str(in_reply_to), "user_auth": self._user_auth}
        body = self._call(N_("publish the reply"), lambda c: c.create_tweet(**kwargs), creating=True)
        data = body.get("data") if isinstance(body, dict) else None
        tweet_id = str(data.get("id") or "") if isinstance(data, dict) else ""
        if not tweet_id:
            raise TransientError(
                _("{where}: X accepted the reply but returned no id.").format(where=self._where), request_sent=True
            )
        return Published(remote_id=tweet_id, url=_status_url(tweet_id))

    # --- account --------------------------------------------------------------------------------

    def token_expiry(self) -> datetime | None:
        """An OAuth 2.0 user token without a refresh token lasts two hours; one with it renews."""
        if self.settings.oauth1 or self.settings.oauth2_refresh_token:
            return None
        return self.settings.oauth2_expires_at

    def api_origin(self) -> str | None:
        return origin_of(str(self.settings.base_url))

    def health(self) -> AccountHealth:
        me = self._me_data()
        details = {"name": str(me.get("name", "")), "id": str(me["id"])}
        if self.settings.oauth1:
            details["sign-in"] = "OAuth 1.0a user context"
        else:
            assert self._tokens is not None
            details["sign-in"] = "OAuth 2.0 user token" + (" (renewable)" if self._can_refresh() else "")
            if self._tokens.expires_at is not None:
                details["token expires"] = iso_utc(self._tokens.expires_at)
        details["metrics"] = (
            f"collected (at most {self.settings.max_metric_reads_per_day} posts read a day)"
            if self.settings.collect_metrics
            else "off (X bills reads; set collect_metrics: true to collect them)"
        )
        renews = not self.settings.oauth1 and self._can_refresh()
        expires = None if self.settings.oauth1 or self._tokens is None else self._tokens.expires_at
        return AccountHealth(self.account, f"@{me.get('username', '?')}", details, expires_at=expires, renews=renews)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.session.close()
                self._client = None
                self._uploader = None

    # --- guided set-up --------------------------------------------------------------------------

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        ui.say(
            _(
                "To post on X, socialpost needs an app in the X developer portal "
                "({portal}): create a Project and an App in it, open the App's 'User authentication settings', "
                "set App permissions to 'Read and write' (socialpost cannot post otherwise), and enter a callback "
                "URL such as {callback}. X bills API use (posts and reads) — see your developer console."
            ).format(portal=PORTAL, callback=DEFAULT_REDIRECT)
        )
        how = ui.choose(
            _("How do you want to connect"),
            [
                ("pin", _("Sign in with a PIN (OAuth 1.0a): needs the app's API Key and Secret")),
                ("oauth2", _("Sign in through the browser (OAuth 2.0): needs the app's Client ID")),
                (
                    "tokens",
                    _("Paste an Access Token and Secret generated in the portal (the app owner's own account)"),
                ),
            ],
        )
        setup = cls._setup_oauth2(ui) if how == "oauth2" else cls._setup_oauth1(ui, pin=how == "pin")
        if cls.setup_base_url != DEFAULT_BASE_URL:
            setup.settings["base_url"] = cls.setup_base_url
        setup.settings["collect_metrics"] = ui.confirm(
            _("Collect engagement metrics for this account? X bills every post read (you can change it later)"),
            default=False,
        )
        return setup

    @classmethod
    def _setup_oauth1(cls, ui: SetupUI, *, pin: bool) -> AccountSetup:
        ui.say(_("The app's API Key and API Key Secret are on its 'Keys and tokens' page (Consumer Keys)."))
        consumer_key = ui.ask_secret(_("API Key")).strip()
        consumer_secret = ui.ask_secret(_("API Key Secret")).strip()
        if pin:
            access_token, access_secret = cls._pin_flow(ui, consumer_key, consumer_secret)
        else:
            ui.say(
                _(
                    "On the same page, generate the Access Token and Secret (after setting 'Read and write'; "
                    "tokens generated before that can only read)."
                )
            )
            access_token = ui.ask_secret(_("Access Token")).strip()
            access_secret = ui.ask_secret(_("Access Token Secret")).strip()
        return AccountSetup(
            settings={},
            secrets={
                "consumer_key": consumer_key,
                "consumer_secret": consumer_secret,
                "access_token": access_token,
                "access_token_secret": access_secret,
            },
        )

    @classmethod
    def _pin_flow(cls, ui: SetupUI, consumer_key: str, consumer_secret: str) -> tuple[str, str]:
        import tweepy
        from requests_oauthlib import OAuth1Session

        transport = _Transport(cls.setup_base_url, 30.0)
        _REDACTOR.add([consumer_key, consumer_secret])

        class Handler(tweepy.OAuth1UserHandler):  # type: ignore[misc]
            """tweepy's PIN flow, with a timeout and the test base URL on both of its sessions."""

            def get_access_token(self, verifier: str | None = None) -> tuple[str, str]:
                self.oauth = OAuth1Session(
                    self.consumer_key,
                    client_secret=self.consumer_secret,
                    resource_owner_key=self.request_token["oauth_token"],
                    resource_owner_secret=self.request_token["oauth_token_secret"],
                    verifier=verifier,
                    callback_uri=self.callback,
                )
                self.oauth.mount(API_HOST, transport)
                answer = self.oauth.fetch_access_token(self._get_oauth_url("access_token"))
                self.access_token = answer["oauth_token"]
                self.access_token_secret = answer["oauth_token_secret"]
                return str(self.access_token), str(self.access_token_secret)

        handler = Handler(consumer_key, consumer_secret, callback="oob")
        handler.oauth.mount(API_HOST, transport)
        try:
            url = handler.get_authorization_url()
        except tweepy.TweepyException as exc:
            raise _setup_error(exc, N_("The API Key and Secret were refused")) from None
        _REDACTOR.add([str(handler.request_token.get("oauth_token_secret", ""))])
        ui.say(_("Open this address, sign in as the account socialpost should post as, and authorize the app:"))
        ui.open_url(url)
        pin = ui.ask(_("The PIN X shows you")).strip()
        try:
            token, secret = handler.get_access_token(pin)
        except Exception as exc:  # noqa: BLE001 - requests-oauthlib raises several kinds
            raise _setup_error(exc, N_("X did not accept the PIN")) from None
        _REDACTOR.add([token, secret])
        return token, secret

    @classmethod
    def _setup_oauth2(cls, ui: SetupUI) -> AccountSetup:
        import tweepy
        from oauthlib.oauth2.rfc6749.errors import OAuth2Error
        from requests_oauthlib import OAuth2Session

        ui.say(
            _(
                "The OAuth 2.0 Client ID (and, for a confidential client, the Client Secret) are on the app's "
                "'Keys and tokens' page. The callback URL below must be listed in the app's authentication "
                "settings."
            )
        )
        client_id = ui.ask(_("Client ID")).strip()
        client_secret = ""
        if ui.confirm(_("Does the app have a Client Secret (a confidential client)"), default=True):
            client_secret = ui.ask_secret(_("Client Secret")).strip()
            _REDACTOR.add([client_secret])
        redirect = ui.ask(_("Callback URL"), default=DEFAULT_REDIRECT).strip()
        handler = tweepy.OAuth2UserHandler(
            client_id=client_id, redirect_uri=redirect, scope=SCOPES, client_secret=client_secret or None
        )
        handler.mount(API_HOST, _Transport(cls.setup_base_url, 30.0))
        url = handler.get_authorization_url()
        expected_state = str(handler._state)
        ui.say(
            _(
                "Open this address, sign in as the account socialpost should post as, and authorize the app. "
                "Your browser then goes to the callback URL, which shows an error page: that is expected."
            )
        )
        ui.open_url(url)
        pasted = ui.ask(_("Paste the full address from the browser's address bar")).strip()
        query = parse_qs(urlsplit(pasted).query)
        if "error" in query:
            raise AuthError(
                _("X did not authorize the app ({error}).").format(error=query["error"][0]),
                hint=_("Run the set-up again and choose 'Authorize app' on X's page."),
            )
        code, state = query.get("code", [""])[0], query.get("state", [""])[0]
        if not code:
            raise AuthError(
                _("the address has no authorization code."),
                hint=_(
                    "Paste the whole address the browser went to after you authorized (it contains ?state=…&code=…)."
                ),
            )
        if state != expected_state:
            raise AuthError(
                _("the address is from another sign-in attempt (its state does not match)."),
                hint=_("Run the set-up again and paste the address from this attempt."),
            )
        _REDACTOR.add([code])
        try:
            token = OAuth2Session.fetch_token(
                handler,
                API_HOST + TOKEN_PATH,
                code=code,
                auth=handler.auth,
                include_client_id=True,
                code_verifier=handler._client.code_verifier,
                timeout=30.0,
            )
        except OAuth2Error as exc:
            raise AuthError(
                _("X refused the authorization code ({error}).").format(error=exc.error),
                hint=_("Codes are valid for 30 seconds and once only; run the set-up again."),
            ) from None
        except requests.RequestException as exc:
            raise TransientError(
                _("could not reach X to finish the sign-in ({error}).").format(error=exc.__class__.__name__)
            ) from None
        finally:
            handler.close()
        if "offline.access" not in str(token.get("scope", "offline.access")):
            ui.say(_("X gave no refresh token (offline.access was not granted): the sign-in lasts two hours."))
        secrets = {"oauth2_access_token": str(token["access_token"])}
        if token.get("refresh_token"):
            secrets["oauth2_refresh_token"] = str(token["refresh_token"])
        if client_secret:
            secrets["client_secret"] = client_secret
        _REDACTOR.add(list(secrets.values()))
        settings: dict[str, Any] = {"client_id": client_id}
        if token.get("expires_at"):
            secrets["oauth2_expires_at"] = datetime.fromtimestamp(float(token["expires_at"]), tz=UTC).isoformat()
        return AccountSetup(settings=settings, secrets=secrets)


def _setup_error(exc: Exception, what: str) -> Exception:
    """tweepy wraps requests-oauthlib's errors in TweepyException(original)."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
    status = getattr(cause, "status_code", None)
    text = _(what)  # a marked sentence without its final period
    if isinstance(cause, requests.RequestException):
        return TransientError(
            _("could not reach X ({what}): check the connection and try again.").format(what=text.lower())
        )
    return AuthError(
        _("{what} ({status}).").format(what=text, status=status) if status else text + ".",
        hint=_(
            "Check the keys on the app's 'Keys and tokens' page (regenerate them if unsure) and that the app "
            "has User authentication set up, then run the set-up again."
        ),
    )


# --- helpers ----------------------------------------------------------------------------------


def _check_text(text: str, label: str, *, reply: bool = False) -> None:
    """ContentRejected when ``text`` is too long as X counts it, or holds characters X refuses."""
    length = x_weighted_length(text)
    if length > X_MAX:
        raise ContentRejected(
            _("X: {label} is {length} characters as X counts them; X allows {limit}.").format(
                label=label, length=length, limit=X_MAX
            ),
            hint=_("Shorten it (links count 23, most emoji and CJK characters count 2).")
            if reply
            else _("Shorten it (links count 23, most emoji and CJK characters count 2), or split it into a thread."),
        )
    bad = x_invalid_characters(text)
    if bad:
        shown = ", ".join(f"U+{ord(c):04X}" for c in bad)
        raise ContentRejected(
            _("X: {label} contains characters X refuses ({characters}).").format(label=label, characters=shown),
            hint=_("Remove them."),
        )


def _field(data: Mapping[str, Any], name: str, legacy: str) -> Any:
    """A field in the spec's spelling (``repost_count``) or, failing that, the legacy one
    (``retweet_count``); None when X sent neither."""
    value = data.get(name)
    return value if value is not None else data.get(legacy)


def _parent(tweet: Mapping[str, Any]) -> tuple[bool, str | None]:
    """(known, the id of the post ``tweet`` replies to, or None when it replies to nothing).

    Known when X sent the references (``referenced_posts``, or the legacy ``referenced_tweets``),
    or when the post opens its conversation (``conversation_id`` is its own id). A post with
    neither may be a reply whose references X left out: unknown."""
    references = _field(tweet, "referenced_posts", "referenced_tweets")
    if isinstance(references, list):
        for ref in references:
            if isinstance(ref, dict) and ref.get("type") == "replied_to" and ref.get("id"):
                return True, str(ref["id"])
        return True, None
    conversation = tweet.get("conversation_id")
    if conversation is not None and str(conversation) == str(tweet.get("id")):
        return True, None
    return False, None


def _thread_part(tweets: Sequence[Mapping[str, Any]], text: str, previous: str | None) -> tuple[str | None, bool]:
    """The oldest of ``tweets`` (newest first, as X lists them: the first copy is ours) with
    ``text`` that replies to ``previous`` (None: to nothing); and whether a post could not be told
    apart because X left out its text or what it replies to (then nobody may conclude "not sent")."""
    unsure = False
    for tweet in reversed(tweets):
        said = tweet.get("text")
        if not isinstance(said, str):
            unsure = True
            continue
        if not _same_text(said, text):
            continue
        known, parent = _parent(tweet)
        if not known:
            unsure = True
        elif parent == previous:
            return str(tweet["id"]), unsure
    return None, unsure


def _query(params: Mapping[str, Any]) -> dict[str, Any]:
    """Query values the way tweepy writes them: lists comma-separated, times in UTC with ``Z``."""
    query: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, list | tuple):
            query[name] = ",".join(str(v) for v in value)
        elif isinstance(value, datetime):
            query[name] = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif value is not None:
            query[name] = value
    return query


def _conversation(tweet: Mapping[str, Any], conversations: set[str]) -> str | None:
    """Which of ``conversations`` a found post belongs to: its ``conversation_id``; without one,
    the post it replies to when that is one of them, or the only conversation searched."""
    conversation = tweet.get("conversation_id")
    if conversation is not None:
        return str(conversation)
    if str(tweet.get("id")) in conversations:
        return str(tweet["id"])
    parent = _parent(tweet)[1]
    if parent in conversations:
        return parent
    return next(iter(conversations)) if len(conversations) == 1 else None


def _tier_refusal(exc: Any, lowered_detail: str) -> bool:
    """True when X's 403 says the access tier does not include this endpoint (Free tier: code 453,
    or the ``client-not-enrolled`` problem)."""
    if 453 in (getattr(exc, "api_codes", None) or []):
        return True
    try:
        raw = str(exc.response.text or "").lower()
    except Exception:  # noqa: BLE001 - an unreadable body says nothing
        raw = ""
    return any(marker in lowered_detail or marker in raw for marker in _TIER_MARKERS)


def _conversation_batches(ids: list[str]) -> Iterator[list[str]]:
    """Conversation ids grouped so that ``conversation_id:A OR conversation_id:B …`` fits in one
    recent-search query."""
    batch: list[str] = []
    length = 0
    for conversation in ids:
        term = len(f"conversation_id:{conversation}") + (len(" OR ") if batch else 0)
        if batch and length + term > SEARCH_QUERY_MAX:
            yield batch
            batch, length = [], 0
            term = len(f"conversation_id:{conversation}")
        batch.append(conversation)
        length += term
    if batch:
        yield batch


def _reply_of(tweet: dict[str, Any], users: dict[str, Any], me: str, conversation: str) -> Reply | None:
    """One found post as an inbox reply in ``conversation``; None for the conversation's own first
    post."""
    tweet_id = str(tweet["id"])
    if tweet_id == conversation:
        return None
    author_id = str(tweet.get("author_id") or "")
    user = users.get(author_id) or {}
    username = str(user.get("username") or "")
    return Reply(
        remote_id=tweet_id,
        in_reply_to=_parent(tweet)[1] or conversation,
        post_remote_id=conversation,
        author=f"@{username}" if username else author_id,
        author_name=str(user.get("name") or ""),
        text=html.unescape(str(tweet.get("text") or "")),
        created_at=_parse_time(tweet.get("created_at")) or _snowflake_time(tweet_id),
        url=f"https://x.com/{username}/status/{tweet_id}" if username else _status_url(tweet_id),
        own=bool(author_id) and author_id == me,
    )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection was never made (refused, DNS), so nothing was sent."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


def _reset_time(headers: Any, now: datetime) -> datetime | None:
    """When X lets us in again: the latest reset among the windows that are used up (15-minute and
    24-hour, per user and per app), or the latest of all when X does not say which is used up."""
    windows = (
        ("x-rate-limit-reset", "x-rate-limit-remaining"),
        ("x-user-limit-24hour-reset", "x-user-limit-24hour-remaining"),
        ("x-app-limit-24hour-reset", "x-app-limit-24hour-remaining"),
    )
    all_resets: list[int] = []
    exhausted: list[int] = []
    for reset_name, remaining_name in windows:
        value = str(headers.get(reset_name) or "").strip()
        if not value.isdigit():
            continue
        reset = int(value)
        all_resets.append(reset)
        if str(headers.get(remaining_name) or "").strip() == "0":
            exhausted.append(reset)
    chosen = exhausted or all_resets
    if not chosen:
        return None
    when = datetime.fromtimestamp(max(chosen), tz=UTC)
    return max(when, now.astimezone(UTC))


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
