"""What the user does to posts by hand: ``resolve``, ``retry`` and ``cancel`` (``restore``:
socialpost.store.restore).

A post is named ``CAMPAIGN/POST-ID``, optionally followed by ``@OCCURRENCE`` (a recurring post's
local time, as ``status`` shows it) and ``@NETWORK:NAME`` (the account) when several rows match.
Every change is conditional on the state the user saw, and writes an event "by the user".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from socialpost.errors import NotFound, UsageError
from socialpost.i18n import N_, _, ngettext
from socialpost.store import transitions
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, PostRow, Status, display_id

BY_USER = "by the user"
RETRYABLE = (Status.FAILED, Status.MISSED, Status.HELD)
CANCELLABLE = (Status.PENDING, Status.RETRY_WAIT, Status.HELD)
_ACCOUNT = re.compile(r"^[a-z][a-z0-9_-]*:[A-Za-z0-9][A-Za-z0-9_.-]*$")
# what _require says when a post is in the wrong state, per verb (translated where shown)
_ONLY = {
    "resolved": N_("{post} is {status}; only {states} posts can be resolved."),
    "retried": N_("{post} is {status}; only {states} posts can be retried."),
    "cancelled": N_("{post} is {status}; only {states} posts can be cancelled."),
}


@dataclass(frozen=True)
class PostRef:
    """``launch/teaser``, ``launch/tip@2027-03-02T10:30``, ``launch/teaser@webhook:team``."""

    campaign: str
    post_key: str
    occurrence: str | None = None
    account: str | None = None

    @classmethod
    def parse(cls, text: str, *, account: str | None = None) -> PostRef:
        campaign, slash, rest = text.strip().partition("/")
        if not slash or not campaign or not rest:
            raise UsageError(
                _("'{text}' is not a post id.").format(text=text),
                hint=_("Write it as CAMPAIGN/POST-ID, e.g. spring-launch/teaser (`socialpost status` lists them)."),
            )
        post_key, *parts = rest.split("@")
        occurrence = None
        for part in parts:
            if _ACCOUNT.match(part):
                account = _same_account(account, part)
            elif part and occurrence is None:
                occurrence = part
            else:
                raise UsageError(
                    _("'{text}': cannot tell what '@{part}' is.").format(text=text, part=part),
                    hint=_("Use @NETWORK:NAME for an account."),
                )
        return cls(campaign, post_key, occurrence, account)

    def __str__(self) -> str:
        occurrence = f"@{self.occurrence}" if self.occurrence else ""
        account = f"@{self.account}" if self.account else ""
        return f"{self.campaign}/{self.post_key}{occurrence}{account}"


def _same_account(option: str | None, inline: str) -> str:
    if option is not None and option != inline:
        raise UsageError(_("two different accounts given: {first} and {second}.").format(first=option, second=inline))
    return inline


@dataclass(frozen=True)
class Selection:
    """Which posts a bulk command acts on: one post, one campaign, or all."""

    ref: PostRef | None = None
    campaign: str | None = None
    everything: bool = False

    def __post_init__(self) -> None:
        given = sum((self.ref is not None, self.campaign is not None, self.everything))
        if given != 1:
            raise UsageError(_("say which posts, one way only: an ID, or --campaign NAME (retry also takes --all)."))


@dataclass(frozen=True)
class Change:
    """One post the user moved."""

    campaign: str
    id: str  # as people see it: teaser, or tip@2027-03-02T10:30
    account: str
    from_status: str
    to_status: str
    url: str | None = None

    @property
    def name(self) -> str:
        return f"{self.campaign}/{self.id}"

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "id": self.id,
            "account": self.account,
            "network": self.account.split(":", 1)[0],
            "from": self.from_status,
            "to": self.to_status,
            "url": self.url,
        }


# --- finding posts ----------------------------------------------------------------------------


def find(store: Store, ref: PostRef) -> Change:
    """The one post ``ref`` names, as it is now (``from_status`` = ``to_status`` = its state)."""
    with store.session() as session:
        row, campaign = _one(session, ref)
        return _change(row, campaign, row.status)


def matching(store: Store, ref: PostRef) -> tuple[list[PostRow], str]:
    """Every row ``ref`` names (all accounts and occurrences it leaves open), in time and account
    order, with the campaign's time zone; NotFound, saying what there is, when none."""
    with store.session() as session:
        rows = _matching(session, ref)
        timezone = session.scalar(select(CampaignRow.timezone).where(CampaignRow.name == ref.campaign))
        return rows, timezone or "UTC"


