"""Mends from a robustness run: out-of-range daemon settings, bad database URLs, a crashing send.

Each case goes through the real code: the config file is loaded as the CLI loads it, the store is
a real SQLite file, and the daemon cases run a real :class:`Daemon` (fake clock, real threads).
"""

from __future__ import annotations

import logging
import socket
import threading
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from socialpost.cli import cli
from socialpost.daemon.dispatcher import Dispatcher
from socialpost.daemon.service import Daemon
from socialpost.errors import ConfigError, ExitCode, StoreError, TransientError
from socialpost.networks import registry
from socialpost.networks.base import Network, OutgoingPost, Published
from socialpost.settings.config import DaemonSettings, Settings, load_settings
from socialpost.store.db import DatabaseURLError, Store, open_store
from socialpost.store.models import PostRow, Status
from socialpost.store.queue import Queue
from socialpost.wiring import Adapters
from tests.conftest import START, FakeClock, Result
from tests.store_helpers import assert_history_consistent, events, post, seed_posts

Write = Callable[[str, str], Path]


def socialpost(*args: str, env: dict[str, str] | None = None) -> Result:
    """`socialpost ARGS` in-process, loading the config exactly as the real command does. Any
    Python warning is an error here: none may reach the user."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def assert_one_paragraph(result: Result) -> None:
    for noise in ("Traceback", "internal error", "Warning", "sqlalche.me"):
        assert noise not in result.stderr, result.stderr


# --- 1a: every daemon setting has bounds ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("retry_base_seconds: 1e308", "1:30: 'retry_base_seconds': input should be less than or equal to 604800."),
        ("retry_max_seconds: .inf", "1:29: 'retry_max_seconds': input should be less than or equal to 604800."),
        ("retry_base_seconds: .nan", "'retry_base_seconds': input should be"),
        ("shutdown_grace_seconds: 86400", "'shutdown_grace_seconds': input should be less than or equal to 3600."),
        ("shutdown_grace_seconds: -1", "'shutdown_grace_seconds': input should be greater than or equal to 0."),
        ("poll_seconds: 1e308", "'poll_seconds': input should be less than or equal to 3600."),
        ("lease_seconds: 1e9", "'lease_seconds': input should be less than or equal to 86400."),
        ("workers: 0", "'workers': input should be greater than or equal to 1."),
        ("workers: 257", "'workers': input should be less than or equal to 256."),
        ("max_attempts: 1000", "'max_attempts': input should be less than or equal to 100."),
        ("min_interval_seconds: 1e308", "'min_interval_seconds': input should be less than or equal to 86400."),
        ("min_interval_overrides: {x: 1e308}", "the interval for 'x' is longer than a day. Fix: give a number"),
        ("min_interval_overrides: {x: .nan}", "the interval for 'x' is longer than a day."),
        ("min_interval_overrides: {x: -1}", "the interval for 'x' is negative."),
        ("max_age: 100000000d", "'max_age': '100000000d' is too long a duration."),
    ],
)
def test_daemon_settings_out_of_range_are_located_config_errors(write: Write, text: str, expected: str) -> None:
    path = write("config.yaml", f"daemon: {{{text}}}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path), {})
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert f"{path}:1:" in str(caught.value) and expected in str(caught.value), str(caught.value)
    assert "Fix:" in str(caught.value)


def test_the_robustness_config_is_refused_by_the_command(write: Write) -> None:
    path = write("config.yaml", "daemon: {retry_base_seconds: 1e308, retry_max_seconds: 1e308}\n")
    result = socialpost("--config", str(path), "status")
    assert result.exit_code == ExitCode.BAD_INPUT
    assert f"{path}:1:30: 'retry_base_seconds'" in result.stderr
    assert f"{path}:1:56: 'retry_max_seconds'" in result.stderr
    assert_one_paragraph(result)


def test_the_largest_values_allowed_still_work(write: Write) -> None:
    path = write(
        "config.yaml",
        "daemon:\n  retry_base_seconds: 604800\n  retry_max_seconds: 604800\n  shutdown_grace_seconds: 3600\n"
        "  min_interval_overrides: {mastodon: 86400}\n",
    )
    daemon = load_settings(str(path), {}).daemon
    assert daemon.retry_base_seconds == daemon.retry_max_seconds == 604800
    assert daemon.min_interval("mastodon:x") == 86400


# --- 1b: a send that crashes never leaves its post 'sending' without a reason ----------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_until(daemon: Daemon, done: Callable[[], bool], timeout: float = 10.0) -> None:
    daemon.stop_when = done
    thread = threading.Thread(target=daemon.run, name=f"daemon-{daemon.daemon_id}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        daemon.stop()
        thread.join(5)
        pytest.fail("the daemon did not settle the post")


def _settled(store: Store, post_id: int) -> Callable[[], bool]:
    return lambda: post(store, post_id).status not in (Status.PENDING.value, Status.SENDING.value)


@pytest.fixture
def overflowing(settings: Settings) -> Settings:
    """The robustness run's settings (as if a config had slipped past the bounds) and a webhook
    whose URL refuses connections."""
    settings.daemon = DaemonSettings(poll_seconds=0.2, lease_seconds=30, shutdown_grace_seconds=5).model_copy(
        update={"retry_base_seconds": 1e308, "retry_max_seconds": 1e308}
    )
    settings.accounts = {"webhook": {"hook": {"url": f"http://127.0.0.1:{_closed_port()}/hook", "timeout": 2}}}
    return settings


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    shown = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert not [r for r in shown if r.exc_info], [r.getMessage() for r in shown if r.exc_info]
    assert not [r for r in shown if "crashed" in r.getMessage()]


def test_a_crash_before_the_request_left_puts_the_post_back_to_retry(
    store: Store, overflowing: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="socialpost")
    (post_id,) = seed_posts(store, 1, due=START, account="webhook:hook")
    _run_until(Daemon(store, overflowing, daemon_id="d1", clock=clock), _settled(store, post_id))
    row = post(store, post_id)
    assert (row.status, row.attempts, row.lease_until) == ("retry_wait", 1, None)
    reason = row.last_error or ""
    assert "failed unexpectedly before this post reached webhook" in reason and "OverflowError" in reason
    assert "Trying again in 1h." in reason and row.next_attempt_at is not None
    assert "will retry" in caplog.text and "OverflowError" in caplog.text
    _no_traceback(caplog)
    assert_history_consistent(store)


def _break_payload(store: Store, post_id: int) -> None:
    """A stored post our own code cannot read (a media entry without its file): a bug of ours,
    met after the claim and before any request."""
    with store.write() as session:
        session.execute(
            update(PostRow).where(PostRow.id == post_id).values(payload={"text": "x", "media": [{"alt": "no file"}]})
        )


def test_a_crash_that_repeats_ends_failed_after_the_last_attempt(
    store: Store, settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings.daemon = settings.daemon.model_copy(update={"max_attempts": 2})
    (post_id,) = seed_posts(store, 1, due=START, account="outbox:news")
    _break_payload(store, post_id)
    daemon = Daemon(store, settings, daemon_id="d1", clock=clock)
    _run_until(daemon, _settled(store, post_id))
    row = post(store, post_id)
    assert row.status == "retry_wait"
    assert "before this post reached outbox (KeyError: 'file')" in (row.last_error or "")
    assert row.next_attempt_at is not None
    clock.set(row.next_attempt_at)
    _run_until(Daemon(store, settings, daemon_id="d1", clock=clock), _settled(store, post_id))
    row = post(store, post_id)
    assert row.status == "failed" and row.attempts == 2
    assert (row.last_error or "").startswith(
        "gave up after 2 attempts. Last error: socialpost failed unexpectedly before this post reached outbox"
    )
    assert not (settings.data_dir / "outbox").exists()  # nothing was published
    _no_traceback(caplog)
    assert_history_consistent(store)


def test_a_daemon_taking_over_the_lease_settles_the_post_too(
    store: Store, overflowing: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The dead daemon may have sent it: after a crash while reconciling, the post is unknown (for
    the user to check), not left sending for the next daemon to crash on."""
    (post_id,) = seed_posts(store, 1, due=START, account="webhook:hook")
    (_held,) = Queue(store, "dead", clock=clock).claim(1, timedelta(seconds=30))  # then the daemon dies
    clock.advance(seconds=31)  # its lease has run out
    _run_until(Daemon(store, overflowing, daemon_id="reaper", clock=clock), _settled(store, post_id))
    row = post(store, post_id)
    assert row.status == "unknown" and "OverflowError" in (row.last_error or "")
    assert "socialpost resolve" in (row.last_error or "")
    kinds = [e.kind for e in events(store, post_id)]
    assert kinds == ["scheduled", "claimed", "lease-expired", "unknown"]
    _no_traceback(caplog)
    assert_history_consistent(store)


