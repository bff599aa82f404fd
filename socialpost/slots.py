"""A posting queue's time slots, and who takes which (README, "Posting queue").

A queue is a weekly rule — these weekdays at these times of day, in the campaign's zone, from a
first day, less the ``except`` days — and each slot holds ``per_slot`` posts. The rule is pure
arithmetic on wall times, turned into UTC instants by the one DST rule of
:func:`socialpost.timeutil.to_utc`: a slot time inside a spring-forward gap moves forward by the
gap (02:30 → 03:30 on the night of 02:00 → 03:00), a slot time that happens twice (fall-back) is
its first occurrence; two slot times that land on one instant make one slot.

:class:`Board` is one account's occupancy: which instants are taken, and by which campaigns.
Placing a post takes the first slot of its rule from ``now`` on that still has room. The layer
below the store and the campaign package, so both use it: the campaign package to place posts
against an empty queue, the store (socialpost.store.slot_assign) against the queue it holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from socialpost.i18n import _
from socialpost.timeutil import MAX_YEAR, to_utc, zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

KEPT, NEXT, TAKEN = "kept", "next", "taken"  # why a post has its slot (PlannedPost.slot_why)


class NoFreeSlot(ValueError):
    """The rule has no slot left with room (its ``except`` days cover every day to come)."""


def no_free_slot_message() -> str:
    """What :class:`NoFreeSlot` means, with the fix (said where the queue is written)."""
    return _(
        "the queue has no free slot left: its 'except' days cover every day to come. Fix: shorten the "
        "'except' ranges, or add days or times to the queue"
    )


@dataclass(frozen=True)
class SlotRule:
    """One queue: ``days`` (mon…sun) at ``times`` in ``zone_name``, from ``first`` (None: no first
    day, the slots from now on), less the ``skip`` spans (both ends included)."""

    zone_name: str
    days: tuple[str, ...]
    times: tuple[time, ...]
    first: date | None = None
    skip: tuple[tuple[date, date], ...] = ()
    per_slot: int = 1

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.zone_name)

    def as_json(self) -> dict[str, object]:
        """The rule as plain data (a feed's record in the store keeps its queue so)."""
        return {
            "zone": self.zone_name,
            "days": list(self.days),
            "times": [t.strftime("%H:%M") for t in self.times],
            "first": self.first.isoformat() if self.first else None,
            "skip": [[a.isoformat(), b.isoformat()] for a, b in self.skip],
            "per_slot": self.per_slot,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> SlotRule:
        first = data.get("first")
        skip = data.get("skip") or []
        assert isinstance(skip, list)
        return cls(
            zone_name=str(data["zone"]),
            days=tuple(str(d) for d in data["days"]),  # type: ignore[attr-defined]
            times=tuple(time.fromisoformat(str(t)) for t in data["times"]),  # type: ignore[attr-defined]
            first=date.fromisoformat(str(first)) if first else None,
            skip=tuple((date.fromisoformat(a), date.fromisoformat(b)) for a, b in skip),
            per_slot=int(str(data.get("per_slot", 1))),
        )

    def skips(self, day: date) -> bool:
        """Whether ``day`` (a local date) is one of the days ``except`` skips."""
        return any(start <= day <= end for start, end in self.skip)

    def _runs_on(self, day: date) -> bool:
        return (
            WEEKDAYS[day.weekday()] in self.days and (self.first is None or day >= self.first) and not self.skips(day)
        )

    def slots(self, after: datetime) -> Iterator[datetime]:
        """Every slot (an aware UTC instant) at or after ``after``, in order, each once."""
        tz = self.tz
        day = after.astimezone(tz).date() - timedelta(days=1)  # a gap can move a slot past midnight
        if self.first is not None:
            day = max(day, self.first)
        ordered = sorted(set(self.times))
        previous: datetime | None = None
        while day.year <= MAX_YEAR:
            if self._runs_on(day):
                for at in ordered:
                    instant = to_utc(datetime.combine(day, at), tz)
                    if instant >= after and instant != previous:
                        previous = instant
                        yield instant
            day += timedelta(days=1)

    def holds(self, instant: datetime) -> bool:
        """Whether ``instant`` is one of the rule's slots."""
        tz = self.tz
        today = instant.astimezone(tz).date()
        for day in (today, today - timedelta(days=1)):
            if self._runs_on(day) and any(to_utc(datetime.combine(day, at), tz) == instant for at in self.times):
                return True
        return False


@dataclass(frozen=True)
class Placement:
    """Where a post goes: its slot, and why (:data:`KEPT`, :data:`NEXT` or :data:`TAKEN`, with
    ``taken_by`` the campaign whose post had the slot it would otherwise have had)."""

    instant: datetime
    why: str
    taken_by: str = ""


@dataclass
class Board:
    """One account's slots: what occupies each instant (the campaign of each post there)."""

    taken: dict[datetime, list[str]] = field(default_factory=dict)
    _cursor: dict[tuple[SlotRule, datetime], int] = field(default_factory=dict)
    _seen: dict[tuple[SlotRule, datetime], list[datetime]] = field(default_factory=dict)
    _sources: dict[tuple[SlotRule, datetime], Iterator[datetime]] = field(default_factory=dict)

    def occupy(self, instant: datetime, campaign: str) -> None:
        self.taken.setdefault(instant.astimezone(UTC), []).append(campaign)

    def count(self, instant: datetime) -> int:
        return len(self.taken.get(instant.astimezone(UTC), ()))

    def place(self, rule: SlotRule, campaign: str, *, now: datetime) -> Placement:
        """Take the first slot of ``rule`` from ``now`` on with room left; NoFreeSlot if none.

        Slots only fill up while a plan is made, so the search goes on from where the previous one
        of the same rule stopped (placing thousands of posts stays linear)."""
        key = (rule, now)
        seen = self._seen.setdefault(key, [])
        source = self._sources.setdefault(key, rule.slots(now))
        index = self._cursor.get(key, 0)
        taken_by = ""
        while True:
            if index == len(seen):
                instant = next(source, None)
                if instant is None:
                    self._cursor[key] = index
                    raise NoFreeSlot(rule)
                seen.append(instant)
            instant = seen[index]
            holders = self.taken.get(instant, [])
            if len(holders) < rule.per_slot:
                self._cursor[key] = index
                self.occupy(instant, campaign)
                return Placement(instant, TAKEN if taken_by else NEXT, taken_by)
            taken_by = taken_by or next((name for name in holders if name != campaign), "")
            index += 1


def upcoming(rules: Sequence[SlotRule], *, after: datetime, count: int) -> list[tuple[datetime, int]]:
    """The next ``count`` slots of several rules (an account's queues), each instant once with the
    room it has (the largest ``per_slot`` of the rules that have it)."""
    sources = {rule: rule.slots(after) for rule in rules}
    heads = {rule: next(source, None) for rule, source in sources.items()}
    result: list[tuple[datetime, int]] = []
    while len(result) < count:
        live = [instant for instant in heads.values() if instant is not None]
        if not live:
            break
        instant = min(live)
        room = 0
        for rule, head in heads.items():
            if head == instant:
                room = max(room, rule.per_slot)
                heads[rule] = next(sources[rule], None)
        result.append((instant, room))
    return result
