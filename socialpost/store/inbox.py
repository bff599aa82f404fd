"""The comment inbox in the store (table ``inbox_items``): replies and comments on the accounts'
own posts, one row per (account, network id), and whether each was answered or reported.

``socialpost.inbox`` asks the networks and decides; this module reads and writes the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from socialpost.localtime import iso_local
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, InboxItemRow, PostRow, Status, display_id
from socialpost.timeutil import iso_utc


class ReplyFacts(Protocol):
    """A reply as a network gives it (``socialpost.networks.base.Reply``)."""

    @property
    def remote_id(self) -> str: ...
    @property
    def in_reply_to(self) -> str: ...
    @property
    def post_remote_id(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def author_name(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def created_at(self) -> datetime | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def own(self) -> bool: ...


@dataclass(frozen=True)
class InboxItem:
    """One stored reply or comment, with the post it is under."""

    id: int
    account: str
    remote_id: str
    in_reply_to: str
    post_remote_id: str
    author: str
    author_name: str
    text: str
    url: str | None
    created_at: datetime | None
    fetched_at: datetime
    answered_at: datetime | None
    answered_by_remote_id: str | None
    campaign: str | None  # the post it answers, when socialpost sent it
    post: str | None
    post_url: str | None
    post_text: str | None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    def as_json(self) -> dict[str, Any]:
        """One item of ``socialpost inbox --json`` (documented in docs/inbox.md)."""
        return {
            "id": self.id,
            "account": self.account,
            "remote_id": self.remote_id,
            "in_reply_to": self.in_reply_to,
            "author": self.author,
            "author_name": self.author_name,
            "text": self.text,
            "url": self.url,
            "created_at": iso_utc(self.created_at) if self.created_at else None,
            "created_at_local": iso_local(self.created_at) if self.created_at else None,
            "fetched_at": iso_utc(self.fetched_at),
            "fetched_at_local": iso_local(self.fetched_at),
            "answered": self.answered,
            "answered_at": iso_utc(self.answered_at) if self.answered_at else None,
            "answered_at_local": iso_local(self.answered_at) if self.answered_at else None,
            "answered_by": self.answered_by_remote_id,
            "post": {
                "remote_id": self.post_remote_id,
                "campaign": self.campaign,
                "id": self.post,
                "url": self.post_url,
                "text": self.post_text,
            },
        }


def recent_sent(
    store: Store, *, since: datetime, account: str | None, per_account: int
) -> dict[str, list[tuple[int, str]]]:
    """Per account, its posts sent since ``since`` as (post id, remote id), newest first, at most
    ``per_account`` each."""
    query = (
        select(PostRow.account, PostRow.id, PostRow.remote_id)
        .where(PostRow.status == Status.SENT.value, PostRow.remote_id.is_not(None), PostRow.sent_at >= since)
        .order_by(PostRow.sent_at.desc(), PostRow.id.desc())
    )
    if account:
        query = query.where(PostRow.account == account)
    found: dict[str, list[tuple[int, str]]] = {}
    with store.session() as session:
        for acct, post_id, remote_id in session.execute(query):
            posts = found.setdefault(acct, [])
            if len(posts) < per_account:
                posts.append((post_id, str(remote_id)))
    return found


def save_replies(
    store: Store, account: str, replies: Sequence[ReplyFacts], post_ids: dict[str, int], *, now: datetime
) -> tuple[int, int]:
    """Store ``replies`` of ``account`` (new ones only) and mark the items its own replies answer;
    ``post_ids``: the store's id of each post by its remote id. Returns (new items, items newly
    answered). When another daemon stored some of them at the same moment, it is done once more:
    what that daemon stored is then known and skipped."""
    try:
        return _save_replies(store, account, replies, post_ids, now=now)
    except IntegrityError:  # another daemon stored some of them at the same moment
        return _save_replies(store, account, replies, post_ids, now=now)


def _save_replies(
    store: Store, account: str, replies: Sequence[ReplyFacts], post_ids: dict[str, int], *, now: datetime
) -> tuple[int, int]:
    own = [r for r in replies if r.own]
    others = {r.remote_id: r for r in replies if not r.own and r.remote_id not in post_ids}
    new = answered = 0
    with store.write() as session:
        known = set()
        if others:
            known = set(
                session.scalars(
                    select(InboxItemRow.remote_id).where(
                        InboxItemRow.account == account, InboxItemRow.remote_id.in_(list(others))
                    )
                )
            )
        for reply in others.values():
            if reply.remote_id in known:
                continue
            session.add(
                InboxItemRow(
                    account=account,
                    network=account.split(":", 1)[0],
                    remote_id=reply.remote_id,
                    post_id=post_ids.get(reply.post_remote_id),
                    post_remote_id=reply.post_remote_id,
                    in_reply_to=reply.in_reply_to,
                    author=reply.author,
                    author_name=reply.author_name,
                    text=reply.text,
                    url=reply.url,
                    created_at=reply.created_at,
                    fetched_at=now,
                )
            )
            new += 1
        session.flush()
        for mine in own:
            done = session.execute(
                update(InboxItemRow)
                .where(
                    InboxItemRow.account == account,
                    InboxItemRow.remote_id == mine.in_reply_to,
                    InboxItemRow.answered_at.is_(None),
                )
                .values(answered_at=mine.created_at or now, answered_by_remote_id=mine.remote_id)
            )
            answered += int(getattr(done, "rowcount", 0) or 0)
    return new, answered


def items(
    store: Store, *, account: str | None = None, unanswered: bool = False, limit: int | None = None
) -> list[InboxItem]:
    """Unanswered first, newest first (by when it was written; else when it was fetched)."""
    when = case((InboxItemRow.created_at.is_(None), InboxItemRow.fetched_at), else_=InboxItemRow.created_at)
    query = _select().order_by(InboxItemRow.answered_at.is_not(None), when.desc(), InboxItemRow.id.desc()).limit(limit)
    if account:
        query = query.where(InboxItemRow.account == account)
    if unanswered:
        query = query.where(InboxItemRow.answered_at.is_(None))
    with store.session() as session:
        return [_item(row) for row in session.execute(query)]


def counts(store: Store) -> tuple[int, int]:
    """(all items, unanswered items)."""
    with store.session() as session:
        total = session.scalar(select(func.count(InboxItemRow.id))) or 0
        waiting = session.scalar(select(func.count(InboxItemRow.id)).where(InboxItemRow.answered_at.is_(None))) or 0
    return int(total), int(waiting)


def matching(store: Store, ref: str) -> list[InboxItem]:
    """The items ``ref`` names: its inbox number (``12``) or the network's id for it, by number."""
    condition = InboxItemRow.remote_id == ref
    if ref.isdigit() and len(ref) <= 18:  # an inbox number (a longer one can only be a network's id)
        condition = or_(InboxItemRow.id == int(ref), condition)
    with store.session() as session:
        return [_item(row) for row in session.execute(_select().where(condition).order_by(InboxItemRow.id))]


