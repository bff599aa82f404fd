"""Read engagement for sent posts: batched per account, within read budgets, backing off on 429.

One :class:`Collector` serves a daemon for its whole life (it remembers which accounts are backing
off) or one ``socialpost collect`` run. For each account it hands the adapter's
``fetch_metrics`` up to ``batch_size`` remote ids at a time — the adapter splits them further as
its API allows (X 100 ids, Bluesky 25 URIs, Facebook batch requests) — and stores one snapshot per
post: a row per normalised metric, ``value`` NULL for "not available", the adapter's whole answer
in ``raw`` on the ``views`` row.

Read budgets are counted in the store (snapshots and unavailable marks written today, UTC), so they
hold across daemons and ``collect`` runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol

from socialpost.engagement.metrics import METRICS, RAW_ON, normalise
from socialpost.engagement.schedule import Target, targets
from socialpost.errors import PermanentError, RateLimited, SocialpostError, TransientError
from socialpost.i18n import _
from socialpost.networks.base import Network
from socialpost.networks.capabilities import MetricsReader
from socialpost.settings.engagement import EngagementSettings
from socialpost.store import engagement as stored
from socialpost.store.db import Store
from socialpost.timeutil import Clock, iso_utc, utcnow

log = logging.getLogger("socialpost.engagement")

RATE_LIMIT_PAUSE = timedelta(minutes=15)  # a 429 that does not say when to come back
TRANSIENT_PAUSE = timedelta(minutes=5)  # doubles with each failure in a row
MAX_PAUSE = timedelta(hours=6)
PERMANENT_PAUSE = timedelta(hours=1)  # credentials must change first; try again now and then

Progress = Callable[[int, int, str], None]  # (posts done, posts in all, account)


class AdapterSource(Protocol):
    """What the collector needs from :class:`socialpost.wiring.Adapters`."""

    def get(self, account: str) -> Network: ...


@dataclass
class AccountOutcome:
    """What one collection did for one account."""

    account: str
    wanted: int = 0  # posts due (or asked for)
    collected: int = 0  # posts with a snapshot stored
    unavailable: int = 0  # posts the network gave nothing for
    over_budget: int = 0  # left for tomorrow: the account's daily read budget is spent
    paused_until: datetime | None = None  # backing off (429, errors): the rest waits until then
    error: str | None = None  # the last error, in plain words
    note: str | None = None  # why nothing could be read when that is no error (the outbox has no metrics)

    @property
    def left(self) -> int:
        return self.wanted - self.collected - self.unavailable

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "wanted": self.wanted,
            "collected": self.collected,
            "unavailable": self.unavailable,
            "over_budget": self.over_budget,
            "left": self.left,
            "paused_until": iso_utc(self.paused_until) if self.paused_until else None,
            "error": self.error,
        }


@dataclass
class CollectResult:
    accounts: list[AccountOutcome] = field(default_factory=list)

    @property
    def collected(self) -> int:
        return sum(a.collected for a in self.accounts)

    @property
    def errors(self) -> list[AccountOutcome]:
        return [a for a in self.accounts if a.error]

    def as_json(self) -> dict[str, Any]:
        return {
            "collected": self.collected,
            "unavailable": sum(a.unavailable for a in self.accounts),
            "left": sum(a.left for a in self.accounts),
            "accounts": [a.as_json() for a in self.accounts],
        }


@dataclass
class _Pause:
    until: datetime
    failures: int
    reason: str


class Collector:
    def __init__(
        self,
        store: Store,
        adapters: AdapterSource,
        settings: EngagementSettings | None = None,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.adapters = adapters
        self.settings = settings or EngagementSettings()
        self.clock = clock
        self._pauses: dict[str, _Pause] = {}

    # --- what to read ----------------------------------------------------------------------

    def targets(self, *, mode: str = "due", campaign: str | None = None, account: str | None = None) -> list[Target]:
        return targets(
            self.store, now=self.clock(), ages=self.settings.ages, mode=mode, campaign=campaign, account=account
        )

    def paused_until(self, account: str) -> datetime | None:
        pause = self._pauses.get(account)
        return pause.until if pause is not None and pause.until > self.clock() else None

    def reads_today(self, account: str) -> int:
        """Posts of ``account`` read since 00:00 UTC today (snapshots plus unavailable marks)."""
        now = self.clock().astimezone(UTC)
        start = datetime.combine(now.date(), time(0), tzinfo=UTC)
        return stored.reads_since(self.store, account, start, raw_on=RAW_ON)

    # --- reading ---------------------------------------------------------------------------

    def collect(
        self,
        *,
        mode: str = "due",
        campaign: str | None = None,
        account: str | None = None,
        progress: Progress | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> CollectResult:
        """Read every target (see :func:`socialpost.engagement.schedule.targets`) and store snapshots."""
        found = self.targets(mode=mode, campaign=campaign, account=account)
        by_account: dict[str, list[Target]] = {}
        for target in found:
            by_account.setdefault(target.account, []).append(target)
        total = len(found)
        done = 0
        result = CollectResult()
        for acct in sorted(by_account):
            posts = by_account[acct]
            outcome = AccountOutcome(acct, wanted=len(posts))
            result.accounts.append(outcome)
            if should_stop is not None and should_stop():
                continue

            def tick(count: int, account: str = acct, before: int = done) -> None:
                if progress is not None:
                    progress(before + count, total, account)

            self._collect_account(acct, posts, outcome, should_stop, tick)
            done += len(posts)
            if progress is not None:
                progress(done, total, acct)
        return result

    def _collect_account(
        self,
        account: str,
        posts: list[Target],
        outcome: AccountOutcome,
        should_stop: Callable[[], bool] | None,
        tick: Callable[[int], None],
    ) -> None:
        paused = self.paused_until(account)
        if paused is not None:
            outcome.paused_until = paused
            outcome.error = self._pauses[account].reason
            return
        budget = self.settings.budget(account)
        if budget is not None:
            room = max(budget - self.reads_today(account), 0)
            if room < len(posts):
                outcome.over_budget = len(posts) - room
                log.info(
                    "%s: %d post(s) left for tomorrow (engagement read budget: %d a day)",
                    account,
                    outcome.over_budget,
                    budget,
                )
                posts = posts[:room]
        if not posts:
            return
        try:
            adapter = self.adapters.get(account)
        except SocialpostError as exc:
            outcome.error = _("cannot use {account}: {error}").format(account=account, error=exc)
            log.warning("engagement: %s", outcome.error)
            return
        if not isinstance(adapter, MetricsReader):
            # no call to make: each post is marked, so it waits for its next age like any post read empty
            outcome.note = _("{network} accounts give no engagement figures, so there is nothing to read.").format(
                network=adapter.name
            )
            self._store(posts, {}, outcome, unavailable=outcome.note)
            tick(len(posts))
            return
        size = self.settings.batch_size
        for start in range(0, len(posts), size):
            if should_stop is not None and should_stop():
                return
            batch = posts[start : start + size]
            try:
                answers = adapter.fetch_metrics([t.remote_id for t in batch])
            except RateLimited as exc:
                reason = _("rate limited: {message}").format(message=exc.message)
                self._pause(account, exc.retry_at, RATE_LIMIT_PAUSE, reason, outcome)
                return
            except TransientError as exc:
                failures = self._pauses[account].failures + 1 if account in self._pauses else 1
                wait = min(TRANSIENT_PAUSE * 2 ** (failures - 1), MAX_PAUSE)
                self._pause(account, exc.retry_at, wait, exc.message, outcome, failures=failures)
                return
            except PermanentError as exc:
                self._pause(account, None, PERMANENT_PAUSE, str(exc), outcome)
                return
            self._pauses.pop(account, None)  # a good answer ends any back-off
            self._store(batch, answers, outcome)
            tick(start + len(batch))

    def _pause(
        self,
        account: str,
        retry_at: datetime | None,
        default: timedelta,
        reason: str,
        outcome: AccountOutcome,
        *,
        failures: int = 1,
    ) -> None:
        now = self.clock()
        until = retry_at if retry_at is not None and retry_at > now else now + default
        self._pauses[account] = _Pause(until, failures, reason)
        outcome.paused_until = until
        outcome.error = reason
        log.warning("engagement: %s: %s; reading again after %s", account, reason, iso_utc(until))

    def _store(
        self,
        batch: list[Target],
        answers: Mapping[str, Mapping[str, Any]],
        outcome: AccountOutcome,
        *,
        unavailable: str | None = None,
    ) -> None:
        """Store ``answers``; a post without one gets an "unavailable" mark saying why (``unavailable``)."""
        reads: list[stored.Read] = []
        for target in batch:
            answer = answers.get(target.remote_id)
            if answer is None:
                detail = unavailable or _("the network gave no metrics for this post (deleted, hidden, or a read cap)")
                reads.append(stored.Read(target.post_id, unavailable=detail))
                outcome.unavailable += 1
                continue
            reads.append(stored.Read(target.post_id, metrics=normalise(answer), raw=_jsonable(answer)))
            outcome.collected += 1
        stored.save_reads(self.store, reads, at=self.clock(), metrics=METRICS, raw_on=RAW_ON)


def _jsonable(answer: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in answer.items():
        out[str(key)] = value if value is None or isinstance(value, bool | int | float | str) else repr(value)
    return out
