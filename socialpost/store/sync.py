"""Compare what a campaign file asks for with what the store holds, and apply the difference.

Rules (README, "Re-running is safe"):

* a row not in the store is created (``create``);
* a waiting row whose time or content changed is updated (``update``); a failed, missed or held
  row that comes back changed, or a row removed from the file that is back in it, is queued again;
* a row the file no longer has is cancelled if it has not gone out and is not in doubt
  (``cancel``, ``cancelled_by`` = "file");
* a row the user cancelled (``socialpost cancel``: ``cancelled_by`` = "user") stays cancelled
  whatever the file says, until ``socialpost restore``; an edit of it is stored (so ``restore``
  queues the new version) and a warning says it stays cancelled;
* a row that is sending, sent or unknown is never touched: if the file changed it, a warning says
  it will not be re-sent;
* a row for an account that is not connected yet is queued ``held`` (``hold``), and goes back to
  ``pending`` once the account is connected (see socialpost.store.connect);
* a new one-off post whose time has passed is an error (with ``allow_past``, a warning): the one
  place that judges it, for `validate`, `plan` and `schedule` alike;
* a campaign another file scheduled, and that file is still there, is refused unless ``replace``:
  two files sharing a ``campaign:`` name would otherwise cancel each other's posts;
* a queued post (no ``at``, no ``every``) is first placed in a slot of its account's queue
  (socialpost.store.slot_assign: it keeps the slot it has; a new one takes the next free slot), under
  a lock per account so that campaigns sharing an account never take one slot twice.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence, Set
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from socialpost.errors import CampaignError, Problem, StoreError
from socialpost.i18n import _, formats, ngettext
from socialpost.slots import no_free_slot_message
from socialpost.store import pauses, slot_assign
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow
from socialpost.store.planned import CampaignSource, PlannedRow
from socialpost.store.sync_apply import apply_plan
from socialpost.store.sync_plan import Plan, plan_campaign


def taken_from(session: Session, loaded: CampaignSource, plan: Plan) -> Problem | None:
    """The error for a file that names a campaign another file scheduled, if that file still exists.

    Without it, copying a campaign file and keeping its ``campaign:`` name silently cancels every
    post of the original. The stored ``source_file`` is the path as given to `schedule` (often
    relative to the folder it ran in), so it is resolved from the current folder; when no file is
    there any more, the campaign was moved or renamed, and this file takes it over as before.
    """
    name = loaded.model.campaign
    stored = session.scalar(select(CampaignRow.source_file).where(CampaignRow.name == name))
    if stored is None or not Path(stored).is_file() or _same_file(Path(stored), Path(loaded.path)):
        return None
    count = plan.count("cancel")
    if count:
        message = ngettext(
            "campaign '{name}' is already scheduled from {other}; scheduling this file would cancel "
            "{count} of its posts. Fix: give this file its own campaign: name, or, if it really replaces "
            "{other}, pass --replace.",
            "campaign '{name}' is already scheduled from {other}; scheduling this file would cancel "
            "{count} of its posts. Fix: give this file its own campaign: name, or, if it really replaces "
            "{other}, pass --replace.",
            count,
        ).format(name=name, other=stored, count=formats.integer(count))
    else:
        message = _(
            "campaign '{name}' is already scheduled from {other}. Fix: give this file its own campaign: "
            "name, or, if it really replaces {other}, pass --replace."
        ).format(name=name, other=stored)
    return loaded.document.problem(("campaign",), message)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (relative or absolute, through links)."""
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return False


Review = Callable[[list[Plan]], list[Problem]]


def schedule(
    store: Store,
    campaigns: Sequence[tuple[CampaignSource, Sequence[PlannedRow]]],
    *,
    now: datetime,
    allow_past: bool = False,
    dry_run: bool = False,
    replace: bool = False,
    unconnected: Set[str] = frozenset(),
    review: Review | None = None,
) -> list[Plan]:
    """Plan and (unless ``dry_run``) apply every campaign in one write transaction, so a racing
    daemon is safe and a past time in the second file stops the first one too (every error of
    every campaign in one CampaignError, and nothing written).

    ``replace`` lets a file take over a campaign that another, still existing file scheduled
    (see ``taken_from``); without it that is an error. ``review`` (socialpost.scheduling) sees the
    plans before anything is written and returns every error that must stop it (the plans' own
    errors included); without it, the plans' errors stop it.

    Two runs of `schedule` on one campaign take turns (:func:`_lock_campaigns`), so the second
    plans against what the first wrote and finds it unchanged. Should one still lose a race on
    the unique keys (a writer that does not take the lock, such as an older socialpost), it plans
    again against the winner's rows and applies once more."""
    attempt = functools.partial(
        _plan_and_apply,
        store,
        campaigns,
        now=now,
        allow_past=allow_past,
        dry_run=dry_run,
        replace=replace,
        unconnected=unconnected,
        review=review,
    )
    try:
        return attempt()
    except IntegrityError as exc:
        if dry_run or not _lost_race(exc):
            raise
    try:
        return attempt()
    except IntegrityError as exc:
        if not _lost_race(exc):
            raise
        names = ", ".join(sorted({loaded.model.campaign for loaded, _rows in campaigns}))
        raise StoreError(
            _(
                "campaign {names} was changed by another program at the same time, twice in a row; nothing was written."
            ).format(names=names),
            hint=_("Run the same socialpost schedule command again: it writes only what is still missing."),
        ) from None


