"""Settings: where they come from (one precedence rule) and how bad ones are reported."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.errors import ConfigError, ExitCode, StoreError
from socialpost.settings.config import DaemonSettings, Settings, load_settings
from socialpost.settings.envvars import expand_env, expand_env_values
from socialpost.settings.paths import default_dirs, resolve_config_path
from socialpost.store.db import DatabaseURLError, open_store
from tests.conftest import Result


@pytest.fixture
def xdg(isolated_env: Path) -> tuple[Path, Path]:
    """The platform config and data folders of the isolated user (XDG on Linux)."""
    return Path(os.environ["XDG_CONFIG_HOME"]) / "socialpost", Path(os.environ["XDG_DATA_HOME"]) / "socialpost"


def platform_config(xdg: tuple[Path, Path], text: str) -> Path:
    path = xdg[0] / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(option: str | None = None, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(option, environ if environ is not None else {})
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    message = str(caught.value)
    assert "Traceback" not in message
    return message


# --- which file -----------------------------------------------------------------------------------


def test_default_dirs_follow_xdg(xdg: tuple[Path, Path]) -> None:
    assert default_dirs() == xdg


def test_no_config_anywhere_means_built_in_defaults(xdg: tuple[Path, Path]) -> None:
    settings = load_settings(None, {})
    assert settings.config_path is None and settings.document is None
    assert settings.daemon == DaemonSettings()
    assert settings.accounts == {}
    assert settings.data_dir == xdg[1]
    assert settings.database_url == f"sqlite:///{xdg[1] / 'socialpost.db'}"
    assert settings.config_location("x", "acme") == "(no config file)"


def test_platform_config_is_used_when_it_exists(xdg: tuple[Path, Path]) -> None:
    path = platform_config(xdg, "daemon: {workers: 3}\n")
    settings = load_settings(None, {})
    assert settings.config_path == path
    assert settings.daemon.workers == 3
    assert settings.base_dir == path.parent


def test_env_config_beats_platform_config(xdg: tuple[Path, Path], write) -> None:  # type: ignore[no-untyped-def]
    platform_config(xdg, "daemon: {workers: 3}\n")
    env_file = write("env.yaml", "daemon: {workers: 4}\n")
    settings = load_settings(None, {"SOCIALPOST_CONFIG": str(env_file)})
    assert (settings.config_path, settings.daemon.workers) == (env_file, 4)


def test_option_beats_env_config(xdg: tuple[Path, Path], write) -> None:  # type: ignore[no-untyped-def]
    platform_config(xdg, "daemon: {workers: 3}\n")
    env_file = write("env.yaml", "daemon: {workers: 4}\n")
    flag_file = write("flag.yaml", "daemon: {workers: 5}\n")
    settings = load_settings(str(flag_file), {"SOCIALPOST_CONFIG": str(env_file)})
    assert (settings.config_path, settings.daemon.workers) == (flag_file, 5)


def test_resolve_config_path_says_whether_it_was_explicit(xdg: tuple[Path, Path], tmp_path: Path) -> None:
    assert resolve_config_path(None, {}) == (None, False)
    path = platform_config(xdg, "{}\n")
    assert resolve_config_path(None, {}) == (path, False)
    assert resolve_config_path(None, {"SOCIALPOST_CONFIG": "/x.yaml"}) == (Path("/x.yaml"), True)
    assert resolve_config_path("/y.yaml", {"SOCIALPOST_CONFIG": "/x.yaml"}) == (Path("/y.yaml"), True)
    home = Path(os.environ["HOME"])
    assert resolve_config_path("~/c.yaml", {}) == (home / "c.yaml", True)


def test_missing_option_file_names_the_flag(tmp_path: Path) -> None:
    message = config_error(str(tmp_path / "nope.yaml"))
    assert f"{tmp_path / 'nope.yaml'}: config file not found (given by --config)." in message
    assert "Fix: copy config.example.yaml there" in message


def test_missing_env_file_names_the_variable(tmp_path: Path) -> None:
    message = config_error(None, {"SOCIALPOST_CONFIG": str(tmp_path / "nope.yaml")})
    assert "config file not found (given by $SOCIALPOST_CONFIG)" in message


def test_load_settings_reads_the_real_environment_by_default(
    write,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    path = write("c.yaml", "daemon: {workers: 7}\n")
    monkeypatch.setenv("SOCIALPOST_CONFIG", str(path))
    assert load_settings().daemon.workers == 7


# --- the database URL -----------------------------------------------------------------------------


def test_database_env_beats_file(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "database: sqlite:////from/file.db\n")
    env = {"SOCIALPOST_DATABASE_URL": "postgresql://db/socialpost"}
    assert load_settings(str(path), env).database_url == "postgresql://db/socialpost"
    assert load_settings(str(path), {}).database_url == "sqlite:////from/file.db"


def test_database_default_is_in_the_data_dir(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "daemon: {}\n")
    settings = load_settings(str(path), {"SOCIALPOST_DATA_DIR": str(tmp_path / "data")})
    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'socialpost.db'}"


def test_relative_sqlite_path_is_relative_to_the_config_folder(write) -> None:  # type: ignore[no-untyped-def]
    path = write("conf/c.yaml", "database: sqlite:///x.db\n")
    assert load_settings(str(path), {}).database_url == f"sqlite:///{(path.parent / 'x.db').resolve()}"
    sub = write("conf2/c.yaml", "database: sqlite:///../data/x.db\n")
    assert load_settings(str(sub), {}).database_url == f"sqlite:///{(sub.parent.parent / 'data' / 'x.db').resolve()}"


@pytest.mark.parametrize("url", ["sqlite:////abs/x.db", "sqlite:///:memory:", "postgresql://u@h/db"])
def test_other_database_urls_are_kept(write, url: str) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", f"database: '{url}'\n")
    assert load_settings(str(path), {}).database_url == url


def test_database_url_expands_environment_variables(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "database: postgresql://app:${DB_PASSWORD}@db/socialpost\n")
    settings = load_settings(str(path), {"DB_PASSWORD": "s3cret"})
    assert settings.database_url == "postgresql://app:s3cret@db/socialpost"


def test_missing_variable_in_database_url_names_it_and_its_position(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "# db\ndatabase: postgresql://app:${DB_PASSWORD}@db/x\n")
    message = config_error(str(path), {})
    assert f"{path}:2:11: database: the environment variable DB_PASSWORD is not set." in message
    assert "export DB_PASSWORD=" in message


# --- ${ENV} expansion -----------------------------------------------------------------------------


def test_expand_env() -> None:
    env = {"TOKEN": "abc", "USER_1": "me"}
    assert expand_env("Bearer ${TOKEN}", env, "x") == "Bearer abc"
    assert expand_env("${USER_1}:${TOKEN}", env, "x") == "me:abc"
    assert expand_env("no refs, $TOKEN, ${ not a ref }", env, "x") == "no refs, $TOKEN, ${ not a ref }"
    assert expand_env("${EMPTY}", {"EMPTY": ""}, "x") == ""


def test_expand_env_missing_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        expand_env("${NOPE}", {}, "accounts.x.acme.token")
    assert str(caught.value) == (
        "accounts.x.acme.token: the environment variable NOPE is not set. "
        "Set it (export NOPE=…) before running socialpost."
    )


def test_expand_env_values_walks_nested_values() -> None:
    values = {"token": "${T}", "nested": {"list": ["a-${T}", 3, None]}, "port": 443}
    assert expand_env_values(values, {"T": "t"}, "accounts.x.acme") == {
        "token": "t",
        "nested": {"list": ["a-t", 3, None]},
        "port": 443,
    }


def test_expand_env_values_names_the_key_of_a_missing_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        expand_env_values({"nested": {"secret": "${S}"}}, {}, "accounts.x.acme")
    assert str(caught.value).startswith("accounts.x.acme.nested.secret: the environment variable S is not set.")


# --- bad config files -----------------------------------------------------------------------------


def test_unknown_top_level_key_with_did_you_mean(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "daemon: {}\ndatabse: sqlite:///x.db\n")
    message = config_error(str(path))
    assert message == f"{path}:2:1: unknown key 'databse'. Did you mean 'database'? Fix: correct the spelling."


def test_unknown_daemon_key_with_did_you_mean(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "daemon:\n  poll_secnds: 5\n")
    message = config_error(str(path))
    assert message.startswith(f"{path}:2:3: unknown key 'poll_secnds'. Did you mean 'poll_seconds'?")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("workers: 0", "'workers': input should be greater than or equal to 1"),
        ("workers: 1000", "'workers': input should be less than or equal to 256"),
        ("poll_seconds: 0", "'poll_seconds': input should be greater than 0"),
        ("lease_seconds: 0.5", "'lease_seconds': input should be greater than or equal to 1"),
        ("workers: many", "'workers': expected a whole number, got 'many'"),
        ("max_attempts: 2.5", "'max_attempts': expected a whole number, got the number 2.5"),
    ],
)
def test_daemon_settings_out_of_range(write, line: str, words: str) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", f"daemon:\n  {line}\n")
    message = config_error(str(path))
    column = len(line.split(":")[0]) + 5
    assert message.startswith(f"{path}:2:{column}: {words}")
    assert "Fix:" in message


def test_config_yaml_syntax_error_is_a_config_error_with_position(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "daemon:\n\tworkers: 3\n")
    message = config_error(str(path))
    assert message.startswith(f"{path}:2:1: a tab character")


def test_config_duplicate_key(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "database: a\ndatabase: b\n")
    assert config_error(str(path)).startswith(f"{path}:2:1: duplicate key 'database' (first written on line 1)")


def test_config_that_is_not_a_mapping(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "- database\n")
    message = config_error(str(path))
    assert message.startswith(f"{path}:1:1: the config file must be a mapping of settings")
    assert "Fix:" in message


def test_config_folder_instead_of_file(tmp_path: Path) -> None:
    message = config_error(str(tmp_path))
    assert message == f"{tmp_path}: this is a folder, not a config file. Fix: give the path of a .yaml file."


def test_config_with_only_comments_means_defaults(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "# database: sqlite:///x.db\n# daemon:\n#   workers: 3\n")
    settings = load_settings(str(path), {})
    assert settings.config_path == path
    assert settings.daemon == DaemonSettings()


def test_empty_sections_mean_defaults(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "daemon:\n#  workers: 3\naccounts:\n#  x: {}\n")
    settings = load_settings(str(path), {})
    assert settings.daemon == DaemonSettings()
    assert settings.accounts == {}


def test_accounts_section_and_positions(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "accounts:\n  mastodon:\n    acme:\n      instance: https://m.example\n    bare:\n")
    settings = load_settings(str(path), {})
    assert settings.account_settings("mastodon", "acme") == {"instance": "https://m.example"}
    assert settings.account_settings("mastodon", "bare") == {}
    assert settings.account_settings("mastodon", "nope") is None
    assert settings.account_settings("x", "acme") is None
    assert settings.config_location("mastodon", "acme", "instance") == f"{path}:4:17"


def test_accounts_with_a_wrong_shape(write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", "accounts:\n  mastodon: [acme]\n")
    message = config_error(str(path))
    assert message.startswith(f"{path}:2:13: 'mastodon': expected a mapping of keys, got a list.")


def test_settings_base_dir_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings(database_url="sqlite://", data_dir=tmp_path).base_dir == tmp_path


def test_daemon_max_age_and_pacing_settings(write) -> None:  # type: ignore[no-untyped-def]

    from socialpost.settings.config import load_settings

    path = write("c.yaml", "daemon:\n  max_age: 2h\n  min_interval_overrides: {mastodon: 30}\n")
    daemon = load_settings(str(path), environ={}).daemon
    assert daemon.max_age == timedelta(hours=2) and daemon.min_interval("mastodon:x") == 30
    assert load_settings(None, environ={}).daemon.max_age == timedelta(hours=24)
    message = config_error(str(write("bad.yaml", "daemon:\n  max_age: soon\n")))
    assert "'soon' is not a duration" in message and "Fix:" in message
    assert "longer than 0" in config_error(str(write("zero.yaml", "daemon:\n  max_age: 0\n")))


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_a_config_that_is_not_a_file_is_refused_before_reading(tmp_path: Path, kind: str) -> None:
    """The language is peeked from the config before click runs: it must not read /dev/zero or wait on a pipe."""
    import os

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


Write = Callable[[str, str], Path]


def socialpost(*args: str, env: dict[str, str] | None = None) -> Result:
    """`socialpost ARGS` in-process, loading the config exactly as the real command does. Any
    Python warning is an error here: none may reach the user."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def assert_one_paragraph(result: Result) -> None:
    for noise in ("Traceback", "internal error", "Warning", "sqlalche.me"):
        assert noise not in result.stderr, result.stderr


