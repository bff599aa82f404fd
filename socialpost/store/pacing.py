"""The accounts' rate budgets during one claim (same transaction as the claim)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from socialpost.store import budgets

_BUSY = object()  # another daemon holds the account's budget right now


class _Gate:
    """The accounts' rate budgets during one claim (same transaction)."""

    def __init__(self, session: Session, now: datetime, interval: Callable[[str], float]) -> None:
        self.session = session
        self.now = now
        self.interval = interval
        self.allowed_at: dict[str, datetime] = {}
        self.busy: set[str] = set()
        self.known: set[str] = set()

    def load(self, accounts: set[str]) -> None:
        new = accounts - self.known
        self.known |= new
        paced = {a for a in new if self.interval(a) > 0}
        held = budgets.lock(self.session, paced, self.now)
        self.busy |= paced - set(held)
        self.allowed_at.update(held)
        self.allowed_at.update(budgets.read(self.session, new - paced))

    def decide(self, account: str, at: datetime) -> object:
        """``None``: send at ``at`` (the budget is debited); a datetime: not before then; ``_BUSY``."""
        if account in self.busy:
            return _BUSY
        interval = timedelta(seconds=self.interval(account))
        allowed = self.allowed_at.get(account)
        if allowed is not None and allowed > at:
            # later rows of the same account get the following slots
            self.allowed_at[account] = allowed + interval
            return allowed
        if interval:
            self.allowed_at[account] = at + interval
            budgets.debit(self.session, account, at + interval, self.now)
        return None

    def reason(self, account: str) -> str:
        return "is paced" if self.interval(account) > 0 else "is rate limited"
