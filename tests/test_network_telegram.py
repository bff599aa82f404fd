"""The Telegram adapter through its real httpx client against the strict fake Bot API
(tests/servers/telegram.py) on a loopback socket: texts, photos, albums, threads as replies,
silent posts and link previews, lengths at the limit and one over, Telegram's error bodies, the
health check of the bot's rights and the guided set-up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from socialpost.errors import AuthError, ContentRejected, PermanentError, RateLimited, TransientError
from socialpost.networks.base import AdapterContext, Media, OutgoingPost
from socialpost.networks.capabilities import MetricsReader, Reconciler
from socialpost.networks.telegram import TelegramNetwork, TelegramSettings
from socialpost.networks.telegram.limits import CAPTION_CHECKS, utf16_length
from tests.conftest import FakeClock
from tests.servers.telegram import TOKEN, TelegramBotServer
from tests.support.posts import outgoing


@pytest.fixture
def bot() -> Iterator[TelegramBotServer]:
    with TelegramBotServer() as server:
        yield server


def make(bot: TelegramBotServer, tmp_path: Path, clock: FakeClock, **more: Any) -> TelegramNetwork:
    values = {"chat": "@socialpost_news", "bot_token": TOKEN, "api_base_url": bot.url, "timeout": 2, **more}
    context = AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path, clock=clock)
    return TelegramNetwork(account="telegram:news", settings=TelegramSettings.model_validate(values), context=context)


def post(text: str = "Bonjour ☕", **more: Any) -> OutgoingPost:
    return outgoing("telegram:news", text, **more)


def images(tmp_path: Path, count: int) -> tuple[Media, ...]:
    found = []
    for number in range(count):
        path = tmp_path / f"photo{number}.png"
        Image.new("RGB", (8, 8), (number * 20, 0, 0)).save(path)
        found.append(Media(path.name, ""))
    return tuple(found)


def test_a_text_is_published_with_its_link(bot: TelegramBotServer, tmp_path: Path, clock: FakeClock) -> None:
    published = make(bot, tmp_path, clock).publish(post("Hello channel"))
    (message,) = bot.posts()
    assert message["text"] == "Hello channel"
    assert published.remote_id == str(message["message_id"])
    assert published.url == f"https://t.me/socialpost_news/{message['message_id']}"
    assert message["disable_notification"] is False
    assert message["link_preview_options"] == {"is_disabled": False}


def test_a_private_channel_by_id_gets_a_t_me_c_link(bot: TelegramBotServer, tmp_path: Path, clock: FakeClock) -> None:
    bot.channel.username = None
    published = make(bot, tmp_path, clock, chat="-1001234567890").publish(post())
    assert published.url == f"https://t.me/c/1234567890/{published.remote_id}"


def test_silent_and_no_link_preview_are_sent(bot: TelegramBotServer, tmp_path: Path, clock: FakeClock) -> None:
    make(bot, tmp_path, clock, silent=True, link_previews=False).publish(post("See https://example.org"))
    (message,) = bot.posts()
    assert message["disable_notification"] is True
    assert message["link_preview_options"] == {"is_disabled": True}


def test_thread_parts_are_replies_to_the_previous_message(
    bot: TelegramBotServer, tmp_path: Path, clock: FakeClock
) -> None:
    published = make(bot, tmp_path, clock).publish(post("one", thread=("two", "three")))
    first, second, third = bot.posts()
    assert [m["text"] for m in (first, second, third)] == ["one", "two", "three"]
    assert (first["reply_to"], second["reply_to"], third["reply_to"]) == (
        None,
        first["message_id"],
        second["message_id"],
    )
    assert published.remote_id == str(first["message_id"])


def test_a_thread_part_failing_never_sends_the_start_again(
    bot: TelegramBotServer, tmp_path: Path, clock: FakeClock
) -> None:
    adapter = make(bot, tmp_path, clock)
    bot.flood(30, after=1)  # the first message goes, the reply is refused
    with pytest.raises(PermanentError) as caught:
        adapter.publish(post("one", thread=("two",)))
    assert not isinstance(caught.value, TransientError)
    assert "part 2" in caught.value.message and "https://t.me/socialpost_news/" in caught.value.message
    assert [m["text"] for m in bot.posts()] == ["one"]


def test_a_photo_goes_with_its_caption(bot: TelegramBotServer, tmp_path: Path, clock: FakeClock) -> None:
    media = images(tmp_path, 1)
    make(bot, tmp_path, clock).publish(post("A photo", media=media, media_root=str(tmp_path)))
    (message,) = bot.posts()
    assert message["caption"] == "A photo" and message["media"] == ["photo"]
    assert bot.calls[-1][0] == "sendPhoto"


@pytest.mark.parametrize("count", [2, 10])
def test_an_album_of_2_to_10(bot: TelegramBotServer, tmp_path: Path, clock: FakeClock, count: int) -> None:
    media = images(tmp_path, count)
    published = make(bot, tmp_path, clock).publish(post("Album", media=media, media_root=str(tmp_path)))
    messages = bot.posts()
    assert len(messages) == count and bot.calls[-1][0] == "sendMediaGroup"
    assert [m["caption"] for m in messages] == ["Album"] + [""] * (count - 1)
    assert published.remote_id == str(messages[0]["message_id"])


def test_eleven_media_are_refused_before_anything_is_sent(
    bot: TelegramBotServer, tmp_path: Path, clock: FakeClock
) -> None:
    media = images(tmp_path, 11)
    with pytest.raises(ContentRejected):
        make(bot, tmp_path, clock).publish(post("Album", media=media, media_root=str(tmp_path)))
    assert bot.calls == [] and bot.posts() == []


def test_the_server_refuses_an_album_of_eleven_as_telegram_does(bot: TelegramBotServer) -> None:
    import httpx

    files = [(f"f{n}", (f"{n}.png", b"x", "image/png")) for n in range(11)]
    media = [{"type": "photo", "media": f"attach://f{n}"} for n in range(11)]
    answer = httpx.post(
        f"{bot.url}/bot{TOKEN}/sendMediaGroup",
        data={"chat_id": "@socialpost_news", "media": __import__("json").dumps(media)},
        files=files,
    )
    assert answer.status_code == 400
    assert answer.json()["description"] == "Bad Request: too many messages to send as an album"


def test_a_text_at_exactly_4096_goes_and_4097_is_rejected(
    bot: TelegramBotServer, tmp_path: Path, clock: FakeClock
) -> None:
    adapter = make(bot, tmp_path, clock)
    adapter.publish(post("a" * 4096))
    assert TelegramNetwork.profile.length.measure("a" * 4096)[0].over == 0
    assert TelegramNetwork.profile.length.measure("a" * 4097)[0].over == 1
    with pytest.raises(ContentRejected) as caught:
        adapter.publish(post("a" * 4097))
    assert "message is too long" in caught.value.message
    assert len(bot.posts()) == 1


def test_length_is_counted_in_utf16_units_as_telegram_does() -> None:
    assert utf16_length("😀") == 2 and utf16_length("é") == 1
    assert TelegramNetwork.profile.length.measure("😀" * 2048)[0].over == 0
    assert TelegramNetwork.profile.length.measure("😀" * 2048 + "a")[0].over == 1


def test_a_caption_at_exactly_1024_goes_and_1025_is_refused(
    bot: TelegramBotServer, tmp_path: Path, clock: FakeClock
) -> None:
    media = images(tmp_path, 1)
    adapter = make(bot, tmp_path, clock)
    adapter.publish(post("c" * 1024, media=media, media_root=str(tmp_path)))
    with pytest.raises(ContentRejected):
        adapter.publish(post("c" * 1025, media=media, media_root=str(tmp_path)))
    assert len(bot.posts()) == 1


def test_validate_knows_a_caption_limit_applies_only_with_media(tmp_path: Path) -> None:
    media = images(tmp_path, 1)
    assert CAPTION_CHECKS.problems(post("c" * 1024, media=media)) == []
    assert CAPTION_CHECKS.problems(post("c" * 4000)) == []
    (problem,) = CAPTION_CHECKS.problems(post("c" * 1025, media=media))
    assert "1,025" in problem and "1,024" in problem
    assert TelegramNetwork.profile.post_checks is CAPTION_CHECKS


def test_the_server_refuses_a_long_caption_as_telegram_does(bot: TelegramBotServer) -> None:
    import httpx

    answer = httpx.post(
        f"{bot.url}/bot{TOKEN}/sendPhoto",
        data={"chat_id": "@socialpost_news", "caption": "c" * 1025},
        files=[("photo", ("p.png", b"x", "image/png"))],
    )
    assert answer.status_code == 400
    assert answer.json() == {"ok": False, "error_code": 400, "description": "Bad Request: message caption is too long"}


def test_flood_control_is_rate_limited_until_retry_after(
    bot: TelegramBotServer, tmp_path: Path, clock: FakeClock
) -> None:
    bot.flood(42)
    with pytest.raises(RateLimited) as caught:
        make(bot, tmp_path, clock).publish(post())
    assert caught.value.retry_at is not None
    assert (caught.value.retry_at - clock()).total_seconds() == 42
    assert bot.posts() == []


def test_a_wrong_token_is_an_auth_error_without_the_token(
    bot: TelegramBotServer, tmp_path: Path, clock: FakeClock
) -> None:
    wrong = "7301234567:AAwrongwrongwrongwrongwrongwrong12345"
    with pytest.raises(AuthError) as caught:
        make(bot, tmp_path, clock, bot_token=wrong).publish(post())
    assert caught.value.status == 401 and "Unauthorized" in caught.value.message
    assert wrong not in str(caught.value) and wrong not in (caught.value.hint or "")


def test_chat_not_found_says_how_to_fix(bot: TelegramBotServer, tmp_path: Path, clock: FakeClock) -> None:
    with pytest.raises(PermanentError) as caught:
        make(bot, tmp_path, clock, chat="@nowhere").publish(post())
    assert "chat not found" in caught.value.message
    assert caught.value.hint and "Post messages" in caught.value.hint


@pytest.mark.parametrize(
    ("member", "can_post", "words"),
    [(False, False, "bot is not a member"), (True, False, "not enough rights")],
)
def test_a_bot_that_cannot_post_is_a_permanent_error_with_the_fix(
    bot: TelegramBotServer, tmp_path: Path, clock: FakeClock, member: bool, can_post: bool, words: str
) -> None:
    bot.channel.member, bot.channel.can_post = member, can_post
    with pytest.raises(PermanentError) as caught:
        make(bot, tmp_path, clock).publish(post())
    assert not isinstance(caught.value, TransientError | AuthError)
    assert words in caught.value.message and "administrator" in (caught.value.hint or "")


def test_a_5xx_is_transient(bot: TelegramBotServer, tmp_path: Path, clock: FakeClock) -> None:
    from tests.support.http import Reply

    bot.server.respond(Reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}))
    with pytest.raises(TransientError):
        make(bot, tmp_path, clock).publish(post())


def test_health_checks_the_bot_is_an_admin_who_can_post(
    bot: TelegramBotServer, tmp_path: Path, clock: FakeClock
) -> None:
    health = make(bot, tmp_path, clock).health()
    assert health.missing_permissions == () and health.warnings == ()
    assert "socialpost news" in health.display and health.details["bot"] == "@sp_poster_bot"
    bot.channel.can_post = False
    health = make(bot, tmp_path, clock).health()
    assert health.missing_permissions == ("can_post_messages",)
    (warning,) = health.warnings
    assert "Post messages" in warning.fix


def test_health_when_telegram_hides_the_member_list(bot: TelegramBotServer, tmp_path: Path, clock: FakeClock) -> None:
    bot.channel.members_hidden = True
    health = make(bot, tmp_path, clock).health()
    assert health.missing_permissions == ("can_post_messages",)
    assert "member list is inaccessible" in health.warnings[0].message and "Post messages" in health.warnings[0].fix


def test_health_of_a_channel_the_bot_left(bot: TelegramBotServer, tmp_path: Path, clock: FakeClock) -> None:
    bot.channel.member = False
    health = make(bot, tmp_path, clock).health()
    assert health.missing_permissions == ("can_post_messages",) and "left" in health.warnings[0].message


def test_not_a_reconciler_nor_a_metrics_reader() -> None:
    assert not issubclass(TelegramNetwork, Reconciler) and not issubclass(TelegramNetwork, MetricsReader)
    assert TelegramNetwork.profile.idempotent is False


class _UI:
    def __init__(self, answers: list[str]) -> None:
        self.answers, self.said = answers, []  # type: ignore[var-annotated]

    def say(self, text: str) -> None:
        self.said.append(text)

    def ask(self, prompt: str, *, default: str | None = None) -> str:
        return self.answers.pop(0)

    def ask_secret(self, prompt: str) -> str:
        return self.answers.pop(0)

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        return default


def test_guided_setup_checks_the_rights_and_keeps_the_token_secret(
    bot: TelegramBotServer, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TelegramNetwork, "setup_api", bot.url)
    context = AdapterContext(data_dir=tmp_path, base_dir=tmp_path, clock=clock)
    ui = _UI([TOKEN, "https://t.me/socialpost_news"])
    done = TelegramNetwork.setup(ui, account="telegram:news", context=context)  # type: ignore[arg-type]
    assert done.settings == {"chat": "@socialpost_news", "api_base_url": bot.url} and done.secrets == {
        "bot_token": TOKEN
    }
    assert any("can post" in line for line in ui.said)
    assert not any(TOKEN in line for line in ui.said)


def test_the_example_configs_telegram_section_is_valid() -> None:
    import yaml

    from tests.conftest import REPO

    text = (REPO / "config.example.yaml").read_text(encoding="utf-8")
    block = text.split("  # telegram:\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if not line.startswith("  #   "):  # the next section ("  # google-business:") or the end
            break
        lines.append(line.removeprefix("  # "))
    section = yaml.safe_load("\n".join(lines))  # the section, uncommented
    news = section["news"]
    news["bot_token"] = TOKEN
    settings = TelegramSettings.model_validate(news)
    assert settings.chat == "@cafe_riviere" and settings.silent is False and settings.link_previews is True


def test_validate_refuses_a_caption_over_1024_on_telegram_only(tmp_path: Path, clock: FakeClock) -> None:
    import json

    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext
    from socialpost.settings.config import load_settings

    images(tmp_path, 1)
    config = tmp_path / "config.yaml"
    config.write_text('accounts:\n  telegram:\n    news: {chat: "@c", bot_token: "1:x"}\n', encoding="utf-8")
    campaign = tmp_path / "c.yaml"
    body = {
        "campaign": "c",
        "timezone": "UTC",
        "accounts": ["telegram:news"],
        "posts": [
            {"id": "ok", "at": "2027-03-01 10:00", "text": "c" * 1024, "media": [{"file": "photo0.png", "alt": "x"}]},
            {"id": "long", "at": "2027-03-01 11:00", "text": "c" * 1025, "media": [{"file": "photo0.png", "alt": "x"}]},
            {"id": "text", "at": "2027-03-01 12:00", "text": "c" * 4096},
        ],
    }
    campaign.write_text(json.dumps(body), encoding="utf-8")
    app = AppContext(clock=clock, settings_override=load_settings(str(config)))
    result = CliRunner().invoke(cli, ["validate", str(campaign), "--json"], obj=app)
    data = json.loads(result.stdout)
    messages = [e["message"] for e in data["errors"]]
    assert len(messages) == 1 and "1,025" in messages[0] and "caption" in messages[0], messages
    assert result.exit_code != 0
