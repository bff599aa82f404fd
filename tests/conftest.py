"""Shared fixtures: an isolated user environment, an injectable clock, a store, the CLI."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.settings.config import DaemonSettings, Settings
from socialpost.store.db import Store, open_store

if TYPE_CHECKING:
    from tests.servers.s3 import S3Server

REPO = Path(__file__).resolve().parent.parent
# Third-party test data kept in the repo with their licences, so a fresh clone needs nothing beside
# it: X's OpenAPI spec (MIT, for Prism) and twitter-text's conformance suite (Apache 2.0).
SHARED = REPO / "tests" / "data"
START = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under ``CI=true`` a skipped test is a failure: CI installs every tool and server the suite
    needs, so a skip there means something is missing, and it must not pass for green. (The helpers
    that skip on a developer's machine already fail under CI; this catches any skip they miss.)"""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every test must run: {reason}"


class FakeClock:
    """A clock tests move by hand (thread-safe). Never sleeps."""

    def __init__(self, now: datetime = START) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, now: datetime) -> None:
        with self._lock:
            self._now = now

    def advance(self, **kwargs: float) -> datetime:
        with self._lock:
            self._now += timedelta(**kwargs)
            return self._now


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never read or write the developer's real config, data or queue."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for name in ("SOCIALPOST_CONFIG", "SOCIALPOST_DATABASE_URL", "SOCIALPOST_DATA_DIR", "SOCIALPOST_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests read English unless they choose French: the developer's own locale must not leak in.

    A test that wants French sets ``LANG`` (or passes ``--lang fr``); the active language is put
    back to English after every test.
    """
    from socialpost import i18n

    for name in ("SOCIALPOST_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    i18n.activate("en")
    yield
    i18n.activate("en")


@pytest.fixture(autouse=True)
def machine_zone_again() -> Iterator[None]:
    """A command's ``timezone:`` (socialpost.localtime) does not outlive its test."""
    from socialpost import localtime

    localtime.set_user_zone(None)
    yield
    localtime.set_user_zone(None)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The CLI configures loggers (levels, handlers); undo that after each test."""
    names = ("socialpost", "httpx", "httpcore", "apscheduler")
    saved = {
        n: (logging.getLogger(n).level, list(logging.getLogger(n).handlers), logging.getLogger(n).propagate)
        for n in names
    }
    yield
    for name, (level, handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate


@pytest.fixture(autouse=True)
def forget_secrets() -> Iterator[None]:
    """Secrets a test registers for redaction (process-wide, as in a real run) are forgotten after it."""
    from socialpost.redaction import REGISTRY

    saved = REGISTRY.snapshot()
    yield
    REGISTRY.restore(saved)


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask (022), so that a test sees the modes socialpost chose, not the umask's."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'socialpost.db'}",
        data_dir=tmp_path / "data",
        daemon=DaemonSettings(poll_seconds=0.2, lease_seconds=30, retry_base_seconds=1, shutdown_grace_seconds=5),
        timezone="UTC",  # the user's zone (socialpost.localtime): the same output on every machine
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    opened = open_store(settings.database_url)
    yield opened
    opened.close()


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """write("name.yaml", text) → Path of a file in the test's folder."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(settings: Settings, clock: FakeClock):  # type: ignore[no-untyped-def]
    """run_cli(*args) runs `socialpost ARGS` in-process with the test's settings and clock."""

    def _run(*args: str, input: str | None = None) -> Result:
        app = AppContext(clock=clock, settings_override=settings)
        result = CliRunner().invoke(cli, list(args), obj=app, input=input, catch_exceptions=False)
        app.close()
        return Result(result.exit_code, result.stdout, result.stderr)

    return _run


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    """A real S3 API (moto's) on 127.0.0.1, one for a test module."""
    from tests.servers.s3 import S3Server

    server = S3Server()
    server.start()
    yield server
    server.stop()
