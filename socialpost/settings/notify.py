"""The ``notify:`` section of the config file: who is told when something goes wrong, and how.

Three kinds of channel, each named so ``socialpost notify test --channel NAME`` can pick one:

* ``email.<name>`` (channel ``email:<name>``): an SMTP server, with STARTTLS or implicit TLS;
  its password is never written in the config file in clear: ``${ENV_VAR}``, or ``password`` under
  ``notify:<name>`` in the secrets file;
* ``webhook.<name>`` (channel ``webhook:<name>``): a ``webhook:`` account of the config, sent a
  Slack, Discord, Teams or plain JSON message;
* ``desktop`` (channel ``desktop``): notify-send on Linux, osascript on macOS.

Each channel takes ``events`` (all of :data:`EVENTS` unless told). See docs/notifications.md.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

from socialpost.i18n import _
from socialpost.settings.envvars import ENV_REF
from socialpost.timeutil import coerce_duration, format_duration

EventKind = Literal["failed", "held", "unknown", "missed", "token", "daemon_down", "digest"]
EVENTS: tuple[EventKind, ...] = ("failed", "held", "unknown", "missed", "token", "daemon_down", "digest")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


def _events(value: Any) -> Any:
    if value is None:
        return list(EVENTS)
    if isinstance(value, str):
        return [value]
    return value


class ChannelSettings(BaseModel):
    """What every channel takes: which events it is told about."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    events: list[EventKind] = Field(
        default_factory=lambda: list(EVENTS),
        description="which events this channel gets: failed, held, unknown, missed, token, daemon_down, digest",
    )

    @field_validator("events", mode="before")
    @classmethod
    def _all_by_default(cls, value: Any) -> Any:
        return _events(value)

    def wants(self, kind: str) -> bool:
        return kind in self.events


class EmailChannel(ChannelSettings):
    """An SMTP server and who receives the messages."""

    host: str = Field(description="the SMTP server's name")
    port: int | None = Field(None, ge=1, le=65535, description="default: 587 (starttls), 465 (ssl), 25 (none)")
    security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="starttls (port 587), ssl (implicit TLS, port 465) or none (a local relay only)"
    )
    user: str | None = Field(None, description="the login, when the server asks for one")
    password: str | None = Field(
        None, description="only as ${ENV_VAR}; else put it in the secrets file under notify:NAME (password)"
    )
    sender: str = Field(alias="from", description="the From address")
    to: list[str] = Field(description="who receives the messages")
    timeout: float = Field(15.0, gt=0, le=300, description="seconds to wait for the server")
    ca_file: str | None = Field(None, description="a CA bundle (PEM) for a server with a private certificate")

    @field_validator("password")
    @classmethod
    def _not_in_clear(cls, value: str | None) -> str | None:
        if value is None or ENV_REF.fullmatch(value.strip()):
            return value.strip() if value else value
        raise ValueError(
            _(
                "a password is not written in the config file in clear. Fix: write password: ${SMTP_PASSWORD} "
                "and set that environment variable, or remove the line and put it in the secrets file"
            )
        )

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError(_("to needs at least one address. Fix: write it like [you@example.com]"))
        for address in value:
            if not _ADDRESS.match(address.strip()):
                raise ValueError(
                    _("'{address}' is not an e-mail address. Fix: write it like you@example.com").format(
                        address=address
                    )
                )
        return [a.strip() for a in value]

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        address = value.rsplit("<", 1)[-1].rstrip(">").strip()
        if not _ADDRESS.match(address):
            raise ValueError(
                _("'{address}' is not an e-mail address. Fix: write it like socialpost@example.com").format(
                    address=value
                )
            )
        return value.strip()

    @model_validator(mode="after")
    def _login_together(self) -> EmailChannel:
        if self.password is not None and not self.user:
            raise ValueError(_("a password needs a user. Fix: add user: with the SMTP login"))
        return self

    @property
    def port_or_default(self) -> int:
        if self.port is not None:
            return self.port
        return {"starttls": 587, "ssl": 465, "none": 25}[self.security]


