"""Daemon lateness: from a post's due instant to its request arriving at a loopback HTTP server.

1,000 posts due within 10 s (webhook adapter → a local server that records arrival times), with
100,000 other posts pending far in the future; one daemon on SQLite with 64 workers. Campaign
times have whole seconds, so the posts come as bursts of 100 due at the same instant. Prints
p50/p90/p99/max, where the time goes, and the floor: the same bursts sent by a bare httpx thread
pool (no store, no daemon) to the same receiver.

Options: ``--profile FILE`` records the daemon with py-spy (speedscope JSON; ``--samples`` all,
active or gil: which threads' samples), ``--dump FILE`` writes each post's times,
``--threaded-receiver`` uses the first receiver (HTTP/1.0, a thread per request) instead of the
asyncio one, ``--no-floor`` skips the bare httpx bursts, ``--daemons N`` splits the 64 workers
between N daemon processes. ``PYTHONPATH`` reaches the daemon, to measure another checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
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
from receiver import ArrivalReceiver

BIN = Path(sys.executable).parent / "socialpost"
DUE, FAR = 1_000, 100_000
WORKERS = 64


class ThreadedReceiver:
    """The first receiver of this benchmark: HTTP/1.0 (a connection per request), a thread each."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        lock = threading.Lock()
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.time()
                with lock:
                    arrivals.setdefault(self.headers.get("Idempotency-Key") or "", now)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the default backlog (5) refuses connections in a burst
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __len__(self) -> int:
        return len(self.arrivals)

    def __enter__(self) -> ThreadedReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", metavar="FILE", help="record the daemon with py-spy into FILE (speedscope JSON)")
    parser.add_argument(
        "--samples",
        choices=["all", "active", "gil"],
        default="all",
        help="with --profile: every thread's samples (default, idle ones too), only running threads, or only "
        "the thread holding the GIL",
    )
    parser.add_argument("--dump", metavar="FILE", help="write each post's due, claim, arrival and outcome times (JSON)")
    parser.add_argument("--threaded-receiver", action="store_true", help="HTTP/1.0, a thread per request")
    parser.add_argument("--no-floor", action="store_true", help="skip the bare httpx bursts")
    parser.add_argument("--daemons", type=int, default=1, help="daemon processes sharing the 64 workers")
    args, _rest = parser.parse_known_args()
    receiver: ArrivalReceiver | ThreadedReceiver = ThreadedReceiver() if args.threaded_receiver else ArrivalReceiver()
    kind = "threaded HTTP/1.0" if args.threaded_receiver else "asyncio keep-alive"
    header(f"lateness: {DUE:,} posts due within 10 s, {FAR:,} others pending (SQLite, webhook to {kind} loopback)")
    if args.daemons > 1:
        print(f"   {args.daemons} daemon processes, {WORKERS // args.daemons} workers each")
    with receiver, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        due = _run_daemon(folder, receiver, args)
        if due is None:
            return
        stages = _stages(folder / "bench.db", due)
        floor = {} if args.no_floor else _bare_bursts(receiver)
    arrivals = receiver.arrivals
    if args.dump:
        rows: dict[str, dict[str, float | None]] = {
            k: {"due": d, "arrived": arrivals.get(k), "claim": None, "sent": None} for k, d in due.items()
        }
        for k, (claim, sent) in stages.items():
            rows[k].update(claim=claim, sent=sent)
        Path(args.dump).write_text(json.dumps(rows), encoding="utf-8")
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
    claims = [claim for claim, _sent in stages.values()]
    answered = [sent - arrivals[k] for k, (_claim, sent) in stages.items() if k in arrivals]
    if claims and answered:
        figure("claimed before the due instant, median", -statistics.median(claims) * 1000, "ms")
        figure("outcome decided after arrival, median", statistics.median(answered) * 1000, "ms")
    if floor:
        bare = sorted((arrivals[key] - when) * 1000 for key, when in floor.items() if key in arrivals)
        if len(bare) > 1:
            b = statistics.quantiles(bare, n=100)
            note = f"bursts of 100 from {WORKERS} threads, no store"
            figure("floor: bare httpx, p50", b[49], "ms", note)
            figure("floor: bare httpx, p99", b[98], "ms")


