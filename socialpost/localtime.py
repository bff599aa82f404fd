"""The reader's time zone, and times written for people in it, with the zone named.

One rule for every command (README, "Time zones"):

* a time that belongs to a campaign's post is shown in the campaign's ``timezone``;
* any other time (a daemon's heartbeat, an inbox reply, a token's expiry, the report's "generated"
  time) in the user's zone: ``timezone:`` in the config file, else this machine's zone;
* people read ``2026-12-07 09:00 EST``: the zone's abbreviation when it has a letter one that means
  a single offset the world over; otherwise the IANA name (``2026-12-07 09:00 Asia/Kolkata``: IST
  is also Ireland's and Israel's), or the offset when the zone has no name;
* JSON and CSV keep their UTC fields and add ``…_local`` beside them: ISO 8601 with the offset.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from socialpost.timeutil import zone

_user_zone: str | None = None  # ``timezone:`` of the config file, set by the CLI

# abbreviations that name more than one offset somewhere in tzdata: the IANA name is shown instead
AMBIGUOUS = frozenset(
    {"AST", "ADT", "BST", "CST", "CDT", "EST", "EDT", "GST", "IST", "IDT", "MST", "PST", "SST", "WAT", "CAT"}
)
# …except in North America's zones, where these are what everybody reads (EST is only Toronto's,
# New York's… when the zone is American; Shanghai's CST gets its IANA name)
_NORTH_AMERICA = frozenset({"EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AST", "ADT"})


def set_user_zone(name: str | None) -> None:
    """Use ``name`` (a checked IANA name, or None for this machine's zone) for times outside campaigns."""
    global _user_zone
    _user_zone = name


def user_zone() -> tzinfo:
    """The zone of times that belong to no campaign: the configured one, else this machine's."""
    if _user_zone:
        try:
            return zone(_user_zone)
        except ValueError:  # checked when the config was read; a bad value never gets here
            pass
    return machine_zone()


def reader_zone(campaign_zone: str | None = None) -> tzinfo:
    """The zone to show a time in: its campaign's when it has one (and the machine knows it)."""
    if campaign_zone:
        try:
            return zone(campaign_zone)
        except ValueError:
            pass
    return user_zone()


@lru_cache(maxsize=1)
def machine_zone() -> tzinfo:
    """This machine's zone: ``$TZ`` or /etc/localtime as an IANA zone when it names one, else the
    fixed offset the C library uses now."""
    name = _machine_zone_name()
    if name:
        try:
            return zone(name)
        except ValueError:
            pass
    local = datetime.now(UTC).astimezone().tzinfo
    return local if local is not None else UTC


def _machine_zone_name() -> str | None:
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        if tz.startswith("/"):
            return _name_of_file(Path(tz))
        return "UTC" if tz in ("UTC", "Etc/UTC", "UTC0") else tz
    return _name_of_file(Path("/etc/localtime"))


def _name_of_file(path: Path) -> str | None:
    try:
        target = str(path.resolve())
    except OSError:
        return None
    marker = "/zoneinfo/"
    if marker not in target:
        return None
    name = target.split(marker, 1)[1]
    return "UTC" if name in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Universal") else name


def zone_label(moment: datetime) -> str:
    """How an aware local time names its zone (see the module's rule)."""
    abbreviation = moment.tzname() or ""
    if abbreviation == "UTC":
        return "UTC"
    lettered = abbreviation.isalpha() and abbreviation.isupper()
    if lettered and (abbreviation not in AMBIGUOUS or (abbreviation in _NORTH_AMERICA and _in_north_america(moment))):
        return abbreviation
    key = getattr(moment.tzinfo, "key", None)
    if key:
        return str(key)
    return moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:] if moment.utcoffset() else "UTC"


def _in_north_america(moment: datetime) -> bool:
    key = getattr(moment.tzinfo, "key", "") or ""
    return isinstance(moment.tzinfo, ZoneInfo) and key.startswith(("America/", "Canada/", "US/"))


def local_text(instant: datetime, where: tzinfo | None = None, *, seconds: bool = False) -> str:
    """``2026-12-07 09:00 EST`` (``09 h 00`` in French): ``instant`` in ``where`` (default: the
    user's zone), the zone named."""
    from socialpost.i18n.formats import datetime_text

    moment = _aware(instant).astimezone(where or user_zone())
    return f"{datetime_text(moment, seconds=seconds)} {zone_label(moment)}"


def iso_local(instant: datetime, where: tzinfo | None = None) -> str:
    """ISO 8601 with the offset, for the ``…_local`` fields of JSON and CSV (``2026-12-07T09:00:00-05:00``)."""
    return _aware(instant).astimezone(where or user_zone()).isoformat()


def _aware(value: datetime) -> datetime:
    """Stored times come back naive from SQLite; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
