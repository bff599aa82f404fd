"""Time rules: wall times in IANA zones, durations, and the clock.

The one DST rule (README, "Time rules"):

* a wall time that does not exist (spring-forward gap) moves forward by the length of the gap to
  the first valid instant — 02:30 on a night that jumps from 02:00 to 03:00 fires at 03:30;
* a wall time that occurs twice (fall-back overlap) fires once, at its first occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real clock (aware, UTC). Everything that needs 'now' takes a Clock so tests inject one."""
    return datetime.now(UTC)


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """A ZoneInfo for an IANA name; raises ValueError with a suggestion otherwise."""
    if not name or ("/" not in name and name != "UTC"):
        raise ValueError(_zone_hint(name))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(_zone_hint(name)) from None


_ABBREVIATIONS = {
    "EST": "America/Toronto",
    "EDT": "America/Toronto",
    "ET": "America/Toronto",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "MST": "America/Denver",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "AST": "America/Halifax",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "BST": "Europe/London",
    "GMT": "Europe/London",
    "WET": "Europe/Lisbon",
    "AEST": "Australia/Sydney",
    "JST": "Asia/Tokyo",
}


def _zone_hint(name: str) -> str:
    upper = (name or "").strip().upper()
    suggestion = _ABBREVIATIONS.get(upper)
    if suggestion is None and upper.startswith(("GMT", "UTC")):
        suggestion = "a city's zone such as America/Montreal"
    if suggestion is None:
        import difflib
        import zoneinfo

        matches = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1, cutoff=0.6)
        suggestion = matches[0] if matches else "America/Montreal"
    return (
        f"'{name}' is not an IANA time zone name; write the zone of a city, such as {suggestion} "
        "(abbreviations and fixed offsets do not follow daylight-saving time)"
    )


def to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """Convert a naive wall time in ``tz`` to UTC following the DST rule above.

    ``fold=0`` picks the first of two overlapping instants; for a time in a gap it applies the
    offset in force before the gap, which lands exactly one gap-length later on the new offset.
    """
    if wall.tzinfo is not None:
        raise ValueError("wall times must be naive")
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def local(instant: datetime, tz: ZoneInfo) -> datetime:
    """The aware local time of a UTC instant."""
    return instant.astimezone(tz)


_WALL = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?$")


def parse_wall_time(value: str) -> datetime:
    """Parse ``YYYY-MM-DD HH:MM[:SS]`` (or with a ``T``) into a naive datetime."""
    text = value.strip()
    match = _WALL.match(text)
    if not match:
        if re.match(r"^\d{1,2}:\d{2}(:\d{2})?$", text):
            raise ValueError(f"'{value}' has no date; write the date too, like 2026-03-02 {text}")
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            raise ValueError(f"'{value}' has no time; write the time too, like {text} 09:00")
        if re.search(r"(Z|[+-]\d{2}:?\d{2})$", text):
            raise ValueError(
                f"'{value}' has a UTC offset; write the local time without it, the campaign's "
                "timezone decides the offset (and follows daylight-saving time)"
            )
        raise ValueError(f"'{value}' is not a date and time; write it like 2026-03-02 09:00")
    try:
        date = datetime.strptime(match["date"], "%Y-%m-%d")
        return date.replace(hour=int(match["h"]), minute=int(match["m"]), second=int(match["s"] or 0))
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a real date and time ({exc})") from None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_duration(value: str | int | float) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``1d``, ``1w`` (or a number of seconds) → timedelta."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like 15m, 2h or 1d")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=value)
    match = _DURATION.match(value.lower())
    if not match:
        raise ValueError(f"'{value}' is not a duration; write it like 90s, 15m, 2h or 1d")
    unit = match.group(2)[0]
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[unit])


def format_duration(delta: timedelta) -> str:
    """The shortest exact spelling of a duration (``15m``, ``1h30m``, ``45s``)."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)


def iso_utc(instant: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` (the JSON contracts' format)."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ensure_aware(value: datetime) -> datetime:
    """Datetimes read back from SQLite lose their zone; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
