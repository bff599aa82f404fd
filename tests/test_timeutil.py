"""Time rules: the one DST rule, zones, durations and wall times."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from socialpost.timeutil import (
    MAX_DURATION,
    ensure_aware,
    format_duration,
    human_duration,
    iso_utc,
    parse_duration,
    parse_wall_time,
    to_utc,
    utcnow,
    zone,
)

# --- the DST rule, on real dates (checked against zoneinfo's data) --------------------------------


@pytest.mark.parametrize(
    ("tz", "wall", "utc", "local_offset", "local_wall"),
    [
        # spring forward: 02:00 → 03:00, so 02:30 does not exist and moves forward by the gap
        ("America/Montreal", "2027-03-14 02:30", datetime(2027, 3, 14, 7, 30), timedelta(hours=-4), "03:30"),
        ("Europe/Paris", "2027-03-28 02:30", datetime(2027, 3, 28, 1, 30), timedelta(hours=2), "03:30"),
        # Lord Howe moves only 30 minutes: 02:00 → 02:30, so 02:15 becomes 02:45 (+11:00)
        (
            "Australia/Lord_Howe",
            "2027-10-03 02:15",
            datetime(2027, 10, 2, 15, 45),
            timedelta(hours=11),
            "02:45",
        ),
    ],
)
def test_wall_time_in_a_spring_forward_gap_moves_forward_by_the_gap(
    tz: str, wall: str, utc: datetime, local_offset: timedelta, local_wall: str
) -> None:
    result = to_utc(parse_wall_time(wall), zone(tz))
    assert result == utc.replace(tzinfo=UTC)
    assert result.utcoffset() == timedelta(0)
    local = result.astimezone(zone(tz))
    assert local.utcoffset() == local_offset
    assert local.strftime("%H:%M") == local_wall


@pytest.mark.parametrize(
    ("tz", "wall", "utc", "local_offset"),
    [
        # fall back: 01:00–02:00 happens twice in Montreal; the first one is EDT (-4)
        ("America/Montreal", "2027-11-07 01:30", datetime(2027, 11, 7, 5, 30), timedelta(hours=-4)),
        ("Europe/Paris", "2027-10-31 02:30", datetime(2027, 10, 31, 0, 30), timedelta(hours=2)),
        ("Australia/Lord_Howe", "2027-04-04 01:45", datetime(2027, 4, 3, 14, 45), timedelta(hours=11)),
    ],
)
def test_wall_time_in_a_fall_back_overlap_fires_at_its_first_occurrence(
    tz: str, wall: str, utc: datetime, local_offset: timedelta
) -> None:
    naive = parse_wall_time(wall)
    result = to_utc(naive, zone(tz))
    assert result == utc.replace(tzinfo=UTC)
    local = result.astimezone(zone(tz))
    assert local.replace(tzinfo=None) == naive
    assert local.utcoffset() == local_offset
    # the second occurrence exists and is later
    second = naive.replace(tzinfo=zone(tz), fold=1).astimezone(UTC)
    assert second > result


@pytest.mark.parametrize(
    ("tz", "wall", "utc"),
    [
        ("Asia/Tokyo", "2027-03-14 02:30", datetime(2027, 3, 13, 17, 30)),
        ("Asia/Tokyo", "2027-11-07 01:30", datetime(2027, 11, 6, 16, 30)),
        ("America/Regina", "2027-03-14 02:30", datetime(2027, 3, 14, 8, 30)),
        ("America/Regina", "2027-11-07 01:30", datetime(2027, 11, 7, 7, 30)),
    ],
)
def test_zones_without_dst_are_unaffected(tz: str, wall: str, utc: datetime) -> None:
    assert to_utc(parse_wall_time(wall), zone(tz)) == utc.replace(tzinfo=UTC)


def test_to_utc_refuses_an_aware_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_utc(datetime(2027, 3, 2, 9, 0, tzinfo=UTC), zone("Europe/Paris"))


# --- the DST rule as a property over many zones and years ------------------------------------------

ZONES = sorted(name for name in zoneinfo.available_timezones() if "/" in name)


def _has_dst(name: str) -> bool:
    tz = zoneinfo.ZoneInfo(name)
    return datetime(2027, 1, 1, tzinfo=tz).utcoffset() != datetime(2027, 7, 1, tzinfo=tz).utcoffset()


DST_ZONES = [name for name in ZONES if _has_dst(name)]


@cache
def transitions(name: str, year: int) -> tuple[datetime, ...]:
    """UTC instants in ``year`` where the zone's offset changes (found by scanning, not by fold)."""
    tz = zoneinfo.ZoneInfo(name)

    def offset(instant: datetime) -> timedelta:
        value = instant.astimezone(tz).utcoffset()
        assert value is not None
        return value

    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    while day < end:
        later = day + timedelta(days=1)
        if offset(day) != offset(later):
            low, high = day, later
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == offset(low):
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))  # transitions happen on whole seconds
        day = later
    return tuple(found)


