"""`socialpost schedule` of 10,000 posts × 3 accounts into an empty SQLite store, then again unchanged."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import figure, header, write_campaign

BIN = Path(sys.executable).parent / "socialpost"


def _writes(db: Path) -> tuple[int, str]:
    """(events in the log, newest updated_at of any post): both unchanged means nothing was written."""
    with sqlite3.connect(db) as connection:
        events = connection.execute("SELECT count(*) FROM events").fetchone()[0]
        newest = connection.execute("SELECT max(updated_at) FROM posts").fetchone()[0]
    return int(events), str(newest)


def main(posts: int = 10_000) -> None:
    header(f"schedule: {posts:,} posts × 3 accounts (outbox), SQLite")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        campaign = write_campaign(folder / "bench.yaml", posts, ["outbox:a", "outbox:b", "outbox:c"])
        env = {
            "SOCIALPOST_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "SOCIALPOST_DATA_DIR": str(folder),
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder),
        }

        def run(*args: str) -> float:
            start = time.perf_counter()
            subprocess.run([str(BIN), *args], env=env, capture_output=True, check=True)
            return time.perf_counter() - start

        figure("validate", run("validate", str(campaign)), "s", "≤ 2 s")
        figure("schedule into an empty store", run("schedule", str(campaign), "--json"), "s", "≤ 5 s")
        before = _writes(folder / "bench.db")
        figure("schedule again, unchanged", run("schedule", str(campaign), "--json"), "s", "≤ 3 s")
        after = _writes(folder / "bench.db")
        print(f"   {'rows written by the unchanged schedule':<48} {after[0] - before[0]:10d}   (target 0)")
        print(f"   {'posts updated by the unchanged schedule':<48} {int(after[1] != before[1]):10d}   (target 0)")
        figure("plan", run("plan", str(campaign), "--json"), "s")
        figure("database size", (folder / "bench.db").stat().st_size / 1_048_576, "MB")


if __name__ == "__main__":
    main()
