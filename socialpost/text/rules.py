"""How long a post may be on each network, and how its length is measured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from socialpost.text import count


@dataclass(frozen=True)
class Measure:
    """One limit of one network: the measured value and the most allowed."""

    what: str  # e.g. "weighted characters", "graphemes", "bytes"
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


RULES: dict[str, LengthRule] = {
    "x": LengthRule("x", (("weighted characters", 280, count.x_weighted_length),)),
    "bluesky": LengthRule("bluesky", (("graphemes", 300, count.graphemes), ("bytes (UTF-8)", 3000, count.utf8_bytes))),
    "mastodon": LengthRule("mastodon", (("characters", 500, count.mastodon_length),)),
    "linkedin": LengthRule("linkedin", (("characters", 3000, _chars),)),
    "facebook": LengthRule("facebook", (("characters", 63_206, _chars),)),
}


def rule_for(network: str, *, limit: int | None = None, url_length: int | None = None) -> LengthRule:
    """The rule for ``network``; a configured ``limit`` (e.g. a Mastodon instance's) overrides."""
    rule = RULES.get(network)
    if network == "mastodon" and (limit or url_length):
        length = url_length or 23
        return LengthRule(
            "mastodon", (("characters", limit or 500, lambda t: count.mastodon_length(t, url_length=length)),)
        )
    if rule is None:
        if limit:
            return LengthRule(network, (("characters", limit, _chars),))
        return LengthRule(network)
    if limit and rule.checks:
        (what, _, fn), *rest = rule.checks
        return LengthRule(network, ((what, limit, fn), *rest))
    return rule
