"""The notification channels (the config's ``notify:``): each one reachable as configured, a
notifier program for the desktop, and the messages that could not be sent lately."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta

from socialpost.doctor.finding import Finding, ok, problem, warning
from socialpost.errors import ConfigError
from socialpost.i18n import _, formats, ngettext
from socialpost.notify import desktop
from socialpost.settings.config import Settings
from socialpost.settings.envvars import ENV_REF
from socialpost.store import notifications as stored
from socialpost.store.db import Store

RECENT = timedelta(days=7)


def check_notify(
    settings: Settings, store: Store | None, now: datetime, environ: Mapping[str, str] | None = None
) -> list[Finding]:
    env = os.environ if environ is None else environ
    notify = settings.notify
    channels = notify.channels()
    if not channels:
        return [
            ok(
                "notify",
                _(
                    "no notification channel: nobody is told when a post fails (README, 'Being told when "
                    "something fails')"
                ),
            )
        ]
    findings: list[Finding] = []
    if notify.desktop is not None and desktop.notifier() is None:
        findings.append(
            warning(
                "notify",
                _("the desktop channel has no notifier program on this machine: its messages cannot be shown."),
                desktop.install_hint(),
            )
        )
    for name, channel in notify.email.items():
        if not channel.user:
            continue
        if channel.password:
            missing = [v for v in ENV_REF.findall(channel.password) if v not in env]
            if missing:
                findings.append(
                    problem(
                        "notify",
                        _("e-mail channel '{name}': the environment variable {variable} is not set.").format(
                            name=name, variable=missing[0]
                        ),
                        _("Set it where the daemon runs (systemd: Environment= or EnvironmentFile=)."),
                    )
                )
        elif not _secret_password(settings, name):
            findings.append(
                problem(
                    "notify",
                    _("e-mail channel '{name}' has a user but no password.").format(name=name),
                    _("Run socialpost notify password {name}, or write password: ${{SMTP_PASSWORD}}.").format(
                        name=name
                    ),
                )
            )
    for name in notify.webhook:
        if settings.account_settings("webhook", name) is None:
            findings.append(
                problem(
                    "notify",
                    _("webhook channel '{name}' names no webhook account of the config.").format(name=name),
                    _("Add it: socialpost accounts add webhook {name}").format(name=name),
                )
            )
    if store is not None:
        count, last_error = stored.given_up(store, since=now - RECENT)
        if count:
            findings.append(
                warning(
                    "notify",
                    ngettext(
                        "{count} notification could not be sent in the last 7 days: {error}",
                        "{count} notifications could not be sent in the last 7 days; the last: {error}",
                        count,
                    ).format(count=formats.integer(count), error=last_error or "?"),
                    _("Fix the channel, then check it: socialpost notify test"),
                )
            )
    if not findings:
        findings.append(ok("notify", _("notifications go to {channels}").format(channels=", ".join(channels))))
    return findings


def _secret_password(settings: Settings, name: str) -> bool:
    if settings.secrets_path is None:
        return False
    from socialpost.settings import secrets

    try:
        return bool(secrets.load(settings.secrets_path).get(f"notify:{name}", {}).get("password"))
    except ConfigError:  # the secrets file's own finding says why
        return True
