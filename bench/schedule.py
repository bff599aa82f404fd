"""`socialpost schedule` of 10,000 posts × 3 accounts into an empty SQLite store, then again unchanged."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import figure, header, write_campaign

BIN = Path(sys.executable).parent / "socialpost"


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
        figure("schedule again, unchanged", run("schedule", str(campaign), "--json"), "s", "≤ 3 s")
        figure("plan", run("plan", str(campaign), "--json"), "s")
        figure("database size", (folder / "bench.db").stat().st_size / 1_048_576, "MB")


if __name__ == "__main__":
    main()
