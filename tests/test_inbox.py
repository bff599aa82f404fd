"""The comment inbox (`socialpost inbox`, `socialpost reply`, the daemon's digest).

* Mastodon against mastodon_mock and Bluesky against the real local dev-env: a second account
  answers our post, the inbox lists it unanswered, `socialpost reply` answers it as a reply (read
  back from the server), the item is then answered, fetching again adds no duplicate;
* the digest through the real webhook adapter to a LocalServer, and to the log;
* the library's ordering, de-duplication and `--json` contracts on a real SQLite store;
* YouTube's wrapping of commentThreads through its fake HTTP layer.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from mastodon import Mastodon
from pydantic import ValidationError
from sqlalchemy import select, text, update

from socialpost.cli import LazyGroup
from socialpost.cli.context import AppContext
from socialpost.cli.inbox import inbox as inbox_command
from socialpost.cli.inbox import reply as reply_command
from socialpost.daemon.inbox_job import InboxJob
from socialpost.errors import PermanentError, UsageError
from socialpost.inbox import Inbox, InboxSettings, inbox_settings
from socialpost.networks.base import AdapterContext, Network, OutgoingPost, Published, Reply
from socialpost.settings.config import Settings
from socialpost.store.db import MIGRATIONS, SCHEMA_HEAD, Store, current_revision, open_store
from socialpost.store.models import InboxItemRow, PostRow, Status
from socialpost.wiring import Adapters
from tests.conftest import FakeClock
from tests.servers import bluesky as bluesky_servers
from tests.servers.bluesky import Account, DevEnv
from tests.servers.mastodon import MastodonMock, mastodon_mock  # noqa: F401  (session fixture)
from tests.store_helpers import seed_posts
from tests.support.http import LocalServer
from tests.support.http import Reply as HttpReply

bluesky_devenv = bluesky_servers.bluesky_devenv  # the session fixture
ITEM_KEYS = {
    "created_at_local",  # added with the local times (issue #17)
    "fetched_at_local",
    "answered_at_local",
    "id",
    "account",
    "remote_id",
    "in_reply_to",
    "author",
    "author_name",
    "text",
    "url",
    "created_at",
    "fetched_at",
    "answered",
    "answered_at",
    "answered_by",
    "post",
}
POST_KEYS = {"remote_id", "campaign", "id", "url", "text"}


def real_now() -> datetime:
    return datetime.now(UTC)


def sent_post(store: Store, account: str, remote_id: str, *, url: str | None = None, when: datetime) -> int:
    """A post of ours that went out: status sent, with the network's id."""
    (post_id,) = seed_posts(store, 1, due=when, account=account, campaign="launch")
    with store.write() as session:
        session.execute(
            update(PostRow)
            .where(PostRow.id == post_id)
            .values(status=Status.SENT.value, remote_id=remote_id, remote_url=url, sent_at=when)
        )
    return post_id


def invoke(settings: Settings, clock: Callable[[], datetime], command: click.Command, *args: str) -> Result:
    """Run one of this module's commands as `socialpost COMMAND ARGS` would: inside socialpost's
    command group (which turns errors into messages and exit codes), with the test's settings."""
    group = LazyGroup(name="socialpost")
    group.add_command(command)
    app = AppContext(settings_override=settings, clock=clock)
    try:
        return CliRunner().invoke(group, [str(command.name), *args], obj=app, catch_exceptions=False)
    finally:
        app.close()


def items_in_store(store: Store) -> list[InboxItemRow]:
    with store.session() as session:
        return list(session.scalars(select(InboxItemRow).order_by(InboxItemRow.id)))


