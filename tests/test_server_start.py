"""The test servers start reliably (tests/servers/process.py): a server that dies on start, as the
Bluesky dev-env did with EADDRINUSE on a busy machine, is started again on fresh ports, a bounded
number of times, and when it never starts the error says why. Real processes, real sockets."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import REPO
from tests.servers import process as servers
from tests.servers.process import StartFailed, free_ports, start_server, stop

# A server as the dev-env behaves: it listens on $PORT, or dies saying EADDRINUSE as Node does.
FAKE_SERVER = """
import os, signal, socket, sys, time
port = int(os.environ["PORT"])
if os.environ.get("FAIL"):
    print("boom on", port, flush=True)
    sys.exit(3)
sock = socket.socket()
try:
    sock.bind(("127.0.0.1", port))
except OSError:
    print(f"Error: listen EADDRINUSE: address already in use 127.0.0.1:{port}", flush=True)
    sys.exit(1)
if os.environ.get("HANG"):
    time.sleep(600)
sock.listen()
print(f"listening on 127.0.0.1:{port}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(0.05)
"""


class Fake:
    """Launches FAKE_SERVER and keeps every process it started."""

    def __init__(self, folder: Path, **env: str) -> None:
        self.script = folder / "fake_server.py"
        self.script.write_text(FAKE_SERVER, encoding="utf-8")
        self.env = env
        self.started: list[subprocess.Popen[bytes]] = []

    def launch(self, ports: dict[str, int], log: IO[bytes]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, str(self.script)],
            env={**os.environ, **self.env, "PORT": str(ports["PORT"])},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    @staticmethod
    def ready(ports: dict[str, int], log: Path) -> int | None:
        return ports["PORT"] if f"listening on 127.0.0.1:{ports['PORT']}" in log.read_text() else None


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[Fake]:
    made = Fake(tmp_path)
    yield made
    for process in made.started:
        stop(process)


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another process holds (it listens there), like the one the dev-env lost."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_server_that_dies_with_eaddrinuse_is_started_again_on_fresh_ports(
    fake: Fake, taken_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picks: list[dict[str, int]] = []
    real = servers.free_ports

    def first_pick_loses_the_race(names: list[str], *, avoid: set[int]) -> dict[str, int]:
        ports = {"PORT": taken_port} if not picks else real(names, avoid=avoid)
        picks.append(ports)
        return ports

    monkeypatch.setattr(servers, "free_ports", first_pick_loses_the_race)
    cleanups: list[int] = []
    running = start_server(
        "the fake server",
        launch=fake.launch,
        ready=fake.ready,
        ports=["PORT"],
        logs=tmp_path / "logs",
        timeout=30,
        after_failure=lambda: cleanups.append(len(picks)),
    )
    assert running.attempts == 2 and cleanups == [1]
    assert running.ports == picks[1] and running.ports["PORT"] != taken_port and running.ready == running.ports["PORT"]
    first_log = sorted((tmp_path / "logs").glob("the-fake-server-*-1.log"))[0]
    assert f"EADDRINUSE: address already in use 127.0.0.1:{taken_port}" in first_log.read_text()
    assert fake.started[0].poll() == 1
    with socket.create_connection(("127.0.0.1", running.ports["PORT"]), timeout=5):
        pass  # the second one really serves
    stop(running.process)
    assert running.process.poll() == 0


def test_it_gives_up_after_three_attempts_and_says_why(fake: Fake, tmp_path: Path) -> None:
    fake.env["FAIL"] = "1"
    cleanups: list[None] = []
    with pytest.raises(StartFailed) as caught:
        start_server(
            "the fake server",
            launch=fake.launch,
            ready=fake.ready,
            ports=["PORT"],
            logs=tmp_path,
            timeout=30,
            after_failure=lambda: cleanups.append(None),
        )
    message = str(caught.value)
    assert message.startswith("the fake server did not start in 3 attempts:")
    assert len(fake.started) == 3 and len(cleanups) == 3
    for number in (1, 2, 3):
        assert f"attempt {number}: ports PORT=" in message
    assert message.count("it exited with code 3 before it was ready") == 3
    used = [int(line.split("PORT=")[1].split(":")[0]) for line in message.splitlines() if "PORT=" in line]
    assert len(set(used)) == 3  # fresh ports each time
    for port in used:
        assert f"    boom on {port}" in message  # the tail of that attempt's log


def test_a_server_never_ready_is_stopped_and_tried_again(fake: Fake, tmp_path: Path) -> None:
    fake.env["HANG"] = "1"
    with pytest.raises(StartFailed) as caught:
        start_server(
            "the fake server",
            launch=fake.launch,
            ready=fake.ready,
            ports=["PORT"],
            logs=tmp_path,
            timeout=0.5,
            attempts=2,
        )
    assert str(caught.value).count("it was not ready within 0.5 s") == 2
    assert [p.poll() is not None for p in fake.started] == [True, True]  # none left running


def running(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for a reaper does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_stop_kills_a_server_that_ignores_sigterm_with_its_children(tmp_path: Path) -> None:
    code = "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    code += "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
    code += "print(child.pid, flush=True); time.sleep(600)"
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=True)
    assert process.stdout is not None
    child = int(process.stdout.readline())
    assert running(child)
    stop(process, timeout=0.5)
    assert process.poll() == -9  # SIGTERM ignored: killed
    for _ in range(100):  # the whole group went, the child too
        if not running(child):
            break
        time.sleep(0.05)
    assert not running(child)
    process.stdout.close()


def test_free_ports_are_distinct_bindable_and_below_the_ephemeral_range() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = free_ports(["A", "B", "C", "D"], avoid={10_000})
    assert len(set(ports.values())) == 4 and all(10_000 < p < low for p in ports.values())
    for port in ports.values():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


WRITER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("patch_spec", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
for _ in range(int(sys.argv[4])):
    module.main(["patch_spec.py", sys.argv[2], sys.argv[3]])
"""


def test_the_patched_spec_is_replaced_atomically(tmp_path: Path) -> None:
    # Two test runs at once both write .test-servers/x-api-v2.patched.json (scripts/prism/patch_spec.py);
    # Prism must never read half of it, and neither run may fail.
    sources = []
    for n in range(3):  # three versions of the spec, so that each run really writes
        sources.append(tmp_path / f"spec{n}.json")
        sources[-1].write_text(json.dumps({"n": n, "pad": "x" * 200_000}), encoding="utf-8")
    out = tmp_path / "out" / "patched.json"
    torn: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                json.loads(out.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue
            except ValueError as exc:
                torn.append(str(exc))

    reader = threading.Thread(target=read)
    reader.start()
    script = str(REPO / "scripts" / "prism" / "patch_spec.py")
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, script, str(source), str(out), "200"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for source in sources
    ]
    errors = [writer.communicate(timeout=120)[1].decode() for writer in writers]
    done.set()
    reader.join()
    assert [w.returncode for w in writers] == [0, 0, 0], errors
    assert torn == []
    patched = json.loads(out.read_text(encoding="utf-8"))
    assert patched["n"] in (0, 1, 2) and patched["components"]["securitySchemes"]["UserToken"]["type"] == "apiKey"
    assert [p.name for p in out.parent.iterdir()] == ["patched.json"]  # no temporary file left behind
