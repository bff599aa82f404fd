"""Google's client for one YouTube account: credentials, the API service, the quota each call
costs, and YouTube's error answers mapped into socialpost's errors.

The transport is Google's (httplib2), not httpx, so :func:`socialpost.networks.common.http.classify`
does not apply: :func:`youtube_error` reads YouTube's own error body (its ``reason`` codes) and
uses :func:`socialpost.networks.common.http.retry_after` for the one header it reads.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from socialpost.errors import AuthError, ContentRejected, NetworkError, PermanentError, RateLimited, TransientError
from socialpost.i18n import _
from socialpost.networks.base import Network, decimal_mark
from socialpost.networks.youtube.settings import API_URL, SCOPES, YouTubeSettings
from socialpost.networks.youtube.state import COSTS, QuotaBook, UploadStates, account_folder, next_reset
from socialpost.redaction import redact_values
from socialpost.timeutil import iso_utc

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

log = logging.getLogger("socialpost.networks.youtube")

ProgressCallback = Callable[[int, int], None]  # (bytes YouTube has, total bytes)


EXCERPT = 300

QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
AUTH_REASONS = {
    "forbidden",
    "insufficientPermissions",
    "accessNotConfigured",
    "youtubeSignupRequired",
    "channelClosed",
    "channelSuspended",
    "accountDelegationForbidden",
    "authenticatedUserAccountClosed",
    "authenticatedUserAccountSuspended",
    "authenticatedUserNotChannel",
}
CONTENT_REASONS = {
    "invalidTitle",
    "invalidDescription",
    "invalidTags",
    "invalidCategoryId",
    "invalidPublishAt",
    "invalidVideoMetadata",
    "invalidFilename",
    "mediaBodyRequired",
    "defaultLanguageNotSet",
    "invalidRecordingDetails",
    "invalidVideoGameRating",
    "commentsDisabled",
    "invalidCommentMetadata",
    "commentTextTooLong",
    "processingFailure",
    "operationNotSupported",
    "parentCommentIsPrivate",
    "ineligibleAccount",
    "invalidImage",
    "mediaBodyTooLarge",
    "playlistContainsMaximumNumberOfVideos",
    "videoAlreadyInPlaylist",
    "manualSortRequired",
}
NOT_FOUND_REASONS = {"videoNotFound", "playlistNotFound", "commentNotFound", "channelNotFound", "parentNotFound"}


class YouTubeClient(Network):
    """The plumbing every part of the adapter shares: the account's names, its state files, Google's
    credentials and client, the quota book, and the mapping of every failure into socialpost's
    errors."""

    settings: YouTubeSettings
    # Tests give an httplib2-compatible object here (timeout → http); None: httplib2.Http.
    http_factory: ClassVar[Callable[[float], Any] | None] = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        name = self.account.partition(":")[2] or self.account
        self._name = name
        self._log_where = f"YouTube '{name}'"  # for log lines, which stay English
        self._reconnect = f"socialpost accounts add youtube {name}"
        folder = account_folder(self.context, self.account)
        self.uploads = UploadStates(folder / "uploads")
        self.quota = QuotaBook(folder / "quota.json")
        # the CLI may draw a progress bar with it; the daemon logs every tenth of the upload
        self.progress: ProgressCallback | None = self._log_progress
        self._logged_tenth: dict[int, int] = {}
        self._credentials: Credentials | None = None
        self._lock = threading.Lock()

    @property
    def _where(self) -> str:
        """How messages name this account, in the active language."""
        return _("YouTube '{name}'").format(name=self._name)

    def _log_progress(self, done: int, total: int) -> None:
        tenth = 10 * done // total if total else 10
        if self._logged_tenth.get(total, -1) < tenth:
            self._logged_tenth[total] = tenth
            log.info("%s: uploaded %d%% (%.1f of %.1f MB)", self._log_where, tenth * 10, done / 1e6, total / 1e6)

    # --- plumbing -------------------------------------------------------------------------------

    def _secrets(self) -> list[str]:
        values = [self.settings.client_secret.get_secret_value(), self.settings.refresh_token.get_secret_value()]
        creds = self._credentials
        if creds is not None and creds.token:
            values.append(str(creds.token))
        return [v for v in values if v]

    def _creds(self) -> Credentials:
        from google.oauth2.credentials import Credentials

        with self._lock:
            if self._credentials is None:
                self._credentials = Credentials(  # type: ignore[no-untyped-call]
                    token=None,
                    refresh_token=self.settings.refresh_token.get_secret_value(),
                    client_id=self.settings.client_id,
                    client_secret=self.settings.client_secret.get_secret_value(),
                    token_uri=self.settings.token_url,
                    scopes=list(SCOPES),
                )
            return self._credentials

    def _http(self) -> Any:
        """An authorised httplib2-style object (one per operation: httplib2 is not thread-safe)."""
        import google_auth_httplib2  # type: ignore[import-untyped]

        return google_auth_httplib2.AuthorizedHttp(self._creds(), http=_raw_http(type(self), self.settings.timeout))

    def _service(self, http: Any | None = None) -> Any:
        return _build(http if http is not None else self._http(), self.settings.base_url)

    def _spend(self, call: str, *, uploads: int = 0) -> None:
        units = self.settings.upload_units if call == "videos.insert" else COSTS.get(call, 1)
        self.quota.spend(self.context.clock(), call, units=units, uploads=uploads)

    def _execute(self, call: str, request: Any, *, sending: bool = False) -> Any:
        """Run one API request, record its cost, and map every failure into socialpost's errors."""
        self._spend(call)
        return self._guard(request.execute, sending=sending)

    def _guard(self, action: Callable[[], Any], *, sending: bool = False) -> Any:
        from googleapiclient.errors import HttpError  # type: ignore[import-untyped]

        try:
            return action()
        except HttpError as exc:
            raise self._error(exc, sending=sending) from None
        except Exception as exc:  # refresh and transport errors, mapped below
            mapped = self._other_error(exc, sending=sending)
            if mapped is None:
                raise
            raise mapped from None

    def _error(self, exc: Any, *, sending: bool = False) -> NetworkError:
        return youtube_error(
            int(exc.resp.status),
            exc.content,
            where=self._where,
            now=self.context.clock(),
            secrets=self._secrets(),
            reconnect=self._reconnect,
            retry_after=exc.resp.get("retry-after") if hasattr(exc.resp, "get") else None,
            request_sent=sending,
        )

    def _other_error(self, exc: Exception, *, sending: bool = False) -> NetworkError | None:
        import httplib2  # type: ignore[import-untyped]
        from google.auth.exceptions import RefreshError, TransportError

        if isinstance(exc, RefreshError):
            text = redact_values(" ".join(str(exc.args[0] if exc.args else exc).split()), self._secrets())
            if "invalid_grant" in text or "invalid_client" in text or "unauthorized_client" in text:
                return AuthError(
                    _(
                        "{where}: Google no longer accepts the saved sign-in ({message}). Refresh tokens "
                        "stop working when access is revoked, the password changes, or the OAuth app is still in "
                        "'Testing' (tokens then last 7 days)."
                    ).format(where=self._where, message=text[:EXCERPT]),
                    hint=_("Reconnect with: {command}.").format(command=self._reconnect),
                )
            return TransientError(
                _("{where}: Google's sign-in service failed ({message}).").format(
                    where=self._where, message=text[:EXCERPT]
                )
            )
        if isinstance(exc, TransportError):
            return TransientError(
                _("{where}: cannot reach Google's sign-in service ({error}).").format(
                    where=self._where, error=_kind(exc)
                )
            )
        if isinstance(exc, TimeoutError):
            return TransientError(
                _("{where}: YouTube did not answer within {seconds} s.").format(
                    where=self._where, seconds=decimal_mark(f"{self.settings.timeout:g}")
                ),
                request_sent=sending,
            )
        if isinstance(exc, ConnectionRefusedError | httplib2.ServerNotFoundError):
            return TransientError(
                _("{where}: cannot reach YouTube ({error}).").format(where=self._where, error=_kind(exc))
            )
        if isinstance(exc, OSError | httplib2.HttpLib2Error):
            return TransientError(
                _("{where}: the connection to YouTube broke ({error}).").format(where=self._where, error=_kind(exc)),
                request_sent=sending,
            )
        return None

    def close(self) -> None:
        with self._lock:
            self._credentials = None


