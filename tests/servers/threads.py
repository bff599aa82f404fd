"""A strict fake of the Threads API (graph.threads.net) on a real loopback socket.

The adapter's own httpx client talks to it over TCP exactly as it talks to Meta. What it enforces,
as Meta's Threads docs describe it (developers.facebook.com/docs/threads: overview, posts,
troubleshooting, reply management, insights, long-lived tokens):

* a version prefix: ``/v1.0/`` is served; a retired one (``retired``) answers error 2635, an
  unknown path error 100 — Graph error bodies ``{"error": {"message", "type", "code",
  "error_subcode", "fbtrace_id"}}``;
* the ``access_token`` (query, form or ``Authorization: Bearer``): unknown → 190 "Invalid OAuth
  access token", past its expiry (the server's clock) → 190 / 463 "Session has expired";
  ``GET /refresh_access_token?grant_type=th_refresh_token`` (no version prefix) gives a new
  60-day token for one that is at least 24 hours old and not expired;
* ``GET /access_token?grant_type=th_exchange_token`` with the app secret exchanges a short-lived
  token (``short_tokens``) for a long-lived one (code 101 for a wrong secret);
* containers: ``POST /{user}/threads`` (TEXT, IMAGE, VIDEO, CAROUSEL; ``is_carousel_item``,
  ``children``, ``reply_to_id``, ``link_attachment``, ``alt_text``); text over 500 characters is
  refused (100); the server fetches ``image_url``/``video_url`` itself with a plain GET, as Meta
  does, and a URL that does not answer 200 puts the container in ERROR; a media container stays
  IN_PROGRESS for ``in_progress_reads`` status reads, then FINISHED; one that is not published
  within 24 hours is EXPIRED; ``GET /{container}?fields=status,error_message``;
* ``POST /{user}/threads_publish?creation_id=`` publishes a FINISHED container once (a second
  time: error 100 "already published"; not finished: 9007 "not ready"), counts against the
  250-a-day quota (past it: error 4 "Application request limit reached"), and the container
  reads PUBLISHED afterwards; ``GET /{user}/threads_publishing_limit``;
* posts: ``GET /{id}?fields=…``, ``GET /{user}/threads``, ``GET /{id}/insights``,
  ``GET /{id}/conversation``; ``POST /{user}/manage_reply``… are not needed and answer 100.

Every answer carries ``X-App-Usage`` (call_count, total_cputime, total_time in percent).
Tests arrange and read state through the Python object (``server.posts``, ``server.expire()``…).
"""

from __future__ import annotations

import itertools
import json
import secrets
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

VERSION = "v1.0"
USER_ID = "17841400000000001"
USERNAME = "acme.threads"
APP_SECRET = "app-secret-" + "s" * 21
QUOTA_TOTAL = 250
REPLY_QUOTA_TOTAL = 1000
WINDOW = timedelta(hours=24)
TOKEN_LIFETIME = timedelta(days=60)
REFRESH_AFTER = timedelta(hours=24)
MAX_TEXT = 500
CAROUSEL = (2, 20)
MEDIA_TYPES = {"TEXT", "IMAGE", "VIDEO", "CAROUSEL"}
MISSING = (
    "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing "
    "permissions, or does not support this operation"
)
METRICS = ("views", "likes", "replies", "reposts", "quotes", "shares")


