"""Uploading a post's media and waiting for the instance to process them (see
:mod:`socialpost.networks.mastodon.state` for the uploads remembered between attempts)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from socialpost.errors import ContentRejected, TransientError
from socialpost.i18n import _
from socialpost.media import MediaRoots
from socialpost.networks.base import Media, OutgoingPost
from socialpost.networks.mastodon.client import _api_error
from socialpost.networks.mastodon.limits import LimitsPart
from socialpost.networks.mastodon.state import FileIdentity, Upload, media_kind
from socialpost.timeutil import human_duration

log = logging.getLogger("socialpost.networks.mastodon")

# How long one attempt waits for the instance to process the post's uploads, counted from its
# start. It ends well within the daemon's lease (120 s by default), so no other daemon takes the
# post over meanwhile; a longer processing goes on at the next attempt, on the same attachments
# (socialpost.networks.mastodon.state), until MEDIA_DEADLINE (10 min for images, 2 h for videos).
MEDIA_WAIT_SECONDS = 60.0
MEDIA_POLL_SECONDS = 1.0  # the first look; each next one waits twice as long, up to:
MEDIA_POLL_MAX_SECONDS = 5.0


class MediaPart(LimitsPart):
    """The post's attachments, uploaded once and waited for."""

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
