"""The daemon command."""

from __future__ import annotations

import click

from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.translated import Command


@click.command(cls=Command)
@click.option("--id", "daemon_id", metavar="NAME", help="Name this daemon in logs and `status` (default: host-pid).")
@pass_app
def daemon(app: AppContext, daemon_id: str | None) -> None:
    """Run the scheduler in the foreground: post each queued item at its time.

    Stop it with Ctrl-C or SIGTERM: it stops claiming, lets posts in flight finish, gives back
    the rest, and exits 0. A second signal before it has stopped exits at once with status 130 (the
    next daemon reconciles the posts that were in flight).
    Run it under systemd or another supervisor to keep it running (see docs/deployment.md).
    """
    run_daemon(app, daemon_id=daemon_id)


def run_daemon(
    app: AppContext, *, daemon_id: str | None = None, names: list[str] | None = None, then_exit: bool = True
) -> None:
    """Run the daemon here. ``then_exit``: the command ends when the daemon does (`daemon`,
    `schedule --follow`); the demo goes on to show the status and the report."""
    from socialpost.daemon.service import Daemon
    from socialpost.daemon.signals import StopSignals
    from socialpost.store.queue import settled

    app.setup_logging()
    # SIGINT/SIGTERM are the daemon's from here, before the store opens (a signal during start-up
    # stops it once started) until the process ends (a signal after "stopped" cannot kill it with
    # the default action, whose status is no documented exit code).
    signals = StopSignals()
    signals.install()
    try:
        store = app.store
        stop_when = (lambda: settled(store, names)) if names else None
        Daemon(store, app.settings, daemon_id=daemon_id, clock=app.clock, stop_when=stop_when, signals=signals).run()
    finally:
        if not (app.whole_process and then_exit):  # a test, or the demo: give the signals back
            signals.restore()
