"""Date cells as the tools write them.

* ISO 8601: ``2027-03-02 09:00``, ``2027-03-02T09:00:00``, with ``Z`` or an offset
  (``report --csv``'s ``local_time`` and ``due_at``) — an instant, converted to the campaign's zone;
* slashed dates ``02/03/2027 09:00`` (Hootsuite's bulk composer: day/month/year or month/day/year,
  chosen at upload — here ``--date-order``; when not given, the file's own rows decide, and a file
  where every date could be read both ways is refused rather than guessed);
* 12-hour clocks ``9:00 AM`` / ``9:00 pm``;
* Excel's date cells (already dates; no zone: wall times).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Literal

from socialpost.i18n import _
from socialpost.importing.table import Cell

DateOrder = Literal["dmy", "mdy"]

_CLOCK_TEXT = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[AaPp]\.?[Mm]\.?)?"
_ISO = re.compile(
    rf"^(?P<y>\d{{4}})-(?P<mo>\d{{1,2}})-(?P<d>\d{{1,2}})[ T](?P<clock>{_CLOCK_TEXT})"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?$"
)
_SLASHED = re.compile(r"^(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{2}|\d{4})[ T,]+(?P<clock>.+)$")
_DATE_ONLY = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.](\d{2}|\d{4}))$")
_CLOCK = re.compile(r"^(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?$")


class DateProblem(ValueError):
    """A cell that is not a date and time we can read; the message says how to write it."""


def guess_order(values: Iterable[str]) -> DateOrder | None:
    """The day/month order a file's slashed dates must have, or None when none tells."""
    day_first = month_first = False
    for value in values:
        match = _SLASHED.match(value.strip())
        if not match:
            continue
        a, b = int(match["a"]), int(match["b"])
        day_first |= a > 12 >= b
        month_first |= b > 12 >= a
    if day_first and not month_first:
        return "dmy"
    if month_first and not day_first:
        return "mdy"
    return None


def read_when(cell: Cell, *, order: DateOrder | None) -> datetime:
    """A naive wall time, or an aware instant when the cell carries its offset."""
    if isinstance(cell, datetime):
        return cell
    if isinstance(cell, date):
        raise DateProblem(_("the date {date} has no time. Fix: add the time, like {date} 09:00.").format(date=cell))
    if not isinstance(cell, str) or not cell.strip():
        raise DateProblem(_("the date and time are missing. Fix: write them, like 2027-03-02 09:00."))
    text = " ".join(cell.split())
    iso = _ISO.match(text)
    if iso:
        when = _built(text, int(iso["y"]), int(iso["mo"]), int(iso["d"]), iso["clock"])
        zone = iso["zone"]
        if zone:
            return datetime.fromisoformat(f"{when.isoformat()}{'+00:00' if zone == 'Z' else _colon(zone)}")
        return when
    slashed = _SLASHED.match(text)
    if slashed:
        a, b = int(slashed["a"]), int(slashed["b"])
        if order is None and a <= 12 and b <= 12 and a != b:
            raise DateProblem(
                _(
                    "'{value}' could be read day first or month first. Fix: say which with --date-order dmy "
                    "(day/month/year) or --date-order mdy (month/day/year)."
                ).format(value=text)
            )
        day, month = (a, b) if order != "mdy" else (b, a)
        year = int(slashed["y"])
        return _built(text, year + 2000 if year < 100 else year, month, day, slashed["clock"])
    if _DATE_ONLY.match(text):
        raise DateProblem(_("the date {date} has no time. Fix: add the time, like {date} 09:00.").format(date=text))
    raise DateProblem(
        _("'{value}' is not a date and time socialpost can read. Fix: write it like 2027-03-02 09:00.").format(
            value=text
        )
    )


def _built(text: str, year: int, month: int, day: int, clock: str) -> datetime:
    try:
        the_day = date(year, month, day)
    except ValueError:
        raise DateProblem(
            _("'{value}' is not a day of the calendar. Fix: check the day and the month.").format(value=text)
        ) from None
    match = _CLOCK.match(clock.strip())
    if not match:
        raise DateProblem(
            _("'{value}' has no time socialpost can read. Fix: write the time like 09:00 or 9:00 AM.").format(
                value=text
            )
        )
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    meridian = (match["ampm"] or "").replace(".", "").lower()
    if meridian:
        if not 1 <= hour <= 12:
            raise DateProblem(_("'{value}': {hour} is not an hour of a 12-hour clock.").format(value=text, hour=hour))
        hour = hour % 12 + (12 if meridian == "pm" else 0)
    try:
        return datetime.combine(the_day, time(hour, minute, second))
    except ValueError:
        raise DateProblem(
            _("'{value}' is not a time of the day. Fix: write it between 00:00 and 23:59.").format(value=text)
        ) from None


def _colon(zone: str) -> str:
    return zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
