"""The daemon's host slept (or its wall clock jumped ahead): which posts came due meanwhile, and
what became of them, kept in the event log as one ``host-slept`` event per post.

The event's ``detail`` is JSON (``slept_from``, ``slept_until``, ``host``, ``status``: the post's
status once the daemon had claimed what was due on waking — ``sending``/``sent``: it went out late;
``missed``/``held``: the campaign's late policy), so ``doctor`` and anything that tells the user
(a notifier) read it back with :func:`recent`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, EventRow, PostRow, Status, display_id
from socialpost.store.transitions import log_many
from socialpost.timeutil import iso_utc

KIND = "host-slept"


@dataclass(frozen=True)
class SleptPost:
    """A post that came due while the host slept, and its status after the daemon woke."""

    post_id: int
    name: str  # CAMPAIGN/POST-ID@ACCOUNT
    due_at: datetime
    status: str
    reason: str | None  # the late policy's words when it missed or held the post
    slept_from: datetime
    slept_until: datetime
    host: str
    daemon: str | None

    @property
    def late_policy(self) -> str:
        """What happened, in one word: ``sent-late`` (it went out, or is going), ``missed``,
        ``held``, or its status (``pending``: still waiting, e.g. a paced account)."""
        if self.status in (Status.SENDING.value, Status.SENT.value):
            return "sent-late"
        return self.status


def record(
    store: Store, *, slept_from: datetime, slept_until: datetime, now: datetime, host: str, daemon: str
) -> list[SleptPost]:
    """Log a ``host-slept`` event for each post that was due between ``slept_from`` and ``now``
    (not one the user cancelled, nor one another daemon sent while this host slept), with its
    status now; return them, oldest first."""
    with store.write() as session:
        rows = session.execute(
            select(PostRow, CampaignRow.name)
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(
                PostRow.due_at > slept_from,
                PostRow.due_at <= now,
                PostRow.status != Status.CANCELLED.value,
                # sent meanwhile by another daemon (sharing a PostgreSQL queue): not late
                or_(PostRow.sent_at.is_(None), PostRow.sent_at > slept_until),
            )
            .order_by(PostRow.due_at, PostRow.id)
        ).all()
        found = [
            SleptPost(
                post_id=row.id,
                name=f"{campaign}/{display_id(row.post_key, row.occurrence)}@{row.account}",
                due_at=row.due_at,
                status=row.status,
                reason=row.last_error if row.status in (Status.MISSED.value, Status.HELD.value) else None,
                slept_from=slept_from,
                slept_until=slept_until,
                host=host,
                daemon=daemon,
            )
            for row, campaign in rows
        ]
        log_many(
            session,
            [
                {
                    "post_id": item.post_id,
                    "at": now,
                    "kind": KIND,
                    "from_status": None,
                    "to_status": None,
                    "daemon": daemon,
                    "detail": json.dumps(
                        {
                            "slept_from": iso_utc(slept_from),
                            "slept_until": iso_utc(slept_until),
                            "host": host,
                            "status": item.status,
                        }
                    ),
                }
                for item in found
            ],
        )
    return found


def recent(store: Store, *, since: datetime) -> list[SleptPost]:
    """The posts a host's sleep concerned, recorded since ``since``, oldest first."""
    with store.session() as session:
        rows = session.execute(
            select(EventRow, PostRow, CampaignRow.name)
            .join(PostRow, PostRow.id == EventRow.post_id)
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(EventRow.kind == KIND, EventRow.at >= since)
            .order_by(EventRow.at, EventRow.id)
        ).all()
    found = []
    for event, row, campaign in rows:
        try:
            detail = json.loads(event.detail or "{}")
            slept_from = datetime.fromisoformat(detail["slept_from"])
            slept_until = datetime.fromisoformat(detail["slept_until"])
        except (ValueError, KeyError, TypeError):
            continue
        status = str(detail.get("status", row.status))
        found.append(
            SleptPost(
                post_id=row.id,
                name=f"{campaign}/{display_id(row.post_key, row.occurrence)}@{row.account}",
                due_at=row.due_at,
                status=status,
                reason=row.last_error if status in (Status.MISSED.value, Status.HELD.value) else None,
                slept_from=slept_from,
                slept_until=slept_until,
                host=str(detail.get("host", "")),
                daemon=event.daemon,
            )
        )
    return found
