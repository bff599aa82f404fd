"""Publishing a YouTube post: its video uploaded (or resumed, or found) through a resumable session,
then its thumbnail and playlist, each once; reconcile reads the upload's state file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from socialpost.errors import ContentRejected, NetworkError, PermanentError, RateLimited, TransientError
from socialpost.i18n import N_, _, formats, ngettext
from socialpost.media import MediaRoots
from socialpost.networks.base import NotSent, OutgoingPost, Published, decimal_mark
from socialpost.networks.youtube.client import ProgressCallback, YouTubeClient, _HttpErrorLike, log
from socialpost.networks.youtube.media import VideoSpec, check_video, video_spec
from socialpost.networks.youtube.state import COSTS, UploadState, next_reset
from socialpost.timeutil import iso_utc

MIN_LEAD = timedelta(minutes=1)  # publishAt closer than this is treated as "now"


class Uploads(YouTubeClient):
    """Publishing: the resumable upload of a post's video, its thumbnail and playlist, and what
    the state file says when the outcome was not seen."""

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


def watch_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def rfc3339(instant: datetime) -> str:
    """UTC, RFC 3339 with ``Z`` and no fraction (what ``publishAt`` takes)."""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return _("{size} MiB").format(size=decimal_mark(f"{count / 1024 / 1024:.1f}"))
    if count >= 1024:
        return _("{size} KiB").format(size=f"{count / 1024:.0f}")
    return ngettext("{count} byte", "{count} bytes", count).format(count=count)


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
