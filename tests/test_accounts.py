"""`socialpost accounts`: guided set-up, the config edited in place, secrets in a 0600 file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from tests.conftest import REPO

TOKEN = "T0KEN-s3cr3t-9f8e"
CONFIG = """\
# my settings — keep this comment
daemon:
  workers: 4   # small machine
accounts:
  outbox:
    site: {folder: out}
"""


def run(config: Path, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--config", str(config), *args], obj=AppContext(), input=input)


def test_add_webhook_keeps_comments_and_puts_the_secret_in_a_private_file(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    result = run(config, "accounts", "add", "webhook", "team", input=f"https://hooks.example/{TOKEN}\n5\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Connected webhook:team: POST to hooks.example." in result.stdout
    assert TOKEN not in result.stdout + result.stderr

    text = config.read_text(encoding="utf-8")
    assert "# my settings — keep this comment" in text and "# small machine" in text
    assert "team:" in text and "timeout: 5.0" in text
    assert TOKEN not in text

    secrets_file = tmp_path / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert TOKEN in secrets_file.read_text(encoding="utf-8")

    listed = json.loads(run(config, "accounts", "list", "--json").stdout)["accounts"]
    assert {"account": "webhook:team", "network": "webhook", "configured": True, "has_secrets": True} in listed
    assert {"account": "outbox:site", "network": "outbox", "configured": True, "has_secrets": False} in listed
    assert TOKEN not in json.dumps(listed)

    tested = run(config, "accounts", "test", "webhook:team")
    assert tested.exit_code == 0 and "POST to hooks.example" in tested.stdout and TOKEN not in tested.stdout

    # the account now works for campaigns (settings + secrets merged)
    campaign = tmp_path / "c.yaml"
    campaign.write_text(
        "campaign: c\ntimezone: UTC\naccounts: [webhook:team]\nposts:\n  - id: a\n    at: 2030-01-01 12:00\n"
        "    text: Hi?\n",
        encoding="utf-8",
    )
    assert run(config, "validate", str(campaign)).exit_code == 0

    removed = run(config, "accounts", "remove", "webhook:team", "--yes")
    assert removed.exit_code == 0
    assert "team:" not in config.read_text(encoding="utf-8")
    assert TOKEN not in secrets_file.read_text(encoding="utf-8")
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    gone = run(config, "validate", str(campaign))  # a draft again: valid, with the command to connect it
    assert gone.exit_code == 0 and "not connected yet" in gone.stderr
    assert "socialpost accounts add webhook team" in gone.stderr


def test_add_creates_a_config_file_when_there_is_none(tmp_path: Path) -> None:
    config = tmp_path / "new" / "config.yaml"
    config.parent.mkdir()
    config.write_text("", encoding="utf-8")
    result = run(config, "accounts", "add", "outbox", "news", input="posts\nCafé news\n")
    assert result.exit_code == 0, result.stderr
    text = config.read_text(encoding="utf-8")
    assert "news:" in text and "folder: posts" in text and "feed_title: Café news" in text
    assert not (tmp_path / "new" / "secrets.yaml").exists() or "outbox:news" not in (
        tmp_path / "new" / "secrets.yaml"
    ).read_text(encoding="utf-8")


def test_bad_answers_are_refused_before_anything_is_saved(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    result = run(config, "accounts", "add", "webhook", "team", input="ftp://nope/\n5\n")
    assert result.exit_code == 2
    assert "the answers for webhook:team are not usable" in result.stderr
    assert config.read_text(encoding="utf-8") == CONFIG
    assert not (tmp_path / "secrets.yaml").exists()


def test_unknown_network_and_unknown_account(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    unknown = run(config, "accounts", "add", "myspace", "x")
    assert unknown.exit_code == 2 and "no network adapter named 'myspace'" in unknown.stderr
    missing = run(config, "accounts", "remove", "webhook:ghost", "--yes")
    assert missing.exit_code == 2 and "there is no account webhook:ghost" in missing.stderr


def test_secrets_file_group_readable_is_detected(tmp_path: Path) -> None:
    from socialpost.settings import secrets

    path = tmp_path / "secrets.yaml"
    secrets.save(path, "webhook:x", {"url": "https://e.com/x"})
    assert not secrets.insecure(path)
    path.chmod(0o644)
    assert secrets.insecure(path)
    secrets.save(path, "webhook:y", {"url": "https://e.com/y"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(secrets.load(path)) == {"webhook:x", "webhook:y"}


def test_add_webhook_with_a_timeout_that_is_not_a_number_explains_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    result = run(config, "accounts", "add", "webhook", "team", input=f"https://hooks.example/{TOKEN}\nten\n")
    assert result.exit_code == 2, result.output + result.stderr
    assert "'ten' is not a number of seconds." in result.stderr
    assert "answer with a number such as 10" in result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
    assert config.read_text(encoding="utf-8") == CONFIG
    assert not (tmp_path / "secrets.yaml").exists()


# --- accounts list with no configured account -----------------------------------------------------


def test_accounts_list_explains_outbox_accounts_need_no_entry(run_cli) -> None:
    result = run_cli("accounts", "list")
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "No account is configured yet. Campaigns can use outbox:NAME accounts without one: their posts go "
        "to a local folder. To connect a real network, run: socialpost accounts add NETWORK NAME "
        "(for example: socialpost accounts add mastodon cafe)."
    )
    assert json.loads(run_cli("accounts", "list", "--json").stdout) == {"accounts": []}


# --- accounts add without a terminal ---------------------------------------------------------------


def test_accounts_add_without_a_terminal_fails_cleanly_before_asking_the_secret(isolated_env: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "socialpost", "accounts", "add", "webhook", "x"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONWARNINGS": "default"},
        timeout=60,
        start_new_session=True,  # no controlling terminal to fall back on
    )
    assert result.returncode == 2, result.stderr
    assert "Warning" not in result.stderr and "getpass" not in result.stderr and "Aborted" not in result.stderr
    assert "Webhook URL" not in result.stdout + result.stderr  # never prompted
    error = result.stderr.strip()
    assert error.startswith("error: this set-up asks for a secret")
    assert "\n" not in error  # one paragraph
    assert "Run socialpost accounts add in a terminal" in error
    assert "with ${ENV_VAR} where the secret goes" in error
    assert not (isolated_env / ".config" / "socialpost").exists()  # nothing saved


# --- account names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["[x]", "a:b", "_x", "a b", "café", "x" * 500 + "!"])
def test_accounts_add_refuses_a_name_campaigns_cannot_use(tmp_path: Path, name: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("# mine\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--config", str(config), "accounts", "add", "outbox", name], obj=AppContext(), input="posts\nNews\n"
    )
    assert result.exit_code == 2, result.output
    assert "cannot be an account name" in result.stderr and "Fix: choose a name" in result.stderr
    assert "x" * 61 not in result.stderr
    assert config.read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / "secrets.yaml").exists()
