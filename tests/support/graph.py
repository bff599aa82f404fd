"""A Facebook Page on the Graph API, strict and stateful, as an httpx handler (respx side effect).

    graph = FakeGraph(page_id, token)
    with respx.mock(base_url="https://graph.facebook.com") as router:
        router.route().mock(side_effect=graph)
        ... publish through the real adapter ...
    assert graph.posts[0]["message"] == "…"

What it enforces, as Graph does (errors in Graph's shape, ``tests.support.facebook.graph_error``):

* a versioned path (``/v24.0/…``; code 2500 otherwise) and the Page token in the
  ``Authorization: Bearer`` header (code 190 otherwise; never ``access_token`` in the URL);
* ``POST /{page}/feed`` takes a form with ``message`` (and ``link``) only (code 100 otherwise),
  refuses the same message twice (code 506) and answers ``{"id": "PAGE_N"}``;
* ``GET /{page}/published_posts`` lists the Page's posts since ``since``, newest first;
* ``POST /`` with ``batch``: the fields and insights of posts (``tests.support.facebook.GraphBatch``);
  a post that does not exist, or is ``hidden``, is Graph's code 100/33 (no counts at all).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.support.facebook import GraphBatch, graph_error

VERSIONED = re.compile(r"^/v(\d+)\.0(/.*)$")


class FakeGraph:
    def __init__(self, page_id: str, token: str, *, clock: Any) -> None:
        self.page_id = page_id
        self.token = token
        self.clock = clock
        self.posts: list[dict[str, Any]] = []
        self.hidden: set[str] = set()
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            request.read()
            self.requests.append(request)
            return self._answer(request)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        if "access_token" in request.url.params:
            return httpx.Response(400, json=graph_error(100, "access_token belongs in the Authorization header here"))
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return httpx.Response(400, json=graph_error(190, "Invalid OAuth access token - Cannot parse access token"))
        versioned = VERSIONED.match(request.url.path)
        if versioned is None:
            return httpx.Response(400, json=graph_error(2500, "Unknown path components", kind="OAuthException"))
        path = versioned.group(2)
        form = {k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}
        if request.method == "POST" and path == f"/{self.page_id}/feed":
            return self._feed(form)
        if request.method == "GET" and path == f"/{self.page_id}/published_posts":
            return self._published(request.url.params)
        if request.method == "POST" and path == "/":
            known = {p["id"] for p in self.posts} - self.hidden
            batch = GraphBatch(missing={p["id"] for p in self.posts if p["id"] not in known})
            return batch(request)
        return httpx.Response(
            400,
            json=graph_error(
                100, f"Unsupported {request.method.lower()} request.", subcode=33, kind="GraphMethodException"
            ),
        )

    def _feed(self, form: dict[str, str]) -> httpx.Response:
        unknown = set(form) - {"message", "link"}
        if unknown or not form.get("message"):
            return httpx.Response(400, json=graph_error(100, f"(#100) Invalid parameter {sorted(unknown)}"))
        if any(p["message"] == form["message"] for p in self.posts):
            return httpx.Response(400, json=graph_error(506, "Duplicate status message"))
        post_id = f"{self.page_id}_{len(self.posts) + 1}"
        created = self.clock().astimezone(UTC)
        self.posts.append({"id": post_id, "message": form["message"], "created": created})
        return httpx.Response(200, json={"id": post_id})

    def _published(self, params: httpx.QueryParams) -> httpx.Response:
        since = datetime.fromtimestamp(int(params.get("since", "0")), UTC)
        fields = params.get("fields", "id").split(",")
        data = [
            {
                key: value
                for key, value in {
                    "id": p["id"],
                    "message": p["message"],
                    "created_time": p["created"].strftime("%Y-%m-%dT%H:%M:%S+0000"),
                }.items()
                if key in fields
            }
            for p in reversed(self.posts)
            if p["created"] >= since
        ]
        return httpx.Response(200, json={"data": data, "paging": {"cursors": {"before": "QVFIU", "after": "QVFIZ"}}})
