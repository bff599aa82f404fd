"""Publishing to a Telegram channel: a text (``sendMessage``), one photo or video with its caption
(``sendPhoto``/``sendVideo``) or an album of 2–10 (``sendMediaGroup``, the caption on the first);
each thread part is a message replying to the previous one (``reply_parameters``).

Telegram keeps no idempotency key and a bot cannot list a channel's messages: the adapter is no
Reconciler (after an answer nobody saw, the outcome is unknown; the user checks the channel).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from socialpost.errors import ContentRejected, NetworkError, PermanentError
from socialpost.i18n import _
from socialpost.i18n.formats import integer
from socialpost.media import MediaRoots
from socialpost.networks.base import OutgoingPost, Published
from socialpost.networks.telegram.client import Files, TelegramClient
from socialpost.networks.telegram.limits import ALBUM_MAX, CAPTION_LIMIT, utf16_length

VIDEO_SUFFIXES = {".mp4": "video/mp4", ".mov": "video/quicktime"}
IMAGE_SUFFIXES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def message_url(chat: dict[str, Any], message_id: int) -> str | None:
    """The message's t.me link: public channels by username, private ones by their id."""
    if chat.get("username"):
        return f"https://t.me/{chat['username']}/{message_id}"
    chat_id = str(chat.get("id", ""))
    if chat_id.startswith("-100"):
        return f"https://t.me/c/{chat_id[4:]}/{message_id}"
    return None


class TelegramPublisher(TelegramClient):
    """Publishing: the first message (text or media), then each thread part as a reply."""

    def _common(self) -> dict[str, Any]:
        return {"chat_id": self.settings.chat, "disable_notification": self.settings.silent}

    def _text(self, text: str, reply_to: int | None = None) -> dict[str, Any]:
        fields: dict[str, Any] = {
            **self._common(),
            "text": text,
            "link_preview_options": {"is_disabled": not self.settings.link_previews},
        }
        if reply_to is not None:
            fields["reply_parameters"] = {"message_id": reply_to}
        return fields

    def publish(self, post: OutgoingPost) -> Published:
        first = self._first(post)
        message_id = int(first["message_id"])
        url = message_url(first.get("chat") or {}, message_id)
        previous = message_id
        for number, part in enumerate(post.thread, start=2):
            try:
                previous = int(self._call("sendMessage", self._text(part, previous))["message_id"])
            except NetworkError as exc:  # the start is out: sending it again would post it twice
                raise PermanentError(
                    _(
                        "{where}: part {number} of the thread failed; the parts before it are published at {url}."
                    ).format(where=self.where, number=number, url=url or message_id)
                    + " "
                    + exc.message,
                    hint=_("Post the rest of the thread by hand as replies in the channel."),
                    status=exc.status,
                ) from None
        return Published(remote_id=str(message_id), url=url)

    def _first(self, post: OutgoingPost) -> dict[str, Any]:
        if not post.media:
            return dict(self._call("sendMessage", self._text(post.text)))
        if len(post.media) > ALBUM_MAX:
            raise ContentRejected(
                _("{where}: {count} media files; a Telegram album takes at most {limit}.").format(
                    where=self.where, count=integer(len(post.media)), limit=integer(ALBUM_MAX)
                ),
                hint=_("Keep 10 files at most, or split the post."),
            )
        if utf16_length(post.text) > CAPTION_LIMIT:
            raise ContentRejected(
                _("{where}: a caption takes at most {limit} characters; this one has {length}.").format(
                    where=self.where, limit=integer(CAPTION_LIMIT), length=integer(utf16_length(post.text))
                ),
                hint=_("Shorten the text, or move the rest to a thread part."),
            )
        roots = MediaRoots.checked(post, self.context)
        files: Files = []
        kinds: list[str] = []
        for number, media in enumerate(post.media):
            name = PurePath(media.file).name
            suffix = PurePath(name).suffix.lower()
            kind = "video" if suffix in VIDEO_SUFFIXES else "photo"
            mime = VIDEO_SUFFIXES.get(suffix) or IMAGE_SUFFIXES.get(suffix, "application/octet-stream")
            files.append((f"file{number}", (name, roots.read(media.file), mime)))
            kinds.append(kind)
        if len(files) == 1:
            kind = kinds[0]
            _field, (name, data, mime) = files[0]
            fields = {**self._common(), "caption": post.text}
            result = self._call("sendVideo" if kind == "video" else "sendPhoto", fields, [(kind, (name, data, mime))])
            return dict(result)
        album: list[dict[str, Any]] = [
            {"type": kind, "media": f"attach://{field}"} for kind, (field, _file) in zip(kinds, files, strict=True)
        ]
        if post.text:
            album[0]["caption"] = post.text
        messages = self._call("sendMediaGroup", {**self._common(), "media": album}, files)
        return dict(messages[0])
