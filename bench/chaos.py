"""Chaos: 3 daemons on PostgreSQL, 10,000 webhook posts, one daemon SIGKILLed and restarted every
few seconds. Prints what a counting receiver got: delivered, duplicated (same key twice), lost,
unknown, elapsed and throughput. Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust)."""

from __future__ import annotations

import itertools
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from common import figure, header  # noqa: E402

from socialpost.store.db import open_store  # noqa: E402
from socialpost.timeutil import utcnow  # noqa: E402
from tests.store_helpers import seed_posts, throwaway_postgres  # noqa: E402
from tests.store_helpers.daemons import DaemonFleet, settled_all, statuses  # noqa: E402
from tests.support.http import LocalServer, Reply, Request  # noqa: E402

POSTS = 10_000
KILL_EVERY = 3.0
DAEMON = {"poll_seconds": 0.5, "lease_seconds": 3, "workers": 8, "retry_base_seconds": 0.5, "max_attempts": 10}


def main() -> None:
    header(f"chaos: 3 daemons on PostgreSQL, {POSTS:,} webhook posts, SIGKILL + restart every {KILL_EVERY:g}s")
    received: Counter[str] = Counter()
    lock = threading.Lock()

    def answer(request: Request) -> Reply:
        with lock:
            received[request.headers["Idempotency-Key"]] += 1
        return Reply(200, {"ok": True})

    with LocalServer() as server, throwaway_postgres() as url, tempfile.TemporaryDirectory() as tmp:
        server.respond(answer)
        store = open_store(url)
        seed_posts(store, POSTS, due=utcnow(), account="webhook:hook", within_seconds=3600)
        accounts = {"webhook": {"hook": {"url": server.url + "/hook", "timeout": 5}}}
        fleet = DaemonFleet(Path(tmp), url, daemon=DAEMON, accounts=accounts)
        names = ["a", "b", "c"]
        started = time.monotonic()
        for name in names:
            fleet.start(name)
        kills = 0
        victims = itertools.cycle(names)
        while not settled_all(store) and time.monotonic() - started < 600:
            time.sleep(KILL_EVERY)
            if settled_all(store):
                break
            victim = next(victims)
            fleet.kill(victim)
            kills += 1
            fleet.start(victim)
        elapsed = time.monotonic() - started
        fleet.stop_all()
        counts = statuses(store)
        store.close()
    delivered = len(received)
    figure("posts", POSTS, "")
    figure("daemons killed with SIGKILL (and restarted)", kills, "")
    figure("delivered (distinct keys at the receiver)", delivered, "")
    figure("duplicated (a key received twice or more)", sum(1 for n in received.values() if n > 1), "")
    figure("lost (never received)", POSTS - delivered, "")
    figure("sent in the store", counts.get("sent", 0), "")
    figure("unknown in the store", counts.get("unknown", 0), "")
    figure("failed in the store", counts.get("failed", 0), "")
    figure("elapsed", elapsed, "s")
    figure("throughput", POSTS / elapsed, "posts/s")


if __name__ == "__main__":
    main()
