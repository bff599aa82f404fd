"""Checking, publishing and reconciling a post (and its thread)."""

from __future__ import annotations

import html
import logging
import mimetypes
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from socialpost.errors import ContentRejected, PermanentError, TransientError
from socialpost.i18n import _, ngettext
from socialpost.media import MediaRoots
from socialpost.networks.base import Media, NotSent, OutgoingPost, Published
from socialpost.networks.mastodon.client import _status_url
from socialpost.networks.mastodon.limits import MastodonLimits, _megabytes
from socialpost.networks.mastodon.media import MediaPart, _sniff
from socialpost.networks.mastodon.settings import _LANGUAGE
from socialpost.text.count import graphemes, mastodon_length
from socialpost.timeutil import ensure_aware, iso_utc

log = logging.getLogger("socialpost.networks.mastodon")

# Mastodon keeps an Idempotency-Key for up to an hour; stay well inside that before re-sending.
KEY_LIFETIME = timedelta(minutes=50)
RECONCILE_PAGES = 5  # x 40 statuses: how far back reconciliation reads the account
RECONCILE_SOURCES = 10  # at most this many /source look-ups per reconciliation
RECONCILE_SKEW = timedelta(minutes=2)  # created_at may be a little before due_at (clock skew)
_REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w")


class PublishPart(MediaPart):
    """Statuses: checked against the instance's limits, posted with an Idempotency-Key, found again."""

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


def _html_text(content: str) -> str:
    """A status's HTML ``content`` as plain text (links, mentions and tags keep their text)."""
    text = re.sub(r"<br\s*/?>", "\n", content, flags=re.IGNORECASE)
    text = re.sub(r"</p>\s*<p[^>]*>", "\n\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text)


def _normalise(text: str) -> str:
    return " ".join(text.split())
