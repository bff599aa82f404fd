"""The posts the checks look at: waiting to go out, or waiting for the user (read from the store)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialpost.errors import UsageError
from socialpost.store.actions import PostRef
from socialpost.store.db import Store
from socialpost.store.models import display_id
from socialpost.store.waiting import accounts_sent_since, waiting_posts

RECENT_POSTS = timedelta(days=30)  # an account that sent a post this recently "has posts" (caveats)


@dataclass(frozen=True)
class QueuedPost:
    """A post that still needs something: waiting to go out, or waiting for the user."""

    campaign: str
    campaign_file: str
    id: str  # as people see it: teaser, or tip@2027-03-02T10:30
    account: str
    status: str
    when: datetime  # when it is meant to go out (for a retry: the next attempt)
    media: tuple[str, ...]
    reason: str | None
    for_account: bool = False  # held until its account is connected (socialpost.store.connect)
    timezone: str = ""  # its campaign's: its times are shown there (socialpost.localtime)

    @property
    def name(self) -> str:
        return f"{self.campaign}/{self.id}"

    @property
    def ref(self) -> str:
        """The id the post commands take, naming the account so it is never ambiguous."""
        inline = f"{self.name}@{self.account}"
        try:
            if PostRef.parse(inline).account == self.account:
                return shlex.quote(inline)
        except UsageError:
            pass
        return f"{shlex.quote(self.name)} --account {shlex.quote(self.account)}"


WAITING_STATES = ("pending", "retry_wait", "sending")
DECISION_STATES = ("failed", "held", "unknown")  # posts waiting for the user (doctor.decisions)


def load_posts(store: Store) -> tuple[list[QueuedPost], list[str]]:
    """Posts waiting to go out or waiting for a decision, and every scheduled campaign's zone."""
    waiting, zones = waiting_posts(store, [*WAITING_STATES, *DECISION_STATES])
    posts = [
        QueuedPost(
            campaign=post.campaign,
            campaign_file=post.source_file,
            id=display_id(post.row.post_key, post.row.occurrence),
            account=post.row.account,
            status=post.row.status,
            when=post.row.next_attempt_at if post.row.status == "retry_wait" else post.row.due_at,
            media=tuple(
                str(m["file"])
                for m in (post.row.payload or {}).get("media") or ()
                if isinstance(m, dict) and m.get("file")
            ),
            reason=post.row.last_error,
            for_account=post.for_account,
            timezone=post.timezone,
        )
        for post in waiting
    ]
    return posts, zones


def recently_sent(store: Store, now: datetime) -> set[str]:
    """The accounts that sent a post in the last :data:`RECENT_POSTS`."""
    return accounts_sent_since(store, now - RECENT_POSTS)
