"""What one pin's publication has done, kept on disk between attempts.

Before ``POST /v5/pins`` the record holds the board and when the attempt started; after it, the
pin's id and link. A later attempt (after a timeout or a crash) reads it first: a pin already made
is never made again, and reconciliation knows which board to look on and from when. Files:
``<data dir>/pinterest/<name>/posts/<key>.json``, owner-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from socialpost.privatefiles import KeyedFiles
from socialpost.timeutil import ensure_aware, iso_utc


@dataclass
class Record:
    board_id: str
    started_at: datetime
    pin_id: str = ""
    url: str = ""


class PinBook:
    """The records of one account's pins, by idempotency key."""

    def __init__(self, folder: Path) -> None:
        self.files = KeyedFiles(folder)

    def load(self, key: str) -> Record | None:
        data = self.files.read(key)
        if not data or not isinstance(data.get("board_id"), str) or not isinstance(data.get("started_at"), str):
            return None
        try:
            started = ensure_aware(datetime.fromisoformat(data["started_at"]))
        except ValueError:
            return None
        return Record(data["board_id"], started, str(data.get("pin_id") or ""), str(data.get("url") or ""))

    def save(self, key: str, record: Record) -> None:
        data = {
            "board_id": record.board_id,
            "started_at": iso_utc(record.started_at),
            "pin_id": record.pin_id,
            "url": record.url,
        }
        self.files.write(key, data)
