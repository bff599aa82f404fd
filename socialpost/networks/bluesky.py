"""Bluesky (AT Protocol) through the ``atproto`` SDK: text with links, #tags and @mentions, up to
four images with alt text, link cards, threads, and likes/reposts/replies/quotes as metrics.

Idempotency by construction: the server never chooses a record key. Part ``i`` of a post is
created with ``com.atproto.repo.createRecord`` under a TID record key derived from the post's
idempotency key, ``i`` and the post's due time (:func:`socialpost.networks.bluesky_tid.record_key`),
and every part is looked up with ``com.atproto.repo.getRecord`` before it is created. Sending a post
again after a crash or a lost answer therefore finds the parts that are already online and creates
only the missing ones; a record key can hold one record only, so a second copy cannot appear. That
is why the adapter declares ``idempotent = True``, and why :meth:`BlueskyNetwork.reconcile` can
settle an unseen outcome by record key.

Logging in (``createSession``) is limited to 30 per 5 minutes per account, so the session is kept
in ``<data_dir>/sessions/bluesky-<name>.session`` (mode 0600) and reused; the SDK refreshes it and
every refresh is written back. It is never logged.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import re
import shlex
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator

from socialpost.errors import (
    AuthError,
    ConfigError,
    ContentRejected,
    FetchError,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.fetch import FetchPolicy, fetch
from socialpost.i18n import N_, _, formats
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
from socialpost.networks.bluesky_facets import build_facets, sdk
from socialpost.networks.bluesky_tid import record_key
from socialpost.networks.capabilities import (
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    Reconciler,
    Replier,
)
from socialpost.networks.health import AccountHealth, HealthWarning, origin_of
from socialpost.networks.profile import MB, AdviceFacts, MediaLimits, NetworkProfile
from socialpost.privatefiles import write_private
from socialpost.text.count import graphemes, utf8_bytes
from socialpost.text.rules import BYTES, GRAPHEMES, LengthRule

if TYPE_CHECKING:
    import httpx
    from PIL import Image as PILImage

log = logging.getLogger("socialpost.networks.bluesky")

T = TypeVar("T")

DEFAULT_PDS = "https://bsky.social"
APP_PASSWORDS_URL = "https://bsky.app/settings/app-passwords"
POST_COLLECTION = "app.bsky.feed.post"
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000  # the lexicon's maxSize for an image (and a link card's thumbnail) blob
MAX_IMAGE_SIDE = 2000  # re-encoded images are scaled down to this first
THREAD_DEPTH = 50  # how deep app.bsky.feed.getPostThread reads a conversation
METRICS_BATCH = 25  # app.bsky.feed.getPosts takes at most 25 URIs
CARD_TIMEOUT = 5.0  # seconds for fetching a link's page or its image
CARD_MAX_PAGE_BYTES = 512_000  # only the start of a page is read (the <head> is at the top)
CARD_MAX_IMAGE_BYTES = 5_000_000
CARD_TITLE_CHARS = 300
CARD_DESCRIPTION_CHARS = 1000
MAX_RETRY_WAIT = timedelta(days=7)
SESSION_FORMAT = 1
API_TIMEOUT = 30.0
_IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
_MAIN_PASSWORD_SCOPE = "com.atproto.access"
_SESSION_ERRORS = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing", "BadJwt"}
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")

HOW_TO_APP_PASSWORD = N_(
    "Create an app password in Bluesky: Settings → Privacy and security → App passwords → "
    "Add App Password ({url}), then run 'socialpost accounts add bluesky NAME' again "
    "(or put it in secrets.yaml as app_password)."
)


def how_to_app_password() -> str:
    """:data:`HOW_TO_APP_PASSWORD` in the active language, with the address filled in."""
    return _(HOW_TO_APP_PASSWORD).format(url=APP_PASSWORDS_URL)


class BlueskySettings(AccountSettings):
    handle: str = Field(description="your handle, e.g. you.bsky.social (or your DID)")
    app_password: SecretStr = Field(description="an app password (Settings → Privacy and security → App passwords)")
    pds_url: str = Field(DEFAULT_PDS, description="your PDS; the default suits every bsky.social account")
    language: str | None = Field(
        None, description="language of your posts when a campaign names none, e.g. fr (default: none, apps guess)"
    )
    link_cards: bool = Field(True, description="show a preview card for the first link of a post")
    allow_private_links: bool = Field(
        False, description="only for a test server: let link cards fetch pages on private and loopback addresses"
    )

    @field_validator("handle")
    @classmethod
    def _handle(cls, value: str) -> str:
        value = value.strip().removeprefix("@").strip()
        if not value or any(c.isspace() for c in value):
            raise ValueError(_("give your Bluesky handle, for example you.bsky.social"))
        return value if value.startswith("did:") else value.lower()

    @field_validator("pds_url")
    @classmethod
    def _pds(cls, value: str) -> str:
        value = value.strip().rstrip("/").removesuffix("/xrpc")
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(_("the PDS URL must start with https:// (for example https://bsky.social)"))
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _LANGUAGE.match(value.strip()):
            raise ValueError(_("give a language code such as en, fr or pt-BR"))
        return value.strip()


@dataclass(frozen=True)
class _Ref:
    """A record online: its at:// URI and content id (what reply references point at)."""

    uri: str
    cid: str

    def strong(self) -> dict[str, str]:
        return {"uri": self.uri, "cid": self.cid}


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    mime: str
    width: int
    height: int
    alt: str = ""


