"""A strict fake of Telegram's Bot API on a loopback socket (tests/support/http.py's LocalServer).

What it enforces, as api.telegram.org does (core.telegram.org/bots/api):

* every call is ``/bot<token>/<method>``; another token → 401
  ``{"ok":false,"error_code":401,"description":"Unauthorized"}``;
* parameters as JSON, form fields or multipart (uploads: ``attach://<name>`` names a part);
* ``chat_id`` must be a chat the server knows (by @username or id) → else 400 ``Bad Request: chat
  not found``; the bot must be in the channel (403 ``Forbidden: bot is not a member of the channel
  chat``) as an administrator with ``can_post_messages`` (400 ``Bad Request: not enough rights to
  send text messages to the chat``);
* lengths in UTF-16 code units: a text of 1–4,096 (400 ``Bad Request: message is too long``, an
  empty one ``Bad Request: message text is empty``), a caption of at most 1,024 (400 ``Bad Request:
  message caption is too long``); an album of 2–10 media (400 ``Bad Request: too many messages to
  send as an album`` over 10; under 2 the server's ``Bad Request: wrong number of media``: an
  approximation of an error Telegram words variously); each ``attach://`` must name a sent part;
* ``reply_parameters.message_id`` must be a message of that chat (400 ``Bad Request: message to be
  replied not found``);
* flood control: :meth:`TelegramBotServer.flood` makes the next send a 429 ``Too Many Requests:
  retry after N`` with ``parameters.retry_after``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from tests.support.http import LocalServer, Reply, Request

TOKEN = "7301234567:AAH-fakeBotTokenForTests_0123456789ab"
BOT_ID = 7301234567
SENDS = {"sendMessage", "sendPhoto", "sendVideo", "sendMediaGroup"}


@dataclass
class Channel:
    id: int
    username: str | None
    title: str
    member: bool = True  # the bot is in the channel (as an administrator)
    members_hidden: bool = False  # getChatMember refused: "member list is inaccessible"
    can_post: bool = True
    messages: list[dict[str, Any]] = field(default_factory=list)


def _error(code: int, description: str, **parameters: Any) -> Reply:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(code, body)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _parse(request: Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The call's parameters and uploaded parts, whatever way they came."""
    kind = {k.lower(): v for k, v in request.headers.items()}.get("content-type", "")
    if kind.startswith("application/json"):
        return (json.loads(request.body) if request.body else {}), {}
    if kind.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + kind.encode() + b"\r\n\r\n" + request.body)
        fields: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            raw = part.get_payload(decode=True)
            payload = raw if isinstance(raw, bytes) else b""
            if part.get_filename() is not None:
                files[str(name)] = payload
            else:
                fields[str(name)] = _value(payload.decode())
        return fields, files
    return {k: _value(v) for k, v in parse_qsl(request.body.decode())}, {}


