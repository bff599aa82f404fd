"""Times where people read them, the zone named (issue #17, item 4; README, "Time zones").

A post's times are shown in its campaign's zone; every other time in the user's (`timezone:` in
the config, else the machine's). JSON and CSV keep their UTC fields and add `…_local` beside them.
`report --since/--until` read dates in the user's zone. The campaigns here are in two zones:
America/Toronto, which moves to daylight-saving time on 2027-03-14 (inside the report's window),
and Asia/Kolkata, whose abbreviation (IST) is shared, so its IANA name is shown.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import os
import re
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from socialpost import localtime
from socialpost.logs import JsonFormatter, TextFormatter
from socialpost.settings.config import Settings
from socialpost.store.db import Store
from tests.conftest import REPO, FakeClock
from tests.store_helpers.daemons import wait_until
from tests.test_report import Seeder

LANGS = pytest.mark.parametrize("lang", [(), ("--lang", "fr")], ids=["en", "fr"])
BEFORE_DST = datetime(2027, 3, 13, 14, 0, tzinfo=UTC)  # Saturday 09:00 EST in Toronto
AFTER_DST = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # Monday 09:00 EDT: clocks went forward on the 14th
KOLKATA = datetime(2027, 3, 14, 4, 0, tzinfo=UTC)  # 09:30 in Kolkata (IST, UTC+05:30)
NOW = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def toronto(settings: Settings) -> Settings:
    """The user reads in Toronto (``timezone: America/Toronto`` in the config)."""
    return dataclasses.replace(settings, timezone="America/Toronto")


@pytest.fixture
def run_in(toronto: Settings, clock: FakeClock) -> Any:
    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext

    def _run(*args: str, settings: Settings = toronto) -> Any:
        app = AppContext(clock=clock, settings_override=settings)
        result = CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)
        app.close()
        return result

    return _run


def _sent(store: Store) -> Seeder:
    seed = Seeder(store)
    seed.post("printemps", "avant", "x:acme", due=BEFORE_DST, tz="America/Toronto")
    seed.post("printemps", "apres", "x:acme", due=AFTER_DST, tz="America/Toronto")
    seed.post("inde", "chai", "mastodon:acme", due=KOLKATA, tz="Asia/Kolkata")
    return seed


# --- the config key ------------------------------------------------------------------------------------


def test_a_wrong_zone_in_the_config_is_a_located_error(tmp_path: Path, run_cli: Any) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("language: en\ntimezone: America/Torontoo\n", encoding="utf-8")
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "socialpost"), "--config", str(config), "status"],
        capture_output=True,
        text=True,
        env={**os.environ, "SOCIALPOST_DATA_DIR": str(tmp_path / "data")},
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{config}:2:11: " in result.stderr
    assert "'America/Torontoo' is not an IANA time zone name" in result.stderr
    assert "such as America/Toronto" in result.stderr  # the closest name


def test_the_machine_zone_is_the_default(tmp_path: Path) -> None:
    """No ``timezone:``: --since's date is midnight in the machine's zone ($TZ here)."""
    env = {**os.environ, "TZ": "Asia/Kolkata", "SOCIALPOST_DATA_DIR": str(tmp_path / "data")}
    env.pop("SOCIALPOST_CONFIG", None)
    command = [str(REPO / ".venv" / "bin" / "socialpost"), "--config", str(tmp_path / "none.yaml")]
    (tmp_path / "none.yaml").write_text("language: en\n", encoding="utf-8")
    result = subprocess.run(
        [*command, "report", "--by", "post", "--since", "2027-03-01", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["filters"]["since"] == "2027-02-28T18:30:00Z"


# --- status -----------------------------------------------------------------------------------------------


@LANGS
def test_status_names_the_zone_across_daylight_saving(
    store: Store, clock: FakeClock, run_in: Any, lang: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    seed = Seeder(store)
    seed.post("printemps", "avant", "x:acme", due=BEFORE_DST, status="pending", tz="America/Toronto")
    seed.post("printemps", "apres", "x:acme", due=AFTER_DST, status="pending", tz="America/Toronto")
    seed.post("inde", "chai", "mastodon:acme", due=KOLKATA, status="pending", tz="Asia/Kolkata")
    clock.set(BEFORE_DST - timedelta(days=1))
    out = run_in(*lang, "status").stdout
    assert "2027-03-13 09:00 EST" in out and "2027-03-15 09:00 EDT" in out  # the same wall time
    assert "2027-03-14 09:30 Asia/Kolkata" in out  # IST is not one zone


def test_status_json_adds_local_times_and_keeps_utc(store: Store, clock: FakeClock, run_in: Any) -> None:
    from socialpost.store.queue import Queue

    seed = Seeder(store)
    post_id = seed.post("printemps", "avant", "x:acme", due=BEFORE_DST, status="retry_wait", tz="America/Toronto")
    with store.write() as session:
        from socialpost.store.models import PostRow

        row = session.get(PostRow, post_id)
        assert row is not None
        row.next_attempt_at = AFTER_DST
    clock.set(BEFORE_DST)
    Queue(store, "d1", clock=lambda: BEFORE_DST).heartbeat(started=True)
    data = json.loads(run_in("status", "--json").stdout)
    (line,) = data["upcoming"]
    assert (line["due_at"], line["next_attempt_at"]) == ("2027-03-13T14:00:00Z", "2027-03-15T13:00:00Z")
    assert line["next_attempt_at_local"] == "2027-03-15T09:00:00-04:00"  # the campaign's zone, after DST
    (daemon,) = data["daemons"]
    assert daemon["heartbeat_at"] == "2027-03-13T14:00:00Z"
    assert daemon["heartbeat_at_local"] == "2027-03-13T09:00:00-05:00"  # no campaign: the user's zone


# --- report -------------------------------------------------------------------------------------------


@LANGS
def test_report_text_shows_each_campaigns_local_time(
    store: Store, clock: FakeClock, run_in: Any, lang: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # lists: one line a post
    _sent(store)
    clock.set(NOW)
    out = run_in(*lang, "report", "--no-charts").stdout
    assert "avant · x:acme · sent · 2027-03-13 09:00:00 EST\n" in out
    assert "apres · x:acme · sent · 2027-03-15 09:00:00 EDT\n" in out
    assert "chai · mastodon:acme · sent · 2027-03-14 09:30:00 Asia/Kolkata " in " ".join(out.split())  # wrapped
    assert " UTC" not in out
    monkeypatch.setenv("COLUMNS", "300")  # tables: the heading says local time
    wide = run_in(*lang, "report", "--no-charts").stdout
    assert ("envoi (heure locale)" if lang else "sent (local time)") in wide


@LANGS
def test_report_html_shows_local_times(
    store: Store, clock: FakeClock, run_in: Any, lang: tuple[str, ...], tmp_path: Path
) -> None:
    _sent(store)
    clock.set(NOW)
    page = tmp_path / "r.html"
    assert run_in(*lang, "report", "--html", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert ">2027-03-13 09:00 EST<" in html and ">2027-03-15 09:00 EDT<" in html  # on each post's card
    assert "2027-03-14 09:30 Asia/Kolkata" in html
    assert "2027-03-20 08:00 EDT" in html  # generated at NOW, in the user's zone
    # the zones are named once on top, and in the hour-of-the-week legend
    assert ("heures de America/Toronto, Asia/Kolkata" if lang else "times in America/Toronto, Asia/Kolkata") in html
    assert " UTC" not in html


def test_report_json_and_csv_keep_utc_and_add_local(store: Store, clock: FakeClock, run_in: Any) -> None:
    _sent(store)
    clock.set(NOW)
    data = json.loads(run_in("report", "--json").stdout)
    posts = {p["id"]: p for c in data["campaigns"] for p in c["posts"]}
    assert posts["avant"]["sent_at"] == "2027-03-13T14:00:00Z"
    assert posts["avant"]["sent_at_local"] == "2027-03-13T09:00:00-05:00"
    assert posts["apres"]["sent_at_local"] == "2027-03-15T09:00:00-04:00"
    assert posts["chai"]["sent_at_local"] == "2027-03-14T09:30:00+05:30"
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(run_in("report", "--csv").stdout))}
    assert rows["apres"]["sent_at"] == "2027-03-15T13:00:00Z"
    assert rows["apres"]["sent_at_local"] == "2027-03-15T09:00:00-04:00"
    header = run_in("report", "--csv").stdout.splitlines()[0].split(",")
    # added before the text, which stays last
    assert header[-4:] == ["sent_at_local", "collected_at_local", "previous_collected_at_local", "text"]


def test_report_since_and_until_are_read_in_the_users_zone(
    store: Store, clock: FakeClock, run_in: Any, settings: Settings
) -> None:
    seed = _sent(store)
    # Friday 23:30 in Toronto, Saturday 04:30 UTC: outside "from the 13th" in Toronto, inside in UTC
    seed.post("printemps", "veille", "x:acme", due=datetime(2027, 3, 13, 4, 30, tzinfo=UTC), tz="America/Toronto")
    clock.set(NOW)

    def ids(*args: str, **kwargs: Any) -> list[str]:
        data = json.loads(run_in("report", "--by", "post", "--json", *args, **kwargs).stdout)
        return sorted(p["id"] for p in data["posts"])

    data = json.loads(run_in("report", "--by", "post", "--json", "--since", "2027-03-13").stdout)
    assert data["filters"]["since"] == "2027-03-13T05:00:00Z"  # midnight EST
    assert ids("--since", "2027-03-13") == ["apres", "avant", "chai"]
    assert ids("--since", "2027-03-13", settings=settings) == ["apres", "avant", "chai", "veille"]  # UTC user
    # across the change to daylight-saving time: midnight of the 15th is 04:00 UTC (EDT)
    assert json.loads(run_in("report", "--by", "post", "--json", "--until", "2027-03-15").stdout)["filters"][
        "until"
    ] == ("2027-03-15T04:00:00Z")
    assert ids("--since", "2027-03-13", "--until", "2027-03-15") == ["avant", "chai"]
    assert ids("--since", "2027-03-13T09:00Z") == ["apres", "avant", "chai"]  # an offset is taken as written
    assert ids("--since", "2027-03-13T09:30") == ["apres", "chai"]  # 09:30 EST = 14:30 UTC


# --- doctor ---------------------------------------------------------------------------------------------


@LANGS
def test_doctor_speaks_the_campaigns_local_time(
    store: Store, clock: FakeClock, run_in: Any, lang: tuple[str, ...]
) -> None:
    seed = Seeder(store)
    seed.post("printemps", "apres", "x:acme", due=AFTER_DST, status="pending", tz="America/Toronto")
    clock.set(AFTER_DST - timedelta(hours=2))
    data = json.loads(run_in(*lang, "doctor", "--json").stdout)
    (found,) = [f for f in data["findings"] if f["check"] == "daemon"]
    assert "2027-03-15 09:00 EDT" in found["message"] and "UTC" not in found["message"]
    assert ("prévue le" if lang else "due") in found["message"]


# --- the daemon's log -----------------------------------------------------------------------------------


def _record() -> logging.LogRecord:
    record = logging.LogRecord("socialpost.daemon", logging.INFO, __file__, 1, "daemon %s started", ("d1",), None)
    record.created = BEFORE_DST.timestamp()
    return record


def test_log_lines_name_the_users_zone_and_json_keeps_utc() -> None:
    try:
        localtime.set_user_zone("America/Toronto")
        assert TextFormatter().format(_record()) == "09:00:00 EST daemon d1 started"
        localtime.set_user_zone("Asia/Kolkata")
        assert TextFormatter().format(_record()) == "19:30:00 Asia/Kolkata daemon d1 started"
        assert json.loads(JsonFormatter().format(_record()))["time"] == "2027-03-13T14:00:00Z"
    finally:
        localtime.set_user_zone(None)


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_real_daemons_log_names_its_zone(tmp_path: Path, log_format: str) -> None:
    config = {"timezone": "Asia/Kolkata", "daemon": {"poll_seconds": 0.2}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {
        **os.environ,
        "SOCIALPOST_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
        "SOCIALPOST_DATA_DIR": str(tmp_path / "data"),
    }
    log = tmp_path / "daemon.log"
    command = [str(REPO / ".venv" / "bin" / "socialpost"), "--config", str(tmp_path / "config.yaml")]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--log-format", log_format, "daemon", "--id", "kolkata"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        assert wait_until(lambda: "kolkata started" in log.read_text() or process.poll() is not None, 60)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    first = log.read_text().splitlines()[0]
    if log_format == "text":
        assert re.match(r"^\d{2}:\d{2}:\d{2} Asia/Kolkata daemon kolkata started", first), first
    else:
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", json.loads(first)["time"]), first


_ZONES = (
    "UTC",
    "America/Toronto",
    "Asia/Kolkata",  # +05:30
    "Australia/Lord_Howe",  # daylight-saving time of half an hour
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/Sao_Paulo",
    "Europe/Dublin",  # its "winter time" is the negative DST of tzdata
    "America/St_Johns",  # -03:30 / -02:30
)


@hypothesis_settings(max_examples=400, deadline=None)
@given(
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(_ZONES),
)
def test_the_reports_quick_local_times_are_the_plain_conversion(instant: datetime, name: str) -> None:
    """JSON and CSV make ``…_local`` from SQLite's stored text and the hour's offset; it must be
    exactly what converting the instant gives, in every kind of zone and across its changes."""
    from socialpost.report.stamps import local_iso, local_iso_of
    from socialpost.timeutil import zone

    place = zone(name)
    stored = instant.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    assert local_iso_of(stored, place) == local_iso(instant, place) == instant.astimezone(place).isoformat()
    assert local_iso_of(instant, place) == local_iso(instant, place)  # PostgreSQL gives datetimes


@pytest.mark.parametrize("name", _ZONES)
def test_the_quick_local_times_around_each_change_of_offset(name: str) -> None:
    from socialpost.report.stamps import local_iso, local_iso_of
    from socialpost.timeutil import zone

    place = zone(name)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment < datetime(2028, 1, 1, tzinfo=UTC):  # every 15 minutes and a second for two years
        stored = moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        assert local_iso_of(stored, place) == local_iso(moment, place), (name, moment)
        moment += timedelta(minutes=15, seconds=1, microseconds=7)
