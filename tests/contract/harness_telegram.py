"""Telegram: the adapter against the strict fake Bot API (tests/servers/telegram.py) on a loopback
socket. Telegram keeps no idempotency key and a bot cannot list a channel's posts, so the adapter
is no Reconciler; the Bot API gives no views for channel posts, so it reads no metrics."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime
from typing import Any, ClassVar

from tests.contract.harness import Harness
from tests.servers.telegram import SENDS, TOKEN, TelegramBotServer
from tests.support.faults import Fault


class TelegramHarness(Harness):
    network = "telegram"
    secret = TOKEN
    reconciles: ClassVar[bool] = False
    reads_metrics: ClassVar[bool] = False

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.bot = stack.enter_context(TelegramBotServer())
        self.bot.server.respond(self.faults.local(self.bot.answer))
        return {"chat": "@socialpost_news", "bot_token": TOKEN, "api_base_url": self.bot.url, "timeout": 0.5}

    def posts_seen(self) -> int:
        return len(self.bot.posts())

    def publish_route(self, method: str, path: str) -> bool:
        return path.rsplit("/", 1)[-1] in SENDS

    def rate_limit(self, reset: datetime) -> Fault:
        seconds = int((reset - self.clock()).total_seconds())
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {seconds}",
            "parameters": {"retry_after": seconds},
        }
        return Fault.answer(429, {}, body)

    def unauthorized(self) -> Fault:
        return Fault.answer(401, {}, {"ok": False, "error_code": 401, "description": f"Unauthorized: {TOKEN}"})

    def server_error(self, status: int) -> Fault:
        return Fault.answer(status, {}, {"ok": False, "error_code": status, "description": "Internal Server Error"})
