"""Pause and resume a campaign or an account (``socialpost pause`` / ``socialpost resume``).

A pause is a row in ``pauses``. The claim reads the pauses in the same statement that picks due
posts (:func:`not_paused`), so a paused post keeps its place and its time in the queue but no
daemon takes it; recurring posts are still expanded and scheduled as usual. ``pause`` locks the
target's waiting posts while it writes the pause (PostgreSQL: ``FOR UPDATE``; SQLite: the write
lock), so a claim either ran before it (the post is already ``sending`` and finishes) or sees it.

``resume`` first works out what the campaign's late policy makes of every post that came due
meanwhile (:func:`resume_plan`); the command shows it, asks, then :func:`resume` applies what was
shown, in one transaction that also deletes the pause. Who paused and resumed, when and why are
written to each waiting post's events (``paused`` / ``resumed`` notes).

A word with a colon names an account (``network:name``); any other word names a campaign. A
campaign's name cannot contain a colon and an account always has one, so no word is both.
"""

from __future__ import annotations

import difflib
import getpass
import shlex
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from socialpost.errors import NotFound, UsageError
from socialpost.i18n import _
from socialpost.store import actions, transitions
from socialpost.store.db import Store
from socialpost.store.models import WAITING, CampaignRow, PauseRow, PostRow, Status, display_id
from socialpost.timeutil import iso_utc

if TYPE_CHECKING:
    from socialpost.store.sync_plan import Plan

Kind = Literal["campaign", "account"]
SOON = timedelta(hours=24)  # "due soon", for status and doctor
_WAITING = [s.value for s in WAITING]


def not_paused() -> ColumnElement[bool]:
    """True for a post whose campaign and account are not paused.

    Two uncorrelated ``NOT IN`` subqueries: the database reads the (tiny) pauses table once per
    statement, and the claim stays a range scan of ``ix_posts_claim`` (tests/test_claim_plan.py).
    """
    campaigns = select(PauseRow.campaign_id).where(PauseRow.campaign_id.is_not(None))
    accounts = select(PauseRow.account).where(PauseRow.account.is_not(None))
    return and_(PostRow.campaign_id.not_in(campaigns), PostRow.account.not_in(accounts))


def who() -> str:
    """Who is running this command, for the record: ``user@host``."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment nor the password database
        user = "?"
    return f"{user}@{socket.gethostname()}"


# --- naming what to pause ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What ``pause`` / ``resume`` act on: a campaign (its name) or an account (``network:name``)."""

    kind: Kind
    name: str

    @classmethod
    def parse(cls, word: str) -> Target:
        from socialpost.names import ACCOUNT_REF

        text = word.strip()
        if not text:
            raise UsageError(_("say what to pause: a campaign's name, or an account as network:name."))
        if "/" in text:
            raise UsageError(
                _("'{word}' is a post, not a campaign or an account.").format(word=text),
                hint=_(
                    "A pause holds a whole campaign or account. To keep one post from going out, cancel it: "
                    "socialpost cancel {word}"
                ).format(word=shlex.quote(text)),
            )
        if ":" not in text:
            return cls("campaign", text)
        if not ACCOUNT_REF.match(text):
            network, _colon, name = text.partition(":")
            raise UsageError(
                _("'{word}' is not an account.").format(word=text),
                hint=_("Write it as network:name, the network in lower case, like {example}.").format(
                    example=f"{network.lower() or 'mastodon'}:{name or 'cafe'}"
                ),
            )
        return cls("account", text)

    def __str__(self) -> str:
        return self.name

    @property
    def resume_command(self) -> str:
        return f"socialpost resume {shlex.quote(self.name)}"

    def describe(self) -> str:
        """``campaign 'launch'`` / ``account mastodon:cafe``, for messages."""
        if self.kind == "campaign":
            return _("campaign '{name}'").format(name=self.name)
        return _("account {name}").format(name=self.name)


def _scope(row: PauseRow) -> ColumnElement[bool]:
    """The posts a pause holds (whatever their state)."""
    if row.campaign_id is not None:
        return PostRow.campaign_id == row.campaign_id
    return PostRow.account == row.account


