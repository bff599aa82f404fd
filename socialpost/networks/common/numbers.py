"""Numbers and times read from a network's JSON: counts and ids that may come as ints, digit strings
or floats; ISO 8601 times with ``Z`` or an offset, or none (then UTC)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_INTEGER = re.compile(r"-?[0-9]+")


def as_int(value: Any) -> int | None:
    """``value`` as an int when it is one: an int (a bool is not), a string of ASCII digits (an
    optional minus sign and spaces around allowed), or a float with no fractional part; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        return int(text) if _INTEGER.fullmatch(text) else None
    return None


def as_time(value: Any) -> datetime | None:
    """``value`` as an aware datetime when it is an ISO 8601 time (``Z``, an offset, or none: UTC);
    else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
