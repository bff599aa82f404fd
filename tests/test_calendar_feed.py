"""The calendar's .ics served read-only on loopback by the daemon (``daemon: calendar_port``): the
same file as `calendar --ics`, GET and HEAD of one path only, a foreign Host refused, and a port
already taken said in the log without stopping the daemon."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import httpx
import icalendar
import pytest

from socialpost.daemon.calendar_feed import CalendarFeed
from socialpost.daemon.service import Daemon
from socialpost.settings.config import Settings
from socialpost.store.db import Store
from tests.conftest import FakeClock

CAMPAIGN = """\
campaign: cafe
timezone: America/Montreal
accounts: [outbox:news, x:cafe]
posts:
  - {id: teaser, at: 2027-03-02 09:00, text: "Something new is brewing. Guess what?"}
  - {id: announce, at: 2027-03-04 11:30, text: "Our roastery opens Saturday! Which origin next?"}
"""


@pytest.fixture
def queued(run_cli, write) -> Path:  # type: ignore[no-untyped-def]
    path = write("cafe.yaml", CAMPAIGN)
    assert run_cli("schedule", str(path)).exit_code == 0
    return path


@pytest.fixture
def feed(store: Store, clock: FakeClock, queued: Path):  # type: ignore[no-untyped-def]
    served = CalendarFeed(store, port=0, clock=clock)
    served.start()
    yield served
    served.stop()


def test_the_feed_is_the_calendar_ics(run_cli, feed: CalendarFeed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert feed.url == f"http://127.0.0.1:{feed.port}/calendar.ics" and feed.port > 0
    answer = httpx.get(feed.url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    written = tmp_path / "cafe.ics"
    run_cli("calendar", "--ics", str(written))
    assert answer.content == written.read_bytes()  # the same UIDs: a subscribed calendar updates its events
    events = icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
    assert len(events) == 4
    head = httpx.head(feed.url)
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0


def test_only_get_and_head_of_the_one_path_from_loopback(feed: CalendarFeed) -> None:
    base = f"http://127.0.0.1:{feed.port}"
    assert httpx.get(base + "/").status_code == 404
    assert httpx.get(base + "/calendar.ics/../secrets.yaml").status_code == 404
    assert httpx.post(feed.url, content=b"x").status_code == 501
    assert httpx.delete(feed.url).status_code == 501
    rebound = httpx.get(feed.url, headers={"Host": f"evil.example:{feed.port}"})  # DNS rebinding
    assert rebound.status_code == 403
    assert httpx.get(feed.url, headers={"Host": f"localhost:{feed.port}"}).status_code == 200
    with socket.create_connection(("127.0.0.1", feed.port)) as raw:  # listens on loopback only
        assert raw.getpeername()[0] == "127.0.0.1"


def test_the_daemon_serves_it_while_it_runs(  # type: ignore[no-untyped-def]
    store: Store, settings: Settings, clock: FakeClock, queued: Path
) -> None:
    settings.daemon.calendar_port = 0
    daemon = Daemon(store, settings, daemon_id="feed", clock=clock)
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while daemon.calendar is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert daemon.calendar is not None, "the daemon did not serve its calendar"
        answer = httpx.get(daemon.calendar.url)
        assert answer.status_code == 200 and b"BEGIN:VCALENDAR" in answer.content
        url = daemon.calendar.url
    finally:
        daemon.stop()
        thread.join(timeout=20)
    assert not thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)  # stopped with the daemon


def test_a_taken_port_is_logged_and_the_daemon_runs_on(  # type: ignore[no-untyped-def]
    store: Store, settings: Settings, clock: FakeClock, queued: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings.daemon.calendar_port = taken.getsockname()[1]
        daemon = Daemon(store, settings, daemon_id="busy", clock=clock, stop_when=lambda: True)
        with caplog.at_level(logging.ERROR, logger="socialpost.daemon"):
            daemon.run()
    assert daemon.calendar is None
    assert f"the calendar is not served: port {settings.daemon.calendar_port} on 127.0.0.1" in caplog.text