class BlueskyNetwork(Network, Reconciler, MetricsReader, InboxReader, Replier, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="bluesky",
        title="Bluesky",
        settings_model=BlueskySettings,
        length=LengthRule("bluesky", ((GRAPHEMES, 300, graphemes), (BYTES, 3000, utf8_bytes))),
        media=MediaLimits(4, 50 * MB, 50 * MB, 50 * MB),  # larger images are re-encoded, not refused
        advice=AdviceFacts(hashtags=3),
        idempotent=True,  # per-part record keys + getRecord before createRecord (module docstring)
    )

    settings: BlueskySettings
    # Tests may inject a transport for the XRPC API (link pages go through socialpost.fetch).
    transport: ClassVar[httpx.BaseTransport | None] = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.RLock()
        self._client: Any = None  # atproto_client.Client, created on first use
        self._session: Any = None  # the SDK's current Session (a copy)
        self._logins = 0  # createSession calls made by this instance
        self._main_password_warned = False

    # --- session ---------------------------------------------------------------------------

    @property
    def session_path(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", self.account.split(":", 1)[-1])
        return self.context.data_dir / "sessions" / f"bluesky-{safe}.session"

    def _load_session(self) -> str | None:
        try:
            document = json.loads(self.session_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.info("%s: ignoring an unreadable saved session", self.account)
            return None
        if (
            not isinstance(document, dict)
            or document.get("format") != SESSION_FORMAT
            or document.get("handle") != self.settings.handle
            or document.get("pds_url") != self.settings.pds_url
            or not isinstance(document.get("session"), str)
        ):
            return None  # another handle or PDS: log in afresh
        return str(document["session"])

    def _save_session(self, session_string: str) -> None:
        path = self.session_path
        document = {
            "format": SESSION_FORMAT,
            "handle": self.settings.handle,
            "pds_url": self.settings.pds_url,
            "session": session_string,
        }
        try:
            write_private(path, json.dumps(document))
        except OSError as exc:  # posting still works; we just log in again next time
            log.warning("%s: could not save the Bluesky session (%s)", self.account, exc.__class__.__name__)

    def forget_session(self) -> None:
        try:
            self.session_path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("%s: could not remove the saved session (%s)", self.account, exc.__class__.__name__)

    def _on_session_change(self, event: Any, session: Any) -> None:
        SessionEvent = sdk("atproto_client.client.session").SessionEvent

        self._session = session
        if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
            self._save_session(session.export())

    def _new_client(self) -> Any:
        import httpx

        Client = sdk("atproto_client").Client
        Request = sdk("atproto_client.request").Request

        request = Request(timeout=httpx.Timeout(API_TIMEOUT, connect=10.0), transport=type(self).transport)
        client = Client(base_url=self.settings.pds_url, request=request)
        client.on_session_change(self._on_session_change)
        return client

    def _api(self) -> Any:
        """The logged-in SDK client (resuming the saved session, or logging in)."""
        with self._lock:
            if self._client is None:
                client = self._new_client()
                saved = self._load_session()
                resumed = False
                if saved:
                    try:
                        client.login(session_string=saved, fetch_bsky_profile=False)  # no request
                        resumed = True
                    except Exception:  # noqa: BLE001 - a damaged session string: log in instead
                        log.info("%s: the saved session cannot be used; logging in", self.account)
                        self.forget_session()
                if not resumed:
                    self._login(client)
                self._client = client
            return self._client

    def _login(self, client: Any) -> None:
        """createSession with the handle and app password (rate-limited by Bluesky: use sparingly)."""
        client.update_base_url(self.settings.pds_url)
        try:
            client.login(self.settings.handle, self.settings.app_password.get_secret_value(), fetch_bsky_profile=False)
        except Exception as exc:  # noqa: BLE001 - every failure is mapped (and re-raised) below
            raise self._error(exc, _("logging in"), login=True) from None
        self._logins += 1
        if self.uses_main_password and not self._main_password_warned:
            self._main_password_warned = True
            log.warning(
                "%s: logged in with the account's main password; use an app password instead. %s",
                self.account,
                HOW_TO_APP_PASSWORD.format(url=APP_PASSWORDS_URL),
            )

    @property
    def uses_main_password(self) -> bool:
        """True when the server's token says it was granted for the main password, not an app password."""
        return self._session is not None and _jwt_scope(self._session.access_jwt) == _MAIN_PASSWORD_SCOPE

    @property
    def did(self) -> str:
        self._api()
        return str(self._session.did)

    def _call(self, doing: str, fn: Callable[[Any], T]) -> T:
        """Run ``fn(client)``. When the server no longer accepts our session, first adopt the saved
        one if another process (say ``accounts test`` beside the daemon) refreshed it, else log in
        again — at most once per call, so a refused password never loops on the login limit.
        Every SDK or HTTP error comes out as a socialpost NetworkError."""
        client = self._api()
        recoveries = 0
        while True:
            logins = self._logins
            try:
                return fn(client)
            except NetworkError:
                raise
            except Exception as exc:  # noqa: BLE001 - mapped below
                if not _session_rejected(exc) or recoveries >= 2 or self._logins != logins:
                    raise self._error(exc, doing) from None
            recoveries += 1
            with self._lock:
                if recoveries == 1 and self._adopt_saved_session(client):
                    log.info("%s: using the session another socialpost process saved", self.account)
                    continue
                log.info("%s: the saved session is no longer accepted; logging in again", self.account)
                self.forget_session()
                self._login(client)
                recoveries = 2

    def _adopt_saved_session(self, client: Any) -> bool:
        saved = self._load_session()
        current = self._session.export() if self._session is not None else None
        if not saved or saved == current:
            return False
        try:
            client.login(session_string=saved, fetch_bsky_profile=False)  # no request
        except Exception:  # noqa: BLE001 - damaged: the caller logs in instead
            return False
        return True

    # --- errors ----------------------------------------------------------------------------

    def _error(self, exc: BaseException, doing: str, *, login: bool = False) -> NetworkError:
        """One SDK/HTTP exception → the common error tree, in plain words, never with a secret."""
        import httpx

        ax = sdk("atproto_client.exceptions")

        where = _("Bluesky ({account}): {doing}").format(account=self.account, doing=doing)
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        error, message = _xrpc_error(response)
        detail = f"{error}{': ' if error and message else ''}{message}"
        said = " " + _("Bluesky said: {message}.").format(message=detail) if error or message else ""
        if isinstance(exc, ax.RateLimitExceededError):
            return RateLimited(
                _("{where}: too many requests (429).").format(where=where) + said,
                status=429,
                retry_at=self._retry_at(exc),
                request_sent=False,
            )
        if isinstance(exc, ax.UnauthorizedError) or (
            isinstance(exc, ax.BadRequestError) and error in _SESSION_ERRORS | {"AccountTakedown"}
        ):
            return self._auth_error(where, error, said, status, login)
        if isinstance(exc, ax.LoginRequiredError):
            return AuthError(_("{where}: not logged in.").format(where=where), hint=how_to_app_password())
        if isinstance(exc, ax.BadRequestError) and login:
            return self._auth_error(where, error, said, status, login)
        if isinstance(exc, ax.BadRequestError):
            return ContentRejected(
                _("{where}: the server refused the request ({status}).").format(where=where, status=400) + said,
                status=400,
            )
        if isinstance(exc, ax.InvokeTimeoutError):
            sent = not isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout)
            return TransientError(
                _("{where}: no answer within {seconds} s.").format(
                    where=where, seconds=decimal_mark(f"{API_TIMEOUT:g}")
                ),
                request_sent=sent,
            )
        if isinstance(exc, ax.NetworkError) and response is None:
            sent = not isinstance(exc.__cause__, httpx.ConnectError)
            kind = exc.__cause__.__class__.__name__ if exc.__cause__ else _("network error")
            if sent:
                return TransientError(
                    _("{where}: the connection broke ({error}).").format(where=where, error=kind), request_sent=sent
                )
            return TransientError(_("{where}: cannot connect ({error}).").format(where=where, error=kind))
        if status == 413:
            return ContentRejected(
                _("{where}: the server says the upload is too large (413).").format(where=where) + said, status=413
            )
        if isinstance(exc, ax.RequestErrorBase) and status is not None:
            if status >= 500 or status in (408, 409, 502):
                retry = _retry_after(response, self.context.clock())
                return TransientError(
                    _("{where}: the server failed ({status}).").format(where=where, status=status) + said,
                    status=status,
                    retry_at=retry,
                    request_sent=True,
                )
            if error in ("MethodNotImplemented", "XRPCNotSupported") or status in (404, 501):
                return PermanentError(
                    _("{where}: the server at {pds} does not offer this ({status}).").format(
                        where=where, pds=self.settings.pds_url, status=status
                    )
                    + said,
                    hint=_(
                        "Check pds_url in your config: it must be your PDS (https://bsky.social for most accounts)."
                    ),
                    status=status,
                )
            return PermanentError(
                _("{where}: the server refused the request ({status}).").format(where=where, status=status) + said,
                status=status,
            )
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return TransientError(
                _("{where}: cannot connect ({error}).").format(where=where, error=exc.__class__.__name__)
            )
        if isinstance(exc, httpx.HTTPError):
            return TransientError(
                _("{where}: the connection broke ({error}).").format(where=where, error=exc.__class__.__name__),
                request_sent=True,
            )
        return TransientError(
            _("{where}: unexpected failure ({error}).").format(where=where, error=exc.__class__.__name__),
            request_sent=True,
        )

    def _auth_error(self, where: str, error: str, said: str, status: int | None, login: bool) -> AuthError:
        if error == "AuthFactorTokenRequired":
            return AuthError(
                _(
                    "{where}: this is the account's main password (Bluesky sent a sign-in code by e-mail, which "
                    "only the main password triggers). socialpost needs an app password."
                ).format(where=where),
                hint=how_to_app_password(),
                status=status,
            )
        if error in ("AccountTakedown", "AccountDeactivated", "AccountSuspended"):
            return AuthError(
                _("{where}: the account cannot post right now.").format(where=where) + said,
                hint=_("Sign in at bsky.app to see why."),
                status=status,
            )
        if login:
            return AuthError(
                _("{where}: the handle or app password was refused ({status}).").format(where=where, status=status)
                + said,
                hint=_(
                    "Check the handle '{handle}' and the PDS {pds}; the app password may have been revoked. {how}"
                ).format(handle=self.settings.handle, pds=self.settings.pds_url, how=how_to_app_password()),
                status=status,
            )
        return AuthError(
            _("{where}: the server refused our credentials ({status}).").format(where=where, status=status) + said,
            hint=how_to_app_password(),
            status=status,
        )

    def _retry_at(self, exc: Any) -> datetime | None:
        now = self.context.clock()
        when: datetime | None = None
        try:
            when = exc.reset_at
            if when is None and exc.retry_after is not None:
                when = now + timedelta(seconds=float(exc.retry_after))
        except (TypeError, ValueError, OverflowError, OSError):
            when = None
        if when is None:
            return None
        return min(when.astimezone(UTC), (now + MAX_RETRY_WAIT).astimezone(UTC))

    # --- publishing ------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> Published:
        parts = [post.text, *post.thread]
        self._check_lengths(parts)
        images = self.prepare_media(post.media, MediaRoots.of(post, self.context))
        notes: list[str] = []  # why the post has no link card, if it has none
        did = self.did
        root: _Ref | None = None
        parent: _Ref | None = None
        for index, text in enumerate(parts):
            rkey = record_key(post.key, index, post.due_at)
            ref = self._get_record(did, rkey)
            if ref is None:
                reply = {"root": root.strong(), "parent": parent.strong()} if root and parent else None
                record = self._record(
                    text, reply=reply, images=images if index == 0 else [], notes=notes, language=post.language
                )
                ref = self._create(did, rkey, record)
            else:
                log.info("%s: part %d of %s is already online; not sent again", self.account, index + 1, post.post_id)
            root = root or ref
            parent = ref
        assert root is not None
        return Published(remote_id=root.uri, url=self.web_url(root.uri), note=" ".join(notes))

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        """Look the post's records up by their record keys: all there → Published; none → NotSent;
        only some (a thread cut short) → None, and the daemon re-sends, which adds the missing parts."""
        did = self.did
        count = 1 + len(post.thread)
        refs = [self._get_record(did, record_key(post.key, i, post.due_at)) for i in range(count)]
        if all(ref is None for ref in refs):
            return NotSent(
                _("no record of this post on {handle} (looked up by its record keys)").format(
                    handle=self.settings.handle
                )
            )
        if all(ref is not None for ref in refs):
            first = refs[0]
            assert first is not None
            return Published(remote_id=first.uri, url=self.web_url(first.uri))
        return None

    def _check_lengths(self, parts: Sequence[str]) -> None:
        rule = self.profile.length
        for index, text in enumerate(parts):
            which = _("the post") if index == 0 else _("part {number} of the thread").format(number=index + 1)
            if not text.strip():
                raise ContentRejected(
                    _("Bluesky ({account}): {part} is empty; Bluesky needs some text.").format(
                        account=self.account, part=which
                    )
                )
            for measure in rule.measure(text):
                if measure.over:
                    raise ContentRejected(
                        _("Bluesky ({account}): {part} is too long: {value} {unit}, Bluesky allows {limit}.").format(
                            account=self.account,
                            part=which,
                            value=measure.value,
                            unit=_(measure.what),
                            limit=measure.limit,
                        ),
                        hint=_("Shorten it or move the rest into a thread."),
                    )

    def _record(
        self,
        text: str,
        *,
        reply: dict[str, Any] | None,
        images: list[PreparedImage],
        notes: list[str] | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        facets = build_facets(text, self._resolve_handle)
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": _iso_ms(self.context.clock()),
        }
        # The post's own language (BCP 47, as the campaign writes it), else the account's; none
        # rather than a wrong guess (Bluesky's apps then detect it).
        if language or self.settings.language:
            record["langs"] = [language or self.settings.language]
        if facets.facets:
            record["facets"] = facets.facets
        if reply:
            record["reply"] = reply
        if images:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "alt": image.alt,
                        "image": self._upload(image),
                        "aspectRatio": {"width": image.width, "height": image.height},
                    }
                    for image in images
                ],
            }
        elif self.settings.link_cards and facets.first_link:
            card = self._link_card(facets.first_link, [] if notes is None else notes)
            if card is not None:
                record["embed"] = card
        return record

    def _create(self, did: str, rkey: str, record: dict[str, Any]) -> _Ref:
        models = sdk("atproto_client.models")

        data = models.ComAtprotoRepoCreateRecord.Data(repo=did, collection=POST_COLLECTION, rkey=rkey, record=record)
        try:
            created = self._call(_("publishing a post"), lambda c: c.com.atproto.repo.create_record(data))
        except TransientError:
            # The answer was lost, or the key is taken (the PDS answers 500 then): look before retrying.
            found = self._get_record(did, rkey)
            if found is not None:
                return found
            raise
        return _Ref(str(created.uri), str(created.cid))

    def _get_record(self, did: str, rkey: str) -> _Ref | None:
        models = sdk("atproto_client.models")
        BadRequestError = sdk("atproto_client.exceptions").BadRequestError

        params = models.ComAtprotoRepoGetRecord.Params(repo=did, collection=POST_COLLECTION, rkey=rkey)

        def get(client: Any) -> _Ref | None:
            try:
                found = client.com.atproto.repo.get_record(params)
            except BadRequestError as exc:
                if _xrpc_error(exc.response)[0] == "RecordNotFound":
                    return None
                raise
            if not found.cid:
                raise ContentRejected(
                    _("Bluesky ({account}): {uri} has no content id.").format(account=self.account, uri=found.uri)
                )
            return _Ref(str(found.uri), str(found.cid))

        return self._call(_("looking up a post"), get)

    def _resolve_handle(self, handle: str) -> str | None:
        try:
            return str(
                self._call(_("resolving @{handle}").format(handle=handle), lambda c: c.resolve_handle(handle).did)
            )
        except PermanentError as exc:
            if isinstance(exc, AuthError):
                raise
            log.info("%s: @%s is not a Bluesky handle we can resolve; left as plain text", self.account, handle)
            return None

    def _upload(self, image: PreparedImage) -> dict[str, Any]:
        get_model_as_dict = sdk("atproto_client.models.utils").get_model_as_dict

        uploaded = self._call(
            _("uploading an image"),
            lambda c: c.com.atproto.repo.upload_blob(image.data, headers={"Content-Type": image.mime}),
        )
        blob: dict[str, Any] = get_model_as_dict(uploaded.blob)
        return blob

    def web_url(self, uri: str) -> str:
        """at://DID/app.bsky.feed.post/RKEY → https://bsky.app/profile/DID/post/RKEY"""
        authority, _sep, rest = uri.removeprefix("at://").partition("/")
        return f"https://bsky.app/profile/{authority}/post/{rest.rpartition('/')[2]}"

    # --- media -----------------------------------------------------------------------------

    def prepare_media(self, media: Sequence[Media], roots: MediaRoots) -> list[PreparedImage]:
        if len(media) > MAX_IMAGES:
            raise ContentRejected(
                _("Bluesky ({account}): {count} images; a post can carry at most {limit}.").format(
                    account=self.account, count=len(media), limit=MAX_IMAGES
                ),
                hint=_("Keep four, or move the others to a later part of a thread."),
            )
        prepared = []
        for item in media:
            path = Path(item.file)
            data = roots.read(path)
            image = prepare_image(data, label=path.name)
            prepared.append(PreparedImage(image.data, image.mime, image.width, image.height, alt=item.alt))
        return prepared

    # --- link cards ------------------------------------------------------------------------

    def _fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(
            allow_private=self.settings.allow_private_links, ports=self.context.fetch_ports, timeout=CARD_TIMEOUT
        )

    def _link_card(self, url: str, notes: list[str]) -> dict[str, Any] | None:
        """An app.bsky.embed.external card for ``url``, or None when its page cannot be read (the
        reason goes to the log and to ``notes``: the post goes out without a card)."""
        policy = self._fetch_policy()
        try:
            page = fetch_card(url, policy=policy)
        except FetchError as exc:
            self._no_card(_("no link card: {reason}"), exc, notes)
            return None
        if page is None or not (page.title or page.description):
            return None
        external: dict[str, Any] = {"uri": url, "title": page.title, "description": page.description}
        if page.image:
            try:
                thumb = fetch_image(page.image, policy=policy)
            except FetchError as exc:
                self._no_card(_("the link card has no image: {reason}"), exc, notes)
                thumb = None
            if thumb is not None:
                try:
                    external["thumb"] = self._upload(thumb)
                except (TransientError, ContentRejected) as exc:
                    log.info("%s: link card without its image (%s)", self.account, exc.__class__.__name__)
        return {"$type": "app.bsky.embed.external", "external": external}

    def _no_card(self, template: str, exc: FetchError, notes: list[str]) -> None:
        note = template.format(reason=exc.message)
        log.log(logging.WARNING if exc.refused else logging.INFO, "%s: %s", self.account, note)
        notes.append(note)

    # --- metrics, check, set-up -----------------------------------------------------------

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        wanted: dict[str, str] = {}  # at:// URI → the remote id we were given
        for remote_id in remote_ids:
            uri = to_at_uri(remote_id)
            if uri:
                wanted.setdefault(uri, remote_id)
        uris = list(wanted)
        result: dict[str, dict[str, int | None]] = {}
        for start in range(0, len(uris), METRICS_BATCH):
            batch = uris[start : start + METRICS_BATCH]
            answer = self._call(_("reading metrics"), _get_posts(batch))
            by_tail = {_uri_tail(u): u for u in batch}
            for view in answer.posts:
                uri = str(view.uri)
                asked = uri if uri in wanted else by_tail.get(_uri_tail(uri))
                if asked is None:
                    continue
                result[wanted[asked]] = {
                    "views": None,
                    "likes": _count(view, "like_count"),
                    "reposts": _count(view, "repost_count"),
                    "replies": _count(view, "reply_count"),
                    "quotes": _count(view, "quote_count"),
                    "bookmarks": _count(view, "bookmark_count"),
                    "clicks": None,
                }
        return result

    # --- inbox ---------------------------------------------------------------------------

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """The replies under each post (app.bsky.feed.getPostThread, recursively), the account's
        own marked ``own``. A post that is gone is left out; blocked or deleted replies too."""
        me = self.did
        replies: list[Reply] = []
        for remote_id in remote_ids:
            uri = to_at_uri(remote_id)
            if uri is None:
                continue
            thread = self._call(_("reading replies"), _get_thread(uri))
            if thread is None or getattr(thread, "post", None) is None:
                log.info("%s: %s is gone; no replies", self.account, remote_id)
                continue
            self._walk(thread, remote_id, str(thread.post.uri), me, replies)
        return replies

    def _walk(self, view: Any, root: str, parent: str, me: str, out: list[Reply]) -> None:
        for child in getattr(view, "replies", None) or ():
            post = getattr(child, "post", None)  # NotFoundPost and BlockedPost have none
            if post is None:
                continue
            record = post.record
            reply_ref = getattr(record, "reply", None)
            in_reply_to = str(reply_ref.parent.uri) if reply_ref is not None else parent
            author = post.author
            created = _parse_time(getattr(record, "created_at", None))
            out.append(
                Reply(
                    remote_id=str(post.uri),
                    in_reply_to=in_reply_to,
                    post_remote_id=root,
                    author=str(author.handle),
                    author_name=str(getattr(author, "display_name", None) or ""),
                    text=str(getattr(record, "text", "") or ""),
                    created_at=created,
                    url=self.web_url(str(post.uri)),
                    own=str(author.did) == me,
                )
            )
            self._walk(child, root, str(post.uri), me, out)

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer the post ``in_reply_to``: a post whose reply refers to that post (parent) and to
        the root of its conversation, with facets like any post."""
        uri = to_at_uri(in_reply_to)
        if uri is None:
            raise ContentRejected(
                _("Bluesky ({account}): {id} is not a Bluesky post.").format(account=self.account, id=in_reply_to)
            )
        self._check_lengths([text])
        answer = self._call(_("looking up the post to answer"), _get_posts([uri]))
        if not answer.posts:
            raise PermanentError(
                _("Bluesky ({account}): the post {id} is gone; it cannot be answered.").format(
                    account=self.account, id=in_reply_to
                ),
                hint=_("Refresh the inbox: socialpost inbox"),
            )
        parent_view = answer.posts[0]
        parent = _Ref(str(parent_view.uri), str(parent_view.cid))
        parent_reply = getattr(parent_view.record, "reply", None)
        root = _Ref(str(parent_reply.root.uri), str(parent_reply.root.cid)) if parent_reply is not None else parent
        record = self._record(text, reply={"root": root.strong(), "parent": parent.strong()}, images=[])
        key = hashlib.sha256(f"{self.account}\n{uri}\n{text}".encode()).hexdigest()
        ref = self._create(self.did, record_key(key, 0, self.context.clock()), record)
        return Published(remote_id=ref.uri, url=self.web_url(ref.uri))

    def api_origin(self) -> str | None:
        return origin_of(self.settings.pds_url)

    def health(self) -> AccountHealth:
        answer = self._call(_("checking the account"), lambda c: c.com.atproto.server.get_session())
        pds = str(getattr(self._session, "pds_endpoint", None) or self.settings.pds_url).removesuffix("/xrpc")
        # The keys are also the JSON of `accounts test --json`: marked (N_), never translated here.
        details = {N_("handle"): str(answer.handle), "DID": str(answer.did), "PDS": pds}
        warnings: tuple[HealthWarning, ...] = ()
        if self.uses_main_password:
            details[N_("password")] = _("the account's main password: replace it with an app password")
            warnings = (
                HealthWarning(
                    _("it signs in with {password}").format(password=details[N_("password")]),
                    _("Use an app password: {command}").format(
                        command=f"socialpost accounts add bluesky {shlex.quote(self.account.partition(':')[2])}"
                    ),
                ),
            )
        else:
            details[N_("password")] = _("app password")
        return AccountHealth(self.account, f"@{answer.handle}", details, warnings=warnings)

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        ui.say(
            _(
                "socialpost posts to Bluesky with an app password, never your main password. To create one: "
                "in Bluesky open Settings → Privacy and security → App passwords → Add App Password, give it a "
                "name such as 'socialpost', leave 'Allow access to your direct messages' off, and copy the "
                "password it shows (xxxx-xxxx-xxxx-xxxx)."
            )
        )
        ui.open_url(APP_PASSWORDS_URL)
        handle = ui.ask(_("Your Bluesky handle (for example you.bsky.social)")).strip()
        password = ui.ask_secret(_("App password")).strip()
        pds_url = ui.ask(_("Your PDS (keep the default for a bsky.social account)"), default=DEFAULT_PDS).strip()
        try:
            settings = BlueskySettings(handle=handle, app_password=SecretStr(password), pds_url=pds_url or DEFAULT_PDS)
        except ValidationError as exc:
            lines = [
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg'].removeprefix('Value error, ')}"
                for err in exc.errors(include_input=False, include_url=False)
            ]
            heading = _("the answers for {account} are not usable:").format(account=account)
            raise ConfigError(heading + "\n" + "\n".join(lines)) from None
        adapter = cls(account=account, settings=settings, context=context)
        try:
            adapter._api()  # logs in (and keeps the session, so the check that follows reuses it)
            if adapter.uses_main_password:
                adapter.forget_session()
                raise AuthError(
                    _(
                        "Bluesky ({account}): that is the account's main password (the server granted it full "
                        "access). socialpost only accepts an app password, which you can revoke at any time."
                    ).format(account=account),
                    hint=how_to_app_password(),
                )
        finally:
            adapter.close()
        values: dict[str, Any] = {"handle": settings.handle}
        if settings.pds_url != DEFAULT_PDS:
            values["pds_url"] = settings.pds_url
        return AccountSetup(settings=values, secrets={"app_password": password})

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                try:
                    self._client.request.close()
                finally:
                    self._client = None


# --- helpers (module level so tests can use them directly) ------------------------------------


def _get_posts(uris: list[str]) -> Callable[[Any], Any]:
    return lambda client: client.get_posts(uris)


def _get_thread(uri: str) -> Callable[[Any], Any]:
    """getPostThread's ``thread`` for ``uri``, or None when the post is not found."""

    def get(client: Any) -> Any:
        BadRequestError = sdk("atproto_client.exceptions").BadRequestError
        try:
            return client.get_post_thread(uri, depth=THREAD_DEPTH, parent_height=0).thread
        except BadRequestError as exc:
            if _xrpc_error(exc.response)[0] == "NotFound":
                return None
            raise

    return get


