"""``socialpost accounts add google-business|telegram NAME`` through the command line, from an empty
config to an account ``accounts test`` reaches, against the strict fakes (tests/servers/
google_business.py, telegram.py); and where each stops, with what the user must do, when the
network has not approved the project or the bot cannot post. (Instagram, Threads and Pinterest
have theirs in their own test files: test_network_instagram.py, test_network_threads.py,
test_network_pinterest.py.)

Only the person at the keyboard is played by the test: the answers typed, and the browser that
follows the address the command prints to Google's consent page (which redirects to socialpost's
listener on 127.0.0.1)."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from socialpost.cli import cli
from socialpost.cli.accounts import ClickUI
from socialpost.cli.context import AppContext
from socialpost.networks.google_business import GoogleBusinessNetwork, SetupHosts
from socialpost.networks.telegram import TelegramNetwork
from socialpost.timeutil import utcnow
from tests.servers.google_business import CLIENT_ID, LOCATION, OTHER_LOCATION, GoogleBusinessServer, client_secret
from tests.servers.telegram import TOKEN, TelegramBotServer
from tests.support import google_business as gb
from tests.support.http import LocalServer


def _cli(config: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], obj=AppContext(), input=input)


def _empty_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("# my settings\n", encoding="utf-8")
    return config


def _said(result: Result) -> str:
    return " ".join((result.stdout + result.stderr).split())


# --- Google Business Profile ----------------------------------------------------------------------


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[GoogleBusinessServer, LocalServer]]:
    """Google's fake on a socket, the set-up pointed at it, and a browser that follows the sign-in
    address the command prints (Google's page → the redirect to the loopback listener)."""
    server = GoogleBusinessServer(clock=utcnow, refresh_token=gb.refresh_token())
    with LocalServer() as local:
        local.respond(server)
        hosts = SetupHosts(auth_url=local.url + "/o/oauth2/v2/auth", token_url=local.url + "/token", base_url=local.url)
        monkeypatch.setattr(GoogleBusinessNetwork, "setup_hosts", hosts)
        printed = ClickUI.open_url

        def browser(ui: ClickUI, url: str) -> None:
            printed(ui, url)  # the command prints the address; the user opens it and allows access
            httpx.get(url, follow_redirects=True, timeout=10)

        monkeypatch.setattr(ClickUI, "open_url", browser)
        yield server, local


def test_accounts_add_google_business_from_nothing_to_a_working_account(
    google: tuple[GoogleBusinessServer, LocalServer], tmp_path: Path
) -> None:
    server, _local = google
    config = _empty_config(tmp_path)
    # Client ID, Client secret, "Is the web browser on this computer?", the second location
    added = _cli(config, "accounts", "add", "google-business", "shop", input=f"{CLIENT_ID}\n{client_secret()}\ny\n2\n")
    assert added.exit_code == 0, _said(added)
    said = _said(added)
    for step in ("console.cloud.google.com", "OAuth client ID", "Desktop app", "Application for Basic API Access",
                 "api_default", "Open this address in your browser", "Boulangerie Rémi — Verdun",
                 f"Connected to Boulangerie Rémi — Verdun ({OTHER_LOCATION})"):  # fmt: skip
        assert step in said, step
    written = config.read_text(encoding="utf-8")
    assert OTHER_LOCATION in written and CLIENT_ID in written
    assert written.startswith("# my settings\n")  # a config of comments only keeps them
    secrets_file = tmp_path / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    kept = secrets_file.read_text(encoding="utf-8")
    [refresh] = [t for t in server.refresh_tokens if t in kept]  # the refresh token Google issued
    for secret in (client_secret(), refresh):
        assert secret in kept and secret not in written and secret not in said
    assert server.token_requests[0] == "authorization_code" and server.violations == []

    tested = _cli(config, "accounts", "test", "google-business:shop")
    assert tested.exit_code == 0, _said(tested)
    assert "Boulangerie Rémi" in tested.stdout and LOCATION not in tested.stdout


def test_accounts_add_google_business_stops_while_google_has_not_approved_the_project(
    google: tuple[GoogleBusinessServer, LocalServer], tmp_path: Path
) -> None:
    server, _local = google
    server.approved = False
    config = _empty_config(tmp_path)
    stopped = _cli(config, "accounts", "add", "google-business", "shop", input=f"{CLIENT_ID}\n{client_secret()}\ny\n")
    assert stopped.exit_code != 0 and "Traceback" not in stopped.output + stopped.stderr
    said = " ".join(stopped.stderr.split())
    assert "quota is 0 requests a minute" in said and "api_default" in said, said
    assert client_secret() not in _said(stopped)
    assert config.read_text(encoding="utf-8") == "# my settings\n" and not (tmp_path / "secrets.yaml").exists()


# --- Telegram ----------------------------------------------------------------------------------------


@pytest.fixture
def bot(monkeypatch: pytest.MonkeyPatch) -> Iterator[TelegramBotServer]:
    with TelegramBotServer() as server:
        monkeypatch.setattr(TelegramNetwork, "setup_api", server.url)
        yield server


def test_accounts_add_telegram_from_nothing_to_a_working_account(bot: TelegramBotServer, tmp_path: Path) -> None:
    config = _empty_config(tmp_path)
    added = _cli(config, "accounts", "add", "telegram", "news", input=f"{TOKEN}\nhttps://t.me/socialpost_news\n")
    assert added.exit_code == 0, _said(added)
    said = _said(added)
    for step in ("@BotFather", "/newbot", "Add Admin", "Post messages", "The bot can post to"):
        assert step in said, step
    written = config.read_text(encoding="utf-8")
    assert "@socialpost_news" in written and TOKEN not in written + said
    assert written.startswith("# my settings\n")
    secrets_file = tmp_path / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600 and TOKEN in secrets_file.read_text(encoding="utf-8")

    tested = _cli(config, "accounts", "test", "telegram:news")
    assert tested.exit_code == 0, _said(tested)
    assert "socialpost news" in tested.stdout and TOKEN not in _said(tested)


def test_accounts_add_telegram_says_when_the_bot_cannot_post_yet(bot: TelegramBotServer, tmp_path: Path) -> None:
    """A bot that is not yet an administrator with "Post messages": the account is saved (the
    channel's owner may promote it later), and the set-up says what to do; ``accounts test`` says
    it again until it is done."""
    bot.channel.can_post = False
    config = _empty_config(tmp_path)
    added = _cli(config, "accounts", "add", "telegram", "news", input=f"{TOKEN}\n@socialpost_news\n")
    said = _said(added)
    assert "Traceback" not in said and "The bot can post to" not in said
    assert "Post messages" in said, said
    assert "@socialpost_news" in config.read_text(encoding="utf-8")
    tested = _cli(config, "accounts", "test", "telegram:news")
    shown = _said(tested)
    assert "warning: The bot @sp_poster_bot cannot post to @socialpost_news" in shown and "Post messages" in shown, (
        shown
    )
    as_json = json.loads(_cli(config, "accounts", "test", "telegram:news", "--json").stdout)
    assert as_json["missing_permissions"] == ["can_post_messages"] and "Post messages" in as_json["warnings"][0]["fix"]


def test_accounts_add_telegram_with_a_wrong_token_writes_nothing(bot: TelegramBotServer, tmp_path: Path) -> None:
    config = _empty_config(tmp_path)
    wrong = "7301234567:AAH-wrongTokenForTests_000000000000"
    stopped = _cli(config, "accounts", "add", "telegram", "news", input=f"{wrong}\n@socialpost_news\n")
    assert stopped.exit_code != 0 and "Traceback" not in stopped.output + stopped.stderr
    assert wrong not in _said(stopped) and "bot_token" in _said(stopped)
    assert config.read_text(encoding="utf-8") == "# my settings\n" and not (tmp_path / "secrets.yaml").exists()
