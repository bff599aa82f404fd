"""Posts held until their account is connected ("draft first, connect later").

A campaign may name an account that is not set up yet (no entry in the config, nothing in the
secrets file). `schedule` queues its posts anyway, in the state ``held``, with the reason and the
command that connects the account; nothing goes to a network it cannot reach, and nothing is lost.
Such a post is told apart from one the late policy held by its log: the last event that moved it
to ``held`` (or changed it while held) is a ``not-connected`` one.

Once the account can be used, the posts go back to ``pending`` with their own time (a ``released``
event): the daemon checks every little while (:func:`release`, re-reading the config when it
changed), `socialpost accounts add` does it for the account it connected, and the next `schedule`
of the campaign does it too. A post whose time passed while it was held then meets the campaign's
late policy, as after any other wait.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from socialpost.i18n import _
from socialpost.store import transitions
from socialpost.store.db import Store
from socialpost.store.models import EventRow, PostRow, Status

NOT_CONNECTED = "not-connected"  # the event kind that marks a post held for its account
RELEASED = "released"
BATCH = 500  # ids per IN (…) list


def set_up_command(account: str) -> str:
    network, _sep, name = account.partition(":")
    return f"socialpost accounts add {network} {name}"


def reason(account: str) -> str:
    """The stored reason of a post held for its account (shown by `status`)."""
    return _("account {account} is not connected: run '{command}'; the post goes back in the queue once it is.").format(
        account=account, command=set_up_command(account)
    )


def waiting_for_account(session: Session, ids: Iterable[int]) -> set[int]:
    """Which of these ``held`` posts are held for their account (not by the late policy)."""
    found: set[int] = set()
    wanted = list(ids)
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        latest = (
            select(EventRow.post_id, func.max(EventRow.id).label("last"))
            .where(EventRow.post_id.in_(chunk), EventRow.to_status == Status.HELD.value)
            .group_by(EventRow.post_id)
            .subquery()
        )
        found.update(
            session.scalars(
                select(EventRow.post_id)
                .join(latest, EventRow.id == latest.c.last)
                .where(EventRow.kind == NOT_CONNECTED)
            )
        )
    return found


def held_by_account(session: Session) -> dict[str, list[int]]:
    """Posts held for their account, by account."""
    rows = session.execute(select(PostRow.id, PostRow.account).where(PostRow.status == Status.HELD.value)).all()
    waiting = waiting_for_account(session, [row.id for row in rows])
    result: dict[str, list[int]] = {}
    for row in rows:
        if row.id in waiting:
            result.setdefault(row.account, []).append(row.id)
    return result


@dataclass(frozen=True)
class Released:
    account: str
    count: int


def release(
    store: Store,
    connected: Callable[[str], bool],
    *,
    now: datetime,
    daemon: str | None = None,
    accounts: Iterable[str] | None = None,
) -> list[Released]:
    """Put back in the queue the posts held for an account that ``connected`` now says can be used
    (only those of ``accounts`` when given). Their time is kept: the claim's late policy judges a
    post whose time passed meanwhile. Conditional on the post still being held, so a user's
    `cancel` meanwhile wins."""
    with store.session() as session:
        held = held_by_account(session)
    wanted = set(accounts) if accounts is not None else None
    ready = {a: ids for a, ids in held.items() if (wanted is None or a in wanted) and connected(a)}
    if not ready:
        return []
    released: list[Released] = []
    with store.write() as session:
        for account, ids in sorted(ready.items()):
            moved = _back_to_pending(session, ids, now=now, daemon=daemon, account=account)
            if moved:
                released.append(Released(account, moved))
    return released


def _back_to_pending(session: Session, ids: list[int], *, now: datetime, daemon: str | None, account: str) -> int:
    still = waiting_for_account(session, ids)  # re-read in the write transaction
    moved = 0
    for start in range(0, len(ids), BATCH):
        chunk = [i for i in ids[start : start + BATCH] if i in still]
        if not chunk:
            continue
        changed = session.scalars(
            update(PostRow)
            .where(PostRow.id.in_(chunk), PostRow.status == Status.HELD.value)
            .values(status=Status.PENDING.value, last_error=None, attempts=0, updated_at=now)
            .returning(PostRow.id)
        ).all()
        transitions.log_many(
            session,
            [
                {
                    "post_id": post_id,
                    "at": now,
                    "kind": RELEASED,
                    "from_status": Status.HELD.value,
                    "to_status": Status.PENDING.value,
                    "daemon": daemon,
                    "detail": f"{account} is connected",
                }
                for post_id in changed
            ],
        )
        moved += len(changed)
    return moved


def queued_accounts(store: Store) -> list[str]:
    """Every account that has posts in the queue (whatever their state)."""
    with store.session() as session:
        return sorted(session.scalars(select(PostRow.account).distinct()))
