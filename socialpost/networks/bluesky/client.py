"""The atproto SDK client of one account (session resumed, refreshed, or a new login), and what
its exceptions mean in socialpost's error tree."""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from socialpost.errors import AuthError, ContentRejected, NetworkError, PermanentError, RateLimited, TransientError
from socialpost.i18n import _
from socialpost.networks.base import decimal_mark
from socialpost.networks.bluesky.facets import sdk
from socialpost.networks.bluesky.settings import (
    APP_PASSWORDS_URL,
    HOW_TO_APP_PASSWORD,
    BlueskySettings,
    how_to_app_password,
)
from socialpost.networks.bluesky.state import SessionState
from socialpost.redaction import redact, redact_values

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("socialpost.networks.bluesky")

T = TypeVar("T")

POST_COLLECTION = "app.bsky.feed.post"
MAX_RETRY_WAIT = timedelta(days=7)
API_TIMEOUT = 30.0
_MAIN_PASSWORD_SCOPE = "com.atproto.access"
_SESSION_ERRORS = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing", "BadJwt"}
BODY_READ_BYTES = 65_536  # how much of a non-JSON error body is read (blanked, then cut)


class BlueskyClient(SessionState):
    """The logged-in client, calls that recover a rejected session once, and error translation."""

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
        """One SDK/HTTP exception → the common error tree, in plain words, never with a secret: the
        server's words may echo a token or the password, so the message and the hint pass through
        :mod:`socialpost.redaction` with this account's secrets."""
        error = self._translate(exc, doing, login=login)
        secrets = self._secrets()
        error.message = redact(redact_values(error.message, secrets))
        if error.hint:
            error.hint = redact(redact_values(error.hint, secrets))
        return error

    def _secrets(self) -> list[str]:
        """What this account must never show: its app password and the session's tokens."""
        values: list[Any] = [self.settings.app_password.get_secret_value()]
        if self._session is not None:
            values += [getattr(self._session, "access_jwt", None), getattr(self._session, "refresh_jwt", None)]
        return [value for value in values if isinstance(value, str) and value]

    def _translate(self, exc: BaseException, doing: str, *, login: bool) -> NetworkError:
        """The error ``exc`` means (see :meth:`_error`, which blanks the secrets out of it)."""
        import httpx

        ax = sdk("atproto_client.exceptions")

        where = _("Bluesky ({account}): {doing}").format(account=self.account, doing=doing)
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        error, message = _xrpc_error(response, secrets=self._secrets())
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

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                try:
                    self._client.request.close()
                finally:
                    self._client = None


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


def _xrpc_error(response: Any, *, secrets: Sequence[str] = ()) -> tuple[str, str]:
    """(error name, message) from an XRPC error response; empty strings when there are none.
    The message is cut short after ``secrets`` (and every registered secret) are blanked, so that
    no part of a token is left."""
    content = getattr(response, "content", None)
    if content is None:
        return "", ""
    error = getattr(content, "error", None)
    message = getattr(content, "message", None)
    if isinstance(content, dict):
        error, message = content.get("error"), content.get("message")
    if isinstance(content, bytes | bytearray):
        text = bytes(content[:BODY_READ_BYTES]).decode("utf-8", "replace")
        return "", " ".join(redact(redact_values(text, secrets)).split())[:300]
    words = redact(redact_values(str(message or ""), secrets))
    return str(error or ""), " ".join(words.split())[:500]


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
