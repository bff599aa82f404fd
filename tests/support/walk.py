"""A one-post outbox campaign with an image, scheduled through the real command (the first user test's walk)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.conftest import START, FakeClock

CAMPAIGN = """\
campaign: walk
timezone: UTC
accounts: [outbox:shop]
posts:
  - id: teaser
    at: {at}
    text: A walk in the park
    media:
      - file: img/tmp.png
        alt: the park in the morning
"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def schedule_walk(run_cli: Callable[..., Any], write: Callable[[str, str], Path], clock: FakeClock) -> Path:
    """Schedule the walk campaign due an hour after START; the image it uses."""
    image = write("img/tmp.png", "")
    image.write_bytes(PNG)
    due = START + timedelta(hours=1)
    campaign = write("walk.yaml", CAMPAIGN.format(at=due.strftime("%Y-%m-%d %H:%M")))
    scheduled = run_cli("schedule", str(campaign))
    assert scheduled.exit_code == 0, scheduled.stderr
    return image