class Kept(NamedTuple):
    """What the queue keeps of a post that `show` and `plan --full` print."""

    payload: dict[str, Any]
    due_at: datetime
    url: str | None
    reason: str | None


def kept_rows(store: Store, ids: Sequence[int], *, chunk: int = 500) -> dict[int, Kept]:
    """The payload, time, link and last error of the rows ``ids``."""
    found: dict[int, Kept] = {}
    with store.session() as session:
        for start in range(0, len(ids), chunk):
            query = select(PostRow.id, PostRow.payload, PostRow.due_at, PostRow.remote_url, PostRow.last_error)
            for row_id, *kept in session.execute(query.where(PostRow.id.in_(ids[start : start + chunk]))):
                found[row_id] = Kept(*kept)
    return found


def _one(session: Session, ref: PostRef) -> tuple[PostRow, str]:
    matches = _matching(session, ref)
    if len(matches) > 1:
        raise UsageError(
            ngettext(
                "'{post}' matches {count} post: {posts}.", "'{post}' matches {count} posts: {posts}.", len(matches)
            ).format(post=ref, count=len(matches), posts=_listing(matches, ref.campaign)),
            hint=_("Name one by adding @ACCOUNT (or --account), as listed."),
        )
    return matches[0], ref.campaign


def _matching(session: Session, ref: PostRef) -> list[PostRow]:
    campaign_id = _campaign_id(session, ref.campaign)
    query = select(PostRow).where(PostRow.campaign_id == campaign_id, PostRow.post_key == ref.post_key)
    rows = list(session.scalars(query.order_by(PostRow.due_at, PostRow.account)))
    matches = [
        r
        for r in rows
        if (ref.occurrence is None or r.occurrence == ref.occurrence)
        and (ref.account is None or r.account == ref.account)
    ]
    if not matches:
        close = [] if rows else _close_keys(session, campaign_id, ref)
        if rows:
            message = _("no post '{post}' in campaign '{campaign}'. It has: {posts}.")
        elif close:
            message = _("no post '{post}' in campaign '{campaign}'. Did you mean {posts}?")
        else:
            message = _("no post '{post}' in campaign '{campaign}'.")
        posts = _listing(rows, ref.campaign) if rows else ", ".join(f"{ref.campaign}/{k}" for k in close)
        raise NotFound(
            message.format(post=ref, campaign=ref.campaign, posts=posts),
            hint=_("`socialpost status` lists posts; `socialpost report --campaign NAME` lists them all."),
        )
    return matches


def _close_keys(session: Session, campaign_id: int, ref: PostRef) -> list[str]:
    keys = list(session.scalars(select(PostRow.post_key).where(PostRow.campaign_id == campaign_id).distinct()))
    return difflib.get_close_matches(ref.post_key, keys, n=3)


def _listing(rows: Iterable[PostRow], campaign: str) -> str:
    return ", ".join(f"{campaign}/{display_id(r.post_key, r.occurrence)}@{r.account} ({r.status})" for r in rows)


def _campaign_id(session: Session, name: str) -> int:
    campaign_id = session.scalar(select(CampaignRow.id).where(CampaignRow.name == name))
    if campaign_id is None:
        names = list(session.scalars(select(CampaignRow.name).order_by(CampaignRow.name)))
        if names:
            message = _("no campaign named '{name}'. Campaigns: {names}.")
        else:
            message = _("no campaign named '{name}'. No campaign is scheduled yet.")
        raise NotFound(message.format(name=name, names=", ".join(names)))
    return campaign_id


def _change(row: PostRow, campaign: str, to_status: str, url: str | None = None) -> Change:
    return Change(campaign, display_id(row.post_key, row.occurrence), row.account, row.status, to_status, url)


# --- resolve ----------------------------------------------------------------------------------


