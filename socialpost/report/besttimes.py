"""Hour-of-week engagement and "best time to post", from an account's own history.

Each sent post counts in the hour of the week it went out, in its campaign's time zone. Its
engagement is the engagement rate where the network gives views, else its interactions (likes +
reposts + replies + quotes), read from its latest snapshot — and only once that snapshot is at least
:data:`MATURE_AFTER` old, so a post read one hour after posting does not look worse than one read a
week later. Hours are ranked by their median; no advice is given before an account has
:data:`MIN_POSTS` such posts, and an hour needs :data:`MIN_PER_SLOT` posts to be advised.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from socialpost.i18n import _, ngettext
from socialpost.report.aggregate import load_posts
from socialpost.report.facts import Filters, PostFacts

if TYPE_CHECKING:
    from socialpost.store.db import Store

MIN_POSTS = 10
MIN_PER_SLOT = 2
MATURE_AFTER = timedelta(hours=24)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # the JSON's names


@dataclass(frozen=True)
class Slot:
    weekday: int  # 0 = Monday
    hour: int  # 0–23, local time of the post's campaign
    posts: int
    median: float

    @property
    def label(self) -> str:
        """The hour for people, in their language: ``Tuesday 10:00–11:00``."""
        from socialpost.i18n.formats import weekday_name

        return _("{day} {start}:00–{end}:00").format(
            day=weekday_name(self.weekday, short=False), start=f"{self.hour:02d}", end=f"{(self.hour + 1) % 24:02d}"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "weekday": self.weekday,
            "day": DAYS[self.weekday],
            "hour": self.hour,
            "posts": self.posts,
            "median": self.median,
        }


@dataclass
class HourOfWeek:
    measure: str  # "rate" or "interactions"
    slots: dict[tuple[int, int], Slot] = field(default_factory=dict)

    @property
    def sample(self) -> int:
        return sum(s.posts for s in self.slots.values())

    def as_json(self) -> dict[str, Any]:
        return {"measure": self.measure, "sample": self.sample, "slots": [s.as_json() for s in self.slots.values()]}


@dataclass
class BestTimes:
    account: str
    measure: str
    sample: int  # posts with mature engagement
    needed: int  # posts needed before any advice
    slots: list[Slot]  # best first; empty when there is no advice

    @property
    def advice(self) -> bool:
        return bool(self.slots)

    def describe(self) -> str:
        """One line for people."""
        if not self.slots:
            if self.sample < self.needed:
                return _(
                    "{account}: not enough history for advice yet ({sample} of {needed} posts with engagement a "
                    "day or more after posting)."
                ).format(account=self.account, sample=self.sample, needed=self.needed)
            return _(
                "{account}: no hour of the week has {count} posts yet, so no hour can be compared with another; "
                "post at the same hours more than once."
            ).format(account=self.account, count=MIN_PER_SLOT)
        unit = measure_name(self.measure)
        # English keeps its one wording for every count (its output is pinned); ngettext lets French agree.
        parts = [
            ngettext(
                "{slot} ({measure} {value}, {count} posts)", "{slot} ({measure} {value}, {count} posts)", s.posts
            ).format(slot=s.label, measure=unit, value=format_measure(s.median, self.measure), count=s.posts)
            for s in self.slots
        ]
        # Translators: what separates the hours in a list ("; " in English, " ; " in French).
        separator = _("; ")
        return _("{account}: best times, from {sample} posts: {slots}").format(
            account=self.account, sample=self.sample, slots=separator.join(parts)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "measure": self.measure,
            "sample": self.sample,
            "needed": self.needed,
            "advice": self.advice,
            "slots": [s.as_json() for s in self.slots],
        }


def format_measure(value: float, measure: str) -> str:
    """A median for people: a rate as a percentage (``4.5%``), interactions as a count (``3``, ``2.5``)."""
    from socialpost.i18n.formats import decimal, integer, percent

    if measure == "rate":
        return percent(value, 1)
    return integer(int(value)) if value.is_integer() else decimal(value, 1)


def measure_name(measure: str) -> str:
    """What the medians measure, for people."""
    return _("median engagement rate") if measure == "rate" else _("median interactions")


class Reading(NamedTuple):
    """One post with mature engagement: where it sits in its campaign's week, and its figures."""

    account: str
    weekday: int
    hour: int
    rate: float | None
    interactions: int | None


def _readings(posts: Iterable[PostFacts]) -> list[Reading]:
    """The posts with mature engagement, each read once: where it sits in the week and its figures."""
    readings = []
    for post in posts:
        latest = post.latest
        if post.status != "sent" or latest is None:
            continue
        sent = post.sent_at
        if sent is None or latest.collected_at - sent < MATURE_AFTER:
            continue
        local = post.local_when
        readings.append(Reading(post.account, local.weekday(), local.hour, post.rate, post.interactions))
    return readings


def _grid(readings: list[Reading]) -> HourOfWeek:
    measure = "rate" if readings and all(r.rate is not None for r in readings) else "interactions"
    values: dict[tuple[int, int], list[float]] = {}
    for reading in readings:
        value = reading.rate if measure == "rate" else reading.interactions
        if value is not None:
            values.setdefault((reading.weekday, reading.hour), []).append(float(value))
    grid = HourOfWeek(measure)
    for (weekday, hour), found in sorted(values.items()):
        grid.slots[(weekday, hour)] = Slot(weekday, hour, len(found), float(statistics.median(found)))
    return grid


def hour_of_week(posts: Iterable[PostFacts]) -> HourOfWeek:
    """Median engagement per (weekday, hour) of the posts given (see the module's rules)."""
    return _grid(_readings(posts))


def _advice(grid: HourOfWeek, account: str, *, min_posts: int, top: int) -> BestTimes:
    sample = grid.sample
    if sample < min_posts:
        return BestTimes(account, grid.measure, sample, min_posts, [])
    ranked = sorted(
        (s for s in grid.slots.values() if s.posts >= MIN_PER_SLOT),
        key=lambda s: (-s.median, -s.posts, s.weekday, s.hour),
    )
    return BestTimes(account, grid.measure, sample, min_posts, ranked[:top])


def best_times_from(posts: Iterable[PostFacts], account: str, *, min_posts: int = MIN_POSTS, top: int = 3) -> BestTimes:
    return _advice(hour_of_week(p for p in posts if p.account == account), account, min_posts=min_posts, top=top)


def week_and_best_times(
    posts: Iterable[PostFacts], *, min_posts: int = MIN_POSTS, top: int = 3
) -> tuple[HourOfWeek, list[BestTimes]]:
    """The hour-of-week grid of all ``posts`` and each of their accounts' best times (accounts in
    order), from one reading of the posts: ``hour_of_week(posts)`` and ``best_times_from(posts, a)``
    for each account ``a``."""
    items = posts if isinstance(posts, list) else list(posts)
    readings = _readings(items)
    by_account: dict[str, list[Reading]] = {}
    for reading in readings:
        by_account.setdefault(reading.account, []).append(reading)
    accounts = {post.account for post in items}
    best = [
        _advice(_grid(by_account.get(account, [])), account, min_posts=min_posts, top=top)
        for account in sorted(accounts)
    ]
    return _grid(readings), best


def best_times(store: Store, account: str, *, min_posts: int = MIN_POSTS, top: int = 3) -> BestTimes:
    """The hours of the week when ``account``'s posts got the best median engagement.

    ``BestTimes.advice`` is False (and ``describe()`` says why) until the account has ``min_posts``
    posts with engagement read a day or more after posting.
    """
    return best_times_from(load_posts(store, Filters(account=account)), account, min_posts=min_posts, top=top)
