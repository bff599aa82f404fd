"""Sending one message through one named channel (``email:NAME``, ``webhook:NAME``, ``desktop``)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from socialpost.errors import ConfigError, NotificationFailed, SocialpostError
from socialpost.i18n import _
from socialpost.notify import desktop, email
from socialpost.notify.messages import Message
from socialpost.notify.payloads import payload
from socialpost.settings.config import Settings
from socialpost.settings.envvars import expand_env
from socialpost.settings.notify import ChannelSettings, EmailChannel, WebhookChannel
from socialpost.wiring import Adapters


class Channels:
    """The configured channels, and how to reach each (secrets, webhook adapters)."""

    def __init__(self, settings: Settings, adapters: Adapters, *, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.adapters = adapters
        self.environ = os.environ if environ is None else environ
        self.named: dict[str, ChannelSettings] = settings.notify.channels()

    def wanting(self, kind: str) -> list[str]:
        """The channels told about ``kind``."""
        return [name for name, channel in self.named.items() if channel.wants(kind)]

    def send(self, name: str, message: Message) -> None:
        """Send ``message`` through channel ``name``; NotificationFailed says why not."""
        channel = self.named.get(name)
        if channel is None:
            raise NotificationFailed(
                _("channel '{name}' is no longer in the config's notify: section.").format(name=name),
                hint=_("Nothing to fix if you removed it on purpose."),
            )
        _kind, _sep, short = name.partition(":")
        if isinstance(channel, EmailChannel):
            email.send(
                channel, message, name=short, password=self._password(short, channel), base_dir=self.settings.base_dir
            )
        elif isinstance(channel, WebhookChannel):
            self._webhook(short, channel, message)
        else:
            desktop.send(message)

    def _password(self, name: str, channel: EmailChannel) -> str | None:
        if channel.password:
            try:
                return expand_env(
                    channel.password, self.environ, self.settings.setting_at("notify", "email", name, "password")
                )
            except ConfigError as exc:
                raise NotificationFailed(exc.message, hint=exc.hint) from None
        if self.settings.secrets_path is None:
            return None
        from socialpost.settings import secrets

        try:
            found = secrets.load(self.settings.secrets_path).get(f"notify:{name}", {})
        except ConfigError as exc:
            raise NotificationFailed(exc.message, hint=exc.hint) from None
        return found.get("password")

    def _webhook(self, name: str, channel: WebhookChannel, message: Message) -> None:
        from socialpost.networks.webhook import WebhookNetwork

        account = f"webhook:{name}"
        try:
            adapter = self.adapters.get(account)
        except SocialpostError as exc:
            raise NotificationFailed(
                _("webhook channel '{name}': the account {account} cannot be used: {error}").format(
                    name=name, account=account, error=exc.message
                ),
                hint=exc.hint
                or _("Fix: add it with socialpost accounts add webhook {name}, or correct notify.webhook.").format(
                    name=name
                ),
            ) from None
        if not isinstance(adapter, WebhookNetwork):
            raise NotificationFailed(_("{account} is not a webhook account.").format(account=account))
        try:
            adapter.send_json(payload(channel.format, message), key=message.key)
        except SocialpostError as exc:
            raise NotificationFailed(exc.message, hint=exc.hint) from None
