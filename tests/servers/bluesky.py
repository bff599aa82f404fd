"""A real local Bluesky network for the tests: PLC + PDS + AppView from ``@atproto/dev-env``.

Installed by ``scripts/bluesky-devenv/install.sh`` into ``.test-servers/bluesky/``; started once per
test session by the ``bluesky_devenv`` fixture, bound to 127.0.0.1 (``loopback.js``), on free ports,
with its own PostgreSQL database (created here, dropped afterwards) and the Redis at 127.0.0.1:6379.
When something it needs is missing the tests that use it are skipped with the reason, except under
``CI=true``, where that is a failure.

    from tests.servers.bluesky import bluesky_devenv  # noqa: F401  (the fixture)

    def test_x(bluesky_devenv: DevEnv) -> None:
        alice = bluesky_devenv.create_account("alice")
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DEVENV_DIR = Path(os.environ.get("SOCIALPOST_BLUESKY_DEVENV_DIR") or REPO / ".test-servers" / "bluesky")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
START_TIMEOUT = 90.0  # seconds; it is READY in about 5 s on a 2-core machine
STOP_TIMEOUT = 10.0


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail under CI=true, where the real server must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the Bluesky dev-env tests must run)", pytrace=False)
    pytest.skip(reason)


@dataclass
class Account:
    handle: str
    did: str
    password: str  # the main password
    app_password: str = ""
    client: Any = None  # an atproto Client logged in with the main password


@dataclass
class DevEnv:
    pds_url: str
    bsky_url: str
    plc_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    database: str
    accounts: list[Account] = field(default_factory=list)

    def create_account(self, prefix: str) -> Account:
        """A new account with a unique handle (``<prefix><hex>.test``) and an app password."""
        from atproto import Client, models

        handle = f"{prefix}{secrets.token_hex(3)}.test"
        password = secrets.token_urlsafe(12)
        client = Client(base_url=self.pds_url)
        created = client.com.atproto.server.create_account(
            models.ComAtprotoServerCreateAccount.Data(handle=handle, email=f"{handle}@example.test", password=password)
        )
        client.login(handle, password, fetch_bsky_profile=False)
        app = client.com.atproto.server.create_app_password(
            models.ComAtprotoServerCreateAppPassword.Data(name="socialpost")
        )
        account = Account(handle, created.did, password, app.password, client)
        self.accounts.append(account)
        return account

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        for account in self.accounts:
            with contextlib.suppress(Exception):
                account.client.request.close()
        stop_process(self.process)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (dev-env closes its servers), then SIGKILL if it does not go within STOP_TIMEOUT."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(5)
    if process.stdin:
        with contextlib.suppress(OSError):
            process.stdin.close()


def _redis_ok() -> str | None:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
    except OSError as exc:
        return f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} ({exc.__class__.__name__}: {exc})"
    if not answer.startswith(b"+PONG"):
        return f"Redis at {REDIS_HOST}:{REDIS_PORT} did not answer PING ({answer[:40]!r})"
    return None


def _create_database() -> str:
    import psycopg

    name = f"bsky_dev_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        unavailable(f"PostgreSQL is not usable at 127.0.0.1:5432 as postgres: {str(exc).strip()}")
    return name


def _drop_database(name: str) -> None:
    import psycopg

    with contextlib.suppress(psycopg.Error), psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_devenv(scratch: Path) -> DevEnv:
    node = shutil.which("node")
    if node is None:
        unavailable("Node.js is not installed (the Bluesky dev-env needs node >= 18.7)")
    assert node is not None
    if not (DEVENV_DIR / "node_modules" / "@atproto" / "dev-env").is_dir() or not (DEVENV_DIR / "fullnet.js").is_file():
        unavailable(
            f"the Bluesky dev-env is not installed in {DEVENV_DIR}; run: bash scripts/bluesky-devenv/install.sh"
        )
    problem = _redis_ok()
    if problem:
        unavailable(problem + "; start one with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''")
    database = _create_database()
    tmp = scratch / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("PLC_PORT", "PDS_PORT", "BSKY_PORT", "OZONE_PORT")}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("NODE_", "npm_"))},
        **{name: str(port) for name, port in ports.items()},
        "TMPDIR": str(tmp),
        "DB_POSTGRES_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
        "REDIS_HOST": f"{REDIS_HOST}:{REDIS_PORT}",
        "WATCH_STDIN": "1",  # the network stops by itself if this test process dies
        "LOG_ENABLED": "false",
        "NODE_ENV": "development",
    }
    log_path = scratch / "devenv.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [node, "--require", "./loopback.js", "fullnet.js"],
        cwd=DEVENV_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log_file.close()
    deadline = time.monotonic() + START_TIMEOUT
    ready: dict[str, str] | None = None
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith("READY "):
                import json

                ready = json.loads(line[len("READY ") :])
                break
        if ready or process.poll() is not None:
            break
        time.sleep(0.1)
    if ready is None:
        stop_process(process)
        _drop_database(database)
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        reason = "exited" if process.poll() is not None else f"was not ready within {START_TIMEOUT:g} s"
        pytest.fail(f"the Bluesky dev-env {reason}:\n{tail}", pytrace=False)
    assert ready is not None
    # Use 127.0.0.1: the servers listen there only (localhost may resolve to ::1 first).
    pds_url = f"http://127.0.0.1:{ports['PDS_PORT']}"
    return DevEnv(
        pds_url=pds_url,
        bsky_url=f"http://127.0.0.1:{ports['BSKY_PORT']}",
        plc_url=f"http://127.0.0.1:{ports['PLC_PORT']}",
        process=process,
        log_path=log_path,
        database=database,
    )


@pytest.fixture(scope="session")
def bluesky_devenv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevEnv]:
    """One real Bluesky network for the whole test session, torn down even when tests fail."""
    scratch = tmp_path_factory.mktemp("bluesky-devenv")
    network = start_devenv(scratch)
    try:
        yield network
    finally:
        network.stop()
        _drop_database(network.database)
        shutil.rmtree(scratch / "tmp", ignore_errors=True)
