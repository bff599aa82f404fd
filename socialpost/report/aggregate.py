"""Report data: each post with its latest and previous snapshot, and groups of posts.

Reading is built for big stores (``bench/report.py``: a million snapshot rows): the posts and each
post's latest and previous snapshot come in one query of plain columns, from ``posts`` and the
one-row-per-post summary ``engagement_latest`` that every snapshot write keeps up to date (the
history in ``engagement_snapshots`` is not read).

Rules (docs/engagement.md):

* a metric is summed over the posts that know it; a group where no post knows it shows "n/a";
* the engagement rate is (likes + reposts + replies + quotes) / views, over posts whose views are
  known (and above 0) only;
* growth is latest minus previous snapshot, per post; a group's growth is the sum over its posts;
* posts that never went out (failed, missed, unknown, held) stay in every view, counted as such.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from json.encoder import encode_basestring as _quote  # json's own string encoder (C), quotes included
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from socialpost.engagement.metrics import INTERACTIONS, METRICS, growth
from socialpost.i18n import _
from socialpost.localtime import user_zone
from socialpost.report import gc_paused
from socialpost.store import report_rows
from socialpost.timeutil import iso_utc, zone

if TYPE_CHECKING:
    from socialpost.store.db import Store

# Nothing here imports SQLAlchemy (nor socialpost.store.models, which does): a report read with
# sqlite3 alone (socialpost.store.sqlite_read) does without it. The states are the values of
# socialpost.store.models.Status (tests/test_report_reader.py checks they agree).
SENT = "sent"
NOT_OUT = ("failed", "missed", "unknown", "held")
GROUPINGS = ("post", "campaign", "network", "account", "day", "week")
SORT_KEYS = (*METRICS, "interactions", "rate", "posts", "sent", "time")
T = TypeVar("T", "PostFacts", "Group")


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


@dataclass
class Group:
    key: str
    posts: list[PostFacts] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for post in self.posts:
            out[post.status] = out.get(post.status, 0) + 1
        return out

    @property
    def sent(self) -> int:
        return sum(1 for p in self.posts if p.status == SENT)

    @property
    def not_out(self) -> int:
        return sum(1 for p in self.posts if p.not_out)

    @property
    def with_metrics(self) -> int:
        return sum(1 for p in self.posts if p.latest is not None)

    def total(self, metric: str) -> int | None:
        known = [v for p in self.posts if (v := p.metrics.get(metric)) is not None]
        return sum(known) if known else None

    def known(self, metric: str) -> int:
        return sum(1 for p in self.posts if p.metrics.get(metric) is not None)

    @property
    def interactions(self) -> int | None:
        known = [v for p in self.posts if (v := p.interactions) is not None]
        return sum(known) if known else None

    @property
    def rate(self) -> float | None:
        views = 0
        total = 0
        for post in self.posts:
            seen = post.metrics.get("views")
            engaged = post.interactions
            if seen is not None and seen > 0 and engaged is not None:
                views += seen
                total += engaged
        return total / views if views else None

    @property
    def growth(self) -> dict[str, int | None] | None:
        grown = [g for p in self.posts if (g := p.growth) is not None]
        if not grown:
            return None
        out: dict[str, int | None] = {}
        for metric in METRICS:
            known = [v for g in grown if (v := g.get(metric)) is not None]
            out[metric] = sum(known) if known else None
        return out

    def sort_value(self, key: str) -> float | None:
        if key == "rate":
            return self.rate
        if key == "interactions":
            value = self.interactions
        elif key == "posts":
            value = len(self.posts)
        elif key == "sent":
            value = self.sent
        elif key == "time":
            return min(p.when for p in self.posts).timestamp() if self.posts else None
        else:
            value = self.total(key)
        return None if value is None else float(value)

    def as_json(self) -> dict[str, Any]:
        """The group object of the report's JSON (the same figures as the properties, metric by
        metric over the posts' dicts: a group can hold every post of the report)."""
        counts = dict(Counter(p.status for p in self.posts))  # in order of first appearance
        not_out = sum(n for status, n in counts.items() if status in NOT_OUT)
        measured = [p for p in self.posts if p.latest is not None]
        with_metrics = len(measured)
        readings = [p.metrics for p in measured]
        totals: dict[str, int | None] = {}
        known: dict[str, int] = {}
        for metric in METRICS:
            found = [v for metrics in readings if (v := metrics.get(metric)) is not None]
            known[metric] = len(found)
            totals[metric] = sum(found) if found else None
        counted = [(p.interactions, p.metrics.get("views")) for p in measured if p.interactions is not None]
        engaged = sum(count for count, _views in counted) if counted else None
        rate_views = rate_engaged = 0
        for count, views in counted:
            if views is not None and views > 0:
                rate_views += views
                rate_engaged += count
        changes = [p.growth for p in measured if p.growth is not None]
        any_growth = bool(changes)
        grown: dict[str, int | None] = {}
        for metric in METRICS:
            found = [v for change in changes if (v := change.get(metric)) is not None]
            grown[metric] = sum(found) if found else None
        return {
            "key": self.key,
            "posts": len(self.posts),
            "sent": counts.get(SENT, 0),
            "not_out": not_out,
            "counts": counts,
            "with_metrics": with_metrics,
            "metrics": totals,
            "known": known,
            "interactions": engaged,
            "rate": rate_engaged / rate_views if rate_views else None,
            "growth": grown if any_growth else None,
        }


