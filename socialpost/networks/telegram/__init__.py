"""Telegram channels through a bot (the Bot API over httpx; no SDK).

Posts are texts (4,096 characters), a photo or video with its caption (1,024) or an album of 2–10
(``sendMediaGroup``); thread parts are replies to the previous message (``reply_parameters``);
``silent`` sends without notification, ``link_previews`` turns a text's link preview on or off.
The bot must be an administrator of the channel with "Post messages"; :meth:`health` checks it.

Not a Reconciler (no idempotency key, no way for a bot to list a channel's posts) and not a
MetricsReader (the Bot API gives no views for channel posts): docs/networks/telegram.md.

The package's parts: ``settings``, ``limits`` (lengths, the caption check), ``client`` (the Bot API
call and its errors), ``publish``; this module adds the health check and the set-up.
"""

from __future__ import annotations

from typing import Any, ClassVar

from socialpost.errors import ConfigError, PermanentError
from socialpost.i18n import N_, _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.capabilities import GuidedSetup, HealthCheck
from socialpost.networks.health import AccountHealth, HealthWarning, origin_of
from socialpost.networks.profile import MB, MediaLimits, NetworkProfile, PreviewLook
from socialpost.networks.telegram.client import ADMIN_FIX, WORDING
from socialpost.networks.telegram.limits import CAPTION_CHECKS, CAPTION_LIMIT, TEXT_LIMIT, telegram_rule
from socialpost.networks.telegram.publish import TelegramPublisher, message_url
from socialpost.networks.telegram.settings import API_BASE_URL, TelegramSettings

__all__ = ["CAPTION_LIMIT", "TEXT_LIMIT", "WORDING", "TelegramNetwork", "TelegramSettings", "message_url"]

POST_MESSAGES = "can_post_messages"


class TelegramNetwork(TelegramPublisher, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="telegram",
        title="Telegram",
        settings_model=TelegramSettings,
        length=telegram_rule(),
        # Bot API uploads: photos 10 MB, other files 50 MB
        media=MediaLimits(count=10, image_bytes=10 * MB, video_bytes=50 * MB, gif_bytes=50 * MB),
        idempotent=False,
        post_checks=CAPTION_CHECKS,
        colour="#229ed9",
        look=PreviewLook(name="Telegram"),
    )

    setup_api: ClassVar[str] = API_BASE_URL  # the Bot API `accounts add` checks the answers with (tests)

    def api_origin(self) -> str | None:
        return origin_of(self.settings.api_base_url)

    def health(self) -> AccountHealth:
        me: dict[str, Any] = self._call("getMe", {})
        chat: dict[str, Any] = self._call("getChat", {"chat_id": self.settings.chat})
        refused = ""
        try:
            member: dict[str, Any] = self._call("getChatMember", {"chat_id": self.settings.chat, "user_id": me["id"]})
        except PermanentError as exc:  # a bot that is no admin may not read the members: it cannot post
            member, refused = {}, exc.message
        status = str(member.get("status") or "?")
        can_post = status == "creator" or (status == "administrator" and bool(member.get(POST_MESSAGES)))
        name = chat.get("title") or self.settings.chat
        details = {
            N_("bot"): f"@{me.get('username', '?')}",
            N_("channel"): f"{name} ({self.settings.chat})",
            N_("bot's role"): status,
            N_("silent"): _("yes") if self.settings.silent else _("no"),
            N_("link previews"): _("on") if self.settings.link_previews else _("off"),
        }
        missing: tuple[str, ...] = ()
        warnings: tuple[HealthWarning, ...] = ()
        if not can_post:
            missing = (POST_MESSAGES,)
            bot = me.get("username", "?")
            if refused:
                message = _("The bot @{bot} cannot see its rights in {chat}: {reason}").format(
                    bot=bot, chat=self.settings.chat, reason=refused
                )
            else:
                message = _("The bot @{bot} cannot post to {chat} (it is {status}).").format(
                    bot=bot, chat=self.settings.chat, status=status
                )
            warnings = (HealthWarning(message, _(ADMIN_FIX)),)
        return AccountHealth(
            self.account,
            f"{name} (@{me.get('username', '?')})",
            details,
            missing_permissions=missing,
            warnings=warnings,
        )

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        ui.say(
            _(
                "socialpost posts to a Telegram channel through a bot of yours:\n"
                "1. In Telegram, open @BotFather, send /newbot and follow its questions; it gives the "
                "bot's token.\n"
                '2. In your channel: Administrators → Add Admin → your bot, with "Post messages".\n'
                "The token is kept in the secrets file."
            )
        )
        token = ui.ask_secret(_("Bot token (123456:ABC…)")).strip()
        chat = ui.ask(_("Channel (@channelusername, or its numeric id -100…)")).strip()
        try:
            settings = TelegramSettings.model_validate(
                {"chat": chat, "bot_token": token, "api_base_url": cls.setup_api}
            )
        except ValueError:
            raise ConfigError(
                _("'{chat}' is not a channel.").format(chat=chat),
                hint=_("Fix: run socialpost accounts add again and answer with @channelusername or -100…."),
            ) from None
        adapter = cls(account=account, settings=settings, context=context)
        try:
            health = adapter.health()
        finally:
            adapter.close()
        for warning in health.warnings:
            ui.say(f"{warning.message} {warning.fix}")
        if not health.warnings:
            ui.say(_("The bot can post to {channel}.").format(channel=health.display))
        values: dict[str, Any] = {"chat": settings.chat}
        if cls.setup_api != API_BASE_URL:
            values["api_base_url"] = cls.setup_api
        return AccountSetup(settings=values, secrets={"bot_token": token})
