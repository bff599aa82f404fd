"""`socialpost service`: the systemd unit and the launchd agent it writes, and what it runs to load
them — systemctl and launchctl replaced by stand-ins on PATH that record their arguments, in a
fake HOME."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.daemon import supervisor
from socialpost.daemon.unit import ServiceSpec, launchd_plist, systemd_unit

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit file as systemd reads it: sections of KEY=VALUE lines, keys may repeat
    (configparser refuses repeated keys, so this is its strict little sibling)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            current = sections.setdefault(stripped[1:-1], [])
            continue
        assert current is not None, f"line {number} is outside any section: {line!r}"
        key, sep, value = stripped.partition("=")
        assert sep and key and key.strip() == key, f"line {number} is not KEY=VALUE: {line!r}"
        current.append((key, value))
    return sections


def values(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> list[str]:
    return [v for k, v in unit[section] if k == key]


def spec(tmp_path: Path, **kwargs: object) -> ServiceSpec:
    defaults: dict[str, object] = {
        "command": (sys.executable, "-m", "socialpost"),
        "config": tmp_path / "config.yaml",
        "data_dir": tmp_path / "data",
        "shutdown_grace_seconds": 45.0,
        "environment_file": tmp_path / "secrets.env",
    }
    return ServiceSpec(**{**defaults, **kwargs})  # type: ignore[arg-type]


def daemon_argv(tmp_path: Path) -> list[str]:
    """The command line the service runs for :func:`spec`'s defaults."""
    return [
        sys.executable,
        "-m",
        "socialpost",
        "--config",
        str(tmp_path / "config.yaml"),
        "--log-format",
        "text",
        "daemon",
    ]


def test_the_user_unit_runs_the_daemon_with_the_config_and_data_folder_and_restarts_it(tmp_path: Path) -> None:
    unit = parse_unit(systemd_unit(spec(tmp_path)))
    assert set(unit) == {"Unit", "Service", "Install"}
    (exec_start,) = values(unit, "Service", "ExecStart")
    assert exec_start.split() == daemon_argv(tmp_path)
    assert f"SOCIALPOST_DATA_DIR={tmp_path / 'data'}" in values(unit, "Service", "Environment")
    assert values(unit, "Service", "EnvironmentFile") == [f"-{tmp_path / 'secrets.env'}"]
    assert values(unit, "Service", "Restart") == ["on-failure"]
    assert values(unit, "Service", "StandardOutput") == ["journal"]
    assert values(unit, "Service", "TimeoutStopSec") == ["75"]  # the grace, and time to record the stop
    assert values(unit, "Service", "User") == []
    assert values(unit, "Install", "WantedBy") == ["default.target"]


def test_the_system_unit_runs_as_the_user_and_starts_with_the_machine(tmp_path: Path) -> None:
    unit = parse_unit(systemd_unit(spec(tmp_path, user="marie"), system=True))
    assert values(unit, "Service", "User") == ["marie"]
    assert values(unit, "Install", "WantedBy") == ["multi-user.target"]


def test_paths_with_spaces_percent_and_dollar_are_quoted_for_systemd(tmp_path: Path) -> None:
    odd = tmp_path / "My 100% $HOME"
    unit = parse_unit(systemd_unit(spec(tmp_path, config=odd / "config.yaml", data_dir=odd)))
    (exec_start,) = values(unit, "Service", "ExecStart")
    assert f'"{tmp_path}/My 100%% $$HOME/config.yaml"' in exec_start
    assert f'"SOCIALPOST_DATA_DIR={tmp_path}/My 100%% $$HOME"' in values(unit, "Service", "Environment")


def _verify(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / "units"
    folder.mkdir(exist_ok=True)
    path = folder / "socialpost.service"
    path.write_text(text)
    runtime = tmp_path / "runtime"
    runtime.mkdir(exist_ok=True, mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "SYSTEMD_LOG_LEVEL": "warning"}
    assert SYSTEMD_ANALYZE is not None
    return subprocess.run(
        [SYSTEMD_ANALYZE, "--user", "verify", str(path)], capture_output=True, text=True, env=env, timeout=60
    )


def _need_systemd_analyze() -> None:
    """Skip on a developer's machine without systemd-analyze (the unit is then only parsed, by
    test_the_user_unit_runs_the_daemon_… and test_paths_with_spaces_…); fail under CI=true, where
    scripts/test-services.sh installs it (Debian's ``systemd`` package)."""
    if SYSTEMD_ANALYZE is not None:
        return
    reason = "systemd-analyze is not installed on this machine (Debian: apt-get install -y systemd)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; CI must install it", pytrace=False)
    pytest.skip(reason)


@pytest.mark.parametrize("system", [False, True], ids=["user", "system"])
def test_systemd_analyze_verifies_the_unit(tmp_path: Path, system: bool) -> None:
    _need_systemd_analyze()
    odd = tmp_path / "My 100% $HOME"
    odd.mkdir()
    text = systemd_unit(spec(tmp_path, config=odd / "config.yaml", data_dir=odd, user="nobody"), system=system)
    done = _verify(tmp_path, text)
    # systemd-analyze exits 0 for unknown keys and bad values: it only says so, naming the file
    assert done.returncode == 0, done.stdout + done.stderr
    assert "socialpost.service" not in done.stdout + done.stderr, done.stdout + done.stderr


