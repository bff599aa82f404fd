"""The webhook adapter against a real local HTTP server: the request, every answer, every failure."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialpost.errors import (
    ConfigError,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.networks.base import Media, OutgoingPost, Published
from socialpost.networks.common.http import retry_after
from socialpost.networks.webhook import WebhookNetwork
from socialpost.settings.config import Settings, load_settings
from socialpost.wiring import Adapters
from tests.conftest import FakeClock
from tests.support.http import LocalServer, Reply, Request

TOKEN = "T0k3n-9f8e7d6c5b4a3210-s3cr3t"
POST = OutgoingPost(
    key="sp-0123456789abcdef0123456789abcdef01234567",
    campaign="spring-launch",
    post_id="teaser",
    account="webhook:team",
    text="Quelque chose de nouveau arrive… ☕ <b>&</b>",
    due_at=datetime(2027, 3, 2, 9, 0, tzinfo=UTC) + timedelta(hours=5),
    thread=("2/2 la suite",),
)
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4  # a JPEG's first bytes, then every byte value


@pytest.fixture(scope="module")
def shared_server() -> Iterator[LocalServer]:
    with LocalServer() as running:  # shutting one down takes 0.5 s: one per module
        yield running


@pytest.fixture
def server(shared_server: LocalServer) -> LocalServer:
    shared_server.requests.clear()
    shared_server.respond(Reply(200, {"ok": True}))
    return shared_server


def hook_url(server: LocalServer) -> str:
    return f"{server.url}/hooks/{TOKEN}?channel=news"


def webhook(settings: Settings, clock: FakeClock, url: str, **more: Any) -> WebhookNetwork:
    settings.accounts = {"webhook": {"team": {"url": url, **more}}}
    adapter = Adapters(settings, clock=clock).get("webhook:team")
    assert isinstance(adapter, WebhookNetwork)
    return adapter


@pytest.fixture
def hook(settings: Settings, clock: FakeClock, server: LocalServer) -> Iterator[WebhookNetwork]:
    adapter = webhook(settings, clock, hook_url(server), timeout=2)
    yield adapter
    adapter.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the request ------------------------------------------------------------------------------------


def test_request_body_and_headers_are_as_documented(
    settings: Settings, clock: FakeClock, server: LocalServer, tmp_path: Path
) -> None:
    image = tmp_path / "img" / "teaser.jpg"
    image.parent.mkdir()
    image.write_bytes(JPEG)
    post = dataclasses.replace(POST, media=(Media(str(image), "Un sac de café"),), media_root=str(tmp_path))
    adapter = webhook(settings, clock, hook_url(server), headers={"X-Team": "blue"})
    adapter.publish(post)

    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == f"/hooks/{TOKEN}?channel=news"
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["idempotency-key"] == POST.key
    assert headers["user-agent"] == "socialpost"
    assert headers["x-team"] == "blue"
    assert request.json == {
        "id": "teaser",
        "campaign": "spring-launch",
        "account": "webhook:team",
        "text": "Quelque chose de nouveau arrive… ☕ <b>&</b>",
        "thread": ["2/2 la suite"],
        "media": [
            {
                "file": str(image),
                "alt": "Un sac de café",
                "name": "teaser.jpg",
                "type": "image/jpeg",
                "size": len(JPEG),
                "sha256": hashlib.sha256(JPEG).hexdigest(),
                "data": base64.b64encode(JPEG).decode("ascii"),
                "url": None,
            }
        ],
        "due_at": "2027-03-02T14:00:00Z",
        "idempotency_key": POST.key,
    }


# --- 2xx --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            Reply(200, {"id": "msg-42", "url": "https://chat.example/m/42"}),
            Published("msg-42", "https://chat.example/m/42"),
        ),
        (Reply(200, {"id": 42}), Published("42", None)),
        (Reply(200, {"ok": True}), Published(POST.key, None)),
        (Reply(200), Published(POST.key, None)),
        (Reply(200, "ok"), Published(POST.key, None)),
        (Reply(200, b"[1, 2]", {"Content-Type": "application/json"}), Published(POST.key, None)),
        (Reply(201, {"id": "created-7"}), Published("created-7", None)),
        (Reply(202, {"url": "https://x.example/q/1"}), Published(POST.key, "https://x.example/q/1")),
        (Reply(204), Published(POST.key, None)),
    ],
)
def test_2xx_is_published(hook: WebhookNetwork, server: LocalServer, reply: Reply, expected: Published) -> None:
    server.respond(reply)
    assert hook.publish(POST) == expected
    assert len(server.requests) == 1


# --- 429 and 5xx: try again later -------------------------------------------------------------------


def test_429_with_retry_after_seconds(hook: WebhookNetwork, server: LocalServer, clock: FakeClock) -> None:
    server.respond(Reply(429, "slow down", {"Retry-After": "120"}))
    with pytest.raises(RateLimited) as caught:
        hook.publish(POST)
    error = caught.value
    assert isinstance(error, TransientError)
    assert error.status == 429
    assert error.retry_at == clock() + timedelta(seconds=120)
    assert "too many requests (429)" in str(error)
    assert "slow down" in str(error)


def test_429_with_retry_after_http_date(hook: WebhookNetwork, server: LocalServer) -> None:
    server.respond(Reply(429, None, {"Retry-After": "Wed, 13 Jan 2027 08:00:00 GMT"}))
    with pytest.raises(RateLimited) as caught:
        hook.publish(POST)
    assert caught.value.retry_at == datetime(2027, 1, 13, 8, 0, tzinfo=UTC)


def test_429_without_retry_after(hook: WebhookNetwork, server: LocalServer) -> None:
    server.respond(Reply(429))
    with pytest.raises(RateLimited) as caught:
        hook.publish(POST)
    assert caught.value.retry_at is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", datetime(2027, 1, 10, 12, 0, tzinfo=UTC)),
        (" 30 ", datetime(2027, 1, 10, 12, 0, 30, tzinfo=UTC)),
        ("Wed, 13 Jan 2027 10:00:00 +0200", datetime(2027, 1, 13, 8, 0, tzinfo=UTC)),
        ("Wed, 13 Jan 2027 08:00:00 -0000", datetime(2027, 1, 13, 8, 0, tzinfo=UTC)),
        ("99999999999999999999", datetime(2027, 1, 17, 12, 0, tzinfo=UTC)),  # capped at 7 days, no crash
        ("Sat, 01 Jan 2050 00:00:00 GMT", datetime(2027, 1, 17, 12, 0, tzinfo=UTC)),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("", None),
        (None, None),
    ],
)
def test_retry_after_values(value: str | None, expected: datetime | None) -> None:
    result = retry_after(value, datetime(2027, 1, 10, 12, 0, tzinfo=UTC))
    assert result == expected
    if result is not None:
        assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_transient(hook: WebhookNetwork, server: LocalServer, status: int) -> None:
    server.respond(Reply(status, "upstream exploded"))
    with pytest.raises(TransientError) as caught:
        hook.publish(POST)
    error = caught.value
    assert not isinstance(error, RateLimited)
    assert error.status == status
    assert error.retry_at is None
    assert f"the receiver failed ({status})" in str(error)
    assert "upstream exploded" in str(error)


def test_503_honours_retry_after(hook: WebhookNetwork, server: LocalServer, clock: FakeClock) -> None:
    server.respond(Reply(503, None, {"Retry-After": "45"}))
    with pytest.raises(TransientError) as caught:
        hook.publish(POST)
    assert caught.value.retry_at == clock() + timedelta(seconds=45)


# --- 4xx: do not retry ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "shown"),
    [
        (400, {"error": "text is required"}, '{"error": "text is required"}'),
        (404, "No such hook", "No such hook"),
        (422, "field 'channel'\n  is unknown", "field 'channel' is unknown"),
    ],
)
def test_4xx_is_permanent_with_the_receivers_message(
    hook: WebhookNetwork, server: LocalServer, status: int, body: Any, shown: str
) -> None:
    server.respond(Reply(status, body))
    with pytest.raises(PermanentError) as caught:
        hook.publish(POST)
    error = caught.value
    assert error.status == status
    assert f"rejected the post ({status})" in str(error)
    assert f"The receiver said: {shown}" in str(error)


@pytest.mark.parametrize("status", [401, 403])
def test_401_403_say_to_check_the_credentials(hook: WebhookNetwork, server: LocalServer, status: int) -> None:
    server.respond(Reply(status, "bad token"))
    with pytest.raises(PermanentError) as caught:
        hook.publish(POST)
    error = caught.value
    assert error.status == status
    assert "refused our credentials" in error.message
    assert error.hint is not None and "token" in error.hint and "headers" in error.hint
    assert "bad token" in str(error)


def test_a_redirect_is_not_followed_and_says_so(hook: WebhookNetwork, server: LocalServer) -> None:
    server.respond(Reply(301, None, {"Location": f"https://new.example/hooks/{TOKEN}"}))
    with pytest.raises(PermanentError) as caught:
        hook.publish(POST)
    assert caught.value.status == 301
    assert "redirect" in str(caught.value)
    assert len(server.requests) == 1


def test_a_very_long_error_body_is_truncated(hook: WebhookNetwork, server: LocalServer) -> None:
    server.respond(Reply(400, "x" * 290 + "END-OF-EXCERPT" + "y" * 5000))
    with pytest.raises(PermanentError) as caught:
        hook.publish(POST)
    message = caught.value.message
    assert "x" * 290 + "END-OF-EXC…" in message
    assert "y" not in message.split("The receiver said: ")[1]
    assert len(message) < 500


# --- no answer --------------------------------------------------------------------------------------


def test_a_slow_receiver_times_out_after_sending(settings: Settings, clock: FakeClock, server: LocalServer) -> None:
    adapter = webhook(settings, clock, hook_url(server), timeout=0.3)
    server.respond(Reply(200, {"id": "late"}, delay=1.0))
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        adapter.publish(POST)
    elapsed = time.monotonic() - started
    adapter.close()
    assert caught.value.request_sent is True
    assert "no answer within 0.3 s" in str(caught.value)
    assert 0.25 < elapsed < 0.95  # the answer would come at 1 s
    assert len(server.requests) == 1  # it did reach the receiver


def test_connection_refused_is_transient_and_not_sent(settings: Settings, clock: FakeClock) -> None:
    adapter = webhook(settings, clock, f"http://127.0.0.1:{closed_port()}/hooks/{TOKEN}", timeout=2)
    with pytest.raises(TransientError) as caught:
        adapter.publish(POST)
    assert caught.value.request_sent is False
    assert "cannot connect" in str(caught.value)


def test_connection_closed_without_an_answer(hook: WebhookNetwork, server: LocalServer) -> None:
    server.respond(Reply(reset=True))
    with pytest.raises(TransientError) as caught:
        hook.publish(POST)
    assert caught.value.request_sent is True
    assert "connection broke" in str(caught.value)
    assert len(server.requests) == 1


def test_the_client_recovers_after_a_failure_and_after_close(hook: WebhookNetwork, server: LocalServer) -> None:
    server.respond([Reply(reset=True), Reply(200, {"id": "a"}), Reply(200, {"id": "b"})])
    with pytest.raises(TransientError):
        hook.publish(POST)
    assert hook.publish(POST).remote_id == "a"
    hook.close()
    assert hook.publish(POST).remote_id == "b"


# --- secrets ----------------------------------------------------------------------------------------


def echo_path(request: Request) -> Reply:
    return Reply(404, f"No route for POST {request.path} (full URL http://127.0.0.1{request.path})")


@pytest.mark.parametrize(
    "how",
    [
        Reply(400, "bad"),
        Reply(401),
        Reply(403, {"error": "forbidden"}),
        Reply(422, "x" * 1000),
        Reply(429, None, {"Retry-After": "5"}),
        Reply(500, "oops"),
        Reply(302, None, {"Location": f"/hooks/{TOKEN}/v2"}),
        echo_path,
        Reply(reset=True),
        Reply(200, delay=1.0),
        "refused",
    ],
    ids=lambda how: how if isinstance(how, str) else getattr(how, "status", "echo"),
)
def test_the_url_token_never_appears_in_errors_or_logs(
    settings: Settings,
    clock: FakeClock,
    server: LocalServer,
    caplog: pytest.LogCaptureFixture,
    how: Any,
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/hooks/{TOKEN}" if how == "refused" else hook_url(server)
    if how != "refused":
        server.respond(how)
    adapter = webhook(settings, clock, url, timeout=0.3)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # another test may have quietened httpx

    with pytest.raises(NetworkError) as caught:
        adapter.publish(POST)
    adapter.close()

    error = caught.value
    texts = [str(error), repr(error), error.message, error.hint or "", *map(str, error.args)]
    assert all(TOKEN not in text for text in texts), texts
    assert error.__cause__ is None, "no chained exception may carry the URL"
    assert error.__context__ is None or error.__suppress_context__
    assert caplog.records, "httpx/httpcore should have logged something at DEBUG"
    assert TOKEN not in caplog.text
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_the_echoed_path_is_redacted_but_the_rest_of_the_message_kept(
    hook: WebhookNetwork, server: LocalServer
) -> None:
    server.respond(echo_path)
    with pytest.raises(PermanentError) as caught:
        hook.publish(POST)
    assert "No route for POST [redacted]" in str(caught.value)


def test_a_successful_post_logs_no_token(hook: WebhookNetwork, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # another test may have quietened httpx
    hook.publish(POST)
    assert any(record.name == "httpx" for record in caplog.records)
    assert TOKEN not in caplog.text


def test_check_shows_the_host_only(hook: WebhookNetwork) -> None:
    identity = hook.health()
    assert identity.display == "POST to 127.0.0.1"
    assert TOKEN not in str(identity)
    assert identity.details == {"timeout": "2 s", "media": "inline, up to 7,000,000 bytes a post"}


# --- reconcile --------------------------------------------------------------------------------------


def test_reconcile_resends_with_the_same_key(hook: WebhookNetwork, server: LocalServer) -> None:
    server.respond([Reply(reset=True), Reply(200, {"id": "dedup-1"})])
    with pytest.raises(TransientError) as caught:
        hook.publish(POST)
    assert caught.value.request_sent is True
    assert hook.profile.idempotent is True

    assert hook.reconcile(POST) == Published("dedup-1", None)
    keys = [r.headers["Idempotency-Key"] for r in server.requests]
    assert keys == [POST.key, POST.key]
    assert server.requests[0].body == server.requests[1].body


# --- settings ---------------------------------------------------------------------------------------


def test_url_from_the_environment(settings: Settings, clock: FakeClock, server: LocalServer) -> None:
    settings.accounts = {
        "webhook": {"team": {"url": "${HOOK_URL}", "headers": {"Authorization": "Bearer ${HOOK_KEY}"}}}
    }
    adapters = Adapters(settings, clock=clock, environ={"HOOK_URL": hook_url(server), "HOOK_KEY": "k-123"})
    adapters.get("webhook:team").publish(POST)
    adapters.close()
    (request,) = server.requests
    assert request.path == f"/hooks/{TOKEN}?channel=news"
    assert request.headers["Authorization"] == "Bearer k-123"


def test_url_from_the_process_environment(
    settings: Settings, clock: FakeClock, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_URL", hook_url(server))
    settings.accounts = {"webhook": {"team": {"url": "${HOOK_URL}"}}}
    adapters = Adapters(settings, clock=clock)
    adapters.get("webhook:team").publish(POST)
    adapters.close()
    assert len(server.requests) == 1


def test_a_missing_environment_variable_is_named(settings: Settings, clock: FakeClock) -> None:
    settings.accounts = {"webhook": {"team": {"url": "${HOOK_URL}"}}}
    adapters = Adapters(settings, clock=clock, environ={})
    with pytest.raises(ConfigError) as caught:
        adapters.check_configured("webhook:team")
    assert "accounts.webhook.team.url" in str(caught.value)
    assert "environment variable HOOK_URL is not set" in str(caught.value)
    assert "export HOOK_URL=" in str(caught.value)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, "accounts.webhook.team.url: Field required"),
        ({"url": f"ftp://files.example/{TOKEN}"}, "accounts.webhook.team.url: URL scheme should be 'http' or 'https'"),
        ({"url": f"not a url {TOKEN}"}, "accounts.webhook.team.url: Input should be a valid URL"),
        (
            {"url": "https://h.example/x", "timeout": -1},
            "accounts.webhook.team.timeout: Input should be greater than 0",
        ),
        ({"url": "https://h.example/x", "timout": 3}, "accounts.webhook.team.timout: Extra inputs are not permitted"),
    ],
)
def test_invalid_settings_without_a_config_file(
    settings: Settings, clock: FakeClock, values: dict[str, Any], expected: str
) -> None:
    settings.accounts = {"webhook": {"team": values}}
    with pytest.raises(ConfigError) as caught:
        Adapters(settings, clock=clock).check_configured("webhook:team")
    assert expected in str(caught.value)
    assert TOKEN not in str(caught.value), "pydantic's input_value must not be shown"


CONFIG = """\
# socialpost configuration
accounts:
  webhook:
    ok:
      url: ${{HOOK_URL}}
    team:
{team}
"""


@pytest.mark.parametrize(
    ("team", "expected"),
    [
        ("      timeout: 5", "config.yaml:7:7: missing required key 'url'."),
        (f"      url: ftp://files.example/{TOKEN}", "config.yaml:7:12: 'url': URL scheme should be 'http' or 'https'."),
        (
            "      url: https://h.example/x\n      timeout: -2",
            "config.yaml:8:16: 'timeout': input should be greater than 0.",
        ),
        (
            "      url: https://h.example/x\n      timout: 3",
            "config.yaml:8:7: unknown key 'timout'. Did you mean 'timeout'?",
        ),
        (
            "      url: ${MISSING_HOOK}",
            "config.yaml:7:12: accounts.webhook.team.url: the environment variable MISSING_HOOK",
        ),
    ],
)
def test_invalid_settings_in_a_config_file_have_positions(
    tmp_path: Path, clock: FakeClock, team: str, expected: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(team=team), encoding="utf-8")
    settings = load_settings(str(config), environ={"SOCIALPOST_DATA_DIR": str(tmp_path / "data")})
    adapters = Adapters(settings, clock=clock, environ={"HOOK_URL": "https://ok.example/hook"})

    adapters.check_configured("webhook:ok")
    with pytest.raises(ConfigError) as caught:
        adapters.check_configured("webhook:team")

    message = str(caught.value)
    assert f"{config.parent}/{expected}" in message
    assert TOKEN not in str(caught.value)


def test_the_timeout_setting_is_used(settings: Settings, clock: FakeClock, server: LocalServer) -> None:
    adapter = webhook(settings, clock, hook_url(server), timeout=1.5)
    server.respond(Reply(200, {"id": "slow-but-ok"}, delay=0.5))
    assert adapter.publish(POST).remote_id == "slow-but-ok"
    adapter.close()
