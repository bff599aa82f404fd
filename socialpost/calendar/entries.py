"""The calendar's entries: one per post, occurrence and account, with its state and its local time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from socialpost.i18n import N_
from socialpost.localtime import reader_zone, user_zone, zone_label
from socialpost.networks.profile import profile_of
from socialpost.timeutil import iso_utc

if TYPE_CHECKING:
    from socialpost.report.facts import Filters
    from socialpost.store.calendar_rows import CalendarRow
    from socialpost.store.db import Store

# A post's state as a calendar marks it (the states of socialpost.store.models.Status, and paused).
SENT, FAILED, PAUSED, WAITING, CANCELLED, ATTENTION, SENDING = (
    "sent",
    "failed",
    "paused",
    "waiting",
    "cancelled",
    "attention",
    "sending",
)
MARKS = {
    SENT: "✓",
    FAILED: "✗",
    PAUSED: "‖",  # not ⏸: fonts without emoji (a browser's default, many terminals) draw a box
    WAITING: "○",
    SENDING: "…",
    ATTENTION: "!",
    CANCELLED: "–",
}
# what each mark means, in the legend (shown translated)
MARK_NAMES = {
    SENT: N_("sent"),
    FAILED: N_("failed"),
    PAUSED: N_("paused"),
    WAITING: N_("waiting"),
    SENDING: N_("sending"),
    ATTENTION: N_("missed, unknown or held"),
    CANCELLED: N_("cancelled"),
}


def network_colour(network: str) -> str:
    """The network's colour, as its profile declares it (grey when it declares none)."""
    return profile_of(network).colour


@dataclass(frozen=True)
class Entry:
    """One post to one account (one occurrence)."""

    campaign: str
    post_id: str
    occurrence: str
    account: str
    network: str
    status: str  # as the queue keeps it
    paused: bool
    due_at: datetime  # UTC
    sent_at: datetime | None
    text: str
    thread: tuple[str, ...]
    url: str | None
    reason: str | None
    timezone: str  # the campaign's
    created_at: datetime
    updated_at: datetime
    changes: int = 0  # revisions since it was scheduled (the iCalendar SEQUENCE)

    @property
    def when(self) -> datetime:
        """When it went out, or is (was) due to."""
        return self.sent_at or self.due_at

    @property
    def ref(self) -> str:
        """How `show`, `retry` and `cancel` name it."""
        post = f"{self.post_id}@{self.occurrence}" if self.occurrence else self.post_id
        return f"{self.campaign}/{post}@{self.account}"

    @property
    def state(self) -> str:
        """What the calendar marks: sent, failed, paused (waiting in a paused campaign or account), …"""
        if self.status == "sent":
            return SENT
        if self.status == "failed":
            return FAILED
        if self.status == "cancelled":
            return CANCELLED
        if self.status in ("missed", "unknown", "held"):
            return ATTENTION
        if self.status == "sending":
            return SENDING
        return PAUSED if self.paused else WAITING

    @property
    def mark(self) -> str:
        return MARKS[self.state]

    @property
    def colour(self) -> str:
        return network_colour(self.network)

    @property
    def parts(self) -> list[str]:
        return [self.text, *self.thread]

    def as_json(self, where: tzinfo) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "id": self.post_id,
            "occurrence": self.occurrence or None,
            "account": self.account,
            "network": self.network,
            "ref": self.ref,
            "status": self.status,
            "state": self.state,
            "paused": self.paused,
            "due_at": iso_utc(self.due_at),
            "sent_at": iso_utc(self.sent_at) if self.sent_at else None,
            "local_time": self.when.astimezone(where).isoformat(),
            "text": self.text,
            "thread": list(self.thread),
            "url": self.url,
        }


@dataclass(frozen=True)
class Calendar:
    """The entries and the zone they are read in (named, as socialpost.localtime names zones)."""

    entries: tuple[Entry, ...]
    zone: tzinfo
    now: datetime

    def local(self, entry: Entry) -> datetime:
        return entry.when.astimezone(self.zone)

    def zone_name(self) -> str:
        """The zone as people read it: its IANA name when it has one (a calendar spans DST changes)."""
        key = getattr(self.zone, "key", None)
        return str(key) if key else zone_label(self.now.astimezone(self.zone))

    def shown(self) -> list[Entry]:
        """The entries a view draws: cancelled posts are left out (the iCalendar file keeps them, to
        cancel the events an earlier export made)."""
        return [e for e in self.entries if e.state != CANCELLED]


def load_calendar(store: Store, filters: Filters, *, now: datetime) -> Calendar:
    """The posts ``filters`` let through (as `report` filters them), read in one zone: the campaigns'
    when they all share one, else the user's (socialpost.localtime)."""
    from socialpost.store.calendar_rows import calendar_rows

    entries = tuple(_entry(row) for row in calendar_rows(store, filters))
    return Calendar(entries, calendar_zone(entries), now)


def calendar_zone(entries: Sequence[Entry]) -> tzinfo:
    zones = {e.timezone for e in entries}
    if len(zones) == 1:
        return reader_zone(next(iter(zones)))
    return user_zone()


def _entry(row: CalendarRow) -> Entry:
    payload = row.payload
    thread = payload.get("thread") or ()
    return Entry(
        campaign=row.campaign,
        post_id=row.post_key,
        occurrence=row.occurrence,
        account=row.account,
        network=row.network,
        status=row.status,
        paused=row.paused,
        due_at=row.due_at,
        sent_at=row.sent_at,
        text=str(payload.get("text") or ""),
        thread=tuple(str(part) for part in thread) if isinstance(thread, list | tuple) else (),
        url=row.url,
        reason=row.reason,
        timezone=row.timezone,
        created_at=row.created_at,
        updated_at=row.updated_at,
        changes=row.changes,
    )
