"""Exact lengths: X against twitter-text's own conformance suite, Bluesky and Mastodon rules."""

from __future__ import annotations

import pytest
import yaml

from socialpost.networks.mastodon import mastodon_rule
from socialpost.networks.profile import profile_of
from socialpost.text.count import graphemes, mastodon_length, utf8_bytes, x_invalid_characters, x_weighted_length
from socialpost.text.rules import characters, with_limit
from tests.conftest import SHARED

CONFORMANCE = SHARED / "conformance" / "twitter-text" / "validate.yml"


def _cases(section: str) -> list[dict]:  # type: ignore[type-arg]
    tests = yaml.safe_load(CONFORMANCE.read_text(encoding="utf-8"))["tests"]
    return list(tests[section])


V3_SECTIONS = ["WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest"]
V3_CASES = [case for section in V3_SECTIONS for case in _cases(section)]


def test_the_conformance_file_is_there_and_has_cases() -> None:
    assert len(V3_CASES) >= 20


@pytest.mark.parametrize("case", V3_CASES, ids=[c["description"] for c in V3_CASES])
def test_x_weighted_length_matches_twitter_text_v3(case: dict) -> None:  # type: ignore[type-arg]
    expected = case["expected"]
    text = case["text"]
    assert x_weighted_length(text) == expected["weightedLength"]
    valid = 0 < x_weighted_length(text) <= 280 and not x_invalid_characters(text)
    assert valid == expected["valid"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 280, 280),
        ("a" * 281, 281),
        ("日" * 140, 280),
        ("https://example.com/" + "x" * 200, 23),
        ("example.com", 23),  # X counts bare domains as links
        ("👨‍👩‍👧‍👦", 2),
        ("🇨🇦", 2),
        ("Café ☕", 7),
        ("©", 2),  # an emoji on X
    ],
)
def test_x_weighted_length_examples(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


def test_bluesky_counts_graphemes_and_bytes() -> None:
    assert graphemes("e\u0301") == 1  # e + combining accent is one character
    assert graphemes("👨‍👩‍👧‍👦🇫🇷") == 2
    assert graphemes("a\r\nb") == 3
    assert utf8_bytes("é☕") == 5
    rule = profile_of("bluesky").length
    over_graphemes = rule.measure("é" * 301)
    assert [(m.what, m.value, m.limit, m.over) for m in over_graphemes] == [
        ("graphemes", 301, 300, 1),
        ("bytes (UTF-8)", 602, 3000, 0),
    ]
    family = "👨‍👩‍👧‍👦" * 120  # 120 graphemes but 3,000 bytes
    assert [(m.value, m.over) for m in rule.measure(family)] == [(120, 0), (3000, 0)]
    assert rule.measure(family + "👨‍👩‍👧‍👦")[1].over == 25


def test_mastodon_counts_urls_as_23_and_remote_mentions_as_local() -> None:
    text = "Hi @marie@mastodon.social! https://example.com/" + "x" * 100
    assert mastodon_length(text) == len("Hi @marie! ") + 23
    assert mastodon_length("bare example.com stays text") == len("bare example.com stays text")
    assert mastodon_length("é" * 500) == 500
    assert profile_of("mastodon").length.limit == 500
    custom = mastodon_rule(1000, 30)
    assert custom.limit == 1000
    assert custom.measure("https://example.com/abc")[0].value == 30


def test_other_networks() -> None:
    assert profile_of("linkedin").length.limit == 3000
    assert profile_of("facebook").length.limit == 63_206
    assert profile_of("outbox").length.limit is None and profile_of("outbox").length.measure("x") == []
    assert profile_of("someplugin").length.limit is None  # not installed: no limit assumed
    assert with_limit(profile_of("someplugin").length, 42).limit == 42
    assert with_limit(profile_of("bluesky").length, 280).limit == 280  # the byte limit stays
    assert with_limit(profile_of("bluesky").length, 280).checks[1][1] == 3000
    assert characters("pigeon", 42).measure("👨‍👩‍👧‍👦é") == [
        characters("pigeon", 42).measure("ab")[0].__class__("characters", 2, 42)
    ]
