"""Stored times for the report: SQLite's stored text read as UTC instants, and written as ISO 8601
(UTC or local), from the text without parsing where it can (a report writes tens of thousands)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from socialpost.timeutil import iso_utc, zone


def _iso(instant: datetime) -> str:
    """:func:`socialpost.timeutil.iso_utc`, quicker for the UTC instants the store gives back."""
    if instant.tzinfo is UTC:
        return instant.isoformat().replace("+00:00", "Z")
    return iso_utc(instant)


def _instant(value: datetime | str) -> datetime:
    """A stored time as the store's UTCDateTime column gives it back: an aware UTC datetime.

    SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC) text, which :func:`_posts` reads as is
    and SQLAlchemy would parse with ``datetime.fromisoformat``; other databases give datetimes.
    """
    if isinstance(value, str):
        if len(value) == 26:
            # SQLite's stored text: with its offset written, parsing gives datetime.UTC itself,
            # five times quicker than parsing and then replace(tzinfo=UTC) (a report reads tens of
            # thousands); text of that length with an offset of its own is read below
            try:
                return datetime.fromisoformat(value + "+00:00")
            except ValueError:
                pass
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stored_shape(value: str) -> bool:
    """Whether ``value`` is written as SQLite's stored UTC times are: ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    return len(value) == 26 and value[10] == " " and value[19] == "." and value[20:].isdigit()


def _iso_of(value: datetime | str) -> str:
    """``_iso(_instant(value))``; for SQLite's stored text, made from the text without parsing."""
    if isinstance(value, str) and _stored_shape(value):
        # isoformat() leaves out a zero fraction and writes six digits otherwise
        return value.replace(" ", "T").removesuffix(".000000") + "Z"
    return _iso(_instant(value))


def local_iso(instant: datetime, place: tzinfo) -> str:
    """``instant`` in ``place``, ISO 8601 with the offset: ``…_local`` (socialpost.localtime)."""
    return instant.astimezone(place).isoformat()


_DAYS: dict[tuple[tzinfo, str], tuple[int, str, str, str] | None] = {}


def local_iso_of(value: datetime | str, place: tzinfo) -> str:
    """:func:`local_iso` of a stored time; for SQLite's stored text, made from the text and the
    day's offset, worked out once per zone and UTC day (a report writes tens of thousands: the JSON
    and CSV views took a fifth longer with the plain conversion)."""
    if isinstance(value, str) and _stored_shape(value):
        key = (place, value[:10])
        if key in _DAYS:
            day = _DAYS[key]
        else:
            day = _DAYS[key] = _local_day(value[:10], place)
        if day is not None:
            hours, before, after, offset = day
            hour = int(value[11:13]) + hours
            date = value[:10]
            if hour < 0:
                date, hour = before, hour + 24
            elif hour > 23:
                date, hour = after, hour - 24
            return f"{date}T{hour:02d}{value[13:19]}{value[19:].removesuffix('.000000')}{offset}"
    return local_iso(_instant(value), place)


def _local_day(day: str, place: tzinfo) -> tuple[int, str, str, str] | None:
    """For the UTC day ``YYYY-MM-DD``: the whole hours ``place`` adds, the days before and after,
    and the offset as ISO writes it, when one whole-hour offset holds all day (minutes and seconds
    then stay as in UTC); None otherwise (a half-hour zone, the day its offset changes: the caller
    converts)."""
    start = datetime.fromisoformat(day + "T00:00:00+00:00")
    offset = start.astimezone(place).utcoffset()
    end = (start + timedelta(days=1) - timedelta(microseconds=1)).astimezone(place).utcoffset()
    if offset is None or offset != end or offset % timedelta(hours=1):
        return None
    written = start.astimezone(place).isoformat()[19:]
    return (
        offset // timedelta(hours=1),
        (start - timedelta(days=1)).date().isoformat(),
        (start + timedelta(days=1)).date().isoformat(),
        written,
    )


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo | None:
    """The campaign's time zone, None when the machine does not know it (times stay in UTC)."""
    try:
        return zone(name)
    except ValueError:
        return None
