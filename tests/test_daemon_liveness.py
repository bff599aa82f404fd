"""One liveness rule (socialpost.liveness), used by `status` and `doctor` alike.

A daemon on this host whose process is gone is dead at once, whatever its heartbeat says; a PID
that now belongs to a process started after the daemon's last heartbeat is not that daemon; other
hosts keep the heartbeat rule. `status` shows what needs the user first and exits 3 when posts are
due and no daemon is alive; `doctor` says the same. The last tests run a real `socialpost daemon`
process and kill it with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from socialpost.store.db import Store, open_store
from socialpost.store.models import DaemonRow
from socialpost.timeutil import utcnow
from tests.conftest import REPO, START, FakeClock
from tests.store_helpers import seed_posts
from tests.store_helpers.daemons import wait_until

LANGS = pytest.mark.parametrize("lang", [(), ("--lang", "fr")], ids=["en", "fr"])
WAIT = 60.0


def _record(store: Store, *, pid: int, beat: datetime, host: str | None = None, name: str = "d1") -> None:
    """A daemons row as a daemon writes it (its start, its last heartbeat, no stop)."""
    with store.write() as session:
        session.add(
            DaemonRow(
                id=name,
                hostname=host or socket.gethostname(),
                pid=pid,
                started_at=beat - timedelta(minutes=5),
                heartbeat_at=beat,
                stopped_at=None,
            )
        )


def _dead_pid() -> int:
    """The PID of a process that existed and is gone (reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _daemon_finding(run_cli: Any, *lang: str) -> dict[str, Any]:
    data = json.loads(run_cli(*lang, "doctor", "--json").stdout)
    (found,) = [f for f in data["findings"] if f["check"] == "daemon"]
    return dict(found)


@LANGS
def test_a_gone_pid_on_this_host_is_dead_at_once(
    store: Store, clock: FakeClock, run_cli: Any, lang: tuple[str, ...]
) -> None:
    _record(store, pid=_dead_pid(), beat=clock() - timedelta(seconds=3))  # a fresh heartbeat
    seed_posts(store, 2, due=START - timedelta(minutes=10), campaign="launch")

    status = run_cli(*lang, "status")
    assert status.exit_code == 3
    out = " ".join(status.stdout.split())
    if lang:
        assert "(en vie)" not in out and "(alive)" not in out
        assert "Aucun démon ne tourne et 2 publications sont dues" in out
    else:
        assert "(alive)" not in out
        assert (
            "No daemon is running and 2 posts are due: they will not go out until you start 'socialpost daemon'" in out
        )
    # what needs the user comes before the counts and the upcoming list
    assert out.index("socialpost daemon") < out.index("pending")
    data = json.loads(run_cli(*lang, "status", "--json").stdout)
    assert [d["alive"] for d in data["daemons"]] == [False]

    found = _daemon_finding(run_cli, *lang)
    assert found["status"] == "problem"
    if lang:
        assert "ne tourne plus" in found["message"]
    else:
        assert "is no longer running, last seen 3 s ago" in found["message"]
        assert "2 posts already overdue" in found["message"]
    assert "socialpost daemon" in found["fix"]


def test_a_running_pid_with_a_fresh_heartbeat_is_alive(store: Store, clock: FakeClock, run_cli: Any) -> None:
    _record(store, pid=os.getpid(), beat=clock() - timedelta(seconds=3))
    seed_posts(store, 1, due=START - timedelta(minutes=10), campaign="launch")
    status = run_cli("status")
    assert status.exit_code == 0 and "d1 (alive)" in status.stdout
    assert _daemon_finding(run_cli)["status"] == "ok"


def test_another_host_keeps_the_heartbeat_rule(store: Store, clock: FakeClock, run_cli: Any) -> None:
    # the PID means nothing here: it is another machine's
    _record(store, pid=_dead_pid(), beat=clock() - timedelta(seconds=3), host="elsewhere.example")
    seed_posts(store, 1, due=START - timedelta(minutes=10), campaign="launch")
    assert run_cli("status").exit_code == 0
    assert _daemon_finding(run_cli)["status"] == "ok"

    clock.advance(seconds=60)  # no heartbeat for over 45 s
    status = run_cli("status")
    assert status.exit_code == 3 and "No daemon is running and 1 post is due" in " ".join(status.stdout.split())
    assert _daemon_finding(run_cli)["status"] == "problem"


def test_a_reused_pid_is_not_the_daemon(store: Store, clock: FakeClock, run_cli: Any) -> None:
    beat = utcnow() - timedelta(seconds=10)
    clock.set(beat + timedelta(seconds=10))
    seed_posts(store, 1, due=beat - timedelta(minutes=10), campaign="launch")
    # a process that started after the daemon's last heartbeat holds the number now
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _record(store, pid=stranger.pid, beat=beat)
        assert run_cli("status").exit_code == 3
        assert _daemon_finding(run_cli)["status"] == "problem"
    finally:
        stranger.kill()
        stranger.wait()
    # PID 1 started long before that heartbeat (and may belong to another user): it counts as running
    with store.write() as session:
        session.get(DaemonRow, "d1").pid = 1  # type: ignore[union-attr]
    assert run_cli("status").exit_code == 0


def test_no_exit_3_when_nothing_is_due_yet(store: Store, clock: FakeClock, run_cli: Any) -> None:
    seed_posts(store, 1, due=START + timedelta(days=2), campaign="launch")
    status = run_cli("status")
    assert status.exit_code == 0
    assert "No daemon is running: pending posts will not go out" in " ".join(status.stdout.split())


def test_paused_posts_due_need_no_daemon(store: Store, clock: FakeClock, run_cli: Any) -> None:
    seed_posts(store, 1, due=START - timedelta(minutes=5), campaign="launch")
    assert run_cli("pause", "launch").exit_code == 0
    status = run_cli("status")
    assert status.exit_code == 0  # the pause holds it, not the lack of a daemon; the pause is listed
    assert "No daemon is running and" not in status.stdout and "campaign 'launch' is paused" in status.stdout


# --- a real daemon, killed with SIGKILL ------------------------------------------------------------


class Daemon:
    """A real `socialpost daemon` process with its config, database and log."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        config = {"daemon": {"poll_seconds": 0.2}, "accounts": {"outbox": {"news": {"folder": str(folder / "out")}}}}
        (folder / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        self.url = f"sqlite:///{folder / 'socialpost.db'}"
        self.env = {**os.environ, "SOCIALPOST_DATABASE_URL": self.url, "SOCIALPOST_DATA_DIR": str(folder / "data")}
        self.log = folder / "daemon.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [*self.command(), "daemon", "--id", "alpha"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=folder,
            )

    def command(self) -> list[str]:
        return [str(REPO / ".venv" / "bin" / "socialpost"), "--config", str(self.folder / "config.yaml")]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.command(), *args], capture_output=True, text=True, env=self.env, cwd=self.folder, timeout=WAIT
        )

    def started(self) -> bool:
        return "daemon alpha started" in self.log.read_text(errors="replace")


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    running = Daemon(tmp_path)
    try:
        assert wait_until(lambda: running.started() or running.process.poll() is not None, WAIT)
        assert running.started(), running.log.read_text(errors="replace")
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
        running.process.wait()


@pytest.mark.slow
@LANGS
def test_kill_9_then_status_and_doctor_at_once(daemon: Daemon, lang: tuple[str, ...]) -> None:
    store = open_store(daemon.url)
    try:
        seed_posts(store, 1, due=utcnow() + timedelta(hours=1), campaign="launch")
        alive = daemon.run(*lang, "status")
        assert alive.returncode == 0, alive.stderr
        assert "alpha (" in alive.stdout  # "(alive)", "(en vie)"

        daemon.process.send_signal(signal.SIGKILL)
        daemon.process.wait()
        # at once: its heartbeat is seconds old, its PID is gone
        status = daemon.run(*lang, "status")
        assert status.returncode == 0  # nothing is due yet
        assert "alpha (" not in status.stdout
        assert ("Aucun démon ne tourne" if lang else "No daemon is running") in status.stdout

        seed_posts(store, 1, due=utcnow() - timedelta(minutes=1), campaign="late")  # now one is due
        status = daemon.run(*lang, "status")
        assert status.returncode == 3, status.stdout + status.stderr
        shown = " ".join(status.stdout.split())
        expected = (
            "Aucun démon ne tourne et 1 publication est due" if lang else "No daemon is running and 1 post is due"
        )
        assert expected in shown
        data = json.loads(daemon.run("status", "--json").stdout)
        assert [(d["id"], d["alive"]) for d in data["daemons"]] == [("alpha", False)]

        doctor = daemon.run(*lang, "doctor", "--json")
        (found,) = [f for f in json.loads(doctor.stdout)["findings"] if f["check"] == "daemon"]
        assert found["status"] == "problem" and doctor.returncode == 3
        assert f"pid {daemon.process.pid}" in found["message"]
        assert ("ne tourne plus" if lang else "is no longer running") in found["message"]
    finally:
        store.close()


def test_status_of_one_campaign_counts_its_own_due_posts(store: Store, clock: FakeClock, run_cli: Any) -> None:
    seed_posts(store, 1, due=START - timedelta(minutes=10), campaign="late")
    seed_posts(store, 1, due=START + timedelta(days=3), campaign="calm")
    assert run_cli("status", "--campaign", "calm").exit_code == 0  # its post is not due yet
    late = run_cli("status", "--campaign", "late")
    assert late.exit_code == 3 and "No daemon is running and 1 post is due" in " ".join(late.stdout.split())