def test_a_database_failure_is_left_to_the_lease_not_settled(
    store: Store, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post whose outcome could not be written stays 'sending', and the reaper settles it as
    after a crash (the outbox finds its file: sent) — not 'unknown' for the user to resolve."""
    (post_id,) = seed_posts(store, 1, due=START, account="outbox:news")
    queue = Queue(store, "d1", clock=clock)
    dispatcher = Dispatcher(queue, Adapters(settings, clock=clock), settings.daemon)

    def database_down(_outcomes: object) -> list[bool]:
        raise StoreError("the database failed: disk I/O error")

    (claimed,) = dispatcher.claim(1)
    monkeypatch.setattr(queue, "record", database_down)
    assert dispatcher.deliver(claimed) is Status.SENDING
    monkeypatch.undo()
    assert post(store, post_id).status == "sending"
    clock.advance(seconds=settings.daemon.lease_seconds + 1)
    reaper = Dispatcher(Queue(store, "reaper", clock=clock), dispatcher.adapters, settings.daemon)
    (taken,) = reaper.queue.take_expired(1, reaper.lease)
    assert reaper.reconcile(taken) is Status.SENT
    assert len(list((settings.data_dir / "outbox" / "news" / "posts").glob("*.json"))) == 1
    assert_history_consistent(store)


class Crashy(Network):
    """A test adapter with a bug: its ``publish`` returns nothing (the request went out), or
    raises a TransientError whose ``retry_at`` has no time zone (before anything went out)."""

    name = "crashy"
    title = "Crashy"
    needs_config = False
    calls: ClassVar[list[str]] = []

    def publish(self, post: OutgoingPost) -> Published:
        Crashy.calls.append(self.account)
        if self.account.endswith(":before"):
            raise TransientError("crashy: busy.", retry_at=datetime(2027, 1, 10, 13, 0))  # naive: a bug
        return None  # type: ignore[return-value]


@pytest.fixture
def crashy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Registered as a plugin registers an adapter: an entry point of the socialpost.networks group."""
    from importlib.metadata import EntryPoint

    real = registry.available
    real.cache_clear()
    found = dict(real())
    found["crashy"] = EntryPoint(name="crashy", value=f"{__name__}:Crashy", group=registry.GROUP)
    monkeypatch.setattr(registry, "available", lambda: found)
    Crashy.calls = []
    yield
    real.cache_clear()


def test_a_crash_after_the_request_left_makes_the_post_unknown(
    store: Store, settings: Settings, clock: FakeClock, crashy: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="socialpost")
    (post_id,) = seed_posts(store, 1, due=START, account="crashy:after")
    daemon = Daemon(store, settings, daemon_id="d1", clock=clock)
    _run_until(daemon, _settled(store, post_id))
    row = post(store, post_id)
    assert (row.status, row.lease_until) == ("unknown", None)
    reason = row.last_error or ""
    assert "failed unexpectedly while sending this post (AttributeError:" in reason
    assert "may or may not be online" in reason and "socialpost resolve" in reason
    assert Crashy.calls == ["crashy:after"]  # never re-sent blindly
    assert daemon.delivered == 1
    assert "unknown outcome" in caplog.text
    _no_traceback(caplog)
    assert_history_consistent(store)


def test_a_crash_before_the_request_left_with_a_plugin_adapter_is_retried(
    store: Store, settings: Settings, clock: FakeClock, crashy: None, caplog: pytest.LogCaptureFixture
) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="crashy:before")
    _run_until(Daemon(store, settings, daemon_id="d1", clock=clock), _settled(store, post_id))
    row = post(store, post_id)
    assert row.status == "retry_wait"
    assert "before this post reached crashy (TypeError:" in (row.last_error or "")
    _no_traceback(caplog)
    assert_history_consistent(store)


