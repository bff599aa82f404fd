"""The command line, through click's CliRunner: commands, exit codes and the JSON contracts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialpost.settings.config import Settings
from socialpost.store.db import open_store
from socialpost.store.models import PostRow, SnapshotRow
from tests.conftest import REPO, FakeClock
from tests.store_helpers import deliver_due
from tests.support.http import LocalServer, Reply

CAMPAIGN = """\
campaign: spring
timezone: America/Montreal
accounts: [outbox:shop, webhook:hook]
posts:
  - id: hello
    at: 2027-03-02 09:00
    text: "Bonjour ! What would you like to see first?"
  - id: later
    at: 2027-03-20 14:30
    text: Second post
"""

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ISO_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    settings.accounts = {"webhook": {"hook": {"url": "http://127.0.0.1:9/hook", "timeout": 1}}}
    return settings


def test_help_lists_every_command(run_cli) -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    for command in ("validate", "plan", "schedule", "daemon", "status", "report", "demo"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.MULTILINE), command


def test_help_imports_no_network_sdk_or_heavy_library() -> None:
    code = (
        "import sys\n"
        "from socialpost.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(out.strip().splitlines()[-1].split())
    for heavy in ("tweepy", "mastodon", "atproto", "httpx", "sqlalchemy", "pydantic", "apscheduler", "alembic"):
        assert heavy not in loaded, f"--help imported {heavy}"
    assert "click" in loaded  # the probe itself works


def test_plan_json_contract(run_cli, write, hook_settings: Settings) -> None:
    path = write("spring.yaml", CAMPAIGN)
    result = run_cli("plan", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["posts", "feeds"]
    assert data["feeds"] == []  # a campaign without feeds: the key is there, empty
    posts = data["posts"]
    assert len(posts) == 4  # 2 posts × 2 accounts
    for post in posts:
        assert set(post) == {
            "campaign",
            "id",
            "account",
            "network",
            "due_at",
            "local_time",
            "action",
            "text",
            "status",
            "state",
            "cancelled_by",
            "paused_by",
            "waiting_for_account",
        }
        assert ISO_Z.match(post["due_at"]), post["due_at"]
        assert ISO_OFFSET.match(post["local_time"]), post["local_time"]
        assert post["action"] == "create"
    first = posts[0]
    assert first == {
        "campaign": "spring",
        "id": "hello",
        "account": "outbox:shop",
        "network": "outbox",
        "due_at": "2027-03-02T14:00:00Z",
        "local_time": "2027-03-02T09:00:00-05:00",
        "action": "create",
        "text": "Bonjour ! What would you like to see first?",
        "status": None,
        "state": "pending",
        "cancelled_by": None,
        "paused_by": [],
        "waiting_for_account": False,
    }
    # after the DST change (2027-03-14) Montreal is UTC-4
    later = next(p for p in posts if p["id"] == "later")
    assert later["due_at"] == "2027-03-20T18:30:00Z"
    assert later["local_time"] == "2027-03-20T14:30:00-04:00"


def test_plan_changes_nothing_and_schedule_is_idempotent(run_cli, write, hook_settings: Settings) -> None:
    path = write("spring.yaml", CAMPAIGN)
    assert {p["action"] for p in json.loads(run_cli("plan", str(path), "--json").stdout)["posts"]} == {"create"}
    # plan did not write: planning again still says create
    assert {p["action"] for p in json.loads(run_cli("plan", str(path), "--json").stdout)["posts"]} == {"create"}
    first = run_cli("schedule", str(path), "--json")
    assert first.exit_code == 0, first.stderr
    assert [p["action"] for p in json.loads(first.stdout)["posts"]] == ["create"] * 4
    again = run_cli("schedule", str(path))
    assert again.exit_code == 0
    assert "0 to create, 0 to update, 0 to cancel, 4 unchanged." in again.stdout

    edited = CAMPAIGN.replace("text: Second post", "text: Second post, edited").replace(
        '  - id: hello\n    at: 2027-03-02 09:00\n    text: "Bonjour ! What would you like to see first?"\n', ""
    )
    path.write_text(edited, encoding="utf-8")
    actions = {
        (p["id"], p["account"]): p["action"] for p in json.loads(run_cli("plan", str(path), "--json").stdout)["posts"]
    }
    assert actions == {
        ("later", "outbox:shop"): "update",
        ("later", "webhook:hook"): "update",
        ("hello", "outbox:shop"): "cancel",
        ("hello", "webhook:hook"): "cancel",
    }


def test_schedule_refuses_past_times_with_position(run_cli, write, clock: FakeClock) -> None:
    path = write("past.yaml", CAMPAIGN.replace("accounts: [outbox:shop, webhook:hook]", "accounts: [outbox:shop]"))
    clock.advance(days=60)  # 2027-03-11: "hello" (03-02) is now in the past
    result = run_cli("schedule", str(path))
    assert result.exit_code == 2
    assert f"{path}:6:9: post 'hello' is due 2027-03-02 09:00 (EST), which is in the past." in result.stderr
    assert "--allow-past" in result.stderr
    assert "Traceback" not in result.stderr
    allowed = run_cli("schedule", str(path), "--allow-past")
    assert allowed.exit_code == 0
    assert "warning [past-time]" in allowed.stderr


def test_invalid_campaign_exit_2_with_positions_and_no_traceback(run_cli, write) -> None:
    path = write("bad.yaml", "campaign: x\ntimezone: EST\naccounts: [outbox:a]\nposts:\n  - id: a\n    txt: hi\n")
    result = run_cli("schedule", str(path))
    assert result.exit_code == 2
    assert f"{path}:2:11:" in result.stderr and "America/Toronto" in result.stderr
    assert f"{path}:6:5: unknown key 'txt'. Did you mean 'text'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_unconfigured_account_is_reported_at_its_position(run_cli, write) -> None:
    path = write("c.yaml", CAMPAIGN)
    result = run_cli("validate", str(path))
    assert result.exit_code == 0  # a draft: the account is connected later
    shown = " ".join(result.stderr.split())
    assert f"warning [not-connected]: {path}:3:25: account 'webhook:hook' is not connected yet" in shown
    assert "Fix: socialpost accounts add webhook hook" in shown


def test_validate_json_contract(run_cli, write, hook_settings: Settings) -> None:
    good = write("good.yaml", CAMPAIGN)
    result = run_cli("validate", str(good), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"ok", "errors", "warnings", "posts"}
    assert data["ok"] is True and data["errors"] == []
    assert {"id": "hello", "account": "outbox:shop", "network": "outbox", "length": 43, "limit": None} in data["posts"]

    bad = write("bad.yaml", "campaign: x\ntimezone: UTC\naccounts: [outbox:a]\nposts: []\n")
    result = run_cli("validate", str(bad), "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["errors"][0]["file"] == str(bad)
    assert (data["errors"][0]["line"], data["errors"][0]["column"]) == (4, 8)
    assert set(data["errors"][0]) == {"file", "line", "column", "message"}


def test_status_and_report_json_contracts(run_cli, write, settings: Settings, clock: FakeClock) -> None:
    with LocalServer() as server:
        server.respond(Reply(400, {"error": "text is not allowed here"}))
        settings.accounts = {"webhook": {"hook": {"url": server.url + "/hook", "timeout": 2}}}
        path = write("spring.yaml", CAMPAIGN)
        assert run_cli("schedule", str(path)).exit_code == 0

        status = run_cli("status", "--json")
        assert status.exit_code == 0
        data = json.loads(status.stdout)
        assert set(data) == {"counts", "needs_attention", "upcoming", "problems", "daemons", "paused", "noted", "feeds"}
        assert data["counts"]["pending"] == 4 and data["needs_attention"] is False and data["paused"] == []
        assert [p["id"] for p in data["upcoming"]] == ["hello", "hello", "later", "later"]

        clock.set(clock() + timedelta(days=51, hours=2, minutes=1))  # 2027-03-02 14:01Z: "hello" is due
        deliver_due(settings, clock)

    status = run_cli("status", "--json")
    assert status.exit_code == 3  # a failed post needs attention
    data = json.loads(status.stdout)
    assert data["counts"]["sent"] == 1 and data["counts"]["failed"] == 1
    failed = data["problems"][0]
    assert failed["status"] == "failed" and failed["account"] == "webhook:hook"
    assert "rejected the post (400)" in failed["reason"] and "text is not allowed here" in failed["reason"]
    assert set(failed) == {
        "campaign",
        "id",
        "account",
        "network",
        "status",
        "due_at",
        "local_time",
        "attempts",
        "next_attempt_at",
        "next_attempt_at_local",  # added with the local times (issue #17)
        "reason",
        "url",
    }
    human = run_cli("status")
    assert human.exit_code == 3 and "Needs a look" in human.stdout

    # one engagement snapshot for the sent post: 3 likes, views "not available"
    store = open_store(settings.database_url)
    with store.session() as session:
        sent = session.query(PostRow).filter_by(status="sent").one()
        for metric, value in (("likes", 3), ("views", None)):
            session.add(SnapshotRow(post_id=sent.id, collected_at=clock(), metric=metric, value=value, raw={}))
    store.close()

    report = run_cli("report", "--json")
    assert report.exit_code == 0
    data = json.loads(report.stdout)
    assert [c["campaign"] for c in data["campaigns"]] == ["spring"]
    campaign = data["campaigns"][0]
    assert campaign["counts"] == {"sent": 1, "failed": 1, "pending": 2}
    by_key = {(p["id"], p["account"]): p for p in campaign["posts"]}
    sent_post = by_key[("hello", "outbox:shop")]
    assert sent_post["status"] == "sent" and sent_post["url"].startswith("file://")
    assert ISO_Z.match(sent_post["sent_at"])
    assert sent_post["engagement"]["metrics"] == {"likes": 3, "views": None}
    assert by_key[("hello", "webhook:hook")]["engagement"] is None
    assert by_key[("hello", "webhook:hook")]["status"] == "failed"
    assert set(sent_post) == {
        "id",
        "account",
        "network",
        "status",
        "due_at",
        "local_time",
        "sent_at",
        "sent_at_local",  # added with the local times (issue #17)
        "url",
        "reason",
        "engagement",
        "text",
        "thread",
    }
    assert (sent_post["text"], sent_post["thread"]) == ("Bonjour ! What would you like to see first?", [])
    human = run_cli("report")
    assert "1 of 4 sent" in human.stdout and "n/a" in human.stdout
    assert "did not go out as planned" in human.stdout


def test_empty_store(run_cli) -> None:
    assert json.loads(run_cli("report", "--json").stdout) == {"campaigns": []}
    status = run_cli("status", "--json")
    assert status.exit_code == 0
    assert json.loads(status.stdout)["counts"]["pending"] == 0


def test_missing_config_file_is_bad_input(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext

    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.yaml"), "status"], obj=AppContext())
    assert result.exit_code == 2
    assert "config file not found (given by --config)" in result.stderr


def test_demo_runs_the_example_campaign_end_to_end(tmp_path: Path) -> None:
    """The `make demo` path, for real: real clock, real daemon, real outbox files."""
    workdir = tmp_path / "demo"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "socialpost",
            "demo",
            str(REPO / "campaigns" / "coffee-shop-launch.yaml"),
            "--workdir",
            str(workdir),
            "--spacing",
            "0.3",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # 3 one-off posts × 4 networks, 1 with a thread on X; 2 occurrences of the weekly tip × 2 networks
    assert "16 to create" in result.stdout
    assert "16 of 16 sent" in result.stdout
    assert "Posts  pending 0  sent 16" in result.stdout
    posts = sorted((workdir / "outbox").glob("*/posts/*.json"))
    assert len(posts) == 16
    x_announce = json.loads(next(p for p in posts if "x-cafe" in str(p) and "announce" in p.name).read_text())
    assert x_announce["thread"] == [
        "Come taste the first batch, on us, from 8 am. Details: "
        "https://example.com/roastery?utm_source=x&utm_medium=social"
        "&utm_campaign=roastery-2027&utm_content=announce"
    ]
    assert (workdir / "outbox" / "mastodon-cafe" / "feed.xml").exists()
    # it ends by saying where the report, calendar and preview pages are
    page = workdir / "report.html"
    calendar, preview = workdir.resolve() / "calendar.html", workdir.resolve() / "preview.html"
    assert result.stdout.rstrip().endswith(f"  report:   {page}\n  calendar: {calendar}\n  preview:  {preview}")
    html = page.read_text(encoding="utf-8")
    assert "<h1>coffee-shop-launch-rehearsal</h1>" in html and 'src="data:image/jpeg;base64,' in html
    assert html.count('id="no-engagement"') == 1 and 'class="chart' not in html  # outboxes have no engagement
    assert "coffee-shop-launch-rehearsal/teaser@outbox:x-cafe" in calendar.read_text(encoding="utf-8")
    assert "</b> x:cafe</span>" in preview.read_text(encoding="utf-8")  # the file's own accounts
    # a second run starts from a clean sandbox
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "socialpost",
            "demo",
            str(REPO / "campaigns" / "coffee-shop-launch.yaml"),
            "--workdir",
            str(workdir),
            "--spacing",
            "0.1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "16 to create" in again.stdout


def test_demo_refuses_a_folder_it_did_not_create(tmp_path: Path, run_cli) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    result = run_cli("demo", str(REPO / "campaigns" / "coffee-shop-launch.yaml"), "--workdir", str(tmp_path))
    assert result.exit_code == 2
    assert "is not a socialpost demo folder" in result.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_schedule_follow_runs_the_daemon_until_the_campaign_is_done(tmp_path: Path, write) -> None:
    """`schedule --follow` with the real clock: posts due in a second go out, then it returns."""
    from datetime import UTC, datetime

    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext
    from socialpost.settings.config import DaemonSettings

    soon = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None) + timedelta(seconds=2)
    path = write(
        "soon.yaml",
        "campaign: soon\ntimezone: Europe/Paris\naccounts: [outbox:a]\nposts:\n"
        f"  - id: one\n    at: {soon:%Y-%m-%d %H:%M:%S}\n    text: One?\n"
        f"  - id: two\n    at: {soon + timedelta(seconds=1):%Y-%m-%d %H:%M:%S}\n    text: Two?\n",
    )
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'follow.db'}",
        data_dir=tmp_path / "data",
        daemon=DaemonSettings(poll_seconds=0.5),
    )
    app = AppContext(settings_override=settings)
    started = datetime.now(UTC)
    result = CliRunner().invoke(cli, ["schedule", str(path), "--follow"], obj=app, catch_exceptions=False)
    took = (datetime.now(UTC) - started).total_seconds()
    assert result.exit_code == 0, result.stderr
    assert "2 to create" in result.stdout
    assert len(list((tmp_path / "data" / "outbox" / "a" / "posts").glob("*.json"))) == 2
    assert 1.5 < took < 15
    status = CliRunner().invoke(cli, ["status", "--json"], obj=AppContext(settings_override=settings))
    assert json.loads(status.stdout)["counts"]["sent"] == 2
