"""Expand a recurring post's rule into local wall times.

Occurrences are computed as *wall times* (what the clock on the wall says in the campaign's zone)
and only then converted to UTC with the one DST rule (``timeutil.to_utc``): a wall time inside a
spring-forward gap moves forward by the gap, and a wall time that happens twice exists once in
the list — so it fires once. The store keys each occurrence by (post, wall time), which makes
re-expansion idempotent. Cron expressions are parsed by APScheduler's CronTrigger, run over naive
wall times (as if in UTC, where there is no DST), for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from socialpost.i18n import _, ngettext

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_OCCURRENCES = 100_000  # a safety net against a rule that never ends


def weekly(days: Sequence[str], times: Sequence[time], start: date, until: date) -> Iterator[datetime]:
    """Every listed weekday at each time, from ``start`` to ``until`` (both included)."""
    wanted = {WEEKDAYS.index(d) for d in days}
    ordered = sorted(times)
    day = start
    while day <= until:
        if day.weekday() in wanted:
            for at in ordered:
                yield datetime.combine(day, at)
        day += timedelta(days=1)


def interval(step: timedelta, times: Sequence[time], start: date, until: date) -> Iterator[datetime]:
    """Every ``step`` (whole days) from ``start``, at each time."""
    ordered = sorted(times)
    day = start
    while day <= until:
        for at in ordered:
            yield datetime.combine(day, at)
        day += step


def cron(expression: str, start: date, until: date) -> Iterator[datetime]:
    """Wall times matching a 5-field cron expression (minute hour day month weekday)."""
    trigger = cron_trigger(expression)
    now = datetime.combine(start, time(0), tzinfo=UTC)
    end = datetime.combine(until, time(23, 59, 59), tzinfo=UTC)
    previous: datetime | None = None
    for _turn in range(MAX_OCCURRENCES):
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None or fire > end:
            return
        yield fire.replace(tzinfo=None)
        previous = now = fire + timedelta(microseconds=1)


def cron_trigger(expression: str) -> Any:
    """Parse ``expression``; ValueError with APScheduler's reason when it is not valid."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            ngettext(
                "'{expression}' has {count} field; a cron expression has 5: minute hour day-of-month "
                "month day-of-week, like '30 10 * * mon-fri'",
                "'{expression}' has {count} fields; a cron expression has 5: minute hour day-of-month "
                "month day-of-week, like '30 10 * * mon-fri'",
                len(fields),
            ).format(expression=expression, count=len(fields))
        )
    try:
        return CronTrigger.from_crontab(expression, timezone=UTC)
    except ValueError as exc:
        raise ValueError(
            _("'{expression}' is not a valid cron expression: {reason}").format(expression=expression, reason=exc)
        ) from None


def occurrence_key(wall: datetime) -> str:
    """How an occurrence is named in the store and in `plan` (``2027-03-02T10:30``)."""
    return wall.strftime("%Y-%m-%dT%H:%M")
