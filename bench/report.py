"""`socialpost report` over a store of 1,000,000 engagement snapshot rows (SQLite).

35,800 sent posts (and 1,200 that failed or were missed) in 20 campaigns on 5 accounts, each sent post
read at 1 h, 24 h, 7 d and 30 d with 7 metrics: 1,002,400 rows. Each post has a payload as scheduling
writes it (a text of 80 to 200 characters, some threads and images), which the JSON and CSV carry.
Times the default JSON report, the grouped views, the people's view (English and French) and the
HTML file, each as a real `socialpost` process (wall clock and CPU time), and shows the plan of the
report's query (posts and the per-post summary engagement_latest; it must not read
engagement_snapshots). The store is built at schema 0002 and migrated, which times the backfill.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import figure, header

BIN = Path(sys.executable).parent / "socialpost"
ACCOUNTS = ["x:acme", "mastodon:acme", "bluesky:acme", "facebook:acme", "linkedin:acme"]
METRICS = ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks")
AGES = (timedelta(hours=1), timedelta(hours=24), timedelta(days=7), timedelta(days=30))
START = datetime(2025, 1, 6, 14, 0, tzinfo=UTC)


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


TEXTS = (
    "Notre torréfaction ouvre samedi ! Venez goûter le premier lot, c'est offert ☕ Éthiopie ou Colombie : "
    "laquelle torréfier ensuite ? https://example.com/torrefaction?utm_source={network}&utm_medium=social",
    "Brew tip {i}: grind just before you brew, and weigh the water too. What is your grinder setting? "
    "https://example.com/tips/{i}?utm_source={network}&utm_medium=social&utm_campaign=tips",
    "Doors open now. The first 50 cups are free — see you soon? #Sherbrooke #café",
)


def payload(i: int, account: str) -> str:
    """A post's payload as the store keeps it (SQLAlchemy's JSON: json.dumps, ASCII-escaped): a
    text of 80 to 200 characters, every fifth post a thread of three parts, every third an image."""
    network = account.split(":")[0]
    text = TEXTS[i % len(TEXTS)].format(i=i, network=network)
    document: dict[str, object] = {"text": text}
    if i % 5 == 0:
        document["thread"] = [f"2/3 Part two of post {i}, with a little more to say.", "3/3 And the end. Questions?"]
    if i % 3 == 0:
        document["media"] = [{"file": f"/srv/campaigns/img/{i % 40}.jpg", "alt": "Des grains de café sur un comptoir"}]
        document["media_root"] = "/srv/campaigns"
    return json.dumps(document)


def build(db: Path, posts: int = 37_000, campaigns: int = 20) -> int:
    """The store as a release before 0003 left it (snapshots only); :func:`upgrade` then runs the
    real migrations, which fill engagement_latest from the snapshots."""
    from alembic import command
    from alembic.config import Config

    from socialpost.store.db import MIGRATIONS, open_store

    store = open_store(f"sqlite:///{db}", migrate=False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as alembic_connection:
        config.attributes["connection"] = alembic_connection
        command.upgrade(config, "0002")
    store.close()
    connection = sqlite3.connect(db)
    now = _stamp(START)
    connection.executemany(
        "INSERT INTO campaigns (id, name, source_file, timezone, late_within_seconds, late_else, created_at,"
        " updated_at) VALUES (?, ?, ?, 'America/Montreal', 900, 'skip', ?, ?)",
        [(c + 1, f"campaign-{c:02d}", f"c{c}.yaml", now, now) for c in range(campaigns)],
    )
    post_rows = []
    snapshot_rows = []
    for i in range(posts):
        due = START + timedelta(hours=3 * i)
        failed = i % 31 == 0
        status = "failed" if failed else "sent"
        account = ACCOUNTS[i % len(ACCOUNTS)]
        post_rows.append(
            (
                i + 1,
                i % campaigns + 1,
                f"post-{i}",
                account,
                account.split(":")[0],
                _stamp(due),
                due.isoformat(),
                status,
                None if failed else f"r{i}",
                None if failed else f"https://social.example/{i}",
                "the network refused the post" if failed else None,
                None if failed else _stamp(due),
                f"k{i}",
                payload(i, account),
            )
        )
        if failed:
            continue
        for n, age in enumerate(AGES):
            at = _stamp(due + age)
            base = (i % 97 + 1) * (n + 1)
            values = (base * 40, base, base // 3, base // 5, base // 11, None, None)
            snapshot_rows.extend((i + 1, at, metric, value) for metric, value in zip(METRICS, values, strict=True))
    connection.executemany(
        "INSERT INTO posts (id, campaign_id, post_key, occurrence, account, network, payload, fingerprint,"
        " idempotency_key, due_at, local_time, next_attempt_at, status, attempts, remote_id, remote_url, last_error,"
        " sent_at, source, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, '', ?4, ?5, ?14, 'f', ?13, ?6, ?7, ?6, ?8, 1, ?9, ?10, ?11, ?12, '', ?6, ?6)",
        post_rows,
    )
    connection.executemany(
        "INSERT INTO engagement_snapshots (post_id, collected_at, metric, value, raw) VALUES (?, ?, ?, ?, NULL)",
        snapshot_rows,
    )
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()
    return len(snapshot_rows)


def upgrade(db: Path) -> None:
    """Open the store as socialpost does: migrates to the newest schema (0003 backfills)."""
    from socialpost.store.db import open_store

    open_store(f"sqlite:///{db}").close()


def plan(db: Path) -> list[str]:
    """The report query's plan: posts and engagement_latest, never engagement_snapshots."""
    from socialpost.report.facts import Filters
    from socialpost.store.report_rows import posts_sql

    sql, _params = posts_sql(Filters(), stored_text=True)
    connection = sqlite3.connect(db)
    rows = connection.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    connection.close()
    return [f"report: {row[-1]}" for row in rows]


