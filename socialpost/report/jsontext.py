"""The report's JSON text, made directly: :func:`dumps` with already-encoded parts (:class:`RawJSON`),
and the compact text of metric counts and of a post's engagement (a report writes tens of thousands)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from datetime import tzinfo
from json.encoder import encode_basestring as _quote  # json's own string encoder (C), quotes included
from typing import TYPE_CHECKING, Any

from socialpost.engagement.metrics import METRICS

if TYPE_CHECKING:
    from socialpost.report.facts import Snapshot


class RawJSON:
    """JSON text already encoded, put as is into the document by :func:`dumps`."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @classmethod
    def array(cls, texts: Iterable[str]) -> RawJSON:
        """A JSON array of items already encoded."""
        return cls("[" + ",".join(texts) + "]")


def dumps(data: object) -> str:
    """``json.dumps(data, ensure_ascii=False, separators=(",", ":"))``, where each :class:`RawJSON`
    goes in as its text: json's own encoder writes a placeholder string for it (a random token
    and its number), replaced afterwards."""
    texts: list[str] = []
    token = os.urandom(12).hex()

    def placeholder(value: object) -> str:
        if not isinstance(value, RawJSON):
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        texts.append(value.text)
        return f"{token}{len(texts) - 1}"

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=placeholder)
    if not texts:
        return text
    return re.sub(f'"{token}(\\d+)"', lambda found: texts[int(found[1])], text)


def _text_or_null(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def _strings(values: list[str]) -> str:
    return "[" + ",".join(map(_quote, values)) + "]"


_COUNTS_TEXT: dict[tuple[str, ...], str] = {}
_ENGAGEMENT_TEXT: dict[tuple[tuple[str, ...], tuple[str, ...] | None, tuple[str, ...] | None], str] = {}


def _engagement_text(
    latest: Snapshot,
    rate: float | None,
    previous: Snapshot | None,
    grown: dict[str, int | None] | None,
    place: tzinfo,
) -> str:
    """A post's ``"engagement"`` object as compact JSON, like :func:`counts_text` but the three
    metric dicts, four times and the rate in one %-template (the times are ISO digits and the rate
    a float's repr: none holds ``None``, so only the counts' None become ``null``)."""
    shape = (
        tuple(latest.metrics),
        None if previous is None else tuple(previous.metrics),
        None if grown is None else tuple(grown),
    )
    template = _ENGAGEMENT_TEXT.get(shape)
    if template is None:
        if not all(k in METRICS for keys in shape if keys is not None for k in keys):
            return (
                f'{{"collected_at":{_quote(latest.collected_iso)},'
                f'"collected_at_local":{_quote(latest.local_iso(place))},"metrics":{counts_text(latest.metrics)},'
                f'"rate":{"null" if rate is None else float.__repr__(rate)},'
                f'"previous":{"null" if previous is None else previous.json_text(place)},'
                f'"growth":{"null" if grown is None else counts_text(grown)}}}'
            )

        def counts(keys: tuple[str, ...] | None) -> str:
            return "null" if keys is None else "{" + ",".join(f'"{k}":%s' for k in keys) + "}"

        times = '"collected_at":"%s","collected_at_local":"%s"'
        before = "null" if shape[1] is None else f'{{{times},"metrics":{counts(shape[1])}}}'
        template = _ENGAGEMENT_TEXT[shape] = (
            f'{{{times},"metrics":{counts(shape[0])},"rate":%s,"previous":{before},"growth":{counts(shape[2])}}}'
        )
    values: tuple[Any, ...] = (
        latest.collected_iso,
        latest.local_iso(place),
        *latest.metrics.values(),
        "null" if rate is None else float.__repr__(rate),
    )
    if previous is not None:
        values += (previous.collected_iso, previous.local_iso(place), *previous.metrics.values())
    if grown is not None:
        values += tuple(grown.values())
    return (template % values).replace("None", "null")


def counts_text(counts: dict[str, int | None]) -> str:
    """``json.dumps(counts)`` (compact) for a dict of metric counts: ints (as the store's Integer
    columns give them, never bools) or None.

    One %-template per set of keys, filled in one go; ``None`` becomes ``null`` afterwards (the
    template's keys are metric names, which do not hold the word, and a count is digits)."""
    keys = tuple(counts)
    template = _COUNTS_TEXT.get(keys)
    if template is None:
        if not all(k in METRICS for k in keys):
            return json.dumps(counts, ensure_ascii=False, separators=(",", ":"))
        template = _COUNTS_TEXT[keys] = "{" + ",".join(f'"{k}":%s' for k in keys) + "}"
    return (template % tuple(counts.values())).replace("None", "null")
