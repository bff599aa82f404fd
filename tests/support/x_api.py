"""X's API v2 as a strict, stateful local server (a LocalServer responder), for any test to post to.

    x = FakeX(clock)
    with LocalServer() as server:
        server.respond(x)            # the adapter's base_url is server.url
        ... publish through the real adapter (tweepy, requests) ...
    assert x.posts[0]["text"] == "…"; assert x.violations == []

What it enforces, as X does:

* every request signed with OAuth 1.0a user context for the known consumer key and access token
  (401 with X's problem body otherwise);
* every query parameter declared by the operation in X's own OpenAPI spec, with values in its
  enums (``tests.support.openapi``; X would drop an unknown one silently: here it is a 400 and a
  violation recorded), and a ``POST /2/tweets`` body with only the properties the spec declares;
* ``POST /2/tweets`` answers 201 with a snowflake id made from the server's clock, refuses the same
  text twice from the account (403, X's duplicate-content body), and follows ``reply``;
* ``GET /2/users/me``, ``GET /2/users/{id}/tweets`` (``start_time`` honoured, newest first) and
  ``GET /2/tweets?ids=`` with ``public_metrics`` and, for posts under 30 days old,
  ``non_public_metrics``/``organic_metrics``. ``hidden`` ids are answered without any count.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.support.http import Reply, Request
from tests.support.openapi import OpenAPI

EPOCH_MS = 1288834974657  # X's snowflake epoch
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}


def snowflake(when: datetime, seq: int = 0) -> str:
    return str(((int(when.timestamp() * 1000) - EPOCH_MS) << 22) + seq)


def oauth1_params(header: str) -> dict[str, str]:
    if not header.startswith("OAuth "):
        return {}
    found = {}
    for part in header.removeprefix("OAuth ").split(","):
        name, _, value = part.strip().partition("=")
        found[name] = unquote(value.strip('"'))
    return found


class FakeX:
    def __init__(
        self,
        spec: OpenAPI,
        clock: Callable[[], datetime],
        *,
        consumer_key: str,
        access_token: str,
        user: dict[str, str],
    ) -> None:
        self.spec = spec
        self.clock = clock
        self.consumer_key = consumer_key
        self.access_token = access_token
        self.user = user
        self.posts: list[dict[str, Any]] = []  # newest last
        self.hidden: set[str] = set()  # ids answered without counts
        self.violations: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self._lock:
            return self._answer(request)

    def _answer(self, request: Request) -> Reply:
        url = "https://api.twitter.com" + request.path
        oauth = oauth1_params({k.lower(): v for k, v in request.headers.items()}.get("authorization", ""))
        if (
            oauth.get("oauth_consumer_key") != self.consumer_key
            or oauth.get("oauth_token") != self.access_token
            or not oauth.get("oauth_signature")
        ):
            return Reply(401, UNAUTHORIZED)
        problems = self.spec.query_violations(request.method, url)
        if problems:
            self.violations += problems
            return Reply(400, {"title": "Invalid Request", "detail": "; ".join(problems), "status": 400})
        path = urlsplit(request.path).path
        query = dict(parse_qsl(urlsplit(request.path).query))
        if request.method == "POST" and path == "/2/tweets":
            return self._create(request, url)
        if request.method == "GET" and path == "/2/users/me":
            return Reply(200, {"data": self.user})
        if request.method == "GET" and path == f"/2/users/{self.user['id']}/tweets":
            return self._timeline(query)
        if request.method == "GET" and path == "/2/tweets":
            return self._lookup(query)
        self.violations.append(f"{request.method} {path}: not served by this fake")
        return Reply(404, {"title": "Not Found Error", "detail": f"no route for {path}", "status": 404})

    def _create(self, request: Request, url: str) -> Reply:
        operation = self.spec.operation("POST", url)
        assert operation is not None
        body = request.json
        schema = self.spec.resolve(operation.spec["requestBody"])["content"]["application/json"]["schema"]
        problems = self.spec._check(body, schema, "body", True)
        if problems:
            self.violations += problems
            return Reply(400, {"title": "Invalid Request", "detail": "; ".join(problems), "status": 400})
        text = str(body.get("text", ""))
        if any(p["text"] == text for p in self.posts):
            return Reply(403, DUPLICATE)
        now = self.clock()
        tweet_id = snowflake(now, len(self.posts) + 1)
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        root = next((p["conversation_id"] for p in self.posts if p["id"] == reply_to), tweet_id)
        post: dict[str, Any] = {
            "id": tweet_id,
            "text": text,
            "created_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conversation_id": root,
            "edit_history_post_ids": [tweet_id],
        }
        if reply_to:
            post["referenced_posts"] = [{"type": "replied_to", "id": reply_to}]
        self.posts.append(post)
        return Reply(201, {"data": {"id": tweet_id, "text": text, "edit_history_post_ids": [tweet_id]}})

    def _timeline(self, query: dict[str, str]) -> Reply:
        start = datetime.fromisoformat(query["start_time"].replace("Z", "+00:00")) if "start_time" in query else None
        mine = [p for p in reversed(self.posts) if start is None or datetime.fromisoformat(p["created_at"]) >= start][
            : int(query.get("max_results", "10"))
        ]
        meta: dict[str, Any] = {"result_count": len(mine)}
        body: dict[str, Any] = {"meta": meta}
        if mine:
            meta |= {"newest_id": mine[0]["id"], "oldest_id": mine[-1]["id"]}
            body["data"] = mine
        return Reply(200, body)

    def _lookup(self, query: dict[str, str]) -> Reply:
        fields = set(query.get("post.fields", "").split(","))
        found = []
        for tweet_id in query.get("ids", "").split(","):
            post = next((p for p in self.posts if p["id"] == tweet_id), None)
            if post is None:
                continue
            item: dict[str, Any] = {"id": tweet_id, "text": post["text"], "edit_history_post_ids": [tweet_id]}
            if tweet_id not in self.hidden:
                if "public_metrics" in fields:
                    item["public_metrics"] = {"repost_count": 0, "reply_count": 0, "like_count": 0,
                                              "quote_count": 0, "bookmark_count": 0, "impression_count": 1}  # fmt: skip
                if "non_public_metrics" in fields:
                    item["non_public_metrics"] = {"impression_count": 1, "url_link_clicks": 0,
                                                  "user_profile_clicks": 0}  # fmt: skip
            found.append(item)
        return Reply(200, {"data": found} if found else {"errors": []})
