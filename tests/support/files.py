"""The file system refusing a file, for tests that run as root (CI): root reads every file, so a
``chmod 0`` file is not unreadable there."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest


def refuse_to_open(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """``Path.open`` and ``os.open`` of ``locked`` raise PermissionError (EACCES), as for a user
    without the right (``os.open`` also by its name inside a folder opened before, as ``dir_fd``)."""
    real_open = Path.open
    real_os_open = os.open

    def refusing_os_open(path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        if Path(path) == locked or (dir_fd is not None and str(path) == locked.name):
            raise PermissionError(13, "Permission denied")
        return real_os_open(path, flags, mode, dir_fd=dir_fd)

    def refusing(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing)
    monkeypatch.setattr(os, "open", refusing_os_open)
