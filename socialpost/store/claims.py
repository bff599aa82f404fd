"""The daemon's claims: due posts moved ``pending → sending`` with a lease, in one transaction that
no other daemon can interleave with, the campaign's late policy applied in that same transaction.

Part of :class:`socialpost.store.queue.Queue`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, Table, select, update
from sqlalchemy.orm import Session

from socialpost.i18n import _
from socialpost.store import budgets, late, transitions
from socialpost.store.models import WAITING, CampaignRow, PostRow, Status, display_id
from socialpost.store.outcomes import _POSTS, Outcomes, _first_line
from socialpost.store.pacing import _BUSY, _Gate
from socialpost.store.pauses import not_paused
from socialpost.timeutil import format_duration, human_duration

# The logger of socialpost.store.queue, as before the claims had a module of their own.
log = logging.getLogger("socialpost.store.queue")
_CAMPAIGNS = cast(Table, CampaignRow.__table__)


@dataclass(frozen=True)
class Claimed:
    """A post this daemon holds the lease on, with everything an adapter needs to send it."""

    id: int
    campaign: str
    post_key: str
    occurrence: str
    account: str
    network: str
    payload: dict[str, Any]
    idempotency_key: str
    due_at: datetime
    local_time: str
    attempts: int
    send_at: datetime  # not before: its time, a retry's time, or the end of a rate-limit wait
    remote_id: str | None = None


def _no_interval(_account: str) -> float:
    return 0.0


def _any_network(_network: str) -> bool:
    return True


@dataclass(frozen=True)
class ClaimPolicy:
    """What a claim checks besides due times and each campaign's late policy."""

    max_age: timedelta | None = None  # a retry this long past its due time fails instead
    min_interval: Callable[[str], float] = _no_interval  # seconds between two posts to an account
    # Networks whose posts may be claimed ahead of their time: a claim held by a daemon that dies
    # before the instant is treated like an interrupted send, so only adapters that settle one
    # without asking the user qualify (the daemon allows those that honour the idempotency key).
    ahead_ok: Callable[[str], bool] = _any_network


class _Candidate(NamedTuple):
    id: int
    status: str
    due_at: datetime
    next_attempt_at: datetime
    campaign_id: int
    post_key: str
    occurrence: str
    account: str


_MAX_ROUNDS = 4  # a claim looks again when rows it looked at were settled or deferred


def due_query(status: Status, now: datetime, limit: int) -> Select[int, str, datetime, datetime, int, str, str, str]:
    """The claim's read: due rows of one status, oldest first — a range scan of ``ix_posts_claim``
    (status, next_attempt_at, id) that needs no sort. One status at a time: with ``status IN
    (...)`` SQLite sorts every due row in a temporary B-tree before applying the limit.

    Rows of a paused campaign or account are not due (:func:`not_paused`): the same statement
    reads the pauses, so a claim either sees a pause or ran before it was committed."""
    return (
        select(
            PostRow.id,
            PostRow.status,
            PostRow.due_at,
            PostRow.next_attempt_at,
            PostRow.campaign_id,
            PostRow.post_key,
            PostRow.occurrence,
            PostRow.account,
        )
        .where(PostRow.status == status.value, PostRow.next_attempt_at <= now, not_paused())
        .order_by(PostRow.next_attempt_at, PostRow.id)
        .limit(limit)
    )


