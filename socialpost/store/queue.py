"""The daemon's side of the store: claim due posts, record outcomes, expire leases.

Every method is one short transaction. A claim moves due rows ``pending → sending`` with a lease
in a transaction that no other daemon can interleave with (SQLite: ``BEGIN IMMEDIATE``;
PostgreSQL: ``FOR UPDATE SKIP LOCKED``), and it applies the campaign's late policy in that same
transaction. A claim may reach a little ahead of time (``ahead``): the daemon then holds the post
until its instant, so the transaction is not on the path from due time to request. The
``sending`` state is committed before any network call; the outcome is committed after, possibly
together with other outcomes (:meth:`Queue.record`). If the daemon dies in between, the lease
expires and the post is reconciled with the same idempotency key.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from socialpost.i18n import _
from socialpost.store import budgets, late, transitions
from socialpost.store.db import Store
from socialpost.store.models import WAITING, CampaignRow, DaemonRow, PostRow, Status, display_id
from socialpost.store.pauses import not_paused
from socialpost.timeutil import Clock, format_duration, human_duration, utcnow

log = logging.getLogger(__name__)

# Statuses a proof of publication settles as ``sent`` (see :meth:`Queue.mark_sent`).
SETTLES_AS_SENT = frozenset({Status.SENDING.value, Status.UNKNOWN.value, Status.PENDING.value, Status.RETRY_WAIT.value})
_POSTS = cast(Table, PostRow.__table__)  # Core statements on the hot path: no ORM unit of work
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


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed post, to be written by :meth:`Queue.record`."""

    post_id: int
    status: Status  # SENT, FAILED, UNKNOWN, RETRY_WAIT, PENDING (reconciliation: not sent) or HELD (no account)
    kind: str  # the event: sent, failed, unknown, retry, not-sent
    reason: str  # ``last_error``; for ``sent``, the event's detail (empty: the remote URL or id)
    at: datetime  # when it was decided (``sent_at`` for a success)
    remote_id: str | None = None
    remote_url: str | None = None
    next_attempt_at: datetime | None = None


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
_BUSY = object()  # another daemon holds the account's budget right now


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


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text


