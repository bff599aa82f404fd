"""Recurring rules expand into wall times; DST gaps move forward, overlaps fire once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialpost.campaign.recurrence import WEEKDAYS, cron, interval, occurrence_key, weekly
from socialpost.timeutil import to_utc, zone
from tests.support.campaign_input import HEAD, refused


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


# --- rules that produce nothing --------------------------------------------------------------------


@pytest.mark.parametrize(
    "every",
    [
        '{cron: "0 9 31 4 *", from: 2027-01-01, until: 2030-01-01}',
        '{cron: "0 9 30 2 *", from: 2027-01-01}',
        '{days: [mon], at: "10:00", from: 2020-01-01, until: 2020-02-01}',
        '{interval: 3d, at: "10:00", from: 2026-12-01, until: 2027-01-09}',
    ],
)
def test_a_rule_that_never_comes_round_is_advice(run_cli, write, every: str) -> None:  # type: ignore[no-untyped-def]
    post = f'  - id: p1\n    every: {every}\n    text: "What do you think?"\n'
    path = write("c.yaml", HEAD + post)
    result = run_cli("validate", str(path))
    assert result.exit_code == 0, result.stderr
    assert f"warning [never-due]: {path}:6:12: post 'p1': this rule never comes round after now" in result.stderr


@pytest.mark.parametrize(
    "every",
    [
        '{cron: "0 9 1 1 *", from: 2020-01-01}',  # next 1 January is beyond the 90-day window
        '{days: [mon], at: "10:00", from: 2020-01-01}',
        '{interval: 2w, at: "10:00", from: 2019-12-30}',
        '{days: [sun], at: "13:00", from: 2027-01-01, until: 2027-01-10}',  # today, later than now
    ],
)
def test_a_rule_that_comes_round_is_not_flagged(run_cli, write, every: str) -> None:  # type: ignore[no-untyped-def]
    post = f'  - id: p1\n    every: {every}\n    text: "What do you think?"\n'
    result = run_cli("validate", str(write("c.yaml", HEAD + post)))
    assert result.exit_code == 0, result.stderr
    assert "never-due" not in result.stderr


def test_a_rule_from_long_ago_counts_only_coming_posts(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    post = '  - id: p1\n    every: {cron: "0 9 * * *", from: 1990-01-01}\n    text: "What do you think?"\n'
    path = write("c.yaml", HEAD + post)
    assert run_cli("validate", str(path)).exit_code == 0
    scheduled = run_cli("schedule", str(path))
    assert scheduled.exit_code == 0, scheduled.stderr
    assert "90 to create" in scheduled.stdout or "91 to create" in scheduled.stdout, scheduled.stdout


def test_too_many_coming_posts_is_still_an_error(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    post = '  - id: p1\n    every: {cron: "* * * * *", from: 2027-01-01, until: 2027-12-31}\n    text: "Q?"\n'
    refused(run_cli, write("c.yaml", HEAD + post), "more than 10,000 posts", where="6:12")


def test_a_year_out_of_range_is_refused(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    post = '  - id: p1\n    every: {days: [mon], at: "10:00", from: 9999-12-30}\n    text: "Q?"\n'
    refused(run_cli, write("c.yaml", HEAD + post), "outside the years 1900–2999", where="6:45")
