"""A mistyped account gets "did you mean", in every command that takes one, in English and French."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from socialpost.settings.config import Settings
from socialpost.wiring import suggest_account

CAMPAIGN = """\
campaign: cafe
timezone: America/Montreal
accounts: [webhook:equip, webhok:equipe, mastdon:cafe, bluesky:zzz]
posts:
  - id: hello
    at: 2027-06-01 09:00
    text: Bonjour! Qu'en dites-vous?
"""


@pytest.fixture(autouse=True)
def configured(settings: Settings) -> Settings:
    settings.accounts = {"webhook": {"equipe": {"url": "https://hooks.example.com/cafe"}}}
    return settings


def test_validate_suggests_the_configured_account_and_the_installed_network(run_cli: Any, write: Any) -> None:
    path = write("cafe.yaml", CAMPAIGN)
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    shown = result.stderr
    # an account not set up is a draft's (a warning: measured, advised, queued held), and the
    # warning still says which configured account the name is close to, before the set-up command
    assert f"warning [not-connected]: {path}:3:12: account 'webhook:equip' is not connected yet" in shown
    assert "until it is connected. Did you mean 'webhook:equipe'? Fix: socialpost accounts add webhook equip" in shown
    assert f"{path}:3:27: no network adapter named 'webhok' is installed" in shown
    assert "Did you mean 'webhook:equipe'? Check the spelling" in shown
    assert f"{path}:3:42: no network adapter named 'mastdon' is installed" in shown
    assert "Did you mean 'mastodon:cafe'?" in shown
    # nothing close: no guess, only the set-up command
    line = next(line for line in shown.splitlines() if "bluesky:zzz" in line)
    assert "Did you mean" not in line and "socialpost accounts add bluesky zzz" in line


def test_plan_and_schedule_say_the_same(run_cli: Any, write: Any) -> None:
    path = write("cafe.yaml", CAMPAIGN)
    for command in ("plan", "schedule"):
        result = run_cli(command, str(path))
        assert result.exit_code == 2
        assert f"{path}:3:27: no network adapter named 'webhok' is installed" in result.stderr
        assert "Did you mean 'webhook:equipe'? Check the spelling" in result.stderr
        assert "Did you mean 'mastodon:cafe'?" in result.stderr
    # without the network typos: planned and queued held, with the same warning as validate
    draft = write("draft.yaml", CAMPAIGN.replace("webhok:equipe, mastdon:cafe, ", ""))
    for command in ("validate", "plan", "schedule"):
        result = run_cli(command, str(draft))
        assert result.exit_code == 0, (command, result)
        line = next(line for line in result.stderr.splitlines() if "webhook:equip'" in line)
        assert line.startswith(f"warning [not-connected]: {draft}:3:12: "), (command, line)
        assert "Did you mean 'webhook:equipe'? Fix: socialpost accounts add webhook equip" in line, command
    plan = run_cli("plan", str(draft), "--json")
    assert {(p["account"], p["state"], p["waiting_for_account"]) for p in json.loads(plan.stdout)["posts"]} == {
        ("webhook:equip", "held", True),
        ("bluesky:zzz", "held", True),
    }


def test_the_same_name_on_another_network_is_not_a_typo(run_cli: Any, write: Any) -> None:
    # a café is 'cafe' on every network: drafting for bluesky:equipe beside webhook:equipe suggests nothing
    accounts = "accounts: [webhook:equipe, bluesky:equipe]"
    draft = write("draft.yaml", CAMPAIGN.replace(CAMPAIGN.splitlines()[2], accounts))
    result = run_cli("validate", str(draft))
    assert result.exit_code == 0
    line = next(line for line in result.stderr.splitlines() if "bluesky:equipe" in line and "not connected" in line)
    assert "Did you mean" not in line and "socialpost accounts add bluesky equipe" in line


def test_validate_in_french(run_cli: Any, write: Any) -> None:
    path = write("cafe.yaml", CAMPAIGN)
    result = run_cli("--lang", "fr", "validate", str(path))
    assert result.exit_code == 2
    assert "Vouliez-vous dire « webhook:equipe » ?" in result.stderr
    assert "Vouliez-vous dire « mastodon:cafe » ?" in result.stderr
    assert "Did you mean" not in result.stderr


def test_accounts_test_suggests_a_configured_account(run_cli: Any) -> None:
    result = run_cli("accounts", "test", "webhook:equipes")
    assert result.exit_code == 2
    assert "account 'webhook:equipes' is not set up" in result.stderr
    assert "Did you mean 'webhook:equipe'?" in result.stderr


def test_report_with_a_mistyped_account_says_so_instead_of_an_empty_report(run_cli: Any, write: Any) -> None:
    path = write("cafe.yaml", CAMPAIGN.replace(CAMPAIGN.splitlines()[2], "accounts: [outbox:comptoir]"))
    assert run_cli("schedule", str(path)).exit_code == 0
    typo = run_cli("report", "--account", "outbox:comptor")  # known from the queue, not the config
    assert typo.exit_code == 2
    assert "there is no account 'outbox:comptor' in your config or in the queue." in typo.stderr
    assert "Did you mean 'outbox:comptoir'?" in typo.stderr
    network = run_cli("--lang", "fr", "report", "--account", "webhok:equipe")
    assert network.exit_code == 2
    assert "il n'y a pas de réseau « webhok », donc pas de compte « webhok:equipe »." in network.stderr
    assert "Vouliez-vous dire « webhook:equipe » ?" in network.stderr
    # an account nobody knows and nothing is close to: the report is simply empty, as before
    unknown = run_cli("report", "--account", "outbox:ailleurs", "--no-charts")
    assert unknown.exit_code == 0 and "No posts match" in unknown.stdout
    known = run_cli("report", "--account", "outbox:comptoir", "--json")
    assert known.exit_code == 0


def test_collect_and_inbox_refuse_a_mistyped_account(run_cli: Any) -> None:
    for command in ("collect", "inbox"):
        result = run_cli(command, "--account", "webhook:equip")
        assert result.exit_code == 2, (command, result)
        assert "Did you mean 'webhook:equipe'?" in result.stderr


@pytest.mark.parametrize(
    ("account", "known", "expected"),
    [
        ("mastodon:equip", ["mastodon:equipe", "webhook:equipe"], " Did you mean 'mastodon:equipe'?"),
        ("mastodon:equip", ["webhook:equipe"], " Did you mean 'webhook:equipe'?"),  # across networks
        ("mastdon:cafe", [], " Did you mean 'mastodon:cafe'?"),
        ("mastdon:caf", ["mastodon:cafe"], " Did you mean 'mastodon:cafe'?"),
        ("zzzz:cafe", ["mastodon:cafe"], ""),
        ("mastodon:a", ["mastodon:zz"], ""),  # a short name is not "close" because the network is the same
        ("mastodon:cafe", ["mastodon:cafe"], ""),
        ("bluesky:cafe", ["mastodon:cafe"], ""),  # the same name on another network: the brand's other account
        ("bluesky:cafee", ["mastodon:cafe", "bluesky:cafe"], " Did you mean 'bluesky:cafe'?"),
    ],
)
def test_suggest_account(account: str, known: list[str], expected: str) -> None:
    assert suggest_account(account, known) == expected


def test_no_suggestion_is_made_up_for_a_name_nothing_is_close_to(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("accounts", "test", "webhook:zzz")
    assert result.exit_code == 2
    assert "Did you mean" not in result.stderr and "socialpost accounts add webhook zzz" in result.stderr
