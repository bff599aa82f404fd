"""Two files naming one campaign, and validation that shows every problem in one run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.store_helpers import campaign_yaml

POSTS = [
    ("croissant", "2027-01-11 09:00", "Warm croissants from 7:00"),
    ("galette", "2027-01-12 11:30", "Galette des rois all week"),
    ("cocoa", "2027-01-13 16:00", "Hot cocoa is back"),
]
ACCOUNTS = ("outbox:bakery",)


def _bakery(write: Callable[[str, str], Path], name: str = "bakery.yaml", posts: int = 3) -> Path:
    return write(name, campaign_yaml(POSTS[:posts], name="bakery-winter", accounts=ACCOUNTS))


def _counts(run_cli) -> dict[str, int]:  # type: ignore[no-untyped-def]
    status = run_cli("status", "--json")
    assert status.exit_code == 0, status.stderr
    counts: dict[str, int] = json.loads(status.stdout)["counts"]
    return {state: n for state, n in counts.items() if n}


@pytest.mark.parametrize("command", ["schedule", "plan", "validate"])
def test_a_second_file_with_the_same_campaign_name_is_refused(run_cli, write, command: str) -> None:
    bakery = _bakery(write)
    assert run_cli("schedule", str(bakery)).exit_code == 0
    clash = _bakery(write, "clash.yaml", posts=1)

    result = run_cli(command, str(clash))

    assert result.exit_code == 2
    assert (
        f"{clash}:1:11: campaign 'bakery-winter' is already scheduled from {bakery}; scheduling this file would "
        "cancel 2 of its posts." in result.stderr
    )
    assert "give this file its own campaign: name" in result.stderr and "--replace" in result.stderr
    assert "Traceback" not in result.stderr
    assert _counts(run_cli) == {"pending": 3}


def test_the_refusal_without_posts_to_cancel_still_names_the_other_file(run_cli, write) -> None:
    bakery = _bakery(write, posts=1)
    assert run_cli("schedule", str(bakery)).exit_code == 0
    bigger = _bakery(write, "bigger.yaml")
    result = run_cli("schedule", str(bigger))
    assert result.exit_code == 2
    assert f"{bigger}:1:11: campaign 'bakery-winter' is already scheduled from {bakery}. Fix:" in result.stderr
    assert _counts(run_cli) == {"pending": 1}


def test_replace_lets_the_new_file_take_the_campaign_over(run_cli, write) -> None:
    bakery = _bakery(write)
    assert run_cli("schedule", str(bakery)).exit_code == 0
    clash = _bakery(write, "clash.yaml", posts=1)

    assert run_cli("validate", str(clash), "--replace").exit_code == 0  # judged as schedule --replace will
    planned = run_cli("plan", str(clash), "--replace")
    assert planned.exit_code == 0, planned.stderr
    assert "0 to create, 0 to update, 2 to cancel, 1 unchanged." in planned.stdout

    result = run_cli("schedule", str(clash), "--replace")
    assert result.exit_code == 0, result.stderr
    assert _counts(run_cli) == {"pending": 1, "cancelled": 2}
    # the campaign now belongs to clash.yaml: the original is the one refused
    assert run_cli("schedule", str(clash)).exit_code == 0
    assert run_cli("schedule", str(bakery)).exit_code == 2


def test_a_moved_or_renamed_file_keeps_its_campaign(run_cli, write) -> None:
    bakery = _bakery(write)
    assert run_cli("schedule", str(bakery)).exit_code == 0
    moved = bakery.parent / "archive" / "winter.yaml"
    moved.parent.mkdir()
    bakery.rename(moved)

    result = run_cli("schedule", str(moved))

    assert result.exit_code == 0, result.stderr
    assert "0 to create, 0 to update, 0 to cancel, 3 unchanged." in result.stdout
    assert run_cli("schedule", str(moved)).exit_code == 0  # and it is its file from now on


def test_the_same_file_again_through_other_paths_is_unchanged(
    run_cli, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bakery(write)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    assert run_cli("schedule", "bakery.yaml").exit_code == 0  # stored as given: relative
    for path in ("bakery.yaml", "./sub/../bakery.yaml", str(tmp_path / "bakery.yaml")):
        result = run_cli("schedule", path)
        assert result.exit_code == 0, (path, result.stderr)
        assert "0 to create, 0 to update, 0 to cancel, 3 unchanged." in result.stdout
    monkeypatch.chdir(tmp_path / "sub")
    assert run_cli("plan", "../bakery.yaml").exit_code == 0
    assert _counts(run_cli) == {"pending": 3}


def test_validate_reports_an_account_not_set_up_and_a_text_too_long_together(run_cli, write) -> None:
    text = "Our winter menu is here. " * 13 + "See you soon, at the bakery!"  # 353 characters
    path = write("cafe.yaml", campaign_yaml([("menu", "2027-01-11 09:00", text)], accounts=("outbox:shop", "x:cafe")))

    result = run_cli("validate", str(path), "--json")

    assert result.exit_code == 2
    data = json.loads(result.stdout)
    errors = data["errors"]
    assert [(e["line"], e["column"]) for e in errors] == sorted((e["line"], e["column"]) for e in errors)
    # the account is not connected yet (a warning); its post is measured against x's limits all the same
    assert [(e["line"], e["column"]) for e in errors] == [(8, 11)]
    assert "353 weighted characters on x, over the limit of 280" in errors[0]["message"]
    (warning,) = [w for w in data["warnings"] if w["rule"] == "not-connected"]
    assert (warning["line"], warning["column"]) == (3, 25) and "socialpost accounts add x cafe" in warning["message"]
    assert {"id": "menu", "account": "x:cafe", "network": "x", "length": 353, "limit": 280} in data["posts"]

    human = run_cli("validate", str(path))
    assert human.exit_code == 2
    shown = " ".join(human.stderr.split())  # as one line, however the terminal wrapped it
    assert f"{path}:3:25: account 'x:cafe' is not connected yet" in shown
    assert f"{path}:8:11: post 'menu' is 353 weighted characters on x, over the limit of 280" in shown
