"""A real local Bluesky network for the tests: PLC + PDS + AppView from ``@atproto/dev-env``.

Installed by ``scripts/bluesky-devenv/install.sh`` into ``.test-servers/bluesky/``; started once per
test session by the ``bluesky_devenv`` fixture, bound to 127.0.0.1 (``loopback.js``), on free ports,
with its own PostgreSQL database (created here, dropped afterwards) and the Redis at 127.0.0.1:6379.
A start that dies (``EADDRINUSE`` on a port another process took first) or hangs is tried again on
fresh ports and a fresh database (``tests/servers/process.py``), so two test runs at once on one
machine do not collide.
When something it needs is missing the tests that use it are skipped with the reason, except under
``CI=true``, where that is a failure.

    from tests.servers.bluesky import bluesky_devenv  # noqa: F401  (the fixture)

    def test_x(bluesky_devenv: DevEnv) -> None:
        alice = bluesky_devenv.create_account("alice")
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from tests.servers.process import StartFailed, start_server, stop

REPO = Path(__file__).resolve().parents[2]
DEVENV_DIR = Path(os.environ.get("SOCIALPOST_BLUESKY_DEVENV_DIR") or REPO / ".test-servers" / "bluesky")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
START_TIMEOUT = 90.0  # seconds; it is READY in about 5 s on a 2-core machine


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
        stop(self.process)  # SIGTERM: dev-env closes its servers


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


PORTS = ("PLC_PORT", "PDS_PORT", "BSKY_PORT", "OZONE_PORT")


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
    tmp = scratch / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    databases: list[str] = []  # each attempt starts on a database of its own

    def launch(ports: dict[str, int], log: IO[bytes]) -> subprocess.Popen[bytes]:
        databases.append(_create_database())
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("NODE_", "npm_"))},
            **{name: str(port) for name, port in ports.items()},
            "TMPDIR": str(tmp),
            "DB_POSTGRES_URL": f"postgresql://postgres@127.0.0.1:5432/{databases[-1]}",
            "REDIS_HOST": f"{REDIS_HOST}:{REDIS_PORT}",
            "WATCH_STDIN": "1",  # the network stops by itself if this test process dies
            "LOG_ENABLED": "false",
            "NODE_ENV": "development",
        }
        return subprocess.Popen(
            [node, "--require", "./loopback.js", "fullnet.js"],
            cwd=DEVENV_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    try:
        running = start_server(
            "the Bluesky dev-env",
            launch=launch,
            ready=_ready,
            ports=PORTS,
            logs=scratch,
            timeout=START_TIMEOUT,
            after_failure=lambda: _drop_database(databases[-1]),
        )
    except StartFailed as exc:
        pytest.fail(str(exc), pytrace=False)
    # Use 127.0.0.1: the servers listen there only (localhost may resolve to ::1 first).
    return DevEnv(
        pds_url=f"http://127.0.0.1:{running.ports['PDS_PORT']}",
        bsky_url=f"http://127.0.0.1:{running.ports['BSKY_PORT']}",
        plc_url=f"http://127.0.0.1:{running.ports['PLC_PORT']}",
        process=running.process,
        log_path=running.log,
        database=databases[-1],
    )


def _ready(ports: dict[str, int], log_path: Path) -> dict[str, Any] | None:
    """The URLs ``fullnet.js`` prints on its ``READY`` line once the whole network answers."""
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("READY "):
            urls: dict[str, Any] = json.loads(line[len("READY ") :])
            if str(ports["PDS_PORT"]) in str(urls.get("pds")):
                return urls
    return None


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
