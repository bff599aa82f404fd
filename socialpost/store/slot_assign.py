"""Queued posts placed in their accounts' slots against the queue the store holds.

The rules (README, "Posting queue"), for each account:

* every post the store holds for the account from now on, of any campaign, occupies its instant
  (cancelled ones excepted), and so does every post with a time of its own (``at:``, ``every:``)
  of the campaigns being planned: on a slot, it takes one of the slot's places;
* a queued post the store already holds keeps its time while that time is still a slot of its
  queue — edits of the file move nothing. A post that went out, or may have (sending, sent,
  unknown), or that is settled (failed, missed), keeps its time whatever the queue says now; a post
  you cancelled keeps its time without occupying it;
* the others (new posts, posts whose slot the queue no longer has, posts that come back after
  being removed, once their slot has passed) take, in campaign order then file order, the first
  slot from now on that has room (``per_slot`` places);
* a post removed from the file frees its slot (its row is cancelled) and the others stay where
  they are.

Called inside the transaction that plans and applies (socialpost.store.sync), after the per-account
locks, so two campaigns sharing an account never take one slot twice.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from socialpost.slots import KEPT, Board, NoFreeSlot, SlotRule
from socialpost.store.models import CampaignRow, FeedEntryRow, PostRow, Status
from socialpost.store.planned import CampaignSource, PlannedRow

Row = TypeVar("Row", bound=PlannedRow)

# where a stored queued post stays, whatever its queue says now
_SETTLED = frozenset({Status.SENDING, Status.SENT, Status.UNKNOWN, Status.FAILED, Status.MISSED})


class _Stored(NamedTuple):
    due_at: datetime
    status: str
    cancelled_by: str | None


def place(
    session: Session | None, campaigns: Sequence[tuple[CampaignSource, Sequence[Row]]], *, now: datetime
) -> tuple[list[tuple[CampaignSource, list[Row]]], set[str]]:
    """The campaigns with their queued rows in their slots (``session`` None: against an empty
    queue), and the names of the campaigns whose queue has no free slot left."""
    queued = [row for _loaded, rows in campaigns for row in rows if row.queue is not None]
    if not queued:
        return [(loaded, list(rows)) for loaded, rows in campaigns], set()
    accounts = sorted({row.account for row in queued})
    names = {loaded.model.campaign for loaded, _rows in campaigns}
    boards = {account: Board() for account in accounts}
    stored: dict[tuple[str, str, str, str], _Stored] = {}
    if session is not None:
        # a post made from a feed entry (socialpost.feeds) is no row of its campaign's file: it
        # occupies its instant like another campaign's post
        from_feed = PostRow.id.in_(select(FeedEntryRow.post_id).where(FeedEntryRow.post_id.is_not(None)))
        for name, post_key, occurrence, account, due_at, status, cancelled_by, feed in session.execute(
            select(
                CampaignRow.name,
                PostRow.post_key,
                PostRow.occurrence,
                PostRow.account,
                PostRow.due_at,
                PostRow.status,
                PostRow.cancelled_by,
                from_feed,
            )
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(
                PostRow.account.in_(accounts),
                or_(
                    and_(CampaignRow.name.in_(names), PostRow.occurrence == ""),
                    and_(CampaignRow.name.not_in(names), PostRow.due_at >= now),
                ),
            )
        ):
            if name in names and not feed:
                stored[(name, post_key, occurrence, account)] = _Stored(due_at, status, cancelled_by)
            elif status != Status.CANCELLED and (not feed or due_at >= now):
                boards[account].occupy(due_at, name)
    for _loaded, rows in campaigns:
        for row in rows:
            if row.queue is None and row.account in boards:
                boards[row.account].occupy(row.due_at, row.campaign)
    decided: dict[int, Row] = {}  # id(row) → the row placed
    for row in queued:
        kept = _kept(row, stored.get(row.key), boards[row.account], now=now)
        if kept is not None:
            due_at, occupies = kept
            if occupies:
                boards[row.account].occupy(due_at, row.campaign)
            decided[id(row)] = row.placed(due_at, KEPT)
    full: set[str] = set()
    for row in queued:
        if id(row) in decided or row.campaign in full:
            continue
        assert row.queue is not None
        try:
            spot = boards[row.account].place(row.queue, row.campaign, now=now)
        except NoFreeSlot:
            full.add(row.campaign)
            continue
        decided[id(row)] = row.placed(spot.instant, spot.why, spot.taken_by)
    return [(loaded, [decided.get(id(row), row) for row in rows]) for loaded, rows in campaigns], full


def _kept(row: PlannedRow, current: _Stored | None, board: Board, *, now: datetime) -> tuple[datetime, bool] | None:
    """Where a queued row the store holds stays, and whether it occupies that slot; None: it takes
    a free slot (see the module's rules)."""
    if current is None:
        return None
    assert row.queue is not None
    if current.status in _SETTLED:
        return current.due_at, True
    if current.status == Status.CANCELLED:
        if current.cancelled_by == "user":
            return current.due_at, False
        # removed from the file, and back: its slot again, if it is still to come and still a slot
        if (
            current.due_at >= now
            and row.queue.holds(current.due_at)
            and board.count(current.due_at) < row.queue.per_slot
        ):
            return current.due_at, True
        return None
    return (current.due_at, True) if row.queue.holds(current.due_at) else None


def accounts_of(campaigns: Sequence[tuple[CampaignSource, Sequence[PlannedRow]]]) -> list[str]:
    """The accounts whose slots planning these campaigns may fill (or occupy)."""
    return sorted({row.account for _loaded, rows in campaigns for row in rows})


class Occupant(NamedTuple):
    """A post the store holds on an account at an instant (`socialpost queue`)."""

    account: str
    due_at: datetime
    campaign: str
    post_id: str
    occurrence: str
    status: str


def occupants(session: Session, accounts: Sequence[str], *, since: datetime, until: datetime) -> list[Occupant]:
    """The posts of these accounts due from ``since`` to ``until`` (both included), cancelled ones
    excepted: what fills their slots."""
    query = (
        select(PostRow.account, PostRow.due_at, CampaignRow.name, PostRow.post_key, PostRow.occurrence, PostRow.status)
        .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
        .where(
            PostRow.account.in_(accounts),
            PostRow.due_at >= since,
            PostRow.due_at <= until,
            PostRow.status != Status.CANCELLED.value,
        )
        .order_by(PostRow.due_at, CampaignRow.name, PostRow.post_key)
    )
    return [Occupant._make(row) for row in session.execute(query)]


def campaign_files(session: Session) -> list[tuple[str, str]]:
    """Each campaign the store holds and the file `schedule` read it from (as given then)."""
    return [(name, file) for name, file in session.execute(select(CampaignRow.name, CampaignRow.source_file))]


def free_slots(
    session: Session, account: str, rule: SlotRule, *, now: datetime, count: int = 1, places: bool = False
) -> list[datetime]:
    """The next ``count`` slots of ``rule`` on ``account``, from ``now`` on, that still have room
    (fewer than ``per_slot`` posts of any campaign, cancelled ones excepted): where a post placed in
    that queue now would go. With ``places``, each slot once per free place: where ``count`` posts
    placed one after the other would go (a slot with room for two takes the first two). Placing
    them for good is :func:`place`'s job, in the transaction that writes them (after the account's
    lock, socialpost.store.sync)."""
    found: list[datetime] = []
    slots = rule.slots(now)
    batch = max(count, 1) * 4
    while len(found) < count:
        chunk = list(itertools.islice(slots, batch))
        if not chunk:
            break
        taken = Counter(o.due_at for o in occupants(session, [account], since=chunk[0], until=chunk[-1]))
        for instant in chunk:
            room = rule.per_slot - taken[instant]
            if room > 0:
                found += [instant] * (room if places else 1)
        batch *= 4
    return found[:count]
