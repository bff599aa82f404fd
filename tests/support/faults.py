"""Make the next request a network receives fail, whatever carries it (contract suite, any test).

    faults = Faults()
    faults.arm(Fault.answer(429, {"Retry-After": "60"}, {"error": "slow down"}), route=lambda m, p: m == "POST")
    handler = faults.handler(fake)            # an httpx handler (respx side effect, MockTransport)
    responder = faults.local(router)        # a tests.support.http.LocalServer responder
    transport = faults.transport(inner)     # an httpx transport (a real server behind it)

An armed fault is used once, by the first request its ``route`` accepts; until then every request
goes to the server behind it unchanged. Only the socket is faked: the code under test runs its
real HTTP client, which sees a status, headers and a body, a connection that breaks, or an answer
that does not come in time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.http import Reply, Request

Route = Callable[[str, str], bool]  # (method, path) → whether the fault applies to this request


def any_request(_method: str, _path: str) -> bool:
    return True


@dataclass(frozen=True)
class Fault:
    """What the next matching request gets instead of the server's answer."""

    kind: str  # "answer" (status, headers, body), "timeout" (no answer in time), "broken" (connection lost)
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | str = ""
    delay: float = 0.0  # "timeout" on a real socket: how long the answer is held back

    @classmethod
    def answer(cls, status: int, headers: dict[str, str] | None = None, body: dict[str, Any] | str = "") -> Fault:
        return cls("answer", status, dict(headers or {}), body)

    @classmethod
    def timeout(cls, delay: float = 1.5) -> Fault:
        return cls("timeout", delay=delay)

    @classmethod
    def broken(cls) -> Fault:
        return cls("broken")

    def content(self) -> tuple[bytes, str]:
        if isinstance(self.body, dict):
            return json.dumps(self.body).encode(), "application/json"
        return self.body.encode(), "text/plain; charset=utf-8"


class Faults:
    """Faults armed by a test, taken by the carriers below (thread-safe)."""

    def __init__(self) -> None:
        self._armed: list[tuple[Fault, Route]] = []
        self._lock = threading.Lock()
        self.used: list[tuple[str, str, Fault]] = []  # (method, path, fault) of each fault used

    def arm(self, fault: Fault, route: Route = any_request) -> None:
        with self._lock:
            self._armed.append((fault, route))

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._armed)

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for index, (fault, route) in enumerate(self._armed):
                if route(method.upper(), path):
                    del self._armed[index]
                    self.used.append((method.upper(), path, fault))
                    return fault
        return None

    # --- carriers ---------------------------------------------------------------------------------

    def response(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        """``fault`` as httpx sees it: an answer, or the exception its transport raises."""
        if fault.kind == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault.kind == "broken":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        content, kind = fault.content()
        return httpx.Response(
            fault.status, headers={"content-type": kind, **fault.headers}, content=content, request=request
        )

    def handler(self, handler: Callable[[httpx.Request], httpx.Response]) -> Callable[[httpx.Request], httpx.Response]:
        """``handler`` (a fake server as an httpx handler) behind the faults."""

        def handle(request: httpx.Request) -> httpx.Response:
            fault = self.take(request.method, request.url.path)
            return handler(request) if fault is None else self.response(fault, request)

        return handle

    def transport(self, inner: httpx.BaseTransport) -> httpx.BaseTransport:
        """A real transport (a real server behind it) behind the faults."""
        return _FaultyTransport(self, inner)

    def local(self, responder: Callable[[Request], Reply]) -> Callable[[Request], Reply]:
        """A LocalServer responder behind the faults (a real socket: a timeout is a late answer)."""

        def respond(request: Request) -> Reply:
            fault = self.take(request.method, request.path.split("?", 1)[0])
            if fault is None:
                return responder(request)
            if fault.kind == "timeout":
                return Reply(504, "late", delay=fault.delay)
            if fault.kind == "broken":
                return Reply(reset=True)
            body: dict[str, Any] | str = fault.body
            return Reply(fault.status, body, dict(fault.headers))

        return respond


class _FaultyTransport(httpx.BaseTransport):
    def __init__(self, faults: Faults, inner: httpx.BaseTransport) -> None:
        self.faults = faults
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.faults.take(request.method, request.url.path)
        if fault is None:
            return self.inner.handle_request(request)
        request.read()
        return self.faults.response(fault, request)

    def close(self) -> None:
        self.inner.close()
