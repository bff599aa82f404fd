"""Sustained throughput: one daemon on SQLite (64 workers) sends 5,000 posts, all due now, to
1,000 webhook accounts (``webhook:a0`` … ``webhook:a999``) that all point at one loopback receiver.

Prints posts/s from the first arrival to the last, and the same figure for a bare httpx loop
sending the same JSON bodies with the same concurrency (a ThreadPoolExecutor of 64 threads
sharing one ``httpx.Client``, in its own process like the daemon), and the ratio of the two.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import figure, header  # noqa: E402
from receiver import Receiver  # noqa: E402

BIN = Path(sys.executable).parent / "socialpost"
POSTS, ACCOUNTS, WORKERS = 5_000, 1_000, 64


def main() -> None:
    from socialpost.store.db import open_store

    header(f"throughput: {POSTS:,} posts due now across {ACCOUNTS:,} webhook accounts, 1 daemon on SQLite")
    with Receiver() as receiver, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'bench.db'}"
        store = open_store(url)
        bodies = _seed(store, POSTS, ACCOUNTS)
        store.close()
        accounts = "\n".join(f"    a{i}: {{url: '{receiver.url}', timeout: 30}}" for i in range(ACCOUNTS))
        config = folder / "config.yaml"
        config.write_text(
            f"database: {url}\ndaemon: {{workers: {WORKERS}, poll_seconds: 5}}\naccounts:\n  webhook:\n{accounts}\n",
            encoding="utf-8",
        )
        env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "SOCIALPOST_DATA_DIR": str(folder)}
        started = time.perf_counter()
        daemon = subprocess.Popen(
            [str(BIN), "--config", str(config), "daemon"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            while receiver.received < POSTS and time.perf_counter() - started < 600 and daemon.poll() is None:
                time.sleep(0.1)
        finally:
            daemon.terminate()
            daemon.wait(timeout=60)
        daemon_count, daemon_span, daemon_dups = receiver.received, receiver.span(), receiver.duplicated()
        cold, warm = receiver.rate(0, ACCOUNTS), receiver.rate(ACCOUNTS, POSTS)
        to_first = (receiver.first or started) - started

        receiver.reset()
        file = folder / "bodies.json"
        file.write_text(json.dumps(bodies), encoding="utf-8")
        bare = subprocess.run(
            [sys.executable, __file__, "--bare", receiver.url, str(WORKERS), str(file)],
            capture_output=True,
            text=True,
            check=False,
        )
        if bare.returncode != 0:  # a benchmark reports, it does not crash
            print(f"   bare httpx loop failed: {bare.stderr.strip().splitlines()[-1:]}")
        bare_count, bare_span = receiver.received, receiver.span()

    daemon_rate = daemon_count / daemon_span if daemon_span > 0 else 0.0
    bare_rate = bare_count / bare_span if bare_span > 0 else 0.0
    figure("daemon: posts received", daemon_count, f"of {POSTS:,}")
    figure("daemon: duplicated keys", daemon_dups, "", "0")
    figure("daemon: start to first arrival", to_first, "s")
    figure("daemon: first to last arrival", daemon_span, "s")
    figure("daemon: throughput", daemon_rate, "posts/s", "≥ 200 posts/s")
    figure(f"daemon: first {ACCOUNTS:,} arrivals (one per account)", cold, "posts/s")
    figure(f"daemon: the other {POSTS - ACCOUNTS:,} arrivals", warm, "posts/s")
    figure("bare httpx loop: requests received", bare_count, f"of {POSTS:,}")
    figure("bare httpx loop: throughput", bare_rate, "posts/s")
    figure("daemon / bare httpx loop", daemon_rate / bare_rate if bare_rate else 0.0, "")


def _seed(store: Any, count: int, accounts: int) -> list[dict[str, Any]]:
    """Insert ``count`` pending posts due now, spread over ``accounts`` accounts, with their
    'scheduled' events; return the JSON bodies the webhook adapter will send for them."""
    from sqlalchemy import insert, select

    from socialpost.campaign.expand import fingerprint, idempotency_key
    from socialpost.store.models import CampaignRow, EventRow, PostRow
    from socialpost.timeutil import iso_utc, utcnow

    now = utcnow()
    due = now - timedelta(seconds=1)
    rows, bodies = [], []
    for i in range(count):
        account, key = f"webhook:a{i % accounts}", f"p{i}"
        payload = {"text": f"Post number {i}: what do you think? https://example.com/p/{i}"}
        ikey = idempotency_key("bench", key, "", account)
        rows.append(
            {
                "post_key": key,
                "occurrence": "",
                "account": account,
                "network": "webhook",
                "payload": payload,
                "fingerprint": fingerprint(due, payload),
                "idempotency_key": ikey,
                "due_at": due,
                "local_time": due.isoformat(),
                "next_attempt_at": due,
                "status": "pending",
                "attempts": 0,
                "source": f"bench.yaml:{i + 1}:3",
                "created_at": now,
                "updated_at": now,
            }
        )
        bodies.append(
            {
                "key": ikey,
                "body": {
                    "id": key,
                    "campaign": "bench",
                    "account": account,
                    "text": payload["text"],
                    "thread": [],
                    "media": [],
                    "due_at": iso_utc(due),
                    "idempotency_key": ikey,
                },
            }
        )
    with store.write() as session:
        campaign = CampaignRow(
            name="bench",
            source_file="bench.yaml",
            timezone="UTC",
            late_within_seconds=3600,
            late_else="skip",
            created_at=now,
            updated_at=now,
        )
        session.add(campaign)
        session.flush()
        for row in rows:
            row["campaign_id"] = campaign.id
        session.execute(insert(PostRow), rows)
        ids = list(session.scalars(select(PostRow.id)))
        session.execute(
            insert(EventRow),
            [{"post_id": i, "at": now, "kind": "scheduled", "from_status": None, "to_status": "pending"} for i in ids],
        )
    return bodies


def _bare(url: str, workers: int, file: str) -> None:
    """POST every body once, ``workers`` at a time, through one shared httpx.Client."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    bodies = json.loads(Path(file).read_text(encoding="utf-8"))
    with httpx.Client(timeout=30, headers={"User-Agent": "socialpost"}, follow_redirects=False) as client:

        def send(item: dict[str, Any]) -> int:
            response = client.post(url, json=item["body"], headers={"Idempotency-Key": item["key"]})
            response.json()
            return response.status_code

        with ThreadPoolExecutor(max_workers=workers) as pool:
            codes = list(pool.map(send, bodies))
    bad = sum(1 for code in codes if code != 200)
    if bad:
        print(f"   bare loop: {bad} requests did not get 200")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--bare":
        _bare(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
