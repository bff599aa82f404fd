"""YouTube: scheduled video publishing, statistics and comments, through Google's own client
(google-api-python-client with its bundled discovery document: nothing is fetched at run time).

* Scheduling: the daemon hands the post over ``upload_ahead`` (default 2 h) before its time; the
  video is uploaded then as *private* with ``status.publishAt`` = the post's time (UTC, RFC 3339
  with ``Z``), and YouTube itself makes it public at that time, whether or not a daemon runs.
  A post whose time has already passed is uploaded with ``privacy_after_publish`` at once.
* Upload: resumable and chunked (``chunk_size``, a multiple of 256 KiB). The session URI and the
  bytes YouTube confirmed are saved in ``<data_dir>/youtube/<name>/uploads/<post key>.json``
  (mode 0600) before the first byte goes out and after every chunk, so an upload interrupted by a
  crash or a network error resumes where it stopped: a status query (``PUT`` with
  ``Content-Range: bytes */SIZE``) answers ``308`` with the ``Range`` YouTube has, or the video
  when it is complete. Publishing the same post again therefore never uploads a second video
  (``idempotent``). Then the thumbnail and the playlist, each once.
* Quota: every call's cost is recorded per quota day (midnight to midnight Pacific time) in
  ``<data_dir>/youtube/<name>/quota.json``; an upload that would go over the daily budget is
  refused with :class:`RateLimited` until the next Pacific midnight. ``check()`` shows what is
  left.
* Statistics: ``videos.list(part=statistics)``, 50 ids per call: views, likes, replies (comments).
* Comments: ``commentThreads.list`` and ``comments.insert`` (replies), for the inbox.
* Set-up: the installed-app OAuth flow with a loopback redirect on 127.0.0.1; the refresh token
  and the client secret go to secrets.yaml.
* The audit: YouTube keeps every video uploaded through ``videos.insert`` from an API project
  created after 28 July 2020 private ("locked as private") until the project passes YouTube's API
  audit; ``publishAt`` then never makes it public, and the API has no field that says a video is
  locked. So the set-up explains the audit and records what the user knows (``audited``), and
  :meth:`YouTubeNetwork.confirm` names the unaudited project as the likely cause when a video is
  still private after its time; ``doctor`` shows it for accounts with posts (:meth:`caveats`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, SecretStr, field_validator

from socialpost.errors import (
    AuthError,
    ContentRejected,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.i18n import N_, _, formats, ngettext
from socialpost.media import MediaRoots
from socialpost.networks.base import (
    AccountSettings,
    AccountSetup,
    AdapterContext,
    Caveat,
    Network,
    NotPublic,
    NotSent,
    OutgoingPost,
    Published,
    Reply,
    SetupUI,
    decimal_mark,
)
from socialpost.networks.capabilities import (
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    PublishAhead,
    Reconciler,
    Replier,
)
from socialpost.networks.health import AccountHealth, origin_of
from socialpost.networks.profile import NetworkProfile
from socialpost.networks.youtube.media import VIDEO_CHECKS, VideoSpec, check_video, video_spec
from socialpost.networks.youtube.state import COSTS, QuotaBook, UploadState, UploadStates, account_folder, next_reset
from socialpost.redaction import redact_values
from socialpost.text.rules import LengthRule
from socialpost.timeutil import coerce_duration, format_duration, iso_utc

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

__all__ = ["Comment", "VideoSpec", "YouTubeNetwork", "YouTubeSettings", "check_video", "video_spec"]

log = logging.getLogger("socialpost.networks.youtube")

API_URL = "https://youtube.googleapis.com/"
TOKEN_URL = "https://oauth2.googleapis.com/token"
AUTH_URL = "https://accounts.google.com/o/oauth2/auth"
AUDIT_FORM = "https://support.google.com/youtube/contact/yt_api_form"
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtube.force-ssl",
)
CHUNK_UNIT = 256 * 1024  # resumable chunks must be multiples of 256 KiB
STATS_BATCH = 50  # videos.list takes at most 50 ids
COMMENT_PAGES = 5  # commentThreads.list pages read per fetch (100 threads each)
MAX_COMMENT = 10_000
LOGIN_TIMEOUT = 300  # seconds to wait for the browser's redirect
EXCERPT = 300
MIN_LEAD = timedelta(minutes=1)  # publishAt closer than this is treated as "now"

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


Duration = Annotated[timedelta, BeforeValidator(coerce_duration), PlainSerializer(format_duration, return_type=str)]


class YouTubeSettings(AccountSettings):
    client_id: str = Field(description="OAuth client ID of your Google Cloud project (desktop app)")
    client_secret: SecretStr = Field(description="its client secret (secrets.yaml)")
    refresh_token: SecretStr = Field(description="the refresh token from 'accounts add youtube NAME' (secrets.yaml)")
    channel_id: str = Field(description="the channel videos go to (UC…)")
    channel_title: str | None = Field(None, description="the channel's name, for messages")
    upload_ahead: Duration = Field(timedelta(hours=2), description="upload this long before the post's time")
    privacy_after_publish: Literal["public", "unlisted"] = Field(
        "public",
        description="public: private until the post's time, then public (YouTube does it); "
        "unlisted: uploaded unlisted at once (YouTube can only schedule public videos)",
    )
    chunk_size: int = Field(8 * 1024 * 1024, description="bytes per upload request, a multiple of 256 KiB")
    daily_quota: int = Field(10_000, gt=0, description="your project's daily quota in units")
    daily_uploads: int = Field(100, gt=0, description="videos.insert calls a day (its own quota bucket)")
    upload_units: int = Field(0, ge=0, description="units an upload draws from daily_quota (1600 on older projects)")
    notify_subscribers: bool = Field(True, description="tell subscribers about new videos")
    audited: bool | Literal["unknown"] = Field(
        "unknown",
        description="whether the Google Cloud project passed YouTube's API audit (true, false or unknown): "
        "until it does, YouTube keeps every upload private",
    )
    base_url: str = Field(API_URL, description="API root (a proxy or a test server)")
    token_url: str = Field(TOKEN_URL, description="Google's OAuth token endpoint")
    timeout: float = Field(60.0, gt=0, le=600, description="seconds to wait for each request")

    @field_validator("chunk_size")
    @classmethod
    def _chunk(cls, value: int) -> int:
        if value < CHUNK_UNIT or value % CHUNK_UNIT:
            raise ValueError(_("chunk_size must be a multiple of 262144 bytes (256 KiB), e.g. 8388608 (8 MiB)"))
        return value

    @field_validator("channel_id")
    @classmethod
    def _channel(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(_("channel_id is empty; run socialpost accounts add youtube NAME"))
        return value

    @field_validator("upload_ahead")
    @classmethod
    def _ahead(cls, value: timedelta) -> timedelta:
        if value < timedelta(0) or value > timedelta(days=7):
            raise ValueError(_("upload_ahead must be between 0 and 7 days (YouTube keeps upload sessions a week)"))
        return value


@dataclass(frozen=True)
class Comment:
    """A top-level comment on one of our videos (``id`` is what :meth:`YouTubeNetwork.reply` takes)."""

    id: str
    thread_id: str
    video_id: str
    author: str
    author_channel_id: str | None
    text: str
    published_at: datetime | None
    like_count: int | None
    reply_count: int | None

    @property
    def url(self) -> str:
        return f"{watch_url(self.video_id)}&lc={self.id}"


ProgressCallback = Callable[[int, int], None]  # (bytes YouTube has, total bytes)


class YouTubeNetwork(Network, Reconciler, PublishAhead, MetricsReader, InboxReader, Replier, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="youtube",
        title="YouTube",
        settings_model=YouTubeSettings,
        length=LengthRule("youtube"),  # the description is limited in bytes (5,000): the video checks say so
        post_keys=frozenset({"video"}),
        required_keys=frozenset({"video"}),
        post_checks=VIDEO_CHECKS,
        # A second publish of the same post resumes (or finds) its upload from the state file.
        idempotent=True,
    )

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

    # --- publish --------------------------------------------------------------------------------

    def lead_time(self) -> timedelta:
        """How long before a post's time the daemon should hand it over (the upload and YouTube's
        processing happen then; YouTube publishes at the post's time)."""
        return self.settings.upload_ahead

    def publish(self, post: OutgoingPost) -> Published:
        return self.upload(post, progress=self.progress)

    def upload(self, post: OutgoingPost, *, progress: ProgressCallback | None = None) -> Published:
        """Upload (or resume, or find) the post's video; Published once YouTube has all of it."""
        spec = video_spec(post)
        roots = MediaRoots.of(post, self.context)
        state = self.uploads.load(post.key)
        if state is not None and state.done and state.video_id:
            self._finish(state, spec, roots)
            return Published(state.video_id, watch_url(state.video_id))
        if post.thread:
            raise ContentRejected(
                _("{where}: a video has one description; YouTube has no threads.").format(where=self._where),
                hint=_("Write the description as one text (variants: youtube: {text: …})."),
            )
        roots.check(post)  # before anything else looks at the files
        problems = check_video(spec, post.text)
        if problems:
            raise ContentRejected(_("{where}: {problems}.").format(where=self._where, problems="; ".join(problems)))
        assert spec.file is not None
        try:  # before anything is sent: an unreadable file would fail inside the upload, its outcome unknown
            spec.file.open("rb").close()
        except OSError as exc:
            raise ContentRejected(
                _("{where}: the video {file} cannot be read ({reason}).").format(
                    where=self._where, file=spec.file, reason=exc.strerror or exc
                ),
                hint=_("Check the file's permissions, then retry the post."),
            ) from None
        if state is not None and not state.matches(spec.file):
            log.info("%s: %s changed since its upload began; starting again", self._log_where, spec.file.name)
            self.uploads.forget(post.key)
            state = None
        request = self._insert_request(post, spec)
        http = self._http()
        if state is not None and state.session_uri:
            done = self._resume(state, request, http)
            if done is not None:
                return self._completed(state, spec, done, roots)
        if state is None or not state.session_uri:
            state = self._start(post, spec, request, http)
        request.resumable_uri = state.session_uri
        request.resumable_progress = state.offset
        response = None
        while response is None:
            try:
                status, response = self._guard(lambda: request.next_chunk(http=http), sending=True)
            except TransientError as exc:
                state.offset = max(state.offset, int(request.resumable_progress))
                self.uploads.save(state)
                raise TransientError(
                    exc.message
                    + " "
                    + _("The upload stopped at {done} of {total}; it resumes from there.").format(
                        done=_size(state.offset), total=_size(state.size)
                    ),
                    hint=exc.hint,
                    status=exc.status,
                    retry_at=exc.retry_at,
                    request_sent=True,
                ) from None
            except NetworkError as exc:
                if exc.status in (404, 410):  # the session expired (a week) or was cancelled
                    self.uploads.forget(post.key)
                    raise TransientError(
                        _(
                            "{where}: YouTube no longer knows this upload session ({status}); "
                            "it starts again from the beginning."
                        ).format(where=self._where, status=exc.status),
                        status=exc.status,
                    ) from None
                raise
            if status is not None:
                state.offset = int(status.resumable_progress)
                self.uploads.save(state)
                if progress is not None:
                    progress(state.offset, state.size)
        return self._completed(state, spec, response, roots)

    def _insert_request(self, post: OutgoingPost, spec: VideoSpec) -> Any:
        from googleapiclient.http import MediaIoBaseUpload  # type: ignore[import-untyped]

        assert spec.file is not None
        media = MediaIoBaseUpload(
            MediaRoots.of(post, self.context).open(spec.file),
            mimetype=spec.mimetype,
            chunksize=self.settings.chunk_size,
            resumable=True,
        )
        return (
            self._service()
            .videos()
            .insert(
                part="snippet,status",
                body=self.video_body(post, spec),
                media_body=media,
                notifySubscribers=self.settings.notify_subscribers,
            )
        )

    def video_body(self, post: OutgoingPost, spec: VideoSpec) -> dict[str, Any]:
        """The video resource sent with the upload."""
        snippet: dict[str, Any] = {
            "title": spec.title.strip(),
            "description": post.text,
            "categoryId": spec.category_id,
        }
        if spec.tags:
            snippet["tags"] = list(spec.tags)
        status: dict[str, Any] = {"selfDeclaredMadeForKids": spec.made_for_kids}
        if self.settings.privacy_after_publish == "unlisted":
            status["privacyStatus"] = "unlisted"
        elif post.due_at - self.context.clock() > MIN_LEAD:
            status["privacyStatus"] = "private"
            status["publishAt"] = rfc3339(post.due_at)
        else:  # the time has come (a late post): YouTube cannot schedule in the past
            status["privacyStatus"] = "public"
        return {"snippet": snippet, "status": status}

    def _start(self, post: OutgoingPost, spec: VideoSpec, request: Any, http: Any) -> UploadState:
        """Open a resumable session and save its URI before any byte of the video goes out."""
        assert spec.file is not None
        self._check_budget(spec)
        state = UploadState.fresh(post.key, spec.file)
        headers = dict(request.headers)
        headers["X-Upload-Content-Type"] = spec.mimetype
        headers["X-Upload-Content-Length"] = str(state.size)
        headers["content-length"] = str(request.body_size)
        self.quota.spend(self.context.clock(), "videos.insert", units=self.settings.upload_units, uploads=1)
        resp, content = self._guard(
            lambda: http.request(request.uri, method=request.method, body=request.body, headers=headers)
        )
        location = resp.get("location") if int(resp.status) == 200 else None
        if not location:
            if int(resp.status) >= 400:
                raise self._error(_HttpErrorLike(resp, content))
            raise TransientError(
                _("{where}: YouTube did not open an upload session ({status}).").format(
                    where=self._where, status=resp.status
                )
            )
        state.session_uri = str(location)
        state.started_at = iso_utc(self.context.clock())
        self.uploads.save(state)
        log.info("%s: upload of %s (%s) started", self._log_where, spec.file.name, _size(state.size))
        return state

    def _resume(self, state: UploadState, request: Any, http: Any) -> Any | None:
        """Ask YouTube how much of the upload it has; the video resource when it has all of it."""
        assert state.session_uri is not None
        uri = state.session_uri
        resp, content = self._guard(
            lambda: http.request(
                uri, method="PUT", body=b"", headers={"Content-Range": f"bytes */{state.size}", "Content-Length": "0"}
            )
        )
        status = int(resp.status)
        if status in (200, 201):
            return request.postproc(resp, content)
        if status == 308:
            received = resp.get("range")
            state.offset = int(str(received).rsplit("-", 1)[1]) + 1 if received else 0
            self.uploads.save(state)
            log.info("%s: resuming the upload at %s of %s", self._log_where, _size(state.offset), _size(state.size))
            return None
        if status in (404, 410):
            log.info("%s: the upload session expired; starting again", self._log_where)
            state.session_uri, state.offset = None, 0
            self.uploads.save(state)
            return None
        raise self._error(_HttpErrorLike(resp, content), sending=True)

    def _check_budget(self, spec: VideoSpec) -> None:
        now = self.context.clock()
        today = self.quota.today(now)
        extra = (COSTS["thumbnails.set"] if spec.thumbnail else 0) + (
            COSTS["playlistItems.insert"] if spec.playlist else 0
        )
        need = self.settings.upload_units + extra
        reset = next_reset(now)
        if today.uploads >= self.settings.daily_uploads:
            raise RateLimited(
                _(
                    "{where}: {uploads} uploads today already; the project's quota allows "
                    "{limit} a day (it resets at midnight Pacific time, {time})."
                ).format(
                    where=self._where, uploads=today.uploads, limit=self.settings.daily_uploads, time=iso_utc(reset)
                ),
                hint=_(
                    "The upload waits until then. Ask Google for more quota, or raise daily_uploads if you have it."
                ),
                retry_at=reset,
            )
        if today.units + need > self.settings.daily_quota:
            raise RateLimited(
                _(
                    "{where}: this upload needs about {need} quota units and only "
                    "{left} of {quota} are left today (the quota resets at midnight Pacific time, {time})."
                ).format(
                    where=self._where,
                    need=formats.integer(need),
                    left=formats.integer(max(self.settings.daily_quota - today.units, 0)),
                    quota=formats.integer(self.settings.daily_quota),
                    time=iso_utc(reset),
                ),
                hint=_("The upload waits until then. Ask Google for more quota, or set daily_quota if you have it."),
                retry_at=reset,
            )

    def _completed(self, state: UploadState, spec: VideoSpec, video: Any, roots: MediaRoots) -> Published:
        video_id = str(video.get("id") or "") if isinstance(video, dict) else ""
        if not video_id:
            raise TransientError(
                _("{where}: YouTube took the upload but did not say the video's id.").format(where=self._where)
            )
        status = video.get("status") if isinstance(video.get("status"), dict) else {}
        state.video_id, state.done, state.offset = video_id, True, state.size
        state.upload_status = str(status.get("uploadStatus") or "") or None
        self.uploads.save(state)
        log.info("%s: uploaded video %s", self._log_where, video_id)
        _raise_if_failed(status, self._where, video_id)
        self._finish(state, spec, roots)
        return Published(video_id, watch_url(video_id))

    def _finish(self, state: UploadState, spec: VideoSpec, roots: MediaRoots) -> None:
        """The thumbnail and the playlist, each once. A refusal is logged and remembered (the video
        itself is fine and YouTube publishes it); a transient failure is raised to be tried again."""
        from googleapiclient.http import MediaIoBaseUpload

        assert state.video_id is not None
        video_id = state.video_id
        if spec.thumbnail is not None and state.thumbnail is None:
            thumb = spec.thumbnail
            mimetype = "image/png" if thumb.suffix.lower() == ".png" else "image/jpeg"
            try:
                self._execute(
                    "thumbnails.set",
                    self._service()
                    .thumbnails()
                    .set(videoId=video_id, media_body=MediaIoBaseUpload(roots.open(thumb), mimetype=mimetype)),
                )
                state.thumbnail = "done"
            except PermanentError as exc:
                state.thumbnail = f"not set: {exc}"
                log.warning("%s: the thumbnail of video %s was not set: %s", self._log_where, video_id, exc)
            self.uploads.save(state)
        if spec.playlist and state.playlist is None:
            body = {
                "snippet": {"playlistId": spec.playlist, "resourceId": {"kind": "youtube#video", "videoId": video_id}}
            }
            try:
                self._execute("playlistItems.insert", self._service().playlistItems().insert(part="snippet", body=body))
                state.playlist = "done"
            except PermanentError as exc:
                state.playlist = f"not added: {exc}"
                log.warning(
                    "%s: video %s was not added to playlist %s: %s", self._log_where, video_id, spec.playlist, exc
                )
            self.uploads.save(state)

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        """The state file knows: a finished upload is Published; anything else resumes when the
        daemon publishes again (the adapter is idempotent)."""
        state = self.uploads.load(post.key)
        if state is not None and state.done and state.video_id:
            return Published(state.video_id, watch_url(state.video_id))
        return None

    # --- after publishing -----------------------------------------------------------------------

    def confirm(self, remote_id: str) -> bool | NotPublic | None:
        return self.confirm_published(remote_id)

    def confirm_published(self, video_id: str) -> bool | NotPublic:
        """True when the video is out as planned (public, which YouTube does at publishAt; or
        unlisted with ``privacy_after_publish: unlisted``); otherwise :class:`NotPublic` with what
        ``status`` says is the likely reason. ContentRejected when YouTube's processing failed or
        rejected it."""
        data = self._execute("videos.list", self._service().videos().list(part="status", id=video_id))
        items = data.get("items") if isinstance(data, dict) else None
        if not items:
            raise PermanentError(
                _("{where}: video {id} is not on YouTube (deleted, or not on this channel).").format(
                    where=self._where, id=video_id
                ),
                hint=_("Check the channel in YouTube Studio."),
            )
        status = items[0].get("status") or {}
        _raise_if_failed(status, self._where, video_id)
        privacy = status.get("privacyStatus")
        if privacy == "public" or (privacy == "unlisted" and self.settings.privacy_after_publish == "unlisted"):
            return True
        return NotPublic(self._not_public_reason(video_id, status))

    def _not_public_reason(self, video_id: str, status: dict[str, Any]) -> str:
        """Why a video is not public, from what videos.list says (``uploadStatus``,
        ``privacyStatus``, ``publishAt``) and what the user said about the project's audit. The API
        has no field for a video YouTube locked private: a processed video that is still private
        after its publish time is what a lock looks like."""
        names = {"where": self._where, "id": video_id}
        publish_at = _when(status.get("publishAt"))
        if status.get("uploadStatus") == "uploaded":
            return _(
                "{where}: YouTube has not finished processing video {id}; it goes public when processing ends. "
                "If it stays in processing for hours, upload it again in YouTube Studio."
            ).format(**names)
        if publish_at is not None and publish_at > self.context.clock():
            return _(
                "{where}: video {id} is now scheduled for {time}: its publish time was changed in YouTube Studio."
            ).format(time=iso_utc(publish_at), **names)
        if status.get("privacyStatus") == "unlisted":
            return _("{where}: video {id} is unlisted: its visibility was changed in YouTube Studio.").format(**names)
        if self.settings.audited is not True:
            return _(
                "{where}: video {id} is still private after its publish time. The most likely cause: the Google "
                "Cloud project this account uses has not passed YouTube's API audit, and YouTube keeps every "
                "video uploaded through such a project private ('locked as private'). Request the audit at "
                "{form}; until it passes, upload videos that must go public in YouTube Studio (a locked video "
                "cannot be made public), and once it has passed set audited: true for this account."
            ).format(form=AUDIT_FORM, **names)
        return _(
            "{where}: video {id} is still private after its publish time although the project passed YouTube's "
            "audit: YouTube may have locked it (a policy or copyright review), or its visibility was changed. "
            "Look at its 'Visibility' and 'Restrictions' in YouTube Studio."
        ).format(**names)

    def caveats(self) -> list[Caveat]:
        """An audit that is not known to have passed: every upload may stay private."""
        if self.settings.audited is True:
            return []
        if self.settings.audited is False:
            message = _(
                "{where}: the Google Cloud project has not passed YouTube's API audit, so YouTube keeps every "
                "video socialpost uploads private, and no video goes public at its time."
            )
        else:
            message = _(
                "{where}: nobody has said whether the Google Cloud project passed YouTube's API audit "
                "(audited: unknown). YouTube keeps every video uploaded through a project created after "
                "28 July 2020 that has not passed it private, and such videos never go public at their time."
            )
        fix = _(
            "Request the audit at {form}; until it passes, test with videos you keep private and publish in "
            "YouTube Studio what must go out. Once the audit has passed, set audited: true under "
            "accounts.youtube.{name} in your config file."
        )
        return [Caveat(message.format(where=self._where), fix.format(form=AUDIT_FORM, name=self._name))]

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        ids = list(dict.fromkeys(i for i in remote_ids if i))
        found: dict[str, dict[str, int | None]] = {}
        for start in range(0, len(ids), STATS_BATCH):
            batch = ids[start : start + STATS_BATCH]
            data = self._execute(
                "videos.list",
                # maxResults is "not supported for use in conjunction with the id parameter"
                self._service().videos().list(part="statistics", id=",".join(batch)),
            )
            for item in data.get("items", []) if isinstance(data, dict) else []:
                stats = item.get("statistics") or {}
                found[str(item.get("id"))] = {
                    "views": _count(stats.get("viewCount")),
                    "likes": _count(stats.get("likeCount")),  # hidden when the owner hides likes
                    "replies": _count(stats.get("commentCount")),  # absent when comments are off
                    "reposts": None,
                    "quotes": None,
                    "bookmarks": None,
                    "clicks": None,
                }
        return found

    def fetch_comments(self, video_id: str, *, max_pages: int = COMMENT_PAGES) -> list[Comment]:
        """The newest comment threads on ``video_id`` (their top-level comments)."""
        comments: list[Comment] = []
        token: str | None = None
        for _page in range(max_pages):
            params: dict[str, Any] = {
                "part": "snippet",
                "videoId": video_id,
                "maxResults": 100,
                "order": "time",
                "textFormat": "plainText",
            }
            if token:
                params["pageToken"] = token
            data = self._execute("commentThreads.list", self._service().commentThreads().list(**params))
            for thread in data.get("items", []) if isinstance(data, dict) else []:
                outer = thread.get("snippet") or {}
                top = outer.get("topLevelComment") or {}
                snippet = top.get("snippet") or {}
                author_channel = snippet.get("authorChannelId")
                comments.append(
                    Comment(
                        id=str(top.get("id") or thread.get("id")),
                        thread_id=str(thread.get("id")),
                        video_id=str(outer.get("videoId") or video_id),
                        author=str(snippet.get("authorDisplayName") or ""),
                        author_channel_id=str(author_channel.get("value"))
                        if isinstance(author_channel, dict)
                        else None,
                        text=str(snippet.get("textDisplay") or snippet.get("textOriginal") or ""),
                        published_at=_when(snippet.get("publishedAt")),
                        like_count=_count(snippet.get("likeCount")),
                        reply_count=_count(outer.get("totalReplyCount")),
                    )
                )
            token = data.get("nextPageToken") if isinstance(data, dict) else None
            if not token:
                break
        return comments

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """The top-level comments on each video (:meth:`fetch_comments`), as inbox replies. Answers
        inside a comment's thread are not read (each would cost quota): a comment counts as
        answered once it is answered with ``socialpost reply``."""
        replies: list[Reply] = []
        for video_id in remote_ids:
            try:
                comments = self.fetch_comments(video_id)
            except PermanentError as exc:
                if exc.status in (403, 404):  # comments disabled, or the video is gone
                    log.info("%s: no comments for %s (%s)", self.account, video_id, exc.message)
                    continue
                raise
            replies.extend(
                Reply(
                    remote_id=comment.id,
                    in_reply_to=comment.video_id,
                    post_remote_id=video_id,
                    author=comment.author_channel_id or comment.author,
                    author_name=comment.author,
                    text=comment.text,
                    created_at=comment.published_at,
                    url=comment.url,
                    own=comment.author_channel_id == self.settings.channel_id,
                )
                for comment in comments
            )
        return replies

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer a comment; the reply's id (and its URL when YouTube says the video)."""
        comment_id = in_reply_to
        if not text.strip():
            raise ContentRejected(
                _("{where}: the reply is empty.").format(where=self._where), hint=_("Write something.")
            )
        if len(text) > MAX_COMMENT:
            raise ContentRejected(
                _("{where}: the reply is {length} characters; YouTube takes at most {limit}.").format(
                    where=self._where, length=formats.integer(len(text)), limit=formats.integer(MAX_COMMENT)
                ),
                hint=_("Shorten it."),
            )
        body = {"snippet": {"parentId": comment_id, "textOriginal": text}}
        data = self._execute(
            "comments.insert", self._service().comments().insert(part="snippet", body=body), sending=True
        )
        reply_id = str(data.get("id") or "") if isinstance(data, dict) else ""
        if not reply_id:
            raise TransientError(
                _("{where}: YouTube took the reply but did not say its id.").format(where=self._where),
                request_sent=True,
            )
        video = (data.get("snippet") or {}).get("videoId")
        return Published(reply_id, f"{watch_url(str(video))}&lc={reply_id}" if video else None)

    # --- account --------------------------------------------------------------------------------

    def api_origin(self) -> str | None:
        return origin_of(self.settings.base_url)

    def health(self) -> AccountHealth:
        data = self._execute(
            "channels.list", self._service().channels().list(part="snippet", id=self.settings.channel_id)
        )
        items = data.get("items") if isinstance(data, dict) else None
        if not items:
            raise AuthError(
                _("{where}: channel {channel} is not visible to this sign-in.").format(
                    where=self._where, channel=self.settings.channel_id
                ),
                hint=_("Reconnect and choose the channel again: {command}.").format(command=self._reconnect),
            )
        title = str((items[0].get("snippet") or {}).get("title") or self.settings.channel_id)
        now = self.context.clock()
        today = self.quota.today(now)
        return AccountHealth(
            self.account,
            f"{title} (https://www.youtube.com/channel/{self.settings.channel_id})",
            # The keys are also the JSON of `accounts test --json`: marked (N_), never translated here.
            {
                N_("quota left today (estimate)"): _(
                    "{units_left} of {units} units; {uploads_left} of {uploads} uploads"
                ).format(
                    units_left=formats.integer(max(self.settings.daily_quota - today.units, 0)),
                    units=formats.integer(self.settings.daily_quota),
                    uploads_left=max(self.settings.daily_uploads - today.uploads, 0),
                    uploads=self.settings.daily_uploads,
                ),
                N_("quota resets"): _("{time} (midnight Pacific time)").format(time=iso_utc(next_reset(now))),
                N_("uploads ahead"): format_duration(self.settings.upload_ahead),
                N_("project audit"): _audit_text(self.settings.audited),
            },
        )

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        from google_auth_oauthlib.flow import InstalledAppFlow  # type: ignore[import-untyped]

        name = account.partition(":")[2]
        where = _("YouTube set-up for '{name}'").format(name=name)
        ui.say(
            _(
                "socialpost uploads to YouTube through an OAuth client of your own Google Cloud project. Once: "
                "at https://console.cloud.google.com create a project, enable the 'YouTube Data API v3', set up the "
                "OAuth consent screen (add yourself as a test user, or publish the app: tokens of apps in 'Testing' "
                "expire after 7 days), then under Credentials create an 'OAuth client ID' of type 'Desktop app'. "
                "Copy its Client ID and Client secret here. Both, and the refresh token, go to secrets.yaml."
            )
        )
        audited = _ask_audit(ui)
        client_id = ui.ask(_("Client ID")).strip()
        client_secret = ui.ask_secret(_("Client secret")).strip()
        hidden = [client_secret]
        config = {
            "installed": {
                "client_id": client_id,
                "client_secret": client_secret,
                "auth_uri": AUTH_URL,
                "token_uri": TOKEN_URL,
                "redirect_uris": ["http://127.0.0.1"],
            }
        }

        class Flow(InstalledAppFlow):  # type: ignore[misc]
            def authorization_url(self, **kwargs: Any) -> tuple[str, str]:
                url, state = super().authorization_url(**kwargs)
                ui.say(_("Sign in with the Google account that owns the channel and allow access."))
                ui.open_url(url)
                return str(url), str(state)

        flow = Flow.from_client_config(config, scopes=list(SCOPES))
        creds = _run_flow(flow, where, hidden)
        refresh_token = str(getattr(creds, "refresh_token", "") or "")
        if not refresh_token:
            raise AuthError(
                _("{where}: Google gave no refresh token.").format(where=where),
                hint=_(
                    "Remove socialpost's access at https://myaccount.google.com/permissions, then run "
                    "'socialpost accounts add youtube {name}' again."
                ).format(name=name),
            )
        hidden += [refresh_token, str(creds.token or "")]
        import google_auth_httplib2

        http = google_auth_httplib2.AuthorizedHttp(creds, http=_raw_http(cls, 60.0))
        try:
            data = _build(http, API_URL).channels().list(part="snippet", mine=True, maxResults=50).execute()
        except Exception as exc:  # noqa: BLE001 - mapped (and redacted) below
            raise AuthError(
                _("{where}: YouTube did not list your channels ({error}).").format(
                    where=where, error=redact_values(_kind(exc), hidden)
                ),
                hint=_(
                    "Check that the YouTube Data API v3 is enabled in the project, then run "
                    "'socialpost accounts add youtube {name}' again."
                ).format(name=name),
            ) from None
        channels = [
            (str(item["id"]), str((item.get("snippet") or {}).get("title") or item["id"]))
            for item in (data.get("items") or [])
            if isinstance(item, dict) and item.get("id")
        ]
        if not channels:
            raise AuthError(
                _("{where}: this Google account has no YouTube channel.").format(where=where),
                hint=_(
                    "Create the channel on youtube.com first (or sign in with the account that has it), then "
                    "run 'socialpost accounts add youtube {name}' again."
                ).format(name=name),
            )
        options = [(cid, f"{title} ({cid})") for cid, title in channels]
        channel_id = channels[0][0] if len(channels) == 1 else ui.choose(_("Upload to which channel"), options)
        title = dict(channels)[channel_id]
        return AccountSetup(
            settings={"client_id": client_id, "channel_id": channel_id, "channel_title": title, "audited": audited},
            secrets={"client_secret": client_secret, "refresh_token": refresh_token},
        )

    def close(self) -> None:
        with self._lock:
            self._credentials = None