def wait_for(check: Callable[[], Any], seconds: float = 15.0) -> Any:
    """Poll until ``check()`` is truthy (an AppView indexes a new record within a moment)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


# --- Mastodon, against mastodon_mock ----------------------------------------------------------------


@pytest.fixture
def mock(mastodon_mock: MastodonMock) -> MastodonMock:  # noqa: F811
    mastodon_mock.clear_faults()
    return mastodon_mock


@pytest.fixture
def mastodon_settings(mock: MastodonMock, tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'socialpost.db'}",
        data_dir=tmp_path / "data",
        accounts={"mastodon": {"acme": {"api_base_url": mock.url, "access_token": mock.token}}},
    )


def other_user(mock: MastodonMock) -> Mastodon:
    """A second account on the instance (mastodon_mock's dev-user endpoint), as a Mastodon.py client."""
    made = mock.request("POST", "/api/v1/_mock/dev_user", {"username": f"fan{uuid.uuid4().hex[:6]}"}, token=None)
    return Mastodon(access_token=made["access_token"], api_base_url=mock.url, version_check_mode="none")


def ours(mock: MastodonMock) -> Mastodon:
    return Mastodon(access_token=mock.token, api_base_url=mock.url, version_check_mode="none")


def test_mastodon_reply_is_listed_answered_as_a_reply_and_not_duplicated(
    mock: MastodonMock, mastodon_settings: Settings
) -> None:
    store = open_store(mastodon_settings.database_url)
    now = real_now()
    post = ours(mock).status_post(f"Nouveau café ☕ {uuid.uuid4().hex[:6]}")
    post_id = sent_post(store, "mastodon:acme", str(post["id"]), url=post["url"], when=now)
    fan = other_user(mock)
    comment = fan.status_post("Vous ouvrez à quelle heure ?", in_reply_to_id=post["id"])
    fan_name = fan.account_verify_credentials()["acct"]

    listed = invoke(mastodon_settings, real_now, inbox_command, "--json")
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.stdout)
    assert data["fetched"]["new"] == 1
    assert data["unanswered"] == 1
    (item,) = data["items"]
    assert set(item) == ITEM_KEYS and set(item["post"]) == POST_KEYS
    assert item["remote_id"] == str(comment["id"])
    assert item["in_reply_to"] == str(post["id"])
    assert item["author"] == f"@{fan_name}" and item["text"] == "Vous ouvrez à quelle heure ?"
    assert item["answered"] is False and item["answered_at"] is None
    assert item["post"]["remote_id"] == str(post["id"]) and item["post"]["campaign"] == "launch"
    assert item["post"]["url"] == post["url"]

    answered = invoke(mastodon_settings, real_now, reply_command, "--json", str(item["id"]), "Dès 7 h !")
    assert answered.exit_code == 0, answered.output
    result = json.loads(answered.stdout)
    assert set(result) == {"item", "reply"} and set(result["reply"]) == {"remote_id", "url"}
    sent = ours(mock).status(result["reply"]["remote_id"])
    assert str(sent["in_reply_to_id"]) == str(comment["id"])  # a reply to the comment, not to our post
    assert ours(mock).status_source(sent["id"])["text"] == "Dès 7 h !"
    assert result["item"]["answered"] is True and result["item"]["answered_by"] == str(sent["id"])

    again = invoke(mastodon_settings, real_now, inbox_command, "--json")
    data = json.loads(again.stdout)
    assert data["fetched"]["new"] == 0 and data["unanswered"] == 0
    assert [i["remote_id"] for i in data["items"]] == [str(comment["id"])]  # our own reply is no item
    rows = items_in_store(store)
    assert len(rows) == 1 and rows[0].post_id == post_id and rows[0].answered_by_remote_id == str(sent["id"])
    store.close()


