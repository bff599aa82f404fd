"""A real local Mastodon API fake for the whole test session: ``mastodon_mock`` (PyPI, MIT).

``mastodon_mock serve --in-memory`` is a stateful FastAPI + SQLite implementation of Mastodon's
client API (statuses, media, OAuth, instance, Idempotency-Key, fault injection). It is started once
per session on 127.0.0.1 and a free port, the fixture waits until it answers, and it is stopped at
the end of the session even when tests fail. Use it from a test module with::

    from tests.servers.mastodon import mastodon_mock  # noqa: F401  (the fixture)

When the ``mastodon_mock`` executable is missing or does not start, its tests are skipped with the
reason; under ``CI=true`` that is a failure instead.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"mastodon_mock is required under CI=true: {reason}")
    pytest.skip(f"mastodon_mock tier skipped: {reason}")


@pytest.fixture(scope="session")
def mastodon_mock() -> Iterator[MastodonMock]:
    executable = _executable()
    if executable is None:
        _unavailable("the mastodon_mock command is not installed (pip install mastodon_mock)")
    assert executable is not None
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="socialpost-mastodon-mock-")
    log_path = Path(workdir) / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [executable, "serve", "--in-memory", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,  # it may look for a .mastodon_mock.toml in the working folder: use an empty one
        env={**os.environ, "TMPDIR": workdir},
    )
    server = MastodonMock(url=f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                _unavailable(f"it exited with {process.returncode}: {log_path.read_text(errors='replace')[-500:]}")
            try:
                server.request("GET", "/api/v1/accounts/verify_credentials")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    _unavailable(f"it did not answer within {START_SECONDS:g} s")
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
