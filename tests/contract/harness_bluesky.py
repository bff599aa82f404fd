"""Bluesky: the atproto SDK and the adapter against a real local Bluesky network (PLC + PDS +
AppView from @atproto/dev-env, the session fixture of tests/servers/bluesky.py; skipped there, with
the reason, when the dev-env is not installed, and a failure under CI=true). Faults are made in
the adapter's HTTP transport, in front of the real server; a fresh account for every test."""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import datetime
from typing import Any, ClassVar

import httpx

from socialpost.networks import registry
from tests.contract.harness import Harness
from tests.servers.bluesky import Account, DevEnv
from tests.support.faults import Fault

CREATE = "/xrpc/com.atproto.repo.createRecord"
GET_POSTS = "/xrpc/app.bsky.feed.getPosts"
COUNTS = ("likeCount", "repostCount", "replyCount", "quoteCount", "bookmarkCount")


class HidingTransport(httpx.BaseTransport):
    """The real transport; ``getPosts`` answers for ``hidden`` posts lose their counts."""

    def __init__(self, inner: httpx.BaseTransport, hidden: set[str]) -> None:
        self.inner = inner
        self.hidden = hidden

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path != GET_POSTS or not self.hidden or response.status_code != 200:
            return response
        body = json.loads(response.read())
        for post in body.get("posts", []):
            if any(str(post.get("uri", "")).endswith(tail) for tail in self.hidden):
                for name in COUNTS:
                    post.pop(name, None)
        return httpx.Response(200, json=body, request=request)

    def close(self) -> None:
        self.inner.close()


class BlueskyHarness(Harness):
    network = "bluesky"
    fixtures = ("bluesky_devenv",)
    resends_after_401: ClassVar[int] = 1  # a refused session: the adapter signs in again once

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.devenv: DevEnv = self.servers["bluesky_devenv"]
        self.account_at: Account = self.devenv.create_account("contract")
        self.secret = self.account_at.app_password
        self.hidden: set[str] = set()
        adapter = registry.load("bluesky")
        before = adapter.__dict__.get("transport")  # the adapter's hook for its XRPC transport
        adapter.transport = self.faults.transport(HidingTransport(httpx.HTTPTransport(), self.hidden))  # type: ignore[attr-defined]
        stack.callback(setattr, adapter, "transport", before)
        return {
            "handle": self.account_at.handle,
            "app_password": self.account_at.app_password,
            "pds_url": self.devenv.pds_url,
        }

    def publish_route(self, method: str, path: str) -> bool:
        return (method, path) == ("POST", CREATE)

    def posts_seen(self) -> int:
        answer = httpx.get(
            f"{self.devenv.pds_url}/xrpc/com.atproto.repo.listRecords",
            params={"repo": self.account_at.did, "collection": "app.bsky.feed.post", "limit": 100},
            timeout=10,
        )
        answer.raise_for_status()
        return len(answer.json()["records"])

    def rate_limit(self, reset: datetime) -> Fault:
        headers = {
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(int(reset.timestamp())),
            "ratelimit-policy": "5000;w=3600",
        }
        return Fault.answer(429, headers, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})

    def unauthorized(self) -> Fault:
        message = f"Token could not be verified (app password {self.secret})"
        return Fault.answer(401, {}, {"error": "InvalidToken", "message": message})

    def server_error(self, status: int) -> Fault:
        return Fault.answer(status, {}, {"error": "InternalServerError", "message": "Internal Server Error"})

    def hide_counts(self, remote_id: str) -> None:
        self.hidden.add(remote_id.rstrip("/").rsplit("/", 1)[-1])