class Claims(Outcomes):
    """Claims for one daemon (``daemon_id`` is written on every claim and event)."""

    def claim(
        self, limit: int, lease: timedelta, policy: ClaimPolicy | None = None, *, ahead: timedelta = timedelta(0)
    ) -> list[Claimed]:
        """Take up to ``limit`` due posts, in one transaction that also applies the late policy,
        the retry age limit and the accounts' rate budgets (see docs/state-machine.md).

        With ``ahead``, posts due within that much from now are taken too (except those of paced
        accounts and of networks ``policy.ahead_ok`` refuses); the caller sends each at its
        ``send_at``, and their lease counts from the end of the window."""
        if limit <= 0:
            return []
        policy = policy or ClaimPolicy()
        now = self.clock()
        with self.store.write() as session:
            gate = _Gate(session, now, policy.min_interval)
            to_send: list[_Candidate] = []
            seen: set[int] = set()
            for _round in range(_MAX_ROUNDS):
                candidates = self._candidates(session, now + ahead, limit - len(to_send), seen)
                seen.update(c.id for c in candidates)
                chosen, moved = self._sort_out(session, candidates, gate, policy, now)
                to_send.extend(chosen)
                if len(to_send) >= limit or not moved:
                    break
            if not to_send:
                return []
            self._take(session, to_send, now + ahead + lease, now)
            return self._load(session, [c.id for c in to_send])

    def _candidates(self, session: Session, until: datetime, limit: int, seen: set[int]) -> list[_Candidate]:
        """The oldest rows due by ``until``, one index range scan per waiting status, merged in due order."""
        rows: list[_Candidate] = []
        for status in (Status.PENDING, Status.RETRY_WAIT):
            query = due_query(status, until, limit + len(seen))
            rows.extend(_Candidate._make(row) for row in session.execute(query.with_for_update(skip_locked=True)))
        rows = [row for row in rows if row.id not in seen]
        rows.sort(key=lambda row: (row.next_attempt_at, row.id))
        return rows[:limit]

    def _sort_out(
        self, session: Session, candidates: list[_Candidate], gate: _Gate, policy: ClaimPolicy, now: datetime
    ) -> tuple[list[_Candidate], int]:
        """Which candidates go out now; the rest are settled (late, too old) or deferred (rate
        budget). Returns the chosen ones and how many rows were moved out of the way.

        A row not due yet (a claim ahead) is left alone when its account is paced or its network
        cannot recover a claim ahead: it is claimed at its time instead."""
        candidates = [
            c
            for c in candidates
            if c.next_attempt_at <= now
            or (policy.min_interval(c.account) <= 0 and policy.ahead_ok(c.account.split(":", 1)[0]))
        ]
        if not candidates:
            return [], 0
        policies = self._late_policies(session, {c.campaign_id for c in candidates})
        gate.load({c.account for c in candidates})
        chosen: list[_Candidate] = []
        moved = 0
        for candidate in candidates:
            verdict = self._judge(session, candidate, policies[candidate.campaign_id], policy, now)
            if verdict is not None:
                target, kind, reason = verdict
                self._set(session, candidate.id, candidate.status, target, kind, reason, now=now)
                log.warning(  # the daemon's log says what did not go out, as it says what did
                    "%s/%s to %s: %s (%s)",
                    policies[candidate.campaign_id].campaign,
                    display_id(candidate.post_key, candidate.occurrence),
                    candidate.account,
                    target.value,
                    reason,
                )
                moved += 1
                continue
            decision = gate.decide(candidate.account, max(now, candidate.next_attempt_at))
            if decision is _BUSY:
                continue
            if isinstance(decision, datetime):
                self._defer(session, candidate, decision, gate.reason(candidate.account), now)
                moved += 1
                continue
            chosen.append(candidate)
        return chosen, moved

    def _judge(
        self,
        session: Session,
        candidate: _Candidate,
        rule: late.LateRule,
        policy: ClaimPolicy,
        now: datetime,
    ) -> tuple[Status, str, str] | None:
        """None when the post may go out; else (state, event kind, reason)."""
        if candidate.status == Status.RETRY_WAIT.value:
            age = now - candidate.due_at
            if policy.max_age is not None and age > policy.max_age:
                return (
                    Status.FAILED,
                    "too-old",
                    _(
                        "gave up: {age} past its time, longer than daemon.max_age ({max_age}). "
                        "Run 'socialpost retry' to try again."
                    ).format(age=human_duration(age), max_age=format_duration(policy.max_age)),
                )
            return None
        # Lateness counts from when the post could last go out: its time, the end of a rate-limit
        # wait, or when the user let it go (retry, resume, restore).
        post = f"{rule.campaign}/{display_id(candidate.post_key, candidate.occurrence)}@{candidate.account}"
        verdict = late.judge(
            rule,
            now - candidate.next_attempt_at,
            post=post,
            newer=lambda: (
                late.newer_occurrence(
                    session,
                    campaign_id=candidate.campaign_id,
                    post_key=candidate.post_key,
                    account=candidate.account,
                    due_at=candidate.due_at,
                    now=now,
                )
                if candidate.occurrence
                else None
            ),
        )
        return None if verdict is None else (verdict.status, verdict.kind, verdict.reason)

    def _late_policies(self, session: Session, campaign_ids: set[int]) -> dict[int, late.LateRule]:
        """Each campaign's late rule (and its name, for the reason's fix)."""
        rows = session.execute(
            select(CampaignRow.id, CampaignRow.late_within_seconds, CampaignRow.late_else, CampaignRow.name).where(
                CampaignRow.id.in_(sorted(campaign_ids))
            )
        )
        return {
            campaign_id: late.LateRule(timedelta(seconds=within), late_else, name)
            for campaign_id, within, late_else, name in rows
        }

    def _defer(self, session: Session, candidate: _Candidate, until: datetime, reason: str, now: datetime) -> None:
        """Not yet: the account's rate budget says ``until``. The row keeps its state."""
        session.execute(update(PostRow).where(PostRow.id == candidate.id).values(next_attempt_at=until, updated_at=now))
        transitions.log(
            session,
            post_id=candidate.id,
            at=now,
            kind="deferred",
            from_status=candidate.status,
            to_status=None,
            daemon=self.daemon_id,
            detail=f"{candidate.account} {reason}; not before {until.isoformat()}",
        )

    def _take(self, session: Session, chosen: list[_Candidate], lease_until: datetime, now: datetime) -> None:
        ids = [c.id for c in chosen]
        # No status condition: these rows are ours in this transaction (SQLite: BEGIN IMMEDIATE;
        # PostgreSQL: FOR UPDATE), and "id IN (…) AND status …" makes SQLite walk the status index.
        session.execute(
            update(_POSTS)
            .where(_POSTS.c.id.in_(ids))
            .values(
                status=Status.SENDING.value,
                claimed_by=self.daemon_id,
                lease_until=lease_until,
                attempts=_POSTS.c.attempts + 1,
                updated_at=now,
            )
        )
        detail = f"lease until {lease_until.isoformat()}"
        transitions.log_many(
            session,
            [
                {
                    "post_id": candidate.id,
                    "at": now,
                    "kind": "claimed",
                    "from_status": candidate.status,
                    "to_status": Status.SENDING.value,
                    "daemon": self.daemon_id,
                    "detail": detail,
                }
                for candidate in chosen
            ],
        )

    def rate_limited(self, account: str, until: datetime, reason: str) -> int:
        """The network said "not before ``until``" for ``account``: push its budget there and move
        every waiting post of the account that would be due earlier to ``until`` (so no daemon
        asks again before then). Returns how many posts were moved."""
        now = self.clock()
        with self.store.write() as session:
            # Posts first, then the budget: a claim locks in the other order only with SKIP LOCKED.
            rows = session.execute(
                select(PostRow.id, PostRow.status)
                .where(
                    PostRow.account == account,
                    PostRow.status.in_([s.value for s in WAITING]),
                    PostRow.next_attempt_at < until,
                )
                .with_for_update(skip_locked=True)
            ).all()
            for post_id, status in rows:
                self._defer(
                    session,
                    _Candidate(post_id, status, now, now, 0, "", "", account),
                    until,
                    f"is rate limited ({_first_line(reason)})",
                    now,
                )
            budgets.push(session, account, until, _first_line(reason), now)
            return len(rows)

    def _load(self, session: Session, ids: list[int]) -> list[Claimed]:
        posts = _POSTS.c
        rows = session.execute(
            select(
                posts.id,
                _CAMPAIGNS.c.name,
                posts.post_key,
                posts.occurrence,
                posts.account,
                posts.network,
                posts.payload,
                posts.idempotency_key,
                posts.due_at,
                posts.local_time,
                posts.attempts,
                posts.next_attempt_at,
                posts.remote_id,
            )
            .join(_CAMPAIGNS, _CAMPAIGNS.c.id == posts.campaign_id)
            .where(posts.id.in_(ids))
            .order_by(posts.next_attempt_at, posts.id)
        ).all()
        return [
            Claimed(
                id=row.id,
                campaign=row.name,
                post_key=row.post_key,
                occurrence=row.occurrence,
                account=row.account,
                network=row.network,
                payload=row.payload,
                idempotency_key=row.idempotency_key,
                due_at=row.due_at,
                local_time=row.local_time,
                attempts=row.attempts,
                send_at=row.next_attempt_at,
                remote_id=row.remote_id,
            )
            for row in rows
        ]

    def next_due(self) -> datetime | None:
        """When the earliest waiting post that is not paused becomes due (None if nothing waits).

        One index range scan per waiting status, stopped at the first row not paused: a paused
        post long overdue must not make the daemon claim in a loop."""
        with self.store.session() as session:
            times = [
                session.scalar(
                    select(PostRow.next_attempt_at)
                    .where(PostRow.status == status.value, not_paused())
                    .order_by(PostRow.next_attempt_at)
                    .limit(1)
                )
                for status in (Status.PENDING, Status.RETRY_WAIT)
            ]
        found = [t for t in times if t is not None]
        return min(found) if found else None