def _kind(exc: BaseException) -> str:
    return exc.__class__.__name__


def _raw_http(cls: type[YouTubeClient], timeout: float) -> Any:
    """The HTTP object under the API client. YouTube answers "308 Resume Incomplete" between the
    chunks of a resumable upload, which httplib2 would follow as a redirect (and fail without a
    Location): 308 is not a redirect here, as google-api-python-client's own ``build_http`` says."""
    if cls.http_factory is not None:
        http = cls.http_factory(timeout)
    else:
        import httplib2

        http = httplib2.Http(timeout=timeout)
    if hasattr(http, "redirect_codes"):
        http.redirect_codes = set(http.redirect_codes) - {308}
    return http


def _build(http: Any, base_url: str) -> Any:
    from googleapiclient.discovery import build  # type: ignore[import-untyped]

    options = None if base_url.rstrip("/") == API_URL.rstrip("/") else {"api_endpoint": base_url.rstrip("/") + "/"}
    return build("youtube", "v3", http=http, static_discovery=True, cache_discovery=False, client_options=options)


class _HttpErrorLike:
    """What :func:`YouTubeNetwork._error` reads from an HttpError, for answers we got by hand."""

    def __init__(self, resp: Any, content: bytes) -> None:
        self.resp = resp
        self.content = content


