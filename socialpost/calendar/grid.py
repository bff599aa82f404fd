"""Weeks and months of a calendar: which entries fall on which day (and hour), Monday first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from socialpost.calendar.entries import Calendar, Entry

View = Literal["week", "month"]


@dataclass(frozen=True)
class Day:
    day: date
    entries: tuple[Entry, ...]  # by local time
    in_month: bool = True  # False: a day of the month before or after, shown to fill its week

    def hours(self, calendar: Calendar) -> dict[int, list[Entry]]:
        by_hour: dict[int, list[Entry]] = {}
        for entry in self.entries:
            by_hour.setdefault(calendar.local(entry).hour, []).append(entry)
        return by_hour


@dataclass(frozen=True)
class Period:
    """A week (seven days) or a month (its weeks, whole, Monday to Sunday)."""

    view: View
    first: date  # the period's own first day (a Monday, or the 1st of the month)
    weeks: tuple[tuple[Day, ...], ...]

    @property
    def days(self) -> list[Day]:
        return [day for week in self.weeks for day in week if day.in_month]

    @property
    def count(self) -> int:
        return sum(len(day.entries) for day in self.days)

    def hours(self, calendar: Calendar) -> list[int]:
        """The hours of the day that have a post in this period, in order."""
        return sorted({calendar.local(e).hour for day in self.days for e in day.entries})


def by_day(calendar: Calendar, entries: Iterable[Entry] | None = None) -> dict[date, list[Entry]]:
    days: dict[date, list[Entry]] = {}
    for entry in sorted(calendar.shown() if entries is None else entries, key=calendar.local):
        days.setdefault(calendar.local(entry).date(), []).append(entry)
    return days


def start_of(view: View, day: date) -> date:
    return day - timedelta(days=day.weekday()) if view == "week" else day.replace(day=1)


def next_start(view: View, first: date) -> date:
    if view == "week":
        return first + timedelta(days=7)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def period(calendar: Calendar, view: View, day: date) -> Period:
    """The week (Monday to Sunday) or month holding ``day``."""
    first = start_of(view, day)
    end = next_start(view, first)
    days = by_day(calendar)
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday < end:
        week = tuple(
            Day(d, tuple(days.get(d, ())), first <= d < end) for d in (monday + timedelta(days=i) for i in range(7))
        )
        weeks.append(week)
        monday += timedelta(days=7)
    return Period(view, first, tuple(weeks))


def busy_period(calendar: Calendar, view: View, day: date) -> tuple[Period, bool]:
    """The period holding ``day``; when it has no post but the calendar has some, the first period
    after it that has one (else the last before it). The flag says whether it moved."""
    wanted = period(calendar, view, day)
    days = sorted(by_day(calendar))
    if wanted.count or not days:
        return wanted, False
    later = [d for d in days if d >= day]
    return period(calendar, view, later[0] if later else days[-1]), True


def months(calendar: Calendar) -> list[Period]:
    """Every month from the first post's to the last's (the HTML page); empty months inside the span
    stay, so the page reads as a calendar."""
    days = sorted(by_day(calendar))
    if not days:
        return [period(calendar, "month", calendar.now.astimezone(calendar.zone).date())]
    found, first = [], start_of("month", days[0])
    while first <= days[-1]:
        found.append(period(calendar, "month", first))
        first = next_start("month", first)
    return found
