"""Posts published on the network's side, waiting to be confirmed public (YouTube's publishAt).

``daemon.confirm`` asks the network about them; this module finds them and records the answer in
the event log (``confirmed`` or ``not-public``, each once: a post with either is not asked again).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import exists, select

from socialpost.store import transitions
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, EventRow, PostRow, Status

SETTLED = ("confirmed", "not-public")  # the events that answer the question for good


class Unconfirmed(NamedTuple):
    post_id: int
    account: str
    remote_id: str
    due_at: datetime
    remote_url: str | None
    campaign: str
    post_key: str


def unconfirmed(store: Store, networks: Sequence[str], *, now: datetime, limit: int) -> list[Unconfirmed]:
    """Sent posts of ``networks`` whose time has come and that no confirmation settled yet, oldest
    time first, at most ``limit``."""
    settled = exists().where(EventRow.post_id == PostRow.id, EventRow.kind.in_(list(SETTLED)))
    with store.session() as session:
        rows = session.execute(
            select(
                PostRow.id,
                PostRow.account,
                PostRow.remote_id,
                PostRow.due_at,
                PostRow.remote_url,
                CampaignRow.name,
                PostRow.post_key,
            )
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(
                PostRow.status == Status.SENT.value,
                PostRow.network.in_(networks),
                PostRow.due_at <= now,
                PostRow.remote_id.is_not(None),
                ~settled,
            )
            .order_by(PostRow.due_at)
            .limit(limit)
        ).all()
    found = []
    for post_id, account, remote_id, due_at, url, campaign, key in rows:
        assert remote_id is not None  # selected so
        found.append(Unconfirmed(post_id, account, remote_id, due_at, url, campaign, key))
    return found


def record(store: Store, post_id: int, kind: str, detail: str, *, at: datetime, daemon: str) -> None:
    """Log the answer (``confirmed`` or ``not-public``) for a sent post; its status stays sent."""
    with store.write() as session:
        transitions.log(
            session,
            post_id=post_id,
            at=at,
            kind=kind,
            from_status=Status.SENT.value,
            to_status=Status.SENT.value,
            daemon=daemon,
            detail=detail,
        )
