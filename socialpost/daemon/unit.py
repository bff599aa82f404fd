"""The files that keep the daemon running: a systemd unit (Linux) and a launchd agent (macOS).

Pure functions of a :class:`ServiceSpec`: ``socialpost service install --print`` shows their text,
``install`` writes it (socialpost.daemon.supervisor). Both run the same command the user would,
``socialpost [--config FILE] daemon``, with the data folder named in the environment, restart it
when it fails, and send its log to the journal (systemd) or a log file (launchd).
"""

from __future__ import annotations

import plistlib
from dataclasses import dataclass, field
from pathlib import Path

UNIT_NAME = "socialpost.service"
LAUNCHD_LABEL = "socialpost.daemon"
RESTART_SECONDS = 10
# systemd gives up after this many failed starts within the interval (a config error would
# otherwise restart it forever); `systemctl --user reset-failed socialpost` and a fix start it again
START_LIMIT_BURST = 5
START_LIMIT_INTERVAL_SECONDS = 300
# on top of the daemon's shutdown grace: the time to give back claims and record the stop
STOP_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class ServiceSpec:
    """What the service runs, wherever it runs."""

    command: tuple[str, ...]  # the socialpost executable (or python -m socialpost), absolute paths
    config: Path | None  # the config file, when there is one (else the platform's default is used)
    data_dir: Path  # $SOCIALPOST_DATA_DIR
    shutdown_grace_seconds: float
    log_format: str = "text"
    daemon_id: str | None = None
    environment_file: Path | None = None  # systemd: optional KEY=value file for ${NAME} secrets
    log_file: Path | None = None  # launchd: where its output goes
    user: str | None = None  # systemd system unit: the account it runs as
    extra_env: dict[str, str] = field(default_factory=dict)

    def argv(self) -> list[str]:
        args = [*self.command]
        if self.config is not None:
            args += ["--config", str(self.config)]
        args += ["--log-format", self.log_format, "daemon"]
        if self.daemon_id:
            args += ["--id", self.daemon_id]
        return args

    def environment(self) -> dict[str, str]:
        # unbuffered: each log line reaches the journal or the file when it is written
        return {"SOCIALPOST_DATA_DIR": str(self.data_dir), "PYTHONUNBUFFERED": "1", **self.extra_env}


def systemd_unit(spec: ServiceSpec, *, system: bool = False) -> str:
    """The unit file: a user unit (``~/.config/systemd/user``), or a system unit running as
    ``spec.user`` with ``system``."""
    stop_timeout = int(spec.shutdown_grace_seconds) + STOP_MARGIN_SECONDS
    lines = [
        "# Written by 'socialpost service install'; 'socialpost service uninstall' removes it.",
        "[Unit]",
        "Description=socialpost daemon (posts queued campaigns at their time)",
        "Wants=network-online.target",
        "After=network-online.target",
        f"StartLimitIntervalSec={START_LIMIT_INTERVAL_SECONDS}",
        f"StartLimitBurst={START_LIMIT_BURST}",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_systemd_word(arg) for arg in spec.argv()),
    ]
    lines += [f"Environment={_systemd_word(f'{key}={value}')}" for key, value in spec.environment().items()]
    if spec.environment_file is not None:
        # '-': the file is optional (secrets referenced as ${NAME} in config.yaml go there)
        lines.append(f"EnvironmentFile=-{_systemd_path(spec.environment_file)}")
    if system and spec.user:
        lines.append(f"User={spec.user}")
    lines += [
        "Restart=on-failure",
        f"RestartSec={RESTART_SECONDS}",
        "KillSignal=SIGTERM",
        f"TimeoutStopSec={stop_timeout}",
        "StandardOutput=journal",
        "StandardError=journal",
        "",
        "[Install]",
        f"WantedBy={'multi-user.target' if system else 'default.target'}",
        "",
    ]
    return "\n".join(lines)


def launchd_plist(spec: ServiceSpec) -> str:
    """The launch agent (``~/Library/LaunchAgents/socialpost.daemon.plist``): started at login and
    again when it exits with a failure (``KeepAlive.SuccessfulExit = false``)."""
    log = str(spec.log_file) if spec.log_file is not None else "/tmp/socialpost-daemon.log"
    document = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": spec.argv(),
        "EnvironmentVariables": spec.environment(),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": RESTART_SECONDS,
        "ExitTimeOut": int(spec.shutdown_grace_seconds) + STOP_MARGIN_SECONDS,
        "StandardOutPath": log,
        "StandardErrorPath": log,
    }
    return plistlib.dumps(document, fmt=plistlib.FMT_XML, sort_keys=False).decode("utf-8")


def _systemd_word(word: str) -> str:
    """One word of an ExecStart=/Environment= line, quoted when it must be: systemd splits on
    spaces, expands ``%`` specifiers and ``$`` variables, and unescapes ``\\``."""
    escaped = word.replace("%", "%%")
    needs_quotes = any(c in word for c in " \t\"'\\$;")
    escaped = escaped.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$")
    return f'"{escaped}"' if needs_quotes else escaped


def _systemd_path(path: Path) -> str:
    """A path in a setting that takes one path (no quotes): only ``%`` is special there."""
    return str(path).replace("%", "%%")
