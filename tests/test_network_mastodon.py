"""The Mastodon adapter: Mastodon.py runs for real against mastodon_mock (a stateful local fake of
Mastodon's API, started once per session) and, for what that fake cannot show (exact rate-limit
headers, 5xx, timeouts), against a LocalServer answering like Mastodon; media processed in the
background (videos) against MastodonMediaServer, which answers and refuses as Mastodon 4.x does."""

from __future__ import annotations

import json
import logging
import re
import socket
import stat
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from mastodon import Mastodon
from mastodon.errors import MastodonAPIError
from PIL import Image
from pydantic import ValidationError

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.errors import AuthError, ContentRejected, PermanentError, RateLimited, TransientError
from socialpost.networks.base import AdapterContext, Media, NotSent, OutgoingPost, Published
from socialpost.networks.mastodon import (
    KEY_LIFETIME,
    MEDIA_WAIT_SECONDS,
    MastodonLimits,
    MastodonNetwork,
    MastodonSettings,
    normalise_instance_url,
)
from tests.conftest import FakeClock
from tests.servers.mastodon import MastodonMock, mastodon_mock  # noqa: F401  (session fixture)
from tests.servers.mastodon_media import NOT_READY, MastodonMediaServer
from tests.servers.mastodon_media import TOKEN as MEDIA_TOKEN
from tests.support import posts
from tests.support.http import LocalServer, Reply, Request

SECRET = "tok-9f8e7d6c5b4a-s3cr3t-Mastodon"


def now() -> datetime:
    return datetime.now(UTC)


def make(
    url: str,
    tmp_path: Path,
    *,
    token: str = "mock_token",
    clock: Callable[[], datetime] = now,
    **settings: Any,
) -> MastodonNetwork:
    model = MastodonSettings(api_base_url=url, access_token=token, **settings)
    context = AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path, clock=clock)
    return MastodonNetwork(account="mastodon:acme", settings=model, context=context)


def outgoing(text: str, *, key: str | None = None, due_at: datetime | None = None, **kw: Any) -> OutgoingPost:
    return posts.outgoing("mastodon:acme", text, due_at=due_at or now(), key=key or f"sp-{uuid.uuid4().hex}", **kw)


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


def client(server: MastodonMock) -> Mastodon:
    """Mastodon.py on the test's side, to read back what the adapter did."""
    return Mastodon(access_token=server.token, api_base_url=server.url, version_check_mode="none")


def png(path: Path) -> Path:
    Image.new("RGB", (40, 30), (200, 120, 40)).save(path, format="PNG")
    return path


def own_statuses(server: MastodonMock) -> list[Any]:
    api = client(server)
    me = api.account_verify_credentials()
    return list(api.account_statuses(me["id"], limit=40))


# --- against mastodon_mock -------------------------------------------------------------------------


@pytest.fixture
def mock(mastodon_mock: MastodonMock) -> MastodonMock:  # noqa: F811
    mastodon_mock.clear_faults()
    return mastodon_mock


def test_publish_posts_the_text_with_the_account_settings(mock: MastodonMock, tmp_path: Path) -> None:
    net = make(mock.url, tmp_path, visibility="unlisted", language="fr")
    text = unique("Quelque chose de nouveau arrive… ☕ #Sherbrooke https://example.com/launch")
    published = net.publish(outgoing(text))

    status = client(mock).status(published.remote_id)
    assert published.url is not None and published.url == status["url"]
    assert published.url.endswith(f"/{published.remote_id}")
    assert status["visibility"] == "unlisted" and status["language"] == "fr"
    assert status["in_reply_to_id"] is None
    assert client(mock).status_source(published.remote_id)["text"] == text


def test_the_posts_own_language_wins_over_the_accounts(mock: MastodonMock, tmp_path: Path) -> None:
    net = make(mock.url, tmp_path, language="en")
    published = net.publish(outgoing(unique("Bonjour tout le monde"), language="fr-CA"))
    assert client(mock).status(published.remote_id)["language"] == "fr"  # ISO 639: the region goes


def test_a_thread_is_a_chain_of_replies(mock: MastodonMock, tmp_path: Path) -> None:
    net = make(mock.url, tmp_path)
    post = outgoing(unique("1/3 first"), thread=(unique("2/3 second"), unique("3/3 third")))
    published = net.publish(post)

    api = client(mock)
    descendants = api.status_context(published.remote_id)["descendants"]
    assert len(descendants) == 2
    second, third = sorted(descendants, key=lambda s: int(s["id"]))
    assert str(second["in_reply_to_id"]) == published.remote_id
    assert str(third["in_reply_to_id"]) == str(second["id"])
    assert api.status_source(second["id"])["text"] == post.thread[0]
    assert api.status_source(third["id"])["text"] == post.thread[1]


def test_media_goes_up_with_its_alt_text(mock: MastodonMock, tmp_path: Path) -> None:
    image = png(tmp_path / "teaser.png")
    net = make(mock.url, tmp_path)
    alt = "Un sac de café en vrac sur un comptoir"
    published = net.publish(outgoing(unique("With a picture"), media=(Media(str(image), alt),)))

    attachments = client(mock).status(published.remote_id)["media_attachments"]
    assert len(attachments) == 1
    assert attachments[0]["description"] == alt and attachments[0]["type"] == "image"