def _pause_of(session: Session, target: Target, *, lock: bool = False) -> PauseRow | None:
    if target.kind == "campaign":
        query = select(PauseRow).join(CampaignRow, CampaignRow.id == PauseRow.campaign_id)
        query = query.where(CampaignRow.name == target.name)
    else:
        query = select(PauseRow).where(PauseRow.account == target.name)
    return session.scalar(query.with_for_update(of=PauseRow) if lock else query)


def _check_exists(session: Session, target: Target, known_accounts: Iterable[str]) -> int | None:
    """The campaign's id (None for an account); NotFound when nothing by that name is scheduled."""
    stored = set(session.scalars(select(PostRow.account).distinct()))
    if target.kind == "campaign":
        try:
            return actions._campaign_id(session, target.name)
        except NotFound as exc:
            accounts = sorted(a for a in stored | set(known_accounts) if a.partition(":")[2] == target.name)
            if not accounts:
                raise
            raise NotFound(
                exc.message,
                hint=_("To pause an account, write it as network:name: {accounts}.").format(
                    accounts=", ".join(accounts)
                ),
            ) from None
    if target.name in stored or target.name in set(known_accounts):
        return None
    choices = sorted(stored | set(known_accounts))
    close = difflib.get_close_matches(target.name, choices, n=3)
    if close:
        hint = _("Did you mean {names}?").format(names=", ".join(close))
    elif choices:
        hint = _("Accounts: {names}.").format(names=", ".join(choices))
    else:
        hint = _("No campaign is scheduled yet.")
    raise NotFound(_("no post goes to {account}, and it is not in your config.").format(account=target.name), hint=hint)


# --- what a pause holds -----------------------------------------------------------------------


@dataclass(frozen=True)
class PauseInfo:
    """One pause as people see it, with what it holds back right now."""

    target: Target
    since: datetime
    by: str
    reason: str | None
    zone: str | None  # the campaign's time zone (None for an account: the machine's)
    waiting: int = 0  # posts waiting to go out that it keeps in the queue
    overdue: int = 0  # of them, already due
    due_soon: int = 0  # of them, due within SOON (overdue ones included)
    first: str | None = None  # the first waiting post, CAMPAIGN/ID to ACCOUNT
    first_due: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.target.kind,
            "target": self.target.name,
            "since": iso_utc(self.since),
            "by": self.by,
            "reason": self.reason,
            "waiting": self.waiting,
            "overdue": self.overdue,
            "due_soon": self.due_soon,
            "next_due": iso_utc(self.first_due) if self.first_due is not None else None,
            "resume": self.target.resume_command,
        }


def _info(session: Session, row: PauseRow, now: datetime, *, campaign_id: int | None = None) -> PauseInfo:
    """``row`` with its counts (only the posts of ``campaign_id`` when given)."""
    if row.campaign_id is not None:
        name, zone = session.execute(
            select(CampaignRow.name, CampaignRow.timezone).where(CampaignRow.id == row.campaign_id)
        ).one()
        target = Target("campaign", name)
    else:
        target, zone = Target("account", str(row.account)), None
    scope = [_scope(row), PostRow.status.in_(_WAITING)]
    if campaign_id is not None:
        scope.append(PostRow.campaign_id == campaign_id)
    waiting, overdue, soon = session.execute(
        select(
            func.count(),
            func.count().filter(PostRow.next_attempt_at <= now),
            func.count().filter(PostRow.next_attempt_at <= now + SOON),
        ).where(*scope)
    ).one()
    first = session.execute(
        select(CampaignRow.name, PostRow.post_key, PostRow.occurrence, PostRow.account, PostRow.next_attempt_at)
        .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
        .where(*scope)
        .order_by(PostRow.next_attempt_at, PostRow.id)
        .limit(1)
    ).first()
    return PauseInfo(
        target=target,
        since=row.paused_at,
        by=row.paused_by,
        reason=row.reason,
        zone=zone,
        waiting=waiting,
        overdue=overdue,
        due_soon=soon,
        first=(
            _("{post} to {account}").format(post=f"{first[0]}/{display_id(first[1], first[2])}", account=first[3])
            if first is not None
            else None
        ),
        first_due=first[4] if first is not None else None,
    )


