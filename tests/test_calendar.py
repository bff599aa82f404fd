"""`socialpost calendar`, run as a user runs it: the week and month views, the filters, the JSON, the
.ics file read back by the `icalendar` parser (stable UIDs, an edit updates the same event, a
cancelled post cancels it), in English and French."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import update

from socialpost.settings.config import Settings
from socialpost.store.db import open_store
from socialpost.store.models import PostRow
from tests.conftest import FakeClock

CAMPAIGN = """\
campaign: cafe
timezone: America/Montreal
accounts: [outbox:news, webhook:team, x:cafe]
posts:
  - id: teaser
    at: 2027-03-02 09:00
    text: "Something new is brewing; guess what, friends? Line two\\\\ has a backslash"
  - id: announce
    at: 2027-03-04 11:30
    thread:
      - "Our roastery opens Saturday! Which origin next? https://example.com/roastery"
      - "Come taste the first batch, on us. Questions?"
  - id: tip
    every: {days: [tue], at: "10:30", from: 2027-03-09, until: 2027-03-23}
    accounts: [outbox:news]
    texts: ["Tip one: grind fresh. Yours?", "Tip two: 94 °C. Yours?"]
"""


def set_rows(settings: Settings, post: str, account: str, **values: object) -> None:
    """What the daemon (or a pause) did to a row; how is not what these tests are about."""
    store = open_store(settings.database_url)
    with store.session() as session:
        session.execute(update(PostRow).where(PostRow.post_key == post, PostRow.account == account).values(**values))
    store.close()


@pytest.fixture
def queued(run_cli, write, settings: Settings) -> Path:  # type: ignore[no-untyped-def]
    """The café's campaign scheduled: outbox and webhook accounts usable (pending), x:cafe not set
    up (held); the teaser went out on the outbox, failed on the webhook."""
    settings.accounts = {"webhook": {"team": {"url": "http://127.0.0.1:9/hook"}}}
    path = write("cafe.yaml", CAMPAIGN)
    result = run_cli("schedule", str(path))
    assert result.exit_code == 0, result.stderr
    sent = datetime(2027, 3, 2, 14, 0, 3, tzinfo=UTC)
    set_rows(settings, "teaser", "outbox:news", status="sent", sent_at=sent, remote_url="file:///outbox/1.json")
    set_rows(settings, "teaser", "webhook:team", status="failed", last_error="HTTP 500 from the hook")
    return path


# --- the terminal views --------------------------------------------------------------------------


def test_week_view_lays_posts_out_by_day_and_hour_with_their_state(run_cli, queued: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("calendar", "--date", "2027-03-03")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Week of Mon 2027-03-01 · 6 posts · times in America/Montreal" in out
    header = next(line for line in out.splitlines() if "Mon 1" in line)
    assert [day in header for day in ("Mon 1", "Tue 2", "Wed 3", "Thu 4", "Fri 5", "Sat 6", "Sun 7")] == [True] * 7
    hours = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│ ")]
    assert [hour for hour in hours if hour] == ["09h", "11h"]  # only the hours that have a post
    nine, eleven = out.split("│ 09h │", 1)[1].split("│ 11h │", 1)
    assert "✓ 09:00 outbox:news" in nine and "○" not in nine  # went out (at 09:00:03)
    assert "✗ 09:00 webhook:team" in nine and "! 09:00 x:cafe" in nine  # failed; held (not set up)
    assert "○ 11:30 outbox:news" in eleven and "✓" not in eleven.split("└")[0]  # waiting
    assert "■ outbox  ■ webhook  ■ x" in out
    assert "✓ sent" in out and "✗ failed" in out and "○ waiting" in out


def test_a_paused_campaign_is_marked_and_cancelled_posts_are_not_drawn(run_cli, queued: Path, settings) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("pause", "cafe").exit_code == 0
    set_rows(settings, "announce", "webhook:team", status="cancelled")
    out = run_cli("calendar", "--date", "2027-03-04").stdout
    assert "‖ 11:30 outbox:news" in out and "‖ paused" in out
    assert "webhook:team" not in out.split("11h", 1)[1]  # cancelled: not drawn
    assert "✓ 09:00 outbox:news" in out  # a sent post stays sent, paused or not


def test_month_view_and_the_nearest_busy_period(run_cli, queued: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("calendar", "--month")  # today (the test clock: 2027-01-10) has nothing
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("(no post in the month of 2027-01-10: showing the nearest month with posts)")
    assert "March 2027 · 9 posts · times in America/Montreal" in out
    assert "10:30 outbox:news" in out  # the recurring tip, three Tuesdays
    assert out.count("10:30 outbox:news") == 3


def test_filters_are_the_reports(run_cli, queued: Path) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("calendar", "--month", "--date", "2027-03-01", "--network", "outbox").stdout
    assert "outbox:news" in out and "webhook:team" not in out and "x:cafe" not in out
    since = run_cli("calendar", "--month", "--date", "2027-03-01", "--since", "2027-03-05").stdout
    assert "11:30" not in since and "10:30 outbox:news" in since
    bad = run_cli("calendar", "--since", "someday")
    assert bad.exit_code == 2 and "--since 'someday' is neither a date, a time nor a duration" in bad.stderr
    typo = run_cli("calendar", "--date", "2027-02-30")
    assert typo.exit_code == 2 and "--date '2027-02-30' is not a date" in typo.stderr
    help_text = run_cli("calendar", "--help").stdout
    report_help = run_cli("report", "--help").stdout
    for option in ("--campaign NAME", "--network NAME", "--account NETWORK:NAME", "--since WHEN", "--until WHEN"):
        assert option in help_text and option in report_help


def test_json_lists_every_post_with_its_local_time(run_cli, queued: Path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(run_cli("calendar", "--json").stdout)
    assert data["zone"] == "America/Montreal"
    teaser = next(p for p in data["posts"] if p["ref"] == "cafe/teaser@outbox:news")
    assert teaser["state"] == "sent" and teaser["local_time"] == "2027-03-02T09:00:03-05:00"
    assert len(data["posts"]) == 3 * 2 + 3


def test_french_views(run_cli, queued: Path) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("--lang", "fr", "calendar", "--date", "2027-03-03").stdout
    assert "Semaine du lun. 1 mars 2027 · 6 publications · heures de America/Montreal" in out
    assert re.search(r"✓ 09(:| h )00 outbox:news", out) and "✓ envoyées  ✗ échec  ○ en attente" in out
    month = run_cli("--lang", "fr", "calendar", "--month", "--date", "2027-03-03").stdout
    assert "Mars 2027 · 9 publications" in month


# --- the .ics file --------------------------------------------------------------------------------


def events(path: Path) -> dict[str, icalendar.Event]:
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert max(len(line) for line in raw.split(b"\r\n")) <= 75  # folded (RFC 5545 §3.1)
    parsed = icalendar.Calendar.from_ical(raw)
    assert parsed["VERSION"] == "2.0" and "socialpost" in str(parsed["PRODID"])
    found = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    assert len(found) == len(parsed.walk("VEVENT"))  # one UID per event
    return found


def by_summary(found: dict[str, icalendar.Event], words: str) -> icalendar.Event:
    (event,) = [e for e in found.values() if words in str(e["SUMMARY"])]
    return event


def test_ics_one_event_per_post_and_account_that_calendars_import(run_cli, queued: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = tmp_path / "cafe.ics"
    result = run_cli("calendar", "--ics", str(first))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote {first} (9 posts)\n"
    found = events(first)
    assert len(found) == 9
    teaser = by_summary(found, "✓ outbox:news")
    assert teaser.decoded("DTSTART") == datetime(2027, 3, 2, 14, 0, 3, tzinfo=UTC)  # when it went out
    assert teaser.decoded("DTEND") - teaser.decoded("DTSTART") == timedelta(minutes=15)
    description = str(teaser["DESCRIPTION"])
    assert description.startswith("Something new is brewing; guess what, friends? Line two\\ has a backslash\n\n—\n")
    assert "State: sent\n" in description and "Post: cafe/teaser@outbox:news" in description
    assert str(teaser["URL"]) == "file:///outbox/1.json" and str(teaser["STATUS"]) == "CONFIRMED"
    for key in ("DTSTAMP", "LAST-MODIFIED", "CREATED", "SEQUENCE"):
        assert key in teaser
    thread = by_summary(found, "○ outbox:news — Our roastery")
    assert "1/2\nOur roastery opens Saturday!" in str(thread["DESCRIPTION"])
    assert "2/2\nCome taste the first batch, on us. Questions?" in str(thread["DESCRIPTION"])
    failed = by_summary(found, "✗ webhook:team — Something")
    assert "Last error: HTTP 500 from the hook" in str(failed["DESCRIPTION"])
    assert {str(c) for c in failed["CATEGORIES"].cats} == {"webhook", "cafe"}


def test_ics_reexport_keeps_uids_and_an_edit_updates_the_same_event(  # type: ignore[no-untyped-def]
    run_cli, queued: Path, tmp_path: Path, clock: FakeClock
) -> None:
    one, two, three = tmp_path / "1.ics", tmp_path / "2.ics", tmp_path / "3.ics"
    run_cli("calendar", "--ics", str(one))
    run_cli("calendar", "--ics", str(two))
    assert one.read_bytes() == two.read_bytes()  # nothing changed: the same file, byte for byte
    before = events(one)
    old = by_summary(before, "○ outbox:news — Our roastery")

    clock.advance(hours=2)
    queued.write_text(queued.read_text(encoding="utf-8").replace("Saturday!", "Sunday!"), encoding="utf-8")
    assert run_cli("schedule", str(queued)).exit_code == 0
    run_cli("calendar", "--ics", str(three))
    after = events(three)
    assert set(after) == set(before)  # the same UIDs: importing updates, never duplicates
    new = after[str(old["UID"])]
    assert "Sunday!" in str(new["DESCRIPTION"]) and "Saturday!" not in str(new["DESCRIPTION"])
    assert int(new["SEQUENCE"]) > int(old["SEQUENCE"])
    assert new.decoded("LAST-MODIFIED") == new.decoded("DTSTAMP") > old.decoded("LAST-MODIFIED")
    assert new.decoded("CREATED") == old.decoded("CREATED")
    untouched = by_summary(after, "✓ outbox:news")
    assert untouched.to_ical() == before[str(untouched["UID"])].to_ical()


def test_ics_keeps_a_cancelled_post_to_cancel_its_event(run_cli, queued: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "1.ics", tmp_path / "2.ics"
    run_cli("calendar", "--ics", str(first))
    text = queued.read_text(encoding="utf-8")
    queued.write_text(text[: text.index("  - id: tip")], encoding="utf-8")  # the tip is taken out
    assert run_cli("schedule", str(queued)).exit_code == 0
    run_cli("calendar", "--ics", str(second))
    before, after = events(first), events(second)
    assert set(after) == set(before)
    tips = [e for e in after.values() if "Tip " in str(e["DESCRIPTION"])]
    assert len(tips) == 3 and {str(e["STATUS"]) for e in tips} == {"CANCELLED"}
    assert all(int(e["SEQUENCE"]) > int(before[str(e["UID"])]["SEQUENCE"]) for e in tips)


def test_html_and_ics_file_errors_are_usage_errors(run_cli, queued: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("calendar", "--ics", str(tmp_path / "missing" / "cafe.ics"))
    assert result.exit_code == 2 and "the folder" in result.stderr and "does not exist" in result.stderr
    page = tmp_path / "cafe.html"
    assert run_cli("calendar", "--html", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html><html lang="en">') and "<script" not in html
    assert "March 2027" in html and "times in America/Montreal" in html
    assert 'class="chip sent"' in html and 'class="chip failed"' in html
