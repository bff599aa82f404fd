"""Helpers for the adapters' inbox tests: a sent post in a real store, the real inbox over it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from socialpost.inbox import Inbox
from socialpost.settings.config import Settings
from socialpost.store.db import Store
from socialpost.store.models import InboxItemRow, PostRow, Status
from socialpost.timeutil import Clock
from socialpost.wiring import Adapters
from tests.store_helpers import seed_posts


def sent_post(store: Store, account: str, remote_id: str, *, when: datetime) -> int:
    """A post of ours that went out to ``account``: status sent, with the network's id."""
    (post_id,) = seed_posts(store, 1, due=when, account=account, campaign="launch")
    with store.write() as session:
        session.execute(
            update(PostRow)
            .where(PostRow.id == post_id)
            .values(status=Status.SENT.value, remote_id=remote_id, sent_at=when)
        )
    return post_id


def real_inbox(store: Store, settings: Settings, clock: Clock) -> tuple[Inbox, Adapters]:
    """The inbox as `socialpost inbox` builds it: the real adapters from ``settings.accounts``."""
    adapters = Adapters(settings, clock=clock)
    return Inbox(store, adapters, clock=clock), adapters


def stored(store: Store) -> list[InboxItemRow]:
    with store.session() as session:
        return list(session.scalars(select(InboxItemRow).order_by(InboxItemRow.id)))
