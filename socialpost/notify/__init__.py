"""Notifications: being told when something fails (docs/notifications.md).

:class:`Notifier` finds events (posts failed, held, unknown or missed; tokens about to expire; no
daemon running; the daily digest) and sends each once per channel; :func:`send_test` sends a sample
through each channel for ``socialpost notify test``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from socialpost.errors import ConfigError, NotificationFailed, UsageError
from socialpost.i18n import _
from socialpost.notify.channels import Channels
from socialpost.notify.messages import Message, render
from socialpost.notify.notifier import Notice, Notifier, PassResult
from socialpost.settings.config import Settings
from socialpost.wiring import Adapters

__all__ = ["ChannelResult", "Message", "Notice", "Notifier", "PassResult", "check", "send_test"]


@dataclass(frozen=True)
class ChannelResult:
    channel: str
    ok: bool
    error: str | None = None
    fix: str | None = None


def send_test(settings: Settings, adapters: Adapters, channel: str | None = None) -> list[ChannelResult]:
    """Send a sample message through every channel (or only ``channel``): what each answered."""
    channels = Channels(settings, adapters)
    if not channels.named:
        raise ConfigError(
            _("no notification channel is set up."),
            hint=_(
                "Fix: add a notify: section to the config with email:, webhook: or desktop: "
                "(README, 'Being told when something fails')."
            ),
        )
    names = list(channels.named)
    if channel is not None:
        if channel not in channels.named:
            raise UsageError(
                _("no channel '{name}' in notify:.").format(name=channel),
                hint=_("Fix: use one of {names}.").format(names=", ".join(names)),
            )
        names = [channel]
    results = []
    for name in names:
        message = render("test", f"test:{uuid.uuid4().hex}", {})
        try:
            channels.send(name, message)
        except NotificationFailed as exc:
            results.append(ChannelResult(name, False, exc.message, exc.hint))
        else:
            results.append(ChannelResult(name, True))
    return results


def check(notifier: Notifier) -> PassResult:
    """One pass as ``socialpost notify check`` runs it (from a timer): also tells when no daemon is
    alive while posts are due."""
    return notifier.run(live_gap=True)