def test_systemd_analyze_would_catch_a_bad_unit(tmp_path: Path) -> None:
    """The check above can fail: a misspelt key is reported."""
    _need_systemd_analyze()
    text = systemd_unit(spec(tmp_path)).replace("Restart=on-failure", "Restart=sometimes")
    done = _verify(tmp_path, text)
    assert "socialpost.service" in done.stdout + done.stderr


def test_the_launchd_agent_is_a_valid_plist_that_keeps_the_daemon_alive(tmp_path: Path) -> None:
    text = launchd_plist(spec(tmp_path, environment_file=None, log_file=tmp_path / "Logs" / "daemon.log"))
    agent = plistlib.loads(text.encode())
    assert agent["Label"] == "socialpost.daemon"
    assert agent["ProgramArguments"] == daemon_argv(tmp_path)
    assert agent["EnvironmentVariables"]["SOCIALPOST_DATA_DIR"] == str(tmp_path / "data")
    assert agent["RunAtLoad"] is True
    assert agent["KeepAlive"] == {"SuccessfulExit": False}  # restarted when it fails, not after a clean stop
    assert agent["StandardOutPath"] == agent["StandardErrorPath"] == str(tmp_path / "Logs" / "daemon.log")
    assert agent["ExitTimeOut"] == 75


# --- install / status / uninstall, through the command ------------------------------------------------

STUB = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
case "$*" in
  *show*) printf 'LoadState=loaded\\nActiveState=active\\nSubState=running\\nUnitFileState=enabled\\n' ;;
  *print*) printf 'gui/501/socialpost.daemon = {{\\n\\tstate = running\\n\\tpid = 4242\\n}}\\n' ;;
esac
if [ -n "$STUB_FAIL" ] && echo "$*" | grep -q -- "$STUB_FAIL"; then
  echo "Failed to connect to bus: No medium found" >&2
  exit 1
