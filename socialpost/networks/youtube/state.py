"""YouTube's private state files, in the account's folder (``<data_dir>/youtube/<name>/``, mode
0600, written whole through :mod:`socialpost.privatefiles`).

* :class:`UploadState` is ``uploads/<post key>.json``: the resumable session URI, how many bytes
  YouTube has, and the video id once done.
* :class:`QuotaBook` is ``quota.json``: units and uploads spent per quota day. YouTube's quota
  days run midnight to midnight Pacific time, so that is the day used.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from socialpost.networks.base import AdapterContext
from socialpost.privatefiles import KeyedFiles, read_object, write_json

PACIFIC = ZoneInfo("America/Los_Angeles")  # YouTube's quota resets at midnight Pacific time


def account_folder(context: AdapterContext, account: str) -> Path:
    """The account's state folder; the one earlier versions named (a leading dot kept) while it
    is still there, so users' files are found."""
    name = account.partition(":")[2] or account
    legacy = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "_"
    return context.state_dir("", account, old=context.data_dir / "youtube" / legacy)


@dataclass
class UploadState:
    """Where one post's upload stands (``uploads/<post key>.json``)."""

    key: str
    file: str
    size: int
    mtime_ns: int
    session_uri: str | None = None  # the resumable session (a capability: never logged)
    offset: int = 0  # bytes YouTube confirmed
    started_at: str | None = None
    video_id: str | None = None
    done: bool = False
    thumbnail: str | None = None  # "done", or why it could not be set
    playlist: str | None = None  # "done", or why the video could not be added
    upload_status: str | None = None

    def matches(self, file: Path) -> bool:
        """True when ``file`` is still the very file this state was started for."""
        try:
            info = file.stat()
        except OSError:
            return False
        return str(file) == self.file and info.st_size == self.size and info.st_mtime_ns == self.mtime_ns

    @classmethod
    def fresh(cls, key: str, file: Path) -> UploadState:
        info = file.stat()
        return cls(key=key, file=str(file), size=info.st_size, mtime_ns=info.st_mtime_ns)


class UploadStates:
    """The upload state files of one account (keys are "sp-<hex>": unchanged by safe_name)."""

    def __init__(self, folder: Path) -> None:
        self.files = KeyedFiles(folder)

    def load(self, key: str) -> UploadState | None:
        data = self.files.read(key)
        if data is None:
            return None
        known = set(UploadState.__dataclass_fields__)
        try:
            return UploadState(**{k: v for k, v in data.items() if k in known})
        except TypeError:
            return None

    def save(self, state: UploadState) -> None:
        self.files.write(state.key, asdict(state))

    def forget(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.files.path(key).unlink()


# --- quota ---------------------------------------------------------------------------------------

# Units per call, from Google's "Quota calculator" page. Under the current rules videos.insert
# draws from its own bucket (100 calls a day by default) instead of the 10,000 units; projects
# still on the older rules pay 1,600 units per upload (setting upload_units).
COSTS = {
    "videos.list": 1,
    "channels.list": 1,
    "commentThreads.list": 1,
    "comments.insert": 50,
    "thumbnails.set": 50,
    "playlistItems.insert": 50,
}


def quota_day(now: datetime) -> str:
    """The quota day ``now`` falls in (YouTube's days run midnight to midnight Pacific time)."""
    return now.astimezone(PACIFIC).date().isoformat()


def next_reset(now: datetime) -> datetime:
    """The next midnight Pacific time (when YouTube's daily quota resets), in UTC."""
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return midnight.astimezone(UTC)


@dataclass
class QuotaDay:
    day: str
    units: int = 0
    uploads: int = 0
    calls: dict[str, int] = field(default_factory=dict)


class QuotaBook:
    """Units and uploads spent per quota day, in ``quota.json`` (an estimate: other apps using the
    same Google Cloud project spend from the same quota)."""

    KEEP_DAYS = 14

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def today(self, now: datetime) -> QuotaDay:
        day = quota_day(now)
        data = read_object(self.path) or {}
        entry = data.get("days", {}).get(day) if isinstance(data.get("days"), dict) else None
        if not isinstance(entry, dict):
            return QuotaDay(day)
        calls = entry.get("calls") if isinstance(entry.get("calls"), dict) else {}
        return QuotaDay(
            day,
            int(entry.get("units", 0)),
            int(entry.get("uploads", 0)),
            {str(k): int(v) for k, v in (calls or {}).items()},
        )

    def spend(self, now: datetime, call: str, *, units: int, uploads: int = 0) -> QuotaDay:
        with self._lock:
            data = read_object(self.path) or {}
            days = data.get("days") if isinstance(data.get("days"), dict) else {}
            assert isinstance(days, dict)
            current = self.today(now)
            current.units += units
            current.uploads += uploads
            current.calls[call] = current.calls.get(call, 0) + 1
            days[current.day] = {"units": current.units, "uploads": current.uploads, "calls": current.calls}
            for old in sorted(days)[: max(len(days) - self.KEEP_DAYS, 0)]:
                del days[old]
            write_json(self.path, {"days": days, "resets": "midnight America/Los_Angeles"})
            return current
