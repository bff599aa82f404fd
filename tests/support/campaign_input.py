"""A minimal campaign to break in one place, and the check that `validate` and `schedule` both refuse it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

HEAD = """\
campaign: c1
timezone: America/Montreal
accounts: [outbox:shop]
posts:
"""
POST = """\
  - id: p1
    at: 2027-03-02 09:00
    text: "Hello, what do you think?"
"""


def refused(run_cli: Callable[..., Any], path: Path, *fragments: str, where: str = "") -> str:
    """`validate` and `schedule` both refuse ``path`` with exit 2 and a message holding ``fragments``."""
    for command in ("validate", "schedule"):
        result = run_cli(command, str(path))
        assert result.exit_code == 2, (command, result.stdout, result.stderr)
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr
        for fragment in fragments:
            assert fragment in result.stderr, (command, result.stderr)
        if where:
            assert f"{path}:{where}:" in result.stderr, result.stderr
    return str(result.stderr)
