"""The queue's slot rule (socialpost.slots): exact UTC instants, also across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import islice

import pytest

from socialpost.slots import NEXT, TAKEN, Board, NoFreeSlot, SlotRule, upcoming

MONTREAL = "America/Montreal"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rule(days: tuple[str, ...], *times: str, **kwargs: object) -> SlotRule:
    at = tuple(time.fromisoformat(t) for t in times)
    return SlotRule(MONTREAL, days, at, **kwargs)  # type: ignore[arg-type]


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def test_weekday_slots_follow_the_offset_across_spring_forward() -> None:
    # 2027-03-14 (a Sunday) at 02:00 EST the clocks jump to 03:00 EDT: 09:00 is 14:00Z before, 13:00Z after
    slots = list(islice(rule(WEEKDAYS, "09:00", "12:30").slots(utc("2027-03-11T00:00")), 6))
    assert slots == [
        utc("2027-03-11T14:00"),
        utc("2027-03-11T17:30"),
        utc("2027-03-12T14:00"),
        utc("2027-03-12T17:30"),
        utc("2027-03-15T13:00"),
        utc("2027-03-15T16:30"),
    ]


def test_a_slot_in_the_spring_forward_gap_moves_forward_by_the_gap_and_shares_an_instant_once() -> None:
    # 02:30 does not exist on 2027-03-14: it fires at 03:30 EDT (07:30Z), the instant 03:30 has too: one slot
    sundays = rule(("sun",), "01:30", "02:30", "03:30")
    slots = list(islice(sundays.slots(utc("2027-03-13T00:00")), 5))
    assert slots == [
        utc("2027-03-14T06:30"),  # 01:30 EST
        utc("2027-03-14T07:30"),  # 02:30 → 03:30 EDT, and 03:30 EDT
        utc("2027-03-21T05:30"),  # 01:30 EDT
        utc("2027-03-21T06:30"),
        utc("2027-03-21T07:30"),
    ]
    assert sundays.holds(utc("2027-03-14T07:30"))
    assert not sundays.holds(utc("2027-03-14T08:30"))


def test_a_slot_in_the_fall_back_overlap_is_its_first_occurrence() -> None:
    # 2027-11-07 at 02:00 EDT the clocks go back to 01:00 EST: 01:30 happens twice, the slot is the first
    sundays = rule(("sun",), "01:30", "02:30")
    slots = list(islice(sundays.slots(utc("2027-11-06T00:00")), 4))
    assert slots == [
        utc("2027-11-07T05:30"),  # 01:30 EDT (the first 01:30)
        utc("2027-11-07T07:30"),  # 02:30 EST
        utc("2027-11-14T06:30"),
        utc("2027-11-14T07:30"),
    ]
    assert sundays.holds(utc("2027-11-07T05:30"))
    assert not sundays.holds(utc("2027-11-07T06:30"))  # the second 01:30 is no slot
    weekdays = list(islice(rule(WEEKDAYS, "09:00").slots(utc("2027-11-05T00:00")), 2))
    assert weekdays == [utc("2027-11-05T13:00"), utc("2027-11-08T14:00")]


def test_except_days_and_ranges_and_the_first_day_have_no_slots() -> None:
    queue = rule(
        WEEKDAYS,
        "09:00",
        first=date(2027, 12, 21),
        skip=((date(2027, 12, 24), date(2028, 1, 2)), (date(2028, 1, 4), date(2028, 1, 4))),
    )
    slots = list(islice(queue.slots(utc("2027-12-01T00:00")), 5))
    assert slots == [
        utc("2027-12-21T14:00"),
        utc("2027-12-22T14:00"),
        utc("2027-12-23T14:00"),
        utc("2028-01-03T14:00"),
        utc("2028-01-05T14:00"),
    ]
    assert not queue.holds(utc("2027-12-24T14:00"))
    assert not queue.holds(utc("2027-12-20T14:00"))
    assert queue.holds(utc("2028-01-03T14:00"))


def test_a_board_fills_slots_in_order_with_room_per_slot_and_says_who_took_a_slot() -> None:
    now = utc("2027-03-01T00:00")  # a Monday
    two = rule(("mon",), "09:00", per_slot=2)
    board = Board()
    board.occupy(utc("2027-03-01T14:00"), "other")
    first = board.place(two, "mine", now=now)
    second = board.place(two, "mine", now=now)
    assert (first.instant, first.why) == (utc("2027-03-01T14:00"), NEXT)
    assert (second.instant, second.why, second.taken_by) == (utc("2027-03-08T14:00"), TAKEN, "other")
    assert board.count(utc("2027-03-01T14:00")) == 2


def test_a_queue_whose_except_covers_every_day_has_no_free_slot() -> None:
    closed = rule(WEEKDAYS, "09:00", skip=((date(2027, 1, 1), date(2999, 12, 31)),))
    with pytest.raises(NoFreeSlot):
        Board().place(closed, "c", now=utc("2027-03-01T00:00"))


def test_upcoming_merges_several_rules_each_instant_once_with_the_largest_room() -> None:
    a = rule(("mon",), "09:00")
    b = rule(("mon",), "09:00", "10:00", per_slot=3)
    assert upcoming([a, b], after=utc("2027-03-01T00:00"), count=3) == [
        (utc("2027-03-01T14:00"), 3),
        (utc("2027-03-01T15:00"), 3),
        (utc("2027-03-08T14:00"), 3),
    ]
