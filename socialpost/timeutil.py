"""Time rules: wall times in IANA zones, durations, and the clock.

The one DST rule (README, "Time rules"):

* a wall time that does not exist (spring-forward gap) moves forward by the length of the gap to
  the first valid instant — 02:30 on a night that jumps from 02:00 to 03:00 fires at 03:30;
* a wall time that occurs twice (fall-back overlap) fires once, at its first occurrence.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialpost.i18n import _, ngettext

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real clock (aware, UTC). Everything that needs 'now' takes a Clock so tests inject one."""
    return datetime.now(UTC)


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """A ZoneInfo for an IANA name; raises ValueError with a suggestion otherwise."""
    if not _ZONE_NAME.match(name or "") or ("/" not in name and name != "UTC") or _FIXED_OFFSET.match(name):
        raise ValueError(_zone_hint(name))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(_zone_hint(name)) from None


_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+){0,3}$")
# Etc/GMT+5 and the like: a fixed offset under a zone's name, which never follows daylight-saving time
_FIXED_OFFSET = re.compile(r"^(?:.*/)?Etc/(?:GMT|UTC|UCT)?[+-]?\d", re.IGNORECASE)
# where the zones of real places are; what else tzdata holds (Etc/*, Factory, localtime, posixrules,
# SystemV/*, EST5EDT…) is no zone to suggest
_PLACE_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


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
    name = name[:100]
    upper = name.strip().upper()
    suggestion = _ABBREVIATIONS.get(upper)
    if suggestion is None and upper.startswith(("GMT", "UTC", "ETC/")):
        suggestion = "America/Montreal"
    if suggestion is None:
        import difflib

        matches = difflib.get_close_matches(name[:64], _place_zones(), n=1, cutoff=0.6)
        suggestion = matches[0] if matches else "America/Montreal"
    return _(
        "'{name}' is not an IANA time zone name (abbreviations and fixed offsets do not follow "
        "daylight-saving time). Fix: write the zone of a city, such as {suggestion}"
    ).format(name=name, suggestion=suggestion)


@lru_cache(maxsize=1)
def _place_zones() -> list[str]:
    """The zone names of real places (Europe/Paris, America/Montreal), to suggest instead of a wrong name."""
    import zoneinfo

    return sorted(name for name in zoneinfo.available_timezones() if name.split("/", 1)[0] in _PLACE_REGIONS)


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


MIN_YEAR, MAX_YEAR = 1900, 2999  # far from datetime's limits, so converting to UTC cannot overflow
_WALL = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?$")


