"""`socialpost import` of a 10,000-row sheet, as CSV and as XLSX, then `validate` of what it wrote.

Each row: a text of 60 to 200 characters (some on two lines, some French), a date in the sheet's
own format, a link on every fourth row, an account column; no image (downloads are timed by the
network, not by us). Each step runs as a real `socialpost` process: wall clock, CPU time and the
peak memory of the child.
"""

from __future__ import annotations

import csv
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
from common import figure, header

BIN = Path(sys.executable).parent / "socialpost"
ROWS = 10_000
TEXTS = (
    "Brew tip {i}: grind just before you brew. What is your grinder setting?",
    "Notre torréfaction ouvre samedi ! Venez goûter le lot {i}, c'est offert ☕ "
    "Éthiopie ou Colombie : laquelle ensuite ?",
    "Line one of post {i}.\nLine two, with a question: coming by?",
)
START = datetime(2030, 1, 7, 9, 0)


def rows() -> list[list[object]]:
    out: list[list[object]] = [["text", "date", "link", "accounts"]]
    for i in range(ROWS):
        when = START + timedelta(hours=3 * i)
        link = f"https://example.com/posts/{i}" if i % 4 == 0 else ""
        out.append([TEXTS[i % 3].format(i=i), when, link, "mastodon:cafe, bluesky:cafe"])
    return out


def run(*args: str) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(BIN), *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0,):
        raise SystemExit(f"socialpost {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss


def main() -> None:
    header(f"import: a {ROWS:,}-row sheet into a campaign, then validate it")
    data = rows()
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        sheet = here / "posts.csv"
        with sheet.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(data[0])
            for row in data[1:]:
                writer.writerow([row[0], row[1].strftime("%Y-%m-%d %H:%M"), row[2], row[3]])  # type: ignore[union-attr]
        book = openpyxl.Workbook(write_only=True)
        page = book.create_sheet()
        for row in data:
            page.append(row)
        book.save(here / "posts.xlsx")
        for kind in ("csv", "xlsx"):
            out = here / f"from-{kind}.yaml"
            wall, cpu, rss = run(
                "import", str(here / f"posts.{kind}"), "--timezone", "America/Montreal", "-o", str(out)
            )
            figure(f"import {kind} wall", wall, "s")
            figure(f"import {kind} CPU", cpu, "s")
            figure(f"import {kind} rows per second", ROWS / wall, "rows/s")
        figure("peak memory of the imports (largest child)", rss / 1024, "MiB")
        wall, cpu, _rss = run("validate", str(here / "from-csv.yaml"))
        figure("validate of the imported campaign wall", wall, "s")
        figure("validate of the imported campaign CPU", cpu, "s")


if __name__ == "__main__":
    main()
