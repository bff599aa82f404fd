"""YAML reading with positions: every way a file can be unreadable or malformed is located."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from socialpost.errors import CampaignError, ExitCode, Problem
from socialpost.settings import textfile
from socialpost.settings.closest import suggest
from socialpost.settings.problems import pydantic_problems
from socialpost.settings.quoting import clip
from socialpost.settings.textfile import read_text
from socialpost.settings.yaml_document import YamlDocument
from socialpost.settings.yamlfile import load_yaml
from tests.support.campaign_input import refused


def fail(path: Path, text: str | None = None, **kwargs: object) -> list[Problem]:
    with pytest.raises(CampaignError) as caught:
        load_yaml(path, text=text, **kwargs)  # type: ignore[arg-type]
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    return caught.value.problems


def one(path: Path, text: str | None = None, **kwargs: object) -> Problem:
    problems = fail(path, text, **kwargs)
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.file == str(path)
    assert "Fix:" in problem.message, problem.message
    assert "\n" not in problem.message  # one paragraph
    assert "Traceback" not in problem.message
    return problem


F = Path("f.yaml")

# --- syntax ---------------------------------------------------------------------------------------


def test_tab_indentation_is_located_and_explained() -> None:
    p = one(F, "campaign: c\nposts:\n\t- id: a\n")
    assert (p.line, p.column) == (3, 1)
    assert "tab character" in p.message and "replace the tabs with spaces" in p.message


def test_tab_after_spaces_is_located() -> None:
    p = one(F, "posts:\n  - id: a\n  \tat: x\n")
    assert (p.line, p.column) == (3, 3)
    assert "tab" in p.message


def test_bad_indentation_is_located() -> None:
    p = one(F, "posts:\n  - id: a\n    at: 2027-03-02 09:00\n   text: hi\n")
    assert (p.line, p.column) == (4, 4)
    assert "this line's indentation lines up with no key above it" in p.message
    assert "Fix: line up 'text:' with 'at:' on line 3 (column 5)." in p.message


def test_key_indented_under_a_value_is_located() -> None:
    p = one(F, "campaign: c\ntimezone: America/Montreal\n  accounts: [x:acme]\n")
    assert (p.line, p.column) == (3, 3)  # the key indented too far, not the ':' PyYAML stops at
    assert "this line is indented more than 'timezone:' on line 2" in p.message
    assert "Fix: line up 'accounts:' with 'timezone:' (column 1)." in p.message


def test_colon_space_inside_unquoted_text_says_to_quote_it() -> None:
    p = one(F, "posts:\n  - id: a\n    text: Note: we open at 9\n")
    assert (p.line, p.column) == (3, 15)
    assert "the value of 'text' holds ': '" in p.message
    assert 'Fix: put the whole value in quotes: text: "Note: we open at 9"' in p.message


def test_unclosed_quote_is_reported() -> None:
    p = one(F, 'campaign: "abc\ntimezone: x\n')
    assert (p.line, p.column) == (1, 11)  # where the quote opens, not the end of the stream PyYAML reports
    assert 'the double quote (") that opens here is never closed' in p.message


def test_undefined_alias_is_located() -> None:
    p = one(F, "a: 1\nb: *nowhere\n")
    assert (p.line, p.column) == (2, 4)
    assert "undefined alias 'nowhere'" in p.message


# --- duplicate keys -------------------------------------------------------------------------------


def test_duplicate_top_level_key_points_at_the_second_and_names_the_first_line() -> None:
    p = one(F, "campaign: a\ntimezone: UTC\ncampaign: b\n")
    assert (p.line, p.column) == (3, 1)
    assert "duplicate key 'campaign' (first written on line 1)" in p.message


def test_duplicate_nested_key_is_located() -> None:
    p = one(F, "posts:\n  - id: a\n    text: one\n    text: two\n")
    assert (p.line, p.column) == (4, 5)
    assert "duplicate key 'text' (first written on line 3)" in p.message


def test_duplicate_keys_in_flow_mapping() -> None:
    p = one(F, "late: {within: 5m, within: 10m}\n")
    assert (p.line, p.column) == (1, 20)
    assert "duplicate key 'within'" in p.message


def test_every_duplicate_is_reported() -> None:
    problems = fail(F, "a: 1\na: 2\nb: 1\nb: 2\n")
    assert [(p.line, p.column) for p in problems] == [(2, 1), (4, 1)]


# --- empty and unreadable files -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "   \n\n  \t\n", "# only a comment\n", "# one\n\n# two\n", "---\n", "--- # nothing\n...\n"]
)
def test_empty_files(text: str) -> None:
    p = one(F, text, what="campaign file")
    assert (p.line, p.column) == (1, 1)
    assert "the campaign file is empty" in p.message


@pytest.mark.parametrize("text", ["", "# only a comment\n", "  \n"])
def test_allow_empty_gives_no_data(text: str) -> None:
    assert load_yaml(F, text=text, allow_empty=True).data is None


def test_empty_file_on_disk(write) -> None:  # type: ignore[no-untyped-def]
    path = write("empty.yaml", "")
    p = one(path)
    assert p.message.startswith("the file is empty")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    p = one(path, what="campaign file")
    assert (p.line, p.column) == (1, 1)
    assert "binary file, not a YAML campaign file" in p.message


def test_non_utf8_bytes_are_located_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"campaign: c\ntext: caf" + b"\xe9 ouvert\n")  # Latin-1 é
    p = one(path)
    assert (p.line, p.column) == (2, 10)
    assert "not UTF-8" in p.message and "save it as UTF-8" in p.message


def test_non_utf8_column_counts_characters_not_bytes(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_bytes("text: ☕ é ".encode() + b"\xff\n")  # 10 characters (13 bytes) before
    p = one(path)
    assert (p.line, p.column) == (1, 11)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfcampaign: c\n")
    assert load_yaml(path).data == {"campaign": "c"}


def test_huge_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # sparse: instant, takes no disk space
        handle.truncate(textfile.MAX_FILE_BYTES + 1)

    def no_read(self: Path, limit: int) -> bytes:
        raise AssertionError("a huge file must not be read")

    monkeypatch.setattr(textfile, "_read_at_most", no_read)
    p = one(path, what="campaign file")
    assert p.line == 0  # no position: the whole file is the problem
    assert "may be at most 20 MB" in p.message and "split it into several files" in p.message


def test_size_limit_is_the_module_setting(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    path = write("big.yaml", "campaign: " + "x" * 2000 + "\n")
    monkeypatch.setattr(textfile, "MAX_FILE_BYTES", 1000)
    assert "Fix: split it" in one(path).message
    monkeypatch.setattr(textfile, "MAX_FILE_BYTES", 10_000)
    assert load_yaml(path).data == {"campaign": "x" * 2000}


def test_folder_instead_of_file(tmp_path: Path) -> None:
    p = one(tmp_path, what="campaign file")
    assert p.line == 0
    assert "this is a folder, not a campaign file" in p.message


def test_missing_file(tmp_path: Path) -> None:
    p = one(tmp_path / "nope.yaml")
    assert p.file.endswith("nope.yaml")
    assert "no such file" in p.message and "check the path" in p.message


def test_unreadable_file(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    path = write("secret.yaml", "campaign: c\n")

    def denied(self: Path, limit: int) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(textfile, "_read_at_most", denied)
    p = one(path)
    assert "permission denied" in p.message and "chmod u+r" in p.message


def test_other_os_errors_are_messages_not_tracebacks(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    path = write("io.yaml", "campaign: c\n")

    def broken(self: Path, limit: int) -> bytes:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(textfile, "_read_at_most", broken)
    with pytest.raises(CampaignError) as caught:
        load_yaml(path)
    assert "cannot read the file (Input/output error)" in caught.value.problems[0].message


def test_read_text_returns_text(write) -> None:  # type: ignore[no-untyped-def]
    assert read_text(write("a.yaml", "é: ☕\n")) == "é: ☕\n"


# --- documents and tags ---------------------------------------------------------------------------


def test_several_documents_point_at_the_second() -> None:
    p = one(F, "a: 1\n---\nb: 2\n", what="campaign file")
    assert (p.line, p.column) == (3, 1)
    assert "holds several YAML documents" in p.message and "one document per file" in p.message


def test_a_leading_document_marker_is_fine() -> None:
    assert load_yaml(F, text="---\na: 1\n").data == {"a": 1}


@pytest.mark.parametrize(
    ("text", "position", "tag"),
    [
        ("a: !!python/object:os.system x\n", (1, 4), "!!python/object:os.system"),
        ("!!python/object/apply:os.system [ls]\n", (1, 1), "!!python/object/apply:os.system"),
        ("a:\n  b: !!binary aGk=\n", (2, 6), "!!binary"),
        ("!!python/name:os.system k: 1\n", (1, 1), "!!python/name:os.system"),
    ],
)
def test_yaml_tags_are_refused_at_their_position(text: str, position: tuple[int, int], tag: str) -> None:
    p = one(F, text)
    assert (p.line, p.column) == position
    assert f"YAML tag '{tag}' is not supported here" in p.message


def test_a_text_starting_with_an_exclamation_mark_is_told_to_be_quoted() -> None:
    p = one(F, "a: !custom 1\n")
    assert (p.line, p.column) == (1, 4)
    assert "a value that starts with '!' is read as a YAML tag ('!custom')" in p.message
    assert 'put the whole text in quotes, like "!custom …"' in p.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a: !!str 12\n", {"a": "12"}), ("a: !!int 12\n", {"a": 12}), ("a: !!float 1\n", {"a": 1.0})],
)
def test_standard_tags_that_fit_are_accepted(text: str, expected: dict[str, object]) -> None:
    assert load_yaml(F, text=text).data == expected


@pytest.mark.parametrize("text", ["a: !!int abc\n", "a: !!float abc\n", "a: !!bool maybe\n", "a: !!null x\n"])
def test_standard_tags_that_do_not_fit_are_problems_not_crashes(text: str) -> None:
    p = one(F, text)
    assert (p.line, p.column) == (1, 4)
    assert "does not match its tag" in p.message


# --- merge keys and aliases -----------------------------------------------------------------------


def test_merge_keys_work_and_own_keys_win() -> None:
    text = "base: &b\n  at: 09:00\n  text: hi\npost:\n  <<: *b\n  text: bye\n"
    doc = load_yaml(F, text=text)
    assert doc.data["post"] == {"at": "09:00", "text": "bye"}
    # an overridden merged key is not a duplicate, and positions point to where each value is written
    assert doc.position(("post", "text")) == (6, 9)
    assert doc.position(("post", "at")) == (2, 7)


def test_merge_of_several_mappings_earlier_wins() -> None:
    doc = load_yaml(F, text="a: &a {k: 1, x: 1}\nb: &b {k: 2, y: 2}\nc:\n  <<: [*a, *b]\n")
    assert doc.data["c"] == {"k": 1, "x": 1, "y": 2}


def test_merge_of_a_scalar_is_a_problem() -> None:
    p = one(F, "a: &x 1\nb:\n  <<: *x\n")
    assert (p.line, p.column) == (1, 4)
    assert "'<<' merges mappings only" in p.message


def test_alias_to_itself_is_a_problem_not_a_recursion_error() -> None:
    p = one(F, "a: &a [1, *a]\n")
    assert (p.line, p.column) == (1, 4)  # the anchored value (PyYAML's alias node is the same node)
    assert "contains an alias to itself" in p.message


def test_billion_laughs_is_stopped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    problems = fail(F, "\n".join(lines) + "\n")
    assert any("expand to more than 100000 values" in p.message for p in problems)


def test_deep_nesting_is_a_problem_not_a_recursion_error() -> None:
    p = one(F, "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested more than 64 levels deep" in p.message


def test_nesting_just_past_the_limit_is_located() -> None:
    p = one(F, "a: " + "[" * 70 + "]" * 70 + "\n")
    assert p.line == 1 and p.column > 60
    assert "nested more than 64 levels" in p.message


# --- implicit types (YAML 1.2 core, no 1.1 surprises) ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("off", "off"),
        ("No", "No"),
        ("12:30", "12:30"),
        ("2026-03-02", "2026-03-02"),
        ("2026-03-02 09:00", "2026-03-02 09:00"),
        ("001", "001"),
        ("0x10", "0x10"),
        ("0o7", "0o7"),
        ("1_000", "1_000"),
        ("1e5", "1e5"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("42", 42),
        ("-7", -7),
        ("0", 0),
        ("2.5", 2.5),
        (".5", 0.5),
        ("1.0e3", 1000.0),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("'yes'", "yes"),
        ('"12"', "12"),
    ],
)
def test_implicit_types(value: str, expected: object) -> None:
    data = load_yaml(F, text=f"k: {value}\n").data
    assert data == {"k": expected}
    assert type(data["k"]) is type(expected)


def test_nan_is_a_float() -> None:
    assert math.isnan(load_yaml(F, text="k: .nan\n").data["k"])


def test_numbers_too_long_for_int_stay_text() -> None:
    digits = "9" * 5000
    assert load_yaml(F, text=f"k: {digits}\n").data == {"k": digits}


def test_keys_are_always_text() -> None:
    assert load_yaml(F, text="1: a\ntrue: b\nno: c\nnull: d\n").data == {"1": "a", "true": "b", "no": "c", "null": "d"}


def test_complex_key_is_refused() -> None:
    p = one(F, "? [a, b]\n: 1\n")
    assert (p.line, p.column) == (1, 3)
    assert "a key must be plain text" in p.message


@pytest.mark.parametrize(("char", "column"), [("\x01", 7), ("\x7f", 7), ("\ufffe", 7), ("\x00", 7)])
def test_control_characters_in_text_are_located(char: str, column: int) -> None:
    p = one(F, f"a: 1\nb: abc{char}def\n")
    assert (p.line, p.column) == (2, column)
    assert f"U+{ord(char):04X}" in p.message and "not allowed in YAML" in p.message


# --- positions ------------------------------------------------------------------------------------


def test_positions_of_keys_and_values() -> None:
    doc = load_yaml(F, text="campaign: c\nposts:\n  - id: a\n    text: hi\n  - id: b\n")
    assert doc.position(()) == (1, 1)
    assert doc.position(("campaign",)) == (1, 11)
    assert doc.position(("campaign",), key=True) == (1, 1)
    assert doc.position(("posts", 1)) == (5, 5)
    assert doc.position(("posts", 0, "text")) == (4, 11)
    assert doc.position(("posts", 0, "text"), key=True) == (4, 5)
    # unknown locations fall back to the nearest ancestor
    assert doc.position(("posts", 0, "nope", 3)) == (3, 5)
    assert doc.position(("nope",)) == (1, 1)


def test_problem_carries_file_and_rule() -> None:
    doc = load_yaml(Path("dir/c.yaml"), text="a:\n  b: 1\n")
    problem = doc.problem(("a", "b"), "bad. Fix: good.", rule="r1")
    assert problem == Problem("dir/c.yaml", 2, 6, "bad. Fix: good.", "r1")
    assert str(problem) == "dir/c.yaml:2:6: bad. Fix: good."


# --- pydantic errors → problems -------------------------------------------------------------------


def test_pydantic_problems_keep_user_keys_that_look_like_pydantic_steps() -> None:
    from pydantic import BaseModel, ConfigDict, ValidationError

    class M(BaseModel):
        model_config = ConfigDict(extra="forbid")
        name: str

    doc = load_yaml(F, text="name: x\nodd[key]: 1\n")
    with pytest.raises(ValidationError) as caught:
        M.model_validate(doc.data)
    problems = pydantic_problems(doc, caught.value.errors(), fields_at=lambda loc: ["name"])  # type: ignore[arg-type]
    assert [(p.line, p.column) for p in problems] == [(2, 1)]
    assert problems[0].message.startswith("unknown key 'odd[key]'.")


def test_pydantic_problems_with_a_prefix() -> None:
    from pydantic import BaseModel, ConfigDict, ValidationError

    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        token: str

    doc = YamlDocument("c.yaml", None)
    doc = load_yaml(F, text="accounts:\n  x:\n    acme:\n      tokne: abc\n")
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate(doc.data["accounts"]["x"]["acme"])
    problems = pydantic_problems(
        doc,
        caught.value.errors(),
        prefix=("accounts", "x", "acme"),
        fields_at=lambda loc: ["token"],  # type: ignore[arg-type]
    )
    assert [(p.line, p.column, p.message) for p in problems] == [
        (4, 7, "unknown key 'tokne'. Did you mean 'token'? Fix: correct the spelling.")
    ]


def test_suggest() -> None:
    assert suggest("txt", ["id", "at", "text"]) == " Did you mean 'text'?"
    assert suggest("zzz", ["id", "at", "text"]) == ""


# --- what the FILE argument is -------------------------------------------------------------------


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


def test_clip() -> None:
    assert clip("short") == "short"
    assert clip("a" * 100) == "a" * 59 + "…"
    assert clip("/" + "d" * 100 + "/img.png", keep_end=True).endswith("/img.png")
    assert len(clip("b" * 100, keep_end=True)) == 60
