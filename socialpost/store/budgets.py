"""Rate budgets: when each account may next be posted to (table ``rate_budgets``).

They live in the store, not in a daemon's memory, so they hold across daemons: the claim reads
(and, for a paced account, locks and moves) an account's budget in the same transaction as it
claims the account's posts, and a 429 pushes the budget forward for every daemon at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session

from socialpost.store.models import RateBudgetRow, UTCDateTime


def read(session: Session, accounts: Iterable[str]) -> dict[str, datetime]:
    """``next_allowed_at`` of the accounts that have a budget (without locking)."""
    names = sorted(set(accounts))
    if not names:
        return {}
    rows = session.execute(
        select(RateBudgetRow.account, RateBudgetRow.next_allowed_at).where(RateBudgetRow.account.in_(names))
    )
    return {row.account: row.next_allowed_at for row in rows}


def lock(session: Session, accounts: Iterable[str], now: datetime) -> dict[str, datetime]:
    """Create (if needed) and lock the budgets of paced accounts; return those we hold.

    On PostgreSQL a budget another daemon is deciding on right now is skipped (``SKIP LOCKED``):
    it is absent from the result and its posts wait for the next round. On SQLite the claim's
    ``BEGIN IMMEDIATE`` already serialises every writer.
    """
    names = sorted(set(accounts))  # one order for every daemon: no lock cycles
    if not names:
        return {}
    for account in names:
        _insert_missing(session, account, now)
    rows = session.execute(
        select(RateBudgetRow.account, RateBudgetRow.next_allowed_at)
        .where(RateBudgetRow.account.in_(names))
        .order_by(RateBudgetRow.account)
        .with_for_update(skip_locked=True)
    )
    return {row.account: row.next_allowed_at for row in rows}


def debit(session: Session, account: str, until: datetime, now: datetime) -> None:
    """The account posted: nothing more until ``until`` (its minimum interval from now)."""
    session.execute(
        update(RateBudgetRow)
        .where(RateBudgetRow.account == account)
        .values(next_allowed_at=until, reason=None, updated_at=now)
    )


def push(session: Session, account: str, until: datetime, reason: str, now: datetime) -> None:
    """The network said "not before ``until``": move the budget there (never backwards)."""
    _insert_missing(session, account, now)
    session.execute(
        update(RateBudgetRow)
        .where(RateBudgetRow.account == account)
        .values(
            next_allowed_at=case(
                (RateBudgetRow.next_allowed_at < until, literal(until, UTCDateTime())),
                else_=RateBudgetRow.next_allowed_at,
            ),
            reason=reason,
            updated_at=now,
        )
    )


def _insert_missing(session: Session, account: str, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    values = {"account": account, "next_allowed_at": now, "reason": None, "updated_at": now}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(RateBudgetRow).values(**values).on_conflict_do_nothing(index_elements=["account"]))
        return
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(
            sqlite_insert(RateBudgetRow).values(**values).on_conflict_do_nothing(index_elements=["account"])
        )
        return
    if session.get(RateBudgetRow, account) is None:  # other databases: read, then insert
        session.add(RateBudgetRow(**values))
        session.flush()
