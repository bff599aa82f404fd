"""Entry points for child processes (spawned: each opens the store itself)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any


def claim_all(
    url: str, daemon_id: str, now_iso: str, batch: int, barrier: Any, results: Any, pause: float = 0.002
) -> None:
    """Claim until nothing is left; ``pause`` between claims stands for the network calls a daemon
    makes (without it, SQLite's busy handler lets one process starve the other)."""
    from socialpost.store.db import open_store
    from socialpost.store.queue import Queue

    now = datetime.fromisoformat(now_iso)
    store = open_store(url)
    try:
        queue = Queue(store, daemon_id, clock=lambda: now)
        barrier.wait(timeout=30)
        started = time.perf_counter()
        ids: list[int] = []
        claims = 0
        empty = 0
        while empty < 3:  # PostgreSQL may skip rows another process holds for an instant
            got = queue.claim(batch, timedelta(minutes=5))
            claims += 1
            if got:
                empty = 0
                ids.extend(c.id for c in got)
                time.sleep(pause)
            else:
                empty += 1
        results.put({"daemon": daemon_id, "ids": ids, "seconds": time.perf_counter() - started, "claims": claims})
    except BaseException as exc:
        results.put({"daemon": daemon_id, "error": repr(exc)})
        raise
    finally:
        store.close()