def test_sending_again_with_the_same_key_returns_the_same_statuses(mock: MastodonMock, tmp_path: Path) -> None:
    # mastodon_mock implements Idempotency-Key (routers/statuses.py: a known key returns the prior status)
    net = make(mock.url, tmp_path)
    post = outgoing(unique("once only"), thread=(unique("reply once"),))
    first = net.publish(post)
    again = make(mock.url, tmp_path).publish(post)  # a new adapter: as after a daemon restart

    assert again == first
    texts = [s["content"] for s in own_statuses(mock)]
    assert sum(post.text in t for t in texts) == 1
    assert sum(post.thread[0] in t for t in texts) == 1


def test_after_a_read_timeout_the_resend_makes_exactly_one_status(mock: MastodonMock, tmp_path: Path) -> None:
    # The instance is slow and our read timeout fires. (mastodon_mock abandons a request whose client
    # has gone, so here the first attempt made nothing; the case where it did is the resend test above.)
    net = make(mock.url, tmp_path, timeout=0.5)
    net.limits()
    mock.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "latency", "delay_ms": 1000},
            "count": 1,
        }
    )
    post = outgoing(unique("slow instance"))
    with pytest.raises(TransientError) as caught:
        net.publish(post)
    assert caught.value.request_sent and "no answer within 0.5 s" in str(caught.value)
    time.sleep(0.7)  # let the slow request end on the server
    again = net.publish(post)  # what the daemon does next: the adapter is idempotent
    matching = [s for s in own_statuses(mock) if post.text in s["content"]]
    assert [str(s["id"]) for s in matching] == [again.remote_id]


def test_the_instance_rejects_text_over_its_limit_with_422(mock: MastodonMock, tmp_path: Path) -> None:
    # Our cache says the instance allows 1000 (as if the admin lowered the limit since): the post
    # reaches the instance, which enforces 500.
    net = make(mock.url, tmp_path)
    fresh = MastodonLimits(max_characters=1000, domain="localhost", fetched_at=now())
    net.cache_file.parent.mkdir(parents=True)
    net.cache_file.write_text(json.dumps({"api_base_url": mock.url, "limits": fresh.as_json()}), encoding="utf-8")
    before = len(own_statuses(mock))

    with pytest.raises(ContentRejected) as caught:
        net.publish(outgoing("x" * 501))
    assert caught.value.status == 422
    assert "the instance rejected the post (422)" in str(caught.value)
    assert "Text is too long (maximum is 500 characters)" in str(caught.value)
    assert len(own_statuses(mock)) == before


def test_text_over_the_instance_limit_is_refused_before_sending(mock: MastodonMock, tmp_path: Path) -> None:
    net = make(mock.url, tmp_path)
    before = len(own_statuses(mock))
    with pytest.raises(ContentRejected) as caught:
        net.publish(outgoing("ok", thread=("y" * 480 + " https://example.com/" + "p" * 200,)))
    message = str(caught.value)
    assert "part 2 of 2 of the thread is 504 characters" in message
    assert "allows 500 (links count as 23)" in message and "Shorten it by 4 characters" in message
    assert caught.value.status is None
    assert len(own_statuses(mock)) == before


def test_a_bad_token_is_an_auth_error_with_the_fix(mock: MastodonMock, tmp_path: Path) -> None:
    net = make(mock.url, tmp_path, token=SECRET)
    with pytest.raises(AuthError) as caught:
        net.publish(outgoing("hello"))
    assert caught.value.status == 401
    assert "refused the access token (401)" in str(caught.value)
    assert "socialpost accounts add mastodon acme" in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)
    with pytest.raises(AuthError):
        net.health()


def test_metrics_read_back_favourites_boosts_and_replies(mock: MastodonMock, tmp_path: Path) -> None:
    net = make(mock.url, tmp_path)
    published = net.publish(outgoing(unique("like me"), thread=(unique("a reply"),)))
    api = client(mock)
    api.status_favourite(published.remote_id)
    api.status_reblog(published.remote_id)

    metrics = net.fetch_metrics([published.remote_id])
    assert metrics == {
        published.remote_id: {
            "views": None,
            "likes": 1,
            "reposts": 1,
            "replies": 1,
            "quotes": None,  # mastodon_mock has no quotes_count (Mastodon 4.5+ does)
            "bookmarks": None,
            "clicks": None,
        }
    }


def test_metrics_leave_out_a_deleted_status(mock: MastodonMock, tmp_path: Path) -> None:
    net = make(mock.url, tmp_path)
    kept = net.publish(outgoing(unique("kept")))
    gone = net.publish(outgoing(unique("deleted")))
    client(mock).status_delete(gone.remote_id)
    assert set(net.fetch_metrics([kept.remote_id, gone.remote_id])) == {kept.remote_id}


def test_rate_limit_from_the_instance_carries_its_reset_time(mock: MastodonMock, tmp_path: Path) -> None:
    reset = (now() + timedelta(minutes=4)).replace(microsecond=0)
    net = make(mock.url, tmp_path)
    net.limits()  # read before the fault, so the 429 hits the status itself
    mock.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "ratelimit", "headers": {"X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z")}},
            "count": 1,
        }
    )
    with pytest.raises(RateLimited) as caught:
        net.publish(outgoing(unique("too fast")))
    assert caught.value.status == 429 and not caught.value.request_sent
    assert caught.value.retry_at is not None
    assert abs((caught.value.retry_at - reset).total_seconds()) <= 2  # Mastodon.py corrects by the Date header
    assert net.publish(outgoing(unique("later"))).remote_id  # the fault was used up