def test_mastodon_an_answer_written_elsewhere_counts_and_unanswered_come_first(
    mock: MastodonMock, mastodon_settings: Settings
) -> None:
    store = open_store(mastodon_settings.database_url)
    post = ours(mock).status_post(f"Question du jour {uuid.uuid4().hex[:6]}")
    sent_post(store, "mastodon:acme", str(post["id"]), when=real_now())
    fan = other_user(mock)
    first = fan.status_post("Première réponse", in_reply_to_id=post["id"])
    nested = fan.status_post("et une précision", in_reply_to_id=first["id"])
    time.sleep(1.1)  # created_at has second precision on the server
    second = other_user(mock).status_post("Deuxième réponse", in_reply_to_id=post["id"])
    mine = ours(mock).status_post("Merci !", in_reply_to_id=first["id"])  # answered in the Mastodon app

    adapters = Adapters(mastodon_settings, clock=real_now)
    box = Inbox(store, adapters, clock=real_now)
    try:
        fetched = box.fetch()
    finally:
        adapters.close()
    assert fetched.new == 3 and fetched.accounts[0].answered == 1 and not fetched.errors
    items = box.items()
    by_remote = {i.remote_id: i for i in items}
    assert by_remote[str(first["id"])].answered_by_remote_id == str(mine["id"])
    assert by_remote[str(nested["id"])].in_reply_to == str(first["id"])
    assert by_remote[str(nested["id"])].post_remote_id == str(post["id"])
    # unanswered first, newest first; then the answered ones
    assert [i.remote_id for i in items] == [str(second["id"]), str(nested["id"]), str(first["id"])]
    assert [i.remote_id for i in box.items(unanswered=True)] == [str(second["id"]), str(nested["id"])]
    store.close()


def test_an_over_long_reply_exits_2_with_the_limit_and_sends_nothing(
    mock: MastodonMock, mastodon_settings: Settings
) -> None:
    store = open_store(mastodon_settings.database_url)
    post = ours(mock).status_post(f"Long {uuid.uuid4().hex[:6]}")
    sent_post(store, "mastodon:acme", str(post["id"]), when=real_now())
    other_user(mock).status_post("Une question", in_reply_to_id=post["id"])
    assert invoke(mastodon_settings, real_now, inbox_command, "--json").exit_code == 0
    (row,) = items_in_store(store)

    result = invoke(mastodon_settings, real_now, reply_command, str(row.id), "x" * 501)
    assert result.exit_code == 2
    assert "501 characters; mastodon:acme allows 500" in result.stderr
    empty = invoke(mastodon_settings, real_now, reply_command, str(row.id), "  ")
    assert empty.exit_code == 2 and "empty" in empty.stderr
    assert ours(mock).status_context(post["id"])["descendants"][-1]["account"]["username"] != mock.username
    assert items_in_store(store)[0].answered_at is None
    unknown = invoke(mastodon_settings, real_now, reply_command, "9999", "hello")
    assert unknown.exit_code == 2 and "no inbox item '9999'" in unknown.stderr
    store.close()


def test_mastodon_a_deleted_post_has_no_replies(mock: MastodonMock, tmp_path: Path) -> None:
    from socialpost.networks.mastodon import MastodonNetwork, MastodonSettings

    gone = ours(mock).status_post(f"bientôt supprimé {uuid.uuid4().hex[:6]}")
    ours(mock).status_delete(gone["id"])
    net = MastodonNetwork(
        account="mastodon:acme",
        settings=MastodonSettings(api_base_url=mock.url, access_token=mock.token),
        context=AdapterContext(data_dir=tmp_path, base_dir=tmp_path),
    )
    try:
        assert net.fetch_replies([str(gone["id"])]) == []
    finally:
        net.close()


# --- Bluesky, against the real local network ---------------------------------------------------------


@pytest.fixture(scope="module")
def devenv(bluesky_devenv: DevEnv) -> DevEnv:
    return bluesky_devenv


@pytest.fixture(scope="module")
def alice(devenv: DevEnv) -> Account:
    return devenv.create_account("alice")


@pytest.fixture(scope="module")
def bob(devenv: DevEnv) -> Account:
    return devenv.create_account("bob")