def _parse_time(value: Any) -> datetime | None:
    """An atproto datetime string → aware UTC datetime (None when missing or unreadable)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _jwt_scope(token: str | None) -> str | None:
    """The ``scope`` claim of a JWT (read, not verified: the server that issued it is the one we use)."""
    if not token or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return None
    scope = claims.get("scope") if isinstance(claims, dict) else None
    return scope if isinstance(scope, str) else None


def _xrpc_error(response: Any) -> tuple[str, str]:
    """(error name, message) from an XRPC error response; empty strings when there are none."""
    content = getattr(response, "content", None)
    if content is None:
        return "", ""
    error = getattr(content, "error", None)
    message = getattr(content, "message", None)
    if isinstance(content, dict):
        error, message = content.get("error"), content.get("message")
    if isinstance(content, bytes | bytearray):
        text = " ".join(bytes(content[:300]).decode("utf-8", "replace").split())
        return "", text
    return str(error or ""), " ".join(str(message or "").split())[:500]


def _session_rejected(exc: BaseException) -> bool:
    ax = sdk("atproto_client.exceptions")

    if isinstance(exc, ax.LoginRequiredError):
        return True
    if isinstance(exc, ax.UnauthorizedError | ax.BadRequestError):
        return _xrpc_error(exc.response)[0] in _SESSION_ERRORS
    return False


def _retry_after(response: Any, now: datetime) -> datetime | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("retry-after")
    if not value:
        return None
    from socialpost.networks.common.http import retry_after

    return retry_after(str(value), now)


def _iso_ms(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _count(view: Any, name: str) -> int | None:
    value = getattr(view, name, None)
    return int(value) if isinstance(value, int) else None


def _uri_tail(uri: str) -> str:
    return uri.removeprefix("at://").partition("/")[2]


_WEB_POST = re.compile(r"^https?://(?:www\.)?bsky\.app/profile/([^/\s]+)/post/([^/?#\s]+)")


def to_at_uri(remote_id: str) -> str | None:
    """An at:// post URI from what a user may have recorded: the URI itself or a bsky.app link."""
    remote_id = remote_id.strip()
    if remote_id.startswith("at://"):
        return remote_id
    match = _WEB_POST.match(remote_id)
    if match:
        return f"at://{unquote(match.group(1))}/{POST_COLLECTION}/{match.group(2)}"
    return None


