"""Control characters from outside never act on the terminal (issue #16, finding 4).

A campaign text (one stored before validate refused them) and a network's error body carry
terminal sequences: OSC ``ESC ] 0 ; … BEL`` (retitles the window), CSI ``ESC [ 1 A ESC [ 2 K``
(moves up and erases the line that shows an error), a C1 CSI (U+009B) and a right-to-left
override. Every command that prints them shows them as visible escapes; JSON keeps the exact text;
`validate` refuses them in a campaign with the position of the character itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.inbox import Inbox
from socialpost.logs import JsonFormatter, TextFormatter
from socialpost.networks.base import Reply
from socialpost.settings.config import Settings
from socialpost.store.db import Store
from socialpost.store.models import PostRow
from socialpost.terminal import describe, json_safe, printable
from socialpost.wiring import Adapters
from tests.conftest import FakeClock
from tests.store_helpers import deliver_due, seed_posts
from tests.support.http import LocalServer
from tests.support.http import Reply as HttpReply

OSC = "\x1b]0;pwned\x07"
ERASE = "\x1b[1A\x1b[2K"
C1_CSI = "\x9b2J"
RLO = "\u202e"
CAMPAIGN_TEXT = f"Grand opening{OSC}{ERASE} today {C1_CSI}{RLO}gnp.exe"
ERROR_BODY = f"bad request{OSC}{ERASE}all good here{C1_CSI}{RLO}"
RAW = ("\x1b", "\x07", "\x9b", RLO)  # none may reach the terminal


def raw_controls(text: str) -> list[str]:
    return [describe(char) for char in RAW if char in text]


# --- the functions ---------------------------------------------------------------------------------


def test_printable_shows_every_control_visibly_and_keeps_lines() -> None:
    text = "a\x1b]0;t\x07b\r\nc\rd\x7f\x85\x9b\u202a\u202e\u2066\u2069\x00\te\n"
    shown = printable(text)
    assert shown == "a\\x1b]0;t\\x07b\r\nc\\x0dd\\x7f\\x85\\x9b\\u202a\\u202e\\u2066\\u2069\\x00\te\n"
    assert printable("one\ntwo\tthree\r\n", newlines=False) == "one\\x0atwo\\x09three\\x0d\\x0a"
    assert printable("Café ☕ — «bien» \u200d 👩‍💻") == "Café ☕ — «bien» \u200d 👩‍💻"  # ordinary text untouched


def test_describe_names_the_character() -> None:
    assert [describe(c) for c in "\x00\x1b\x7f\x85\x9b\x9d\u202e\u2066"] == [
        "U+0000 NUL",
        "U+001B ESC",
        "U+007F DEL",
        "U+0085 NEL",
        "U+009B CSI",
        "U+009D OSC",
        "U+202E RLO",
        "U+2066 LRI",
    ]


def test_json_safe_escapes_what_json_dumps_leaves_raw_and_reads_back_the_same() -> None:
    data = {"text": CAMPAIGN_TEXT, "é": "\x7f"}
    dumped = json.dumps(data, ensure_ascii=False)
    assert "\x9b" in dumped and RLO in dumped  # json.dumps escapes only C0 controls
    safe = json_safe(dumped)
    assert raw_controls(safe) == [] and "\\u009b" in safe and "\\u202e" in safe and "é" in safe
    assert json.loads(safe) == data


def test_log_formatters_neutralise_controls_in_messages_and_tracebacks() -> None:
    try:
        raise ValueError(f"boom {ERASE}")
    except ValueError:
        import sys

        record = logging.LogRecord("socialpost.daemon", logging.WARNING, __file__, 1, "failed: %s", (ERROR_BODY,), None)
        record.exc_info = sys.exc_info()
    text = TextFormatter().format(record)
    assert raw_controls(text) == [] and "\\x1b]0;pwned\\x07" in text and "ValueError: boom \\x1b[1A" in text
    line = JsonFormatter().format(record)
    assert raw_controls(line) == [] and "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == f"failed: {ERROR_BODY}"  # JSON keeps the exact text
    assert entry["exception"].endswith(f"ValueError: boom {ERASE}")


def test_rich_tables_show_controls_visibly_and_stay_aligned() -> None:
    from rich.table import Table
    from rich.text import Text

    from socialpost.cli.render import console

    out = console()
    out.width = 80
    table = Table()
    table.add_column("post")
    table.add_column("why")
    styled = Text.assemble(("bold", "bold"), f" {ERASE}x", ("red", "red"))
    table.add_row(Text(CAMPAIGN_TEXT), styled)
    table.add_row("plain", f"markup string {OSC}")
    with out.capture() as captured:
        out.print(table)
    shown = captured.get()
    assert raw_controls(shown) == [], shown
    assert "\\x1b]0;pwned\\x07" in shown.replace("\n", "").replace("│", "") or "\\x1b]0;" in shown
    widths = {len(line) for line in shown.splitlines()}
    assert len(widths) == 1, shown  # every line as wide: the escapes were laid out, not added after


def test_safe_text_keeps_styles_in_place() -> None:
    from rich.text import Text

    from socialpost.cli.render import safe_text

    text = Text.assemble("a\x1bb", ("RED", "red"), "\x1b", ("tail", "bold"))
    safe = safe_text(text)
    assert safe.plain == "a\\x1bbRED\\x1btail"
    styled = {safe.plain[s.start : s.end]: str(s.style) for s in safe.spans}
    assert styled == {"RED": "red", "tail": "bold"}


# --- the commands -----------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[LocalServer]:
    """A webhook receiver that refuses every post with terminal sequences in its answer."""
    with LocalServer() as server:
        server.respond(HttpReply(400, ERROR_BODY))
        yield server


@pytest.fixture
def failed_post(store: Store, settings: Settings, clock: FakeClock, receiver: LocalServer) -> int:
    """A post whose stored text holds terminal sequences (stored before validate refused them)
    and whose network answered with some: it failed with that answer as its reason."""
    settings.accounts = {"webhook": {"hook": {"url": receiver.url + "/hook", "timeout": 5}}}
    (post_id,) = seed_posts(store, 1, due=clock(), account="webhook:hook", campaign=f"launch{RLO}")
    with store.write() as session:
        session.execute(update(PostRow).where(PostRow.id == post_id).values(payload={"text": CAMPAIGN_TEXT}))
    deliver_due(settings, clock)
    return post_id


def test_status_report_and_doctor_show_no_raw_control(
    failed_post: int, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from socialpost.cli import render

    monkeypatch.setenv("COLUMNS", "400")  # a whole reason on one line
    piped = run_cli("report", "--csv")
    # CSV to a file or a pipe is data: its text stays as it is (but for the CSI sequences that
    # click.echo itself strips from anything that is not a terminal)
    assert f"bad request{OSC}" in piped.stdout and f"all good here{C1_CSI}{RLO}" in piped.stdout
    monkeypatch.setattr(render, "to_terminal", lambda: True)
    shown = {args: run_cli(*args) for args in (("status",), ("report",), ("report", "--csv"), ("doctor",))}
    for args, result in shown.items():
        everything = result.stdout + result.stderr
        assert raw_controls(everything) == [], (args, everything)
        assert "launch\\u" in everything, (args, everything)  # the campaign's name, visibly (a column may fold it)
    # rich itself drops BEL, BS, VT, FF and CR from a Text (they never reach the terminal); the rest is shown
    for args in (("status",), ("doctor",)):  # the ones that show the whole reason
        assert "bad request\\x1b]0;pwned\\x1b[1A\\x1b[2Kall good here\\x9b2J\\u202e" in shown[args].stdout
    csv_text = shown[("report", "--csv")].stdout
    assert "bad request\\x1b]0;pwned\\x07\\x1b[1A\\x1b[2Kall good here\\x9b2J\\u202e" in csv_text


def test_json_outputs_keep_the_exact_text(failed_post: int, run_cli) -> None:  # type: ignore[no-untyped-def]
    status = run_cli("status", "--json")
    assert raw_controls(status.stdout) == []
    (problem,) = json.loads(status.stdout)["problems"]
    assert ERROR_BODY in problem["reason"] and problem["campaign"] == f"launch{RLO}"
    report = run_cli("report", "--json")
    assert raw_controls(report.stdout) == []
    (campaign,) = json.loads(report.stdout)["campaigns"]
    assert ERROR_BODY in campaign["posts"][0]["reason"]
    doctor = run_cli("doctor", "--json")
    assert raw_controls(doctor.stdout) == []
    assert any(ERROR_BODY in f["message"] for f in json.loads(doctor.stdout)["findings"])


def test_inbox_shows_a_strangers_comment_visibly(
    store: Store, settings: Settings, clock: FakeClock, failed_post: int, run_cli
) -> None:  # type: ignore[no-untyped-def]
    with store.write() as session:
        session.execute(update(PostRow).where(PostRow.id == failed_post).values(status="sent", remote_id="r-1"))
    comment = Reply("c-1", "r-1", "r-1", f"@troll{ERASE}", f"Troll{OSC}", f"nice post {ERASE}{C1_CSI}{RLO}olleh")
    Inbox(store, Adapters(settings), clock=clock).store_replies("webhook:hook", [comment], {"r-1": failed_post})
    shown = run_cli("inbox", "--no-fetch")
    assert "nice post" in shown.stdout and raw_controls(shown.stdout + shown.stderr) == [], shown.stdout
    listed = run_cli("inbox", "--no-fetch", "--json")
    assert raw_controls(listed.stdout) == []
    assert json.loads(listed.stdout)["items"][0]["text"] == comment.text


def test_validate_and_plan_refuse_a_control_character_where_it_is_written(write, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "c.yaml",
        "campaign: c\ntimezone: UTC\naccounts: [outbox:a]\nposts:\n"
        '  - id: one\n    at: 2027-03-01 10:00\n    text: "Grand opening\\e]0;pwned\\a today"\n'
        "  - id: two\n    at: 2027-03-01 10:00\n"
        '    thread: ["first", "second \\x9b2J"]\n'
        "  - id: three\n    at: 2027-03-01 10:00\n    text: Fine\n"
        '    media: [{file: c.yaml, alt: "a \\u001b[1A\\u001b[2K"}]\n',
    )
    for command in ("validate", "plan", "schedule"):
        result = run_cli(command, str(path))
        assert result.exit_code == 2, (command, result.stdout, result.stderr)
        assert raw_controls(result.stdout + result.stderr) == []
        errors = [line.removeprefix("error: ") for line in result.stderr.splitlines() if "control character" in line]
        assert errors == [
            f"{path}:7:25: this text holds the control character U+001B ESC (written \\e), which has no "
            "place in a post and can rewrite what a terminal shows. Fix: delete it; only line breaks and tabs "
            "are allowed.",
            f"{path}:10:31: this text holds the control character U+009B CSI (written \\x9b), which has "
            "no place in a post and can rewrite what a terminal shows. Fix: delete it; only line breaks and tabs "
            "are allowed.",
            f"{path}:14:36: this text holds the control character U+001B ESC (written \\u001b), which has "
            "no place in a post and can rewrite what a terminal shows. Fix: delete it; only line breaks and tabs "
            "are allowed.",
        ], (command, result.stderr)
    as_json = run_cli("validate", "--json", str(path))
    located = [(e["line"], e["column"]) for e in json.loads(as_json.stdout)["errors"] if "U+" in e["message"]]
    assert located == [(7, 25), (10, 31), (14, 36)]


def test_newlines_and_tabs_stay_allowed(write, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "ok.yaml",
        "campaign: ok\ntimezone: UTC\naccounts: [outbox:a]\nposts:\n"
        '  - id: one\n    at: 2027-03-01 10:00\n    text: "Line one\\nLine\\ttwo?"\n'
        "  - id: two\n    at: 2027-03-01 10:00\n    text: |\n      Block text\n      on two lines?\n",
    )
    result = run_cli("validate", str(path))
    assert result.exit_code == 0, result.stderr


def test_the_daemon_log_shows_a_network_answer_visibly(tmp_path: Path, write, receiver: LocalServer) -> None:  # type: ignore[no-untyped-def]
    """`schedule --follow` (the real daemon, the real clock), text and JSON logs."""
    from socialpost.settings.config import DaemonSettings

    due = datetime.now(UTC) - timedelta(minutes=1)
    path = write(
        "hook.yaml",
        "campaign: hook\ntimezone: UTC\naccounts: [webhook:hook]\nlate: {within: 1h, else: skip}\nposts:\n"
        f"  - id: one\n    at: '{due:%Y-%m-%d %H:%M:%S}'\n    text: Hello?\n",
    )
    for log_format in ("text", "json"):
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / f'{log_format}.db'}",
            data_dir=tmp_path / "data",
            daemon=DaemonSettings(poll_seconds=0.2),
            accounts={"webhook": {"hook": {"url": receiver.url + "/hook", "timeout": 5}}},
        )
        app = AppContext(settings_override=settings)
        args = ["-v", "--log-format", log_format, "schedule", "--allow-past", str(path), "--follow"]
        result = CliRunner().invoke(cli, args, obj=app, catch_exceptions=False)
        app.close()
        assert result.exit_code in (0, 3), result.stderr
        assert "all good here" in result.stderr and raw_controls(result.stdout + result.stderr) == [], result.stderr
        if log_format == "json":
            messages = [json.loads(line)["message"] for line in result.stderr.splitlines() if line.startswith("{")]
            assert any(ERROR_BODY in message for message in messages)
