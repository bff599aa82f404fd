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
from typing import Any, Protocol

from socialpost.errors import (
    AccessTierError,
    ConfigError,
    NetworkError,
    NotFound,
    PermanentError,
    PluginError,
    UsageError,
)
from socialpost.i18n import _, ngettext
from socialpost.networks.base import Network, OutgoingPost, Published, Reply
from socialpost.networks.capabilities import InboxReader, Replier
from socialpost.settings.inbox import InboxSettings, inbox_settings
from socialpost.store import inbox as stored
from socialpost.store.db import Store
from socialpost.store.inbox import InboxItem
from socialpost.text.rules import LengthRule
from socialpost.timeutil import Clock, utcnow

log = logging.getLogger("socialpost.inbox")

DIGEST_LINES = 20  # items spelled out in one digest; the rest are counted
TEXT_PREVIEW = 140


# --- what the inbox holds --------------------------------------------------------------------------


class AdapterSource(Protocol):
    """What the inbox needs of :class:`socialpost.wiring.Adapters`."""

    def get(self, account: str) -> Network: ...

    def length_rule(self, account: str) -> LengthRule: ...


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
        return stored.recent_sent(self.store, since=since, account=account, per_account=self.settings.posts_per_account)

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
                if not isinstance(adapter, InboxReader):
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
            outcome.new, outcome.answered = self.store_replies(acct, replies, by_remote)
        return result

    def store_replies(
        self, account: str, replies: Sequence[Reply], post_ids: dict[str, int] | None = None
    ) -> tuple[int, int]:
        """Store ``replies`` of ``account`` (new ones only) and mark the items its own replies
        answer. Returns (new items, items newly answered). Another daemon storing some of them at the
        same moment is taken in its stride (see :func:`socialpost.store.inbox.save_replies`)."""
        return stored.save_replies(self.store, account, replies, post_ids or {}, now=self.clock())

    # --- reading -------------------------------------------------------------------------------

    def items(
        self,
        *,
        account: str | None = None,
        unanswered: bool = False,
        limit: int | None = None,
    ) -> list[InboxItem]:
        """Unanswered first, newest first (by when it was written; else when it was fetched)."""
        return stored.items(self.store, account=account, unanswered=unanswered, limit=limit)

    def counts(self) -> tuple[int, int]:
        """(all items, unanswered items)."""
        return stored.counts(self.store)

    def get(self, ref: str) -> InboxItem:
        """An item by its inbox number (``12``) or the network's id for it."""
        ref = ref.strip().removeprefix("#")
        rows = stored.matching(self.store, ref)
        if not rows:
            raise NotFound(
                _("no inbox item '{ref}'.").format(ref=ref),
                hint=_(
                    "See the numbers with: socialpost inbox (it reads new replies first; --no-fetch lists only "
                    "what is stored)"
                ),
            )
        if len(rows) > 1:
            accounts = ", ".join(sorted({r.account for r in rows}))
            raise UsageError(
                _("'{ref}' is ambiguous ({accounts}).").format(ref=ref, accounts=accounts),
                hint=_("Give the inbox number instead."),
            )
        return rows[0]

    # --- answering -----------------------------------------------------------------------------

    def check_reply(self, item: InboxItem, text: str) -> None:
        """UsageError (exit 2) when ``text`` cannot go to the item's network: empty or too long."""
        if not text.strip():
            raise UsageError(_("the reply is empty."), hint=_('Write it in quotes: socialpost reply ID "text"'))
        adapter = self.adapters.get(item.account)
        rule = adapter.profile.reply_length or self.adapters.length_rule(item.account)
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
        adapter = self.adapters.get(item.account)
        if not isinstance(adapter, Replier):
            raise PermanentError(
                _("{network} ({account}): socialpost cannot answer replies on this network yet.").format(
                    network=_(adapter.title), account=item.account
                ),
                hint=_("Answer it in the network's own app."),
            )
        published = adapter.reply(item.remote_id, text)
        now = self.clock()
        stored.mark_answered(self.store, item.id, published.remote_id, at=now)
        log.info("inbox: answered #%d on %s (%s)", item.id, item.account, published.url or published.remote_id)
        return ReplyOutcome(self.get(str(item.id)), published)

    # --- digest --------------------------------------------------------------------------------

    def digest(self) -> Digest:
        """Unanswered items no earlier digest included."""
        waiting = self.items(unanswered=True)
        reported = stored.digested_unanswered(self.store)
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
        stored.mark_digested(self.store, [i.id for i in digest.items], at=self.clock())
        return digest


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
