"""A real local reverse proxy in front of a real test server, that makes chosen requests fail.

    with FaultProxy("http://127.0.0.1:3000", faults) as proxy:   # faults: tests.support.faults.Faults
        ... point the adapter at proxy.url ...

Every request goes to the server behind it unchanged (method, path, headers, body) and its answer
comes back unchanged, unless a fault armed in ``faults`` takes the request: then the server never
sees it, and the client gets the fault's status, headers and body, an answer held back past its
timeout, or a connection closed without an answer. ``edit(method, path, body)`` may rewrite the
JSON answers of the server (a count the network leaves out, say).
"""

from __future__ import annotations

import http.client
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.support.faults import Faults

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "proxy-connection", "te"}
Edit = Callable[[str, str, Any], Any]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class FaultProxy:
    def __init__(self, upstream: str, faults: Faults, *, edit: Edit | None = None) -> None:
        target = urlsplit(upstream)
        self.host, self.port = target.hostname or "127.0.0.1", target.port or 80
        self.faults = faults
        self.edit = edit
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                fault = proxy.faults.take(self.command, path)
                if fault is not None and fault.kind == "broken":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault is not None and fault.kind == "timeout":
                    time.sleep(fault.delay)
                    self._send(504, {"Content-Type": "text/plain"}, b"late")
                    return
                if fault is not None:
                    content, kind = fault.content()
                    self._send(fault.status, {"Content-Type": kind, **fault.headers}, content)
                    return
                status, headers, content = proxy._forward(self.command, self.path, dict(self.headers.items()), body)
                self._send(status, headers, content)

            def _send(self, status: int, headers: dict[str, str], content: bytes) -> None:
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (timeouts)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=lambda: self._server.serve_forever(poll_interval=0.05), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _forward(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
            sent["Host"] = f"{self.host}:{self.port}"
            connection.request(method, target, body=body or None, headers=sent)
            response = connection.getresponse()
            content = response.read()
            answer = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
            if self.edit is not None and "json" in response.getheader("Content-Type", ""):
                edited = self.edit(method, target.split("?", 1)[0], json.loads(content))
                content = json.dumps(edited).encode()
            return response.status, answer, content
        finally:
            connection.close()

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
