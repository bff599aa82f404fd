"""`socialpost status`: counts by state, what comes next, and what needs the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from socialpost.liveness import ALIVE_AFTER, is_alive
from socialpost.localtime import iso_local, local_text, reader_zone
from socialpost.store.db import Store
from socialpost.store.models import PostRow, Status, display_id
from socialpost.store.status_rows import status_rows
from socialpost.timeutil import iso_utc

__all__ = ["ALIVE_AFTER", "StatusSummary", "status_summary"]
PROBLEM_STATES = (Status.FAILED, Status.UNKNOWN, Status.HELD, Status.MISSED)
ATTENTION_STATES = frozenset({Status.FAILED, Status.UNKNOWN, Status.HELD})
UPCOMING_STATES = (Status.PENDING, Status.RETRY_WAIT, Status.SENDING)
NOTED_FOR = timedelta(days=7)  # how long a sent post's note (a first comment not added…) is listed


@dataclass
class PostLine:
    campaign: str
    id: str
    account: str
    status: str
    due_at: datetime
    local_time: str
    attempts: int
    reason: str | None
    url: str | None
    next_attempt_at: datetime
    timezone: str = ""  # the campaign's: where its times are read (socialpost.localtime)

    @property
    def when_text(self) -> str:
        """Its due time for people, in its campaign's zone, the zone named (``2027-03-02 09:00 EST``)."""
        return local_text(self.due_at, reader_zone(self.timezone))

    @property
    def network(self) -> str:
        return self.account.split(":", 1)[0]

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "id": self.id,
            "account": self.account,
            "network": self.network,
            "status": self.status,
            "due_at": iso_utc(self.due_at),
            "local_time": self.local_time,
            "attempts": self.attempts,
            "next_attempt_at": iso_utc(self.next_attempt_at) if self.status == Status.RETRY_WAIT else None,
            "next_attempt_at_local": (
                iso_local(self.next_attempt_at, reader_zone(self.timezone))
                if self.status == Status.RETRY_WAIT
                else None
            ),
            "reason": self.reason,
            "url": self.url,
        }


@dataclass
class DaemonLine:
    id: str
    hostname: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    alive: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "hostname": self.hostname,
            "pid": self.pid,
            "started_at": iso_utc(self.started_at),
            "started_at_local": iso_local(self.started_at),
            "heartbeat_at": iso_utc(self.heartbeat_at),
            "heartbeat_at_local": iso_local(self.heartbeat_at),
            "alive": self.alive,
        }


@dataclass
class StatusSummary:
    counts: dict[str, int]
    upcoming: list[PostLine]
    problems: list[PostLine]
    daemons: list[DaemonLine]
    due: int = 0  # waiting posts whose time has come (not paused): a daemon should be sending them
    # posts sent in the last NOTED_FOR with a note from their network: out, but something is left to
    # do by hand (Instagram's first comment not added); listed, never a reason to exit 3
    noted: list[PostLine] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        return any(Status(p.status) in ATTENTION_STATES for p in self.problems)

    @property
    def more_upcoming(self) -> int:
        """How many waiting posts ``upcoming`` leaves out (it lists the first ones only)."""
        waiting = sum(self.counts.get(s.value, 0) for s in UPCOMING_STATES)
        return max(0, waiting - len(self.upcoming))

    @property
    def daemon_alive(self) -> bool:
        return any(d.alive for d in self.daemons)

    @property
    def waiting_without_daemon(self) -> bool:
        return bool(self.upcoming) and not self.daemon_alive

    @property
    def due_without_daemon(self) -> bool:
        """Posts are due and no daemon is alive to send them (``status`` exits 3)."""
        return self.due > 0 and not self.daemon_alive

    def as_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "needs_attention": self.needs_attention,
            "upcoming": [p.as_json() for p in self.upcoming],
            "problems": [p.as_json() for p in self.problems],
            "daemons": [d.as_json() for d in self.daemons],
            "noted": [p.as_json() for p in self.noted],
        }


def _line(row: PostRow, campaign: str, timezone: str) -> PostLine:
    return PostLine(
        campaign=campaign,
        id=display_id(row.post_key, row.occurrence),
        account=row.account,
        status=row.status,
        due_at=row.due_at,
        local_time=row.local_time,
        attempts=row.attempts,
        reason=row.last_error,
        url=row.remote_url,
        next_attempt_at=row.next_attempt_at,
        timezone=timezone,
    )


def status_summary(
    store: Store, *, now: datetime, campaign: str | None = None, upcoming_limit: int = 20
) -> StatusSummary:
    rows = status_rows(
        store,
        now=now,
        campaign=campaign,
        upcoming_states=UPCOMING_STATES,
        problem_states=PROBLEM_STATES,
        upcoming_limit=upcoming_limit,
        noted_since=now - NOTED_FOR,
    )
    daemons = [
        DaemonLine(
            id=row.id,
            hostname=row.hostname,
            pid=row.pid,
            started_at=row.started_at,
            heartbeat_at=row.heartbeat_at,
            alive=is_alive(row, now),
        )
        for row in rows.daemons
    ]
    return StatusSummary(
        rows.counts,
        [_line(post.row, post.campaign, post.timezone) for post in rows.upcoming],
        [_line(post.row, post.campaign, post.timezone) for post in rows.problems],
        daemons,
        due=rows.due,
        noted=[_line(post.row, post.campaign, post.timezone) for post in rows.noted],
    )
