"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the notification tests.

    with SmtpServer(security="starttls", tls=certificate, user="me", password=...) as server:
        ... send to server.port ...
        assert server.messages[0]["Subject"] == "…"

``security``: ``starttls`` (the server offers STARTTLS and refuses mail before it), ``ssl`` (TLS
from the first byte) or ``none``. With ``user``, the server requires AUTH (PLAIN or LOGIN, only
over TLS) and checks the login and password as a real server does (535 otherwise).
``busy`` answers the first N messages ``451`` (a temporary failure), as a server over its limits.
The server binds an ephemeral port; only the socket is local, the client is the real smtplib.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
import warnings
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None
    tls: bool


@dataclass
class _Handler:
    busy: int = 0
    messages: list[Received] = field(default_factory=list)
    refused: int = 0  # messages answered 451

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.busy > 0:
            self.busy -= 1
            self.refused += 1
            return "451 4.3.2 Try again later"
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data if isinstance(session.auth_data, str) else None
        tls = server.transport is not None and server.transport.get_extra_info("ssl_object") is not None
        self.messages.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed, login, tls))
        return "250 2.0.0 OK"


class SmtpServer:
    def __init__(
        self,
        *,
        security: str = "starttls",
        tls: ssl.SSLContext | None = None,
        user: str | None = None,
        password: str | None = None,
        busy: int = 0,
    ) -> None:
        self.security = security
        self.tls = tls
        self.user, self.password = user, password
        self.handler = _Handler(busy=busy)
        self.logins: list[tuple[str, bool]] = []  # (login tried, accepted)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-server", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def _authenticate(
        self, _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        accepted = login == self.user and password == self.password
        self.logins.append((login, accepted))
        return AuthResult(success=accepted, handled=False, auth_data=login if accepted else None)

    def _protocol(self) -> SMTP:
        options: dict[str, Any] = {"hostname": "mail.test", "loop": self._loop}
        if self.user is not None:
            # over implicit TLS the whole session is encrypted: AUTH is offered from the start
            options.update(
                authenticator=self._authenticate, auth_required=True, auth_require_tls=self.security != "ssl"
            )
        if self.security == "starttls":
            options.update(tls_context=self.tls, require_starttls=True)
        with warnings.catch_warnings():  # "AUTH without requiring TLS": over implicit TLS it is all TLS
            warnings.simplefilter("ignore", UserWarning)
            return SMTP(self.handler, **options)

    def __enter__(self) -> SmtpServer:
        self._thread.start()
        ssl_context = self.tls if self.security == "ssl" else None

        async def start() -> asyncio.base_events.Server:
            return await self._loop.create_server(self._protocol, host="127.0.0.1", port=0, ssl=ssl_context)

        self._server = asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *_exc: object) -> None:
        server = self._server

        async def stop() -> None:
            if server is not None:
                server.close()
                await server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
