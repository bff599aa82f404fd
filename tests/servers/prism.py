"""Prism, Stoplight's OpenAPI mock server, running X's own API v2 spec for the whole test session.

Prism checks every request against the spec (path, query, headers, JSON and multipart bodies) and
answers 422 with an ``sl-violations`` header when a request does not conform; otherwise it answers
with a response generated from the spec's schemas (``-d``: dynamic). The spec is X's
(xdevplatform/xdk ``specs/openapi.json``, kept in ``../shared/specs/``), patched by
``scripts/prism/patch_spec.py`` so that Prism accepts OAuth 1.0a ``Authorization`` headers.

Prism is installed by ``scripts/prism/install.sh`` into ``.test-servers/prism/`` (pinned to
5.14.2, the newest release that runs on Node 20); the fixture runs that script when Prism is
missing and npm is available. Use it from a test module with::

    from tests.servers.prism import prism  # noqa: F401  (the fixture)

When Node/npm, the spec or Prism are unavailable, the tests are skipped with the reason; under
``CI=true`` that is a failure instead. The server binds 127.0.0.1 on a free port and is stopped at
the end of the session even when tests fail. A Prism that dies on start (``EADDRINUSE``) or hangs is
started again on a fresh port (``tests/servers/process.py``); the patched spec is written
atomically, so test runs at once never read half of it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

import pytest

from tests.conftest import SHARED
from tests.servers.process import StartFailed, start_server, stop

REPO = Path(__file__).resolve().parents[2]
PRISM_DIR = REPO / ".test-servers" / "prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"
SPEC = SHARED / "specs" / "x-api-v2.openapi.json"
PATCHED = REPO / ".test-servers" / "x-api-v2.patched.json"
START_SECONDS = 60.0


@dataclass
class Prism:
    url: str
    log: Path  # Prism's own output (every request it validated)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"Prism (X contract tests) is required under CI=true: {reason}")
    pytest.skip(f"Prism contract tier skipped: {reason}")


def _install() -> str | None:
    """Install Prism when it is missing; the reason it cannot be, or None."""
    if PRISM_BIN.exists():
        return None
    if shutil.which("npm") is None or shutil.which("node") is None:
        return "node and npm are not installed (scripts/prism/install.sh needs them)"
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "prism" / "install.sh")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0 or not PRISM_BIN.exists():
        return f"scripts/prism/install.sh failed: {(result.stderr or result.stdout).strip()[-500:]}"
    return None


def _patch_spec() -> str | None:
    if not SPEC.exists():
        return f"X's OpenAPI spec is not at {SPEC}"
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "prism" / "patch_spec.py"), str(SPEC), str(PATCHED)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        return f"patch_spec.py failed: {result.stderr.strip()[-500:]}"
    return None


def _ready(ports: dict[str, int], log: Path) -> str | None:
    """The URL once this Prism says it listens on its port and answers there (any HTTP answer:
    GET /2/users/me without auth gets 401). Its own log line matters: after losing the race for
    the port, another run's Prism would answer there."""
    url = f"http://127.0.0.1:{ports['PORT']}"
    if f"Prism is listening on {url}" not in log.read_text(errors="replace"):
        return None
    try:
        with urllib.request.urlopen(url + "/2/users/me", timeout=1):
            return url
    except urllib.error.HTTPError:
        return url
    except OSError:
        return None


@pytest.fixture(scope="session")
def prism() -> Iterator[Prism]:
    reason = _install() or _patch_spec()
    if reason:
        _unavailable(reason)
    logs = Path(tempfile.mkdtemp(prefix="socialpost-prism-"))

    def launch(ports: dict[str, int], log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [str(PRISM_BIN), "mock", "-d", "-h", "127.0.0.1", "-p", str(ports["PORT"]), str(PATCHED)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with every child
        )

    try:
        running = start_server("Prism", launch=launch, ready=_ready, ports=["PORT"], logs=logs, timeout=START_SECONDS)
    except StartFailed as exc:
        shutil.rmtree(logs, ignore_errors=True)
        _unavailable(str(exc))
    try:
        yield Prism(url=running.ready, log=running.log)
    finally:
        stop(running.process)
        shutil.rmtree(logs, ignore_errors=True)