def _run_daemon(
    folder: Path, receiver: ArrivalReceiver | ThreadedReceiver, args: argparse.Namespace
) -> dict[str, float] | None:
    """Schedule the posts, run the daemon across their due window; return key → due epoch."""
    config = folder / "config.yaml"
    config.write_text(
        f"database: sqlite:///{folder / 'bench.db'}\n"
        f"daemon: {{workers: {WORKERS // args.daemons}, poll_seconds: 5}}\n"
        f"accounts:\n  webhook:\n    hook: {{url: '{receiver.url}', timeout: 10}}\n",
        encoding="utf-8",
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "SOCIALPOST_DATA_DIR": str(folder)}
    if "PYTHONPATH" in os.environ:  # e.g. to measure another checkout of socialpost
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]

    def schedule(name: str) -> None:
        subprocess.run(
            [str(BIN), "--config", str(config), "schedule", str(folder / name), "--json"],
            env=env,
            check=True,
            capture_output=True,
        )

    far = datetime.now(UTC) + timedelta(days=30)
    _campaign(folder / "far.yaml", "far", far, FAR, timedelta(seconds=30))
    schedule("far.yaml")  # the slow part (100,000 rows); the due times are set after it
    start = datetime.now(UTC) + timedelta(seconds=20)
    due = _campaign(folder / "due.yaml", "due", start, DUE, timedelta(seconds=10) / DUE)
    schedule("due.yaml")
    if datetime.now(UTC) > start - timedelta(seconds=8):
        print("   the machine was too slow to schedule before the due time; no figures")
        return None
    daemons = [
        subprocess.Popen(
            [str(BIN), "--config", str(config), "daemon", "--id", f"d{n}"],
            env=env,
            stderr=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        for n in range(args.daemons)
    ]
    spy = None
    if args.profile:  # the whole due window, from the daemon's start
        seconds = int((start - datetime.now(UTC)).total_seconds()) + 12
        spy = subprocess.Popen(
            [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(daemons[0].pid), "-r", "200"]
            + ["--nonblocking", "--duration", str(seconds), "-f", "speedscope", "-o", args.profile]
            + {"all": ["--idle"], "active": [], "gil": ["--gil"]}[args.samples],
            stdout=subprocess.DEVNULL,
        )
    try:
        deadline = time.time() + (start - datetime.now(UTC)).total_seconds() + 60
        while time.time() < deadline and len(receiver) < DUE:
            time.sleep(0.2)
        if spy is not None:
            spy.wait()
    finally:
        for daemon in daemons:
            daemon.terminate()
        for daemon in daemons:
            daemon.wait(timeout=30)
    return due


_BARE = r"""
import json, sys, time
from concurrent.futures import ThreadPoolExecutor, wait
import httpx
from socialpost.networks.common.tls import ssl_context

url, workers, rounds, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
client = httpx.Client(verify=ssl_context(), timeout=10, headers={"User-Agent": "socialpost"}, follow_redirects=False)
pool = ThreadPoolExecutor(workers)
client.post(url, json={}, headers={"Idempotency-Key": "warm"})
wait([pool.submit(time.sleep, 0.01) for _ in range(workers)])
due = {}

def send(key, n):
    body = {"id": f"p{n}", "campaign": "bare", "account": "webhook:hook", "text": f"post {n}", "thread": [],
            "media": [], "due_at": "", "idempotency_key": key}
    client.post(url, json=body, headers={"Idempotency-Key": key})

for r in range(rounds):
    instant = float(int(time.time()) + 1)
    time.sleep(max(instant - time.time(), 0))
    keys = [f"bare-{r}-{n}" for n in range(size)]
    wait([pool.submit(send, key, n) for n, key in enumerate(keys)])
    due.update(dict.fromkeys(keys, instant))
print(json.dumps(due))
"""


def _bare_bursts(receiver: ArrivalReceiver | ThreadedReceiver, rounds: int = 5, size: int = 100) -> dict[str, float]:
    """The same bursts without socialpost's daemon: an httpx client like the webhook adapter's and
    a pool of the same size, in a process of its own. Returns key → due epoch."""
    result = subprocess.run(
        [sys.executable, "-c", _BARE, receiver.url, str(WORKERS), str(rounds), str(size)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(f"   the bare httpx bursts failed: {result.stderr.strip().splitlines()[-1:]}")
        return {}
    time.sleep(0.2)
    due: dict[str, float] = json.loads(result.stdout)
    return due


def _stages(db: Path, due: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Per key: (the claim's time, in seconds after the due instant; the outcome's time, epoch)."""
    epoch = datetime(1970, 1, 1)
    out: dict[str, tuple[float, float]] = {}
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT p.idempotency_key, e.kind, e.at FROM events e JOIN posts p ON p.id = e.post_id"
            " JOIN campaigns c ON c.id = p.campaign_id WHERE c.name = 'due' AND e.kind IN ('claimed', 'sent')"
        ).fetchall()
    claimed: dict[str, float] = {}
    sent: dict[str, float] = {}
    for key, kind, at in rows:
        stamp = (datetime.fromisoformat(at) - epoch).total_seconds()
        (claimed if kind == "claimed" else sent).setdefault(key, stamp)
    for key, when in claimed.items():
        if key in sent and key in due:
            out[key] = (when - due[key], sent[key])
    return out


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
