"""Posting queue: 10,000 queued posts (no at:) × 2 accounts placed in weekday slots, scheduled into
an empty SQLite store, then scheduled again after a post is inserted at the top of the file (every
other post keeps its slot). In-process, so the figures are the placement and the plan, not the
start of a command. Prints figures; never fails on timing."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from common import figure, header  # noqa: E402

from socialpost import scheduling  # noqa: E402
from socialpost.settings.config import Settings  # noqa: E402
from socialpost.store.db import open_store  # noqa: E402

POSTS = 10_000
NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)


def _campaign(ids: list[str]) -> str:
    lines = [
        "campaign: queued",
        "timezone: America/Montreal",
        "accounts: [outbox:a, outbox:b]",
        'queue: {days: [mon, tue, wed, thu, fri], at: ["09:00", "12:30", "17:00"]}',
        "posts:",
    ]
    for post_id in ids:
        lines += [f"  - id: {post_id}", f'    text: "Tip {post_id}: what do you think?"']
    return "\n".join(lines) + "\n"


def main(posts: int = POSTS) -> None:
    header(f"queue: {posts:,} queued posts × 2 accounts (outbox), weekday slots, SQLite")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings(database_url=f"sqlite:///{folder / 'q.db'}", data_dir=folder / "data")
        store = open_store(settings.database_url)
        path = folder / "queued.yaml"
        ids = [f"p{i:05d}" for i in range(posts)]
        path.write_text(_campaign(ids), encoding="utf-8")
        try:
            start = time.perf_counter()
            prepared = scheduling.prepare([path], settings, now=NOW)
            figure("read, expand and place against an empty queue", time.perf_counter() - start, "s")
            start = time.perf_counter()
            scheduling.schedule(store, prepared, now=NOW)
            figure("schedule: place against the store and write", time.perf_counter() - start, "s")
            path.write_text(_campaign(["inserted", *ids]), encoding="utf-8")
            prepared = scheduling.prepare([path], settings, now=NOW)
            start = time.perf_counter()
            (plan,) = scheduling.schedule(store, prepared, now=NOW)
            figure("schedule again, one post inserted at the top", time.perf_counter() - start, "s")
            figure("  rows unchanged (kept their slots)", plan.count("unchanged"), "rows")
            figure("  rows created", plan.count("create"), "rows")
        finally:
            store.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else POSTS)
