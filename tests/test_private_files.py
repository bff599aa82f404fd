"""What socialpost keeps on disk is private to its owner, and `doctor` says when it is not.

The data folder is created 0700 and the SQLite database 0600 (its -wal and -shm files follow), also
under the usual umask 022; a folder or database that existed before keeps its mode, and `doctor`
gives the `chmod` that closes it. `doctor` also finds secrets written in clear inside a webhook's
URL or headers in a config file others can read. Nothing here relies on a permission being refused
(CI runs as root): the tests look at modes only.
"""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from socialpost import doctor
from socialpost.cli.context import AppContext
from socialpost.cli.doctor import doctor as doctor_command
from socialpost.settings.config import Settings
from socialpost.store.db import open_store
from socialpost.store.queue import Queue
from socialpost.timeutil import utcnow
from socialpost.wiring import Adapters
from tests.conftest import REPO, FakeClock
from tests.store_helpers import campaign_yaml

HOOK_TOKEN = "T7Hq2ZkP9wXr4VbN8mLc3Jd"  # a made-up token, shaped like a Slack webhook's last segment


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- created private ------------------------------------------------------------------------------


def test_a_new_database_and_its_folder_are_private_and_wal_and_shm_follow(tmp_path: Path, umask_022: None) -> None:
    database = tmp_path / "parent" / "data" / "socialpost.db"
    store = open_store(f"sqlite:///{database}")
    try:
        Queue(store, "d").heartbeat(started=True)  # a write
        # WAL mode: the -wal and -shm files exist while a connection is open
        wal, shm = database.with_name("socialpost.db-wal"), database.with_name("socialpost.db-shm")
        assert wal.is_file() and shm.is_file()
        assert (mode(database), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    finally:
        store.close()
    assert mode(database.parent) == 0o700
    assert mode(database.parent.parent) == 0o755  # a parent made on the way is an ordinary folder


def test_schedule_with_the_default_data_folder_creates_it_private(
    tmp_path: Path, isolated_env: Path, write: Any
) -> None:
    """The real command, with no config and the platform's data folder, under umask 022."""
    campaign = write("launch.yaml", campaign_yaml([("teaser", f"{utcnow() + timedelta(days=3):%Y-%m-%d %H:%M}", "Hi")]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALPOST_")}
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "socialpost"), "schedule", str(campaign)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        preexec_fn=lambda: os.umask(0o022),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    data = isolated_env / ".local" / "share" / "socialpost"
    assert mode(data) == 0o700
    assert mode(data / "socialpost.db") == 0o600
    assert mode(data.parent) == 0o755  # ~/.local/share is not socialpost's to close


def test_an_adapter_creates_the_data_folder_private(settings: Settings, umask_022: None) -> None:
    """With PostgreSQL, the first thing to write in the data folder is an adapter (an outbox)."""
    assert not settings.data_dir.exists()
    Adapters(settings).get("outbox:news")
    assert mode(settings.data_dir) == 0o700


def test_an_existing_folder_and_database_keep_their_modes(tmp_path: Path, umask_022: None) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    database = folder / "socialpost.db"
    open_store(f"sqlite:///{database}").close()
    database.chmod(0o644)
    open_store(f"sqlite:///{database}").close()
    assert (mode(folder), mode(database)) == (0o755, 0o644)  # the owner chose them: doctor tells, we do not chmod


# --- doctor: data folder and database ---------------------------------------------------------------


def _findings(settings: Settings, check: str) -> list[doctor.Finding]:
    report = doctor.run_checks(settings, clock=FakeClock(), date_probe=lambda _origin, _timeout: None)
    return [f for f in report.findings if f.check == check]


def test_doctor_flags_a_data_folder_and_database_others_can_read_with_the_chmod_that_fixes_it(
    tmp_path: Path, umask_022: None
) -> None:
    data = tmp_path / "my data"
    data.mkdir(mode=0o755)
    database = data / "socialpost.db"
    settings = Settings(database_url=f"sqlite:///{database}", data_dir=data)
    store = open_store(settings.database_url)
    database.chmod(0o644)
    wal = database.with_name("socialpost.db-wal")
    try:
        Queue(store, "d").heartbeat(started=True)  # the -wal file exists while the store is open
        wal.chmod(0o640)
        folder_finding, database_finding = _findings(settings, "data-permissions")
        assert folder_finding.status == "warning"
        assert f"the data folder {data} can be opened by other users (mode 0755)" in folder_finding.message
        assert folder_finding.fix == f"Make it private: chmod 700 '{data}'"
        assert database_finding.status == "warning"
        assert f"the database {database} can be read by other users (mode 0644)" in database_finding.message
        assert database_finding.fix == f"Make it private: chmod 600 '{database}' '{wal}'"

        # the exact commands doctor gave, run as given, make it green
        for finding in (folder_finding, database_finding):
            assert finding.fix is not None
            subprocess.run(finding.fix.removeprefix("Make it private: "), shell=True, check=True)
        (green,) = _findings(settings, "data-permissions")
        assert (green.status, green.message) == ("ok", "the data folder and the database are private to you")
    finally:
        store.close()


def test_doctor_shows_the_data_folder_finding_in_its_output(settings: Settings, clock: FakeClock) -> None:
    settings.data_dir.mkdir(mode=0o700)
    settings.data_dir.chmod(0o711)  # "x" for others is enough to open socialpost.db by its name
    result = CliRunner().invoke(doctor_command, [], obj=AppContext(settings_override=settings, clock=clock))
    assert result.exit_code == 3
    assert "can be opened by other users (mode 0711)" in result.stdout
    assert f"chmod 700 {settings.data_dir}" in result.stdout


# --- doctor: literal secrets in a webhook's URL or headers -----------------------------------------


def _config(tmp_path: Path, file_mode: int) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")  # what doctor reads is the settings below
    config.chmod(file_mode)
    return config


@pytest.mark.parametrize(
    ("account", "where"),
    [
        ({"url": f"https://hooks.slack.com/services/T0001/B0001/{HOOK_TOKEN}"}, "url"),
        ({"url": f"https://hooks.example.com/in?token={HOOK_TOKEN[:8]}"}, "url"),  # short, but named token
        ({"url": f"https://automation.example.com/hook?id={HOOK_TOKEN}"}, "url"),  # a token-shaped value
        ({"url": "https://n8n.example.com/webhook/123e4567-e89b-12d3-a456-426614174000"}, "url"),
        ({"url": f"https://bot:{HOOK_TOKEN[:6]}@hooks.example.com/post"}, "url"),  # a password before the host
        ({"url": "https://hooks.example.com/p", "headers": {"Authorization": f"Bearer {HOOK_TOKEN}"}}, "headers"),
        ({"url": "https://hooks.example.com/p", "headers": {"X-Api-Key": "short1"}}, "headers"),
        ({"url": "https://hooks.example.com/p", "headers": {"X-Custom": HOOK_TOKEN}}, "headers"),
    ],
)
def test_doctor_finds_a_literal_secret_in_a_webhook_url_or_header_of_a_readable_config(
    settings: Settings, tmp_path: Path, account: dict[str, Any], where: str
) -> None:
    config = _config(tmp_path, 0o644)
    settings = replace(settings, config_path=config, accounts={"webhook": {"hook": account}})
    (found,) = _findings(settings, "config-permissions")
    assert found.status == "problem"
    assert f"{config} holds 1 secret written in clear (accounts.webhook.hook.{where}" in found.message
    assert "other users can read it (mode 0644)" in found.message
    assert found.fix is not None
    assert "secrets.yaml" in found.fix and "${ENV_VAR}" in found.fix and f"chmod 600 {config}" in found.fix
    secret_parts = (HOOK_TOKEN, HOOK_TOKEN[:8], HOOK_TOKEN[:6], "short1", "426614174000")
    assert not any(part in found.message + found.fix for part in secret_parts)


@pytest.mark.parametrize(
    "account",
    [
        {"url": "https://hooks.example.com/socialpost/2026-spring-launch"},  # words, not a token
        {"url": "https://hooks.example.com/services/${SLACK_HOOK_PATH}"},
        {"url": "https://hooks.example.com/in?token=${HOOK_TOKEN}&channel=marketing"},
        {"url": "${WEBHOOK_URL}"},
        {"url": "https://hooks.example.com/p", "headers": {"Authorization": "Bearer ${HOOK_TOKEN}"}},
        {"url": "https://hooks.example.com/p", "headers": {"Content-Type": "application/json", "X-Team": "marketing"}},
        {"url": "https://hooks.example.com/p?design=blue", "headers": {"X-Design-Team": "blue", "X-Monkey": "1"}},
        {"timeout": 5},  # the URL comes from secrets.yaml (what `accounts add webhook` does)
    ],
)
def test_doctor_accepts_references_words_and_secrets_yaml(
    settings: Settings, tmp_path: Path, account: dict[str, Any]
) -> None:
    config = _config(tmp_path, 0o644)
    settings = replace(settings, config_path=config, accounts={"webhook": {"hook": account}})
    (found,) = _findings(settings, "config-permissions")
    assert found.status == "ok", found


def test_a_literal_webhook_secret_in_a_private_config_is_accepted(settings: Settings, tmp_path: Path) -> None:
    """As for every secret setting: a config file only its owner can read (0600) may hold it (the
    README's rule: no secret that others can read)."""
    account = {"url": f"https://hooks.slack.com/services/T0001/B0001/{HOOK_TOKEN}", "headers": {"X-Key": "k1"}}
    config = _config(tmp_path, 0o600)
    settings = replace(settings, config_path=config, accounts={"webhook": {"hook": account}})
    (found,) = _findings(settings, "config-permissions")
    assert found.status == "ok"
    config.chmod(0o640)  # the group may read it now
    (found,) = _findings(settings, "config-permissions")
    assert found.status == "problem"
    assert "2 secrets written in clear (accounts.webhook.hook.url, accounts.webhook.hook.headers.X-Key)" in (
        found.message
    )
