"""The report's chart axes: whole-number ticks on round steps, and dates thinned to fit."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialpost.report.axes import integer_ticks, label_step, labelled
from socialpost.report.charts import Point
from socialpost.report.svg import axis_label, trend_svg


@pytest.mark.parametrize(
    ("high", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (2, [0, 1, 2]),
        (3, [0, 1, 2, 3]),
        (4, [0, 1, 2, 3, 4]),
        (5, [0, 2, 4, 6]),
        (7, [0, 2, 4, 6, 8]),
        (10, [0, 5, 10]),
        (136, [0, 50, 100, 150]),
        (999, [0, 500, 1000]),
        (20_937, [0, 10_000, 20_000, 30_000]),
    ],
)
def test_integer_ticks(high: int, ticks: list[int]) -> None:
    assert integer_ticks(high) == ticks


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=2, max_value=12))
def test_ticks_are_whole_round_and_cover_the_highest_value(high: int, most: int) -> None:
    ticks = integer_ticks(high, most)
    assert ticks[0] == 0 and ticks[-1] >= high and 2 <= len(ticks) <= most
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    (step,) = steps
    assert isinstance(step, int) and step >= 1
    assert str(step).rstrip("0") in ("1", "2", "5")  # 1, 2 or 5 × 10ⁿ
    assert ticks[-2] < high or high == 0  # not a tick more than needed


def test_an_axis_needs_two_ticks() -> None:
    with pytest.raises(ValueError):
        integer_ticks(5, 1)


@pytest.mark.parametrize(
    ("count", "room", "label", "step"),
    [
        (17, 900, 40, 1),  # room for every day
        (17, 900, 60, 2),  # the 17 crowded dates: every other one
        (21, 300, 50, 7),  # a phone: one a week
        (21, 930, 60, 2),
        (60, 300, 50, 14),
        (400, 300, 50, 84),  # beyond 28: multiples of 28
        (0, 300, 50, 1),
    ],
)
def test_label_step(count: int, room: float, label: float, step: int) -> None:
    assert label_step(count, room, label) == step


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=100, max_value=2000), st.integers(10, 120))
def test_thinned_labels_never_overlap(count: int, room: int, label: int) -> None:
    keys = [str(i) for i in range(count)]
    shown = labelled(keys, room, label)
    assert shown[0] == 0
    slot = room / count
    assert all((b - a) * slot >= label for a, b in itertools.pairwise(shown))


def test_the_trend_axis_reads_whole_numbers_and_thinned_dates() -> None:
    """The issue's chart: one interaction in a fortnight read "1, 0, 0"; 17 dates were crowded."""
    days = [date(2027, 3, 1) + timedelta(days=i) for i in range(17)]
    points = [Point(day.isoformat(), 1 if i == 3 else 0, 1, 0) for i, day in enumerate(days)]
    svg = trend_svg(points, "day", width=360, height=230, font=12)
    assert re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', svg) == ["0", "1"]
    labels = re.findall(r'<text class="day"[^>]*>([^<]*)</text>', svg)
    assert labels == ["Mar 1", "Mar 4", "Mar 7", "Mar 10", "Mar 13", "Mar 16"]  # every 3rd day fits in 360
    wide = trend_svg(points, "day", width=1000, height=280, font=13)
    assert len(re.findall(r'<text class="day"', wide)) in (9, 17)


def test_axis_labels_in_french() -> None:
    from socialpost import i18n

    i18n.activate("fr")
    assert axis_label("2027-03-03") == "3 mars"
    assert axis_label("2027-W09") == "1 mars"  # the week's Monday
    i18n.activate("en")
    assert axis_label("2027-03-03") == "Mar 3"
