"""The comment inbox: replies and comments on the accounts' own posts, and answering them.

"A conversation, not a broadcast." :meth:`Inbox.fetch` asks each account's adapter
(:meth:`socialpost.networks.base.Network.fetch_replies`) for the conversations under its recent sent
posts and stores every reply once per (account, network id). A reply counts as answered when the
account's own reply to it is in the conversation, or once :meth:`Inbox.reply` sent one.
:meth:`Inbox.items` lists unanswered items first, newest first, each with the post it answers.

The daemon runs :class:`socialpost.daemon.inbox_job.InboxJob` every ``inbox.every``; it fetches and
sends a digest of the unanswered items it has not reported yet (to a webhook account, or the log).

Library code: never prints, never exits.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.exc import IntegrityError

from socialpost.errors import AccessTierError, ConfigError, NetworkError, NotFound, PluginError, UsageError
from socialpost.i18n import _, ngettext
from socialpost.inbox_settings import InboxSettings, inbox_settings
from socialpost.localtime import iso_local
from socialpost.networks.base import Network, OutgoingPost, Published, Reply
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, InboxItemRow, PostRow, Status, display_id
from socialpost.text.rules import LengthRule
from socialpost.timeutil import Clock, iso_utc, utcnow

log = logging.getLogger("socialpost.inbox")

DIGEST_LINES = 20  # items spelled out in one digest; the rest are counted
TEXT_PREVIEW = 140


# --- what the inbox holds --------------------------------------------------------------------------


class AdapterSource(Protocol):
    """What the inbox needs of :class:`socialpost.networks.registry.Adapters`."""

    def get(self, account: str) -> Network: ...

    def length_rule(self, account: str) -> LengthRule: ...


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


@dataclass
class AccountFetch:
    account: str
    posts: int = 0  # posts whose conversations were read
    new: int = 0  # replies stored for the first time
    answered: int = 0  # items found answered by the account's own reply
    error: str | None = None  # could not be read this time: something to fix or wait for
    unavailable: str | None = None  # the account's access does not include reading replies

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "posts": self.posts,
            "new": self.new,
            "answered": self.answered,
            "error": self.error,
            "unavailable": self.unavailable,
        }


@dataclass
class FetchResult:
    accounts: list[AccountFetch] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(a.new for a in self.accounts)

    @property
    def errors(self) -> list[AccountFetch]:
        return [a for a in self.accounts if a.error]

    @property
    def unavailable(self) -> list[AccountFetch]:
        return [a for a in self.accounts if a.unavailable]

    def as_json(self) -> dict[str, Any]:
        return {"new": self.new, "accounts": [a.as_json() for a in self.accounts]}


@dataclass(frozen=True)
class ReplyOutcome:
    item: InboxItem  # as it is now (answered)
    published: Published

    def as_json(self) -> dict[str, Any]:
        """``socialpost reply --json`` (documented in docs/inbox.md)."""
        return {
            "item": self.item.as_json(),
            "reply": {"remote_id": self.published.remote_id, "url": self.published.url},
        }


@dataclass(frozen=True)
class Digest:
    items: tuple[InboxItem, ...]  # unanswered, not in an earlier digest, newest first
    unanswered: int  # all unanswered items

    @property
    def text(self) -> str:
        # English keeps "comment(s)" in both forms; other languages get a real plural.
        lines = [
            ngettext(
                "socialpost inbox: {count} new comment(s) waiting for an answer ({unanswered} unanswered in all).",
                "socialpost inbox: {count} new comment(s) waiting for an answer ({unanswered} unanswered in all).",
                len(self.items),
            ).format(count=len(self.items), unanswered=self.unanswered)
        ]
        for item in self.items[:DIGEST_LINES]:
            where = f"{item.campaign}/{item.post}" if item.post else item.post_remote_id
            lines.append(
                _("- #{id} {account} {author} on {where}: {text}").format(
                    id=item.id, account=item.account, author=item.author, where=where, text=_preview(item.text)
                )
            )
        if len(self.items) > DIGEST_LINES:
            lines.append(_("… and {count} more.").format(count=len(self.items) - DIGEST_LINES))
        lines.append(_('Answer with: socialpost reply ID "text"'))
        return "\n".join(lines)

    @property
    def key(self) -> str:
        """Stable for the same set of items: a receiver that dedupes on it gets each digest once."""
        ids = ",".join(str(i.id) for i in sorted(self.items, key=lambda i: i.id))
        return "inbox-" + hashlib.sha256(ids.encode()).hexdigest()[:32]

    def as_json(self) -> dict[str, Any]:
        return {"unanswered": self.unanswered, "items": [i.as_json() for i in self.items]}


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= TEXT_PREVIEW else flat[: TEXT_PREVIEW - 1] + "…"


# --- the inbox -------------------------------------------------------------------------------------


class Inbox:
    def __init__(
        self,
        store: Store,
        adapters: AdapterSource,
        settings: InboxSettings | None = None,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.adapters = adapters
        self.settings = settings or InboxSettings()
        self.clock = clock

    # --- fetching ------------------------------------------------------------------------------

    def targets(self, account: str | None = None) -> dict[str, list[tuple[int, str]]]:
        """Per account, its recent sent posts as (post id, remote id), newest first."""
        since = self.clock() - self.settings.within
        query = (
            select(PostRow.account, PostRow.id, PostRow.remote_id)
            .where(PostRow.status == Status.SENT.value, PostRow.remote_id.is_not(None), PostRow.sent_at >= since)
            .order_by(PostRow.sent_at.desc(), PostRow.id.desc())
        )
        if account:
            query = query.where(PostRow.account == account)
        found: dict[str, list[tuple[int, str]]] = {}
        with self.store.session() as session:
            for acct, post_id, remote_id in session.execute(query):
                posts = found.setdefault(acct, [])
                if len(posts) < self.settings.posts_per_account:
                    posts.append((post_id, str(remote_id)))
        return found

    def fetch(self, *, account: str | None = None, should_stop: Callable[[], bool] | None = None) -> FetchResult:
        """Read the conversations under each account's recent posts and store what is new. One
        account's failure (expired token, rate limit) is reported and does not stop the others."""
        result = FetchResult()
        for acct, posts in sorted(self.targets(account).items()):
            if should_stop is not None and should_stop():
                break
            outcome = AccountFetch(acct, posts=len(posts))
            try:
                adapter = self.adapters.get(acct)
                if type(adapter).fetch_replies is Network.fetch_replies:
                    continue  # this network has no inbox through socialpost
                result.accounts.append(outcome)
                replies = adapter.fetch_replies([remote for _, remote in posts])
            except AccessTierError as exc:
                outcome.unavailable = str(exc)
                log.info("inbox: %s has no replies to read through its access: %s", acct, exc)
                continue
            except (NetworkError, ConfigError, PluginError) as exc:
                if outcome not in result.accounts:
                    result.accounts.append(outcome)
                outcome.error = str(exc)
                log.warning("inbox: %s could not be read: %s", acct, exc)
                continue
            by_remote = {remote: post_id for post_id, remote in posts}
            try:
                outcome.new, outcome.answered = self.store_replies(acct, replies, by_remote)
            except IntegrityError:  # another daemon stored some of them at the same moment
                outcome.new, outcome.answered = self.store_replies(acct, replies, by_remote)
        return result

    def store_replies(
        self, account: str, replies: Sequence[Reply], post_ids: dict[str, int] | None = None
    ) -> tuple[int, int]:
        """Store ``replies`` of ``account`` (new ones only) and mark the items its own replies
        answer. Returns (new items, items newly answered)."""
        post_ids = post_ids or {}
        now = self.clock()
        own = [r for r in replies if r.own]
        others = {r.remote_id: r for r in replies if not r.own and r.remote_id not in post_ids}
        new = answered = 0
        with self.store.write() as session:
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

    # --- reading -------------------------------------------------------------------------------

    def items(
        self,
        *,
        account: str | None = None,
        unanswered: bool = False,
        limit: int | None = None,
    ) -> list[InboxItem]:
        """Unanswered first, newest first (by when it was written; else when it was fetched)."""
        when = case((InboxItemRow.created_at.is_(None), InboxItemRow.fetched_at), else_=InboxItemRow.created_at)
        query = (
            self._select()
            .order_by(InboxItemRow.answered_at.is_not(None), when.desc(), InboxItemRow.id.desc())
            .limit(limit)
        )
        if account:
            query = query.where(InboxItemRow.account == account)
        if unanswered:
            query = query.where(InboxItemRow.answered_at.is_(None))
        with self.store.session() as session:
            return [_item(row) for row in session.execute(query)]

    def counts(self) -> tuple[int, int]:
        """(all items, unanswered items)."""
        from sqlalchemy import func

        with self.store.session() as session:
            total = session.scalar(select(func.count(InboxItemRow.id))) or 0
            waiting = session.scalar(select(func.count(InboxItemRow.id)).where(InboxItemRow.answered_at.is_(None))) or 0
        return int(total), int(waiting)

    def get(self, ref: str) -> InboxItem:
        """An item by its inbox number (``12``) or the network's id for it."""
        ref = ref.strip().removeprefix("#")
        condition = InboxItemRow.remote_id == ref
        if ref.isdigit() and len(ref) <= 18:  # an inbox number (a longer one can only be a network's id)
            condition = or_(InboxItemRow.id == int(ref), condition)
        with self.store.session() as session:
            rows = list(session.execute(self._select().where(condition).order_by(InboxItemRow.id)))
        if not rows:
            raise NotFound(
                _("no inbox item '{ref}'.").format(ref=ref),
                hint=_(
                    "See the numbers with: socialpost inbox (it reads new replies first; --no-fetch lists only "
                    "what is stored)"
                ),
            )
        if len(rows) > 1:
            accounts = ", ".join(sorted({str(r.InboxItemRow.account) for r in rows}))
            raise UsageError(
                _("'{ref}' is ambiguous ({accounts}).").format(ref=ref, accounts=accounts),
                hint=_("Give the inbox number instead."),
            )
        return _item(rows[0])

    @staticmethod
    def _select() -> Any:
        return select(
            InboxItemRow, PostRow.post_key, PostRow.occurrence, PostRow.remote_url, PostRow.payload, CampaignRow.name
        ).select_from(
            InboxItemRow.__table__.outerjoin(PostRow.__table__, PostRow.id == InboxItemRow.post_id).outerjoin(
                CampaignRow.__table__, CampaignRow.id == PostRow.campaign_id
            )
        )

    # --- answering -----------------------------------------------------------------------------

    def check_reply(self, item: InboxItem, text: str) -> None:
        """UsageError (exit 2) when ``text`` cannot go to the item's network: empty or too long."""
        if not text.strip():
            raise UsageError(_("the reply is empty."), hint=_('Write it in quotes: socialpost reply ID "text"'))
        rule = self.adapters.get(item.account).reply_length_rule() or self.adapters.length_rule(item.account)
        for measure in rule.measure(text):
            if measure.over:
                raise UsageError(
                    _("the reply is {value} {unit}; {account} allows {limit}.").format(
                        value=measure.value, unit=_(measure.what), account=item.account, limit=measure.limit
                    ),
                    hint=_("Shorten it by {count}.").format(count=measure.over),
                )

    def reply(self, ref: str, text: str) -> ReplyOutcome:
        """Answer the item ``ref`` through its account's adapter, as a reply to it; then it is answered."""
        item = self.get(ref)
        self.check_reply(item, text)
        published = self.adapters.get(item.account).reply(item.remote_id, text)
        now = self.clock()
        with self.store.write() as session:
            session.execute(
                update(InboxItemRow)
                .where(InboxItemRow.id == item.id)
                .values(answered_at=now, answered_by_remote_id=published.remote_id)
            )
        log.info("inbox: answered #%d on %s (%s)", item.id, item.account, published.url or published.remote_id)
        return ReplyOutcome(self.get(str(item.id)), published)

    # --- digest --------------------------------------------------------------------------------

    def digest(self) -> Digest:
        """Unanswered items no earlier digest included."""
        waiting = self.items(unanswered=True)
        with self.store.session() as session:
            reported = set(
                session.scalars(
                    select(InboxItemRow.id).where(
                        and_(InboxItemRow.answered_at.is_(None), InboxItemRow.digested_at.is_not(None))
                    )
                )
            )
        return Digest(tuple(i for i in waiting if i.id not in reported), len(waiting))

    def send_digest(self, digest: Digest | None = None) -> Digest:
        """Send the digest of new unanswered items to ``inbox.digest_webhook`` (or log it), then
        remember them as reported. Nothing new: nothing is sent."""
        digest = digest or self.digest()
        if not digest.items:
            return digest
        target = self.settings.digest_webhook
        if target:
            now = self.clock()
            post = OutgoingPost(
                key=digest.key,
                campaign="inbox",
                post_id="inbox-digest",
                account=target,
                text=digest.text,
                due_at=now,
            )
            self.adapters.get(target).publish(post)
            log.info("inbox: digest of %d comment(s) sent to %s", len(digest.items), target)
        else:
            log.info("%s", digest.text)
        with self.store.write() as session:
            session.execute(
                update(InboxItemRow)
                .where(InboxItemRow.id.in_([i.id for i in digest.items]))
                .values(digested_at=self.clock())
            )
        return digest


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


__all__ = [
    "AccountFetch",
    "Digest",
    "FetchResult",
    "Inbox",
    "InboxItem",
    "InboxSettings",
    "ReplyOutcome",
    "inbox_settings",
]