def test_status_shows_the_crashed_post_with_its_reason(
    store: Store, settings: Settings, clock: FakeClock, crashy: None, run_cli: Callable[..., Result]
) -> None:
    (post_id,) = seed_posts(store, 1, due=START, account="crashy:after")
    _run_until(Daemon(store, settings, daemon_id="d1", clock=clock), _settled(store, post_id))
    result = run_cli("status")
    assert result.exit_code == ExitCode.ATTENTION
    assert "unknown" in result.stdout and "failed unexpectedly" in result.stdout


# --- 2: the database URL --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "this is not a database URL."),
        ("nosuch://x/y", "unknown database type 'nosuch'."),
        ("postgres://me@db.example.com/socialpost", "unknown database type 'postgres'."),
        ("postgresql://db.example.com:five/socialpost", "the port 'five' is not a number."),
        ("sqlite://socialpost.db", "a SQLite URL names a file after three slashes, not a server."),
        (
            "sqlite:///x.db?mode=ro&bogus=1",
            "the SQLite driver does not accept the URL option(s) bogus, mode; they would be ignored.",
        ),
    ],
)
def test_a_bad_database_url_is_a_located_config_error(write: Write, url: str, expected: str) -> None:
    path = write("config.yaml", f"# the queue\ndatabase: '{url}'\n")
    result = socialpost("--config", str(path), "status")
    assert result.exit_code == ExitCode.BAD_INPUT, result.stderr
    assert f"{path}:2:11: database: {expected}" in result.stderr
    assert "Fix:" in result.stderr
    assert_one_paragraph(result)
    if "bogus" in url:
        assert "Fix: remove them" in result.stderr
    else:
        assert "sqlite:///path/to/socialpost.db" in result.stderr


