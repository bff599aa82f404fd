"""``socialpost service install|status|uninstall``: keep the daemon running with systemd or launchd."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command, Group
from socialpost.errors import ExitCode
from socialpost.i18n import _

if TYPE_CHECKING:
    from socialpost.daemon.supervisor import Kind, Outcome, Plan

system_option = click.option(
    "--system", is_flag=True, help="Linux: a system unit (/etc/systemd/system, run as you) instead of a user unit."
)
platform_option = click.option(
    "--platform",
    "platform_name",
    type=click.Choice(["systemd", "launchd"]),
    help="The service manager (default: this machine's: systemd on Linux, launchd on macOS).",
)


@click.group(cls=Group)
def service() -> None:
    """Keep the daemon running: a systemd unit (Linux) or a launchd agent (macOS).

    \b
      socialpost service install            write it, start it now and at every start-up
      socialpost service install --print    only show the file it would write
      socialpost service status             is it installed, current and running
      socialpost service uninstall          stop it and remove the file
    """


@service.command(cls=Command)
@system_option
@platform_option
@click.option("--print", "print_only", is_flag=True, help="Show the file instead of installing it.")
@click.option("--id", "daemon_id", metavar="NAME", help="The daemon's name in logs and `status` (default: host-pid).")
@json_option
@pass_app
def install(
    app: AppContext, system: bool, platform_name: str | None, print_only: bool, daemon_id: str | None, json_: bool
) -> None:
    """Install the daemon as a service, started now and whenever the machine (Linux) or your session
    (macOS) starts, and again when it fails.

    It runs `socialpost daemon` with this config file and data folder. Logs: the journal
    (journalctl --user -u socialpost) on Linux, ~/Library/Logs/socialpost/daemon.log on macOS.
    Run it again after moving the config or reinstalling socialpost.
    """
    from socialpost.daemon import supervisor

    plan = _plan(app, system, platform_name, daemon_id)
    if print_only:
        click.echo(plan.text, nl=False)
        for line in plan.warnings:
            render.echo(_("note: {message}").format(message=line), err=True)
        return
    outcome = supervisor.install(plan.where, plan.text, uid=os.getuid(), user=getpass.getuser())
    if json_:
        render.echo_json(_outcome_json(outcome, plan.warnings))
        return
    render.echo(_("Wrote {path}").format(path=outcome.path))
    _show_ran(outcome)
    render.echo(_("The daemon runs as a service. Its log: {log}").format(log=plan.where.log))
    for line in [*plan.warnings, *outcome.todo]:
        render.echo(_("note: {message}").format(message=line), err=True)


@service.command(cls=Command)
@system_option
@platform_option
@json_option
@pass_app
def status(app: AppContext, system: bool, platform_name: str | None, json_: bool) -> None:
    """Say whether the service is installed, matches this config, and runs.

    Exit status 3 when it is not installed, out of date or not running.
    """
    from socialpost.daemon import supervisor

    plan = _plan(app, system, platform_name, None)
    state = supervisor.status(plan.where, plan.text, uid=os.getuid())
    if json_:
        render.echo_json(
            {
                "kind": state.kind.value,
                "path": str(state.path),
                "installed": state.installed,
                "current": state.current,
                "running": state.running,
                "details": state.details,
                "log": state.log,
            }
        )
    elif not state.installed:
        render.echo(
            _("Not installed ({path} does not exist). Install it: socialpost service install").format(path=state.path)
        )
    else:
        render.echo(_("Installed: {path}").format(path=state.path))
        if not state.current:
            render.echo(
                _(
                    "  out of date: it differs from what 'socialpost service install' writes now (another "
                    "config, data folder or socialpost command). Run it again to update the service."
                )
            )
        render.echo(_("  running: yes") if state.running else _("  running: no"))
        for key, value in state.details.items():
            render.echo(f"  {key}: {value}")
        if state.ran is not None and state.ran.returncode != 0:
            render.echo(
                _("  {command} failed: {output}").format(command=state.ran.line, output=state.ran.output), err=True
            )
        render.echo(_("  log: {log}").format(log=state.log))
    if not (state.installed and state.current and state.running):
        click.get_current_context().exit(ExitCode.ATTENTION)


@service.command(cls=Command)
@system_option
@platform_option
@json_option
@pass_app
def uninstall(app: AppContext, system: bool, platform_name: str | None, json_: bool) -> None:
    """Stop the service and remove its file (your config, queue and campaigns stay)."""
    from socialpost.daemon import supervisor

    kind = _kind(system, platform_name)
    where = supervisor.Where.of(kind, home=Path.home(), environ=os.environ, user=getpass.getuser())
    outcome = supervisor.uninstall(where, uid=os.getuid())
    if json_:
        render.echo_json(_outcome_json(outcome, []))
        return
    if not outcome.removed:
        render.echo(_("Nothing to remove: {path} does not exist.").format(path=where.path))
        return
    _show_ran(outcome)
    render.echo(_("Removed {path}").format(path=where.path))


def _kind(system: bool, platform_name: str | None) -> Kind:
    from socialpost.daemon import supervisor

    if platform_name == "launchd":
        return supervisor.default_kind("darwin", system=system)
    if platform_name == "systemd":
        return supervisor.default_kind("linux", system=system)
    return supervisor.default_kind(sys.platform, system=system)


def _plan(app: AppContext, system: bool, platform_name: str | None, daemon_id: str | None) -> Plan:
    from socialpost.daemon import supervisor
    from socialpost.settings.paths import default_dirs, resolve_config_path

    kind = _kind(system, platform_name)
    settings = app.settings  # a config that does not load stops here, before a service crash-loops on it
    config, _explicit = resolve_config_path(app.config_option, os.environ)
    config_file = config if config is not None and config.is_file() else None
    return supervisor.plan(
        kind,
        command=supervisor.command_for(sys.argv[0], sys.executable),
        config=config_file,
        config_dir=config.parent if config is not None else default_dirs()[0],
        data_dir=settings.data_dir,
        shutdown_grace_seconds=settings.daemon.shutdown_grace_seconds,
        log_format=app.log_format,
        daemon_id=daemon_id,
        home=Path.home(),
        environ=os.environ,
        user=getpass.getuser(),
    )


def _show_ran(outcome: Outcome) -> None:
    for ran in outcome.ran:
        status = _("ok") if ran.returncode == 0 else _("status {code}").format(code=ran.returncode)
        render.echo(_("Ran: {command} ({status})").format(command=ran.line, status=status))


def _outcome_json(outcome: Outcome, warnings: list[str]) -> dict[str, object]:
    return {
        "kind": outcome.kind.value,
        "path": str(outcome.path),
        "written": outcome.written,
        "removed": outcome.removed,
        "ran": [{"command": list(r.argv), "status": r.returncode, "output": r.output} for r in outcome.ran],
        "notes": [*warnings, *outcome.todo],
    }