# --- every daemon setting has bounds ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("retry_base_seconds: 1e308", "1:30: 'retry_base_seconds': input should be less than or equal to 604800."),
        ("retry_max_seconds: .inf", "1:29: 'retry_max_seconds': input should be less than or equal to 604800."),
        ("retry_base_seconds: .nan", "'retry_base_seconds': input should be"),
        ("shutdown_grace_seconds: 86400", "'shutdown_grace_seconds': input should be less than or equal to 3600."),
        ("shutdown_grace_seconds: -1", "'shutdown_grace_seconds': input should be greater than or equal to 0."),
        ("poll_seconds: 1e308", "'poll_seconds': input should be less than or equal to 3600."),
        ("lease_seconds: 1e9", "'lease_seconds': input should be less than or equal to 86400."),
        ("workers: 0", "'workers': input should be greater than or equal to 1."),
        ("workers: 257", "'workers': input should be less than or equal to 256."),
        ("max_attempts: 1000", "'max_attempts': input should be less than or equal to 100."),
        ("min_interval_seconds: 1e308", "'min_interval_seconds': input should be less than or equal to 86400."),
        ("min_interval_overrides: {x: 1e308}", "the interval for 'x' is longer than a day. Fix: give a number"),
        ("min_interval_overrides: {x: .nan}", "the interval for 'x' is longer than a day."),
        ("min_interval_overrides: {x: -1}", "the interval for 'x' is negative."),
        ("max_age: 100000000d", "'max_age': '100000000d' is too long a duration."),
    ],
)
def test_daemon_settings_out_of_range_are_located_config_errors(write: Write, text: str, expected: str) -> None:
    path = write("config.yaml", f"daemon: {{{text}}}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path), {})
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert f"{path}:1:" in str(caught.value) and expected in str(caught.value), str(caught.value)
    assert "Fix:" in str(caught.value)


def test_the_robustness_config_is_refused_by_the_command(write: Write) -> None:
    path = write("config.yaml", "daemon: {retry_base_seconds: 1e308, retry_max_seconds: 1e308}\n")
    result = socialpost("--config", str(path), "status")
    assert result.exit_code == ExitCode.BAD_INPUT
    assert f"{path}:1:30: 'retry_base_seconds'" in result.stderr
    assert f"{path}:1:56: 'retry_max_seconds'" in result.stderr
    assert_one_paragraph(result)


def test_the_largest_values_allowed_still_work(write: Write) -> None:
    path = write(
        "config.yaml",
        "daemon:\n  retry_base_seconds: 604800\n  retry_max_seconds: 604800\n  shutdown_grace_seconds: 3600\n"
        "  min_interval_overrides: {mastodon: 86400}\n",
    )
    daemon = load_settings(str(path), {}).daemon
    assert daemon.retry_base_seconds == daemon.retry_max_seconds == 604800
    assert daemon.min_interval("mastodon:x") == 86400


# --- the database URL --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "this is not a database URL."),
        ("nosuch://x/y", "unknown database type 'nosuch'."),
        ("postgres://me@db.example.com/socialpost", "unknown database type 'postgres'."),
        ("postgresql://db.example.com:five/socialpost", "the port 'five' is not a number."),
        ("sqlite://socialpost.db", "a SQLite URL names a file after three slashes, not a server."),
        (
            "sqlite:///x.db?mode=ro&bogus=1",
            "the SQLite driver does not accept the URL option(s) bogus, mode; they would be ignored.",
        ),
    ],
)
def test_a_bad_database_url_is_a_located_config_error(write: Write, url: str, expected: str) -> None:
    path = write("config.yaml", f"# the queue\ndatabase: '{url}'\n")
    result = socialpost("--config", str(path), "status")
    assert result.exit_code == ExitCode.BAD_INPUT, result.stderr
    assert f"{path}:2:11: database: {expected}" in result.stderr
    assert "Fix:" in result.stderr
    assert_one_paragraph(result)
    if "bogus" in url:
        assert "Fix: remove them" in result.stderr
    else:
        assert "sqlite:///path/to/socialpost.db" in result.stderr


