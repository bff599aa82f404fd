"""Three daemons sharing one PostgreSQL database send 10,000 webhook posts, all due now, to one
counting loopback receiver. Prints throughput (first to last arrival), duplicates (a key received
twice or more) and lost posts (never received). Needs PostgreSQL at 127.0.0.1:5432 (user
postgres, trust); without it, says so and skips. A throwaway database is dropped at the end."""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import figure, header  # noqa: E402
from receiver import Receiver  # noqa: E402

POSTS, DAEMONS = 10_000, 3
DAEMON = {"poll_seconds": 1, "lease_seconds": 60, "workers": 16, "retry_base_seconds": 1}
ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def main() -> None:
    from socialpost.store.db import open_store
    from socialpost.timeutil import utcnow
    from tests.store_helpers import seed_posts
    from tests.store_helpers.daemons import DaemonFleet, settled_all, statuses

    header(f"multi-daemon: {DAEMONS} daemons on PostgreSQL, {POSTS:,} webhook posts due now")
    with _throwaway_postgres() as url:
        if url is None:
            return
        with Receiver() as receiver, tempfile.TemporaryDirectory() as tmp:
            store = open_store(url)
            seed_posts(store, POSTS, due=utcnow(), account="webhook:hook", within_seconds=3600)
            accounts = {"webhook": {"hook": {"url": receiver.url, "timeout": 30}}}
            fleet = DaemonFleet(Path(tmp), url, daemon=DAEMON, accounts=accounts)
            started = time.perf_counter()
            for name in "abc"[:DAEMONS]:
                fleet.start(name)
            try:
                while time.perf_counter() - started < 600 and not (receiver.received >= POSTS and settled_all(store)):
                    time.sleep(0.5)
                elapsed = time.perf_counter() - started
            finally:
                codes = fleet.stop_all()
            time.sleep(0.5)  # a late duplicate would still arrive
            counts = statuses(store)
            store.close()
            received, duplicated, span = receiver.received, receiver.duplicated(), receiver.span()
    figure("posts", POSTS, "")
    figure("received (distinct keys)", received, "")
    figure("duplicated (a key received twice or more)", duplicated, "", "0")
    figure("lost (never received)", POSTS - received, "", "0")
    figure("sent in the store", counts.get("sent", 0), "")
    figure("not sent in the store (any other state)", POSTS - counts.get("sent", 0), "", "0")
    figure("first to last arrival", span, "s")
    figure("throughput (first to last arrival)", received / span if span > 0 else 0.0, "posts/s")
    figure("start of the daemons to all settled", elapsed, "s")
    if any(code not in (0, None) for code in codes.values()):
        print(f"   daemon exit codes after SIGTERM: {codes}")


@contextmanager
def _throwaway_postgres() -> Iterator[str | None]:
    """A uniquely named database, dropped afterwards; None (and a note) without a server."""
    import psycopg

    try:
        admin = psycopg.connect(ADMIN_DSN, autocommit=True)
    except psycopg.OperationalError as exc:
        print(f"   PostgreSQL is not reachable at 127.0.0.1:5432 as postgres ({str(exc).strip()}); skipped")
        yield None
        return
    name = f"socialpost_bench_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
