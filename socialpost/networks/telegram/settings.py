"""Telegram's account settings (``accounts.telegram.<name>``): the channel, the bot's token (a
secret, in secrets.yaml or ``${ENV_VAR}``) and how posts go out."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings

API_BASE_URL = "https://api.telegram.org"


class TelegramSettings(AccountSettings):
    chat: str = Field(description="the channel: @channelusername, or its numeric id (-100…) for a private channel")
    bot_token: SecretStr = Field(description="the bot's token from @BotFather (kept in secrets.yaml)")
    silent: bool = Field(False, description="post without a notification sound (disable_notification)")
    link_previews: bool = Field(True, description="show a preview of the first link in a text post")
    timeout: float = Field(30.0, gt=0, le=300, description="seconds to wait for Telegram's answer")
    api_base_url: str = Field(API_BASE_URL, description="the Bot API server (a local Bot API server, tests)")

    @field_validator("chat")
    @classmethod
    def _chat(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("https://t.me/"):
            value = "@" + value.removeprefix("https://t.me/").strip("/")
        if value.startswith("@") and len(value) > 1:
            return value
        if value.lstrip("-").isdigit():
            return value
        raise ValueError(_("the chat is @channelusername or the channel's numeric id (such as -1001234567890)"))

    @field_validator("api_base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(_("api_base_url must start with https://"))
        return value.rstrip("/")
