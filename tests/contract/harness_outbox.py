"""The outbox: posts go to files in a temporary folder; there is no server to fail or to refuse."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, ClassVar

from tests.contract.harness import Harness


class OutboxHarness(Harness):
    network = "outbox"
    rate_limits: ClassVar[bool] = False  # a folder never says "too many"
    fails: ClassVar[bool] = False  # no server: nothing answers 5xx or times out
    authenticates: ClassVar[bool] = False  # no token
    reads_metrics: ClassVar[bool] = False  # files have no audience

    def start(self, stack: ExitStack) -> dict[str, Any]:
        self.folder = self.tmp_path / "outbox"
        return {"folder": str(self.folder), "feed_title": "Contract"}

    def posts_seen(self) -> int:
        return len(list((self.folder / "posts").glob("*.json"))) if self.folder.exists() else 0