# --- helpers --------------------------------------------------------------------------------------


def _ask_audit(ui: SetupUI) -> bool | str:
    """Explain YouTube's API audit and ask whether the project passed it (the ``audited`` setting)."""
    ui.say(
        _(
            "Before you schedule videos: YouTube keeps every video uploaded through the API from a project "
            "created after 28 July 2020 private ('locked as private') until the project passes YouTube's API "
            "audit, and such a video never goes public at its time. Request the audit with the form at {form} "
            "(Google asks what the app does and how it follows YouTube's terms, and answers in days or weeks). "
            "Until it passes, uploads arrive as private videos you can see in YouTube Studio: test with those, "
            "and upload in YouTube Studio what must go public on time."
        ).format(form=AUDIT_FORM)
    )
    answer = ui.choose(
        _("Has this project passed YouTube's API audit"),
        [
            ("unknown", _("I do not know")),
            ("no", _("No, or not yet")),
            ("yes", _("Yes, Google approved it")),
        ],
    )
    return {"yes": True, "no": False}.get(answer, "unknown")


def _audit_text(audited: bool | str) -> str:
    if audited is True:
        return _("passed")
    if audited is False:
        return _("not passed: YouTube keeps every upload private")
    return _("not confirmed: uploads stay private unless the project passed it (set audited: true once it has)")