def test_a_server_error_from_the_instance_is_transient(mock: MastodonMock, tmp_path: Path) -> None:
    net = make(mock.url, tmp_path)
    net.limits()
    mock.add_fault(
        {"match": {"methods": ["POST"], "path": "/api/v1/statuses"}, "effect": {"type": "status", "status": 503}}
    )
    with pytest.raises(TransientError) as caught:
        net.publish(outgoing(unique("down")))
    assert caught.value.status == 503 and caught.value.request_sent
    assert "the instance failed (503)" in str(caught.value)
    assert "Service temporarily unavailable" in str(caught.value)


def test_check_says_who_we_post_as_and_the_instance_limits(mock: MastodonMock, tmp_path: Path) -> None:
    identity = make(mock.url, tmp_path, visibility="private").health()
    host = mock.url.removeprefix("http://").replace("127.0.0.1", "localhost")
    assert identity.display == f"@testuser@{host}"
    assert identity.details["characters per post"] == "500"
    assert identity.details["media per post"] == "4"
    assert identity.details["visibility"] == "private"


def test_reconcile_within_the_key_lifetime_sends_again_safely(mock: MastodonMock, tmp_path: Path) -> None:
    net = make(mock.url, tmp_path)
    post = outgoing(unique("maybe sent"), thread=(unique("maybe reply"),))
    first = net.publish(post)
    assert net.reconcile(post) == first
    assert sum(post.thread[0] in s["content"] for s in own_statuses(mock)) == 1


def test_reconcile_after_the_key_lifetime_finds_the_post(mock: MastodonMock, tmp_path: Path) -> None:
    due = now() - timedelta(minutes=1)
    post = outgoing(unique("Spring is here & so are we — https://example.com/spring"), due_at=due)
    first = make(mock.url, tmp_path).publish(post)

    later = make(mock.url, tmp_path, clock=lambda: now() + KEY_LIFETIME + timedelta(minutes=5))
    assert later.reconcile(post) == first


def test_reconcile_after_the_key_lifetime_finishes_a_broken_thread(mock: MastodonMock, tmp_path: Path) -> None:
    due = now() - timedelta(minutes=1)
    post = outgoing(unique("thread head"), due_at=due, thread=(unique("second"), unique("third")))
    head_only = outgoing(post.text, key=post.key, due_at=due)
    first = make(mock.url, tmp_path).publish(head_only)  # the daemon died after part 1

    later = make(mock.url, tmp_path, clock=lambda: now() + KEY_LIFETIME + timedelta(minutes=5))
    assert later.reconcile(post) == first
    descendants = client(mock).status_context(first.remote_id)["descendants"]
    assert sorted(client(mock).status_source(d["id"])["text"] for d in descendants) == sorted(post.thread)


def test_reconcile_after_the_key_lifetime_proves_a_post_absent(mock: MastodonMock, tmp_path: Path) -> None:
    post = outgoing(unique("never sent"), due_at=now() - timedelta(minutes=1))
    later = make(mock.url, tmp_path, clock=lambda: now() + KEY_LIFETIME + timedelta(minutes=5))
    found = later.reconcile(post)
    assert isinstance(found, NotSent) and "no status of this account since" in found.reason


# --- the set-up through the CLI, against mastodon_mock's OAuth endpoints ---------------------------


def run_cli(config: Path, *args: str, input: str) -> Any:
    return CliRunner().invoke(cli, ["--config", str(config), *args], obj=AppContext(), input=input)


