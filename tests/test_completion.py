"""Shell completion through click's completion protocol (the environment variables the scripts
of `socialpost completion` set): commands, and campaign names, accounts and post ids from the
queue and the config file."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.settings.config import Settings
from socialpost.store.db import Store
from tests.conftest import FakeClock
from tests.store_helpers import seed_posts


def complete(words: str, *, settings: Settings | None = None, shell: str = "bash") -> list[str]:
    """What the shell gets for the command line ``words`` (the cursor on its last word)."""
    parts = words.split(" ")
    # bash and zsh give the index of the word under the cursor, fish gives that word
    cword = parts[-1] if shell == "fish" else str(len(parts) - 1)
    env = {"_SOCIALPOST_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    app = AppContext(settings_override=settings)
    result = CliRunner().invoke(cli, [], env=env, prog_name="socialpost", obj=app, catch_exceptions=False)
    app.close()
    assert result.exit_code == 0, result.output
    if shell == "bash":
        return [line.partition(",")[2] for line in result.stdout.splitlines()]
    return result.stdout.splitlines()


@pytest.fixture
def queue(store: Store, clock: FakeClock) -> Store:
    seed_posts(store, 2, due=clock() + timedelta(hours=1), campaign="spring-launch", account="outbox:news")
    seed_posts(store, 1, due=clock() + timedelta(hours=2), campaign="summer", account="webhook:team")
    return store


def test_commands_are_completed(settings: Settings) -> None:
    assert {"service", "backup", "export", "completion"} <= set(complete("socialpost ", settings=settings))
    assert complete("socialpost serv", settings=settings) == ["service"]
    assert complete("socialpost service ", settings=settings) == ["install", "status", "uninstall"]


def test_campaign_names_come_from_the_queue(queue: Store, settings: Settings) -> None:
    assert complete("socialpost status --campaign ", settings=settings) == ["spring-launch", "summer"]
    assert complete("socialpost report --campaign sp", settings=settings) == ["spring-launch"]


def test_post_ids_are_completed_campaign_first(queue: Store, settings: Settings) -> None:
    assert complete("socialpost retry s", settings=settings) == [
        "spring-launch/",
        "summer/",
        "spring-launch/p00000",
        "spring-launch/p00001",
        "summer/p00002",
    ]
    assert complete("socialpost cancel spring-launch/", settings=settings) == [
        "spring-launch/p00000",
        "spring-launch/p00001",
    ]
    assert complete("socialpost show summer/p", settings=settings) == ["summer/p00002"]


def test_accounts_come_from_the_config_and_the_queue(queue: Store, settings: Settings) -> None:
    settings.accounts = {"mastodon": {"cafe": {"instance": "https://example.social"}}}
    assert complete("socialpost accounts test ", settings=settings) == [
        "mastodon:cafe",
        "outbox:news",
        "webhook:team",
    ]
    assert complete("socialpost pause ", settings=settings) == [
        "spring-launch",
        "summer",
        "mastodon:cafe",
        "outbox:news",
        "webhook:team",
    ]
    assert complete("socialpost report --account w", settings=settings) == ["webhook:team"]


def test_zsh_and_fish_get_the_same_values(queue: Store, settings: Settings) -> None:
    zsh = complete("socialpost status --campaign su", settings=settings, shell="zsh")
    assert zsh == ["plain", "summer", "_"]
    fish = complete("socialpost status --campaign su", settings=settings, shell="fish")
    assert fish == ["plain,summer"]


def test_a_file_is_completed_as_a_file(queue: Store, settings: Settings) -> None:
    env_words = "socialpost restore ./back"
    parts = env_words.split(" ")
    env = {"_SOCIALPOST_COMPLETE": "bash_complete", "COMP_WORDS": env_words, "COMP_CWORD": str(len(parts) - 1)}
    result = CliRunner().invoke(cli, [], env=env, prog_name="socialpost", obj=AppContext(settings_override=settings))
    assert result.stdout.splitlines() == ["file,./back"]  # the shell completes file names


def test_completion_from_a_config_file_and_without_a_queue(tmp_path: Path, isolated_env: Path) -> None:
    """The real path: the config file named with --config (parsed, not acted on, while completing);
    no queue yet: nothing offered, and no database file created."""
    db = tmp_path / "queue.db"
    config = tmp_path / "config.yaml"
    config.write_text(f"database: sqlite:///{db}\naccounts:\n  webhook:\n    hook:\n      url: https://example.com/h\n")
    env = {
        "_SOCIALPOST_COMPLETE": "bash_complete",
        "COMP_WORDS": f"socialpost --config {config} accounts test ",
        "COMP_CWORD": "5",
    }
    result = CliRunner().invoke(cli, [], env=env, prog_name="socialpost", obj=AppContext())
    assert result.stdout.splitlines() == ["plain,webhook:hook"]
    env["COMP_WORDS"] = f"socialpost --config {config} status --campaign "
    env["COMP_CWORD"] = "5"
    result = CliRunner().invoke(cli, [], env=env, prog_name="socialpost", obj=AppContext())
    assert result.stdout.strip() == ""  # nothing offered
    assert not db.exists()


def test_a_broken_config_completes_nothing_and_says_nothing(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("daemon:\n  workers: many\n")
    env = {
        "_SOCIALPOST_COMPLETE": "bash_complete",
        "COMP_WORDS": f"socialpost --config {config} status --campaign ",
        "COMP_CWORD": "5",
    }
    result = CliRunner().invoke(cli, [], env=env, prog_name="socialpost", obj=AppContext())
    assert result.exit_code == 0
    assert result.output.strip() == ""


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_the_shell_accepts(shell: str, settings: Settings) -> None:
    app = AppContext(settings_override=settings)
    result = CliRunner().invoke(cli, ["completion", shell], obj=app)
    assert result.exit_code == 0
    assert "_SOCIALPOST_COMPLETE" in result.stdout
    assert f"{shell}_complete" in result.stdout
    if shell == "bash":  # bash parses it (-n: read, do not run)
        done = subprocess.run(["bash", "-n"], input=result.stdout, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_the_installed_command_completes_through_the_environment(queue: Store, settings: Settings) -> None:
    """End to end as a shell runs it: the real entry point, a fresh process, the variables set."""
    import os

    env = {
        **os.environ,
        "_SOCIALPOST_COMPLETE": "bash_complete",
        "COMP_WORDS": "socialpost retry summer/",
        "COMP_CWORD": "2",
        "SOCIALPOST_DATABASE_URL": settings.database_url,
    }
    code = "from socialpost.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["plain,summer/p00002"], done.stderr
    assert done.stderr == ""
