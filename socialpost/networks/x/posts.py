"""Reading X's posts: their text as comparable with ours, their fields in both spellings (the
spec's and the legacy one), what they reply to, their time and address; and checking a text
before it is sent."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from socialpost.errors import ContentRejected
from socialpost.i18n import _
from socialpost.text.count import X_MAX, x_invalid_characters, x_weighted_length

SNOWFLAKE_EPOCH_MS = 1288834974657


def _comparable(text: str) -> str:
    """Text as X gives it back, made comparable with ours: entities unescaped, every link (X
    rewrites them to t.co) replaced by one token, trailing links (X appends media links) and
    leading @mentions (replies) dropped, whitespace collapsed."""
    from twitter_text.extract_urls import extract_urls_with_indices  # type: ignore[import-untyped,unused-ignore]

    text = unicodedata.normalize("NFC", html.unescape(text)).replace("\r\n", "\n")
    pieces: list[str] = []
    last = 0
    for entity in extract_urls_with_indices(text):
        start, end = entity["indices"]
        pieces.append(text[last:start])
        pieces.append(" \x00 ")
        last = end
    pieces.append(text[last:])
    words = "".join(pieces).split()
    while words and words[-1] == "\x00":
        words.pop()
    while words and words[0].startswith("@") and len(words) > 1:
        words.pop(0)
    return " ".join(words)


def _same_text(remote: str, ours: str) -> bool:
    return _comparable(remote) == _comparable(ours)


def _snowflake_time(tweet_id: str) -> datetime | None:
    try:
        millis = (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    except ValueError:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def _status_url(tweet_id: str) -> str:
    return f"https://x.com/i/status/{tweet_id}"


def _check_text(text: str, label: str, *, reply: bool = False) -> None:
    """ContentRejected when ``text`` is too long as X counts it, or holds characters X refuses."""
    length = x_weighted_length(text)
    if length > X_MAX:
        raise ContentRejected(
            _("X: {label} is {length} characters as X counts them; X allows {limit}.").format(
                label=label, length=length, limit=X_MAX
            ),
            hint=_("Shorten it (links count 23, most emoji and CJK characters count 2).")
            if reply
            else _("Shorten it (links count 23, most emoji and CJK characters count 2), or split it into a thread."),
        )
    bad = x_invalid_characters(text)
    if bad:
        shown = ", ".join(f"U+{ord(c):04X}" for c in bad)
        raise ContentRejected(
            _("X: {label} contains characters X refuses ({characters}).").format(label=label, characters=shown),
            hint=_("Remove them."),
        )


def _field(data: Mapping[str, Any], name: str, legacy: str) -> Any:
    """A field in the spec's spelling (``repost_count``) or, failing that, the legacy one
    (``retweet_count``); None when X sent neither."""
    value = data.get(name)
    return value if value is not None else data.get(legacy)


def _parent(tweet: Mapping[str, Any]) -> tuple[bool, str | None]:
    """(known, the id of the post ``tweet`` replies to, or None when it replies to nothing).

    Known when X sent the references (``referenced_posts``, or the legacy ``referenced_tweets``),
    or when the post opens its conversation (``conversation_id`` is its own id). A post with
    neither may be a reply whose references X left out: unknown."""
    references = _field(tweet, "referenced_posts", "referenced_tweets")
    if isinstance(references, list):
        for ref in references:
            if isinstance(ref, dict) and ref.get("type") == "replied_to" and ref.get("id"):
                return True, str(ref["id"])
        return True, None
    conversation = tweet.get("conversation_id")
    if conversation is not None and str(conversation) == str(tweet.get("id")):
        return True, None
    return False, None


def _thread_part(tweets: Sequence[Mapping[str, Any]], text: str, previous: str | None) -> tuple[str | None, bool]:
    """The oldest of ``tweets`` (newest first, as X lists them: the first copy is ours) with
    ``text`` that replies to ``previous`` (None: to nothing); and whether a post could not be told
    apart because X left out its text or what it replies to (then nobody may conclude "not sent")."""
    unsure = False
    for tweet in reversed(tweets):
        said = tweet.get("text")
        if not isinstance(said, str):
            unsure = True
            continue
        if not _same_text(said, text):
            continue
        known, parent = _parent(tweet)
        if not known:
            unsure = True
        elif parent == previous:
            return str(tweet["id"]), unsure
    return None, unsure


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
