"""The calendar's .ics, served read-only on loopback while the daemon runs (``daemon: calendar_port``).

A calendar app subscribed to ``http://127.0.0.1:PORT/calendar.ics`` sees the queue as
``socialpost calendar --ics`` writes it, made afresh at each request: the same UIDs, so every
refresh updates the events rather than adding copies. Only GET and HEAD of that one path answer;
the server listens on 127.0.0.1 only, and refuses a request whose Host header names anything but
the loopback address (a web page cannot read it through a domain that resolves to 127.0.0.1).
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from socialpost.store.db import Store
from socialpost.timeutil import Clock

PATH = "/calendar.ics"
HOST = "127.0.0.1"
log = logging.getLogger("socialpost.daemon")


class CalendarFeed:
    """Start with :meth:`start` (returns the port), stop with :meth:`stop`."""

    def __init__(self, store: Store, *, port: int, clock: Clock) -> None:
        self.store = store
        self.port = port
        self.clock = clock
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{PATH}"

    def start(self) -> int:
        """Listen (OSError when the port is taken) and serve in a thread; the port listened on."""
        feed = self

        class Handler(_Handler):
            def body(self) -> bytes:
                return feed.body()

        server = ThreadingHTTPServer((HOST, self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(target=server.serve_forever, name="socialpost-calendar", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def body(self) -> bytes:
        from socialpost.calendar.entries import load_calendar
        from socialpost.calendar.ics import ics
        from socialpost.redaction import redact
        from socialpost.report.facts import Filters

        return redact(ics(load_calendar(self.store, Filters(), now=self.clock()))).encode()


class _Handler(BaseHTTPRequestHandler):
    server_version = "socialpost"
    sys_version = ""

    def body(self) -> bytes:  # pragma: no cover - replaced by CalendarFeed.start
        raise NotImplementedError

    def do_GET(self) -> None:  # http.server's name
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # http.server's name
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host not in (HOST, "localhost"):
            self._plain(403, "only http://127.0.0.1 answers here\n", with_body)
            return
        if self.path.split("?", 1)[0] != PATH:
            self._plain(404, f"the calendar is at {PATH}\n", with_body)
            return
        try:
            body = self.body()
        except Exception:  # the database is away: say so, keep serving
            log.warning("the calendar feed could not read the queue", exc_info=True)
            self._plain(503, "the queue cannot be read right now\n", with_body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _plain(self, code: int, text: str, with_body: bool) -> None:
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # http.server's signature
        log.debug("calendar feed: " + format, *args)