def prepare_image(data: bytes, *, label: str, max_bytes: int = MAX_IMAGE_BYTES) -> PreparedImage:
    """Check an image Bluesky can show; re-encode it as JPEG when it is over ``max_bytes``."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        bomb = isinstance(exc, Image.DecompressionBombError)
        reason = _("it is too large to decode") if bomb else _("not an image")
        raise ContentRejected(
            _("Bluesky: {file} cannot be posted ({reason}); Bluesky takes JPEG, PNG, WebP or GIF images.").format(
                file=label, reason=reason
            )
        ) from None
    fmt = image.format or "?"
    if fmt not in _IMAGE_TYPES:
        raise ContentRejected(
            _("Bluesky: {file} is a {format} image; Bluesky takes JPEG, PNG, WebP or GIF.").format(
                file=label, format=fmt
            ),
            hint=_("Convert it to JPEG or PNG."),
        )
    upright = ImageOps.exif_transpose(image) or image
    if len(data) <= max_bytes:
        return PreparedImage(data, _IMAGE_TYPES[fmt], upright.width, upright.height)
    return _reencode(upright, label=label, max_bytes=max_bytes, original=len(data))


def _reencode(image: PILImage.Image, *, label: str, max_bytes: int, original: int) -> PreparedImage:
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if max(image.size) > MAX_IMAGE_SIDE:
        image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    while True:
        for quality in (85, 75, 65, 55):
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=quality, optimize=True)
            if out.tell() <= max_bytes:
                log.info(
                    "re-encoded %s as JPEG: %d → %d bytes (%dx%d, quality %d)",
                    label,
                    original,
                    out.tell(),
                    image.width,
                    image.height,
                    quality,
                )
                return PreparedImage(out.getvalue(), "image/jpeg", image.width, image.height)
        if max(image.size) <= 256:
            raise ContentRejected(
                _("Bluesky: {file} is {size} bytes and cannot be brought under {limit} bytes.").format(
                    file=label, size=formats.integer(original), limit=formats.integer(max_bytes)
                ),
                hint=_("Use a smaller image."),
            )
        image = image.resize((max(image.width * 3 // 4, 1), max(image.height * 3 // 4, 1)), Image.Resampling.LANCZOS)


# --- link card fetching ------------------------------------------------------------------------


@dataclass(frozen=True)
class PageCard:
    title: str
    description: str
    image: str | None  # absolute URL


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            name = (values.get("property") or values.get("name") or "").strip().lower()
            if name and "content" in values and name not in self.meta:
                self.meta[name] = values["content"].strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def fetch_card(url: str, *, policy: FetchPolicy | None = None) -> PageCard | None:
    """Title, description and image of the page at ``url`` (Open Graph first); None for a link that
    is not http(s) or a page that is not HTML. FetchError when the page is refused or cannot be read.

    Only the first CARD_MAX_PAGE_BYTES are read (the ``<head>`` is at the top); a relative image is
    resolved against the page's address after redirects."""
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    page = fetch(
        url,
        max_bytes=CARD_MAX_PAGE_BYTES,
        accept="text/html,application/xhtml+xml",
        policy=policy or FetchPolicy(timeout=CARD_TIMEOUT),
        truncate=True,
    )
    body, lowered = page.body, page.content_type.lower()
    if "html" not in lowered and not body.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html")):
        return None
    charset = re.search(r"charset=([\w-]+)", lowered)
    try:
        text = body.decode(charset.group(1) if charset else "utf-8", "replace")
    except LookupError:
        text = body.decode("utf-8", "replace")
    parser = _MetaParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # noqa: BLE001 - a page we cannot parse gets no card
        return None
    meta = parser.meta
    title = meta.get("og:title") or meta.get("twitter:title") or " ".join(parser.title.split())
    description = meta.get("og:description") or meta.get("twitter:description") or meta.get("description") or ""
    image = meta.get("og:image") or meta.get("og:image:url") or meta.get("twitter:image")
    image_url = urljoin(page.url, image) if image else None
    if image_url and urlsplit(image_url).scheme not in ("http", "https"):
        image_url = None
    return PageCard(
        title=" ".join(title.split())[:CARD_TITLE_CHARS],
        description=" ".join(description.split())[:CARD_DESCRIPTION_CHARS],
        image=image_url,
    )


def fetch_image(url: str, *, policy: FetchPolicy | None = None) -> PreparedImage | None:
    """A link card's thumbnail, ready for upload (≤ 1,000,000 bytes); None when it is not an image
    Bluesky shows. FetchError when it is refused or cannot be read."""
    image = fetch(
        url, max_bytes=CARD_MAX_IMAGE_BYTES, accept="image/*", policy=policy or FetchPolicy(timeout=CARD_TIMEOUT)
    )
    try:
        return prepare_image(image.body, label="the link card image")  # never shown: a refusal means no image
    except ContentRejected:
        return None
