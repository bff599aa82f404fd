"""Malformed campaign input found by fuzzing: every case ends in a located message with a fix and exit 2
(or, for a rule that never comes round, advice) — never a traceback, a hang or a crash at `schedule`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.errors import CampaignError
from socialpost.settings import textfile
from socialpost.settings.quoting import clip
from socialpost.settings.yamlfile import load_yaml

HEAD = """\
campaign: c1
timezone: America/Montreal
accounts: [outbox:shop]
posts:
"""
POST = """\
  - id: p1
    at: 2027-03-02 09:00
    text: "Hello, what do you think?"
"""


def refused(run_cli, path: Path, *fragments: str, where: str = "") -> str:  # type: ignore[no-untyped-def]
    """`validate` and `schedule` both refuse ``path`` with exit 2 and a message holding ``fragments``."""
    for command in ("validate", "schedule"):
        result = run_cli(command, str(path))
        assert result.exit_code == 2, (command, result.stdout, result.stderr)
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr
        for fragment in fragments:
            assert fragment in result.stderr, (command, result.stderr)
        if where:
            assert f"{path}:{where}:" in result.stderr, result.stderr
    return str(result.stderr)


# --- 1. what the FILE argument is -------------------------------------------------------------------


def test_a_device_is_refused_before_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_read(path: Path, limit: int) -> bytes:
        raise AssertionError("a device must not be read")

    monkeypatch.setattr(textfile, "_read_at_most", no_read)
    with pytest.raises(CampaignError) as caught:
        load_yaml(Path("/dev/zero"), what="campaign file")
    message = caught.value.problems[0].message
    assert "not a regular file" in message and "Fix:" in message


def test_dev_zero_through_the_real_command_ends_quickly(tmp_path: Path) -> None:
    env = dict(os.environ, HOME=str(tmp_path), SOCIALPOST_DATA_DIR=str(tmp_path / "data"))
    for command in ("validate", "plan", "schedule"):
        done = subprocess.run(
            [sys.executable, "-m", "socialpost", command, "/dev/zero"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert done.returncode == 2, done.stderr
        assert "/dev/zero: this is not a regular file" in done.stderr and "Fix:" in done.stderr


def test_a_named_pipe_does_not_block(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "c.yaml"
    os.mkfifo(fifo)
    refused(run_cli, fifo, "not a regular file", "Fix:")


def test_read_stops_after_the_limit_even_if_the_file_grows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("campaign: c\n", encoding="utf-8")
    asked: list[int] = []

    def grown(where: Path, limit: int) -> bytes:
        asked.append(limit)
        return b"x" * limit  # it grew between stat and read

    monkeypatch.setattr(textfile, "_read_at_most", grown)
    with pytest.raises(CampaignError) as caught:
        load_yaml(path)
    assert asked == [textfile.MAX_FILE_BYTES + 1]
    assert "split it into several files" in caught.value.problems[0].message


def test_symlink_loop(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    refused(run_cli, loop, "symbolic link that leads back to itself", "Fix:")


def test_config_file_that_is_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    with pytest.raises(CampaignError) as caught:
        load_yaml(fifo, what="config file", allow_empty=True)
    assert "cannot be a config file" in caught.value.problems[0].message


# --- 2. the same account or time twice --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown", "where"),
    [
        (HEAD.replace("[outbox:shop]", "[outbox:shop, outbox:shop]") + POST, "outbox:shop", "3:25"),
        (HEAD + POST + "    accounts: [outbox:a, outbox:b, outbox:a]\n", "outbox:a", "8:36"),
        (
            HEAD
            + '  - id: p1\n    every: {days: [mon], at: ["10:00", "10:00"], from: 2027-02-01, until: 2027-03-01}\n'
            + '    text: "What do you think?"\n',
            "10:00",
            "6:40",
        ),
        (
            HEAD
            + '  - id: p1\n    every: {interval: 2d, at: ["9:30", "09:30"], from: 2027-02-01, until: 2027-03-01}\n'
            + '    text: "What do you think?"\n',
            "09:30",
            "6:40",
        ),
    ],
)
def test_listed_twice_is_an_error_at_the_second(run_cli, write, text: str, shown: str, where: str) -> None:  # type: ignore[no-untyped-def]
    refused(run_cli, write("c.yaml", text), f"{shown} is listed twice. Fix: remove one.", where=where)


# --- 3. media paths --------------------------------------------------------------------------------


def test_nul_in_a_media_path(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST + '    media: [{file: "a\\u0000b.png", alt: x}]\n')
    refused(run_cli, path, "NUL character", "Fix: correct the path", where="8:20")


def test_too_long_media_path(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST + f'    media: [{{file: "{"a" * 5000}.png", alt: x}}]\n')
    stderr = refused(run_cli, path, "path is too long", "Fix: shorten", where="8:20")
    assert "check its permissions" not in stderr
    assert "a" * 100 not in stderr


# --- 4. blank text ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ['" "', '"\\u200b"', '"\\t\\n\\u200b\\u00a0"', '"\\u2800"'])
def test_blank_text_is_refused(run_cli, write, text: str) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST.replace('"Hello, what do you think?"', text))
    refused(run_cli, path, "only spaces or invisible characters", "Fix:", where="7:11")


def test_blank_thread_part_is_refused(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    post = '  - id: p1\n    at: 2027-03-02 09:00\n    thread: ["What do you think?", "\\u200b"]\n'
    refused(run_cli, write("c.yaml", HEAD + post), "only spaces or invisible characters", where="7:36")


def test_text_with_a_zero_width_joiner_inside_is_fine(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST.replace("Hello", "Hello \\u200d👩\\u200d💻"))
    assert run_cli("validate", str(path)).exit_code == 0


# --- 5. time zones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Etc/GMT+5", "Etc/GMT-14", "etc/gmt+5"])
def test_fixed_offset_zones_are_refused(run_cli, write, name: str) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD.replace("America/Montreal", name) + POST)
    refused(run_cli, path, "fixed offsets do not follow daylight-saving time", "America/Montreal", where="2:11")


@pytest.mark.parametrize("name", ["Factori", "localtim", "posixrule", "Etc/Zulu0"])
def test_suggestions_are_real_places(run_cli, write, name: str) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD.replace("America/Montreal", name) + POST)
    stderr = refused(run_cli, path, "such as ")
    suggestion = stderr.split("such as ", 1)[1].split(".")[0]
    assert "/" in suggestion and not suggestion.startswith("Etc/"), suggestion


def test_utc_and_a_close_city_still_work(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("validate", str(write("a.yaml", HEAD.replace("America/Montreal", "UTC") + POST))).exit_code == 0
    stderr = refused(run_cli, write("b.yaml", HEAD.replace("America/Montreal", "Europe/Pari") + POST), "")
    assert "such as Europe/Paris" in stderr


# --- 6. messages ------------------------------------------------------------------------------------------


def test_long_id_says_the_limit_and_to_shorten_it(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST.replace("id: p1", "id: " + "a" * 101))
    refused(run_cli, path, "101 characters long, over the limit of 100", "Fix: shorten it", where="5:9")


def test_lone_surrogate_says_it_is_not_unicode_and_where(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST.replace("Hello,", "Hi \\uD800"))
    refused(run_cli, path, "character 4 of the text is not valid Unicode", "Fix:", where="7:11")


def test_long_values_are_cut_in_messages(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST + "late: {within: " + "9" * 5000 + "}\n")
    stderr = refused(run_cli, path, "is not a duration", "…", where="8:16")
    assert "9" * 61 not in stderr
    path = write("d.yaml", HEAD.replace("[outbox:shop]", "[" + "x" * 3000 + "]") + POST)
    stderr = refused(run_cli, path, "is not an account", "…")
    assert "x" * 61 not in stderr


def test_clip() -> None:
    assert clip("short") == "short"
    assert clip("a" * 100) == "a" * 59 + "…"
    assert clip("/" + "d" * 100 + "/img.png", keep_end=True).endswith("/img.png")
    assert len(clip("b" * 100, keep_end=True)) == 60


# --- 7. account names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["[x]", "a:b", "_x", "a b", "café", "x" * 500 + "!"])
def test_accounts_add_refuses_a_name_campaigns_cannot_use(tmp_path: Path, name: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("# mine\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--config", str(config), "accounts", "add", "outbox", name], obj=AppContext(), input="posts\nNews\n"
    )
    assert result.exit_code == 2, result.output
    assert "cannot be an account name" in result.stderr and "Fix: choose a name" in result.stderr
    assert "x" * 61 not in result.stderr
    assert config.read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / "secrets.yaml").exists()


# --- 8. rules that produce nothing --------------------------------------------------------------------


@pytest.mark.parametrize(
    "every",
    [
        '{cron: "0 9 31 4 *", from: 2027-01-01, until: 2030-01-01}',
        '{cron: "0 9 30 2 *", from: 2027-01-01}',
        '{days: [mon], at: "10:00", from: 2020-01-01, until: 2020-02-01}',
        '{interval: 3d, at: "10:00", from: 2026-12-01, until: 2027-01-09}',
    ],
)
def test_a_rule_that_never_comes_round_is_advice(run_cli, write, every: str) -> None:  # type: ignore[no-untyped-def]
    post = f'  - id: p1\n    every: {every}\n    text: "What do you think?"\n'
    path = write("c.yaml", HEAD + post)
    result = run_cli("validate", str(path))
    assert result.exit_code == 0, result.stderr
    assert f"warning [never-due]: {path}:6:12: post 'p1': this rule never comes round after now" in result.stderr


@pytest.mark.parametrize(
    "every",
    [
        '{cron: "0 9 1 1 *", from: 2020-01-01}',  # next 1 January is beyond the 90-day window
        '{days: [mon], at: "10:00", from: 2020-01-01}',
        '{interval: 2w, at: "10:00", from: 2019-12-30}',
        '{days: [sun], at: "13:00", from: 2027-01-01, until: 2027-01-10}',  # today, later than now
    ],
)
def test_a_rule_that_comes_round_is_not_flagged(run_cli, write, every: str) -> None:  # type: ignore[no-untyped-def]
    post = f'  - id: p1\n    every: {every}\n    text: "What do you think?"\n'
    result = run_cli("validate", str(write("c.yaml", HEAD + post)))
    assert result.exit_code == 0, result.stderr
    assert "never-due" not in result.stderr


def test_a_rule_from_long_ago_counts_only_coming_posts(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    post = '  - id: p1\n    every: {cron: "0 9 * * *", from: 1990-01-01}\n    text: "What do you think?"\n'
    path = write("c.yaml", HEAD + post)
    assert run_cli("validate", str(path)).exit_code == 0
    scheduled = run_cli("schedule", str(path))
    assert scheduled.exit_code == 0, scheduled.stderr
    assert "90 to create" in scheduled.stdout or "91 to create" in scheduled.stdout, scheduled.stdout


def test_too_many_coming_posts_is_still_an_error(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    post = '  - id: p1\n    every: {cron: "* * * * *", from: 2027-01-01, until: 2027-12-31}\n    text: "Q?"\n'
    refused(run_cli, write("c.yaml", HEAD + post), "more than 10,000 posts", where="6:12")


def test_a_year_out_of_range_is_refused(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    post = '  - id: p1\n    every: {days: [mon], at: "10:00", from: 9999-12-30}\n    text: "Q?"\n'
    refused(run_cli, write("c.yaml", HEAD + post), "outside the years 1900–2999", where="6:45")


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_a_config_that_is_not_a_file_is_refused_before_reading(tmp_path: Path, kind: str) -> None:
    """The language is peeked from the config before click runs: it must not read /dev/zero or wait on a pipe."""
    import os
    import subprocess
    import sys

    if kind == "device":
        config = Path("/dev/zero")
    else:
        config = tmp_path / "config.yaml"
        os.mkfifo(config)
    result = subprocess.run(
        [sys.executable, "-m", "socialpost", "--config", str(config), "status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SOCIALPOST_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode == 2
    assert "is not a regular file" in result.stderr and "Traceback" not in result.stderr
