"""A report's posts: the filters that pick them, each post's facts and its snapshots.

Nothing here imports SQLAlchemy (nor socialpost.store.models, which does): a report read with
sqlite3 alone (socialpost.store.sqlite_read) does without it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from json.encoder import encode_basestring as _quote  # json's own string encoder (C), quotes included
from typing import Any, Literal

from socialpost.engagement.metrics import INTERACTIONS, growth
from socialpost.localtime import user_zone
from socialpost.report.jsontext import _engagement_text, _strings, _text_or_null, counts_text
from socialpost.report.stamps import _instant, _iso_of, _zone, local_iso, local_iso_of
from socialpost.timeutil import iso_utc

# The states are the values of socialpost.store.models.Status (tests/test_report_reader.py checks
# they agree).
SENT = "sent"
NOT_OUT = ("failed", "missed", "unknown", "held")


@dataclass(frozen=True)
class Filters:
    campaign: str | None = None
    network: str | None = None
    account: str | None = None
    since: datetime | None = None  # posts sent (or due, when not sent) at or after
    until: datetime | None = None  # … and before

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "network": self.network,
            "account": self.account,
            "since": iso_utc(self.since) if self.since else None,
            "until": iso_utc(self.until) if self.until else None,
        }


class Snapshot:
    """One reading of a post's metrics: only the metrics stored for it (their None: not available).

    ``collected_at`` may be given as SQLite's stored text (see :func:`_posts`): it is parsed when
    first asked for, and its JSON text is made from the stored text without parsing.
    """

    __slots__ = ("_at", "metrics")

    def __init__(self, collected_at: datetime | str, metrics: dict[str, int | None]) -> None:
        self._at = collected_at
        self.metrics = metrics

    @property
    def collected_at(self) -> datetime:
        at = self._at
        if isinstance(at, str):
            at = self._at = _instant(at)
        return at

    @property
    def collected_iso(self) -> str:
        return _iso_of(self._at)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return (self.collected_at, self.metrics) == (other.collected_at, other.metrics)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it was

    def __repr__(self) -> str:
        return f"Snapshot(collected_at={self.collected_at!r}, metrics={self.metrics!r})"

    def local_iso(self, where: tzinfo) -> str:
        """``collected_at`` in ``where``, ISO 8601 with the offset (``collected_at_local``), made
        from the stored text where it can (:func:`local_iso_of`)."""
        return local_iso_of(self._at, where)

    def as_json(self, where: tzinfo | None = None) -> dict[str, Any]:
        """With ``where`` (the post's campaign zone), ``collected_at_local`` beside ``collected_at``."""
        if where is None:
            return {"collected_at": self.collected_iso, "metrics": self.metrics}
        return {
            "collected_at": self.collected_iso,
            "collected_at_local": local_iso(self.collected_at, where),  # json_text() takes the quick way
            "metrics": self.metrics,
        }

    def json_text(self, where: tzinfo | None = None) -> str:
        """``json.dumps(self.as_json(where))``, compact, made directly (see :func:`counts_text`)."""
        local = "" if where is None else f',"collected_at_local":{_quote(self.local_iso(where))}'
        return f'{{"collected_at":{_quote(self.collected_iso)}{local},"metrics":{counts_text(self.metrics)}}}'


class PostFacts:
    """One post of the report: its outcome, its latest and previous snapshot, and their figures.

    The figures (``interactions``, ``rate``) are worked out once, when it is built, and ``growth``
    when first asked for (the people's view shows a few posts' growth): give ``latest`` and
    ``previous`` when it is built, not after. ``due_at`` and ``sent_at`` may be given as
    SQLite's stored text; they are parsed when first asked for (the JSON needs only their text).
    """

    __slots__ = (
        "_due",
        "_growth",
        "_local",
        "_sent",
        "_thread",
        "account",
        "campaign",
        "id",
        "interactions",
        "latest",
        "local_time",
        "network",
        "previous",
        "rate",
        "reason",
        "row_id",
        "status",
        "text",
        "timezone",
        "url",
    )

    def __init__(  # positional too, in this order: the report builds tens of thousands of them
        self,
        row_id: int,
        campaign: str,
        timezone: str,
        id: str,
        account: str,
        network: str,
        status: str,
        due_at: datetime | str,
        local_time: str,
        sent_at: datetime | str | None,
        url: str | None,
        reason: str | None,
        latest: Snapshot | None = None,
        previous: Snapshot | None = None,
        text: str = "",
        thread: Sequence[str] | str | None = None,
    ) -> None:
        self.row_id = row_id
        self.campaign = campaign
        self.timezone = timezone
        self.id = id
        self.account = account
        self.network = network
        self.status = status
        self._due = due_at
        self.local_time = local_time
        self._sent = sent_at
        self.url = url
        self.reason = reason
        self.latest = latest
        self.previous = previous
        self.text = text  # the post's text as sent (its first part)
        self._thread = thread  # the other parts; SQLite gives them as JSON text, read when asked for
        self._local: datetime | None = None
        self.interactions: int | None = None
        self.rate: float | None = None
        self._growth: dict[str, int | None] | Literal[False] | None = False  # False: not worked out yet
        if latest is not None:
            metrics = latest.metrics
            # interactions() and engagement_rate() of socialpost.engagement.metrics, in one pass
            # (tests/test_report_pinned.py checks they agree)
            known = [value for value in map(metrics.get, INTERACTIONS) if value is not None]
            if known:
                count = self.interactions = sum(known)
                views = metrics.get("views")
                if views is not None and views > 0:
                    self.rate = count / views

    @property
    def growth(self) -> dict[str, int | None] | None:
        """Latest minus previous snapshot, metric by metric (None without both)."""
        grown = self._growth
        if grown is False:
            latest, previous = self.latest, self.previous
            grown = self._growth = (
                None if latest is None or previous is None else growth(latest.metrics, previous.metrics)
            )
        return grown

    @property
    def thread(self) -> list[str]:
        """The thread's other parts, in order (empty for a single post)."""
        parts = self._thread
        if parts is None:
            return []
        if isinstance(parts, str):
            parts = self._thread = json.loads(parts)
        return [str(part) for part in parts]

    @property
    def due_at(self) -> datetime:
        due = self._due
        if isinstance(due, str):
            due = self._due = _instant(due)
        return due

    @property
    def sent_at(self) -> datetime | None:
        sent = self._sent
        if isinstance(sent, str):
            sent = self._sent = _instant(sent)
        return sent

    @property
    def due_iso(self) -> str:
        return _iso_of(self._due)

    @property
    def sent_iso(self) -> str | None:
        return None if self._sent is None else _iso_of(self._sent)

    @property
    def when(self) -> datetime:
        """When it went out, or was due to."""
        return self.sent_at or self.due_at

    @property
    def local_when(self) -> datetime:
        """:attr:`when` in the campaign's time zone (UTC when the machine does not know it)."""
        local = self._local
        if local is None:
            place = _zone(self.timezone)
            when = self.when
            local = self._local = when if place is None else when.astimezone(place)
        return local

    def sent_local_text(self, *, seconds: bool = False) -> str:
        """When it went out, for people: in its campaign's zone (the user's when the machine does not
        know it), the zone named (``2027-03-02 09:00:05 EST``)."""
        from socialpost.localtime import local_text, reader_zone

        sent = self.sent_at
        return "" if sent is None else local_text(sent, reader_zone(self.timezone), seconds=seconds)

    @property
    def sent_local_iso(self) -> str | None:
        """``sent_at`` in its campaign's zone (the user's when the machine does not know it), ISO
        8601 with the offset (JSON and CSV ``sent_at_local``; socialpost.localtime's rule)."""
        sent = self._sent
        return None if sent is None else local_iso_of(sent, self.place)

    @property
    def place(self) -> tzinfo:
        """Where its times are read: its campaign's zone, the user's when the machine does not know
        it (socialpost.localtime's rule)."""
        return _zone(self.timezone) or user_zone()

    @property
    def not_out(self) -> bool:
        return self.status in NOT_OUT

    @property
    def metrics(self) -> dict[str, int | None]:
        return self.latest.metrics if self.latest else {}

    @property
    def engagement(self) -> Snapshot | None:
        """The latest snapshot (the name the report's JSON uses)."""
        return self.latest

    def __repr__(self) -> str:
        return (
            f"PostFacts(campaign={self.campaign!r}, id={self.id!r}, account={self.account!r}, status={self.status!r})"
        )

    def engagement_json(self) -> dict[str, Any] | None:
        if self.latest is None:
            return None
        place = self.place
        return {
            "collected_at": self.latest.collected_iso,
            "collected_at_local": local_iso(self.latest.collected_at, place),  # json_text(): the quick way
            "metrics": self.latest.metrics,
            "rate": self.rate,
            "previous": self.previous.as_json(place) if self.previous else None,
            "growth": self.growth,
        }

    def as_json(self) -> dict[str, Any]:
        """The post object of the report's JSON contract (docs/engagement.md)."""
        return {
            "id": self.id,
            "account": self.account,
            "network": self.network,
            "status": self.status,
            "due_at": self.due_iso,
            "local_time": self.local_time,
            "sent_at": self.sent_iso,
            "sent_at_local": None if self.sent_at is None else local_iso(self.sent_at, self.place),
            "url": self.url,
            "reason": self.reason,
            "engagement": self.engagement_json(),
            "text": self.text,
            "thread": self.thread,
        }

    def json_text(self, *, campaign: bool = False) -> str:
        """``json.dumps(self.as_json())`` (compact, ``ensure_ascii=False``), made directly: a report
        writes tens of thousands of posts. With ``campaign``, ``{"campaign": …, **as_json()}``.
        tests/test_report_pinned.py checks it against :meth:`as_json` for every kind of post."""
        latest = self.latest
        engagement = (
            "null" if latest is None else _engagement_text(latest, self.rate, self.previous, self.growth, self.place)
        )
        sent = self._sent
        text = (
            f'"id":{_quote(self.id)},"account":{_quote(self.account)},"network":{_quote(self.network)},'
            f'"status":{_quote(self.status)},"due_at":{_quote(_iso_of(self._due))},'
            f'"local_time":{_quote(self.local_time)},"sent_at":{"null" if sent is None else _quote(_iso_of(sent))},'
            f'"sent_at_local":{"null" if sent is None else _quote(self.sent_local_iso or "")},'
            f'"url":{_text_or_null(self.url)},"reason":{_text_or_null(self.reason)},"engagement":{engagement},'
            f'"text":{_quote(self.text)},"thread":{"[]" if self._thread is None else _strings(self.thread)}}}'
        )
        if campaign:
            return f'{{"campaign":{_quote(self.campaign)},{text}'
        return "{" + text

    def sort_value(self, key: str) -> float | None:
        if key == "rate":
            return self.rate
        if key == "interactions":
            value = self.interactions
            return None if value is None else float(value)
        if key == "time":
            return self.when.timestamp()
        if key in ("posts", "sent"):
            return None
        value = self.metrics.get(key)
        return None if value is None else float(value)
