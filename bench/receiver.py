"""A counting loopback HTTP receiver for the benchmarks: every POST's ``Idempotency-Key`` and
arrival time are recorded, the answer is ``200 {}``. HTTP/1.1 with keep-alive, a listen backlog
of 1,024 (a burst of new connections is not refused), one thread per connection."""

from __future__ import annotations

import asyncio
import socket
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
            # The headers and the body are two writes: with Nagle's algorithm the body waits for
            # the client's delayed ACK (40 ms) on a kept-alive connection.
            disable_nagle_algorithm = True

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


class ArrivalReceiver:
    """A loopback HTTP receiver that notes when each ``Idempotency-Key`` first arrives (wall clock).

    One asyncio thread with keep-alive connections and no thread per connection or request: the
    arrival stamp is taken as soon as a request's body has been read, so the receiver itself adds
    as little as possible to the latency it measures (the lateness benchmark). Answers ``200 {}``.
    """

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="arrival-receiver", daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=1024)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length, key = 0, ""
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"idempotency-key":
                        key = value.strip().decode()
                if length:
                    await reader.readexactly(length)
                now = time.time()
                with self._lock:
                    self.arrivals.setdefault(key, now)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self.arrivals)

    def __enter__(self) -> ArrivalReceiver:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):  # the handlers see the end of their stream and return
            writer.transport.abort()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await asyncio.wait(tasks, timeout=5) if tasks else None
