"""Daemon lateness: from a post's due instant to its request arriving at a loopback HTTP server.

1,000 posts due within 10 s (webhook adapter → a local server that records arrival times), with
100,000 other posts pending far in the future; one daemon on SQLite. Prints p50/p90/p99/max.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import figure, header

BIN = Path(sys.executable).parent / "socialpost"
DUE, FAR = 1_000, 100_000


def main() -> None:
    header(f"lateness: {DUE:,} posts due within 10 s, {FAR:,} others pending (SQLite, webhook to loopback)")
    arrivals: dict[str, float] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            now = time.time()
            key = json.loads(body)["idempotency_key"]
            with lock:
                arrivals.setdefault(key, now)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # the default backlog (5) refuses connections in a burst
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "config.yaml"
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        config.write_text(
            f"database: sqlite:///{folder / 'bench.db'}\n"
            "daemon: {workers: 64, poll_seconds: 5}\n"
            f"accounts:\n  webhook:\n    hook: {{url: '{url}', timeout: 10}}\n",
            encoding="utf-8",
        )
        start = datetime.now(UTC) + timedelta(seconds=40)
        due = _campaign(folder / "due.yaml", "due", start, DUE, timedelta(seconds=10) / DUE)
        _campaign(folder / "far.yaml", "far", start + timedelta(days=30), FAR, timedelta(seconds=30))
        env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "SOCIALPOST_DATA_DIR": str(folder)}
        for name in ("far.yaml", "due.yaml"):
            subprocess.run(
                [str(BIN), "--config", str(config), "schedule", str(folder / name), "--json"],
                env=env,
                check=True,
                capture_output=True,
            )
        if datetime.now(UTC) > start - timedelta(seconds=3):
            print("   the machine was too slow to schedule before the due time; no figures")
            return
        daemon = subprocess.Popen(
            [str(BIN), "--config", str(config), "daemon"], env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        try:
            deadline = time.time() + (start - datetime.now(UTC)).total_seconds() + 60
            while time.time() < deadline and len(arrivals) < DUE:
                time.sleep(0.2)
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
            server.shutdown()
    late = sorted((arrivals[key] - when) * 1000 for key, when in due.items() if key in arrivals)
    if not late:
        print("   no post arrived")
        return
    q = statistics.quantiles(late, n=100)
    figure("posts arrived", len(late), f"of {DUE}")
    figure("lateness p50", q[49], "ms", "≤ 20 ms")
    figure("lateness p90", q[89], "ms")
    figure("lateness p99", q[98], "ms", "≤ 100 ms")
    figure("lateness max", late[-1], "ms")


def _campaign(path: Path, name: str, start: datetime, count: int, step: timedelta) -> dict[str, float]:
    """Write a campaign of ``count`` posts from ``start``; return idempotency key → due epoch."""
    from socialpost.campaign.expand import idempotency_key

    lines = [
        f"campaign: {name}",
        "timezone: UTC",
        "accounts: [webhook:hook]",
        "quiet: [no-conversation, night-time]",
        "posts:",
    ]
    due: dict[str, float] = {}
    for i in range(count):
        when = (start + i * step).replace(microsecond=0)  # wall times have whole seconds
        lines += [f"  - id: p{i}", f"    at: {when:%Y-%m-%d %H:%M:%S}", f"    text: post {i}"]
        due[idempotency_key(name, f"p{i}", "", "webhook:hook")] = when.timestamp()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return due


if __name__ == "__main__":
    main()