def bob_replies(bob: Account, text: str, *, root: dict[str, str], parent: dict[str, str]) -> dict[str, str]:
    from atproto import models  # type: ignore[import-untyped]

    created = bob.client.com.atproto.repo.create_record(
        models.ComAtprotoRepoCreateRecord.Data(
            repo=bob.did,
            collection="app.bsky.feed.post",
            record={
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": real_now().isoformat().replace("+00:00", "Z"),
                "reply": {"root": root, "parent": parent},
            },
        )
    )
    return {"uri": str(created.uri), "cid": str(created.cid)}


def test_bluesky_reply_is_listed_answered_with_reply_refs_and_not_duplicated(
    devenv: DevEnv, alice: Account, bob: Account, tmp_path: Path
) -> None:
    import httpx

    from socialpost.networks.bluesky import BlueskyNetwork

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'socialpost.db'}",
        data_dir=tmp_path / "data",
        accounts={
            "bluesky": {"main": {"handle": alice.handle, "app_password": alice.app_password, "pds_url": devenv.pds_url}}
        },
    )
    store = open_store(settings.database_url)
    adapters = Adapters(settings, clock=real_now)
    try:
        adapter = adapters.get("bluesky:main")
        assert isinstance(adapter, BlueskyNetwork)
        published = adapter.publish(
            OutgoingPost(
                key=f"sp-{uuid.uuid4().hex}",
                campaign="launch",
                post_id="teaser",
                account="bluesky:main",
                text="Nouveau café en vrac ☕",
                due_at=real_now(),
            )
        )
    finally:
        adapters.close()
    root = httpx.get(
        f"{devenv.pds_url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": alice.did, "collection": "app.bsky.feed.post", "rkey": published.remote_id.rsplit("/", 1)[1]},
    ).json()
    root_ref = {"uri": root["uri"], "cid": root["cid"]}
    sent_post(store, "bluesky:main", published.remote_id, url=published.url, when=real_now())
    comment = bob_replies(bob, "C'est quelle origine ?", root=root_ref, parent=root_ref)
    deeper = bob_replies(bob, "(et le prix ?)", root=root_ref, parent=comment)

    def listed() -> Any:
        result = invoke(settings, real_now, inbox_command, "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        return data if len(data["items"]) == 2 else None

    data = wait_for(listed)
    assert data is not None, "the AppView never showed bob's replies"
    by_remote = {i["remote_id"]: i for i in data["items"]}
    first = by_remote[comment["uri"]]
    assert first["in_reply_to"] == published.remote_id and first["author"] == bob.handle
    assert first["text"] == "C'est quelle origine ?" and first["answered"] is False
    assert first["post"]["remote_id"] == published.remote_id and first["post"]["campaign"] == "launch"
    assert by_remote[deeper["uri"]]["in_reply_to"] == comment["uri"]
    assert data["unanswered"] == 2

    answered = invoke(settings, real_now, reply_command, "--json", str(first["id"]), "Éthiopie, torréfié ici 🇪🇹")
    assert answered.exit_code == 0, answered.output
    result = json.loads(answered.stdout)
    uri = result["reply"]["remote_id"]
    did, _, rkey = uri.removeprefix("at://").partition("/app.bsky.feed.post/")
    record = httpx.get(
        f"{devenv.pds_url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey},
    ).json()
    assert did == alice.did
    assert record["value"]["text"] == "Éthiopie, torréfié ici 🇪🇹"
    assert record["value"]["reply"]["parent"]["uri"] == comment["uri"]
    assert record["value"]["reply"]["parent"]["cid"] == comment["cid"]
    assert record["value"]["reply"]["root"]["uri"] == root_ref["uri"]
    assert result["item"]["answered"] is True and result["item"]["answered_by"] == uri

    def fetched_with_our_reply() -> Any:
        again = invoke(settings, real_now, inbox_command, "--json")
        data = json.loads(again.stdout)
        return data if data["fetched"]["accounts"][0]["error"] is None and len(items_in_store(store)) == 2 else None

    again = fetched_with_our_reply()
    assert again is not None and again["fetched"]["new"] == 0  # no duplicate, and our reply is no item
    assert {i["remote_id"]: i["answered"] for i in again["items"]} == {comment["uri"]: True, deeper["uri"]: False}
    assert again["items"][0]["remote_id"] == deeper["uri"]  # unanswered first
    store.close()


def test_bluesky_a_missing_post_has_no_replies(devenv: DevEnv, alice: Account, tmp_path: Path) -> None:
    from socialpost.networks.bluesky import BlueskyNetwork, BlueskySettings

    net = BlueskyNetwork(
        account="bluesky:main",
        settings=BlueskySettings(handle=alice.handle, app_password=alice.app_password, pds_url=devenv.pds_url),
        context=AdapterContext(data_dir=tmp_path, base_dir=tmp_path),
    )
    try:
        assert net.fetch_replies([f"at://{alice.did}/app.bsky.feed.post/3zzzzzzzzzzz2"]) == []
    finally:
        net.close()


# --- the library on a real store, with a test-only adapter --------------------------------------------


class Scripted(Network):
    """A test-only adapter: answers fetch_replies from a list, records replies."""

    name = "fake"
    title = "Fake"

    def __init__(self, account: str = "fake:one") -> None:
        self.account = account
        self.replies: list[Reply] = []
        self.sent: list[tuple[str, str]] = []

    def publish(self, post: OutgoingPost) -> Published:  # pragma: no cover - not used here
        raise NotImplementedError

    def fetch_replies(self, remote_ids: Any) -> list[Reply]:
        return [r for r in self.replies if r.post_remote_id in remote_ids]

    def reply(self, in_reply_to: str, text: str) -> Published:
        self.sent.append((in_reply_to, text))
        return Published(f"mine-{len(self.sent)}", None)


class FakeAdapters:
    def __init__(self, adapter: Network, others: dict[str, Network] | None = None) -> None:
        self.adapter = adapter
        self.others = others or {}

    def get(self, account: str) -> Network:
        return self.others.get(account, self.adapter)

    def length_rule(self, account: str) -> Any:
        from socialpost.networks.profile import profile_of

        return profile_of("x").length


T0 = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def comment(remote_id: str, minutes: int, *, parent: str = "r-1", own: bool = False) -> Reply:
    return Reply(
        remote_id=remote_id,
        in_reply_to=parent,
        post_remote_id="r-1",
        author="@me" if own else f"@fan{remote_id}",
        author_name="",
        text=f"comment {remote_id}",
        created_at=T0 + timedelta(minutes=minutes),
        own=own,
    )


@pytest.fixture
def scripted(store: Store, clock: FakeClock) -> Iterator[tuple[Inbox, Scripted]]:
    clock.set(T0 + timedelta(hours=2))
    sent_post(store, "fake:one", "r-1", when=T0)
    adapter = Scripted()
    yield Inbox(store, FakeAdapters(adapter), clock=clock), adapter


def test_items_are_unanswered_first_newest_first_and_stored_once(scripted: tuple[Inbox, Scripted]) -> None:
    box, adapter = scripted
    adapter.replies = [comment("a", 1), comment("b", 5), comment("c", 3), comment("m", 4, parent="a", own=True)]
    first = box.fetch()
    assert first.as_json() == {
        "new": 3,
        "accounts": [{"account": "fake:one", "posts": 1, "new": 3, "answered": 1, "error": None, "unavailable": None}],
    }
    assert [i.remote_id for i in box.items()] == ["b", "c", "a"]
    assert box.items()[2].answered_at == T0 + timedelta(minutes=4)
    adapter.replies.append(comment("d", 2))
    assert box.fetch().new == 1
    assert [i.remote_id for i in box.items()] == ["b", "c", "d", "a"]
    assert box.counts() == (4, 3)
    assert box.fetch().new == 0
    assert len(box.items()) == 4


def test_reply_validates_answers_and_marks_the_item(scripted: tuple[Inbox, Scripted]) -> None:
    box, adapter = scripted
    adapter.replies = [comment("a", 1)]
    box.fetch()
    (item,) = box.items()
    with pytest.raises(UsageError, match="281 weighted characters; fake:one allows 280"):
        box.reply(str(item.id), "é" * 281)
    assert adapter.sent == []
    outcome = box.reply(str(item.id), "Merci !")
    assert adapter.sent == [("a", "Merci !")]
    assert outcome.item.answered and outcome.item.answered_by_remote_id == "mine-1"
    assert box.get("a").id == item.id  # also found by the network's id
    assert box.items(unanswered=True) == []


def test_inbox_json_contract_without_fetching(store: Store, settings: Settings, clock: FakeClock) -> None:
    clock.set(T0 + timedelta(hours=1))
    post_id = sent_post(store, "fake:one", "r-1", url="https://example.test/r-1", when=T0)
    Inbox(store, FakeAdapters(Scripted()), clock=clock).store_replies("fake:one", [comment("a", 1)], {"r-1": post_id})
    result = invoke(settings, clock, inbox_command, "--json", "--no-fetch")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"fetched", "unanswered", "items"} and data["fetched"] is None
    (item,) = data["items"]
    assert item == {
        "id": 1,
        "account": "fake:one",
        "remote_id": "a",
        "in_reply_to": "r-1",
        "author": "@fana",
        "author_name": "",
        "text": "comment a",
        "url": None,
        "created_at": "2027-01-10T12:01:00Z",
        "created_at_local": "2027-01-10T12:01:00+00:00",  # added with the local times (issue #17)
        "fetched_at": "2027-01-10T13:00:00Z",
        "fetched_at_local": "2027-01-10T13:00:00+00:00",
        "answered": False,
        "answered_at": None,
        "answered_at_local": None,
        "answered_by": None,
        "post": {
            "remote_id": "r-1",
            "campaign": "launch",
            "id": item["post"]["id"],
            "url": "https://example.test/r-1",
            "text": item["post"]["text"],
        },
    }
    assert item["post"]["id"].startswith("p") and item["post"]["text"].startswith("post ")
    shown = invoke(settings, clock, inbox_command, "--no-fetch")
    assert shown.exit_code == 0 and "comment a" in shown.stdout and "1 unanswered" in shown.stdout


