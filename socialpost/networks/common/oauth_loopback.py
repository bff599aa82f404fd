"""Receive one OAuth redirect on 127.0.0.1 (the "loopback" redirect of RFC 8252).

A guided set-up starts a :class:`LoopbackReceiver` on the redirect URL registered with the
network, sends the person's browser to the network's authorise page, and waits: the network
redirects the browser to ``http://127.0.0.1:PORT/PATH?code=…&state=…``, the receiver answers with
a short "you can close this tab" page and hands the code and state back. When the browser runs on
another machine, the person pastes the address the browser ended on; :func:`parse_redirect`
reads it.

Only the loopback interface is ever bound. The receiver takes the first request to its path that
carries ``code`` or ``error``; anything else (a favicon, a scanner) gets 404 and is ignored.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from socialpost.i18n import _

if TYPE_CHECKING:
    from socialpost.networks.base import SetupUI

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>socialpost</title></head>"
    "<body style='font-family:sans-serif'><h1>{title}</h1><p>{text}</p></body></html>"
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
LOGIN_TIMEOUT = 300.0  # seconds to wait for the browser's redirect


@dataclass(frozen=True)
class OAuthRedirect:
    """What the network put in the redirect URL."""

    code: str | None
    state: str | None
    error: str | None = None
    error_description: str | None = None


def parse_redirect(url: str) -> OAuthRedirect:
    """The code/state (or error) of a redirect URL, or of just its query string."""
    text = url.strip()
    query = urlsplit(text).query if "?" in text or "://" in text else text
    values = parse_qs(query, keep_blank_values=True)

    def first(name: str) -> str | None:
        found = values.get(name)
        return found[0] if found else None

    return OAuthRedirect(first("code"), first("state"), first("error"), first("error_description"))


def is_loopback(redirect_uri: str) -> bool:
    parts = urlsplit(redirect_uri)
    return parts.scheme == "http" and (parts.hostname or "") in {h.strip("[]") for h in LOOPBACK_HOSTS}


class LoopbackReceiver:
    """A one-shot HTTP server on the loopback interface for one OAuth redirect.

    ``with LoopbackReceiver("http://127.0.0.1:8765/callback") as receiver: ... receiver.wait(300)``
    Binding fails with OSError (port busy); the caller then falls back to pasting the URL.
    """

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        if not is_loopback(redirect_uri):
            raise ValueError("the redirect URL must be http://127.0.0.1:PORT/… (or localhost)")
        self.path = parts.path or "/"
        host = "::1" if parts.hostname == "::1" else "127.0.0.1"
        self._result: OAuthRedirect | None = None
        self._done = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # the query holds the code: never log it
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                redirect = parse_redirect(url.query)
                if url.path != receiver.path or (redirect.code is None and redirect.error is None):
                    self._answer(404, _("Not found"), _("This is socialpost's sign-in helper; nothing here."))
                    return
                if redirect.error:
                    self._answer(
                        400,
                        _("Sign-in did not complete"),
                        _("The network said no. Go back to the terminal to see why."),
                    )
                else:
                    self._answer(200, _("Connected"), _("You can close this tab and go back to the terminal."))
                receiver._deliver(redirect)

            def _answer(self, status: int, title: str, text: str) -> None:
                body = _PAGE.format(title=title, text=text).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        if host == "::1":
            import socket

            Server.address_family = socket.AF_INET6
        self._server = Server((host, 80 if parts.port is None else parts.port), Handler)  # port 0: any free one
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="oauth-loopback", daemon=True)
        self._thread.start()

    def _deliver(self, redirect: OAuthRedirect) -> None:
        if not self._done.is_set():
            self._result = redirect
            self._done.set()

    def wait(self, timeout: float) -> OAuthRedirect | None:
        """The redirect, or None when none came within ``timeout`` seconds."""
        if self._done.wait(timeout):
            return self._result
        return None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackReceiver:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def receive_redirect(
    ui: SetupUI, authorize: str, redirect_uri: str, *, network: str, timeout: float = LOGIN_TIMEOUT
) -> OAuthRedirect:
    """Open the authorise page and get the redirect: on the loopback server when the browser is on
    this machine, else (or when nothing arrives) from the address the person pastes."""
    receiver: LoopbackReceiver | None = None
    if is_loopback(redirect_uri) and ui.confirm(_("Is the web browser on this computer?"), default=True):
        try:
            receiver = LoopbackReceiver(redirect_uri)
        except OSError as exc:
            ui.say(
                _("Cannot listen on {address} ({error}); you will paste the address instead.").format(
                    address=redirect_uri, error=exc.strerror or exc
                )
            )
    if receiver is None:
        ui.say(
            _(
                "Sign in and allow access; your browser then goes to an address starting with {address} "
                "that may show an error page. Copy that whole address."
            ).format(address=redirect_uri)
        )
    try:
        ui.open_url(authorize)
        if receiver is not None:
            ui.say(_("Waiting for {network} to send your browser back here…").format(network=network))
            found = receiver.wait(timeout)
            if found is not None:
                return found
            ui.say(_("Nothing came back within {seconds} s.").format(seconds=f"{timeout:g}"))
    finally:
        if receiver is not None:
            receiver.close()
    return parse_redirect(ui.ask(_("Paste the address your browser shows after you allowed access")))
