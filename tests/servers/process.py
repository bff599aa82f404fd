"""Start a test server process reliably: fresh ports, proof that it started, a bounded retry.

A server told to listen on a port picked beforehand can lose that port to another process between
the pick and its ``listen`` (another test run on the machine, a server that picks its own ports,
any outgoing connection): it dies with ``EADDRINUSE``. :func:`start_server` notices a server that
exits, or that is not ready in time, stops it, and starts it again on fresh ports, at most
``attempts`` times; when it gives up, :class:`StartFailed` says why — each attempt's ports, how it
ended and the tail of its log.

Ports are picked at random *below* the kernel's ephemeral range (``ip_local_port_range``), from
which the kernel hands out the ports of outgoing connections and of ``bind(0)`` — what most tools,
``get-port`` in Node included, use to find a "free" port. So the servers' own picks and ours rarely
meet, and two test runs at once rarely pick the same port; the retry covers the rest.

    running = start_server(
        "Prism",
        launch=lambda ports, log: subprocess.Popen([...,"-p", str(ports["PORT"])], stdout=log, ...),
        ready=lambda ports, log: True if "listening" in log.read_text() else None,
        ports=["PORT"],
        logs=folder,
        timeout=60,
    )
    ...
    stop(running.process)

``ready`` should prove that *this* process is serving (a line of its own log naming the port), not
only that something answers on the port: after losing the race, another process answers there.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Generic, TypeVar

T = TypeVar("T")

ATTEMPTS = 3
STOP_TIMEOUT = 10.0
LOWEST_PORT = 10_000  # below this live the well-known services (PostgreSQL 5432, Redis 6379…)
TAIL_LINES = 15


class StartFailed(Exception):
    """The server did not start in ``attempts`` tries; the message says why."""


@dataclass(frozen=True)
class Running(Generic[T]):
    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    log: Path
    ready: T  # what the ready check returned (e.g. the URLs the server printed)
    attempts: int  # how many starts it took


def _ephemeral_start() -> int:
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768  # Linux's default
    return low if low > LOWEST_PORT + 1000 else 65536  # an unusual range: pick anywhere above LOWEST_PORT


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(names: Iterable[str], *, avoid: Iterable[int] = ()) -> dict[str, int]:
    """A distinct free port on 127.0.0.1 for each name, below the ephemeral range (see the module)."""
    high = _ephemeral_start()
    taken = set(avoid)
    ports: dict[str, int] = {}
    for name in names:
        while True:
            port = random.randrange(LOWEST_PORT, high)
            if port not in taken and _bindable(port):
                break
        taken.add(port)
        ports[name] = port
    return ports


def free_port() -> int:
    """One free port (for a test that needs an address where nothing listens, or one server)."""
    return free_ports(["port"])["port"]


def stop(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM to the server (its whole process group when it leads one), SIGKILL if it is still
    there after ``timeout``; its stdin is closed."""
    if process.poll() is None:
        _signal(process, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal(process, signal.SIGKILL)
            process.wait(5)
    if process.stdin:
        with contextlib.suppress(OSError):
            process.stdin.close()


def _signal(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(process.pid) == process.pid:  # started with start_new_session=True
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start_server(
    name: str,
    *,
    launch: Callable[[dict[str, int], IO[bytes]], subprocess.Popen[bytes]],
    ready: Callable[[dict[str, int], Path], T | None],
    ports: Sequence[str],
    logs: Path,
    timeout: float,
    attempts: int = ATTEMPTS,
    after_failure: Callable[[], None] | None = None,
    poll: float = 0.1,
) -> Running[T]:
    """Start a server with fresh ``ports`` until it is ready, at most ``attempts`` times.

    ``launch(ports, log)`` starts the process (its output into ``log``; start it with
    ``start_new_session=True`` so that stopping it stops its children). ``ready(ports, log_path)``
    returns something (not None) once the server serves. A process that exits first, or is not
    ready within ``timeout`` seconds, is stopped, ``after_failure`` runs (drop a database…) and
    the next attempt picks new ports. Raises :class:`StartFailed` when no attempt worked.
    """
    logs.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    failures: list[str] = []
    used: set[int] = set()
    for number in range(1, attempts + 1):
        chosen = free_ports(ports, avoid=used)
        used.update(chosen.values())
        log_path = logs / f"{slug}-{os.getpid()}-{number}.log"
        with log_path.open("wb") as log:
            process = launch(chosen, log)
        outcome, value = _await(process, chosen, log_path, ready, timeout, poll)
        if value is not None:
            return Running(process, chosen, log_path, value, number)
        stop(process)
        if after_failure is not None:
            after_failure()
        listed = ", ".join(f"{key}={port}" for key, port in chosen.items())
        text = tail(log_path) or "(nothing)"
        failures.append(
            f"attempt {number}: ports {listed}: {outcome}; the end of {log_path}:\n"
            + "\n".join("    " + line for line in text.splitlines())
        )
    raise StartFailed(f"{name} did not start in {attempts} attempts:\n" + "\n".join(failures))


def _await(
    process: subprocess.Popen[bytes],
    ports: dict[str, int],
    log_path: Path,
    ready: Callable[[dict[str, int], Path], T | None],
    timeout: float,
    poll: float,
) -> tuple[str, T | None]:
    """(how the start ended, what ``ready`` returned): the value once ready, None otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            return f"it exited with code {process.returncode} before it was ready", None
        value = ready(ports, log_path)
        if value is not None and process.poll() is None:
            return "ready", value
        if time.monotonic() > deadline:
            return f"it was not ready within {timeout:g} s", None
        time.sleep(poll)


__all__ = ["Running", "StartFailed", "free_port", "free_ports", "start_server", "stop", "tail"]
