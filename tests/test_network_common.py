"""The pieces every adapter shares: what an HTTP answer means (classify), numbers read from JSON
(as_int), secrets blanked in a network's words, and private files written whole or not at all."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from socialpost import privatefiles
from socialpost.errors import AuthError, PermanentError, RateLimited, TransientError
from socialpost.networks.base import AccountSettings, AdapterContext
from socialpost.networks.common.http import (
    EXCERPT_CHARS,
    MAX_RETRY_AFTER,
    classify,
    reset_at,
    retry_time,
    transport_error,
)
from socialpost.networks.common.numbers import as_int
from socialpost.networks.facebook.settings import FacebookSettings
from socialpost.networks.instagram.settings import InstagramSettings
from socialpost.networks.pinterest.settings import PinterestSettings
from socialpost.networks.threads.settings import ThreadsSettings
from socialpost.privatefiles import (
    account_folder,
    locked,
    read_json,
    read_object,
    replacing,
    safe_name,
    write_json,
    write_private,
)
from socialpost.redaction import redact_values
from tests.conftest import REPO

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
TOKEN = "sk-live-8c1f0e9a7b6d5c4e3f2a1b0c"  # made up


def answer(status: int, body: Any = "", headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request("POST", "https://api.example/v1/posts")
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


def classified(response: httpx.Response, **kwargs: Any) -> Any:
    return classify(response, network="example", account="main", now=NOW, **kwargs)


# --- classify: each status family -------------------------------------------------------------------


def test_401_is_an_auth_error_that_says_how_to_connect_again() -> None:
    error = classified(answer(401, {"error": "invalid_token"}))
    assert type(error) is AuthError
    assert error.status == 401
    assert "example account 'main'" in error.message
    assert "invalid_token" in error.message
    assert error.hint is not None and "socialpost accounts add example main" in error.hint


def test_403_is_permanent_and_an_auth_error_only_when_it_names_a_permission() -> None:
    plain = classified(answer(403, "This post is not allowed"))
    assert type(plain) is PermanentError
    assert plain.status == 403
    scope = classified(answer(403, {"message": "missing scope w_member_social"}))
    assert type(scope) is AuthError
    assert "w_member_social" in scope.message


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_408_and_5xx_are_transient_and_not_rate_limits(status: int) -> None:
    error = classified(answer(status, "upstream exploded"))
    assert type(error) is TransientError
    assert error.status == status
    assert error.retry_at is None
    assert "upstream exploded" in error.message


def test_a_503_honours_retry_after() -> None:
    error = classified(answer(503, "", {"Retry-After": "45"}))
    assert error.retry_at == NOW + timedelta(seconds=45)


@pytest.mark.parametrize("status", [400, 404, 409, 413, 422])
def test_other_4xx_are_permanent(status: int) -> None:
    error = classified(answer(status, {"error": "text is required"}))
    assert type(error) is PermanentError
    assert error.status == status
    assert '{"error":"text is required"}' in error.message


def test_a_redirect_is_permanent_and_not_followed() -> None:
    error = classified(answer(302, "", {"Location": "https://elsewhere.example/"}))
    assert type(error) is PermanentError
    assert "redirect" in error.message


def test_the_adapters_special_case_is_asked_first() -> None:
    special_error = PermanentError("duplicate")
    seen: list[int] = []

    def special(response: httpx.Response) -> PermanentError | None:
        seen.append(response.status_code)
        return special_error if response.status_code == 403 else None

    assert classified(answer(403, "dup"), special=special) is special_error
    assert type(classified(answer(401, "no"), special=special)) is AuthError
    assert seen == [403, 401]


# --- 429: the reset time, in each form networks send it ----------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "90"}, NOW + timedelta(seconds=90)),
        ({"Retry-After": format_datetime(NOW + timedelta(minutes=5), usegmt=True)}, NOW + timedelta(minutes=5)),
        ({"x-rate-limit-reset": str(int((NOW + timedelta(minutes=15)).timestamp()))}, NOW + timedelta(minutes=15)),
        ({"X-RateLimit-Reset": "2027-01-10T12:30:00.000Z"}, NOW + timedelta(minutes=30)),
        ({"RateLimit-Reset": "120"}, NOW + timedelta(seconds=120)),
        ({"ratelimit-reset": str(int((NOW + timedelta(hours=1)).timestamp()))}, NOW + timedelta(hours=1)),
        # Retry-After wins over a reset header
        ({"Retry-After": "10", "x-rate-limit-reset": str(int(NOW.timestamp()) + 900)}, NOW + timedelta(seconds=10)),
        ({}, None),
        ({"Retry-After": "soon"}, None),
    ],
)
def test_429_is_rate_limited_until_the_time_the_network_gave(
    headers: dict[str, str], expected: datetime | None
) -> None:
    error = classified(answer(429, "slow down", headers))
    assert type(error) is RateLimited
    assert error.status == 429
    assert error.retry_at == expected
    assert "slow down" in error.message


def test_a_reset_time_is_never_in_the_past_nor_further_than_the_cap() -> None:
    assert reset_at(str(int(NOW.timestamp()) - 60), NOW) == NOW
    assert reset_at(str(int(NOW.timestamp()) + 30 * 86400), NOW) == NOW + MAX_RETRY_AFTER
    assert reset_at("999999999999999999999", NOW) == NOW + MAX_RETRY_AFTER
    assert reset_at("not a time", NOW) is None
    assert retry_time(httpx.Headers({"Retry-After": str(30 * 86400)}), NOW) == NOW + MAX_RETRY_AFTER


# --- the network's words: secrets blanked, one line, capped, terminal-safe ----------------------------


def test_a_token_echoed_in_the_body_is_blanked() -> None:
    body = {"error": "invalid token", "received": f"Bearer {TOKEN}", "url": f"/hooks/{TOKEN}?x=1"}
    error = classified(answer(401, body), secrets=[TOKEN])
    texts = [str(error), repr(error), error.message, *map(str, error.args)]
    assert all(TOKEN not in text for text in texts)
    assert all(TOKEN[:12] not in text for text in texts)  # no half of it either
    assert "[redacted]" in error.message
    assert "invalid token" in error.message


def test_the_excerpt_is_capped_on_one_line_and_keeps_the_exact_words() -> None:
    body = "first\nline\t\x1b[31mred " + "x" * 1000 + "END"
    error = classified(answer(400, body))
    said = error.message.split("The network said: ")[1]
    assert said.startswith("first line \x1b[31mred x")  # escaped where it is printed, not in the error
    assert "\n" not in said and "\t" not in said
    assert said.endswith("…")
    assert len(said) == EXCERPT_CHARS + 1
    assert "END" not in said


def test_an_empty_body_adds_nothing() -> None:
    error = classified(answer(400, ""))
    assert "said" not in error.message
    assert error.message.endswith("(400).")


def test_redact_values_blanks_the_longest_secret_first() -> None:
    assert redact_values("a abcdef b abc", ["abc", "abcdef", ""]) == "a [redacted] b [redacted]"
    assert redact_values("nothing", []) == "nothing"


# --- transport errors -------------------------------------------------------------------------------


def test_a_connection_never_made_is_safe_to_send_again_and_a_timeout_is_not() -> None:
    request = httpx.Request("POST", "https://api.example/")
    refused = transport_error(httpx.ConnectError("refused", request=request), where="w")
    assert "cannot connect" in refused.message and not refused.request_sent
    timed_out = transport_error(httpx.ReadTimeout("slow", request=request), where="w", timeout=0.5)
    assert "no answer within 0.5 s" in timed_out.message and timed_out.request_sent
    broke = transport_error(httpx.RemoteProtocolError("eof", request=request), where="w")
    assert "connection broke" in broke.message and broke.request_sent
    assert all(isinstance(e, TransientError) for e in (refused, timed_out, broke))


# --- as_int -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (42, 42),
        (-3, -3),
        ("17", 17),
        (" 17 ", 17),
        ("-5", -5),
        (12.0, 12),
        (12.5, None),
        (float("nan"), None),
        (float("inf"), None),
        (True, None),
        (False, None),
        (None, None),
        ("", None),
        ("1.5", None),
        ("--5", None),
        ("²", None),  # a Unicode digit int() cannot read
        ("12abc", None),
        ([1], None),
        ({"count": 1}, None),
    ],
)
def test_as_int(value: Any, expected: int | None) -> None:
    assert as_int(value) == expected


# --- private files ----------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_private_file_is_0600_in_new_0700_folders(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "data" / "x" / "main" / "tokens.json"
    write_private(path, "secret")
    assert path.read_text() == "secret"
    assert mode(path) == 0o600
    assert mode(tmp_path / "data") == mode(tmp_path / "data" / "x") == mode(path.parent) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["tokens.json"]  # no temporary file left


def test_an_existing_folder_keeps_its_mode_and_a_chosen_mode_is_kept(tmp_path: Path, umask_022: None) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    write_private(folder / "feed.xml", b"<feed/>", mode=0o644)
    assert mode(folder) == 0o755
    assert mode(folder / "feed.xml") == 0o644
    write_private(folder / "feed.xml", b"<feed>2</feed>")
    assert mode(folder / "feed.xml") == 0o600  # a replaced file takes the new mode


def test_a_crash_before_the_rename_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    write_json(path, {"reads": 1})

    def crash(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(privatefiles.os, "replace", crash)
    with pytest.raises(OSError):
        write_json(path, {"reads": 2})
    monkeypatch.undo()
    assert read_object(path) == {"reads": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # the temporary file is gone


def test_a_temporary_file_is_removed_when_not_committed_or_when_writing_fails(tmp_path: Path) -> None:
    with replacing(tmp_path) as pending:
        pending.file.write(b"half")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError), replacing(tmp_path, prefix=".media.", mode=0o644) as pending:
        assert stat.S_IMODE(os.fstat(pending.file.fileno()).st_mode) == 0o644
        raise ValueError("the source broke")
    assert list(tmp_path.iterdir()) == []


def test_json_is_read_back_and_a_missing_or_torn_file_is_none(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    assert read_json(path) is None
    write_json(path, {"b": [1, 2], "a": None})
    assert read_json(path) == {"b": [1, 2], "a": None}
    assert path.read_text().startswith('{\n  "a": null')  # indented and sorted by default
    write_json(path, {"b": 1, "a": 2}, indent=None, sort_keys=False)
    assert path.read_text() == '{"b": 1, "a": 2}'
    path.write_text('{"torn": ')
    assert read_json(path) is None
    path.write_text("[1, 2]")
    assert read_json(path) == [1, 2]
    assert read_object(path) is None


def test_safe_name() -> None:
    assert safe_name("main") == "main"
    assert safe_name("team-1_a.b") == "team-1_a.b"
    assert safe_name("../../etc/passwd") == "_.._etc_passwd"
    assert safe_name("..") == safe_name("") == "_"
    assert safe_name("café space") == "café_space"


def test_state_dir_is_the_accounts_folder_in_the_data_folder(tmp_path: Path) -> None:
    context = AdapterContext(data_dir=tmp_path, base_dir=tmp_path)
    assert context.state_dir("", "x:main") == tmp_path / "x" / "main"
    assert context.state_dir("threads", "x:main") == tmp_path / "x" / "main" / "threads"
    assert context.state_dir("uploads", "linkedin:../acme") == tmp_path / "linkedin" / "_acme" / "uploads"
    assert account_folder(tmp_path, "youtube:café") == tmp_path / "youtube" / "café"


def test_state_dir_keeps_a_folder_an_earlier_version_used(tmp_path: Path) -> None:
    context = AdapterContext(data_dir=tmp_path, base_dir=tmp_path)
    old = tmp_path / "x" / "a_b"  # runs of odd characters were folded into one _
    assert context.state_dir("", "x:a  b", old=old) == tmp_path / "x" / "a__b"  # nothing to keep yet
    old.mkdir(parents=True)
    assert context.state_dir("", "x:a  b", old=old) == old
    (tmp_path / "x" / "a__b").mkdir()
    assert context.state_dir("", "x:a  b", old=old) == tmp_path / "x" / "a__b"  # the new one wins once it exists


LOCK_WORKER = """
import sys, time
from pathlib import Path
from socialpost.privatefiles import locked
state, log, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
with locked(state):
    with log.open("a") as out:
        out.write(name + " in\\n")
    time.sleep(0.4)
    with log.open("a") as out:
        out.write(name + " out\\n")
