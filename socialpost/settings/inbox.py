"""The ``inbox:`` section of the config file (light: loaded with every config)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from socialpost.i18n import _
from socialpost.timeutil import coerce_duration, format_duration


class InboxSettings(BaseModel):
    """The ``inbox:`` section of the config file."""

    model_config = ConfigDict(extra="forbid")

    every: timedelta | None = Field(
        timedelta(minutes=30), description="how often the daemon fetches the inbox (null: the daemon does not)"
    )
    digest_webhook: str | None = Field(
        None,
        description="webhook:NAME — where the daemon sends a digest of new unanswered comments (null: the log)",
    )
    within: timedelta = Field(timedelta(days=14), description="read the conversations of posts sent this recently")
    posts_per_account: int = Field(50, ge=1, le=1000, description="at most this many recent posts per account")

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: Any) -> timedelta | None:
        if value is None:
            return None
        every = coerce_duration(value)
        if every < timedelta(minutes=1):
            raise ValueError(_("every must be 1m or longer. Fix: write it like 30m"))
        return every

    @field_validator("within", mode="before")
    @classmethod
    def _within(cls, value: Any) -> timedelta:
        within = coerce_duration(value)
        if within <= timedelta(0):
            raise ValueError(_("within must be longer than 0. Fix: write it like 14d"))
        return within

    @field_validator("digest_webhook")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        network, sep, name = value.strip().partition(":")
        if network != "webhook" or not sep or not name.strip():
            raise ValueError(
                _("digest_webhook must name a webhook account, like webhook:team-chat (or null for the log)")
            )
        return value.strip()

    @field_serializer("every")
    def _show_every(self, every: timedelta | None) -> str | None:
        return format_duration(every) if every is not None else None

    @field_serializer("within")
    def _show_within(self, within: timedelta) -> str:
        return format_duration(within)


def inbox_settings(settings: object) -> InboxSettings:
    """``settings.inbox`` when the config carries it, else the defaults."""
    found = getattr(settings, "inbox", None)
    if isinstance(found, InboxSettings):
        return found
    if isinstance(found, BaseModel):
        return InboxSettings.model_validate(found.model_dump())
    if isinstance(found, dict):
        return InboxSettings.model_validate(found)
    return InboxSettings()
