"""The webhook: a real local HTTP receiver (tests/support/http.py) as the README documents one. It
takes a post only with the account's bearer token (401 otherwise), only the documented JSON with
an ``Idempotency-Key`` header (400 otherwise), dedupes on that key, and answers ``{"id", "url"}``."""

from __future__ import annotations

import itertools
from contextlib import ExitStack
from datetime import datetime
from typing import Any, ClassVar

from tests.contract.harness import Harness
from tests.support.faults import Fault
from tests.support.http import LocalServer, Reply, Request

TOKEN = "whk-Contract-t0ken-5f4e3d2c1b"
DOCUMENTED = {"id", "campaign", "account", "text", "thread", "media", "due_at", "idempotency_key"}


class Receiver:
    def __init__(self) -> None:
        self.posts: dict[str, dict[str, Any]] = {}  # idempotency key → the post
        self._ids = itertools.count(1)

    def __call__(self, request: Request) -> Reply:
        headers = {k.lower(): v for k, v in request.headers.items()}
        if headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"error": "unauthorized"})
        if request.method != "POST" or not headers.get("content-type", "").startswith("application/json"):
            return Reply(400, {"error": "a JSON POST is expected"})
        body = request.json
        key = headers.get("idempotency-key", "")
        if not isinstance(body, dict) or set(body) != DOCUMENTED or key != body["idempotency_key"]:
            return Reply(400, {"error": "not the documented post"})
        if key not in self.posts:
            number = next(self._ids)
            self.posts[key] = {**body, "remote": f"wh-{number}"}
        remote = self.posts[key]["remote"]
        return Reply(200, {"id": remote, "url": f"https://receiver.example/posts/{remote}"})


class WebhookHarness(Harness):
    network = "webhook"
    secret = TOKEN

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.receiver = Receiver()
        server = stack.enter_context(LocalServer())
        server.respond(self.faults.local(self.receiver))
        return {"url": f"{server.url}/hook", "headers": {"Authorization": f"Bearer {TOKEN}"}, "timeout": 0.5}

    def posts_seen(self) -> int:
        return len(self.receiver.posts)

    def rate_limit(self, reset: datetime) -> Fault:
        seconds = int((reset - self.clock()).total_seconds())
        return Fault.answer(429, {"Retry-After": str(seconds)}, {"error": "slow down"})

    def unauthorized(self) -> Fault:
        return Fault.answer(401, {}, {"error": f"token {TOKEN} is not valid"})

    reads_metrics: ClassVar[bool] = False  # a receiver has no audience to count