"""


def test_the_lock_makes_two_processes_take_turns(tmp_path: Path) -> None:
    state, log = tmp_path / "budget.json", tmp_path / "log"
    workers = [
        subprocess.Popen([sys.executable, "-c", LOCK_WORKER, str(state), str(log), name], cwd=REPO)
        for name in ("a", "b")
    ]
    assert [w.wait(timeout=60) for w in workers] == [0, 0]
    lines = log.read_text().splitlines()
    assert sorted(lines) == ["a in", "a out", "b in", "b out"]
    first = lines[0].split()[0]
    assert lines[1] == f"{first} out"  # the second came in only after the first went out
    assert (tmp_path / "budget.lock").exists()
    assert mode(tmp_path / "budget.lock") == 0o600
    with locked(state):  # free again
        pass


def test_a_setup_request_that_gets_no_answer_names_the_network() -> None:
    import socket

    from socialpost.networks.common.http import setup_request

    with socket.socket() as probe:  # a port nothing listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with httpx.Client(timeout=5.0) as client, pytest.raises(TransientError) as caught:
        setup_request(client, "GET", f"http://127.0.0.1:{port}/", where="LinkedIn set-up for 'x'", network="LinkedIn")
    assert caught.value.message == "LinkedIn set-up for 'x': cannot reach LinkedIn (ConnectError)."


def test_as_time_reads_iso_times_with_z_an_offset_or_none() -> None:
    from socialpost.networks.common.numbers import as_time

    assert as_time("2027-03-01T09:00:00Z") == datetime(2027, 3, 1, 9, tzinfo=UTC)
    assert as_time("2027-03-01T09:00:00") == datetime(2027, 3, 1, 9, tzinfo=UTC)
    shifted = as_time("2027-03-01T04:00:00-05:00")
    assert shifted == datetime(2027, 3, 1, 9, tzinfo=UTC) and shifted.utcoffset() == timedelta(hours=-5)
    assert [as_time(v) for v in ("", "soon", None, 12)] == [None, None, None, None]


def test_keyed_files_keep_one_private_record_per_key(tmp_path: Path) -> None:
    from socialpost.privatefiles import KeyedFiles

    files = KeyedFiles(tmp_path / "posts")
    assert files.read("sp-1") is None
    files.write("sp-1", {"board_id": "b1"})
    files.write("../evil key", {"board_id": "b2"})
    assert files.read("sp-1") == {"board_id": "b1"} and files.read("../evil key") == {"board_id": "b2"}
    assert sorted(p.name for p in (tmp_path / "posts").iterdir()) == ["_evil_key.json", "sp-1.json"]
    assert stat.S_IMODE(files.path("sp-1").stat().st_mode) == 0o600


# --- settings said once for several networks ----------------------------------------------------


@pytest.mark.parametrize("settings_class", [PinterestSettings, ThreadsSettings])
def test_an_api_base_is_https_or_loopback_and_loses_its_trailing_slash(settings_class: type[AccountSettings]) -> None:
    token = "not-a-real-token-" + str(os.getpid())
    for given, kept in [
        ("https://proxy.example/", "https://proxy.example"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://localhost:9/api", "http://localhost:9/api"),
    ]:
        assert settings_class.model_validate({"access_token": token, "api_base": given}).api_base == kept  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match=r"api_base must be an https:// URL"):
        settings_class.model_validate({"access_token": token, "api_base": "http://proxy.example"})


@pytest.mark.parametrize("settings_class", [FacebookSettings, InstagramSettings])
def test_a_graph_version_is_written_as_graph_writes_it(settings_class: type[AccountSettings]) -> None:
    token = "not-a-real-token-" + str(os.getpid())
    values: dict[str, Any] = (
        {"page_id": "1234", "page_access_token": token}
        if settings_class is FacebookSettings
        else {"user_id": "1784", "access_token": token}
    )
    assert settings_class.model_validate(values | {"graph_version": " 24.0"}).graph_version == "v24.0"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match=r"write the Graph API version like v24\.0"):
        settings_class.model_validate(values | {"graph_version": "latest"})


# --- ReadPause.guard: one inbox read, and the pause a refusal starts ----------------------------------


def test_a_read_pause_holds_a_rate_limit_until_the_reset_then_reads_again() -> None:
    from socialpost.networks.common.read_pause import ReadPause

    now = [datetime(2027, 3, 2, 9, 0, tzinfo=UTC)]
    pause = ReadPause(lambda: now[0])
    reads: list[str] = []
    limited = RateLimited("slow down", retry_at=now[0] + timedelta(minutes=5))
    with pytest.raises(RateLimited), pause.guard(rate=timedelta(hours=1), refused=timedelta(hours=1)):
        reads.append("first")
        raise limited
    for moment in (now[0], now[0] + timedelta(minutes=4, seconds=59)):
        now[0] = moment
        with pytest.raises(RateLimited), pause.guard(rate=timedelta(hours=1), refused=timedelta(hours=1)):
            reads.append("not asked")  # held: the network is not asked again
    now[0] += timedelta(seconds=1)
    with pause.guard(rate=timedelta(hours=1), refused=timedelta(hours=1)):
        reads.append("after the reset")
    assert reads == ["first", "after the reset"]


def test_a_read_pause_holds_a_refusal_only_when_told_to() -> None:
    from socialpost.networks.common.read_pause import ReadPause

    now = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    pause = ReadPause(lambda: now)
    only_403 = {"rate": timedelta(minutes=15), "refused": timedelta(hours=6), "refused_if": lambda e: e.status == 403}
    with pytest.raises(AuthError), pause.guard(**only_403):
        raise AuthError("token expired", status=401)
    with pause.guard(**only_403):  # a 401 starts no pause: the next read is made
        pass
    with pytest.raises(AuthError), pause.guard(**only_403):
        raise AuthError("your access tier does not allow this", status=403)
    entered = False
    with pytest.raises(AuthError, match="access tier"), pause.guard(**only_403):
        entered = True
    assert entered is False