def resolve_sent(store: Store, ref: PostRef, url: str, *, now: datetime) -> Change:
    """An ``unknown`` post did go out, at ``url``: record it as sent (it is never sent again)."""
    if "://" not in url or any(c.isspace() for c in url):
        raise UsageError(
            _("'{url}' is not a URL.").format(url=url),
            hint=_("Give the post's address, like https://social.example/@me/1."),
        )
    with store.write() as session:
        row, campaign = _one(session, ref)
        _require(row, campaign, (Status.UNKNOWN,), "resolved")
        values = {"remote_url": url, "sent_at": now, "last_error": None, "claimed_by": None, "lease_until": None}
        _move(session, row, Status.SENT, "resolved", f"{BY_USER}: it went out at {url}", now, values)
        return _change(row, campaign, Status.SENT.value, url)


def resolve_not_sent(store: Store, ref: PostRef, *, now: datetime) -> Change:
    """An ``unknown`` post did not go out: queue it to be sent again now."""
    with store.write() as session:
        row, campaign = _one(session, ref)
        _require(row, campaign, (Status.UNKNOWN,), "resolved")
        _move(
            session, row, Status.PENDING, "resolved", f"{BY_USER}: it did not go out; send it again", now, _again(now)
        )
        return _change(row, campaign, Status.PENDING.value)


# --- retry and cancel -------------------------------------------------------------------------


def retry(store: Store, selection: Selection, *, now: datetime) -> list[Change]:
    """Failed, missed and held posts go back to the queue, due now, with their attempts reset."""
    return _bulk(store, selection, RETRYABLE, Status.PENDING, "retry", "retried", _again(now), now)


def cancel(store: Store, selection: Selection, *, now: datetime) -> list[Change]:
    """Posts that have not gone out (pending, waiting to retry, held) are cancelled, and stay
    cancelled when their file is scheduled again (``cancelled_by`` = "user") until
    :func:`socialpost.store.restore.restore`."""
    values: dict[str, Any] = {"claimed_by": None, "lease_until": None, "cancelled_by": "user"}
    return _bulk(store, selection, CANCELLABLE, Status.CANCELLED, "cancel", "cancelled", values, now)


def _again(now: datetime) -> dict[str, Any]:
    return {"attempts": 0, "next_attempt_at": now, "last_error": None, "claimed_by": None, "lease_until": None}


def _bulk(
    store: Store,
    selection: Selection,
    allowed: tuple[Status, ...],
    to: Status,
    kind: str,
    verb: str,
    values: dict[str, Any],
    now: datetime,
) -> list[Change]:
    with store.write() as session:
        if selection.ref is not None:
            row, campaign = _one(session, selection.ref)
            _require(row, campaign, allowed, verb)
            _move(session, row, to, kind, BY_USER, now, values)
            return [_change(row, campaign, to.value)]
        query = (
            select(PostRow, CampaignRow.name)
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(PostRow.status.in_([s.value for s in allowed]))
            .order_by(CampaignRow.name, PostRow.due_at, PostRow.id)
        )
        if selection.campaign is not None:
            query = query.where(PostRow.campaign_id == _campaign_id(session, selection.campaign))
        changes = []
        for row, campaign in session.execute(query).all():
            if _move(session, row, to, kind, BY_USER, now, values, strict=False):
                changes.append(_change(row, campaign, to.value))
        return changes


def _require(row: PostRow, campaign: str, allowed: tuple[Status, ...], verb: str) -> None:
    if Status(row.status) in allowed:
        return
    names = [s.value for s in allowed]
    states = names[0] if len(names) == 1 else _("{items} or {last}").format(items=", ".join(names[:-1]), last=names[-1])
    post = f"{campaign}/{display_id(row.post_key, row.occurrence)}@{row.account}"
    raise UsageError(_(_ONLY[verb]).format(post=post, status=row.status, states=states))


def _move(
    session: Session,
    row: PostRow,
    to: Status,
    kind: str,
    detail: str,
    now: datetime,
    values: dict[str, Any],
    *,
    strict: bool = True,
) -> bool:
    """Move ``row`` to ``to`` if it is still in the state we read (a daemon may have taken it)."""
    result = session.execute(
        update(PostRow)
        .where(PostRow.id == row.id, PostRow.status == row.status)
        .values(status=to.value, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if strict:
            raise UsageError(
                _("the post changed while we looked at it (it was {status}); run the command again.").format(
                    status=row.status
                )
            )
        return False
    transitions.log(
        session, post_id=row.id, at=now, kind=kind, from_status=row.status, to_status=to.value, detail=detail
    )
    return True