class WebhookChannel(ChannelSettings):
    """A ``webhook:`` account of the config, and the shape of the message its receiver expects."""

    format: Literal["slack", "discord", "teams", "json"] = Field(
        "slack", description="the message's shape: slack, discord, teams (an Adaptive Card) or json"
    )


class DesktopChannel(ChannelSettings):
    """This machine's notifications (notify-send on Linux, osascript on macOS)."""


class NotifySettings(BaseModel):
    """The ``notify:`` section. With no channel, nobody is told (the daemon's log still says it)."""

    model_config = ConfigDict(extra="forbid")

    email: dict[str, EmailChannel] = Field(default_factory=dict, description="e-mail channels by name")
    webhook: dict[str, WebhookChannel] = Field(
        default_factory=dict, description="webhook channels: the name of a webhook: account of the config"
    )
    desktop: DesktopChannel | None = Field(None, description="this machine's notifications (true, or its events)")
    digest_at: time | None = Field(None, description="a daily digest at this local time (HH:MM; null: none)")
    daemon_down_after: timedelta = Field(
        timedelta(minutes=15), description="tell when no daemon has been alive this long while posts are due"
    )
    token_within: timedelta = Field(timedelta(days=7), description="tell when an account's token expires this soon")
    every: timedelta = Field(timedelta(seconds=30), description="how often the daemon looks for events to tell")
    retry_base: timedelta = Field(
        timedelta(seconds=30), description="first wait before a channel that failed is tried again; doubles each time"
    )
    max_attempts: int = Field(12, ge=1, le=100, description="tries of one message on one channel before giving up")
    group_over: int = Field(
        3, ge=1, le=1000, description="more posts than this to tell a channel at once: one message lists them all"
    )

    @field_validator("email", "webhook", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("desktop", mode="before")
    @classmethod
    def _desktop(cls, value: Any) -> Any:
        if value is True:
            return {}
        if value is False:
            return None
        return value

    @field_validator("digest_at", mode="before")
    @classmethod
    def _digest_at(cls, value: Any) -> Any:
        if value is None or isinstance(value, time):
            return value
        if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 09:00 as 540 (minutes)
            hours, minutes = divmod(value, 60)
            if 0 <= hours < 24:
                return time(hours, minutes)
        text = str(value).strip()
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
        if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
            return time(int(match.group(1)), int(match.group(2)))
        raise ValueError(_("'{value}' is not a time of day. Fix: write it like \"09:00\"").format(value=value))

    @field_validator("daemon_down_after", "token_within", "every", "retry_base", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        duration = coerce_duration(value)
        if duration < timedelta(seconds=0.1):
            raise ValueError(_("the duration must be longer than 0. Fix: write it like 30s, 15m or 7d"))
        return duration

    @field_serializer("daemon_down_after", "token_within", "every", "retry_base")
    def _show_duration(self, value: timedelta) -> str:
        return format_duration(value)

    @field_serializer("digest_at")
    def _show_time(self, value: time | None) -> str | None:
        return None if value is None else f"{value:%H:%M}"

    def channels(self) -> dict[str, ChannelSettings]:
        """Every channel by its name: ``email:NAME``, ``webhook:NAME``, ``desktop``."""
        named: dict[str, ChannelSettings] = {f"email:{n}": c for n, c in self.email.items()}
        named.update({f"webhook:{n}": c for n, c in self.webhook.items()})
        if self.desktop is not None:
            named["desktop"] = self.desktop
        return named

    @property
    def enabled(self) -> bool:
        return bool(self.channels())


def fields(loc: tuple[str | int, ...]) -> list[str]:
    """The keys allowed at ``loc`` inside ``notify:`` (for 'did you mean' suggestions)."""
    if not loc:
        return list(NotifySettings.model_fields)
    if loc[0] == "email" and len(loc) == 2:
        return [f.alias or name for name, f in EmailChannel.model_fields.items()]
    if loc[0] in ("webhook", "desktop"):
        return list(WebhookChannel.model_fields if loc[0] == "webhook" else DesktopChannel.model_fields)
    return []
