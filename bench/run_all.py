"""Run every benchmark in this folder and print its figures (`make bench`). Never fails on time."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent
ORDER = [
    "startup.py",
    "schedule.py",
    "chaos.py",
    "report.py",
    "lateness.py",
    "throughput.py",
    "memory.py",
    "multidaemon.py",
    "import_sheet.py",
    "feeds.py",
    "queue_slots.py",
]


def main() -> None:
    sys.path.insert(0, str(HERE))
    for name in ORDER:
        runpy.run_path(str(HERE / name), run_name="__main__")
        print()


if __name__ == "__main__":
    main()
