"""The file system refusing a file, for tests that run as root (CI): root reads every file, so a
``chmod 0`` file is not unreadable there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def refuse_to_open(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """``Path.open`` of ``locked`` raises PermissionError (EACCES), as for a user without the right."""
    real_open = Path.open

    def refusing(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing)
