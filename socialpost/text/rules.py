"""How long a post may be on each network, and how its length is measured."""

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

RULES: dict[str, LengthRule] = {
    "x": LengthRule("x", ((WEIGHTED, 280, count.x_weighted_length),)),
    "bluesky": LengthRule("bluesky", ((GRAPHEMES, 300, count.graphemes), (BYTES, 3000, count.utf8_bytes))),
    "mastodon": LengthRule("mastodon", ((CHARACTERS, 500, count.mastodon_length),)),
    "linkedin": LengthRule("linkedin", ((CHARACTERS, 3000, _chars),)),
    "facebook": LengthRule("facebook", ((CHARACTERS, 63_206, _chars),)),
}


def rule_for(network: str, *, limit: int | None = None, url_length: int | None = None) -> LengthRule:
    """The rule for ``network``; a configured ``limit`` (e.g. a Mastodon instance's) overrides."""
    rule = RULES.get(network)
    if network == "mastodon" and (limit or url_length):
        length = url_length or 23
        return LengthRule(
            "mastodon", ((CHARACTERS, limit or 500, lambda t: count.mastodon_length(t, url_length=length)),)
        )
    if rule is None:
        if limit:
            return LengthRule(network, ((CHARACTERS, limit, _chars),))
        return LengthRule(network)
    if limit and rule.checks:
        (what, _, fn), *rest = rule.checks
        return LengthRule(network, ((what, limit, fn), *rest))
    return rule
