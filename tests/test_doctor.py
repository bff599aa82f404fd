"""`socialpost doctor`: every check is triggered on purpose, and shown to pass once fixed.

Accounts are checked through real adapters (LinkedIn, over its real httpx client) against a real
HTTP server on 127.0.0.1 that answers like LinkedIn's API and stamps a `Date` header from the
test's clock (plus an offset, for the clock-skew check). The database checks use real SQLite files
and a PostgreSQL URL to a port nobody listens on.
"""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text, update

from socialpost import doctor as library
from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.cli.doctor import doctor
from socialpost.settings.config import Settings
from socialpost.store.db import MIGRATIONS, SCHEMA_HEAD, Store, open_store
from socialpost.store.models import PostRow, Status
from socialpost.store.queue import Queue
from tests.conftest import START, FakeClock
from tests.store_helpers import post, seed_posts
from tests.support.walk import schedule_walk

PERSON = "urn:li:person:782bbtaQ"
TOKEN = "AQXdoctor-secret-token-1234567890"
USERINFO = {
    "sub": "782bbtaQ",
    "email_verified": True,
    "name": "Marie Tremblay",
    "locale": {"country": "CA", "language": "fr"},
    "given_name": "Marie",
    "family_name": "Tremblay",
    "picture": "https://media.licdn.com/dms/image/x",
}
EXPIRED_401 = {"status": 401, "serviceErrorCode": 65602, "message": "The token used in the request has expired"}


# --- a local API: LinkedIn's /v2/userinfo, and a Date header from the test's clock -----------------


@dataclass
class FakeApi:
    url: str
    clock: FakeClock = field(default_factory=FakeClock)
    offset: timedelta = timedelta(0)  # how far the server's Date is from the test's clock
    userinfo: tuple[int, dict[str, Any]] = (200, USERINFO)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


