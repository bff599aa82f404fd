"""Mends from a user test: a missed post's reason is readable and says what to do; `status` says how
many upcoming posts it leaves out and folds ids instead of cutting them; YAML and date errors point
at a real place and speak plainly."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from socialpost.store.db import Store
from socialpost.store.queue import Queue
from socialpost.timeutil import human_duration
from tests.conftest import START, FakeClock
from tests.store_helpers import post, seed_posts
from tests.test_budgets import _seed_recurring
from tests.test_report import T0, Seeder

LEASE = timedelta(seconds=60)

# --- 1. a late post's reason ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=685, hours=2, minutes=57, seconds=5.372772), "685 days"),
        (timedelta(days=1500), "1,500 days"),
        (timedelta(days=2, hours=3, minutes=5), "2 days 3 h"),
        (timedelta(days=1, hours=1), "1 day 1 h"),
        (timedelta(days=1, minutes=5), "1 day"),
        (timedelta(hours=3, minutes=12, seconds=9.5), "3 h 12 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(minutes=16, microseconds=3), "16 min"),
        (timedelta(minutes=1, seconds=30), "1 min 30 s"),
        (timedelta(seconds=45.9), "45 s"),
        (timedelta(0), "0 s"),
        (timedelta(minutes=-5), "-5 min"),
    ],
)
def test_human_duration(delta: timedelta, text: str) -> None:
    assert human_duration(delta) == text


def _retry_command(reason: str) -> list[str]:
    match = re.search(r"run 'socialpost (retry [^']+)'", reason)
    assert match, reason
    return match.group(1).split()


def test_a_missed_post_says_how_late_in_words_and_how_to_send_it(store: Store, clock: FakeClock, run_cli: Any) -> None:
    late = START - timedelta(days=685, hours=2, minutes=57, seconds=5.372772)
    (post_id,) = seed_posts(store, 1, due=late, campaign="spring", late_else="skip")
    assert Queue(store, "d", clock=clock).claim(5, LEASE) == []
    row = post(store, post_id)
    assert row.status == "missed"
    reason = row.last_error or ""
    assert reason == (
        "685 days late, more than the campaign's late rule allows (15 min). Fix: to send it anyway, run "
        f"'socialpost retry spring/{row.post_key}@outbox:news'; to allow more, change 'late:' in the campaign file"
    )
    assert "." not in reason.split(" late")[0]  # no fractions of a second

    shown = run_cli("status").stdout  # in the "why and what to do" column, folded over lines
    assert "".join(reason.split()) in "".join(shown.split()).replace("│", "")

    # the fix it gives works as written
    retried = run_cli(*_retry_command(reason))
    assert retried.exit_code == 0, retried.stderr
    assert post(store, post_id).status == "pending"


def test_a_held_occurrence_names_its_occurrence_in_the_fix(store: Store, clock: FakeClock, run_cli: Any) -> None:
    older, newest = _seed_recurring(
        store, [START - timedelta(hours=3, minutes=12, seconds=7), START - timedelta(hours=1)], late_else="hold"
    )
    Queue(store, "d", clock=clock).claim(5, LEASE)
    superseded, held = post(store, older), post(store, newest)
    assert superseded.status == "missed"
    assert (superseded.last_error or "").startswith("3 h 12 min late and superseded by a newer occurrence")
    assert held.status == "held"
    reason = held.last_error or ""
    assert reason.startswith("1 h late, more than the campaign's late rule allows (15 min).")
    assert f"'socialpost retry weekly/tip@{held.occurrence}@outbox:news'" in reason
    retried = run_cli(*_retry_command(reason))
    assert retried.exit_code == 0, retried.stderr
    assert post(store, newest).status == "pending" and post(store, older).status == "missed"


# --- 2. status: how many more, and ids folded -----------------------------------------------------


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


# --- 3. YAML positions and dates ------------------------------------------------------------------

UNCLOSED = """\
campaign: syn
timezone: America/Montreal
accounts: [outbox:news]
posts:
  - id: teaser
    at: 2027-03-02 09:00
    text: "Hello there
  - id: other
    at: 2027-03-03 09:00
    text: ok
"""
CLOSED = UNCLOSED.replace('"Hello there', '"Hello there"')


def test_an_unclosed_double_quote_points_where_it_opens(run_cli: Any, write: Any) -> None:
    path = write("syn.yaml", UNCLOSED)
    assert len(UNCLOSED.splitlines()) == 10
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert (
        f'{path}:7:11: the double quote (") that opens here is never closed. '
        'Fix: end the text with " (write \\" for a quote inside it).'
    ) in result.stderr
    assert f"{path}:11:" not in result.stderr and "end of stream" not in result.stderr


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("    text: 'Hello there\n", "7:11", "the single quote (') that opens here is never closed"),
        ('    text: "Hello\n---\n', "7:11", 'the double quote (") that opens here is never closed'),
        ("    text: [a, b\n", "7:11", "the '[' that opens here is never closed. Fix: add the matching ']'."),
        ("    text: {a: b\n", "7:11", "the '{' that opens here is never closed. Fix: add the matching '}'."),
        ('    text: "no newline at the end', "7:11", 'the double quote (") that opens here is never closed'),
    ],
)
def test_other_unclosed_openings_point_where_they_open(
    run_cli: Any, write: Any, text: str, where: str, words: str
) -> None:
    path = write("open.yaml", UNCLOSED.split('    text: "Hello')[0] + text)
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:{where}: {words}" in result.stderr


def test_a_problem_at_the_end_without_a_quote_points_at_its_context(run_cli: Any, write: Any) -> None:
    path = write("anchor.yaml", CLOSED.split("  - id: other")[0] + "  - id: &\n\n")
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    # the '&', not the empty line after the file
    assert f"{path}:8:9: a value that starts with '&' is read as the name of an anchor" in result.stderr


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (
            "2027-13-10 25:00",
            "'at': '2027-13-10 25:00' is not a valid date and time: month 13 does not exist (01 to 12); "
            "hour 25 does not exist (00 to 23). Fix: correct it (written like 2026-03-02 09:00).",
        ),
        ("2027-02-29 09:00", "2027-02 has no day 29 (it has 28 days)"),
        ("2027-04-00 09:00", "2027-04 has no day 00 (it has 30 days)"),
        ("2027-03-02 09:60", "minute 60 does not exist (00 to 59)"),
        ("2027-03-02 09:00:61", "second 61 does not exist (00 to 59)"),
    ],
)
def test_an_impossible_date_says_what_is_wrong(run_cli: Any, write: Any, at: str, words: str) -> None:
    path = write("dates.yaml", CLOSED.replace("2027-03-02 09:00", at))
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:6:9: " in result.stderr and words in result.stderr
    assert "%Y" not in result.stderr and "does not match format" not in result.stderr


def test_a_leap_day_is_a_real_date(run_cli: Any, write: Any) -> None:
    path = write("leap.yaml", CLOSED.replace("2027-03-02", "2028-02-29"))
    result = run_cli("validate", str(path))
    assert result.exit_code == 0, result.stderr
