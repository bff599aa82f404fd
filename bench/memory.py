"""Daemon resident memory with 1,000,000 pending posts (due far in the future) in a SQLite store.

The store is built directly (one campaign, one template post written through the store's models,
then ``INSERT … SELECT`` from a recursive CTE for the rest, with their 'scheduled' events), then
``socialpost daemon`` runs on it until it has polled a few times; VmRSS and VmHWM come from
/proc/<pid>/status. Linux only.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import figure, header  # noqa: E402

BIN = Path(sys.executable).parent / "socialpost"
PENDING = 1_000_000
RUN_SECONDS = 12.0  # poll_seconds is 2: several polls


def main() -> None:
    header(f"memory: daemon resident set with {PENDING:,} pending posts (SQLite)")
    if not Path("/proc/self/status").exists():
        print("   /proc is not available on this system; no figures")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "bench.db"
        started = time.perf_counter()
        _build(db, PENDING)
        build_seconds = time.perf_counter() - started
        config = folder / "config.yaml"
        config.write_text(
            f"database: sqlite:///{db}\ndaemon: {{workers: 8, poll_seconds: 2}}\n"
            "accounts:\n  webhook:\n    hook: {url: 'http://127.0.0.1:9/hook'}\n",
            encoding="utf-8",
        )
        env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "SOCIALPOST_DATA_DIR": str(folder)}
        daemon = subprocess.Popen(
            [str(BIN), "--config", str(config), "daemon"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        samples: list[int] = []
        status: dict[str, int] = {}
        try:
            deadline = time.monotonic() + RUN_SECONDS
            while time.monotonic() < deadline and daemon.poll() is None:
                status = _status(daemon.pid)
                samples.append(status.get("VmRSS", 0))
                time.sleep(0.25)
            status = _status(daemon.pid) or status
        finally:
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=60)
        size = db.stat().st_size
    figure("store built (1 transaction)", build_seconds, "s")
    figure("database size", size / 1_048_576, "MB")
    if not status:
        print(f"   the daemon exited (code {code}) before it could be measured; no figures")
        return
    figure(f"daemon RSS after {RUN_SECONDS:g} s (VmRSS)", status.get("VmRSS", 0) / 1024, "MB", "≤ 120 MB")
    figure("daemon peak RSS (VmHWM)", status.get("VmHWM", 0) / 1024, "MB", "≤ 120 MB")
    figure("daemon RSS, largest sample", max(samples, default=0) / 1024, "MB")
    figure("daemon exit code after SIGTERM", code, "")


def _status(pid: int) -> dict[str, int]:
    """The Vm* lines of /proc/<pid>/status, in kB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except (FileNotFoundError, ProcessLookupError):
        return {}
    values = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name.startswith("Vm") and rest.strip().endswith("kB"):
            values[name] = int(rest.split()[0])
    return values


def _build(db: Path, count: int) -> None:
    """A migrated store with ``count`` pending posts due from 30 days ahead, one a minute."""
    from socialpost.store.db import open_store
    from socialpost.timeutil import utcnow
    from tests.store_helpers import seed_posts

    store = open_store(f"sqlite:///{db}")
    (template,) = seed_posts(store, 1, due=utcnow() + timedelta(days=30), account="webhook:hook", campaign="bench")
    store.close()
    columns = [
        "campaign_id", "post_key", "occurrence", "account", "network", "payload", "fingerprint",
        "idempotency_key", "due_at", "local_time", "next_attempt_at", "status", "attempts", "source",
        "created_at", "updated_at",
    ]  # fmt: skip
    varied = {
        "post_key": "'p' || n",
        "idempotency_key": "printf('%064d', n)",
        "payload": "json_object('text', 'post p' || n)",
        "due_at": "strftime('%Y-%m-%d %H:%M:%f', t.due_at, '+' || n || ' minutes') || '000'",
        "next_attempt_at": "strftime('%Y-%m-%d %H:%M:%f', t.next_attempt_at, '+' || n || ' minutes') || '000'",
        "local_time": "strftime('%Y-%m-%dT%H:%M:%S+00:00', t.due_at, '+' || n || ' minutes')",
    }
    select = ", ".join(varied.get(c, f"t.{c}") for c in columns)
    connection = sqlite3.connect(db, isolation_level=None)
    try:
        connection.execute("BEGIN")
        connection.execute(
            f"""WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
            INSERT INTO posts ({", ".join(columns)}) SELECT {select} FROM seq, posts AS t WHERE t.id = ?""",
            (count - 1, template),
        )
        connection.execute(
            "INSERT INTO events (post_id, at, kind, from_status, to_status) "
            "SELECT id, created_at, 'scheduled', NULL, 'pending' FROM posts WHERE id != ?",
            (template,),
        )
        connection.execute("COMMIT")
    finally:
        connection.close()


if __name__ == "__main__":
    main()
