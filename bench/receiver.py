"""A counting loopback HTTP receiver for the benchmarks: every POST's ``Idempotency-Key`` and
arrival time are recorded, the answer is ``200 {}``. HTTP/1.1 with keep-alive, a listen backlog
of 1,024 (a burst of new connections is not refused), one thread per connection."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.first: float | None = None
        self.last: float | None = None
        self.times: list[float] = []  # every arrival, in order
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key") or ""
                now = time.perf_counter()
                with receiver._lock:
                    receiver.counts[key] += 1
                    receiver.times.append(now)
                    if receiver.first is None:
                        receiver.first = now
                    receiver.last = now
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/hook"

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self.times.clear()
            self.first = self.last = None

    @property
    def received(self) -> int:
        """Distinct keys received."""
        with self._lock:
            return len(self.counts)

    def span(self) -> float:
        """Seconds from the first arrival to the last."""
        with self._lock:
            return (self.last or 0.0) - (self.first or 0.0)

    def rate(self, start: int, stop: int) -> float:
        """Arrivals per second between arrival number ``start`` and arrival number ``stop``."""
        with self._lock:
            times = self.times[start:stop]
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0

    def duplicated(self) -> int:
        with self._lock:
            return sum(1 for n in self.counts.values() if n > 1)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
