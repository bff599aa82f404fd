"""``socialpost service``: write, enable, inspect and remove the file that keeps the daemon running.

The file's text comes from :mod:`socialpost.daemon.unit`; this module knows where each platform
keeps it and which commands load it (``systemctl``, ``launchctl``), runs them through a
:data:`Runner` and returns what it ran, so the command can show it. It never prints.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from socialpost.daemon.unit import LAUNCHD_LABEL, UNIT_NAME, ServiceSpec, launchd_plist, systemd_unit
from socialpost.errors import SocialpostError, UsageError
from socialpost.i18n import _

SYSTEM_UNIT_DIR = Path("/etc/systemd/system")
LINGER_DIR = Path("/var/lib/systemd/linger")


class Kind(Enum):
    SYSTEMD_USER = "systemd-user"
    SYSTEMD_SYSTEM = "systemd-system"
    LAUNCHD = "launchd"


@dataclass(frozen=True)
class Ran:
    """One command run, with its status and output (stdout and stderr together)."""

    argv: tuple[str, ...]
    returncode: int
    output: str

    @property
    def line(self) -> str:
        return " ".join(self.argv)


Runner = Callable[[Sequence[str]], Ran]


def run_command(argv: Sequence[str]) -> Ran:
    """Run a command (found on PATH) and capture what it says; a missing command is status 127."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=120, check=False)
    except FileNotFoundError:
        return Ran(tuple(argv), 127, _("{command}: command not found").format(command=argv[0]))
    return Ran(tuple(argv), done.returncode, (done.stdout + done.stderr).strip())


class ServiceError(SocialpostError):
    """A service command failed (systemctl, launchctl): what ran, and what it said."""