@st.composite
def zone_and_wall(draw: st.DrawFn) -> tuple[str, datetime]:
    name = draw(st.sampled_from(DST_ZONES) | st.sampled_from(ZONES))
    year = draw(st.integers(1990, 2040))
    changes = transitions(name, year)
    if changes and draw(st.integers(0, 4)) > 0:
        # a wall time close to a transition: where gaps and overlaps are
        instant = draw(st.sampled_from(changes))
        before = (instant - timedelta(seconds=1)).astimezone(zoneinfo.ZoneInfo(name)).replace(tzinfo=None)
        wall = before + timedelta(seconds=1) + timedelta(minutes=draw(st.integers(-150, 150)))
        return name, wall
    start = datetime(year, 1, 1)
    return name, start + timedelta(minutes=draw(st.integers(0, 365 * 24 * 60 - 1)))


def valid_instants(wall: datetime, tz: zoneinfo.ZoneInfo, near: datetime) -> list[datetime]:
    """Every UTC instant whose local time in ``tz`` is ``wall`` (oracle independent of ``fold``)."""
    offsets = {(near + timedelta(hours=h)).astimezone(tz).utcoffset() for h in range(-60, 61)}
    instants = set()
    for off in offsets:
        assert off is not None
        candidate = (wall - off).replace(tzinfo=UTC)
        if candidate.astimezone(tz).replace(tzinfo=None) == wall:
            instants.add(candidate)
    return sorted(instants)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zone_and_wall())
def test_dst_rule_holds_in_every_zone(case: tuple[str, datetime]) -> None:
    name, wall = case
    tz = zoneinfo.ZoneInfo(name)
    result = to_utc(wall, tz)
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)
    back = result.astimezone(tz).replace(tzinfo=None)
    valid = valid_instants(wall, tz, result)
    if valid:
        # the wall time exists (once, or twice in an overlap): the result is its first occurrence
        assert back == wall
        assert result == valid[0]
        event("overlap" if len(valid) > 1 else "single")
    else:
        # a gap: later than the wall time by exactly the gap (the offset jump at the transition)
        event("gap")
        gap = back - wall
        assert gap > timedelta(0)
        after = result.astimezone(tz).utcoffset()
        before = (result - gap).astimezone(tz).utcoffset()
        assert after is not None and before is not None
        assert gap == after - before


# --- zones -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "suggested"),
    [
        ("EST", "America/Toronto"),
        ("PST", "America/Los_Angeles"),
        ("CET", "Europe/Paris"),
        ("GMT-5", "America/Montreal"),
        ("UTC+2", "America/Montreal"),
        ("America/Montreall", "America/Montreal"),
        ("Europe/Pari", "Europe/Paris"),
    ],
)
def test_zone_rejects_abbreviations_and_misspellings_with_a_suggestion(name: str, suggested: str) -> None:
    with pytest.raises(ValueError) as caught:
        zone(name)
    message = str(caught.value)
    assert f"'{name}' is not an IANA time zone name" in message
    assert f"Fix: write the zone of a city, such as {suggested}" in message
    assert "such as a city" not in message  # no stutter ("such as a city's zone such as …")


@pytest.mark.parametrize("name", ["", "America/", "/etc/passwd", "Europe/../../etc/passwd", "a/b" * 500, "x\x00/y"])
def test_zone_refuses_names_that_are_not_zone_names(name: str) -> None:
    with pytest.raises(ValueError, match="is not an IANA time zone name"):
        zone(name)


def test_zone_accepts_iana_names_and_utc() -> None:
    assert zone("America/Montreal").key == "America/Montreal"
    assert zone("America/Argentina/Buenos_Aires").key == "America/Argentina/Buenos_Aires"
    assert zone("UTC").key == "UTC"


