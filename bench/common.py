"""Helpers shared by the benchmarks: machine details, timing, campaign generation."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.machine()} · {cpus} CPU · Python {sys.version.split()[0]} · {platform.platform()}"


def header(title: str) -> None:
    print(f"== {title}")
    print(f"   machine: {machine()}")


def figure(name: str, value: float, unit: str, target: str = "") -> None:
    suffix = f"   (target {target})" if target else ""
    print(f"   {name:<48} {value:10.3f} {unit}{suffix}")


def timed(fn: Callable[[], object], repeat: int = 1) -> list[float]:
    results = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        results.append(time.perf_counter() - start)
    return results


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_campaign(path: Path, posts: int, accounts: list[str], *, start_year: int = 2030) -> Path:
    """A valid campaign with ``posts`` one-off posts, one every 10 minutes."""
    lines = [
        "campaign: bench",
        "timezone: America/Montreal",
        f"accounts: [{', '.join(accounts)}]",
        "posts:",
    ]
    for i in range(posts):
        day, minute = divmod(i * 10, 24 * 60)
        month, dom = divmod(day, 28)
        year = start_year + month // 12
        lines.append(f"  - id: post-{i}")
        lines.append(f"    at: {year}-{month % 12 + 1:02d}-{dom + 1:02d} {minute // 60:02d}:{minute % 60:02d}")
        lines.append(f'    text: "Post number {i}: what do you think? https://example.com/p/{i}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
