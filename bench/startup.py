"""`socialpost --help`, cold: median wall time over 15 runs, and which heavy modules it imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common import figure, header, median, timed

BIN = Path(sys.executable).parent / "socialpost"
HEAVY = ("tweepy", "mastodon", "atproto", "httpx", "sqlalchemy", "pydantic", "apscheduler", "alembic", "rich")


def main() -> None:
    header("startup: socialpost --help")
    runs = timed(lambda: subprocess.run([str(BIN), "--help"], capture_output=True, check=True), repeat=15)
    figure("--help, median of 15", median(runs) * 1000, "ms", "≤ 150 ms")
    figure("--help, slowest", max(runs) * 1000, "ms")
    code = (
        "import sys\nfrom socialpost.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(out.strip().splitlines()[-1].split())
    heavy = sorted(loaded.intersection(HEAVY))
    print(f"   heavy modules imported by --help: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