# --- durations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("15 minutes", timedelta(minutes=15)),
        ("1min", timedelta(minutes=1)),
        ("2h", timedelta(hours=2)),
        ("2 hours", timedelta(hours=2)),
        ("1.5h", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("2D", timedelta(days=2)),
        (45, timedelta(seconds=45)),
        (2.5, timedelta(seconds=2.5)),
    ],
)
def test_parse_duration(text: str | int | float, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("soon", "'soon' is not a duration. Fix: write it like 90s"),
        ("", "'' is not a duration"),
        ("5", "'5' is not a duration"),
        ("-5m", "'-5m' is not a duration"),
        ("1ms", "'1ms' is not a duration"),
        ("m", "'m' is not a duration"),
        (-1, "cannot be negative"),
        (True, "expected a duration"),
        (float("nan"), "is not a duration"),
        (float("inf"), "too long a duration"),
        ("99999999999d", "too long a duration. Fix: use at most 3650 days"),
        (1e20, "too long a duration"),
    ],
)
def test_parse_duration_rejects_with_a_fix(value: str | int | float, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(value)
    assert words in str(caught.value)
    assert "Fix:" in str(caught.value)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=15), "15m"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(days=1, hours=2, minutes=3, seconds=4), "1d2h3m4s"),
        (timedelta(seconds=1.5), "1.5s"),
        (timedelta(minutes=1, seconds=0.25), "1m0.25s"),
        (-timedelta(minutes=5), "-5m"),
    ],
)
def test_format_duration(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text


@given(st.timedeltas(min_value=timedelta(0), max_value=MAX_DURATION))
def test_format_duration_round_trips_through_parse_duration(delta: timedelta) -> None:
    # what the models serialise (late.within) must read back as the same duration
    assert parse_duration(format_duration(delta)) == delta


# --- wall times ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-02 09:00", datetime(2027, 3, 2, 9, 0)),
        ("2027-03-02T09:00", datetime(2027, 3, 2, 9, 0)),
        ("2027-03-02 9:05", datetime(2027, 3, 2, 9, 5)),
        ("2027-03-02 09:00:30", datetime(2027, 3, 2, 9, 0, 30)),
        ("  2027-03-02 23:59  ", datetime(2027, 3, 2, 23, 59)),
    ],
)
def test_parse_wall_time(text: str, expected: datetime) -> None:
    parsed = parse_wall_time(text)
    assert parsed == expected
    assert parsed.tzinfo is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("09:00", "'09:00' has no date. Fix: write the date too, like 2026-03-02 09:00"),
        ("2027-03-02", "'2027-03-02' has no time. Fix: write the time too, like 2027-03-02 09:00"),
        ("2027-03-02T09:00-05:00", "has a UTC offset. Fix: write the local time without it"),
        ("2027-03-02T09:00Z", "has a UTC offset"),
        ("2027-02-30 09:00", "'2027-02-30 09:00' is not a valid date and time: 2027-02 has no day 30 (it has 28 days)"),
        ("2027-03-02 24:00", "is not a valid date and time: hour 24 does not exist (00 to 23)"),
        ("2027-03-02 09:61", "is not a valid date and time: minute 61 does not exist (00 to 59)"),
        ("next monday", "'next monday' is not a date and time. Fix: write it like 2026-03-02 09:00"),
        ("0001-01-01 00:00", "outside the years 1900–2999"),
        ("9999-12-31 23:59", "outside the years 1900–2999"),
    ],
)
def test_parse_wall_time_rejects_with_a_fix(text: str, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_wall_time(text)
    assert words in str(caught.value)
    assert "Fix:" in str(caught.value)


def test_extreme_accepted_years_convert_to_utc_without_overflow() -> None:
    for text, tz in (("1900-01-01 00:00", "Asia/Tokyo"), ("2999-12-31 23:59", "America/Montreal")):
        assert to_utc(parse_wall_time(text), zone(tz)).tzinfo is not None


# --- small helpers -------------------------------------------------------------------------------------


def test_iso_utc_uses_z_and_converts() -> None:
    paris = datetime(2027, 3, 2, 10, 0, tzinfo=zone("Europe/Paris"))
    assert iso_utc(paris) == "2027-03-02T09:00:00Z"


def test_ensure_aware_and_utcnow() -> None:
    assert ensure_aware(datetime(2027, 1, 1)).tzinfo is UTC
    kept = datetime(2027, 1, 1, tzinfo=zone("Asia/Tokyo"))
    assert ensure_aware(kept) is kept
    now = utcnow()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)


# --- durations in words, as a late post's reason gives them --------------------------------------


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=685, hours=2, minutes=57, seconds=5.372772), "685 days"),
        (timedelta(days=1500), "1,500 days"),
        (timedelta(days=2, hours=3, minutes=5), "2 days 3 h"),
        (timedelta(days=1, hours=1), "1 day 1 h"),
        (timedelta(days=1, minutes=5), "1 day"),
        (timedelta(hours=3, minutes=12, seconds=9.5), "3 h 12 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(minutes=16, microseconds=3), "16 min"),
        (timedelta(minutes=1, seconds=30), "1 min 30 s"),
        (timedelta(seconds=45.9), "45 s"),
        (timedelta(0), "0 s"),
        (timedelta(minutes=-5), "-5 min"),
    ],
)
def test_human_duration(delta: timedelta, text: str) -> None:
    assert human_duration(delta) == text
