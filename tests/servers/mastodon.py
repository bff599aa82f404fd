"""A real local Mastodon API fake for the whole test session: ``mastodon_mock`` (PyPI, MIT).

``mastodon_mock serve --in-memory`` is a stateful FastAPI + SQLite implementation of Mastodon's
client API (statuses, media, OAuth, instance, Idempotency-Key, fault injection). It is started once
per session on 127.0.0.1 and a free port, the fixture waits until it answers (a start that dies,
e.g. on a port another process took first, is tried again on a fresh port: tests/servers/process.py),
and it is stopped at the end of the session even when tests fail. Use it from a test module with::

    from tests.servers.mastodon import mastodon_mock  # noqa: F401  (the fixture)

When the ``mastodon_mock`` executable is missing or does not start, its tests are skipped with the
reason; under ``CI=true`` that is a failure instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

import pytest

from tests.servers.process import StartFailed, start_server, stop

TOKEN = "mock_token"  # mastodon_mock's built-in token for its seeded user
USERNAME = "testuser"
START_SECONDS = 30.0


@dataclass
class MastodonMock:
    url: str
    token: str = TOKEN
    username: str = USERNAME

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = TOKEN) -> Any:
        """A direct JSON call to the server (for arranging and reading back, not the code under test)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def add_fault(self, rule: dict[str, Any]) -> dict[str, Any]:
        """mastodon_mock's fault injection: force a status, a 429, latency… on matching requests."""
        result: dict[str, Any] = self.request("POST", "/api/v1/_mock/faults", rule)
        return result

    def clear_faults(self) -> None:
        self.request("DELETE", "/api/v1/_mock/faults")


def _executable() -> str | None:
    here = Path(sys.executable).parent / "mastodon_mock"
    return str(here) if here.exists() else shutil.which("mastodon_mock")


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"mastodon_mock is required under CI=true: {reason}")
    pytest.skip(f"mastodon_mock tier skipped: {reason}")


def _ready(server: MastodonMock) -> Callable[[dict[str, int], Path], bool | None]:
    """Ready once this process says it runs on its port (after losing the race for the port,
    another run's server would answer there) and the API answers."""

    def ready(ports: dict[str, int], log: Path) -> bool | None:
        if f"Uvicorn running on http://127.0.0.1:{ports['PORT']}" not in log.read_text(errors="replace"):
            return None
        server.url = f"http://127.0.0.1:{ports['PORT']}"
        try:
            server.request("GET", "/api/v1/accounts/verify_credentials")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None
        return True

    return ready


@pytest.fixture(scope="session")
def mastodon_mock() -> Iterator[MastodonMock]:
    executable = _executable()
    if executable is None:
        _unavailable("the mastodon_mock command is not installed (pip install mastodon_mock)")
    command = executable
    workdir = tempfile.mkdtemp(prefix="socialpost-mastodon-mock-")

    def launch(ports: dict[str, int], log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [command, "serve", "--in-memory", "--host", "127.0.0.1", "--port", str(ports["PORT"])],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,  # it may look for a .mastodon_mock.toml in the working folder: use an empty one
            env={**os.environ, "TMPDIR": workdir},
            start_new_session=True,
        )

    server = MastodonMock(url="")
    try:
        running = start_server(
            "mastodon_mock",
            launch=launch,
            ready=_ready(server),
            ports=["PORT"],
            logs=Path(workdir),
            timeout=START_SECONDS,
        )
    except StartFailed as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        _unavailable(str(exc))
    try:
        yield server
    finally:
        stop(running.process)
        shutil.rmtree(workdir, ignore_errors=True)