def test_a_bad_database_url_from_the_environment_names_the_variable(write: Write) -> None:
    result = socialpost("status", env={"SOCIALPOST_DATABASE_URL": "nosuch://x/y"})  # no config file
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "$SOCIALPOST_DATABASE_URL: unknown database type 'nosuch'." in result.stderr
    path = write("config.yaml", "daemon: {}\n")
    result = socialpost("--config", str(path), "status", env={"SOCIALPOST_DATABASE_URL": "not a url"})
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "$SOCIALPOST_DATABASE_URL: this is not a database URL." in result.stderr
    assert_one_paragraph(result)


def test_a_url_only_sqlalchemy_refuses_is_bad_input_too(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DatabaseURLError) as caught:
            open_store("postgresql+nosuchdriver://db.example.com/socialpost")
        assert caught.value.exit_code == ExitCode.BAD_INPUT and isinstance(caught.value, StoreError)
        assert "Fix: write a URL like sqlite:///path/to/socialpost.db" in str(caught.value)
        # open_store checks by itself too: a caller that did not load settings gets no SAWarning
        with pytest.raises(DatabaseURLError) as caught:
            open_store(f"sqlite:///{tmp_path / 'x.db'}?bogus=1")
        assert "bogus" in str(caught.value)


def test_sqlite_options_the_driver_accepts_still_work(write: Write, tmp_path: Path) -> None:
    path = write("config.yaml", "database: 'sqlite:///queue.db?timeout=5'\n")
    result = socialpost("--config", str(path), "status")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert (tmp_path / "queue.db").exists()  # relative to the config file's folder
    assert_one_paragraph(result)


def test_a_file_that_is_not_a_database_is_named(write: Write, tmp_path: Path) -> None:
    passwd = write("passwd", "root:x:0:0:root:/root:/bin/bash\n" * 100)
    path = write("config.yaml", f"database: 'sqlite:///{passwd}'\n")
    result = socialpost("--config", str(path), "status")
    assert result.exit_code == ExitCode.FAILURE
    assert f"{passwd} is not a socialpost database: SQLite cannot read it (file is not a database)." in result.stderr
    assert "restore it from a backup" in result.stderr and "sqlite:///path/to/socialpost.db" in result.stderr
    assert_one_paragraph(result)
    assert passwd.read_text().startswith("root:x:0:0")  # left as it was