@dataclass(frozen=True)
class Where:
    """Where a kind of service file lives on this machine."""

    kind: Kind
    path: Path
    log: str  # how to read its log

    @staticmethod
    def of(kind: Kind, *, home: Path, environ: Mapping[str, str], user: str) -> Where:
        if kind is Kind.LAUNCHD:
            log_file = home / "Library" / "Logs" / "socialpost" / "daemon.log"
            return Where(kind, home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist", str(log_file))
        if kind is Kind.SYSTEMD_SYSTEM:
            return Where(kind, SYSTEM_UNIT_DIR / UNIT_NAME, f"journalctl -u {UNIT_NAME.removesuffix('.service')} -f")
        config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
        unit_dir = config_home / "systemd" / "user"
        return Where(kind, unit_dir / UNIT_NAME, f"journalctl --user -u {UNIT_NAME.removesuffix('.service')} -f")


def default_kind(platform: str, *, system: bool) -> Kind:
    """The service kind for ``sys.platform``; other systems are a usage error with a way out."""
    if platform == "darwin":
        if system:
            raise UsageError(
                _("--system is for Linux (a systemd system unit); on macOS the service is your user's launch agent."),
                hint=_("Run it without --system."),
            )
        return Kind.LAUNCHD
    if platform.startswith("linux"):
        return Kind.SYSTEMD_SYSTEM if system else Kind.SYSTEMD_USER
    raise UsageError(
        _("socialpost can install its service on Linux (systemd) and macOS (launchd), not on {platform}.").format(
            platform=platform
        ),
        hint=_(
            "Run 'socialpost daemon' under your system's own supervisor (Windows: a Task Scheduler task started "
            "at log-on), or on a Linux server."
        ),
    )


def service_text(kind: Kind, spec: ServiceSpec) -> str:
    if kind is Kind.LAUNCHD:
        return launchd_plist(spec)
    return systemd_unit(spec, system=kind is Kind.SYSTEMD_SYSTEM)


def command_for(argv0: str, executable: str) -> tuple[str, ...]:
    """How the service starts socialpost: the ``socialpost`` command this process was started as
    (its path as found on PATH, symlinks kept: pipx's and uv's survive a reinstall), else this
    interpreter with ``-m socialpost``."""
    found = argv0 if os.sep in argv0 else shutil.which(argv0)
    if found and Path(found).name == "socialpost" and Path(found).is_file():
        return (str(Path(found).absolute()),)
    return (executable, "-m", "socialpost")


@dataclass(frozen=True)
class Plan:
    """The service file to write, and what the user should know before relying on it."""

    where: Where
    spec: ServiceSpec
    text: str
    warnings: list[str]


def plan(
    kind: Kind,
    *,
    command: tuple[str, ...],
    config: Path | None,
    config_dir: Path,
    data_dir: Path,
    shutdown_grace_seconds: float,
    log_format: str,
    daemon_id: str | None,
    home: Path,
    environ: Mapping[str, str],
    user: str,
) -> Plan:
    where = Where.of(kind, home=home, environ=environ, user=user)
    spec = ServiceSpec(
        command=command,
        config=config.absolute() if config is not None else None,
        data_dir=data_dir.absolute(),
        shutdown_grace_seconds=shutdown_grace_seconds,
        log_format=log_format,
        daemon_id=daemon_id,
        environment_file=None if kind is Kind.LAUNCHD else config_dir.absolute() / "secrets.env",
        log_file=Path(where.log) if kind is Kind.LAUNCHD else None,
        user=user if kind is Kind.SYSTEMD_SYSTEM else None,
    )
    warnings = []
    if environ.get("SOCIALPOST_DATABASE_URL"):
        warnings.append(
            _(
                "$SOCIALPOST_DATABASE_URL is set in this shell, but the service does not see it: the daemon would "
                "use another queue. Write 'database:' in your config file instead (a password as ${{NAME}}, "
                "NAME=… in {file})."
            ).format(file=spec.environment_file or config_dir / "secrets.env")
        )
    if any(part == ".venv" for part in Path(command[0]).parts):
        warnings.append(
            _(
                "the service runs {command}, inside a clone's .venv: it stops working if that folder goes. "
                "Install socialpost with make install (README, Install) and run service install again with it."
            ).format(command=command[0])
        )
    if config is None:
        warnings.append(
            _("no config file yet: the service reads {path} once you create it (restart it then).").format(
                path=config_dir / "config.yaml"
            )
        )
    return Plan(where, spec, service_text(kind, spec), warnings)


@dataclass
class Outcome:
    """What ``install`` or ``uninstall`` did: the file, the commands it ran, what is left to do by hand."""

    kind: Kind
    path: Path
    ran: list[Ran] = field(default_factory=list)
    written: bool = False
    removed: bool = False
    todo: list[str] = field(default_factory=list)


def install(where: Where, text: str, *, uid: int, user: str, run: Runner = run_command) -> Outcome:
    """Write the service file (replacing an older one) and have the system start it now and at
    every boot (systemd) or log-in (launchd). A command that fails raises :class:`ServiceError`
    naming it, with its output; the file stays written."""
    outcome = Outcome(where.kind, where.path)
    existed = where.path.is_file()
    if where.kind is Kind.SYSTEMD_SYSTEM and not os.access(where.path.parent, os.W_OK):
        raise ServiceError(
            _("cannot write {path}: a system unit is installed by root.").format(path=where.path),
            hint=_(
                "Write it with: socialpost service install --system --print | sudo tee {path} >/dev/null; then: "
                "sudo systemctl daemon-reload && sudo systemctl enable --now {unit}"
            ).format(path=where.path, unit=UNIT_NAME),
        )
    where.path.parent.mkdir(parents=True, exist_ok=True)
    if where.kind is Kind.LAUNCHD:
        Path(where.log).parent.mkdir(parents=True, exist_ok=True)
    tmp = where.path.with_name(where.path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o644)
    tmp.replace(where.path)
    outcome.written = True
    if where.kind is Kind.LAUNCHD:
        domain = f"gui/{uid}"
        if existed:  # loaded with its old text: unload it first (it may not be loaded: not an error)
            outcome.ran.append(run(["launchctl", "bootout", f"{domain}/{LAUNCHD_LABEL}"]))
        _must(outcome, run, ["launchctl", "enable", f"{domain}/{LAUNCHD_LABEL}"])
        _must(outcome, run, ["launchctl", "bootstrap", domain, str(where.path)])
        return outcome
    systemctl = _systemctl(where.kind)
    _must(outcome, run, [*systemctl, "daemon-reload"])
    _must(outcome, run, [*systemctl, "enable", "--now", UNIT_NAME])
    if existed:  # it may have been running with the old file
        _must(outcome, run, [*systemctl, "restart", UNIT_NAME])
    if where.kind is Kind.SYSTEMD_USER and not (LINGER_DIR / user).exists():
        outcome.todo.append(
            _(
                "Your user service runs while you are logged in. To keep it running after you log out and "
                "start it at boot, run once: sudo loginctl enable-linger {user}"
            ).format(user=user)
        )
    return outcome


def uninstall(where: Where, *, uid: int, run: Runner = run_command) -> Outcome:
    """Stop the service, stop it starting again and remove its file. Nothing installed: nothing run."""
    outcome = Outcome(where.kind, where.path)
    if not where.path.is_file():
        return outcome
    if where.kind is Kind.SYSTEMD_SYSTEM and not os.access(where.path.parent, os.W_OK):
        raise ServiceError(
            _("cannot remove {path}: a system unit is removed by root.").format(path=where.path),
            hint=_("Run: sudo systemctl disable --now {unit} && sudo rm {path} && sudo systemctl daemon-reload").format(
                unit=UNIT_NAME, path=where.path
            ),
        )
    if where.kind is Kind.LAUNCHD:
        # not loaded (already stopped by hand) is no error: the file goes anyway
        outcome.ran.append(run(["launchctl", "bootout", f"gui/{uid}/{LAUNCHD_LABEL}"]))
        where.path.unlink()
        outcome.removed = True
        return outcome
    systemctl = _systemctl(where.kind)
    outcome.ran.append(run([*systemctl, "disable", "--now", UNIT_NAME]))
    where.path.unlink()
    outcome.removed = True
    _must(outcome, run, [*systemctl, "daemon-reload"])
    return outcome


@dataclass(frozen=True)
class State:
    """``service status``: the file, whether it is what install would write now, and what the
    service manager says of it."""

    kind: Kind
    path: Path
    installed: bool
    current: bool  # the file's text is what `install` would write now (same command, config, folder)
    running: bool
    details: dict[str, str]  # the manager's own words (systemd properties; launchd's state, pid…)
    log: str
    ran: Ran | None


_SYSTEMD_PROPERTIES = ("LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID", "NRestarts", "Result")


def status(where: Where, text: str, *, uid: int, run: Runner = run_command) -> State:
    installed = where.path.is_file()
    current = installed and where.path.read_text(encoding="utf-8") == text
    if not installed:
        return State(where.kind, where.path, False, False, False, {}, where.log, None)
    if where.kind is Kind.LAUNCHD:
        ran = run(["launchctl", "print", f"gui/{uid}/{LAUNCHD_LABEL}"])
        details = _launchd_fields(ran.output) if ran.returncode == 0 else {}
        running = details.get("state") == "running"
    else:
        ran = run([*_systemctl(where.kind), "show", UNIT_NAME, "--property=" + ",".join(_SYSTEMD_PROPERTIES)])
        details = dict(line.split("=", 1) for line in ran.output.splitlines() if "=" in line and ran.returncode == 0)
        running = details.get("ActiveState") == "active"
    return State(where.kind, where.path, True, current, running, details, where.log, ran)


def _launchd_fields(output: str) -> dict[str, str]:
    """The top-level ``key = value`` lines of ``launchctl print`` that say how the job is."""
    fields: dict[str, str] = {}
    for line in output.splitlines():
        key, sep, value = line.strip().partition(" = ")
        if sep and key in ("state", "pid", "last exit code", "runs") and key not in fields:
            fields[key] = value.strip()
    return fields


def _systemctl(kind: Kind) -> list[str]:
    return ["systemctl", "--user"] if kind is Kind.SYSTEMD_USER else ["systemctl"]


def _must(outcome: Outcome, run: Runner, argv: list[str]) -> None:
    ran = run(argv)
    outcome.ran.append(ran)
    if ran.returncode != 0:
        raise ServiceError(
            _("{command} failed (status {status}): {output}").format(
                command=ran.line, status=ran.returncode, output=ran.output or _("no output")
            ),
            hint=_(
                "The service file is written at {path}. Fix what the command says and run 'socialpost service "
                "install' again; without a service manager here, run 'socialpost daemon' under another supervisor."
            ).format(path=outcome.path),
        )