def mark_answered(store: Store, item_id: int, remote_id: str, *, at: datetime) -> None:
    """The item was answered with the reply ``remote_id`` (``socialpost reply``)."""
    with store.write() as session:
        session.execute(
            update(InboxItemRow)
            .where(InboxItemRow.id == item_id)
            .values(answered_at=at, answered_by_remote_id=remote_id)
        )


def digested_unanswered(store: Store) -> set[int]:
    """The unanswered items an earlier digest already included."""
    with store.session() as session:
        return set(
            session.scalars(
                select(InboxItemRow.id).where(
                    and_(InboxItemRow.answered_at.is_(None), InboxItemRow.digested_at.is_not(None))
                )
            )
        )


def mark_digested(store: Store, ids: Sequence[int], *, at: datetime) -> None:
    """A digest included these items."""
    with store.write() as session:
        session.execute(update(InboxItemRow).where(InboxItemRow.id.in_(list(ids))).values(digested_at=at))


def _select() -> Any:
    return select(
        InboxItemRow, PostRow.post_key, PostRow.occurrence, PostRow.remote_url, PostRow.payload, CampaignRow.name
    ).select_from(
        InboxItemRow.__table__.outerjoin(PostRow.__table__, PostRow.id == InboxItemRow.post_id).outerjoin(
            CampaignRow.__table__, CampaignRow.id == PostRow.campaign_id
        )
    )


def _item(row: Any) -> InboxItem:
    item: InboxItemRow = row.InboxItemRow
    payload = row.payload if isinstance(row.payload, dict) else None
    return InboxItem(
        id=item.id,
        account=item.account,
        remote_id=item.remote_id,
        in_reply_to=item.in_reply_to,
        post_remote_id=item.post_remote_id,
        author=item.author,
        author_name=item.author_name,
        text=item.text,
        url=item.url,
        created_at=item.created_at,
        fetched_at=item.fetched_at,
        answered_at=item.answered_at,
        answered_by_remote_id=item.answered_by_remote_id,
        campaign=row.name,
        post=display_id(row.post_key, row.occurrence or "") if row.post_key is not None else None,
        post_url=row.remote_url,
        post_text=str(payload.get("text", "")) if payload is not None else None,
    )
