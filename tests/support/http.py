"""A real HTTP server on 127.0.0.1 for tests: records every request, answers as the test says.

    with LocalServer() as server:
        server.respond(lambda req: Reply(500))        # or a fixed Reply, or a list consumed in order
        ... post to server.url ...
        assert server.requests[0].json["text"] == "…"

Only the socket is real-but-local: the code under test runs its real HTTP client.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (timeouts)
    reset: bool = False  # close the connection without answering


Responder = Callable[[Request], Reply]


class _QuietServer(ThreadingHTTPServer):
    """A client that vanishes (a killed daemon, a timeout) is normal here, not worth a traceback."""

    request_queue_size = 256  # several daemons connect at once; the default backlog (5) refuses some

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._responder: Responder = lambda _req: Reply(200, {"ok": True})
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
                with server._lock:
                    server.requests.append(request)
                    responder = server._responder
                reply = responder(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.reset:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                body = reply.body
                if isinstance(body, dict):
                    payload = json.dumps(body).encode()
                    content_type = "application/json"
                elif isinstance(body, str):
                    payload, content_type = body.encode(), "text/plain; charset=utf-8"
                else:
                    payload, content_type = body or b"", "application/octet-stream"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (timeout tests)

            do_PUT = do_POST
            do_DELETE = do_POST
            do_PATCH = do_POST
            do_GET = do_POST

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=lambda: self._server.serve_forever(poll_interval=0.05), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def respond(self, how: Reply | list[Reply] | Responder) -> None:
        """Answer every request with a Reply, a list of Replies in order (the last repeats), or a function."""
        if isinstance(how, Reply):
            reply = how
            responder: Responder = lambda _req: reply
        elif isinstance(how, list):
            replies = list(how)

            def responder(_req: Request) -> Reply:
                with self._lock:
                    return replies.pop(0) if len(replies) > 1 else replies[0]
        else:
            responder = how
        with self._lock:
            self._responder = responder

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