def youtube_error(
    status: int,
    content: bytes | str | None,
    *,
    where: str,
    now: datetime,
    secrets: Sequence[str],
    reconnect: str,
    retry_after: str | None = None,
    request_sent: bool = False,
) -> NetworkError:
    """A YouTube error answer (``{"error": {"code", "message", "errors": [{"reason", …}]}}``) → the
    socialpost error that says what is wrong and what to do."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content or "")
    reasons: list[str] = []
    message = ""
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        error = data["error"]
        message = str(error.get("message") or "")
        reasons = [str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict) and e.get("reason")]
        if not reasons and isinstance(error.get("status"), str):
            reasons = [str(error["status"])]
    elif text.strip() and not text.lstrip().startswith("<"):
        message = text
    message = redact_values(" ".join(message.split()), secrets)[:EXCERPT]
    reason = reasons[0] if reasons else ""
    said = ""
    if message:
        said = " " + _("YouTube said: {message}").format(message=message)
        said = said if said.endswith(".") else said + "."
    if reason and reason not in message:
        said += f" [{reason}]"
    reset = next_reset(now)
    if reason in QUOTA_REASONS:
        return RateLimited(
            _("{where}: the project's daily YouTube quota is used up ({status}).").format(where=where, status=status)
            + said,
            hint=_(
                "socialpost tries again after it resets at midnight Pacific time ({time}); "
                "ask Google for more quota if this keeps happening."
            ).format(time=iso_utc(reset)),
            status=status,
            retry_at=reset,
        )
    if reason == "uploadLimitExceeded":
        # A per-channel count of uploads over the last day, not the project's quota: it lifts by itself.
        return RateLimited(
            _("{where}: the channel has uploaded as many videos as YouTube allows for now.").format(where=where) + said,
            hint=_("socialpost tries again in 24 hours; verified channels may upload more."),
            status=status,
            retry_at=now + timedelta(hours=24),
        )
    if reason in RATE_REASONS or status == 429:
        from socialpost.networks.common.http import retry_after as parse_retry

        return RateLimited(
            _("{where}: YouTube says to slow down ({status}).").format(where=where, status=status) + said,
            status=status,
            retry_at=parse_retry(retry_after, now) or now + timedelta(minutes=1),
        )
    if status == 401:
        return AuthError(
            _("{where}: YouTube refused the sign-in ({status}).").format(where=where, status=status) + said,
            hint=_("Reconnect with: {command}.").format(command=reconnect),
            status=status,
        )
    if reason in AUTH_REASONS or (status == 403 and reason not in CONTENT_REASONS):
        return AuthError(
            _(
                "{where}: YouTube refused ({status}): the sign-in lacks a permission or the channel cannot do this."
            ).format(where=where, status=status)
            + said,
            hint=_(
                "The account needs the scopes youtube.upload, youtube.readonly and youtube.force-ssl, and the "
                "YouTube Data API v3 enabled in the project; reconnect with: {command}."
            ).format(command=reconnect),
            status=status,
        )
    if reason in CONTENT_REASONS:
        return ContentRejected(
            _("{where}: YouTube rejected it ({status}).").format(where=where, status=status) + said, status=status
        )
    if reason in NOT_FOUND_REASONS or status == 404:
        return PermanentError(
            _("{where}: YouTube cannot find it ({status}).").format(where=where, status=status) + said, status=status
        )
    if status >= 500:
        return TransientError(
            _("{where}: YouTube failed ({status}).").format(where=where, status=status) + said,
            status=status,
            request_sent=request_sent,
        )
    if status == 400:
        return ContentRejected(
            _("{where}: YouTube rejected the request ({status}).").format(where=where, status=status) + said,
            status=status,
        )
    return PermanentError(
        _("{where}: YouTube refused the request ({status}).").format(where=where, status=status) + said,
        status=status,
    )
