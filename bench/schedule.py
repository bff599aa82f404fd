"""`socialpost schedule` of 10,000 posts × 3 accounts into an empty SQLite store, then again unchanged.

Each figure is the median of a few runs, as wall-clock time and as the command's own CPU time
(user + system): on a machine shared with other work the wall time is noisy, the CPU time much less.
"""

from __future__ import annotations

import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import figure, header, write_campaign

BIN = Path(sys.executable).parent / "socialpost"
REPEAT = 3


def _writes(db: Path) -> tuple[int, str]:
    """(events in the log, newest updated_at of any post): both unchanged means nothing was written."""
    with sqlite3.connect(db) as connection:
        events = connection.execute("SELECT count(*) FROM events").fetchone()[0]
        newest = connection.execute("SELECT max(updated_at) FROM posts").fetchone()[0]
    return int(events), str(newest)


def _report(name: str, runs: list[tuple[float, float]], target: str = "") -> None:
    figure(name, statistics.median(wall for wall, _cpu in runs), "s", target)
    figure("  CPU time (user + system)", statistics.median(cpu for _wall, cpu in runs), "s")


def main(posts: int = 10_000, repeat: int = REPEAT) -> None:
    header(f"schedule: {posts:,} posts × 3 accounts (outbox), SQLite; median of {repeat} runs")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        campaign = write_campaign(folder / "bench.yaml", posts, ["outbox:a", "outbox:b", "outbox:c"])
        db = folder / "bench.db"
        env = {
            "SOCIALPOST_DATABASE_URL": f"sqlite:///{db}",
            "SOCIALPOST_DATA_DIR": str(folder),
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder),
        }

        def run(*args: str) -> tuple[float, float]:
            """(wall seconds, CPU seconds) of one command."""
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([str(BIN), *args], env=env, capture_output=True, check=True)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

        validate, empty, again, plan = [], [], [], []
        written = updated = 0
        for _ in range(repeat):
            for path in folder.glob("bench.db*"):
                path.unlink()
            validate.append(run("validate", str(campaign)))
            empty.append(run("schedule", str(campaign), "--json"))
            before = _writes(db)
            again.append(run("schedule", str(campaign), "--json"))
            after = _writes(db)
            written += after[0] - before[0]
            updated += int(after[1] != before[1])
            plan.append(run("plan", str(campaign), "--json"))
        _report("validate", validate, "≤ 2 s")
        _report("schedule into an empty store", empty, "≤ 5 s")
        _report("schedule again, unchanged", again, "≤ 3 s")
        print(f"   {'rows written by the unchanged schedules':<48} {written:10d}   (target 0)")
        print(f"   {'posts updated by the unchanged schedules':<48} {updated:10d}   (target 0)")
        _report("plan", plan)
        figure("database size", db.stat().st_size / 1_048_576, "MB")


if __name__ == "__main__":
    main()
