"""`socialpost status`: the Upcoming and Needs a look tables — how many posts are left out, ids folded, never cut."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from socialpost.store.db import Store
from socialpost.store.queue import Queue
from tests.conftest import START, FakeClock
from tests.test_budgets import _seed_recurring
from tests.test_late_daemon import LEASE
from tests.test_report import T0, Seeder

# --- status: how many more, and ids folded -----------------------------------------------------


def _post_column(out: str) -> list[str]:
    """The ids in the Upcoming table's post column, each with its folded lines joined."""
    table = out.split("Upcoming", 1)[1].split("\n\n", 1)[0]
    ids: list[str] = []
    for line in table.splitlines():
        cells = line.split("│")
        if len(cells) < 6:
            continue
        if re.match(r"\d{4}-\d{2}-\d{2}", cells[1].strip()):
            ids.append("")
        ids[-1] += cells[3].strip()
    return ids


@pytest.mark.parametrize("columns", ["80", "200"])
def test_upcoming_says_how_many_more_and_folds_ids(
    store: Store, clock: FakeClock, run_cli: Any, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    ids = _seed_recurring(store, [START + timedelta(days=7 * week) for week in range(1, 26)], late_else="skip")
    assert len(ids) == 25
    result = run_cli("status")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert max(len(line) for line in out.splitlines()) <= int(columns)
    expected = [f"tip@{START + timedelta(days=7 * week):%Y-%m-%dT%H:%M}" for week in range(1, 21)]
    assert _post_column(out) == expected  # every occurrence whole, none cut with '…'
    assert "… and 5 more waiting posts. 'socialpost report' lists every post" in " ".join(out.split())

    # what the line promises: the report lists all 25
    report = json.loads(run_cli("report", "--campaign", "weekly", "--json").stdout)
    assert [p["status"] for p in report["campaigns"][0]["posts"]] == ["pending"] * 25
    # and status --json keeps its shape
    assert len(json.loads(run_cli("status", "--json").stdout)["upcoming"]) == 20


def test_an_id_longer_than_the_column_folds(store: Store, run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    seeder = Seeder(store)
    keys = [f"weekly-newsletter-for-coffee-lovers@2027-03-{day:02d}T10:30" for day in (2, 9)]
    for day, key in enumerate(keys):
        seeder.post("spring", key, "mastodon:cafe", due=T0 + timedelta(days=day), status="pending")
    out = run_cli("status").stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    assert _post_column(out) == keys
    assert "…" not in out


def test_no_more_line_when_upcoming_lists_every_post(store: Store, run_cli: Any) -> None:
    _seed_recurring(store, [START + timedelta(days=day) for day in range(1, 21)], late_else="skip")
    out = run_cli("status").stdout
    assert "more waiting" not in out
    assert len(_post_column(out)) == 20


def test_one_more_is_singular(store: Store, run_cli: Any) -> None:
    _seed_recurring(store, [START + timedelta(days=day) for day in range(1, 22)], late_else="skip")
    assert "… and 1 more waiting post." in run_cli("status").stdout


def test_needs_a_look_folds_ids_too(
    store: Store, clock: FakeClock, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    dues = [START - timedelta(days=30, hours=h) for h in (1, 2)]
    _seed_recurring(store, dues, late_else="hold")
    Queue(store, "d", clock=clock).claim(5, LEASE)
    out = run_cli("status").stdout
    flat = "".join(out.split()).replace("│", "")
    assert max(len(line) for line in out.splitlines()) <= 80
    for due in dues:
        assert f"tip@{due:%Y-%m-%dT%H:%M}" in flat  # folded across lines, never cut
    assert "…" not in out.split("Needs a look", 1)[1]
