"""X's fake API for the tests: test credentials, posts as X's spec (or its legacy alias) spells
them, scripted answers and the requests they check, and an adapter pointed at a local server."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from socialpost.networks.base import OutgoingPost
from socialpost.networks.x import XNetwork
from socialpost.settings.config import Settings
from socialpost.wiring import Adapters
from tests.conftest import FakeClock
from tests.support import posts
from tests.support.http import Reply, Request

CK, CS = "ck-Consumer-4f1d9a", "cs-ConsumerSecret-8e2b7c6d5a"
AT, ATS = "2244994945-AccessTok3n-77aa", "ats-AccessSecret-91bc3de"
OAUTH1 = {"consumer_key": CK, "consumer_secret": CS, "access_token": AT, "access_token_secret": ATS}
BEARER, REFRESH = "b3arer-OAuth2-user-token-5566", "r3fresh-OAuth2-token-7788"
NEW_BEARER, NEW_REFRESH = "n3w-bearer-token-1122", "n3w-refresh-token-3344"
SECRETS = (CK, CS, AT, ATS, BEARER, REFRESH, NEW_BEARER, NEW_REFRESH)
ME = {"data": {"id": "2244994945", "name": "Acme Café", "username": "acme"}}
API = "https://api.twitter.com"  # where tweepy sends requests (the tests redirect them)
# X answers in its spec's names (post.fields: repost_count, referenced_posts, edit_history_post_ids)
# or, through the legacy alias, in the old ones (tweet.fields: retweet_count, referenced_tweets…).
SPELLINGS = ("spec", "legacy")


def snowflake(when: datetime, seq: int = 0) -> str:
    """A tweet id created at ``when`` (X ids are snowflakes: milliseconds since 2010-11-04 << 22)."""
    return str(((int(when.timestamp() * 1000) - 1288834974657) << 22) + seq)


def named(spelling: str) -> dict[str, str]:
    """The field names of one spelling."""
    legacy = spelling == "legacy"
    return {
        "reposts": "retweet_count" if legacy else "repost_count",
        "references": "referenced_tweets" if legacy else "referenced_posts",
        "history": "edit_history_tweet_ids" if legacy else "edit_history_post_ids",
    }


def public_metrics(spelling: str, **values: int) -> dict[str, int]:
    counts = {"reposts": 3, "reply_count": 2, "like_count": 17, "quote_count": 1, "bookmark_count": 4,
              "impression_count": 912, **values}  # fmt: skip
    return {named(spelling).get(k, k): v for k, v in counts.items()}


def outgoing(text: str = "Bonjour ☕ https://example.com/launch", **more: Any) -> OutgoingPost:
    return posts.outgoing("x:acme", text, **more)


def network(settings: Settings, clock: FakeClock, base_url: str, **more: Any) -> XNetwork:
    values = {**OAUTH1, "base_url": base_url, "timeout": 2, **more}
    if "oauth2_access_token" in more:
        for key in OAUTH1:
            values.pop(key)
    settings.accounts = {"x": {"acme": values}}
    adapter = Adapters(settings, clock=clock).get("x:acme")
    assert isinstance(adapter, XNetwork)
    adapter.sleep = lambda _seconds: None
    return adapter


def png(path: Path, size: int | None = None) -> Path:
    from PIL import Image

    Image.new("RGB", (8, 8), (200, 100, 50)).save(path, format="PNG")
    if size is not None:
        with path.open("r+b") as handle:
            handle.truncate(size)
    return path


def mp4(path: Path, size: int = 10_000) -> Path:
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (size - 12))
    return path


def headers_of(request: Request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def multipart_fields(request: Request) -> dict[str, bytes]:
    boundary = headers_of(request)["content-type"].split("boundary=")[1].encode()
    fields = {}
    for part in request.body.split(b"--" + boundary)[1:-1]:
        head, _, value = part.strip(b"\r\n").partition(b"\r\n\r\n")
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        fields[name] = value
    return fields


def spec_post(spelling: str, tweet_id: str, text: str, *, reply_to: str | None = None, root: str | None = None,
              **more: Any) -> dict[str, Any]:  # fmt: skip
    """A post as X's spec describes it (``spelling="spec"``) or in the legacy names."""
    names = named(spelling)
    data: dict[str, Any] = {"id": tweet_id, "text": text, "created_at": "2027-01-10T12:00:01.000Z",
                            "conversation_id": root or tweet_id, names["history"]: [tweet_id], **more}  # fmt: skip
    if reply_to:
        data[names["references"]] = [{"type": "replied_to", "id": reply_to}]
    return data


def created(tweet_id: str, text: str = "…") -> Reply:
    return Reply(201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}})


class Router:
    """Answers by "METHOD /path" (query ignored); each value is a Reply or a list used in order."""

    def __init__(self, routes: dict[str, Reply | list[Reply]]) -> None:
        self.routes = {k: (v if isinstance(v, list) else [v]) for k, v in routes.items()}

    def __call__(self, request: Request) -> Reply:
        key = f"{request.method} {urlsplit(request.path).path}"
        replies = self.routes.get(key)
        if not replies:
            return Reply(404, {"title": f"no route for {key}"})
        return replies.pop(0) if len(replies) > 1 else replies[0]


def timeline(*tweets: dict[str, Any], next_token: str | None = None) -> Reply:
    meta: dict[str, Any] = {"result_count": len(tweets)}
    if tweets:
        meta |= {"newest_id": tweets[0]["id"], "oldest_id": tweets[-1]["id"]}
    if next_token:
        meta["next_token"] = next_token
    body: dict[str, Any] = {"meta": meta}
    if tweets:
        body["data"] = list(tweets)
    return Reply(200, body)


def tweet(tweet_id: str, text: str, *, reply_to: str | None = None, spelling: str = "spec") -> dict[str, Any]:
    """One of the account's posts as the timeline lists it (a reply: in the conversation of the
    post it answers, which in these tests opens the thread)."""
    return spec_post(spelling, tweet_id, text, reply_to=reply_to, root=reply_to)