def watch_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def rfc3339(instant: datetime) -> str:
    """UTC, RFC 3339 with ``Z`` and no fraction (what ``publishAt`` takes)."""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _kind(exc: BaseException) -> str:
    return exc.__class__.__name__


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return _("{size} MiB").format(size=decimal_mark(f"{count / 1024 / 1024:.1f}"))
    if count >= 1024:
        return _("{size} KiB").format(size=f"{count / 1024:.0f}")
    return ngettext("{count} byte", "{count} bytes", count).format(count=count)


def _count(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _raw_http(cls: type[YouTubeNetwork], timeout: float) -> Any:
    if cls.http_factory is not None:
        return cls.http_factory(timeout)
    import httplib2

    return httplib2.Http(timeout=timeout)


def _build(http: Any, base_url: str) -> Any:
    from googleapiclient.discovery import build  # type: ignore[import-untyped]

    options = None if base_url.rstrip("/") == API_URL.rstrip("/") else {"api_endpoint": base_url.rstrip("/") + "/"}
    return build("youtube", "v3", http=http, static_discovery=True, cache_discovery=False, client_options=options)


def _run_flow(flow: Any, where: str, hidden: list[str]) -> Any:
    from google_auth_oauthlib.flow import WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]
    from requests import RequestException

    try:
        return flow.run_local_server(
            host="127.0.0.1",
            port=0,
            open_browser=False,
            authorization_prompt_message="",
            success_message=_(
                "socialpost is connected to YouTube. You can close this tab and go back to the terminal."
            ),
            timeout_seconds=LOGIN_TIMEOUT,
            access_type="offline",
            prompt="consent",
        )
    except WSGITimeoutError:
        raise AuthError(
            _("{where}: no answer from the browser within {seconds} s.").format(where=where, seconds=LOGIN_TIMEOUT),
            hint=_("Run the command again and open the address in a browser on this computer."),
        ) from None
    except OAuth2Error as exc:
        said = redact_values(" ".join(f"{exc.error}: {exc.description or ''}".split()), hidden)
        raise AuthError(
            _("{where}: Google did not grant access ({message}).").format(where=where, message=said[:EXCERPT]),
            hint=_("Check the Client ID and secret (an OAuth client of type 'Desktop app'), then try again."),
        ) from None
    except RequestException as exc:
        raise TransientError(
            _("{where}: cannot reach Google ({error}).").format(where=where, error=_kind(exc))
        ) from None