def test_an_account_that_cannot_be_read_is_reported_with_exit_3(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    clock.set(T0 + timedelta(hours=1))
    sent_post(store, "nosuchnet:one", "r-9", when=T0)
    result = invoke(settings, clock, inbox_command, "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["fetched"]["accounts"][0]["account"] == "nosuchnet:one"
    assert "no network adapter named 'nosuchnet'" in data["fetched"]["accounts"][0]["error"]


# --- the digest -------------------------------------------------------------------------------------


def test_the_digest_goes_to_the_webhook_once_per_new_item(store: Store, settings: Settings, clock: FakeClock) -> None:
    clock.set(T0 + timedelta(hours=2))
    sent_post(store, "fake:one", "r-1", when=T0)
    adapter = Scripted()
    adapter.replies = [comment("a", 1), comment("b", 2)]
    with LocalServer() as server:
        hook_settings = Settings(
            database_url=settings.database_url,
            data_dir=settings.data_dir,
            accounts={"webhook": {"team": {"url": server.url + "/hooks/inbox"}}},
        )
        webhooks = Adapters(hook_settings, clock=clock)
        config = SimpleNamespace(inbox=InboxSettings(every="30m", digest_webhook="webhook:team"))
        job = InboxJob(
            store, config, FakeAdapters(adapter, {"webhook:team": webhooks.get("webhook:team")}), clock=clock
        )
        assert job.enabled and job.interval_seconds == 1800

        outcome = job.run()
        assert outcome is not None and outcome[0].new == 2
        (request,) = server.requests
        body = request.json
        assert body["account"] == "webhook:team" and body["campaign"] == "inbox"
        assert "2 new comment(s) waiting for an answer (2 unanswered in all)" in body["text"]
        assert "@fanb on launch/" in body["text"] and "comment a" in body["text"]
        assert request.headers["Idempotency-Key"] == body["idempotency_key"] == outcome[1].key

        job.run()  # nothing new: nothing sent
        assert len(server.requests) == 1

        adapter.replies.append(comment("c", 3))
        server.respond(HttpReply(500, {"error": "down"}))
        assert job.run() is None  # the receiver failed: logged, tried again next time
        server.respond(HttpReply(200, {"ok": True}))
        job.run()
        assert len(server.requests) == 3
        last = server.requests[-1].json["text"]
        assert "1 new comment(s)" in last and "comment c" in last and "comment a" not in last
        webhooks.close()


def test_without_a_webhook_the_digest_goes_to_the_log(
    scripted: tuple[Inbox, Scripted], caplog: pytest.LogCaptureFixture
) -> None:
    box, adapter = scripted
    adapter.replies = [comment("a", 1)]
    box.fetch()
    with caplog.at_level(logging.INFO, logger="socialpost.inbox"):
        digest = box.send_digest()
    assert [i.remote_id for i in digest.items] == ["a"]
    assert "1 new comment(s) waiting for an answer" in caplog.text and "comment a" in caplog.text
    assert box.send_digest().items == ()  # already reported


# --- settings, the adapter contract's defaults, the migration ------------------------------------------


def test_inbox_settings() -> None:
    assert InboxSettings().every == timedelta(minutes=30) and InboxSettings().digest_webhook is None
    assert InboxSettings(every=None).every is None
    parsed = inbox_settings(SimpleNamespace(inbox={"every": "2h", "digest_webhook": "webhook:chat"}))
    assert parsed.every == timedelta(hours=2) and parsed.digest_webhook == "webhook:chat"
    assert parsed.model_dump(mode="json")["every"] == "2h"
    assert inbox_settings(object()) == InboxSettings()
    with pytest.raises(ValidationError, match="webhook account"):
        InboxSettings(digest_webhook="mastodon:acme")
    with pytest.raises(ValidationError, match="1m or longer"):
        InboxSettings(every="10s")
    with pytest.raises(ValidationError):
        InboxSettings(unknown=1)  # type: ignore[call-arg]


def test_the_inbox_job_is_off_without_every(store: Store) -> None:
    job = InboxJob(store, SimpleNamespace(inbox={"every": None}), FakeAdapters(Scripted()))
    assert not job.enabled and job.interval_seconds == 0


def test_a_network_without_the_inbox_capabilities_cannot_be_read_or_answered(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    from socialpost.networks.capabilities import InboxReader, Replier
    from socialpost.networks.outbox import OutboxNetwork

    net = OutboxNetwork(
        account="outbox:main",
        settings=OutboxNetwork.settings_model(),
        context=AdapterContext(data_dir=tmp_path, base_dir=tmp_path),
    )
    assert not isinstance(net, InboxReader) and not isinstance(net, Replier)
    # an item stored for an account whose adapter cannot answer: the reply is refused, nothing is sent
    clock.set(T0 + timedelta(hours=2))
    sent_post(store, "fake:one", "r-1", when=T0)
    reader = Scripted()
    reader.replies = [comment("a", 1)]
    Inbox(store, FakeAdapters(reader), clock=clock).fetch()
    box = Inbox(store, FakeAdapters(net), clock=clock)
    (item,) = box.items()
    with pytest.raises(PermanentError, match="cannot answer replies on this network"):
        box.reply(str(item.id), "hello")
    assert reader.sent == [] and not box.items()[0].answered


def test_accounts_whose_network_has_no_inbox_are_left_out(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    from socialpost.networks.outbox import OutboxNetwork

    clock.set(T0 + timedelta(hours=1))
    sent_post(store, "outbox:main", "file-1", when=T0)
    outbox = OutboxNetwork(
        account="outbox:main",
        settings=OutboxNetwork.settings_model(),
        context=AdapterContext(data_dir=tmp_path, base_dir=tmp_path),
    )
    assert Inbox(store, FakeAdapters(outbox), clock=clock).fetch().accounts == []


def test_help_lists_the_commands_without_importing_the_inbox_library() -> None:
    import re
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from socialpost import cli\n"
        "cli.COMMANDS.setdefault('inbox', 'socialpost.cli.inbox:inbox')\n"
        "cli.COMMANDS.setdefault('reply', 'socialpost.cli.inbox:reply')\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} | {m for m in sys.modules if 'inbox' in m})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^\s+inbox\s+Replies and comments on your posts", out, re.MULTILINE), out
    assert re.search(r"^\s+reply\s+Answer the inbox item ID", out, re.MULTILINE), out
    loaded = set(out.strip().splitlines()[-1].split())
    assert "socialpost.cli.inbox" in loaded and "socialpost.inbox" not in loaded
    for heavy in ("httpx", "sqlalchemy", "pydantic", "alembic", "mastodon", "atproto"):
        assert heavy not in loaded, f"--help imported {heavy}"


def test_migration_0004_adds_and_removes_the_inbox(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        assert current_revision(store) == SCHEMA_HEAD  # 0004 and every later revision
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM sqlite_master WHERE name='inbox_items'")).scalar() == 0
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM sqlite_master WHERE name='inbox_items'")).scalar() == 1
    finally:
        store.close()


# --- YouTube, through its fake HTTP layer ---------------------------------------------------------------


def test_youtube_comments_become_inbox_replies(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from socialpost.networks.youtube import YouTubeNetwork
    from tests import test_network_youtube as yt

    server = yt.FakeYouTube()
    monkeypatch.setattr(YouTubeNetwork, "http_factory", server)

    def thread(comment_id: str, author: str, channel: str) -> dict[str, Any]:
        return {
            "kind": "youtube#commentThread",
            "id": "UgzThread" + comment_id,
            "snippet": {
                "channelId": yt.CHANNEL,
                "videoId": yt.VIDEO_ID,
                "topLevelComment": {
                    "kind": "youtube#comment",
                    "id": comment_id,
                    "snippet": {
                        "authorDisplayName": author,
                        "authorChannelId": {"value": channel},
                        "textDisplay": f"{author} dit bonjour",
                        "textOriginal": f"{author} dit bonjour",
                        "likeCount": 0,
                        "publishedAt": "2027-03-02T15:04:05Z",
                    },
                },
                "canReply": True,
                "totalReplyCount": 0,
                "isPublic": True,
            },
        }

    server.routes[("GET", "/youtube/v3/commentThreads")] = lambda s: (
        200,
        {},
        {
            "kind": "youtube#commentThreadListResponse",
            "items": [thread("Ugz1", "Marie", "UCmarie"), thread("Ugz2", "Nous", yt.CHANNEL)],
        },
    )
    adapter = yt.make(tmp_path)
    replies = adapter.fetch_replies([yt.VIDEO_ID])
    assert [(r.remote_id, r.in_reply_to, r.post_remote_id, r.author, r.author_name, r.own) for r in replies] == [
        ("Ugz1", yt.VIDEO_ID, yt.VIDEO_ID, "UCmarie", "Marie", False),
        ("Ugz2", yt.VIDEO_ID, yt.VIDEO_ID, yt.CHANNEL, "Nous", True),
    ]
    assert replies[0].created_at == datetime(2027, 3, 2, 15, 4, 5, tzinfo=UTC)
    assert replies[0].url == f"https://www.youtube.com/watch?v={yt.VIDEO_ID}&lc=Ugz1"
    assert server.checked == ["youtube.commentThreads.list"] and server.violations == []  # the discovery document
