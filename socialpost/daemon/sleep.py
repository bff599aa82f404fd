"""Noticing that the machine slept: the wall clock moved further than the monotonic clock.

Both clocks are read once per turn of the daemon's main loop (at most half a second apart while
it runs). The monotonic clock stops while the machine is suspended (Linux's CLOCK_MONOTONIC,
macOS's mach_absolute_time); the wall clock does not. So when the wall clock advanced more than
the monotonic clock by over :data:`THRESHOLD` between two turns, the machine slept for that long
(or its wall clock was set forward by as much: the posts due in between were just as late).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialpost.timeutil import Clock

# Longer than any pause of a loaded machine or NTP's step at boot; shorter than a late rule
THRESHOLD = timedelta(seconds=15)


@dataclass(frozen=True)
class Slept:
    """The wall-clock stretch the daemon did not run: from its last turn before, to its first after."""

    since: datetime
    until: datetime
    length: timedelta  # how much further the wall clock went than the monotonic clock


class SleepWatch:
    """Call :meth:`check` once per turn of the loop; it says when the machine slept since the last."""

    def __init__(
        self, clock: Clock, monotonic: Callable[[], float] = time.monotonic, threshold: timedelta = THRESHOLD
    ) -> None:
        self._clock = clock
        self._monotonic = monotonic
        self._threshold = threshold
        self._last: tuple[datetime, float] | None = None

    def check(self) -> Slept | None:
        wall, mono = self._clock(), self._monotonic()
        last, self._last = self._last, (wall, mono)
        if last is None:
            return None
        gap = (wall - last[0]) - timedelta(seconds=mono - last[1])
        if gap > self._threshold:
            return Slept(since=last[0], until=wall, length=gap)
        return None