def graph_error(code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException") -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AtHrEaDs" + "x" * 8}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def fail(code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException") -> GraphFailure:
    """A 400 with Graph's error body (Meta answers most errors with 400)."""
    return GraphFailure(400, graph_error(code, message, subcode=subcode, kind=kind))


class GraphFailure(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status, self.body = status, body


@dataclass
class Container:
    id: str
    media_type: str
    text: str
    created_at: datetime
    reads_left: int
    status: str = "IN_PROGRESS"
    error_message: str = ""
    media_url: str = ""
    alt_text: str = ""
    link: str = ""
    reply_to: str = ""
    children: tuple[str, ...] = ()
    carousel_item: bool = False
    published_as: str = ""


@dataclass
class Post:
    id: str
    media_type: str
    text: str
    timestamp: datetime
    username: str
    reply_to: str = ""
    root: str = ""
    link: str = ""
    children: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))
    hidden_counts: bool = False
    mine: bool = True

    @property
    def permalink(self) -> str:
        return f"https://www.threads.net/@{self.username}/post/{self.id[-11:]}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class ThreadsServer:
    """``with ThreadsServer(clock=clock) as server:`` → ``server.url``, ``server.token``."""

    def __init__(self, *, clock: Callable[[], datetime], in_progress_reads: int = 1) -> None:
        self.clock = clock
        self.in_progress_reads = in_progress_reads
        self.token = "THAA" + secrets.token_urlsafe(24)
        self.tokens: dict[str, tuple[datetime, datetime]] = {self.token: (clock(), clock() + TOKEN_LIFETIME)}
        self.retired: set[str] = {"v0.9"}
        self.short_tokens: set[str] = set()  # short-lived tokens waiting to be exchanged
        self.containers: dict[str, Container] = {}
        self.posts: dict[str, Post] = {}
        self.publishes: list[datetime] = []
        self.reply_publishes: list[datetime] = []
        self.fetched: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self.quota_total = QUOTA_TOTAL
        self._ids = itertools.count(18_000_000_000_000_001)
        self._lock = threading.RLock()
        self._http: _Server | None = None

    # --- life -------------------------------------------------------------------------------------

    def __enter__(self) -> ThreadsServer:
        self._http = _Server(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self._http.serve_forever, name="threads-fake", daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()

    @property
    def url(self) -> str:
        assert self._http is not None
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- arranging --------------------------------------------------------------------------------

    def new_id(self) -> str:
        return str(next(self._ids))

    def expire(self, token: str | None = None) -> None:
        """The token's 60 days are over (the server's clock says so from now on)."""
        token = token or self.token
        issued, _expires = self.tokens[token]
        self.tokens[token] = (issued, self.clock() - timedelta(seconds=1))

    def add_reply(self, to: str, text: str, *, username: str = "fan.account") -> Post:
        """Someone else answers post or reply ``to``."""
        with self._lock:
            parent = self.posts[to]
            post = Post(self.new_id(), "TEXT", text, self.clock(), username, reply_to=to, root=parent.root or to)
            post.mine = False
            self.posts[post.id] = post
            return post

    def mine(self) -> list[Post]:
        """The account's own top-level posts, oldest first."""
        return [p for p in self.posts.values() if p.mine and not p.reply_to]

    # --- the API ----------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                params = dict(parse_qsl(split.query, keep_blank_values=True))
                if body and "form" in (self.headers.get("Content-Type") or ""):
                    params.update(parse_qsl(body.decode(), keep_blank_values=True))
                bearer = self.headers.get("Authorization", "")
                if bearer.startswith("Bearer ") and "access_token" not in params:
                    params["access_token"] = bearer[7:]
                try:
                    status, answer = server.handle(self.command, split.path, params)
                except GraphFailure as failure:
                    status, answer = failure.status, failure.body
                content = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    usage = {"call_count": 1, "total_cputime": 1, "total_time": 1}
                    self.send_header("X-App-Usage", json.dumps(usage))
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except (ConnectionError, TimeoutError):
                    pass

            do_GET = do_POST = do_DELETE = _serve

        return Handler

    def handle(self, method: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
        with self._lock:
            self.requests.append((method, path))
            parts = [p for p in path.split("/") if p]
            if parts == ["refresh_access_token"] and method == "GET":
                return 200, self._refresh(params)
            if parts == ["access_token"] and method == "GET":
                return 200, self._exchange(params)
            if not parts or parts[0] != VERSION:
                if parts and parts[0] in self.retired:
                    raise fail(2635, f"(#2635) The Threads API {parts[0]} is deprecated. Please use {VERSION}.")
                raise fail(100, "Unsupported request - method type: " + method.lower(), kind="GraphMethodException")
            self._authenticate(params.get("access_token", ""))
            return 200, self._route(method, parts[1:], params)

    def _authenticate(self, token: str) -> None:
        known = self.tokens.get(token)
        if known is None:
            raise fail(190, "Invalid OAuth access token - Cannot parse access token")
        if self.clock() >= known[1]:
            when = known[1].strftime("%A, %d-%b-%y %H:%M:%S UTC")
            message = f"Error validating access token: Session has expired on {when}."
            raise fail(190, message, subcode=463)

    def _refresh(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("grant_type") != "th_refresh_token":
            raise fail(100, "Invalid grant_type", kind="OAuthException")
        token = params.get("access_token", "")
        self._authenticate(token)
        issued, _expires = self.tokens[token]
        if self.clock() - issued < REFRESH_AFTER:
            raise fail(190, "Long-lived token cannot be refreshed before it is 24 hours old")
        new = "THAA" + secrets.token_urlsafe(24)
        self.tokens[new] = (self.clock(), self.clock() + TOKEN_LIFETIME)
        if token == self.token:
            self.token = new
        return {"access_token": new, "token_type": "bearer", "expires_in": int(TOKEN_LIFETIME.total_seconds())}

    def _exchange(self, params: dict[str, str]) -> dict[str, Any]:
        """A short-lived token (1 hour) and the app secret → a long-lived one."""
        if params.get("grant_type") != "th_exchange_token":
            raise fail(100, "Invalid grant_type")
        if params.get("client_secret") != APP_SECRET:
            raise fail(101, "Error validating client secret.")
        token = params.get("access_token", "")
        if token not in self.short_tokens:
            raise fail(190, "Invalid OAuth access token - Cannot parse access token")
        self.short_tokens.discard(token)
        new = "THAA" + secrets.token_urlsafe(24)
        self.tokens[new] = (self.clock(), self.clock() + TOKEN_LIFETIME)
        return {"access_token": new, "token_type": "bearer", "expires_in": int(TOKEN_LIFETIME.total_seconds())}

    def _route(self, method: str, parts: list[str], params: dict[str, str]) -> Any:
        if parts == ["me"] and method == "GET":
            return {"id": USER_ID, "username": USERNAME, "name": "Acme"}
        if len(parts) == 2 and parts[0] in (USER_ID, "me"):
            edge = parts[1]
            if edge == "threads" and method == "POST":
                return self._create(params)
            if edge == "threads" and method == "GET":
                return self._list(params)
            if edge == "threads_publish" and method == "POST":
                return self._publish(params.get("creation_id", ""))
            if edge == "threads_publishing_limit" and method == "GET":
                return self._limit()
        if len(parts) == 1 and method == "GET":
            return self._read(parts[0], params)
        if len(parts) == 2 and parts[1] == "insights" and method == "GET":
            return self._insights(parts[0], params)
        if len(parts) == 2 and parts[1] in ("conversation", "replies") and method == "GET":
            return self._conversation(parts[0], direct=parts[1] == "replies")
        raise fail(
            100, MISSING.format(method=method.lower(), id="/".join(parts)), kind="GraphMethodException", subcode=33
        )

    # containers

    def _create(self, params: dict[str, str]) -> dict[str, str]:
        kind = params.get("media_type", "")
        if kind not in MEDIA_TYPES:
            raise fail(100, "(#100) media_type must be one of TEXT, IMAGE, VIDEO, CAROUSEL")
        text = params.get("text", "")
        if len(text) > MAX_TEXT:
            raise fail(100, f"(#100) Param text must be at most {MAX_TEXT} characters long.", subcode=4279001)
        if kind == "TEXT" and not text:
            raise fail(100, "(#100) The parameter text is required for TEXT posts")
        reply_to = params.get("reply_to_id", "")
        if reply_to and reply_to not in self.posts:
            raise fail(100, f"(#100) reply_to_id {reply_to} does not exist", subcode=4279009)
        item = params.get("is_carousel_item") == "true"
        container = Container(self.new_id(), kind, text, self.clock(), 0, carousel_item=item, reply_to=reply_to)
        container.alt_text = params.get("alt_text", "")
        container.link = params.get("link_attachment", "")
        if container.link and kind != "TEXT":
            raise fail(100, "(#100) link_attachment is only available for TEXT posts")
        if kind in ("IMAGE", "VIDEO"):
            key = "image_url" if kind == "IMAGE" else "video_url"
            container.media_url = params.get(key, "")
            if not container.media_url:
                raise fail(100, f"(#100) The parameter {key} is required")
            container.reads_left = self.in_progress_reads
            if not self._fetch(container.media_url):
                container.status = "ERROR"
                container.error_message = "FAILED_DOWNLOADING_VIDEO" if kind == "VIDEO" else "FAILED_DOWNLOADING_IMAGE"
        elif kind == "CAROUSEL":
            children = tuple(c for c in params.get("children", "").split(",") if c)
            if not CAROUSEL[0] <= len(children) <= CAROUSEL[1]:
                raise fail(100, f"(#100) A carousel needs {CAROUSEL[0]} to {CAROUSEL[1]} children", subcode=4279002)
            for child in children:
                found = self.containers.get(child)
                if found is None or not found.carousel_item or found.status != "FINISHED":
                    raise fail(100, f"(#100) Child {child} is not a finished carousel item", subcode=4279003)
            container.children = children
        if container.status == "IN_PROGRESS" and container.reads_left == 0:
            container.status = "FINISHED"
        self.containers[container.id] = container
        return {"id": container.id}

    def _fetch(self, url: str) -> bool:
        """Meta downloads the media itself: a plain GET, no credentials, no redirects."""
        self.fetched.append(url)
        try:
            with httpx.Client(timeout=5, follow_redirects=False) as client:
                answer = client.get(url)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and bool(answer.content)

    def _container_status(self, container: Container) -> str:
        if container.status in ("IN_PROGRESS", "FINISHED") and self.clock() - container.created_at >= WINDOW:
            container.status = "EXPIRED"
        if container.status == "IN_PROGRESS":
            if container.reads_left > 0:
                container.reads_left -= 1
            else:
                container.status = "FINISHED"
        return container.status

    def _publish(self, creation_id: str) -> dict[str, str]:
        container = self.containers.get(creation_id)
        if container is None or container.carousel_item:
            raise fail(24, "The requested resource does not exist", subcode=4279009)
        if container.status == "PUBLISHED":
            raise fail(100, "(#100) The media container has already been published", subcode=4279014)
        status = container.status
        if status in ("IN_PROGRESS", "FINISHED") and self.clock() - container.created_at >= WINDOW:
            status = container.status = "EXPIRED"
        if status != "FINISHED":
            raise fail(9007, f"The media is not ready for publishing, please wait ({status})", subcode=2207027)
        quota = self.reply_publishes if container.reply_to else self.publishes
        total = REPLY_QUOTA_TOTAL if container.reply_to else self.quota_total
        now = self.clock()
        quota[:] = [t for t in quota if now - t < WINDOW]
        if len(quota) >= total:
            raise fail(4, "Application request limit reached")
        quota.append(now)
        parent = self.posts.get(container.reply_to) if container.reply_to else None
        post = Post(self.new_id(), container.media_type, container.text, now, USERNAME, link=container.link)
        post.children = container.children
        if parent is not None:
            post.reply_to, post.root = parent.id, parent.root or parent.id
        self.posts[post.id] = post
        container.status, container.published_as = "PUBLISHED", post.id
        return {"id": post.id}

    def _limit(self) -> dict[str, Any]:
        now = self.clock()
        used = [t for t in self.publishes if now - t < WINDOW]
        replies = [t for t in self.reply_publishes if now - t < WINDOW]
        day = int(WINDOW.total_seconds())
        return {
            "data": [
                {
                    "quota_usage": len(used),
                    "config": {"quota_total": self.quota_total, "quota_duration": day},
                    "reply_quota_usage": len(replies),
                    "reply_config": {"quota_total": REPLY_QUOTA_TOTAL, "quota_duration": day},
                }
            ]
        }

    # reading

    def _read(self, object_id: str, params: dict[str, str]) -> dict[str, Any]:
        fields = [f for f in params.get("fields", "id").split(",") if f]
        container = self.containers.get(object_id)
        if container is not None:
            answer: dict[str, Any] = {"id": container.id}
            if "status" in fields:
                answer["status"] = self._container_status(container)
            if "error_message" in fields and container.error_message:
                answer["error_message"] = container.error_message
            return answer
        return self._post_fields(self._post(object_id), fields)

    def _post(self, object_id: str) -> Post:
        post = self.posts.get(object_id)
        if post is None:
            raise fail(100, MISSING.format(method="get", id=object_id), kind="GraphMethodException", subcode=33)
        return post

    def _post_fields(self, post: Post, fields: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "id": post.id,
            "media_type": "TEXT_POST"
            if post.media_type == "TEXT"
            else post.media_type + ("_ALBUM" if post.media_type == "CAROUSEL" else ""),
            "text": post.text,
            "timestamp": post.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink": post.permalink,
            "username": post.username,
            "is_reply": bool(post.reply_to),
            "is_reply_owned_by_me": post.mine,
        }
        if post.reply_to:
            values["replied_to"] = {"id": post.reply_to}
            values["root_post"] = {"id": post.root}
        return {f: values[f] for f in fields if f in values}

    def _list(self, params: dict[str, str]) -> dict[str, Any]:
        fields = [f for f in params.get("fields", "id").split(",") if f]
        limit = int(params.get("limit") or 25)
        since = params.get("since")
        posts = sorted(self.mine(), key=lambda p: p.timestamp, reverse=True)
        if since:
            floor = datetime.fromtimestamp(int(since), tz=UTC)
            posts = [p for p in posts if p.timestamp >= floor]
        return {"data": [self._post_fields(p, fields) for p in posts[:limit]]}

    def _insights(self, media_id: str, params: dict[str, str]) -> dict[str, Any]:
        post = self._post(media_id)
        asked = [m for m in params.get("metric", "").split(",") if m]
        unknown = [m for m in asked if m not in METRICS]
        if not asked or unknown:
            raise fail(100, f"(#100) metric[0] must be one of the following values: {', '.join(METRICS)}")
        if post.hidden_counts:
            return {"data": []}
        return {
            "data": [
                {
                    "name": m,
                    "period": "lifetime",
                    "values": [{"value": post.counts[m]}],
                    "title": m,
                    "id": f"{post.id}/insights/{m}/lifetime",
                }
                for m in asked
            ]
        }

    def _conversation(self, media_id: str, *, direct: bool) -> dict[str, Any]:
        self._post(media_id)
        fields = ["id", "text", "username", "timestamp", "permalink", "is_reply_owned_by_me", "replied_to", "root_post"]
        if direct:
            found = [p for p in self.posts.values() if p.reply_to == media_id]
        else:
            found = [p for p in self.posts.values() if p.root == media_id]
        found.sort(key=lambda p: p.timestamp)
        return {"data": [self._post_fields(p, fields) for p in found]}

    def all_posts(self) -> Iterator[Post]:
        return iter(list(self.posts.values()))