def _value(text: str) -> Any:
    """A form field as the Bot API reads it: JSON when it is JSON, else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


class TelegramBotServer:
    """The Bot API for one bot, with channels; use as a context manager."""

    def __init__(self) -> None:
        self.token = TOKEN
        self.server = LocalServer()
        self.channels = [Channel(-1001234567890, "socialpost_news", "socialpost news")]
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._flood: list[tuple[int, int]] = []  # (sends to let through first, retry_after)
        self._next = 100
        self._lock = threading.Lock()

    def __enter__(self) -> TelegramBotServer:
        self.server.__enter__()
        self.server.respond(self.answer)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def channel(self) -> Channel:
        return self.channels[0]

    def flood(self, retry_after: int, *, after: int = 0) -> None:
        """A send is refused by flood control: the next one, or the one after ``after`` more."""
        self._flood.append((after, retry_after))

    def posts(self) -> list[dict[str, Any]]:
        """Every message in every channel, in order."""
        return [m for c in self.channels for m in c.messages]

    def answer(self, request: Request) -> Reply:
        path = request.path.split("?", 1)[0]
        prefix, _slash, method = path.rpartition("/")
        if request.method not in ("GET", "POST") or not prefix.startswith("/bot"):
            return _error(404, "Not Found")
        if prefix.removeprefix("/bot") != self.token:
            return _error(401, "Unauthorized")
        fields, files = _parse(request)
        with self._lock:
            self.calls.append((method, fields))
            return self._method(method, fields, files)

    def _chat(self, chat_id: Any) -> Channel | None:
        for channel in self.channels:
            if str(chat_id) == str(channel.id) or (channel.username and str(chat_id) == f"@{channel.username}"):
                return channel
        return None

    def _method(self, method: str, fields: dict[str, Any], files: dict[str, bytes]) -> Reply:
        if method == "getMe":
            return Reply(
                200,
                {
                    "ok": True,
                    "result": {"id": BOT_ID, "is_bot": True, "first_name": "Poster", "username": "sp_poster_bot"},
                },
            )
        if method not in SENDS | {"getChat", "getChatMember"}:
            return _error(404, "Not Found: method not found")
        channel = self._chat(fields.get("chat_id"))
        if channel is None:
            return _error(400, "Bad Request: chat not found")
        if method == "getChat":
            return Reply(200, {"ok": True, "result": self._chat_json(channel)})
        if method == "getChatMember":
            if channel.members_hidden:
                return _error(400, "Bad Request: member list is inaccessible")
            if str(fields.get("user_id")) != str(BOT_ID):
                return _error(400, "Bad Request: user not found")
            return Reply(200, {"ok": True, "result": self._member(channel)})
        if not channel.member:
            return _error(403, "Forbidden: bot is not a member of the channel chat")
        if not channel.can_post:
            return _error(400, "Bad Request: not enough rights to send text messages to the chat")
        if self._flood and self._flood[0][0] > 0:
            self._flood[0] = (self._flood[0][0] - 1, self._flood[0][1])
        elif self._flood:
            wait = self._flood.pop(0)[1]
            return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        reply_to = fields.get("reply_parameters")
        if reply_to is not None:
            wanted = reply_to.get("message_id") if isinstance(reply_to, dict) else None
            if not any(m["message_id"] == wanted for m in channel.messages):
                return _error(400, "Bad Request: message to be replied not found")
        if method == "sendMessage":
            text = str(fields.get("text") or "")
            if not text.strip():
                return _error(400, "Bad Request: message text is empty")
            if _units(text) > 4096:
                return _error(400, "Bad Request: message is too long")
            return Reply(200, {"ok": True, "result": self._store(channel, fields, text=text)})
        if method in ("sendPhoto", "sendVideo"):
            kind = "photo" if method == "sendPhoto" else "video"
            if kind not in files:
                return _error(400, f"Bad Request: there is no {kind} in the request")
            caption = str(fields.get("caption") or "")
            if _units(caption) > 1024:
                return _error(400, "Bad Request: message caption is too long")
            return Reply(200, {"ok": True, "result": self._store(channel, fields, caption=caption, media=[kind])})
        media = fields.get("media")
        if not isinstance(media, list) or len(media) < 2:
            return _error(400, "Bad Request: wrong number of media")
        if len(media) > 10:
            return _error(400, "Bad Request: too many messages to send as an album")
        results = []
        for number, item in enumerate(media):
            ref = str(item.get("media", ""))
            if item.get("type") not in ("photo", "video") or not ref.startswith("attach://"):
                return _error(400, f"Bad Request: can't parse InputMedia {number}")
            if ref.removeprefix("attach://") not in files:
                return _error(400, f"Bad Request: file {number} not found in the request")
            if _units(str(item.get("caption") or "")) > 1024:
                return _error(400, "Bad Request: message caption is too long")
        group = f"g{self._next}"
        for item in media:
            caption = str(item.get("caption") or "")
            results.append(self._store(channel, fields, caption=caption, media=[item["type"]], group=group))
        return Reply(200, {"ok": True, "result": results})

    def _store(self, channel: Channel, fields: dict[str, Any], **content: Any) -> dict[str, Any]:
        self._next += 1
        message = {
            "message_id": self._next,
            "chat": self._chat_json(channel),
            "date": 1796000000,
            "disable_notification": bool(fields.get("disable_notification")),
            "link_preview_options": fields.get("link_preview_options"),
            "reply_to": (fields.get("reply_parameters") or {}).get("message_id"),
            **content,
        }
        channel.messages.append(message)
        return {k: v for k, v in message.items() if k not in ("disable_notification", "link_preview_options")}

    @staticmethod
    def _chat_json(channel: Channel) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": channel.id, "type": "channel", "title": channel.title}
        if channel.username:
            chat["username"] = channel.username
        return chat

    @staticmethod
    def _member(channel: Channel) -> dict[str, Any]:
        user = {"id": BOT_ID, "is_bot": True, "first_name": "Poster", "username": "sp_poster_bot"}
        if not channel.member:
            return {"status": "left", "user": user}
        return {"status": "administrator", "user": user, "can_post_messages": channel.can_post}