def plan_all(
    session: Session | None,
    campaigns: Sequence[tuple[CampaignSource, Sequence[PlannedRow]]],
    *,
    now: datetime,
    allow_past: bool = False,
    replace: bool = False,
    unconnected: Set[str] = frozenset(),
) -> list[Plan]:
    """Each campaign's plan against the queue (none: an empty one), with its errors in
    ``Plan.errors`` — a new post in the past, a campaign another file scheduled, a queue with no
    free slot — raising nothing. Queued posts are placed in their slots first
    (socialpost.store.slot_assign)."""
    placed, full = slot_assign.place(session, campaigns, now=now)
    plans = []
    for loaded, rows in placed:
        plan = plan_campaign(session, loaded, rows, now=now, allow_past=allow_past, unconnected=unconnected)
        if loaded.model.campaign in full:
            plan.errors.append(loaded.document.problem(("queue",), no_free_slot_message()))
        if session is not None and not replace and "campaign" not in loaded.unsure:
            clash = taken_from(session, loaded, plan)
            if clash is not None:
                plan.errors.append(clash)
        if session is not None:
            pauses.annotate(session, plan)
        plans.append(plan)
    return plans


def _plan_and_apply(
    store: Store,
    campaigns: Sequence[tuple[CampaignSource, Sequence[PlannedRow]]],
    *,
    now: datetime,
    allow_past: bool,
    dry_run: bool,
    replace: bool,
    unconnected: Set[str],
    review: Review | None,
) -> list[Plan]:
    """One attempt of :func:`schedule`, in one transaction."""
    with store.session() if dry_run else store.write() as session:
        if not dry_run:
            _lock_campaigns(session, [loaded.model.campaign for loaded, _rows in campaigns])
            _lock_queues(session, slot_assign.accounts_of(campaigns))
        plans = plan_all(session, campaigns, now=now, allow_past=allow_past, replace=replace, unconnected=unconnected)
        problems = [problem for plan in plans for problem in plan.errors] if review is None else review(plans)
        if problems:
            raise CampaignError(sorted(problems, key=lambda p: (p.file, p.line, p.column)))  # rolls it all back
        if not dry_run:
            for (loaded, _rows), plan in zip(campaigns, plans, strict=True):
                apply_plan(session, loaded, plan, now=now)
    return plans


# pg_advisory_xact_lock(namespace, key): the two-integer form, so these locks can never be taken
# for the one-integer lock that guards migrations (store/db.py) or another program's locks.
_PG_CAMPAIGN_LOCKS = 0x53_43_48_44  # "SCHD"


def campaign_lock_key(name: str) -> int:
    """A stable signed 32-bit key for a campaign name (the same in every process and version; two
    names that share a key only take turns for nothing)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock_campaigns(session: Session, names: Sequence[str]) -> None:
    """Make concurrent `schedule` runs of one campaign take turns, before anything is read.

    PostgreSQL: a transaction-scoped advisory lock per campaign, taken in name order (two runs
    with the same campaigns in another order cannot deadlock) and released at commit or rollback.
    Under READ COMMITTED every later statement sees what the previous holder committed, so the
    second run plans against the first's rows. SQLite needs nothing here: ``Store.write`` begins
    with BEGIN IMMEDIATE, which takes the database's only write lock before the first read.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted(set(names)):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
            {"namespace": _PG_CAMPAIGN_LOCKS, "key": campaign_lock_key(name)},
        )


# the accounts' queues: another namespace, taken after every campaign lock (one order: no deadlock)
_PG_QUEUE_LOCKS = 0x51_55_45_55  # "QUEU"


def _lock_queues(session: Session, accounts: Sequence[str]) -> None:
    """Make concurrent `schedule` runs that fill (or occupy) one account's slots take turns, so two
    campaigns sharing an account never take one slot twice (socialpost.store.slot_assign).

    PostgreSQL: a transaction-scoped advisory lock per account, in name order, after the campaign
    locks. SQLite: the write transaction already runs alone (see :func:`_lock_campaigns`)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for account in sorted(set(accounts)):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
            {"namespace": _PG_QUEUE_LOCKS, "key": campaign_lock_key(account)},
        )


def _lost_race(exc: IntegrityError) -> bool:
    """Whether an IntegrityError is a unique key another writer took first (worth planning again),
    not a bug such as a foreign key or NOT NULL violation."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation (psycopg)
        return True
    return "UNIQUE constraint failed" in str(orig)  # SQLite
