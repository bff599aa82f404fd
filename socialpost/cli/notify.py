"""notify: test the notification channels, run one notifier pass from a timer, keep an SMTP
password in the secrets file."""

from __future__ import annotations

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Group
from socialpost.i18n import _, ngettext


@click.group(cls=Group)
def notify() -> None:
    """Be told when a post fails: test the channels of the config's notify: section.

    The daemon sends the notifications itself (README, 'Being told when something fails').
    """


@notify.command("test")
@click.option("--channel", metavar="NAME", help="Only this channel: email:NAME, webhook:NAME or desktop.")
@json_option
@pass_app
def test(app: AppContext, channel: str | None, json_: bool) -> None:
    """Send a sample message through each channel and say which worked, with the fix for the others."""
    from socialpost.errors import NotificationFailed
    from socialpost.notify import send_test
    from socialpost.wiring import Adapters

    app.setup_logging()
    adapters = Adapters(app.settings, clock=app.clock)
    try:
        results = send_test(app.settings, adapters, channel)
    finally:
        adapters.close()
    if json_:
        render.echo_json([{"channel": r.channel, "ok": r.ok, "error": r.error, "fix": r.fix} for r in results])
    else:
        for result in results:
            if result.ok:
                render.echo(_("{channel}: sent").format(channel=result.channel))
            else:
                render.echo(_("{channel}: failed: {error}").format(channel=result.channel, error=result.error))
                if result.fix:
                    render.echo(f"  {result.fix}")
    failed = [r for r in results if not r.ok]
    if failed:
        raise NotificationFailed(
            ngettext(
                "{count} channel did not take the test message.",
                "{count} channels did not take the test message.",
                len(failed),
            ).format(count=len(failed))
        )


@notify.command("check")
@json_option
@pass_app
def check(app: AppContext, json_: bool) -> None:
    """Look for events to tell and send them once, then exit: for a timer (cron, systemd) beside the
    daemon, so someone is told when no daemon has been alive while posts are due."""
    from socialpost.daemon.service import default_daemon_id
    from socialpost.notify import Notifier
    from socialpost.notify import check as check_once
    from socialpost.wiring import Adapters

    app.setup_logging()
    adapters = Adapters(app.settings, clock=app.clock)
    try:
        notifier = Notifier(
            app.store, app.settings, adapters, daemon_id=f"check-{default_daemon_id()}", clock=app.clock
        )
        result = check_once(notifier)
    finally:
        adapters.close()
    if json_:
        render.echo_json({"found": result.found, "sent": result.sent, "failed": result.failed})
        return
    render.echo(
        _("{found} new notification(s), {sent} sent, {failed} failed (tried again later).").format(
            found=result.found, sent=result.sent, failed=result.failed
        )
    )


@notify.command("password")
@click.argument("name")
@pass_app
def password(app: AppContext, name: str) -> None:
    """Keep the SMTP password of e-mail channel NAME in the secrets file (mode 0600), never in the config."""
    from socialpost.errors import UsageError
    from socialpost.settings import secrets

    if name not in app.settings.notify.email:
        known = ", ".join(app.settings.notify.email) or _("none")
        raise UsageError(
            _("no e-mail channel '{name}' in notify.email.").format(name=name),
            hint=_("Fix: use one of: {names}.").format(names=known),
        )
    value = click.prompt(_("SMTP password for {name}").format(name=name), hide_input=True)
    from socialpost.settings.config import secrets_file

    path = app.settings.secrets_path or secrets_file(app.settings.config_path)
    secrets.save(path, f"notify:{name}", {"password": value})
    render.echo(_("Saved in {path}.").format(path=path))
