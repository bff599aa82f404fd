"""What people wrote and what networks said is shown as written: never read as rich markup (a post
saying ``[/x]`` used to crash `plan`), never turned into emoji; and the plan fits narrow terminals."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialpost.inbox import InboxItem
from socialpost.store.db import Store
from tests.conftest import FakeClock
from tests.test_report import T0, Seeder

WRITTEN = "[NEW] [bold]50%[/bold] off [/x] :coffee:"

CAMPAIGN = f"""\
campaign: brackets
timezone: America/Montreal
accounts: [outbox:shop]
posts:
  - id: sale
    at: 2027-03-02 09:00
    text: "{WRITTEN} What would you like?"
"""


@pytest.mark.parametrize("columns", ["200", "80"])
def test_plan_shows_the_text_as_written(
    run_cli: Any, write: Any, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    result = run_cli("plan", str(write("sale.yaml", CAMPAIGN)))
    assert result.exit_code == 0, result.stderr
    assert WRITTEN in result.stdout and "☕" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= int(columns)


def test_a_narrow_terminal_gets_the_plan_as_a_list(run_cli: Any, write: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli("plan", str(write("sale.yaml", CAMPAIGN))).stdout
    assert out.splitlines()[:4] == [
        "Plan (nothing changed)",
        "create · brackets / sale · outbox:shop",
        "    2027-03-02 09:00 EST (2027-03-02 14:00 UTC)",
        f"    {WRITTEN} What would you like?",
    ]
    monkeypatch.setenv("COLUMNS", "200")
    wide = run_cli("plan", str(write("sale.yaml", CAMPAIGN))).stdout
    assert "┃ action ┃ campaign ┃ post ┃ account     ┃ local time           ┃ UTC              ┃" in wide


def test_status_shows_a_networks_reason_as_written(store: Store, clock: FakeClock, run_cli: Any) -> None:
    reason = "X said: [/x] refused [bold] :warning:"
    Seeder(store).post("spring", "a1", "x:acme", due=T0, status="failed", reason=reason)
    clock.set(T0 + timedelta(hours=1))
    result = run_cli("status")
    assert result.exit_code == 3  # a failed post needs the user
    assert reason in " ".join(result.stdout.split())


def test_the_inbox_shows_a_strangers_words_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    from socialpost.cli.inbox import _show

    when = datetime(2027, 3, 2, 15, 4, tzinfo=UTC)
    item = InboxItem(
        12, "mastodon:acme", "r2", "r1", "r1", "@troll[/x]", "[red]Troll", "[/bold] :fire: hi", None,
        when, when, None, None, "spring", "teaser", None, None,
    )  # fmt: skip
    _show([item], 1, None)
    out = capsys.readouterr().out
    assert "[red]Troll (@troll[/x])" in out and "[/bold] :fire: hi" in out and "🔥" not in out


def test_demo_shows_paths_with_brackets_as_written(tmp_path: Path) -> None:
    """The demo's rule names the campaign file and the feeds are listed by path: both as written.
    (A real process: the demo runs the daemon on the real clock.)"""
    import subprocess
    import sys

    folder = tmp_path / "[bold] campaigns"
    folder.mkdir()
    campaign = folder / "one.yaml"
    campaign.write_text(CAMPAIGN.replace("at: 2027-03-02 09:00", "at: 2030-03-02 09:00"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "socialpost", "demo", str(campaign), "--workdir", str(tmp_path / "[red] demo")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stdout.split())
    assert f"1. schedule {campaign}" in said
    assert f"{tmp_path / '[red] demo' / 'outbox' / 'shop' / 'feed.xml'}" in said


def test_plan_says_which_unchanged_posts_already_went_out(
    run_cli: Any, write: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import update

    from socialpost.cli.render import GONE_OUT
    from socialpost.store.models import PostRow
    from socialpost.store.sync_plan import FROZEN

    assert set(GONE_OUT) == {status.value for status in FROZEN}
    monkeypatch.setenv("COLUMNS", "200")
    path = write("sale.yaml", CAMPAIGN)
    assert run_cli("schedule", str(path), "--allow-past").exit_code == 0
    with store.write() as session:
        session.execute(update(PostRow).values(status="sent"))
    write("sale.yaml", CAMPAIGN.replace("What would you like?", "Edited after it went out."))
    result = run_cli("plan", str(path))
    assert "│ unchanged (sent) │" in result.stdout
    assert "already-sent" in result.stderr  # the warning says the edit is not re-sent