def test_accounts_add_logs_in_through_the_instance(mock: MastodonMock, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("", encoding="utf-8")
    # instance, 1 = log in, the code mastodon_mock shows for testuser, 2 = unlisted, language
    answers = f"{mock.url}\n1\nmockcode_testuser\n2\nfr\n"
    result = run_cli(config, "accounts", "add", "mastodon", "acme", input=answers)
    assert result.exit_code == 0, result.output + result.stderr
    assert "Connected mastodon:acme: @testuser@" in result.stdout
    assert f"{mock.url}/oauth/authorize?client_id=" in result.stdout  # shown to open in a browser

    secrets_file = tmp_path / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    stored = yaml.safe_load(secrets_file.read_text(encoding="utf-8"))["mastodon:acme"]
    assert set(stored) == {"access_token", "client_id", "client_secret"}
    for secret in (stored["access_token"], stored["client_secret"]):
        assert secret not in result.stdout + result.stderr
        assert secret not in config.read_text(encoding="utf-8")
    saved = yaml.safe_load(config.read_text(encoding="utf-8"))["accounts"]["mastodon"]["acme"]
    assert saved == {"api_base_url": mock.url, "visibility": "unlisted", "language": "fr"}

    # the token works: the account can be tested and posts
    tested = run_cli(config, "accounts", "test", "mastodon:acme", input="")
    assert tested.exit_code == 0 and "@testuser@" in tested.stdout
    assert stored["access_token"] not in tested.stdout
    net = make(mock.url, tmp_path, token=stored["access_token"])
    assert net.publish(outgoing(unique("through OAuth"))).remote_id


def test_accounts_add_with_a_pasted_token(mock: MastodonMock, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("", encoding="utf-8")
    # a first answer that is refused (plain http to a remote host), then the right one
    answers = f"http://mastodon.example\n{mock.url}\n2\nmock_token\n1\n\n"
    result = run_cli(config, "accounts", "add", "mastodon", "acme", input=answers)
    assert result.exit_code == 0, result.output + result.stderr
    assert "That does not work: use https:// for the instance address" in result.stdout
    assert "Preferences → Development" in result.stdout and "Connected mastodon:acme: @testuser@" in result.stdout
    assert "mock_token" not in result.stdout + result.stderr
    secrets_file = tmp_path / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert yaml.safe_load(secrets_file.read_text(encoding="utf-8")) == {"mastodon:acme": {"access_token": "mock_token"}}
    saved = yaml.safe_load(config.read_text(encoding="utf-8"))["accounts"]["mastodon"]["acme"]
    assert saved == {"api_base_url": mock.url, "visibility": "public"}


def test_accounts_add_with_a_wrong_code_saves_nothing(mock: MastodonMock, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("", encoding="utf-8")
    result = run_cli(config, "accounts", "add", "mastodon", "acme", input=f"{mock.url}\n1\nnot-a-code\n")
    assert result.exit_code != 0
    assert "did not accept that authorization code" in result.output + result.stderr
    assert "acme" not in config.read_text(encoding="utf-8")
    assert not (tmp_path / "secrets.yaml").exists()


def test_accounts_add_with_a_revoked_token_saves_nothing(mock: MastodonMock, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("", encoding="utf-8")
    result = run_cli(config, "accounts", "add", "mastodon", "acme", input=f"{mock.url}\n2\n{SECRET}\n1\n\n")
    assert result.exit_code != 0
    assert "refused the access token (401)" in result.output + result.stderr
    assert SECRET not in result.output + result.stderr
    assert not (tmp_path / "secrets.yaml").exists()


# --- against a LocalServer answering like Mastodon ---------------------------------------------------

ISO = "%Y-%m-%dT%H:%M:%S.000Z"


def instance_json(**config: Any) -> dict[str, Any]:
    statuses = {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23}
    statuses.update(config.pop("statuses", {}))
    return {
        "domain": "example.social",
        "title": "Example",
        "version": "4.4.0",
        "source_url": "https://github.com/mastodon/mastodon",
        "api_versions": {"mastodon": 6},
        "configuration": {
            "urls": {"streaming": "wss://example.social"},
            "statuses": statuses,
            "media_attachments": {
                "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"],
                "description_limit": 1500,
                "image_size_limit": 16777216,
                "image_matrix_limit": 33177600,
                "video_size_limit": 103809024,
                "video_frame_rate_limit": 120,
                "video_matrix_limit": 8294400,
            },
            **config,
        },
    }


def status_json(status_id: str, text: str, *, reply_to: str | None = None) -> dict[str, Any]:
    return {
        "id": status_id,
        "created_at": now().strftime(ISO),
        "in_reply_to_id": reply_to,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://example.social/users/acme/statuses/{status_id}",
        "url": f"https://example.social/@acme/{status_id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "content": f"<p>{text}</p>",
        "reblog": None,
        "account": {"id": "1", "username": "acme", "acct": "acme", "url": "https://example.social/@acme"},
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
    }


class FakeMastodon:
    """A LocalServer responder shaped like Mastodon: instance, statuses and media; ``overrides``
    maps (method, path prefix) to a Reply or list of Replies for the case under test."""

    def __init__(self) -> None:
        self.overrides: dict[tuple[str, str], list[Reply]] = {}
        self.next_id = 100

    def on(self, method: str, path: str, *replies: Reply) -> None:
        self.overrides[(method, path)] = list(replies)

    def __call__(self, request: Request) -> Reply:
        path = request.path.split("?", 1)[0].rstrip("/")
        for (method, prefix), replies in self.overrides.items():
            if request.method == method and path.startswith(prefix):
                return replies.pop(0) if len(replies) > 1 else replies[0]
        if path in ("/api/v2/instance", "/api/v1/instance"):
            return Reply(200, instance_json())
        if path == "/api/v1/accounts/verify_credentials":
            return Reply(200, {"id": "1", "username": "acme", "acct": "acme"})
        if request.method == "POST" and path == "/api/v1/statuses":
            self.next_id += 1
            return Reply(200, status_json(str(self.next_id), "posted"))
        return Reply(404, {"error": "Record not found"})


@pytest.fixture
def fake() -> Any:
    responder = FakeMastodon()
    with LocalServer() as server:
        server.respond(responder)
        yield server, responder


def test_every_status_carries_its_idempotency_key(fake: Any, tmp_path: Path) -> None:
    server, _ = fake
    post = outgoing("head", key="sp-0123456789abcdef", thread=("two", "three"))
    make(server.url, tmp_path, token=SECRET).publish(post)
    posts = [r for r in server.requests if r.method == "POST" and r.path == "/api/v1/statuses"]
    assert [r.headers.get("Idempotency-Key") for r in posts] == [
        "sp-0123456789abcdef",
        "sp-0123456789abcdef-1",
        "sp-0123456789abcdef-2",
    ]
    assert all(r.headers["Authorization"] == f"Bearer {SECRET}" for r in posts)
    assert b"in_reply_to_id=101" in posts[1].body and b"in_reply_to_id=102" in posts[2].body


def test_429_with_mastodons_headers_is_rate_limited_until_the_reset(fake: Any, tmp_path: Path) -> None:
    server, responder = fake
    reset = (now() + timedelta(minutes=3)).replace(microsecond=0)
    headers = {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": reset.strftime(ISO),
    }
    responder.on("POST", "/api/v1/statuses", Reply(429, {"error": "Too many requests"}, headers))
    with pytest.raises(RateLimited) as caught:
        make(server.url, tmp_path).publish(outgoing("hello"))
    assert caught.value.retry_at is not None and abs((caught.value.retry_at - reset).total_seconds()) <= 2
    assert not caught.value.request_sent
    assert "rate limiting this account (429) until" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, {"error": "We're sorry, but something went wrong on our end."}),
        (502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        (503, {"error": "Service Unavailable"}),
        (504, "Gateway Timeout"),
    ],
)
def test_5xx_is_transient_and_may_have_arrived(fake: Any, tmp_path: Path, status: int, body: Any) -> None:
    server, responder = fake
    responder.on("POST", "/api/v1/statuses", Reply(status, body))
    with pytest.raises(TransientError) as caught:
        make(server.url, tmp_path).publish(outgoing("hello"))
    assert caught.value.status == status and caught.value.request_sent
    assert not isinstance(caught.value, RateLimited)


def test_a_read_timeout_is_transient_and_may_have_arrived(fake: Any, tmp_path: Path) -> None:
    server, responder = fake
    responder.on("POST", "/api/v1/statuses", Reply(200, status_json("1", "late"), delay=1.5))
    with pytest.raises(TransientError) as caught:
        make(server.url, tmp_path, timeout=0.3).publish(outgoing("hello"))
    assert caught.value.request_sent and "no answer within 0.3 s" in str(caught.value)


def test_a_refused_connection_never_sent_anything(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError) as caught:
        make(f"http://127.0.0.1:{port}", tmp_path, timeout=2).health()
    assert not caught.value.request_sent and "cannot connect to the instance" in str(caught.value)


def test_a_dropped_connection_may_have_arrived(fake: Any, tmp_path: Path) -> None:
    server, responder = fake
    responder.on("POST", "/api/v1/statuses", Reply(reset=True))
    with pytest.raises(TransientError) as caught:
        make(server.url, tmp_path).publish(outgoing("hello"))
    assert caught.value.request_sent


def test_403_names_the_permission(fake: Any, tmp_path: Path) -> None:
    server, responder = fake
    responder.on("POST", "/api/v1/statuses", Reply(403, {"error": "This action is outside the authorized scopes"}))
    with pytest.raises(AuthError) as caught:
        make(server.url, tmp_path).publish(outgoing("hello"))
    message = str(caught.value)
    assert caught.value.status == 403 and "outside the authorized scopes" in message
    assert "read and write permissions" in message


def test_404_on_a_reply_target_is_permanent_and_says_what_is_online(fake: Any, tmp_path: Path) -> None:
    server, responder = fake
    responder.on(
        "POST",
        "/api/v1/statuses",
        Reply(200, status_json("7", "head")),
        Reply(404, {"error": "Record not found"}),
    )
    with pytest.raises(PermanentError) as caught:
        make(server.url, tmp_path).publish(outgoing("head", thread=("two",)))
    assert not isinstance(caught.value, TransientError | AuthError)
    assert caught.value.status == 404
    assert "The first 1 part of the thread is online (https://example.social/@acme/7)" in str(caught.value)


def test_limits_are_cached_for_a_day(fake: Any, tmp_path: Path) -> None:
    server, responder = fake
    responder.on("GET", "/api/v2/instance", Reply(200, instance_json(statuses={"max_characters": 5000})))
    clock = FakeClock()
    first = make(server.url, tmp_path, clock=clock)
    assert first.limits().max_characters == 5000
    cached = json.loads(first.cache_file.read_text(encoding="utf-8"))
    assert first.cache_file.name == "mastodon-acme.json"
    assert cached["api_base_url"] == server.url and cached["limits"]["fetched_at"] == "2027-01-10T12:00:00Z"

    def instance_calls() -> int:
        return sum(r.path.startswith("/api/v2/instance") for r in server.requests)

    clock.advance(hours=23)
    assert make(server.url, tmp_path, clock=clock).limits().max_characters == 5000  # from the file
    assert instance_calls() == 1
    clock.advance(hours=2)
    responder.on("GET", "/api/v2/instance", Reply(200, instance_json(statuses={"max_characters": 1000})))
    assert make(server.url, tmp_path, clock=clock).limits().max_characters == 1000  # a day old: asked again
    assert instance_calls() == 2

    clock.advance(days=2)  # stale, and the instance is down: the old answer is used
    responder.on("GET", "/api/v2/instance", Reply(503, {"error": "down"}))
    assert make(server.url, tmp_path, clock=clock).limits().max_characters == 1000


def test_limits_fall_back_to_v1_on_old_instances(fake: Any, tmp_path: Path) -> None:
    server, responder = fake
    responder.on("GET", "/api/v2/instance", Reply(404, {"error": "Not Found"}))
    v1 = instance_json(statuses={"max_characters": 11000})
    v1["uri"] = v1.pop("domain")
    responder.on("GET", "/api/v1/instance", Reply(200, v1))
    limits = make(server.url, tmp_path).limits()
    assert limits.max_characters == 11000 and limits.domain == "example.social"


def test_the_token_never_reaches_logs_or_messages(fake: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    server, responder = fake
    caplog.set_level(logging.DEBUG)
    net = make(server.url, tmp_path, token=SECRET)
    messages: list[str] = []
    net.publish(outgoing("fine"))
    for reply in (
        Reply(401, {"error": f"The access token {SECRET} is invalid"}),
        Reply(422, {"error": f"Validation failed: {SECRET}"}),
        Reply(500, f"boom {SECRET}"),
        Reply(200, status_json("1", "x"), delay=1.0),
    ):
        responder.on("POST", "/api/v1/statuses", reply)
        net.settings.timeout = 0.3
        net.close()
        with pytest.raises(Exception) as caught:
            net.publish(outgoing("again"))
        messages += [str(caught.value), repr(caught.value), str(caught.value.__cause__)]
    assert any("[redacted]" in m for m in messages)
    everything = "\n".join(messages) + caplog.text + repr(net.settings) + str(net.settings.model_dump())
    assert SECRET not in everything


# --- media the instance processes in the background (MastodonMediaServer) -----------------------


class FakeTime:
    """The adapter's monotonic clock and sleep, and the server's clock: a nap moves time (and the
    adapter's wall clock with it), nothing waits."""

    def __init__(self, clock: FakeClock) -> None:
        self.now = 1000.0
        self.naps: list[float] = []
        self.clock = clock
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.naps.append(seconds)
            self.now += seconds
            self.clock.advance(seconds=seconds)
        time.sleep(0)  # let another thread of the test run

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
            self.clock.advance(seconds=seconds)


@dataclass
class Instance:
    local: LocalServer
    server: MastodonMediaServer
    time: FakeTime
    clock: FakeClock
    data: Path

    def adapter(self, **settings: Any) -> MastodonNetwork:
        """A new adapter on the same data folder: what the daemon has after a restart."""
        net = make(self.local.url, self.data, token=MEDIA_TOKEN, clock=self.clock, **settings)
        net.sleep = self.time.sleep
        net.monotonic = self.time.monotonic
        return net

    def wait(self, seconds: float) -> None:
        """Time passes between two attempts (the daemon's backoff)."""
        self.time.advance(seconds)

    def uploads(self) -> list[Request]:
        return [r for r in self.local.requests if r.method == "POST" and r.path == "/api/v2/media"]


@pytest.fixture
def instance(tmp_path: Path, clock: FakeClock) -> Iterator[Instance]:
    fake_time = FakeTime(clock)
    server = MastodonMediaServer(clock=fake_time.monotonic)
    with LocalServer() as local:
        local.respond(server)
        yield Instance(local, server, fake_time, clock, tmp_path)


def mp4(path: Path, size: int = 4096) -> Path:
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (size - 12))
    return path


def video_post(clip: Path, **kw: Any) -> OutgoingPost:
    return outgoing("Notre torréfaction en vidéo", media=(Media(str(clip), "La torréfaction du matin"),), **kw)


def test_a_slow_video_is_uploaded_once_and_waited_for_across_attempts_and_restarts(instance: Instance) -> None:
    instance.server.video_seconds = 100  # longer than one attempt waits (MEDIA_WAIT_SECONDS)
    clip = mp4(instance.data / "roastery.mp4")
    post = video_post(clip)

    first = instance.adapter()
    with pytest.raises(TransientError) as caught:
        first.publish(post)
    message = str(caught.value)
    assert "the instance is still processing roastery.mp4 (1 min after its upload); nothing was posted" in message
    assert "The next attempt waits for the same upload" in message and not caught.value.request_sent
    assert sum(instance.time.naps) >= MEDIA_WAIT_SECONDS and max(instance.time.naps) == 5.0
    assert len(instance.uploads()) == 1 and not instance.server.statuses

    state = first.attachments.path(post.key)
    assert state == instance.data / "data" / "mastodon" / "acme" / "media" / f"{post.key}.json"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    saved = json.loads(state.read_text(encoding="utf-8"))
    entry = saved["media"]["0"]
    assert saved["key"] == post.key and saved["instance"] == instance.local.url
    assert (entry["id"], entry["kind"], entry["file"], entry["size"]) == ("101", "video", str(clip), 4096)
    assert entry["mtime_ns"] == clip.stat().st_mtime_ns and entry["uploaded_at"] == "2027-01-10T12:00:00Z"
    assert entry["alt"] == "La torréfaction du matin"

    instance.wait(30)  # the daemon's backoff; then a new daemon takes the post up
    published = instance.adapter().publish(post)
    assert len(instance.uploads()) == 1  # the same attachment, never uploaded again
    status = instance.server.statuses[published.remote_id]
    assert [(a["id"], a["type"], a["description"]) for a in status["media_attachments"]] == [
        ("101", "video", "La torréfaction du matin")
    ]
    assert not state.exists()  # posted: nothing left to resume


def test_an_image_the_instance_processes_at_once_is_posted_without_waiting(instance: Instance) -> None:
    image = png(instance.data / "a.png")
    net = instance.adapter()
    post = outgoing("pic", media=(Media(str(image), "alt"),))
    published = net.publish(post)
    assert instance.time.naps == []
    assert not any(r.path.startswith("/api/v1/media/") for r in instance.local.requests)
    assert instance.server.statuses[published.remote_id]["media_attachments"][0]["type"] == "image"
    assert not net.attachments.path(post.key).exists()


@pytest.mark.parametrize(
    ("kind", "later", "uploads"),
    [
        ("video", timedelta(minutes=11), 1),  # a video may take longer: still waited for
        ("image", timedelta(minutes=11), 2),  # an image processing this long is stuck: uploaded again
        ("video", timedelta(hours=2, minutes=1), 2),  # past the video deadline too
    ],
)
def test_an_upload_processing_past_its_deadline_is_uploaded_again(
    instance: Instance, kind: str, later: timedelta, uploads: int
) -> None:
    instance.server.video_seconds = instance.server.image_seconds = 10**6  # never done
    media = mp4(instance.data / "clip.mp4") if kind == "video" else png(instance.data / "photo.png")
    post = outgoing("x", media=(Media(str(media), "alt"),))
    with pytest.raises(TransientError):
        instance.adapter().publish(post)
    instance.wait(later.total_seconds())
    with pytest.raises(TransientError):
        instance.adapter().publish(post)
    assert len(instance.uploads()) == uploads


def test_a_file_changed_between_attempts_is_uploaded_again(instance: Instance) -> None:
    instance.server.video_seconds = 100
    clip = mp4(instance.data / "roastery.mp4")
    post = video_post(clip)
    with pytest.raises(TransientError):
        instance.adapter().publish(post)
    mp4(clip, size=8192)  # the user exported the video again
    instance.wait(30)
    with pytest.raises(TransientError):  # a new upload starts its processing from the start
        instance.adapter().publish(post)
    instance.wait(30)
    published = instance.adapter().publish(post)
    assert [len(r.body) > 8192 for r in instance.uploads()] == [False, True]
    assert [a["id"] for a in instance.server.statuses[published.remote_id]["media_attachments"]] == ["102"]


def test_an_attachment_the_instance_forgot_is_uploaded_again(instance: Instance) -> None:
    instance.server.video_seconds = 100
    post = video_post(mp4(instance.data / "roastery.mp4"))
    with pytest.raises(TransientError):
        instance.adapter().publish(post)
    instance.server.forget("101")  # Mastodon deletes media never posted; GET /api/v1/media/101 is 404
    instance.wait(30)
    with pytest.raises(TransientError):
        instance.adapter().publish(post)
    instance.wait(100)
    published = instance.adapter().publish(post)
    assert len(instance.uploads()) == 2
    assert [a["id"] for a in instance.server.statuses[published.remote_id]["media_attachments"]] == ["102"]


def test_a_processing_failure_is_a_clear_error_and_a_retry_uploads_afresh(instance: Instance) -> None:
    instance.server.video_seconds = 100
    clip = mp4(instance.data / "roastery.mp4")
    post = video_post(clip)
    with pytest.raises(TransientError):
        instance.adapter().publish(post)
    instance.server.fail("101")
    net = instance.adapter()
    with pytest.raises(ContentRejected) as caught:
        net.publish(post)
    assert not isinstance(caught.value, TransientError) and caught.value.status == 422
    message = str(caught.value)
    assert "the instance could not process roastery.mp4 (422); nothing was posted" in message
    assert "The instance said: Error processing thumbnail for uploaded media" in message
    assert "convert it (for example to MP4 with H.264 video and AAC sound), then run socialpost retry" in message
    assert not net.attachments.path(post.key).exists() and not instance.server.statuses

    instance.wait(100)  # the user fixed the file and ran `socialpost retry`
    with pytest.raises(TransientError):
        instance.adapter().publish(post)
    assert len(instance.uploads()) == 2


def test_the_server_refuses_a_status_naming_media_still_processing(instance: Instance) -> None:
    # What makes waiting necessary, as Mastodon answers it (and through Mastodon.py, as the adapter sees it).
    instance.server.video_seconds = 100
    api = Mastodon(access_token=MEDIA_TOKEN, api_base_url=instance.local.url, version_check_mode="none")
    attachment = api.media_post(str(mp4(instance.data / "clip.mp4")), mime_type="video/mp4")
    assert attachment["url"] is None
    assert instance.local.requests[-1].path == "/api/v2/media"
    with pytest.raises(MastodonAPIError) as caught:
        api.status_post("too soon", media_ids=[attachment["id"]])
    assert caught.value.args[1] == 422 and caught.value.args[3] == NOT_READY
    assert api.media(attachment["id"])["url"] is None  # 206
    instance.time.advance(100)
    assert api.media(attachment["id"])["url"]  # 200
    assert api.status_post("now", media_ids=[attachment["id"]])["media_attachments"][0]["id"] == "101"


def test_a_status_refused_because_its_media_is_gone_is_transient(instance: Instance) -> None:
    instance.server.video_seconds = 5
    post = video_post(mp4(instance.data / "roastery.mp4"))
    instance.server.before_status = lambda: instance.server.forget("101")  # gone between the wait and the post
    with pytest.raises(TransientError) as caught:
        instance.adapter().publish(post)
    assert "no longer has the upload of roastery.mp4; the next attempt uploads it again" in str(caught.value)
    assert not instance.server.statuses
    instance.server.before_status = None
    instance.wait(30)
    published = instance.adapter().publish(post)
    assert len(instance.uploads()) == 2 and published.remote_id in instance.server.statuses


def test_two_daemons_on_the_same_post_upload_its_video_once(instance: Instance) -> None:
    # A lease ran out while the first daemon was still at it: both hold the post for a moment. The
    # overlap is made certain rather than left to the threads' timing (on a loaded machine the first
    # daemon could finish before the second even starts, which is another story): the second starts
    # once the first has begun its upload, and each status request waits until both daemons have
    # theirs ready — so each of them has waited for the video's processing on its own.
    instance.server.video_seconds = 20
    post = video_post(mp4(instance.data / "roastery.mp4"))
    results: list[Published] = []
    errors: list[BaseException] = []
    at_status = threading.Semaphore(0)
    both_ready = threading.Event()

    def gated(request: Request) -> Reply:
        if request.method == "POST" and request.path == "/api/v1/statuses" and not both_ready.is_set():
            at_status.release()
            both_ready.wait(30)  # (the test fails below when the other never gets there)
        return instance.server(request)

    instance.local.respond(gated)

    def send() -> None:
        try:
            results.append(instance.adapter().publish(post))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    first, second = (threading.Thread(target=send) for _ in range(2))
    first.start()
    deadline = time.monotonic() + 30
    while not instance.uploads() and time.monotonic() < deadline and first.is_alive():
        time.sleep(0.01)  # the first daemon holds the post's lock from before its upload until it is noted
    assert instance.uploads(), errors
    second.start()
    assert at_status.acquire(timeout=30) and at_status.acquire(timeout=30), errors
    both_ready.set()
    for thread in (first, second):
        thread.join(30)
    assert not errors and len(results) == 2 and results[0] == results[1]
    assert len(instance.uploads()) == 1 and len(instance.server.statuses) == 1
    media_ids = [
        urllib.parse.parse_qs(r.body.decode())["media_ids[]"]
        for r in instance.local.requests
        if r.path == "/api/v1/statuses"
    ]
    assert media_ids == [["101"], ["101"]]  # both daemons posted with the one upload


@pytest.mark.parametrize(
    ("post_language", "account_language", "sent"),
    [("fr-CA", None, "fr"), ("fr-CA", "de", "fr"), ("pt-BR", None, "pt"), (None, "de", "de"), (None, None, None)],
)
def test_the_status_language_is_the_posts_else_the_accounts(
    instance: Instance, post_language: str | None, account_language: str | None, sent: str | None
) -> None:
    net = instance.adapter(language=account_language)
    published = net.publish(outgoing("Bonjour", thread=("Et la suite",), language=post_language))
    statuses = sorted(instance.server.statuses.values(), key=lambda s: int(s["id"]))
    assert [s["language"] for s in statuses] == [sent, sent]
    assert statuses[0]["id"] == published.remote_id
    form = next(r for r in instance.local.requests if r.path == "/api/v1/statuses").body
    assert (b"language=" in form) == (sent is not None)


# --- without any server ----------------------------------------------------------------------------


def test_instance_addresses_are_normalised() -> None:
    assert normalise_instance_url(" mastodon.social/ ") == "https://mastodon.social"
    assert normalise_instance_url("http://127.0.0.1:3000") == "http://127.0.0.1:3000"
    for bad in ("http://mastodon.social", "ftp://x.org", "https://me:pw@x.org", "https://x.org/?a=1", ""):
        with pytest.raises(ValueError):
            normalise_instance_url(bad)


def test_settings_are_checked() -> None:
    base = {"api_base_url": "mastodon.social", "access_token": SECRET}
    settings = MastodonSettings.model_validate({**base, "language": "FR"})
    assert settings.language == "fr" and settings.visibility == "public" and settings.spoiler_text is None
    assert SECRET not in repr(settings)
    for wrong in ({"visibility": "direct"}, {"language": "french"}, {"unknown": 1}, {"api_base_url": "http://x.org"}):
        with pytest.raises(ValidationError) as caught:
            MastodonSettings.model_validate({**base, **wrong})
        assert SECRET not in str(caught.value)


def validator(tmp_path: Path, **settings: Any) -> MastodonNetwork:
    return make("https://example.social", tmp_path, **settings)


def test_links_count_as_the_instance_says(tmp_path: Path) -> None:
    net = validator(tmp_path)
    text = "a" * 470 + " https://example.com/" + "p" * 300  # 470 + 1 + 23 = 494 by Mastodon's count
    net.validate(outgoing(text), MastodonLimits())
    with pytest.raises(
        ContentRejected, match=re.escape("is 521 characters; example.social allows 500 (links count as 50)")
    ):
        net.validate(outgoing(text), MastodonLimits(characters_reserved_per_url=50, domain="example.social"))


def test_the_content_warning_counts_towards_the_limit(tmp_path: Path) -> None:
    net = validator(tmp_path, spoiler_text="Spoilers ahead")
    with pytest.raises(ContentRejected, match="the text is 504 characters with the content warning"):
        net.validate(outgoing("x" * 490), MastodonLimits())


def test_empty_parts_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentRejected, match="part 2 of 2 of the thread is empty"):
        validator(tmp_path).validate(outgoing("head", thread=("  ",)), MastodonLimits())


