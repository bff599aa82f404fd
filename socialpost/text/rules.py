"""How a post's length is measured against a limit. Each network declares its own rule in its
profile (:class:`socialpost.networks.profile.NetworkProfile`); this module knows no network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from socialpost.i18n import N_
from socialpost.text import count


@dataclass(frozen=True)
class Measure:
    """One limit of one network: the measured value and the most allowed."""

    what: str  # the unit, e.g. "weighted characters", "graphemes", "bytes" (marked: show it as ``_(what)``)
    value: int
    limit: int

    @property
    def over(self) -> int:
        return max(self.value - self.limit, 0)


@dataclass(frozen=True)
class LengthRule:
    """The length limits of one network. ``measure`` returns every limit that applies."""

    network: str
    checks: tuple[tuple[str, int, Callable[[str], int]], ...] = ()

    def measure(self, text: str) -> list[Measure]:
        return [Measure(what, fn(text), limit) for what, limit, fn in self.checks]

    @property
    def limit(self) -> int | None:
        """The headline limit (the first check), shown by `validate`."""
        return self.checks[0][1] if self.checks else None


def _chars(text: str) -> int:
    return count.graphemes(text)


WEIGHTED = N_("weighted characters")
GRAPHEMES = N_("graphemes")
BYTES = N_("bytes (UTF-8)")
CHARACTERS = N_("characters")


def characters(network: str, limit: int) -> LengthRule:
    """A limit in characters as people count them (graphemes: an emoji with its modifiers is one)."""
    return LengthRule(network, ((CHARACTERS, limit, _chars),))


def with_limit(rule: LengthRule, limit: int | None) -> LengthRule:
    """``rule`` with its headline limit replaced by ``limit`` (a configured one), the rest kept."""
    if not limit:
        return rule
    if not rule.checks:
        return characters(rule.network, limit)
    (what, _old, fn), *rest = rule.checks
    return LengthRule(rule.network, ((what, limit, fn), *rest))
