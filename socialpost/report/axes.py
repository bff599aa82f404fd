"""Chart axes a reader can trust: whole-number ticks on round steps, and dates thinned to fit.

A count axis never reads ``0, 0, 1`` (halves of one interaction rounded): its ticks are whole
numbers on steps of 1, 2 or 5 times a power of ten, from 0 to the first tick at or above the
highest value. A date axis labels every day when the labels fit, else every 2nd, 3rd, 7th, 14th…
bar, always starting with the first, so no two labels overlap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

NICE = (1, 2, 5)
DATE_STEPS = (1, 2, 3, 7, 14, 28)


def integer_ticks(high: float, most: int = 5) -> list[int]:
    """Ticks from 0 up to the first round value at or above ``high``: at most ``most`` of them
    (``most`` ≥ 2), whole numbers on a step of 1, 2 or 5 × 10ⁿ. ``high`` ≤ 0 gives ``[0, 1]``."""
    if most < 2:
        raise ValueError("an axis needs at least two ticks")
    if high <= 0:
        return [0, 1]
    magnitude = 1
    while True:
        for nice in NICE:
            step = nice * magnitude
            intervals = math.ceil(high / step)
            if intervals <= most - 1:
                return [step * i for i in range(intervals + 1)]
        magnitude *= 10


def label_step(count: int, room: float, label_width: float) -> int:
    """Label every n-th of ``count`` evenly spaced bars in ``room`` pixels so that labels
    ``label_width`` wide (gap included) do not overlap: the smallest n of 1, 2, 3, 7, 14, 28 (then
    multiples of 28) that fits."""
    if count <= 0:
        return 1
    slot = room / count
    needed = label_width / slot if slot > 0 else float(count)
    for step in DATE_STEPS:
        if step >= needed:
            return step
    return DATE_STEPS[-1] * math.ceil(needed / DATE_STEPS[-1])


def labelled(keys: Sequence[str], room: float, label_width: float) -> list[int]:
    """The indexes of ``keys`` that get a label (see :func:`label_step`)."""
    step = label_step(len(keys), room, label_width)
    return list(range(0, len(keys), step))
