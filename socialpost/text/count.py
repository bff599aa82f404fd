"""Exact lengths, counted the way each network counts them.

* X: twitter-text v3 weighted length (the rules of X's own twitter-text library: every URL counts
  23, code points outside the Latin/common ranges and every emoji sequence count 2). Links are
  found with the twitter-text-parser package's extractor (a faithful port of the official one);
  the weighting is done here so that the expensive emoji scan only runs on text that can hold an
  emoji. Checked against twitter-text's own conformance suite (tests/test_text_count.py).
* Bluesky: grapheme clusters (what a reader sees as one character) and UTF-8 bytes.
* Mastodon: grapheme clusters, every http(s) URL counting as ``url_length`` (23 by default) and
  ``@user@remote.domain`` counting as ``@user``.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

# twitter-text config v3 (shared/conformance/twitter-text/config-v3.json)
X_MAX = 280
X_SCALE = 100
X_DEFAULT_WEIGHT = 200
X_URL_LENGTH = 23
X_RANGES = ((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100))
_GRAPHEME = regex.compile(r"\X")
_REMOTE_MENTION = regex.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w", regex.UNICODE)
# Characters an emoji sequence can start with or contain below U+203C: © and ®.
_EMOJI_FLOOR = 0x203C


def _weight(char: str) -> int:
    code = ord(char)
    for start, end, weight in X_RANGES:
        if start <= code <= end:
            return weight
    return X_DEFAULT_WEIGHT


def _may_hold_emoji(text: str) -> bool:
    return any(ord(c) >= _EMOJI_FLOOR or c in "\u00a9\u00ae" for c in text)


@lru_cache(maxsize=65_536)
def x_weighted_length(text: str) -> int:
    """Weighted length of ``text`` on X (280 allowed)."""
    from twitter_text.extract_emojis import extract_emojis_with_indices
    from twitter_text.extract_urls import extract_urls_with_indices

    normalized = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    urls = {e["indices"][0]: e["indices"][1] for e in extract_urls_with_indices(normalized)}
    emojis = (
        {e["indices"][0]: e["indices"][1] for e in extract_emojis_with_indices(normalized)}
        if _may_hold_emoji(normalized)
        else {}
    )
    total = 0
    index = 0
    while index < len(normalized):
        if index in urls:
            total += X_URL_LENGTH * X_SCALE
            index = urls[index]
        elif index in emojis:
            total += X_DEFAULT_WEIGHT
            index = emojis[index]
        else:
            total += _weight(normalized[index])
            index += 1
    return total // X_SCALE


def x_invalid_characters(text: str) -> list[str]:
    """Characters X refuses (U+FFFE, U+FEFF, U+FFFF and the like)."""
    from twitter_text.has_invalid_characters import has_invalid_characters

    return [c for c in dict.fromkeys(text) if has_invalid_characters(c)]


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters)."""
    if text.isascii():
        return len(text.replace("\r\n", "\n"))
    return len(_GRAPHEME.findall(text))


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def mastodon_length(text: str, *, url_length: int = 23) -> int:
    """Mastodon's count: graphemes, each URL as ``url_length``, remote mentions as local ones."""
    from twitter_text.extract_urls import extract_urls_with_indices

    urls = extract_urls_with_indices(text, extract_urls_without_protocol=False)
    pieces = []
    cursor = 0
    for entity in urls:
        start, end = entity["indices"]
        pieces.append(text[cursor:start])
        pieces.append("x" * url_length)
        cursor = end
    pieces.append(text[cursor:])
    countable = _REMOTE_MENTION.sub(r"@\1", "".join(pieces))
    return graphemes(countable)
