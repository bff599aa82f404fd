"""The choice a mistyped word was meant to be: "Did you mean …?"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from socialpost.i18n import _


def suggest(word: str, choices: Iterable[str]) -> str:
    """' Did you mean 'x'?' when a close match exists, else ''."""
    match = closest(word, choices)
    return did_you_mean(match) if match else ""


def did_you_mean(name: str) -> str:
    """' Did you mean 'name'?' (with its leading space, to follow a sentence)."""
    return " " + _("Did you mean '{name}'?").format(name=name)


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` when one is close enough to be a typo of it."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None