def test_media_is_checked_against_the_instance(tmp_path: Path) -> None:
    net = validator(tmp_path)
    image = str(png(tmp_path / "photo.jpg"))  # a PNG named .jpg: the content decides
    limits = MastodonLimits(supported_mime_types=("image/png", "image/jpeg"), domain="example.social")
    assert net.validate(outgoing("x", media=(Media(image, "alt"),)), limits)[0][1] == "image/png"
    assert net.validate(outgoing("", media=(Media(image, "alt"),)), limits)  # media alone is a post

    cases: list[tuple[tuple[Media, ...], MastodonLimits, str]] = [
        ((Media(image, "a"),) * 5, limits, "it has 5 media files; example.social allows 4 per post"),
        ((Media(image, "a"),), MastodonLimits(image_size_limit=10, domain="d"), "; d takes images up to 10 bytes"),
        ((Media(image, "é" * 1501),), limits, "the alt text of photo.jpg is 1501 characters; example.social allows"),
        ((Media(str(tmp_path / "missing.png"), "a"),), limits, "cannot be read"),
    ]
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    cases.append(((Media(str(notes), "a"),), limits, "notes.txt is a file type example.social does not take"))
    for media, case_limits, expected in cases:
        with pytest.raises(ContentRejected) as caught:
            net.validate(outgoing("x", media=media), case_limits)
        assert expected in str(caught.value)


def test_published_is_what_the_dispatcher_records(fake: Any, tmp_path: Path) -> None:
    server, _ = fake
    published = make(server.url, tmp_path).publish(outgoing("hello"))
    assert published == Published(remote_id="101", url="https://example.social/@acme/101")
