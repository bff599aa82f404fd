"""Deterministic record keys for Bluesky posts (AT Protocol TIDs).

A TID is 13 characters of base32-sortable text encoding a 64-bit integer: the top bit 0, then 53
bits of microseconds since the Unix epoch, then a 10-bit "clock id". socialpost does not let the
server pick the record key: each part of a post gets a TID derived from the post's idempotency key,
the part's index and the post's due time, so publishing the same post again addresses the very
same records (see :mod:`socialpost.networks.bluesky`).

* Timestamp: the due time, whole seconds, plus a per-post offset of 0–999,999 µs taken from a hash
  of the key, plus the part index (parts of one thread sort in order).
* Clock id: 10 bits from a hash of key and part index.

Two different posts of one account collide only if their due times fall in the same second, their
key-derived microsecond offsets (plus part index) coincide and their 10-bit clock ids match: about
one chance in a billion per pair of posts due in the same second.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from datetime import UTC, datetime

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable
TID_LENGTH = 13
# The AT Protocol's TID syntax (the same pattern as atproto's validate_tid).
TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_CLOCK_BITS = 10
_MAX_TIMESTAMP = (1 << 53) - 1


def encode_tid(timestamp_us: int, clock_id: int) -> str:
    """The TID for a microsecond timestamp and a clock id (0–1023)."""
    if not 0 <= timestamp_us <= _MAX_TIMESTAMP:
        raise ValueError(f"TID timestamp out of range: {timestamp_us}")
    if not 0 <= clock_id < (1 << _CLOCK_BITS):
        raise ValueError(f"TID clock id out of range: {clock_id}")
    value = (timestamp_us << _CLOCK_BITS) | clock_id
    chars = []
    for _ in range(TID_LENGTH):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def decode_tid(tid: str) -> tuple[int, int]:
    """(timestamp in µs, clock id) of a TID."""
    if not TID_RE.match(tid):
        raise ValueError(f"not a TID: {tid!r}")
    value = 0
    for char in tid:
        value = (value << 5) | ALPHABET.index(char)
    return value >> _CLOCK_BITS, value & ((1 << _CLOCK_BITS) - 1)


def _hash(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def record_key(key: str, index: int, due_at: datetime) -> str:
    """The record key of part ``index`` (0 = the first post) of the post with idempotency ``key``."""
    if index < 0:
        raise ValueError("part index must be >= 0")
    when = due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)
    seconds = max(int(when.timestamp()), 0)
    timestamp = seconds * 1_000_000 + _hash("tid-offset", key) % 1_000_000 + index
    clock_id = _hash("tid-clock", key, str(index)) & ((1 << _CLOCK_BITS) - 1)
    tid = encode_tid(min(timestamp, _MAX_TIMESTAMP), clock_id)
    if not is_valid_tid(tid):  # pragma: no cover - encode_tid cannot produce one, kept as a guard
        raise ValueError(f"derived an invalid TID {tid!r}")
    return tid


def is_valid_tid(tid: str) -> bool:
    """True when ``tid`` has the TID syntax (checked with atproto's own pattern when available)."""
    if len(tid) != TID_LENGTH or not TID_RE.match(tid):
        return False
    try:
        pattern = importlib.import_module("atproto_client.models.string_formats").TID_RE
    except (ImportError, AttributeError):  # pragma: no cover - an atproto without the pattern
        return True
    return pattern.match(tid) is not None