@pytest.fixture(scope="module")
def api_server() -> Iterator[FakeApi]:
    state = FakeApi(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def date_time_string(self, timestamp: float | None = None) -> str:
            return format_datetime(state.clock() + state.offset, usegmt=True)

        def _answer(self, status: int, body: dict[str, Any] | None) -> None:
            state.requests.append((self.command, self.path, dict(self.headers.items())))
            payload = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)  # adds Date: from date_time_string
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def do_HEAD(self) -> None:
            self._answer(404, {"status": 404, "message": "Not Found"})

        def do_GET(self) -> None:
            if self.path == "/v2/userinfo":
                self._answer(*state.userinfo)
            else:
                self._answer(404, {"status": 404, "message": f"No virtual resource found for {self.path}"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def api(api_server: FakeApi, clock: FakeClock) -> FakeApi:
    api_server.clock = clock
    api_server.offset = timedelta(0)
    api_server.userinfo = (200, USERINFO)
    api_server.requests.clear()
    return api_server


def linkedin(api: FakeApi, **extra: Any) -> dict[str, Any]:
    return {
        "author": PERSON,
        "access_token": TOKEN,
        "base_url": api.url,
        "linkedin_version": "202612",
        "timeout": 5,
        **extra,
    }


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- running the command ----------------------------------------------------------------------------


@dataclass
class Run:
    exit_code: int
    output: str
    findings: list[dict[str, Any]]

    def about(self, check: str) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["check"] == check]

    def one(self, check: str) -> dict[str, Any]:
        (found,) = self.about(check)
        return found

    def statuses(self) -> dict[str, str]:
        """check → the worst status found for it."""
        rank = {"ok": 0, "warning": 1, "problem": 2}
        worst: dict[str, str] = {}
        for f in self.findings:
            if rank[f["status"]] >= rank[worst.get(f["check"], "ok")]:
                worst[f["check"]] = f["status"]
        return worst


def run_doctor(settings: Settings | None, clock: FakeClock, *, config_option: str | None = None) -> Run:
    app = AppContext(settings_override=settings, clock=clock, config_option=config_option)
    result = CliRunner().invoke(doctor, ["--json"], obj=app, catch_exceptions=False)
    app.close()
    data = json.loads(result.stdout)
    assert set(data) == {"ok", "findings"}
    for finding in data["findings"]:
        assert set(finding) == {"check", "status", "message", "fix"}
        assert finding["status"] in ("ok", "warning", "problem")
        assert (finding["fix"] is None) == (finding["status"] == "ok"), finding
    assert data["ok"] == all(f["status"] == "ok" for f in data["findings"])
    assert result.exit_code == (0 if data["ok"] else 3)
    return Run(result.exit_code, result.stdout, data["findings"])


def human(settings: Settings | None, clock: FakeClock) -> tuple[int, str]:
    result = CliRunner().invoke(doctor, [], obj=AppContext(settings_override=settings, clock=clock))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout


def set_status(store: Store, post_id: int, status: Status, reason: str | None = None) -> None:
    with store.write() as session:
        session.execute(update(PostRow).where(PostRow.id == post_id).values(status=status.value, last_error=reason))


def beat(store: Store, at: datetime, daemon_id: str = "host-1") -> None:
    """A daemon's heartbeat at ``at``, written the way the daemon writes it."""
    Queue(store, daemon_id, clock=lambda: at).heartbeat(started=True)


# --- all green --------------------------------------------------------------------------------------


def test_all_green_exits_0(settings: Settings, store: Store, clock: FakeClock, api: FakeApi, tmp_path: Path) -> None:
    image = tmp_path / "teaser.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    secrets_file = tmp_path / "secrets.yaml"
    secrets_file.write_text(f"linkedin:acme: {{access_token: {TOKEN}}}\n")
    secrets_file.chmod(0o600)
    config = tmp_path / "config.yaml"
    config.write_text("accounts:\n  linkedin:\n    acme: {author: 'urn:li:person:782bbtaQ'}\n")
    config.chmod(0o644)  # readable is fine: it holds no secret
    settings = replace(
        settings,
        config_path=config,
        secrets_path=secrets_file,
        accounts={"linkedin": {"acme": linkedin(api, expires_at="2027-03-01T00:00:00Z")}},
    )
    del settings.accounts["linkedin"]["acme"]["access_token"]  # it comes from secrets.yaml
    (first,) = seed_posts(store, 1, due=START + timedelta(days=2), account="linkedin:acme", campaign="launch")
    with store.write() as session:
        payload = {"text": "hello", "media": [{"file": str(image), "alt": "a cup"}]}
        session.execute(update(PostRow).where(PostRow.id == first).values(payload=payload))
    beat(store, START - timedelta(seconds=5))

    run = run_doctor(settings, clock)

    assert run.exit_code == 0
    assert set(run.statuses().values()) == {"ok"}
    assert set(run.statuses()) == {
        "config",
        "config-permissions",
        "secrets-permissions",
        "data-permissions",
        "database",
        "timezones",
        "daemon",
        "media",
        "posts",
        "account:linkedin:acme",
        "notify",
        "clock",
    }
    assert (
        "signed in as Marie Tremblay; token expires 2027-03-01 00:00 UTC" in run.one("account:linkedin:acme")["message"]
    )
    assert run.one("clock")["message"] == f"this machine's clock agrees with {api.url}"
    assert "1 media file" in run.one("media")["message"]
    assert ("HEAD", "/") in [(m, p) for m, p, _ in api.requests]
    # the token went to LinkedIn as a Bearer header, and never into the output
    assert any(h.get("Authorization") == f"Bearer {TOKEN}" for _m, p, h in api.requests if p == "/v2/userinfo")
    assert TOKEN not in run.output

    code, text_out = human(settings, clock)
    assert code == 0
    assert "✓ database:" in text_out and "✗" not in text_out and "All good" in text_out


def test_a_fresh_install_with_no_database_is_all_green(settings: Settings, clock: FakeClock) -> None:
    run = run_doctor(settings, clock)
    assert run.exit_code == 0
    assert "no database yet" in run.one("database")["message"]
    assert not Path(settings.database_url.removeprefix("sqlite:///")).exists()  # the doctor created nothing


# --- files ------------------------------------------------------------------------------------------


def test_secrets_file_readable_by_others_is_a_problem(settings: Settings, clock: FakeClock, tmp_path: Path) -> None:
    secrets_file = tmp_path / "secrets.yaml"
    secrets_file.write_text("linkedin:acme: {access_token: " + TOKEN + "}\n")
    secrets_file.chmod(0o644)
    settings = replace(settings, secrets_path=secrets_file)

    run = run_doctor(settings, clock)
    found = run.one("secrets-permissions")
    assert found["status"] == "problem" and run.exit_code == 3
    assert "mode 0644" in found["message"] and "must be 0600" in found["message"]
    assert f"chmod 600 {secrets_file}" in found["fix"]
    assert TOKEN not in run.output

    secrets_file.chmod(0o600)
    assert run_doctor(settings, clock).one("secrets-permissions")["status"] == "ok"


def test_secrets_file_that_is_not_yaml_is_a_problem(settings: Settings, clock: FakeClock, tmp_path: Path) -> None:
    secrets_file = tmp_path / "secrets.yaml"
    secrets_file.write_text("linkedin:acme: [unclosed\n")
    secrets_file.chmod(0o600)
    found = run_doctor(replace(settings, secrets_path=secrets_file), clock).one("secrets-permissions")
    assert found["status"] == "problem" and "not valid YAML" in found["message"]


def test_config_writable_by_others_and_clear_secrets(
    settings: Settings, clock: FakeClock, api: FakeApi, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"accounts:\n  linkedin:\n    acme: {{access_token: {TOKEN}}}\n")
    config.chmod(0o664)
    settings = replace(settings, config_path=config, accounts={"linkedin": {"acme": linkedin(api)}})

    run = run_doctor(settings, clock)
    writable, readable = run.about("config-permissions")
    assert writable["status"] == "warning" and "can be changed by other users (mode 0664)" in writable["message"]
    assert writable["fix"] == f"Make it writable by you only: chmod go-w {config}"
    assert readable["status"] == "problem"
    assert "accounts.linkedin.acme.access_token" in readable["message"] and TOKEN not in run.output
    assert f"chmod 600 {config}" in readable["fix"] and "${ENV_VAR}" in readable["fix"]

    # ${ENV} references are fine in a readable file; only the group-write warning remains
    env_settings = replace(settings, accounts={"linkedin": {"acme": linkedin(api, access_token="${LINKEDIN_TOKEN}")}})
    run = run_doctor(env_settings, clock)
    assert [f["status"] for f in run.about("config-permissions")] == ["warning"]

    config.chmod(0o600)
    assert run_doctor(settings, clock).one("config-permissions")["status"] == "ok"


def test_a_config_that_does_not_parse_is_a_problem_not_a_traceback(clock: FakeClock, write) -> None:  # type: ignore[no-untyped-def]
    config = write("config.yaml", "daemon:\n  workers: many\n")
    run = run_doctor(None, clock, config_option=str(config))
    found = run.one("config")
    assert found["status"] == "problem" and run.exit_code == 3
    assert f"{config}:2:" in found["message"] and "workers" in found["message"]
    assert "fix this first" in found["fix"]
    assert run.one("timezones")["status"] == "ok"  # what needs no settings still ran


# --- time zones -------------------------------------------------------------------------------------


@pytest.fixture
def no_tzdata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine without time-zone data: no system zoneinfo folder and no tzdata package."""
    import zoneinfo

    for name in [n for n in sys.modules if n == "tzdata" or n.startswith("tzdata.")] or ["tzdata"]:
        monkeypatch.setitem(sys.modules, name, None)  # "import tzdata(.zoneinfo…)" fails, even if loaded before
    zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        yield
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()


def test_missing_time_zone_data(settings: Settings, clock: FakeClock, no_tzdata: None) -> None:
    found = run_doctor(settings, clock).one("timezones")
    assert found["status"] == "problem"
    assert "America/Montreal, Europe/Paris cannot be loaded" in found["message"]
    assert "pip install tzdata" in found["fix"] and "apt install tzdata" in found["fix"]


def test_a_campaign_zone_this_machine_cannot_load(settings: Settings, store: Store, clock: FakeClock) -> None:
    seed_posts(store, 1, due=START + timedelta(hours=1), campaign="launch")
    with store.write() as session:
        session.execute(text("UPDATE campaigns SET timezone = 'Mars/Olympus'"))
    found = run_doctor(settings, clock).one("timezones")
    assert found["status"] == "problem" and "'Mars/Olympus'" in found["message"]


# --- the database -----------------------------------------------------------------------------------


def test_an_empty_database_file_is_not_migrated(settings: Settings, clock: FakeClock) -> None:
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    path.write_bytes(b"")
    found = run_doctor(settings, clock).one("database")
    assert found["status"] == "warning" and "has no socialpost tables" in found["message"]
    assert "socialpost status" in found["fix"]


def test_a_database_at_revision_0001_needs_upgrading(settings: Settings, clock: FakeClock) -> None:
    from alembic import command
    from alembic.config import Config

    old = open_store(settings.database_url, migrate=False)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with old.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
    finally:
        old.close()
    run = run_doctor(settings, clock)
    found = run.one("database")
    assert (
        found["status"] == "warning"
        and f"old schema (revision 0001; this socialpost needs {SCHEMA_HEAD})" in found["message"]
    )
    assert "Stop every socialpost daemon" in found["fix"]
    assert "daemon" not in run.statuses()  # the other store checks need the current schema
    # the doctor did not migrate it
    old = open_store(settings.database_url, migrate=False)
    try:
        from socialpost.store.db import current_revision

        assert current_revision(old) == "0001"
    finally:
        old.close()


def test_a_database_from_a_newer_socialpost(settings: Settings, store: Store, clock: FakeClock) -> None:
    with store.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    found = run_doctor(settings, clock).one("database")
    assert found["status"] == "problem" and "newer socialpost (schema revision 0099" in found["message"]
    assert "pip install -U socialpost-cli" in found["fix"]


def test_an_unreachable_postgresql_is_a_problem(settings: Settings, clock: FakeClock) -> None:
    port = closed_port()
    url = f"postgresql://socialpost:hunter2-password@127.0.0.1:{port}/socialpost"
    run = run_doctor(replace(settings, database_url=url), clock)
    found = run.one("database")
    assert found["status"] == "problem" and run.exit_code == 3
    assert f"cannot reach the database postgresql://socialpost:***@127.0.0.1:{port}/socialpost" in found["message"]
    assert "hunter2-password" not in run.output
    assert "database server runs" in found["fix"]


def test_a_check_that_crashes_becomes_a_problem_naming_it(settings: Settings, clock: FakeClock) -> None:
    Path(settings.database_url.removeprefix("sqlite:///")).write_bytes(b"")

    def broken(_url: str) -> Store:
        raise RuntimeError("disk on fire")

    report = library.run_checks(settings, clock=clock, store_opener=broken)
    (found,) = [f for f in report.findings if f.check == "database"]
    assert found.status == "problem"
    assert found.message == "the database check could not run: RuntimeError: disk on fire"
    assert not report.ok and [f.check for f in report.findings][-1] == "clock"  # later checks still ran


def test_the_registered_checks_run_in_their_order(settings: Settings, store: Store, clock: FakeClock) -> None:
    seed_posts(store, 1, due=START + timedelta(hours=1), campaign="launch")
    report = library.run_checks(settings, clock=clock, date_probe=lambda _origin, _timeout: None)
    order = [check.id for check in library.CHECKS]
    seen = [f.check for f in report.findings if not f.check.startswith("account:")]
    assert seen[0] == "config"
    at = 0
    for check in seen[1:]:  # each finding comes from a check at or after the previous one's
        assert check in order[at:], seen
        at = order.index(check, at)
    assert {"database", "timezones", "daemon", "media", "posts", "clock"} <= set(seen)


def test_a_crash_in_one_registered_check_leaves_the_others_running(
    settings: Settings, store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_posts(store, 1, due=START + timedelta(hours=1), campaign="launch")

    def broken(_context: library.Context) -> list[library.Finding]:
        raise OSError("media folder unplugged")

    checks = tuple(library.Check(c.id, broken, c.needs_store) if c.id == "media" else c for c in library.CHECKS)
    monkeypatch.setattr(library, "CHECKS", checks)
    report = library.run_checks(settings, clock=clock, date_probe=lambda _origin, _timeout: None)
    (found,) = [f for f in report.findings if f.check == "media"]
    assert found.status == "problem"
    assert found.message == "the media check could not run: OSError: media folder unplugged"
    seen = [f.check for f in report.findings]
    assert seen.index("daemon") < seen.index("media") < seen.index("posts")
    assert seen[-1] == "clock"


# --- the daemon -------------------------------------------------------------------------------------


def test_pending_posts_with_a_dead_daemon(settings: Settings, store: Store, clock: FakeClock) -> None:
    seed_posts(store, 2, due=START + timedelta(hours=1), campaign="launch")
    beat(store, START - timedelta(hours=3))  # last heartbeat 3 hours ago
    found = run_doctor(settings, clock).one("daemon")
    assert found["status"] == "warning"
    assert "2 posts waiting to go out but no daemon is running" in found["message"]
    assert "last seen 3 h ago" in found["message"]
    assert "socialpost daemon" in found["fix"]

    clock.advance(hours=2)  # now they are overdue
    found = run_doctor(settings, clock).one("daemon")
    assert found["status"] == "problem" and "2 posts already overdue" in found["message"]

    beat(store, clock() - timedelta(seconds=10))  # a live daemon
    found = run_doctor(settings, clock).one("daemon")
    assert found["status"] == "ok" and "1 daemon running" in found["message"]


# --- media ------------------------------------------------------------------------------------------


def test_a_pending_post_whose_media_was_deleted(
    settings: Settings, store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    image = tmp_path / "img" / "teaser.jpg"
    image.parent.mkdir()
    image.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 32)
    (post_id,) = seed_posts(store, 1, due=START + timedelta(hours=1), campaign="launch")
    with store.write() as session:
        payload = {"text": "hi", "media": [{"file": str(image), "alt": "a bag of coffee"}]}
        session.execute(update(PostRow).where(PostRow.id == post_id).values(payload=payload))
    beat(store, START)
    assert run_doctor(settings, clock).one("media")["status"] == "ok"

    image.unlink()
    run = run_doctor(settings, clock)
    found = run.one("media")
    assert found["status"] == "problem" and run.exit_code == 3
    assert f"{image} is missing; 1 waiting post will fail without it: launch/p00000 to outbox:news" in found["message"]
    assert "socialpost schedule bulk.yaml" in found["fix"]
    assert found["fix"].endswith("socialpost cancel launch/p00000@outbox:news")


# --- posts waiting for a decision -------------------------------------------------------------------


def test_failed_held_and_unknown_posts_name_the_command_that_settles_them(
    settings: Settings, store: Store, clock: FakeClock
) -> None:
    failed, unknown, held = seed_posts(store, 3, due=START - timedelta(hours=1), campaign="launch")
    set_status(store, failed, Status.FAILED, "LinkedIn 'acme': the post is too long (3,100 characters).")
    set_status(store, unknown, Status.UNKNOWN, "the daemon stopped while sending")
    set_status(store, held, Status.HELD)

    run = run_doctor(settings, clock)
    assert run.exit_code == 3
    by_text = {
        f["message"].split(" ")[0] if not f["message"].startswith("nobody") else "unknown": f
        for f in run.about("posts")
    }
    failed_f = by_text["launch/p00000"]
    assert failed_f["status"] == "problem"
    assert failed_f["message"] == (
        "launch/p00000 to outbox:news failed: LinkedIn 'acme': the post is too long (3,100 characters)."
    )
    assert failed_f["fix"].endswith("socialpost retry launch/p00000@outbox:news")
    unknown_f = by_text["unknown"]
    assert unknown_f["status"] == "problem" and "launch/p00001" in unknown_f["message"]
    assert "socialpost resolve launch/p00001@outbox:news --sent URL" in unknown_f["fix"]
    assert "socialpost resolve launch/p00001@outbox:news --not-sent" in unknown_f["fix"]
    held_f = by_text["launch/p00002"]
    assert held_f["status"] == "warning" and "is held" in held_f["message"]
    assert "socialpost retry launch/p00002@outbox:news" in held_f["fix"]
    assert "socialpost cancel launch/p00002@outbox:news" in held_f["fix"]

    # the commands the doctor gives really work
    for command in (
        failed_f["fix"].rsplit(": ", 1)[1],
        held_f["fix"].split(" — ")[1].split(": ", 1)[1],
        unknown_f["fix"].split("if not: ")[1].split(" (")[0],
    ):
        args = shlex.split(command)
        assert args[0] == "socialpost"
        app = AppContext(settings_override=settings, clock=clock)
        result = CliRunner().invoke(cli, [*args[1:], "--yes"] if "resolve" in args else args[1:], obj=app)
        app.close()
        assert result.exit_code == 0, (command, result.output)
    assert (post(store, failed).status, post(store, unknown).status, post(store, held).status) == (
        "pending",
        "pending",
        "cancelled",
    )
    assert run_doctor(settings, clock).one("posts")["status"] == "ok"


def test_many_failed_posts_are_counted_not_listed(settings: Settings, store: Store, clock: FakeClock) -> None:
    ids = seed_posts(store, 13, due=START - timedelta(hours=1), campaign="launch")
    for post_id in ids:
        set_status(store, post_id, Status.FAILED, "rejected")
    found = run_doctor(settings, clock).about("posts")
    assert len(found) == library.SHOWN_POSTS + 1
    assert found[-1]["message"] == "… and 3 more failed posts." and "socialpost status" in found[-1]["fix"]


# --- accounts and tokens ----------------------------------------------------------------------------


def test_an_expired_linkedin_token(settings: Settings, store: Store, clock: FakeClock, api: FakeApi) -> None:
    settings = replace(settings, accounts={"linkedin": {"acme": linkedin(api, expires_at="2027-01-01T00:00:00Z")}})
    seed_posts(store, 1, due=START + timedelta(hours=2), account="linkedin:acme", campaign="launch")
    beat(store, START)
    run = run_doctor(settings, clock)
    found = [f for f in run.about("account:linkedin:acme") if "expired" in f["message"]]
    assert len(found) == 1 and found[0]["status"] == "problem"
    assert found[0]["message"] == (
        "the access token expired 2027-01-01 00:00 UTC; 1 post waiting for this account will fail"
    )
    assert found[0]["fix"] == "Connect the account again: socialpost accounts add linkedin acme"
    assert TOKEN not in run.output


def test_linkedin_refuses_the_token(settings: Settings, clock: FakeClock, api: FakeApi) -> None:
    api.userinfo = (401, EXPIRED_401)
    settings = replace(settings, accounts={"linkedin": {"acme": linkedin(api)}})
    run = run_doctor(settings, clock)
    (found,) = run.about("account:linkedin:acme")
    assert found["status"] == "problem" and run.exit_code == 3
    assert "LinkedIn 'acme'" in found["message"] and "expired" in found["message"]
    assert "socialpost accounts add linkedin acme" in found["message"] + found["fix"]
    assert TOKEN not in run.output


def test_a_token_that_expires_before_a_scheduled_post(
    settings: Settings, store: Store, clock: FakeClock, api: FakeApi
) -> None:
    expires = START + timedelta(days=20)
    settings = replace(settings, accounts={"linkedin": {"acme": linkedin(api, expires_at=expires.isoformat())}})
    seed_posts(store, 1, due=START + timedelta(days=1), account="linkedin:acme", campaign="launch")
    seed_posts(store, 2, due=START + timedelta(days=30), account="linkedin:acme", campaign="later")
    beat(store, START)
    run = run_doctor(settings, clock)
    (found,) = run.about("account:linkedin:acme")
    assert found["status"] == "warning" and run.exit_code == 3
    assert found["message"] == (
        "the access token expires 2027-01-30 12:00 UTC, before 2 posts scheduled for it "
        "(the first: later/p00001, due 2027-02-09 12:00 UTC)."
    )
    assert (
        found["fix"] == "Connect the account again before 2027-01-30 12:00 UTC: socialpost accounts add linkedin acme"
    )


def test_a_token_expiring_within_a_week(settings: Settings, clock: FakeClock, api: FakeApi) -> None:
    expires = START + timedelta(days=3)
    settings = replace(settings, accounts={"linkedin": {"acme": linkedin(api, expires_at=expires.isoformat())}})
    (found,) = run_doctor(settings, clock).about("account:linkedin:acme")
    assert found["status"] == "warning" and "(in 3 days)" in found["message"]


def test_a_linkedin_token_of_another_member_is_a_warning(settings: Settings, clock: FakeClock, api: FakeApi) -> None:
    api.userinfo = (200, {**USERINFO, "sub": "someoneElse"})
    settings = replace(settings, accounts={"linkedin": {"acme": linkedin(api)}})
    (found,) = run_doctor(settings, clock).about("account:linkedin:acme")
    assert found["status"] == "warning" and "urn:li:person:someoneElse" in found["message"]
    assert found["fix"] == "Run 'socialpost accounts add linkedin acme' again."


def test_posts_waiting_for_an_account_that_is_not_set_up(settings: Settings, store: Store, clock: FakeClock) -> None:
    seed_posts(store, 2, due=START + timedelta(hours=1), account="webhook:ghost", campaign="launch")
    (found,) = run_doctor(settings, clock).about("account:webhook:ghost")
    assert found["status"] == "problem"
    assert "not set up" in found["message"] and "(2 posts waiting for it)" in found["message"]
    assert "socialpost accounts add webhook ghost" in found["fix"] or "config.example.yaml" in found["fix"]


def youtube(audited: bool | str) -> dict[str, Any]:
    """A YouTube account whose API calls go to test_network_youtube's FakeYouTube (base_url is a
    closed local port, so the clock check asks no outside server)."""
    from tests.test_network_youtube import CHANNEL, CLIENT_SECRET, REFRESH

    return {
        "client_id": "1234-abc.apps.googleusercontent.com",
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH,
        "channel_id": CHANNEL,
        "base_url": f"http://127.0.0.1:{closed_port()}/",
        "audited": audited,
    }


@pytest.mark.parametrize(
    ("audited", "posts", "warned"),
    [
        ("unknown", "waiting", True),
        (False, "sent", True),  # a video sent last week: doctor is where one looks when it stayed private
        ("unknown", None, False),  # no post: nothing to warn about yet
        (True, "waiting", False),
    ],
)
def test_a_youtube_account_whose_audit_is_not_confirmed(
    settings: Settings,
    store: Store,
    clock: FakeClock,
    youtube_fake: Any,
    audited: bool | str,
    posts: str | None,
    warned: bool,
) -> None:
    from tests.test_network_youtube import CHANNEL, channels_route

    channels_route(youtube_fake, [{"kind": "youtube#channel", "id": CHANNEL, "snippet": {"title": "Café Rivière"}}])
    settings = replace(settings, accounts={"youtube": {"cafe": youtube(audited)}})
    if posts == "waiting":
        seed_posts(store, 1, due=START + timedelta(hours=3), account="youtube:cafe", campaign="video")
    elif posts == "sent":
        seed_posts(store, 1, due=START - timedelta(days=6), account="youtube:cafe", status=Status.SENT)
    seed_posts(store, 1, due=START - timedelta(days=60), account="youtube:cafe", status=Status.SENT)  # long ago
    beat(store, START)
    found = run_doctor(settings, clock).about("account:youtube:cafe")
    assert found[0]["status"] == "ok" and "signed in as Café Rivière" in found[0]["message"]
    audit = [f for f in found if "API audit" in f["message"]]
    if not warned:
        assert audit == [] and len(found) == 1
        return
    (warning,) = audit
    assert warning["status"] == "warning"
    assert "YouTube 'cafe'" in warning["message"] and "private" in warning["message"]
    assert "https://support.google.com/youtube/contact/yt_api_form" in warning["fix"]
    assert "audited: true under accounts.youtube.cafe" in warning["fix"]


@pytest.fixture
def youtube_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from socialpost.networks.youtube import YouTubeNetwork
    from tests.test_network_youtube import FakeYouTube

    server = FakeYouTube()
    monkeypatch.setattr(YouTubeNetwork, "http_factory", server)
    yield server
    assert server.violations == []


def test_offline_the_account_is_a_warning_and_the_clock_is_skipped_quietly(
    settings: Settings, clock: FakeClock
) -> None:
    settings = replace(
        settings,
        accounts={
            "linkedin": {
                "acme": {
                    "author": PERSON,
                    "access_token": TOKEN,
                    "linkedin_version": "202612",
                    "base_url": f"http://127.0.0.1:{closed_port()}",
                }
            }
        },
    )
    run = run_doctor(settings, clock)
    (found,) = run.about("account:linkedin:acme")
    assert found["status"] == "warning" and "could not check it now" in found["message"]
    assert "internet connection" in found["fix"]
    clock_f = run.one("clock")
    assert clock_f["status"] == "ok" and "not checked" in clock_f["message"]


def test_x_oauth2_token_expiry_without_a_refresh_token(settings: Settings) -> None:
    """X OAuth 2 user tokens without offline.access last two hours: the expiry comes from settings."""
    from socialpost.networks.base import AccountHealth, AdapterContext
    from socialpost.networks.x import XNetwork, XSettings

    context = AdapterContext(data_dir=settings.data_dir, base_dir=settings.data_dir)
    expires = START + timedelta(hours=2)
    short = XSettings.model_validate({"oauth2_access_token": TOKEN, "oauth2_expires_at": expires.isoformat()})
    adapter = XNetwork(account="x:acme", settings=short, context=context)
    assert library.token_expiry(adapter, None) == expires
    renewable = XSettings.model_validate(
        {
            "oauth2_access_token": TOKEN,
            "oauth2_refresh_token": "r",
            "client_id": "c",
            "oauth2_expires_at": expires.isoformat(),
        }
    )
    assert library.token_expiry(XNetwork(account="x:acme", settings=renewable, context=context), None) is None
    # what the health check said, when the settings do not know (Facebook's debug_token dates): typed
    outbox = __import__("socialpost.networks.outbox", fromlist=["OutboxNetwork"])
    box = outbox.OutboxNetwork(account="outbox:a", settings=outbox.OutboxSettings(), context=context)
    said = AccountHealth("outbox:a", "a", expires_at=datetime(2027, 3, 1, 10, 30, tzinfo=UTC))
    assert library.token_expiry(box, said) == datetime(2027, 3, 1, 10, 30, tzinfo=UTC)
    assert library.token_expiry(box, AccountHealth("outbox:a", "a")) is None  # never expires
    renews = AccountHealth("outbox:a", "a", expires_at=datetime(2027, 3, 1, tzinfo=UTC), renews=True)
    assert library.token_expiry(box, renews) is None


# --- the clock --------------------------------------------------------------------------------------


def test_clock_skew_against_an_api_date_header(settings: Settings, clock: FakeClock, api: FakeApi) -> None:
    settings = replace(settings, accounts={"linkedin": {"acme": linkedin(api)}})
    api.offset = timedelta(minutes=5)  # the API's clock says 5 minutes later than ours
    run = run_doctor(settings, clock)
    found = run.one("clock")
    assert found["status"] == "problem" and run.exit_code == 3
    assert found["message"].startswith(f"this machine's clock is 5 min behind {api.url}")
    assert "timedatectl set-ntp true" in found["fix"]

    api.offset = -timedelta(minutes=5)
    assert f"5 min ahead of {api.url}" in run_doctor(settings, clock).one("clock")["message"]

    api.offset = timedelta(seconds=10)  # within 30 s is fine
    assert run_doctor(settings, clock).one("clock")["status"] == "ok"


# --- the human output -------------------------------------------------------------------------------


def test_human_output_marks_each_line_and_gives_the_fix(
    settings: Settings, store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    secrets_file = tmp_path / "secrets.yaml"
    secrets_file.write_text("{}\n")
    secrets_file.chmod(0o640)
    seed_posts(store, 1, due=START + timedelta(hours=1), campaign="launch")
    (failed,) = seed_posts(store, 1, due=START - timedelta(hours=1), campaign="old")
    set_status(store, failed, Status.FAILED, "rejected [by the network]")
    code, out = human(replace(settings, secrets_path=secrets_file), clock)
    assert code == 3
    assert "✓ database:" in out
    assert "! daemon: 1 post waiting to go out but no daemon is running" in out
    assert "✗ secrets-permissions:" in out and f"    fix: Make it private: chmod 600 {secrets_file}" in out
    assert "✗ posts: old/p00001 to outbox:news failed: rejected [by the network]" in out  # no markup eaten
    assert "2 problems and 1 warning need your attention. Start with the ✗ lines." in out


def test_doctor_stays_out_of_help_start_up_and_has_help() -> None:
    """Registered the way socialpost.cli registers commands, `--help` lists it without importing
    the doctor library (SQLAlchemy, httpx, adapters)."""
    code = (
        "import sys\n"
        "from socialpost import cli\n"
        "cli.COMMANDS.setdefault('doctor', 'socialpost.cli.doctor:doctor')\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} | {m for m in sys.modules if 'doctor' in m})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^\s+doctor\s+Check what commonly breaks", out, re.MULTILINE), out
    loaded = set(out.strip().splitlines()[-1].split())
    assert "socialpost.cli.doctor" in loaded and "socialpost.doctor" not in loaded
    for heavy in ("httpx", "sqlalchemy", "pydantic", "alembic"):
        assert heavy not in loaded, f"--help imported {heavy}"


# --- doctor's count sentence agrees with its number ------------------------------------------------


def test_doctor_says_one_warning_needs_your_attention(run_cli, write, clock: FakeClock) -> None:
    from socialpost.cli.doctor import _counts_line

    assert _counts_line(0, 1) == "1 warning needs your attention."
    assert _counts_line(1, 0) == "1 problem needs your attention. Start with the ✗ lines."
    assert _counts_line(0, 2) == "2 warnings need your attention."
    assert _counts_line(1, 1) == "1 problem and 1 warning need your attention. Start with the ✗ lines."

    schedule_walk(run_cli, write, clock)  # a post waits and no daemon runs: one warning
    result = run_cli("doctor")
    assert result.exit_code == 3
    assert "1 warning needs your attention." in result.stdout
    assert "need your attention" not in result.stdout
