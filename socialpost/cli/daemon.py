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
    the rest, and exits 0. A second signal exits at once (the next daemon reconciles).
    Run it under systemd or another supervisor to keep it running (see docs/deployment.md).
    """
    run_daemon(app, daemon_id=daemon_id)


def run_daemon(app: AppContext, *, daemon_id: str | None = None, names: list[str] | None = None) -> None:
    from socialpost.daemon.service import Daemon
    from socialpost.store.queue import settled

    app.setup_logging()
    store = app.store
    stop_when = (lambda: settled(store, names)) if names else None
    Daemon(store, app.settings, daemon_id=daemon_id, clock=app.clock, stop_when=stop_when).run()
