"""Pieces shared by the end-to-end tests of the example campaigns (tests/test_example_*.py): a user's
session of CLI commands on one config file and one clock, the clock walked through a campaign's
times while the daemon runs, the queue's states read back, and the config file with the S3-compatible
media host (the server itself is conftest's ``s3`` fixture).

Nothing here is a fake of socialpost: the commands run through click with the real config loader,
wiring, store and daemon; only time is the test's (a :class:`tests.conftest.FakeClock`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.settings.config import Settings, load_settings
from socialpost.store.db import open_store
from socialpost.store.models import PostRow
from tests.conftest import FakeClock
from tests.servers.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server

UNSETTLED = ("pending", "sending", "retry_wait")  # states the daemon has still to move on


def write_config(
    tmp_path: Path, s3: S3Server, bucket: str, accounts: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Path]:
    """Write ``tmp_path/config.yaml`` as a user of the example campaigns would: the store in
    ``tmp_path``, Montreal time, a quick daemon, the media host on bucket ``bucket`` of ``s3`` (the
    bucket created, its keys set as ``SP_S3_KEY``/``SP_S3_SECRET`` and referenced as ``${ENV}``),
    then ``accounts`` (the YAML under ``accounts:``, indented by two). Returns (database URL, path)."""
    s3.admin().create_bucket(Bucket=bucket)
    monkeypatch.setenv("SP_S3_KEY", ACCESS_KEY)
    monkeypatch.setenv("SP_S3_SECRET", SECRET_KEY)
    database = f"sqlite:///{tmp_path / 'socialpost.db'}"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""\
database: {database}
timezone: America/Montreal
daemon: {{poll_seconds: 0.2, lease_seconds: 30}}
media_host:
  kind: s3
  bucket: {bucket}
  endpoint_url: {s3.endpoint}
  region: {REGION}
  access_key_id: ${{SP_S3_KEY}}
  secret_access_key: ${{SP_S3_SECRET}}
accounts:
{accounts}""",
        encoding="utf-8",
    )
    return database, config


def wait_for(done: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def statuses(database: str, post_id: str) -> list[str]:
    """The state of post ``post_id`` on each of its accounts."""
    store = open_store(database)
    try:
        with store.session() as session:
            return list(session.scalars(select(PostRow.status).where(PostRow.post_key == post_id)))
    finally:
        store.close()


def unsettled_by(database: str, when: datetime) -> list[str]:
    """The posts due at or before ``when`` that the daemon has not settled yet (``id@account``)."""
    store = open_store(database)
    try:
        with store.session() as session:
            rows = session.execute(
                select(PostRow.post_key, PostRow.account).where(PostRow.due_at <= when, PostRow.status.in_(UNSETTLED))
            )
            return [f"{key}@{account}" for key, account in rows]
    finally:
        store.close()


class Session:
    """A user at the keyboard: ``socialpost`` commands run in-process on one config file, at the
    test's clock. The config is written by the test (its secrets as ``${ENV}`` references)."""

    def __init__(self, config: Path, clock: FakeClock) -> None:
        self.config = config
        self.clock = clock
        self.settings: Settings = load_settings(str(config))

    @property
    def database(self) -> str:
        return self.settings.database_url

    def run(self, *args: str) -> tuple[int, str, str]:
        """(exit code, stdout, stderr) of ``socialpost ARGS``."""
        app = AppContext(clock=self.clock, settings_override=self.settings)
        try:
            result = CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)
        finally:
            app.close()
        return result.exit_code, result.stdout, result.stderr

    def follow(
        self, campaign: Path, times: Iterable[datetime], *, settle: float = 60.0
    ) -> tuple[int, str, str, list[bool]]:
        """``schedule --follow CAMPAIGN`` (the daemon, until every post is done) while the clock
        walks through ``times``: it moves to a minute after each time in turn, and on to the next
        once the daemon settled every post due by then (or after ``settle`` seconds anyway, so that
        a post that never goes out shows in the test's assertions, not as a hang). Returns the
        command's exit code, stdout, stderr, and for each time whether its posts were settled."""
        settled: list[bool] = []
        steps = sorted(times)

        def time_passes() -> None:
            for step in steps:
                self.clock.set(step + timedelta(minutes=1))
                settled.append(wait_for(lambda step=step: not unsettled_by(self.database, step), settle))

        mover = threading.Thread(target=time_passes, daemon=True)
        mover.start()
        code, out, err = self.run("schedule", "--follow", str(campaign))
        mover.join(timeout=settle + 5)
        return code, out, err, settled