def _iso(instant: datetime) -> str:
    """:func:`socialpost.timeutil.iso_utc`, quicker for the UTC instants the store gives back."""
    if instant.tzinfo is UTC:
        return instant.isoformat().replace("+00:00", "Z")
    return iso_utc(instant)


def _instant(value: datetime | str) -> datetime:
    """A stored time as the store's UTCDateTime column gives it back: an aware UTC datetime.

    SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC) text, which :func:`_posts` reads as is
    and SQLAlchemy would parse with ``datetime.fromisoformat``; other databases give datetimes.
    """
    if isinstance(value, str):
        if len(value) == 26:
            # SQLite's stored text: with its offset written, parsing gives datetime.UTC itself,
            # five times quicker than parsing and then replace(tzinfo=UTC) (a report reads tens of
            # thousands); text of that length with an offset of its own is read below
            try:
                return datetime.fromisoformat(value + "+00:00")
            except ValueError:
                pass
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stored_shape(value: str) -> bool:
    """Whether ``value`` is written as SQLite's stored UTC times are: ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    return len(value) == 26 and value[10] == " " and value[19] == "." and value[20:].isdigit()


def _iso_of(value: datetime | str) -> str:
    """``_iso(_instant(value))``; for SQLite's stored text, made from the text without parsing."""
    if isinstance(value, str) and _stored_shape(value):
        # isoformat() leaves out a zero fraction and writes six digits otherwise
        return value.replace(" ", "T").removesuffix(".000000") + "Z"
    return _iso(_instant(value))


def local_iso(instant: datetime, place: tzinfo) -> str:
    """``instant`` in ``place``, ISO 8601 with the offset: ``…_local`` (socialpost.localtime)."""
    return instant.astimezone(place).isoformat()


_DAYS: dict[tuple[tzinfo, str], tuple[int, str, str, str] | None] = {}


def local_iso_of(value: datetime | str, place: tzinfo) -> str:
    """:func:`local_iso` of a stored time; for SQLite's stored text, made from the text and the
    day's offset, worked out once per zone and UTC day (a report writes tens of thousands: the JSON
    and CSV views took a fifth longer with the plain conversion)."""
    if isinstance(value, str) and _stored_shape(value):
        key = (place, value[:10])
        if key in _DAYS:
            day = _DAYS[key]
        else:
            day = _DAYS[key] = _local_day(value[:10], place)
        if day is not None:
            hours, before, after, offset = day
            hour = int(value[11:13]) + hours
            date = value[:10]
            if hour < 0:
                date, hour = before, hour + 24
            elif hour > 23:
                date, hour = after, hour - 24
            return f"{date}T{hour:02d}{value[13:19]}{value[19:].removesuffix('.000000')}{offset}"
    return local_iso(_instant(value), place)


def _local_day(day: str, place: tzinfo) -> tuple[int, str, str, str] | None:
    """For the UTC day ``YYYY-MM-DD``: the whole hours ``place`` adds, the days before and after,
    and the offset as ISO writes it, when one whole-hour offset holds all day (minutes and seconds
    then stay as in UTC); None otherwise (a half-hour zone, the day its offset changes: the caller
    converts)."""
    start = datetime.fromisoformat(day + "T00:00:00+00:00")
    offset = start.astimezone(place).utcoffset()
    end = (start + timedelta(days=1) - timedelta(microseconds=1)).astimezone(place).utcoffset()
    if offset is None or offset != end or offset % timedelta(hours=1):
        return None
    written = start.astimezone(place).isoformat()[19:]
    return (
        offset // timedelta(hours=1),
        (start - timedelta(days=1)).date().isoformat(),
        (start + timedelta(days=1)).date().isoformat(),
        written,
    )


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo | None:
    """The campaign's time zone, None when the machine does not know it (times stay in UTC)."""
    try:
        return zone(name)
    except ValueError:
        return None


# --- JSON text ----------------------------------------------------------------------------------


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


# --- reading ------------------------------------------------------------------------------------


def load_posts(store: Store, filters: Filters | None = None, *, texts: bool = True) -> list[PostFacts]:
    """Every post the filters let through, ordered by campaign, due time, post and account.

    One query of plain columns (:func:`socialpost.store.report_rows.posts_sql`): the posts, and each
    post's row of ``engagement_latest`` (its newest and previous snapshot, kept by the collector) —
    never the snapshot history itself. Without ``texts``, the posts' texts are left empty (views that
    do not show them skip reading them).
    """
    chosen = filters or Filters()
    with gc_paused():
        return report_rows.load_rows(
            store, chosen, lambda rows, whole: _facts(rows, chosen, whole_payload=whole), texts=texts
        )


