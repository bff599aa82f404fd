"""A strict fake of Pinterest's API v5 on a real loopback socket (tests/support/http.py's LocalServer).

The adapter's own httpx client talks to it over TCP as it talks to api.pinterest.com. What it
enforces, as Pinterest's API reference and guides describe it (developers.pinterest.com/docs:
api/v5 pins, boards, user_account, oauth; getting-started/authentication; key-concepts/access-tiers):

* every ``/v5/…`` call needs ``Authorization: Bearer <access token>``: unknown, revoked or past
  its expiry (the server's clock) → 401 ``{"code": 2, "message": "Authentication failed."}``;
* ``POST /v5/oauth/token`` (form) needs the app's id and secret as HTTP Basic credentials (else
  401); ``grant_type=authorization_code`` takes a code the server issued for that redirect URI
  once; ``grant_type=refresh_token`` takes a refresh token that is known and not expired. Both
  answer ``access_token`` (30 days: ``expires_in`` 2592000), ``refresh_token`` (60 days, a new one
  on every refresh: continuous refresh), ``token_type``, ``scope``; a bad grant → 400
  ``{"code": 1, "message": …}``;
* ``GET /v5/boards`` lists the boards the user owns (``page_size`` 1–250, ``bookmark`` paging);
  ``GET /v5/boards/{id}/pins`` the pins on one of them, newest first;
* ``POST /v5/pins`` (JSON): ``board_id`` must be a board that exists (404) and that the user owns
  (403); ``title`` at most 100 characters, ``description`` 500, ``alt_text`` 500, ``link`` 2,048
  and http(s); ``media_source`` must be ``image_base64`` with ``content_type`` image/jpeg or
  image/png and ``data`` valid base64 of a real image of that type (a PNG with its IHDR and a
  width and height, a JPEG from SOI to EOI), at most 20 MB; each refusal → 400 ``{"code": 1,
  "message": …}``; a pin made → 201 with the pin;
* ``GET /v5/pins/{id}``, ``GET /v5/pins/{id}/analytics`` (``start_date`` no more than 90 days
  back, ``end_date`` not before it, ``metric_types`` given) for pins the user owns (else 404);
* rate limits: :meth:`PinterestServer.throttle` makes the next calls 429 ``{"code": 29,
  "message": "You have exceeded your rate limit. Try again later."}`` with ``x-ratelimit-limit``,
  ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset`` (seconds).

Pinterest's exact ``code`` numbers for each refusal are not all documented; the fake uses the
published ones where known (2: authentication, 29: rate limit) and 1 ("invalid parameters")
elsewhere, and the adapter reads the status first. What the adapter sends that Pinterest would
refuse is also kept in ``violations`` (the tests assert it stays empty).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import secrets
import struct
import threading
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from socialpost.timeutil import Clock, iso_utc
from tests.support.http import LocalServer, Reply, Request

ACCESS_LIFETIME = timedelta(days=30)
REFRESH_LIFETIME = timedelta(days=60)
CLIENT_ID = "1234567"
USERNAME = "cafe_riviere"
LIMITS = {"title": 100, "description": 500, "alt_text": 500, "link": 2048}
MAX_IMAGE = 20_000_000
ANALYTICS_DAYS = 90
METRICS = ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK")
AUTH_FAILED = {"code": 2, "message": "Authentication failed."}
RATE_LIMITED = {"code": 29, "message": "You have exceeded your rate limit. Try again later."}


def png(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny, grey) PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def jpeg(padding: int = 64) -> bytes:
    """Bytes shaped as a JPEG: SOI, an APP0 (JFIF) segment, a frame header (SOF0), EOI."""
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0\x00\x0b\x08\x00\x02\x00\x02\x01\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + bytes(padding) + b"\xff\xd9"


def _real_image(data: bytes, content_type: str) -> str | None:
    """Why ``data`` is not an image of ``content_type`` (None: it is)."""
    if content_type == "image/png":
        if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR" or len(data) < 33:
            return "Invalid image: not a PNG"
        width, height = struct.unpack(">II", data[16:24])
        return None if width and height else "Invalid image: empty PNG"
    if content_type == "image/jpeg":
        if not data.startswith(b"\xff\xd8\xff") or not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            return "Invalid image: not a JPEG"
        return None if b"\xff\xc0" in data or b"\xff\xc2" in data else "Invalid image: JPEG without a frame"
    return "Invalid content_type"


class Refused(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _bad(message: str) -> Refused:
    return Refused(400, {"code": 1, "message": message})


@dataclass
class Board:
    id: str
    name: str
    owner: str = USERNAME
    privacy: str = "PUBLIC"


@dataclass
class Pin:
    id: str
    board_id: str
    created_at: datetime
    title: str | None
    description: str | None
    link: str | None
    alt_text: str | None
    image: bytes
    content_type: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))
    hidden_counts: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "board_id": self.board_id,
            "board_owner": {"username": USERNAME},
            "title": self.title,
            "description": self.description,
            "link": self.link,
            "alt_text": self.alt_text,
            "media": {"media_type": "image"},
        }


class PinterestServer:
    """The fake; use it as a context manager. ``url`` is its base (``api_base`` in the settings)."""

    def __init__(self, clock: Clock, *, account_type: str = "BUSINESS") -> None:
        self.clock = clock
        self.account_type = account_type
        self.client_secret = "app-secret-" + secrets.token_hex(8)
        self.access: dict[str, datetime] = {}
        self.refresh: dict[str, datetime] = {}
        self.codes: dict[str, str] = {}  # code → redirect URI
        self.boards: list[Board] = [
            Board("900000000000000001", "Spring recipes"),
            Board("900000000000000002", "Our shop"),
        ]
        self.others = [Board("900000000000000099", "Somebody else's board", owner="someone_else")]
        self.pins: dict[str, Pin] = {}
        self.violations: list[str] = []
        self.requests: list[Request] = []
        self._throttled: list[int] = []
        self.slow_create = 0.0  # seconds to wait before answering a pin it made (an answer that is lost)
        self._ids = itertools.count(1_000_000_000_000_000_001)
        self._lock = threading.Lock()
        self.server = LocalServer()
        self.server.respond(self.answer)

    # --- arranging ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    def token(self, lifetime: timedelta = ACCESS_LIFETIME) -> str:
        """A new access token that expires ``lifetime`` from now (server clock)."""
        value = "pina_" + secrets.token_hex(24)
        self.access[value] = self.clock() + lifetime
        return value

    def refresh_token(self, lifetime: timedelta = REFRESH_LIFETIME) -> str:
        value = "pinr_" + secrets.token_hex(24)
        self.refresh[value] = self.clock() + lifetime
        return value

    def code(self, redirect_uri: str) -> str:
        value = secrets.token_urlsafe(16)
        self.codes[value] = redirect_uri
        return value

    def throttle(self, times: int = 1, reset: int = 600) -> None:
        """The next ``times`` calls answer 429, the limit resetting in ``reset`` seconds."""
        self._throttled.extend([reset] * times)

    def mine(self) -> list[Pin]:
        return list(self.pins.values())

    # --- answering ----------------------------------------------------------------------------------

    def __enter__(self) -> PinterestServer:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            try:
                status, body = self._route(request)
            except Refused as refused:
                return Reply(refused.status, refused.body, refused.headers)
        return Reply(status, body, delay=self.slow_create if status == 201 else 0.0)

    def _route(self, request: Request) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(request.path)
        path = parts.path.rstrip("/")
        query = dict(parse_qsl(parts.query))
        if request.method == "POST" and path == "/v5/oauth/token":
            return 200, self._oauth(request)
        if not path.startswith("/v5/"):
            raise Refused(404, {"code": 1, "message": "Not found"})
        self._authenticate(request)
        if self._throttled:
            reset = self._throttled.pop(0)
            headers = {"x-ratelimit-limit": "1000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
            raise Refused(429, RATE_LIMITED, headers)
        segments = path.split("/")[2:]
        if request.method == "GET" and segments == ["user_account"]:
            return 200, {"account_type": self.account_type, "username": USERNAME, "id": "700000000000000001"}
        if request.method == "GET" and segments == ["boards"]:
            return 200, self._page([{"id": b.id, "name": b.name, "privacy": b.privacy} for b in self.boards], query)
        if request.method == "GET" and len(segments) == 3 and segments[0] == "boards" and segments[2] == "pins":
            board = self._board(segments[1])
            pins = sorted((p for p in self.pins.values() if p.board_id == board.id), key=lambda p: p.id, reverse=True)
            return 200, self._page([p.as_json() for p in pins], query)
        if request.method == "POST" and segments == ["pins"]:
            return 201, self._create(request)
        if request.method == "GET" and len(segments) == 2 and segments[0] == "pins":
            return 200, self._pin(segments[1]).as_json()
        if request.method == "GET" and len(segments) == 3 and segments[0] == "pins" and segments[2] == "analytics":
            return 200, self._analytics(self._pin(segments[1]), query)
        raise Refused(404, {"code": 1, "message": "Not found"})

    def _authenticate(self, request: Request) -> None:
        header = {k.lower(): v for k, v in request.headers.items()}.get("authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        expires = self.access.get(token)
        if expires is None or expires <= self.clock():
            raise Refused(401, AUTH_FAILED)

    def _oauth(self, request: Request) -> dict[str, Any]:
        header = {k.lower(): v for k, v in request.headers.items()}.get("authorization", "")
        expected = base64.b64encode(f"{CLIENT_ID}:{self.client_secret}".encode()).decode()
        if header != f"Basic {expected}":
            raise Refused(401, AUTH_FAILED)
        kind = {k.lower(): v for k, v in request.headers.items()}.get("content-type", "")
        if not kind.startswith("application/x-www-form-urlencoded"):
            self.violations.append(f"oauth/token sent as {kind}")
            raise _bad("Invalid content type")
        form = dict(parse_qsl(request.body.decode()))
        grant = form.get("grant_type")
        if grant == "authorization_code":
            redirect = self.codes.pop(form.get("code", ""), None)
            if redirect is None or redirect != form.get("redirect_uri"):
                raise _bad("Invalid authorization code or redirect_uri")
        elif grant == "refresh_token":
            expires = self.refresh.pop(form.get("refresh_token", ""), None)
            if expires is None or expires <= self.clock():
                raise _bad("Invalid refresh token")
        else:
            raise _bad("Invalid grant_type")
        return {
            "access_token": self.token(),
            "refresh_token": self.refresh_token(),
            "response_type": grant,
            "token_type": "bearer",
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "refresh_token_expires_in": int(REFRESH_LIFETIME.total_seconds()),
            "scope": "boards:read,pins:read,pins:write,user_accounts:read",
        }

    def _page(self, items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        size = query.get("page_size", "25")
        if not size.isdigit() or not 1 <= int(size) <= 250:
            self.violations.append(f"page_size={size}")
            raise _bad("page_size must be between 1 and 250")
        start = int(query["bookmark"]) if query.get("bookmark", "").isdigit() else 0
        end = start + int(size)
        return {"items": items[start:end], "bookmark": str(end) if end < len(items) else None}

    def _board(self, board_id: str) -> Board:
        for board in self.boards:
            if board.id == board_id:
                return board
        for board in self.others:
            if board.id == board_id:
                raise Refused(403, {"code": 1, "message": "You do not have permission to pin to this board."})
        raise Refused(404, {"code": 1, "message": "Board not found."})

    def _pin(self, pin_id: str) -> Pin:
        pin = self.pins.get(pin_id)
        if pin is None:
            raise Refused(404, {"code": 1, "message": "Pin not found."})
        return pin

    def _create(self, request: Request) -> dict[str, Any]:
        try:
            body = request.json
        except ValueError:
            raise _bad("Invalid JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("board_id"), str):
            self.violations.append("a pin without board_id")
            raise _bad("board_id is required")
        board = self._board(body["board_id"])
        for key, limit in LIMITS.items():
            value = body.get(key)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                self.violations.append(f"{key} over {limit}")
                raise _bad(f"Invalid parameters: '{key}' is longer than {limit} characters")
        link = body.get("link")
        if link is not None and not str(link).startswith(("https://", "http://")):
            raise _bad("Invalid parameters: 'link' is not a valid URL")
        source = body.get("media_source")
        if not isinstance(source, dict) or source.get("source_type") != "image_base64":
            self.violations.append(f"media_source {source!r:.80}")
            raise _bad("Invalid parameters: media_source")
        content_type = str(source.get("content_type"))
        if content_type not in ("image/jpeg", "image/png"):
            self.violations.append(f"content_type {content_type}")
            raise _bad("Invalid parameters: content_type must be image/jpeg or image/png")
        try:
            data = base64.b64decode(str(source.get("data")), validate=True)
        except (binascii.Error, ValueError):
            self.violations.append("data is not base64")
            raise _bad("Invalid parameters: data is not valid base64") from None
        if len(data) > MAX_IMAGE:
            raise _bad("Image file is too large")
        problem = _real_image(data, content_type)
        if problem:
            self.violations.append(problem)
            raise _bad(problem)
        pin = Pin(
            id=str(next(self._ids)),
            board_id=board.id,
            created_at=self.clock(),
            title=body.get("title"),
            description=body.get("description"),
            link=link,
            alt_text=body.get("alt_text"),
            image=data,
            content_type=content_type,
        )
        self.pins[pin.id] = pin
        return pin.as_json()

    def _analytics(self, pin: Pin, query: dict[str, str]) -> dict[str, Any]:
        try:
            start, end = date.fromisoformat(query["start_date"]), date.fromisoformat(query["end_date"])
        except (KeyError, ValueError):
            self.violations.append("analytics without start_date/end_date")
            raise _bad("start_date and end_date are required (YYYY-MM-DD)") from None
        today = self.clock().date()
        if start < today - timedelta(days=ANALYTICS_DAYS) or end < start:
            self.violations.append(f"analytics {start}..{end}")
            raise _bad("Invalid date range: at most 90 days back, end_date not before start_date")
        wanted = [m for m in query.get("metric_types", "").split(",") if m]
        if not wanted:
            raise _bad("metric_types is required")
        summary = {} if pin.hidden_counts else {m: pin.counts[m] for m in wanted if m in pin.counts}
        return {"all": {"daily_metrics": [], "summary_metrics": summary, "lifetime_metrics": {}}}


def stamp(value: datetime) -> str:
    return iso_utc(value)
