"""Posts that still need something (to go out, or a decision from the user), for ``doctor``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select

from socialpost.store.connect import waiting_for_account
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, PostRow


class WaitingPost(NamedTuple):
    row: PostRow
    campaign: str
    source_file: str
    timezone: str
    for_account: bool  # held until its account is connected (socialpost.store.connect)


def waiting_posts(store: Store, states: Sequence[str]) -> tuple[list[WaitingPost], list[str]]:
    """Posts in ``states`` with their campaign, soonest first, and every scheduled campaign's zone."""
    with store.session() as session:
        zones = [str(z) for z in session.scalars(select(CampaignRow.timezone).distinct())]
        rows = session.execute(
            select(PostRow, CampaignRow.name, CampaignRow.source_file, CampaignRow.timezone)
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(PostRow.status.in_(list(states)))
            .order_by(PostRow.next_attempt_at, PostRow.id)
        ).all()
        held = waiting_for_account(session, [row.id for row, *_rest in rows if row.status == "held"])
        posts = [
            WaitingPost(row, name, source, str(timezone or ""), row.id in held) for row, name, source, timezone in rows
        ]
    return posts, zones


def accounts_sent_since(store: Store, since: datetime) -> set[str]:
    """The accounts that sent a post due at or after ``since``."""
    with store.session() as session:
        rows = session.scalars(
            select(PostRow.account).where(PostRow.status == "sent", PostRow.due_at >= since).distinct()
        )
        return {str(account) for account in rows}
