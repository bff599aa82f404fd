"""Real `socialpost daemon` OS processes for the reliability tests (and bench/chaos.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from socialpost.store.db import Store
from socialpost.store.models import PostRow

REPO = Path(__file__).resolve().parents[2]
BUSY = ("pending", "retry_wait", "sending")


class DaemonFleet:
    """Starts, kills and stops daemons that share one database and one config file."""

    def __init__(self, folder: Path, database_url: str, *, daemon: dict[str, Any], accounts: dict[str, Any]) -> None:
        self.folder = folder
        self.config = folder / "config.yaml"
        self.config.write_text(yaml.safe_dump({"daemon": daemon, "accounts": accounts}), encoding="utf-8")
        self.env = {**os.environ, "SOCIALPOST_DATABASE_URL": database_url, "SOCIALPOST_DATA_DIR": str(folder / "data")}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}

    def start(self, name: str) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}.log"
        self.logs[name] = log
        with log.open("ab") as out:
            process = subprocess.Popen(
                [str(REPO / ".venv" / "bin" / "socialpost"), "--config", str(self.config), "daemon", "--id", name],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.folder,
            )
        self.processes[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes[name]
        process.send_signal(sig)
        process.wait(timeout=15)

    def stop_all(self) -> dict[str, int | None]:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes

    def output(self) -> str:
        return "\n".join(f"--- {name}\n{path.read_text(errors='replace')}" for name, path in self.logs.items())


def statuses(store: Store) -> Counter[str]:
    with store.session() as session:
        return Counter(dict(session.execute(select(PostRow.status, func.count()).group_by(PostRow.status)).all()))


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def settled_all(store: Store) -> bool:
    counts = statuses(store)
    return not any(counts.get(s) for s in BUSY)