def read_posts(
    connection: sqlite3.Connection, filters: Filters | None = None, *, texts: bool = True
) -> list[PostFacts]:
    """:func:`load_posts` from a plain sqlite3 connection (:func:`socialpost.store.sqlite_read.connect_current`)."""
    chosen = filters or Filters()
    with gc_paused():
        return report_rows.read_rows(connection, chosen, lambda rows: _facts(rows, chosen), texts=texts)


def _facts(rows: Iterable[Sequence[Any]], filters: Filters, *, whole_payload: bool = False) -> list[PostFacts]:
    posts = []
    width = len(METRICS)
    everything = (1 << width) - 1
    for row in rows:  # 33 plain columns
        (row_id, name, tz, key, occurrence, account, network, status, due_at, local_time, sent_at, url, error) = row[
            :13
        ]
        at = row[13]
        latest = previous = None
        if at is not None and (stored := row[14]):
            latest = Snapshot(at, _every_metric(row, 15) if stored == everything else _pick(stored, row[15:]))
            before = row[15 + width]
            if before is not None and (stored := row[16 + width]):
                previous = Snapshot(
                    before, _every_metric(row, 17 + width) if stored == everything else _pick(stored, row[17 + width :])
                )
        text, thread = row[24 + width], row[25 + width]
        if whole_payload:
            text, thread = _text_and_thread(text)
        posts.append(
            PostFacts(  # in the order of its parameters (a keyword call costs a microsecond a post)
                row_id,
                name,
                tz,
                f"{key}@{occurrence}" if occurrence else key,  # socialpost.store.models.display_id
                account,
                network or account.split(":", 1)[0],
                status,
                due_at,
                local_time,
                sent_at,
                url,
                error,
                latest,
                previous,
                text or "",
                thread,
            )
        )
    if filters.since is not None or filters.until is not None:
        # coalesce() of two UTC columns compares as stored; check again on the real instants
        posts = [
            p
            for p in posts
            if (filters.since is None or p.when >= filters.since) and (filters.until is None or p.when < filters.until)
        ]
    return posts


def _text_and_thread(payload: dict[str, Any] | str | None) -> tuple[str, list[str] | None]:
    """The text and the thread's other parts of a whole payload (a database without JSON paths)."""
    document = json.loads(payload) if isinstance(payload, str) else payload or {}
    return str(document.get("text") or ""), document.get("thread")


def _every_metric(row: Sequence[Any], at: int) -> dict[str, int | None]:
    """The seven metric columns from ``row[at]`` on, every one stored (the usual case): a dict
    display is quicker than ``dict(zip(METRICS, …))``, and the order is the same."""
    return {
        "views": row[at],
        "likes": row[at + 1],
        "reposts": row[at + 2],
        "replies": row[at + 3],
        "quotes": row[at + 4],
        "bookmarks": row[at + 5],
        "clicks": row[at + 6],
    }


if METRICS != ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks"):  # pragma: no cover
    raise ImportError("socialpost.report.aggregate._every_metric lists the metrics in METRICS order; update it")


def _pick(stored: int, values: Sequence[int | None]) -> dict[str, int | None]:
    """The metrics a snapshot stored (bit ``i`` of ``stored``: ``METRICS[i]``; their None: not available)."""
    return {m: values[bit] for bit, m in enumerate(METRICS) if stored >> bit & 1}


# --- grouping and ordering ----------------------------------------------------------------------


def group_key(post: PostFacts, by: str) -> str:
    if by == "campaign":
        return post.campaign
    if by == "network":
        return post.network
    if by == "account":
        return post.account
    if by == "day":
        return post.local_when.date().isoformat()
    if by == "week":
        year, week, _day = post.local_when.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "post":
        return f"{post.campaign}/{post.id}/{post.account}"
    raise ValueError(
        _("cannot group by {value} (choose from {choices})").format(value=repr(by), choices=", ".join(GROUPINGS))
    )


def group_posts(posts: Iterable[PostFacts], by: str) -> list[Group]:
    groups: dict[str, Group] = {}
    for post in posts:
        key = group_key(post, by)
        groups.setdefault(key, Group(key)).posts.append(post)
    return [groups[k] for k in sorted(groups)]


def sort_by(items: Sequence[T], key: str | None) -> list[T]:
    """Biggest first for a metric (unknown values last, ties in the given order); ``time`` oldest first."""
    if key is None:
        return list(items)
    if key not in SORT_KEYS:
        raise ValueError(
            _("cannot sort by {value} (choose from {choices})").format(value=repr(key), choices=", ".join(SORT_KEYS))
        )
    if key == "time":
        return sorted(items, key=lambda item: item.sort_value("time") or 0.0)
    indexed = list(enumerate(items))
    indexed.sort(key=lambda pair: (pair[1].sort_value(key) is None, -(pair[1].sort_value(key) or 0.0), pair[0]))
    return [item for _index, item in indexed]
