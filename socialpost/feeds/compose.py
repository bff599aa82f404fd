"""An entry → a post's text from the feed's template, fitted to a network's length rule (the rule
``validate`` measures with: X's weighted characters, Bluesky's graphemes, Mastodon's links…)."""

from __future__ import annotations

import re

import regex

from socialpost.feeds.entries import Entry
from socialpost.text.rules import LengthRule

ELLIPSIS = "…"
_PLACEHOLDER = re.compile(r"\{(title|link|summary)\}")
_GRAPHEME = regex.compile(r"\X")


def render(template: str, *, title: str, link: str, summary: str) -> str:
    """The template with its placeholders filled (no other braces are read: a title with ``{`` stays)."""
    values = {"title": title, "link": link, "summary": summary}
    return _PLACEHOLDER.sub(lambda match: values[match[1]], template).strip()


def fits(rule: LengthRule, text: str) -> bool:
    return all(measure.value <= measure.limit for measure in rule.measure(text))


def compose(template: str, entry: Entry, rule: LengthRule) -> str:
    """The post's text: the summary clipped (then the title, if need be) so the text fits ``rule``;
    the link is never cut."""
    full = render(template, title=entry.title, link=entry.link, summary=entry.summary)
    if fits(rule, full):
        return full
    summary = _fit(lambda s: render(template, title=entry.title, link=entry.link, summary=s), entry.summary, rule)
    if summary is not None:
        return summary
    title = _fit(lambda t: render(template, title=t, link=entry.link, summary=""), entry.title, rule)
    return title if title is not None else render(template, title="", link=entry.link, summary="")


def clip(text: str, count: int) -> str:
    """``text`` cut to ``count`` characters as people count them (never inside an emoji), with "…"."""
    clusters = _GRAPHEME.findall(text)
    if len(clusters) <= count:
        return text
    if count <= 0:
        return ""
    return "".join(clusters[: count - 1]).rstrip() + ELLIPSIS


def _fit(make: object, value: str, rule: LengthRule) -> str | None:
    """The longest clip of ``value`` whose text fits (binary search), or None when none does."""
    assert callable(make)
    low, high = 0, len(_GRAPHEME.findall(value))
    best: str | None = None
    while low <= high:
        middle = (low + high) // 2
        text = str(make(clip(value, middle)))
        if fits(rule, text):
            best = text
            low = middle + 1
        else:
            high = middle - 1
    return best