def main() -> None:
    header("report: 1,000,000 engagement snapshots, SQLite")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "bench.db"
        start = time.perf_counter()
        rows = build(db)
        figure(f"build the store at 0002 ({rows:,} snapshot rows)", time.perf_counter() - start, "s")
        start = time.perf_counter()
        upgrade(db)
        figure("migrate to 0003 (fill engagement_latest)", time.perf_counter() - start, "s")
        for line in plan(db):
            print(f"   plan {line}")
        env = {
            "SOCIALPOST_DATABASE_URL": f"sqlite:///{db}",
            "SOCIALPOST_DATA_DIR": str(folder),
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder),
        }

        def run(name: str, *args: str, target: str = "", columns: int = 160) -> None:
            """Best of 3 runs, wall clock; and the least CPU time (user + system) one of them took,
            which other work on the machine disturbs less."""
            best = cpu = float("inf")
            for _ in range(3):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                began = time.perf_counter()
                subprocess.run([str(BIN), *args], env={**env, "COLUMNS": str(columns)}, capture_output=True, check=True)
                best = min(best, time.perf_counter() - began)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            figure(name, best, "s", target)
            figure("  CPU time", cpu, "s")

        print(f"   load average before the runs: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        run("socialpost --version (process start)", "--version")
        run("socialpost report --json (every post)", "report", "--json", target="< 1 s")
        run("socialpost report (people, 160 cols: lists)", "report", target="< 1 s")
        run("socialpost report (people, 250 cols: tables)", "report", target="< 1 s", columns=250)
        run("socialpost report (people, 80 cols: lists)", "report", target="< 1 s", columns=80)
        run("socialpost --lang fr report (people, French)", "--lang", "fr", "report")
        run("socialpost report --by network --json", "report", "--by", "network", "--json", target="< 1 s")
        run("socialpost report --by week --json", "report", "--by", "week", "--json")
        run("socialpost report --campaign campaign-03 --json", "report", "--campaign", "campaign-03", "--json")
        run("socialpost report --csv", "report", "--csv")
        run("socialpost report --html FILE", "report", "--html", str(folder / "r.html"))
        print(f"   load average after the runs: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