class Queue:
    """Claims and outcomes for one daemon (``daemon_id`` is written on every claim and event)."""

    def __init__(self, store: Store, daemon_id: str, *, clock: Clock = utcnow) -> None:
        self.store = store
        self.daemon_id = daemon_id
        self.clock = clock

    # --- claiming ------------------------------------------------------------------------------

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

    # --- outcomes ------------------------------------------------------------------------------

    def mark_sent(self, post_id: int, *, remote_id: str | None, remote_url: str | None, detail: str = "") -> bool:
        """Record success, whoever holds the lease: proof of publication always wins.

        Also settles a post another daemon had meanwhile marked unknown, or put back in the queue
        (``pending``/``retry_wait``) after its reconciliation wrongly concluded it was not sent —
        recording it as sent there is what prevents the second post.
        """
        return self.record([self.sent(post_id, remote_id=remote_id, remote_url=remote_url, detail=detail)])[0]

    def mark_failed(self, post_id: int, reason: str) -> bool:
        return self.record([self.outcome(post_id, Status.FAILED, "failed", reason)])[0]

    def mark_unknown(self, post_id: int, reason: str) -> bool:
        return self.record([self.outcome(post_id, Status.UNKNOWN, "unknown", reason)])[0]

    def mark_retry(self, post_id: int, reason: str, retry_at: datetime) -> bool:
        return self.record([self.outcome(post_id, Status.RETRY_WAIT, "retry", reason, next_attempt_at=retry_at)])[0]

    def sent(self, post_id: int, *, remote_id: str | None, remote_url: str | None, detail: str = "") -> Outcome:
        """The outcome "published", decided now (see :meth:`mark_sent`)."""
        return Outcome(post_id, Status.SENT, "sent", detail, self.clock(), remote_id=remote_id, remote_url=remote_url)

    def outcome(
        self, post_id: int, to: Status, kind: str, reason: str, *, next_attempt_at: datetime | None = None
    ) -> Outcome:
        """Any other outcome of a send, decided now."""
        return Outcome(post_id, to, kind, reason, self.clock(), next_attempt_at=next_attempt_at)

    def record(self, outcomes: list[Outcome]) -> list[bool]:
        """Write many outcomes in one transaction; for each, whether it was applied.

        ``sent`` applies whoever holds the lease (see :meth:`mark_sent`); any other outcome only
        while the post is still ``sending`` under this daemon's claim — otherwise our lease was
        taken over (we were too slow), the reaper owns the post, and a ``late-result`` note is
        logged instead. Each outcome keeps its own time (``sent_at``, the event's time).
        """
        if not outcomes:
            return []
        posts = _POSTS.c
        ids = sorted({o.post_id for o in outcomes})
        with self.store.write() as session:
            # PostgreSQL: lock the rows, in one order for every daemon (no lock cycles)
            current = {
                row.id: (row.status, row.claimed_by)
                for row in session.execute(
                    select(posts.id, posts.status, posts.claimed_by)
                    .where(posts.id.in_(ids))
                    .order_by(posts.id)
                    .with_for_update()
                )
            }
            applied: list[bool] = []
            changes: list[tuple[tuple[str, ...], list[dict[str, Any]]]] = []  # runs of one shape, in order
            events: list[dict[str, Any]] = []
            for o in outcomes:
                if o.post_id not in current:  # deleted meanwhile (its campaign was removed)
                    applied.append(False)
                    continue
                status, owner = current[o.post_id]
                event: dict[str, Any] = {"post_id": o.post_id, "at": o.at, "daemon": self.daemon_id}
                if o.status is Status.SENT:
                    ok = status in SETTLES_AS_SENT
                    values: dict[str, Any] = {
                        "status": Status.SENT.value,
                        "remote_id": o.remote_id,
                        "remote_url": o.remote_url,
                        "sent_at": o.at,
                        "last_error": None,
                        "lease_until": None,
                        "updated_at": o.at,
                    }
                    if status != Status.SENDING.value:
                        values["claimed_by"] = None
                    late = f"sent as {o.remote_url or o.remote_id} but the post is {status}"
                    detail = o.reason or (o.remote_url or o.remote_id or "")
                else:
                    ok = status == Status.SENDING.value and owner == self.daemon_id
                    values = {"status": o.status.value, "last_error": o.reason, "lease_until": None, "updated_at": o.at}
                    if o.next_attempt_at is not None:
                        values["next_attempt_at"] = o.next_attempt_at
                    if o.status in (Status.PENDING, Status.HELD):
                        values["claimed_by"] = None
                    late = f"{o.kind}: {o.reason}"
                    detail = o.reason
                applied.append(ok)
                if not ok:
                    events.append(
                        {**event, "kind": "late-result", "from_status": status, "to_status": None, "detail": late}
                    )
                    continue
                if not changes or changes[-1][0] != tuple(values):
                    changes.append((tuple(values), []))
                changes[-1][1].append({"row_id": o.post_id, **{f"new_{k}": v for k, v in values.items()}})
                # the row's status now, for a second outcome of the same post in this batch
                current[o.post_id] = (o.status.value, values.get("claimed_by", owner))
                events.append(
                    {**event, "kind": o.kind, "from_status": status, "to_status": o.status.value, "detail": detail}
                )
            for columns, rows in changes:
                session.execute(
                    update(_POSTS)
                    .where(posts.id == bindparam("row_id"))
                    .values({column: bindparam(f"new_{column}") for column in columns}),
                    rows,
                )
            transitions.log_many(session, events)
            return applied

    def reconcile_later(self, post_id: int, reason: str, after: timedelta) -> bool:
        """The outcome of the call was not seen: keep the post ``sending`` and let the lease run out
        in ``after``, so a daemon reconciles it once the network has had time to show the post."""
        now = self.clock()
        with self.store.write() as session:
            result = session.execute(
                update(PostRow)
                .where(
                    PostRow.id == post_id,
                    PostRow.status == Status.SENDING.value,
                    PostRow.claimed_by == self.daemon_id,
                )
                .values(lease_until=now + after, last_error=reason, updated_at=now)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            transitions.log(
                session,
                post_id=post_id,
                at=now,
                kind="outcome-unseen",
                from_status=Status.SENDING.value,
                to_status=Status.SENDING.value,
                daemon=self.daemon_id,
                detail=f"{reason} Reconciling after {format_duration(after)}.",
            )
            return True

    def release(self, post_id: int, reason: str) -> bool:
        """Give back a claim that never reached the network (e.g. on shutdown).

        A first attempt goes back to ``pending``; a retry goes back to ``retry_wait`` (same
        ``next_attempt_at``), so the late policy — which judges only posts never tried — does not
        turn a retry that was interrupted by a restart into ``missed``.
        """
        now = self.clock()
        with self.store.write() as session:
            attempts = session.scalar(
                select(PostRow.attempts).where(
                    PostRow.id == post_id,
                    PostRow.status == Status.SENDING.value,
                    PostRow.claimed_by == self.daemon_id,
                )
            )
            if attempts is None:
                return False
            back = Status.RETRY_WAIT if attempts > 1 else Status.PENDING
            session.execute(
                update(PostRow)
                .where(PostRow.id == post_id)
                .values(
                    status=back.value,
                    claimed_by=None,
                    lease_until=None,
                    attempts=max(attempts - 1, 0),
                    updated_at=now,
                )
            )
            transitions.log(
                session,
                post_id=post_id,
                at=now,
                kind="released",
                from_status=Status.SENDING.value,
                to_status=back.value,
                daemon=self.daemon_id,
                detail=reason,
            )
            return True

    def _set(
        self,
        session: Session,
        post_id: int,
        from_status: str,
        to: Status,
        kind: str,
        reason: str,
        *,
        now: datetime,
    ) -> None:
        session.execute(
            update(PostRow)
            .where(PostRow.id == post_id, PostRow.status == from_status)
            .values(status=to.value, last_error=reason, updated_at=now, claimed_by=None, lease_until=None)
        )
        transitions.log(
            session,
            post_id=post_id,
            at=now,
            kind=kind,
            from_status=from_status,
            to_status=to.value,
            daemon=self.daemon_id,
            detail=reason,
        )

    # --- expired leases ------------------------------------------------------------------------

    def take_expired(self, limit: int, lease: timedelta) -> list[Claimed]:
        """Take over posts whose lease ran out while ``sending`` (their daemon died or hung).

        The taker re-leases them to itself so that only one daemon reconciles each.
        """
        now = self.clock()
        with self.store.write() as session:
            rows = session.execute(
                select(PostRow.id, PostRow.claimed_by)
                .where(PostRow.status == Status.SENDING.value, PostRow.lease_until < now)
                .order_by(PostRow.lease_until)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return []
            ids = [row.id for row in rows]
            session.execute(
                update(PostRow)
                .where(PostRow.id.in_(ids))
                .values(claimed_by=self.daemon_id, lease_until=now + lease, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            for row in rows:
                transitions.log(
                    session,
                    post_id=row.id,
                    at=now,
                    kind="lease-expired",
                    from_status=Status.SENDING.value,
                    to_status=Status.SENDING.value,
                    daemon=self.daemon_id,
                    detail=f"lease of {row.claimed_by} expired; reconciling",
                )
            return self._load(session, ids)

    def requeue(self, post_id: int, reason: str) -> bool:
        """After reconciliation proved the post did not go out: back to pending, now."""
        now = self.clock()
        return self.record([self.outcome(post_id, Status.PENDING, "not-sent", reason, next_attempt_at=now)])[0]

    # --- heartbeats ----------------------------------------------------------------------------

    def heartbeat(self, *, started: bool = False, stopped: bool = False) -> None:
        now = self.clock()
        # A write transaction: on SQLite, a deferred read-then-write fails at once with "database
        # is locked" when another daemon committed in between.
        with self.store.write() as session:
            row = session.get(DaemonRow, self.daemon_id)
            if row is None or started:
                if row is not None:
                    session.execute(delete(DaemonRow).where(DaemonRow.id == self.daemon_id))
                    session.flush()
                session.add(
                    DaemonRow(
                        id=self.daemon_id,
                        hostname=socket.gethostname(),
                        pid=os.getpid(),
                        started_at=now,
                        heartbeat_at=now,
                        stopped_at=now if stopped else None,
                    )
                )
                return
            row.heartbeat_at = now
            if stopped:
                row.stopped_at = now


def settled(store: Store, campaign_names: list[str]) -> bool:
    """True when no post of these campaigns waits or is being sent (used by ``--follow``). A post
    of a paused campaign or account does not count: it waits for ``socialpost resume``, not for
    this daemon."""
    with store.session() as session:
        busy = session.scalar(
            select(func.count())
            .select_from(PostRow)
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(
                CampaignRow.name.in_(campaign_names),
                or_(
                    PostRow.status == Status.SENDING.value,
                    and_(PostRow.status.in_([s.value for s in WAITING]), not_paused()),
                ),
            )
        )
    return not busy
