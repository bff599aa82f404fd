"""Public-looking hosts for tests of the guarded fetcher (socialpost.fetch), with no real DNS and
no internet: a resolver that answers from a table, and a network backend that dials a local server
for the public-looking addresses the table gives.

    names = Names({"news.example": [["93.184.216.34"]]})
    dialler = Dialler({("93.184.216.34", 80): site_port})
    fetch("http://news.example/", max_bytes=…, resolver=names, backend=dialler)

The fetcher checks the address the resolver gave and asks the backend to dial it; the backend
records every dial and refuses any address it has no route for, so a test sees exactly where the
fetcher connected.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import httpcore


class Names:
    """A resolver from a table: each host's answers are given in turn (the last one repeats)."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        turns = self.answers.get(host)
        if not turns:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return turns.pop(0) if len(turns) > 1 else turns[0]

    def getaddrinfo(self, real: Callable[..., Any]) -> Callable[..., Any]:
        """A stand-in for ``socket.getaddrinfo``: hosts of the table answer from it, others from ``real``."""

        def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host not in self.answers:
                return real(host, port, *args, **kwargs)
            addresses = self(str(host), int(port or 0))
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, int(port or 0), 0, 0) if ":" in a else (a, int(port or 0)),
                )
                for a in addresses
            ]

        return lookup


class Dialler(httpcore.NetworkBackend):
    """Dials 127.0.0.1:<port> for each (address, port) in ``routes``; refuses anything else."""

    def __init__(self, routes: dict[tuple[str, int], int]) -> None:
        self.routes = routes
        self.dialled: list[tuple[str, int]] = []
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self.dialled.append((host, port))
        local = self.routes.get((host, port))
        if local is None:
            raise httpcore.ConnectError(f"the test has no route to {host}:{port}")
        return self._inner.connect_tcp("127.0.0.1", local, timeout=timeout, socket_options=socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