def parse_wall_time(value: str) -> datetime:
    """Parse ``YYYY-MM-DD HH:MM[:SS]`` (or with a ``T``) into a naive datetime."""
    text = value.strip()
    match = _WALL.match(text)
    if not match:
        if re.match(r"^\d{1,2}:\d{2}(:\d{2})?$", text):
            raise ValueError(
                _("'{value}' has no date. Fix: write the date too, like 2026-03-02 {time}").format(
                    value=value, time=text
                )
            )
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            raise ValueError(
                _("'{value}' has no time. Fix: write the time too, like {date} 09:00").format(value=value, date=text)
            )
        if re.search(r"(Z|[+-]\d{2}:?\d{2})$", text):
            raise ValueError(
                _(
                    "'{value}' has a UTC offset. Fix: write the local time without it; the campaign's "
                    "timezone decides the offset (and follows daylight-saving time)"
                ).format(value=value)
            )
        raise ValueError(_("'{value}' is not a date and time. Fix: write it like 2026-03-02 09:00").format(value=value))
    year, month, day = (int(part) for part in match["date"].split("-"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(
            _("'{value}' is outside the years {first}–{last}. Fix: check the year").format(
                value=value, first=MIN_YEAR, last=MAX_YEAR
            )
        )
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    wrong = _calendar_problems(year, month, day) + _clock_problems(hour, minute, second)
    if wrong:
        raise ValueError(
            _(
                "'{value}' is not a valid date and time: {problems}. Fix: correct it (written like 2026-03-02 09:00)"
            ).format(value=value, problems="; ".join(wrong))
        )
    return datetime(year, month, day, hour, minute, second)


def _calendar_problems(year: int, month: int, day: int) -> list[str]:
    """What is wrong with a date, in words (``month 13 does not exist``); empty when it is real."""
    if not 1 <= month <= 12:
        return [_("month {month} does not exist (01 to 12)").format(month=f"{month:02d}")]
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return [
            _("{year}-{month} has no day {day} (it has {last} days)").format(
                year=year, month=f"{month:02d}", day=f"{day:02d}", last=last
            )
        ]
    return []


def _clock_problems(hour: int, minute: int, second: int) -> list[str]:
    """What is wrong with a time of day, in words (``hour 25 does not exist``); empty when it is real."""
    problems = []
    if hour > 23:
        problems.append(_("hour {hour} does not exist (00 to 23)").format(hour=f"{hour:02d}"))
    if minute > 59:
        problems.append(_("minute {minute} does not exist (00 to 59)").format(minute=f"{minute:02d}"))
    if second > 59:
        problems.append(_("second {second} does not exist (00 to 59)").format(second=f"{second:02d}"))
    return problems


_UNIT = r"(?:seconds?|secs?|s|minutes?|mins?|m|hours?|h|days?|d|weeks?|w)"
_DURATION = re.compile(rf"^\s*(?:\d+(?:\.\d+)?\s*{_UNIT}\s*)+$")
_DURATION_PART = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNIT})")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_duration(value: str | int | float) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``1h30m``, ``1d``, ``1w`` (or a number of seconds) → timedelta."""
    if isinstance(value, bool):
        raise ValueError(_("expected a duration. Fix: write it like 15m, 2h or 1d"))
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(_("a duration cannot be negative. Fix: write it like 15m, 2h or 1d"))
        seconds = float(value)
    else:
        text = value.lower()
        if not _DURATION.match(text):
            raise ValueError(
                _("'{value}' is not a duration. Fix: write it like 90s, 15m, 2h, 1h30m or 1d").format(value=value)
            )
        seconds = sum(float(number) * _UNIT_SECONDS[unit[0]] for number, unit in _DURATION_PART.findall(text))
    if seconds != seconds:  # nan
        raise ValueError(_("'{value}' is not a duration. Fix: write it like 90s, 15m, 2h or 1d").format(value=value))
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(
            _("'{value}' is too long a duration. Fix: use at most {days} days").format(
                value=value, days=MAX_DURATION.days
            )
        )
    return timedelta(seconds=seconds)


MAX_DURATION = timedelta(days=3650)


def coerce_duration(value: object) -> timedelta:
    """A duration from a config or campaign value (``15m``, ``2h``, seconds, or a timedelta);
    ValueError with the fix otherwise. Shared by every settings model that takes durations."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(_("expected a duration. Fix: write it like 90s, 15m, 2h or 1d"))
    return parse_duration(value)


def format_duration(delta: timedelta) -> str:
    """The shortest exact spelling of a duration (``15m``, ``1h30m``, ``45s``, ``1.5s``)."""
    if delta < timedelta(0):
        return "-" + format_duration(-delta)
    seconds = int(delta.total_seconds())
    fraction = delta - timedelta(seconds=seconds)
    parts = []
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if fraction:
        exact = f"{delta.seconds % 60 + fraction.microseconds / 1_000_000:.6f}".rstrip("0") + "s"
        parts = [part for part in parts if not part.endswith("s")] + [exact]
    return "".join(parts) or "0s"


def human_duration(delta: timedelta) -> str:
    """A duration for people to read, in the active language, at most two units and no fractions:
    ``685 days``, ``2 days 3 h``, ``3 h 12 min``, ``45 s`` (rounded down). A week or more is
    counted in days only: the hours no longer matter."""
    from socialpost.i18n.formats import integer

    if delta < timedelta(0):
        return "-" + human_duration(-delta)
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    units = [
        (days, ngettext("{count} day", "{count} days", days)),
        (hours, ngettext("{count} h", "{count} h", hours)),
        (minutes, ngettext("{count} min", "{count} min", minutes)),
        (secs, ngettext("{count} s", "{count} s", secs)),
    ]
    first = next((index for index, (number, _unit) in enumerate(units) if number), len(units) - 1)
    shown = units[first : first + (1 if days >= 7 else 2)]
    return " ".join(unit.format(count=integer(number)) for number, unit in shown if number or len(shown) == 1)


def iso_utc(instant: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` (the JSON contracts' format)."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ensure_aware(value: datetime) -> datetime:
    """Datetimes read back from SQLite lose their zone; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