fi
"""


@pytest.fixture
def stubs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """systemctl and launchctl on PATH, recording each call in calls.log."""
    bin_dir = tmp_path / "stub-bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("systemctl", "launchctl"):
        path = bin_dir / tool
        path.write_text(STUB.format(log=log))
        path.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(supervisor, "LINGER_DIR", tmp_path / "linger")
    return log


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "conf" / "config.yaml"
    path.parent.mkdir()
    path.write_text("daemon:\n  shutdown_grace_seconds: 20\n")
    return path


def service(*args: str, config: Path):  # type: ignore[no-untyped-def]
    app = AppContext()
    result = CliRunner().invoke(cli, ["--config", str(config), "service", *args], obj=app, catch_exceptions=False)
    app.close()
    return result


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_install_writes_the_user_unit_and_enables_it(stubs: Path, config: Path, isolated_env: Path) -> None:
    result = service("install", "--platform", "systemd", config=config)
    assert result.exit_code == 0, result.output
    path = isolated_env / ".config" / "systemd" / "user" / "socialpost.service"
    unit = parse_unit(path.read_text())
    assert f"--config {config}" in values(unit, "Service", "ExecStart")[0]
    assert values(unit, "Service", "TimeoutStopSec") == ["50"]
    assert f"-{config.parent / 'secrets.env'}" in values(unit, "Service", "EnvironmentFile")
    assert calls(stubs) == ["systemctl --user daemon-reload", "systemctl --user enable --now socialpost.service"]
    assert "Ran: systemctl --user enable --now socialpost.service (ok)" in result.stdout
    assert "journalctl --user -u socialpost -f" in result.stdout
    assert "sudo loginctl enable-linger" in result.stderr  # what is left to do by hand

    # installed again (a moved config, a new socialpost): the running daemon is restarted on the new file
    assert service("install", "--platform", "systemd", config=config).exit_code == 0
    assert calls(stubs)[-1] == "systemctl --user restart socialpost.service"


def test_status_says_installed_current_and_running(stubs: Path, config: Path, isolated_env: Path) -> None:
    result = service("status", "--platform", "systemd", config=config)
    assert result.exit_code == 3 and "Not installed" in result.stdout
    assert calls(stubs) == []
    service("install", "--platform", "systemd", config=config)
    result = service("status", "--platform", "systemd", config=config)
    assert result.exit_code == 0, result.output
    assert "running: yes" in result.stdout and "out of date" not in result.stdout
    assert calls(stubs)[-1].startswith("systemctl --user show socialpost.service --property=")
    config.write_text("daemon:\n  shutdown_grace_seconds: 90\n")  # the service still has 20 s
    result = service("status", "--platform", "systemd", config=config)
    assert result.exit_code == 3 and "out of date" in result.stdout


def test_uninstall_stops_disables_and_removes_the_unit(stubs: Path, config: Path, isolated_env: Path) -> None:
    service("install", "--platform", "systemd", config=config)
    stubs.unlink()
    result = service("uninstall", "--platform", "systemd", config=config)
    assert result.exit_code == 0, result.output
    assert not (isolated_env / ".config" / "systemd" / "user" / "socialpost.service").exists()
    assert calls(stubs) == ["systemctl --user disable --now socialpost.service", "systemctl --user daemon-reload"]
    again = service("uninstall", "--platform", "systemd", config=config)
    assert again.exit_code == 0 and "Nothing to remove" in again.stdout


def test_a_failing_systemctl_is_reported_with_what_it_said(
    stubs: Path, config: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_FAIL", "enable")
    result = service("install", "--platform", "systemd", config=config)
    assert result.exit_code == 1
    assert "systemctl --user enable --now socialpost.service failed (status 1)" in result.stderr
    assert "Failed to connect to bus" in result.stderr
    assert "Traceback" not in result.output


def test_launchd_install_status_and_uninstall(stubs: Path, config: Path, isolated_env: Path) -> None:
    result = service("install", "--platform", "launchd", config=config)
    assert result.exit_code == 0, result.output
    path = isolated_env / "Library" / "LaunchAgents" / "socialpost.daemon.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["ProgramArguments"][-5:] == ["--config", str(config), "--log-format", "text", "daemon"]
    assert (isolated_env / "Library" / "Logs" / "socialpost").is_dir()
    uid = os.getuid()
    assert calls(stubs) == [f"launchctl enable gui/{uid}/socialpost.daemon", f"launchctl bootstrap gui/{uid} {path}"]
    status = service("status", "--platform", "launchd", config=config)
    assert status.exit_code == 0, status.output
    assert "pid: 4242" in status.stdout
    assert service("install", "--platform", "launchd", config=config).exit_code == 0
    assert calls(stubs)[-3] == f"launchctl bootout gui/{uid}/socialpost.daemon"  # the old one unloaded first
    assert service("uninstall", "--platform", "launchd", config=config).exit_code == 0
    assert calls(stubs)[-1] == f"launchctl bootout gui/{uid}/socialpost.daemon"
    assert not path.exists()


def test_print_shows_the_file_and_installs_nothing(stubs: Path, config: Path, isolated_env: Path) -> None:
    result = service("install", "--print", "--system", "--platform", "systemd", config=config)
    assert result.exit_code == 0
    unit = parse_unit(result.stdout)
    assert values(unit, "Install", "WantedBy") == ["multi-user.target"]
    assert values(unit, "Service", "User")  # the user who ran it
    assert calls(stubs) == []
    assert plistlib.loads(service("install", "--print", "--platform", "launchd", config=config).stdout.encode())


def test_a_system_unit_needs_root_and_says_how(stubs: Path, config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.access(supervisor.SYSTEM_UNIT_DIR, os.W_OK):
        monkeypatch.setattr(supervisor, "SYSTEM_UNIT_DIR", Path("/proc/no-such-folder"))
    result = service("install", "--system", "--platform", "systemd", config=config)
    assert result.exit_code == 1
    assert "socialpost service install --system --print | sudo tee" in result.stderr
    assert calls(stubs) == []


def test_a_config_that_does_not_load_installs_nothing(stubs: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("daemon:\n  workers: many\n")
    result = service("install", "--platform", "systemd", config=bad)
    assert result.exit_code == 2
    assert "bad.yaml:2" in result.stderr
    assert calls(stubs) == []


def test_the_command_is_the_socialpost_on_path_else_this_python(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "socialpost"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    assert supervisor.command_for(str(script), "/usr/bin/python3") == (str(script),)
    assert supervisor.command_for("/somewhere/pytest", "/usr/bin/python3") == ("/usr/bin/python3", "-m", "socialpost")


def test_install_json_says_what_it_did(stubs: Path, config: Path, isolated_env: Path) -> None:
    import json

    result = service("install", "--platform", "systemd", "--json", config=config)
    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)
    assert done["kind"] == "systemd-user" and done["written"] is True
    assert done["path"] == str(isolated_env / ".config" / "systemd" / "user" / "socialpost.service")
    assert [r["command"] for r in done["ran"]] == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", "socialpost.service"],
    ]
    assert all(r["status"] == 0 for r in done["ran"])
    assert any("enable-linger" in note for note in done["notes"])


def test_a_command_inside_a_clone_venv_is_warned_about(tmp_path: Path, isolated_env: Path) -> None:
    command = (str(tmp_path / "clone" / ".venv" / "bin" / "socialpost"),)
    plan = supervisor.plan(
        supervisor.Kind.SYSTEMD_USER,
        command=command,
        config=None,
        config_dir=tmp_path,
        data_dir=tmp_path / "data",
        shutdown_grace_seconds=30,
        log_format="text",
        daemon_id=None,
        home=isolated_env,
        environ={},
        user="marie",
    )
    assert any("inside a clone's .venv" in w for w in plan.warnings)
    assert any("no config file yet" in w for w in plan.warnings)


def test_windows_gets_a_way_out() -> None:
    from socialpost.errors import UsageError

    with pytest.raises(UsageError) as caught:
        supervisor.default_kind("win32", system=False)
    assert "Task Scheduler" in (caught.value.hint or "")