class _HttpErrorLike:
    """What :func:`YouTubeNetwork._error` reads from an HttpError, for answers we got by hand."""

    def __init__(self, resp: Any, content: bytes) -> None:
        self.resp = resp
        self.content = content


def _raise_if_failed(status: dict[str, Any], where: str, video_id: str) -> None:
    upload = status.get("uploadStatus")
    if upload == "rejected":
        reason = _reason(status.get("rejectionReason"), REJECTIONS)
        raise ContentRejected(
            _("{where}: YouTube rejected video {id} ({reason}).").format(where=where, id=video_id, reason=reason),
            hint=_("See the video in YouTube Studio for details."),
        )
    if upload == "failed":
        reason = _reason(status.get("failureReason"), FAILURES)
        raise ContentRejected(
            _("{where}: YouTube could not process video {id} ({reason}).").format(
                where=where, id=video_id, reason=reason
            ),
            hint=_("Check the file plays, re-export it (H.264 MP4 is safest) and schedule it again."),
        )


def _reason(code: Any, known: dict[str, str]) -> str:
    """YouTube's reason code in plain words (the code itself when we do not know it)."""
    if not code:
        return _("unknown")
    return _(known[str(code)]) if str(code) in known else str(code)


REJECTIONS = {
    "claim": N_("a copyright claim"),
    "copyright": N_("copyright infringement"),
    "duplicate": N_("it duplicates a video already on the channel"),
    "inappropriate": N_("inappropriate content"),
    "legal": N_("a legal reason"),
    "length": N_("it is too long"),
    "termsOfUse": N_("a Terms of Service violation"),
    "trademark": N_("trademark infringement"),
    "uploaderAccountClosed": N_("the channel is closed"),
    "uploaderAccountSuspended": N_("the channel is suspended"),
}
FAILURES = {
    "codec": N_("an unsupported codec"),
    "conversion": N_("the file could not be converted"),
    "emptyFile": N_("the file is empty"),
    "invalidFile": N_("the file is not a valid video"),
    "tooSmall": N_("the file is too small"),
    "uploadAborted": N_("the upload was aborted"),
}


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