def test_a_bad_database_url_from_the_environment_names_the_variable(write: Write) -> None:
    result = socialpost("status", env={"SOCIALPOST_DATABASE_URL": "nosuch://x/y"})  # no config file
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "$SOCIALPOST_DATABASE_URL: unknown database type 'nosuch'." in result.stderr
    path = write("config.yaml", "daemon: {}\n")
    result = socialpost("--config", str(path), "status", env={"SOCIALPOST_DATABASE_URL": "not a url"})
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "$SOCIALPOST_DATABASE_URL: this is not a database URL." in result.stderr
    assert_one_paragraph(result)


def test_a_url_only_sqlalchemy_refuses_is_bad_input_too(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DatabaseURLError) as caught:
            open_store("postgresql+nosuchdriver://db.example.com/socialpost")
        assert caught.value.exit_code == ExitCode.BAD_INPUT and isinstance(caught.value, StoreError)
        assert "Fix: write a URL like sqlite:///path/to/socialpost.db" in str(caught.value)
        # open_store checks by itself too: a caller that did not load settings gets no SAWarning
        with pytest.raises(DatabaseURLError) as caught:
            open_store(f"sqlite:///{tmp_path / 'x.db'}?bogus=1")
        assert "bogus" in str(caught.value)


def test_sqlite_options_the_driver_accepts_still_work(write: Write, tmp_path: Path) -> None:
    path = write("config.yaml", "database: 'sqlite:///queue.db?timeout=5'\n")
    result = socialpost("--config", str(path), "status")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert (tmp_path / "queue.db").exists()  # relative to the config file's folder
    assert_one_paragraph(result)


def test_a_file_that_is_not_a_database_is_named(write: Write, tmp_path: Path) -> None:
    passwd = write("passwd", "root:x:0:0:root:/root:/bin/bash\n" * 100)
    path = write("config.yaml", f"database: 'sqlite:///{passwd}'\n")
    result = socialpost("--config", str(path), "status")
    assert result.exit_code == ExitCode.FAILURE
    assert f"{passwd} is not a socialpost database: SQLite cannot read it (file is not a database)." in result.stderr
    assert "restore it from a backup" in result.stderr and "sqlite:///path/to/socialpost.db" in result.stderr
    assert_one_paragraph(result)
    assert passwd.read_text().startswith("root:x:0:0")  # left as it was
