"""Telegram's Bot API over httpx: every call is ``POST <api>/bot<token>/<method>``, and every answer
is ``{"ok": true, "result": …}`` or ``{"ok": false, "error_code", "description", "parameters"}``.

A failed answer is classified by :func:`socialpost.networks.common.http.classify` with Telegram's
own cases first (:func:`telegram_error`): flood control (429 with ``parameters.retry_after``) is
:class:`RateLimited` at that time; a channel the bot cannot post to ("chat not found", "not enough
rights", "bot is not a member") is a :class:`PermanentError` saying how to fix it; a text or
caption Telegram finds too long is :class:`ContentRejected`. The token is in the URL's path: it is
registered for redaction, and an error names the account, never the URL.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from socialpost.errors import ContentRejected, NetworkError, PermanentError, RateLimited
from socialpost.i18n import N_, _
from socialpost.networks.base import Network
from socialpost.networks.common.http import MAX_RETRY_AFTER, Wording, classify, excerpt, transport_error
from socialpost.networks.common.tls import LazyClient, ssl_context
from socialpost.networks.telegram.settings import TelegramSettings
from socialpost.redaction import protect_http_loggers

if TYPE_CHECKING:
    import httpx

WORDING = Wording(
    said=N_("Telegram said: {message}"),
    refused=N_("{where}: Telegram refused the bot's token ({status})."),
    refused_hint=N_(
        "Check bot_token in secrets.yaml (@BotFather → /mybots → API Token), or run: "
        "socialpost accounts add {network} {account}"
    ),
)
ADMIN_FIX = N_(
    'Make the bot an administrator of the channel with the right "Post messages" (channel → '
    "Administrators → Add Admin), and check that chat is the channel's @username or numeric id."
)
# Telegram's descriptions that mean the bot cannot post to the chat (lower case)
_NO_ACCESS = (
    "chat not found",
    "not enough rights",
    "bot is not a member",
    "need administrator rights",
    "bot was kicked",
)
_TOO_LONG = ("message is too long", "message caption is too long")

Files = list[tuple[str, tuple[str, bytes, str]]]


def telegram_error(response: httpx.Response, *, where: str, now: datetime, secrets: list[str]) -> NetworkError | None:
    """Telegram's own cases of a failed answer (None: the generic ones apply)."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    description = str(body.get("description") or "")
    said = " " + _(WORDING.said).format(message=excerpt(description, secrets=secrets)) if description else ""
    found = body.get("parameters")
    parameters: dict[str, Any] = found if isinstance(found, dict) else {}
    status = response.status_code
    wait = parameters.get("retry_after")
    if status == 429 and isinstance(wait, int) and wait >= 0:
        delay = min(timedelta(seconds=wait), MAX_RETRY_AFTER)
        return RateLimited(
            _("{where}: Telegram's flood control (429).").format(where=where) + said,
            status=status,
            retry_at=now + delay,
        )
    lowered = description.lower()
    if status in (400, 403) and any(words in lowered for words in _NO_ACCESS):
        return PermanentError(
            _("{where}: the bot cannot post to the channel ({status}).").format(where=where, status=status) + said,
            hint=_(ADMIN_FIX),
            status=status,
        )
    if status == 400 and any(words in lowered for words in _TOO_LONG):
        return ContentRejected(
            _("{where}: Telegram found the post too long ({status}).").format(where=where, status=status) + said,
            hint=_("Shorten it: 4,096 characters for a text, 1,024 for a photo's caption."),
            status=status,
        )
    migrated = parameters.get("migrate_to_chat_id")
    if migrated is not None:
        return PermanentError(
            _("{where}: the chat moved to the id {chat}.").format(where=where, chat=migrated) + said,
            hint=_("Set chat to {chat} in the account's settings.").format(chat=migrated),
            status=status,
        )
    return None


class TelegramClient(Network):
    """The Bot API client of one account: :meth:`_call` sends one method and returns its result."""

    settings: TelegramSettings
    transport: httpx.BaseTransport | None = None  # tests may inject one

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = LazyClient(self._new_client)

    def _new_client(self) -> httpx.Client:
        import httpx

        return httpx.Client(
            verify=ssl_context(),
            timeout=httpx.Timeout(self.settings.timeout),
            transport=self.transport,
            headers={"User-Agent": "socialpost"},
            follow_redirects=False,
        )

    @property
    def where(self) -> str:
        return _("telegram account '{account}'").format(account=self.account.split(":", 1)[-1])

    def _call(self, method: str, fields: dict[str, Any], files: Files | None = None) -> Any:
        """``method`` with ``fields`` (JSON; form fields with ``files``) → its ``result``."""
        import httpx

        token = self.settings.bot_token.get_secret_value()
        url = f"{self.settings.api_base_url}/bot{token}/{method}"
        try:
            if files:
                data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
                response = self._client.get().post(url, data=data, files=files)
            else:
                response = self._client.get().post(url, json=fields)
        except httpx.TransportError as exc:
            raise transport_error(exc, where=self.where, timeout=self.settings.timeout) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        now = self.context.clock()
        secrets = [token]

        def special(answer: httpx.Response) -> NetworkError | None:
            return telegram_error(answer, where=self.where, now=now, secrets=secrets)

        raise classify(
            response,
            network=self.name,
            account=self.account.split(":", 1)[-1],
            secrets=secrets,
            now=now,
            where=self.where,
            wording=WORDING,
            special=special,
        )

    def close(self) -> None:
        self._client.close()


# httpx logs every request's full URL at INFO, and the token is in the path.
protect_http_loggers()