def listing(store: Store, *, now: datetime, campaign: str | None = None) -> list[PauseInfo]:
    """Every pause, oldest first; with ``campaign``, those that hold back posts of that campaign
    (its own pause, and paused accounts it posts to), counting only its posts."""
    with store.session() as session:
        campaign_id = None
        if campaign is not None:
            campaign_id = session.scalar(select(CampaignRow.id).where(CampaignRow.name == campaign))
            if campaign_id is None:
                return []
        found = []
        for row in session.scalars(select(PauseRow).order_by(PauseRow.paused_at, PauseRow.id)):
            info = _info(session, row, now, campaign_id=campaign_id)
            if campaign_id is None or row.campaign_id == campaign_id or info.waiting:
                found.append(info)
        return found


# --- pause ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paused:
    """What ``pause`` did: the pause (new, or the one already there) and the posts already on their way."""

    pause: PauseInfo
    created: bool
    sending: int  # claimed by a daemon before the pause: they go out

    def as_json(self) -> dict[str, Any]:
        return {"paused": self.pause.as_json(), "created": self.created, "sending": self.sending}


def pause(
    store: Store,
    target: Target,
    *,
    reason: str | None,
    by: str,
    now: datetime,
    known_accounts: Iterable[str] = (),
) -> Paused:
    """Pause ``target``; pausing what is already paused changes nothing (the first pause stays)."""
    known = list(known_accounts)
    try:
        return _pause(store, target, reason=reason, by=by, now=now, known_accounts=known)
    except IntegrityError:  # another `pause` of the same target won the race: report that one
        return _pause(store, target, reason=reason, by=by, now=now, known_accounts=known)


def _pause(
    store: Store, target: Target, *, reason: str | None, by: str, now: datetime, known_accounts: Sequence[str]
) -> Paused:
    with store.write() as session:
        campaign_id = _check_exists(session, target, known_accounts)
        scope = PostRow.campaign_id == campaign_id if campaign_id is not None else PostRow.account == target.name
        # Lock the waiting posts first: a claim that already holds some finishes before we go on
        # (they are then `sending`, counted below); a claim after our commit sees the pause.
        waiting = session.execute(
            select(PostRow.id, PostRow.status)
            .where(scope, PostRow.status.in_(_WAITING))
            .order_by(PostRow.id)
            .with_for_update()
        ).all()
        row = _pause_of(session, target)
        created = row is None
        if row is None:
            reason = (reason or "").strip() or None
            row = PauseRow(
                campaign_id=campaign_id,
                account=target.name if campaign_id is None else None,
                reason=reason,
                paused_by=by,
                paused_at=now,
            )
            session.add(row)
            session.flush()
            detail = f"{actions.BY_USER} {by}: paused {target.kind} {target.name}" + (f" ({reason})" if reason else "")
            transitions.log_many(
                session,
                [
                    {"post_id": post_id, "at": now, "kind": "paused", "from_status": status, "detail": detail}
                    for post_id, status in waiting
                ],
            )
        sending = session.scalar(
            select(func.count()).select_from(PostRow).where(scope, PostRow.status == Status.SENDING.value)
        )
        return Paused(_info(session, row, now), created, int(sending or 0))


# --- plans ------------------------------------------------------------------------------------


def annotate(session: Session, plan: Plan) -> None:
    """Name, on each item of ``plan`` that will wait in the queue, the pauses that hold it."""
    rows = session.execute(
        select(PauseRow, CampaignRow.name).outerjoin(CampaignRow, CampaignRow.id == PauseRow.campaign_id)
    ).all()
    if not rows:
        return
    campaigns = {name: row for row, name in rows if name is not None}
    accounts = {row.account: row for row, _name in rows if row.account is not None}
    for item in plan.items:
        if item.state not in _WAITING:
            continue
        held = [
            ("campaign", item.campaign, campaigns.get(item.campaign)),
            ("account", item.account, accounts.get(item.account)),
        ]
        item.paused_by = [
            {"kind": kind, "target": name, "since": iso_utc(row.paused_at), "reason": row.reason}
            for kind, name, row in held
            if row is not None
        ]
