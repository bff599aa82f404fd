"""Recurring rules expand into wall times; DST gaps move forward, overlaps fire once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialpost.campaign.recurrence import WEEKDAYS, cron, interval, occurrence_key, weekly
from socialpost.timeutil import to_utc, zone


def test_weekly_slots() -> None:
    got = list(weekly(["mon", "fri"], [time(15), time(10, 30)], date(2027, 3, 1), date(2027, 3, 12)))
    assert got == [
        datetime(2027, 3, 1, 10, 30),
        datetime(2027, 3, 1, 15, 0),
        datetime(2027, 3, 5, 10, 30),
        datetime(2027, 3, 5, 15, 0),
        datetime(2027, 3, 8, 10, 30),
        datetime(2027, 3, 8, 15, 0),
        datetime(2027, 3, 12, 10, 30),
        datetime(2027, 3, 12, 15, 0),
    ]


def test_every_n_days_and_weeks() -> None:
    assert list(interval(timedelta(days=3), [time(9)], date(2027, 3, 1), date(2027, 3, 10))) == [
        datetime(2027, 3, 1, 9),
        datetime(2027, 3, 4, 9),
        datetime(2027, 3, 7, 9),
        datetime(2027, 3, 10, 9),
    ]
    assert len(list(interval(timedelta(weeks=2), [time(9)], date(2027, 1, 1), date(2027, 12, 31)))) == 27


def test_cron() -> None:
    got = list(cron("30 10 * * mon-fri", date(2027, 3, 12), date(2027, 3, 16)))
    assert got == [datetime(2027, 3, 12, 10, 30), datetime(2027, 3, 15, 10, 30), datetime(2027, 3, 16, 10, 30)]
    with pytest.raises(ValueError, match="has 3 fields"):
        list(cron("* * *", date(2027, 1, 1), date(2027, 1, 2)))
    with pytest.raises(ValueError, match="not a valid cron expression"):
        list(cron("61 * * * *", date(2027, 1, 1), date(2027, 1, 2)))


def test_daily_0230_across_the_montreal_spring_gap_and_0130_across_the_overlap() -> None:
    tz = zone("America/Montreal")
    spring = [to_utc(w, tz) for w in cron("30 2 * * *", date(2027, 3, 13), date(2027, 3, 15))]
    # 2027-03-14 02:30 does not exist: it fires at 03:30 EDT (07:30Z), one gap-length later
    assert [t.isoformat() for t in spring] == [
        "2027-03-13T07:30:00+00:00",
        "2027-03-14T07:30:00+00:00",
        "2027-03-15T06:30:00+00:00",
    ]
    fall = [to_utc(w, tz) for w in cron("30 1 * * *", date(2027, 11, 6), date(2027, 11, 8))]
    # 2027-11-07 01:30 happens twice: it fires once, at the first (EDT, 05:30Z)
    assert [t.isoformat() for t in fall] == [
        "2027-11-06T05:30:00+00:00",
        "2027-11-07T05:30:00+00:00",
        "2027-11-08T06:30:00+00:00",
    ]
    assert len({occurrence_key(w) for w in cron("*/30 * * * *", date(2027, 11, 7), date(2027, 11, 7))}) == 48


@settings(max_examples=200, deadline=None)
@given(
    days=st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    start=st.dates(date(2026, 1, 1), date(2030, 12, 31)),
    span=st.integers(0, 60),
)
def test_weekly_matches_a_naive_scan(days: list[str], hour: int, minute: int, start: date, span: int) -> None:
    until = start + timedelta(days=span)
    got = list(weekly(days, [time(hour, minute)], start, until))
    expected = [
        datetime.combine(start + timedelta(days=i), time(hour, minute))
        for i in range(span + 1)
        if WEEKDAYS[(start + timedelta(days=i)).weekday()] in days
    ]
    assert got == expected
    assert got == sorted(set(got))
