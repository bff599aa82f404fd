"""The notifier: find the events worth telling, record each once per channel, send what is due.

One :meth:`Notifier.run` pass (the daemon's ``notify`` job, or ``socialpost notify check`` from a
timer):

1. **find** — posts that moved to failed, held, unknown or missed (the event log, read by id);
   accounts whose token expires within ``token_within``; no daemon alive for
   ``daemon_down_after`` while posts are due; the daily digest once ``digest_at`` has passed;
2. **record** — one ``notifications`` row per event and channel, inserted only if absent (the
   event's key is unique), so several daemons tell each event once;
3. **deliver** — claim the rows whose time has come and send them; a channel that fails is tried
   again after ``retry_base``, doubling, up to ``max_attempts``. Nothing here touches a post.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from socialpost.errors import NotificationFailed, SocialpostError
from socialpost.networks.capabilities import HealthCheck
from socialpost.notify.channels import Channels
from socialpost.notify.messages import POST_STATES, render, render_group
from socialpost.settings.config import Settings
from socialpost.store import notifications as stored
from socialpost.store.db import Store
from socialpost.store.models import display_id
from socialpost.timeutil import Clock, utcnow
from socialpost.wiring import Adapters

log = logging.getLogger("socialpost.notify")

LOOKBACK = timedelta(hours=24)  # events older than this when a notifier starts are not told
SETTLE = timedelta(minutes=2)  # event ids re-read for this long (a transaction may commit late)
TOKEN_EVERY = timedelta(minutes=10)
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)
PAGE = 500  # post events read at once
GROUP_MOST = 50  # posts listed in one message at most


@dataclass(frozen=True)
class Notice:
    """An event worth telling."""

    key: str
    kind: str
    facts: dict[str, Any]


@dataclass(frozen=True)
class PassResult:
    found: int  # notifications recorded by this pass (new ones only)
    sent: int
    failed: int


class Notifier:
    """Finds events and sends notifications; one per process (daemon or ``notify check``)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        adapters: Adapters,
        *,
        daemon_id: str,
        clock: Clock = utcnow,
        channels: Channels | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.notify = settings.notify
        self.adapters = adapters
        self.daemon_id = daemon_id
        self.clock = clock
        self.channels = channels or Channels(settings, adapters)
        self.should_stop = should_stop or (lambda: False)  # a stopping daemon sends no more
        self._after_id: int | None = None  # post events are read after this id (None: by time)
        self._marks: deque[tuple[datetime, int]] = deque()  # (when, the newest event id then)
        self._token_checked: datetime | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.channels.named)

    @property
    def interval_seconds(self) -> float:
        return self.notify.every.total_seconds()

    # --- one pass ------------------------------------------------------------------------------

    def run(self, *, live_gap: bool = False) -> PassResult:
        """Find, record, deliver. ``live_gap``: also tell that no daemon is alive (``notify
        check``; a daemon is alive itself)."""
        now = self.clock()
        notices = self.find(now, live_gap=live_gap)
        found = self.record(notices, now)
        sent, failed = self.deliver()
        return PassResult(found, sent, failed)

    def find(self, now: datetime, *, live_gap: bool = False) -> list[Notice]:
        notices = self._post_notices(now)
        if self.channels.wanting("token") and (self._token_checked is None or now - self._token_checked >= TOKEN_EVERY):
            self._token_checked = now
            notices += self._token_notices(now)
        if live_gap and self.channels.wanting("daemon_down"):
            notices += self._live_gap(now)
        if self.notify.digest_at is not None and self.channels.wanting("digest"):
            notices += self._digest(now)
        return notices

    def record(self, notices: list[Notice], now: datetime) -> int:
        known = stored.known(self.store, (n.key for n in notices))
        rows = [
            stored.NewNotification(n.key, channel, n.kind, n.facts)
            for n in notices
            if n.key not in known
            for channel in self.channels.wanting(n.kind)
        ]
        return stored.record(self.store, rows, now=now)

    def deliver(self) -> tuple[int, int]:
        """Send every notification whose time has come; (sent, failed attempts)."""
        sent = failed = 0
        while not self.should_stop():
            # one at a time (a slow server must not outlive the lease of messages claimed with it),
            # but the posts of a burst waiting for the same channel go together
            batch = stored.claim(self.store, daemon=self.daemon_id, now=self.clock(), lease=LEASE, limit=1)
            if not batch:
                break
            first = batch[0]
            if first.kind in POST_STATES:
                batch += stored.claim(
                    self.store,
                    daemon=self.daemon_id,
                    now=self.clock(),
                    lease=LEASE,
                    limit=GROUP_MOST - 1,
                    channel=first.channel,
                    kinds=POST_STATES,
                )
            groups = [batch] if len(batch) > self.notify.group_over else [[item] for item in batch]
            for group in groups:
                if self._send(group):
                    sent += len(group)
                else:
                    failed += len(group)
        return sent, failed

    def _send(self, items: list[stored.Pending]) -> bool:
        """Send one message (one event, or several posts' events together) through their channel."""
        channel = items[0].channel
        if len(items) == 1:
            message = render(items[0].kind, items[0].event_key, items[0].facts)
        else:
            message = render_group([(item.kind, item.facts) for item in items], [item.event_key for item in items])
        what = items[0].event_key if len(items) == 1 else f"{len(items)} events ({message.key})"
        try:
            self.channels.send(channel, message)
        except Exception as exc:  # noqa: BLE001 - a channel's failure never stops the others
            error = str(exc) if isinstance(exc, SocialpostError) else f"{exc.__class__.__name__}: {exc}"
            attempts = max(item.attempts for item in items) + 1
            retry_at = None
            if attempts < self.notify.max_attempts and not _permanent(exc, channel, self.channels):
                wait = min(self.notify.retry_base * (2 ** (attempts - 1)), MAX_BACKOFF)
                retry_at = self.clock() + wait
            for item in items:
                stored.mark_failed(self.store, item.id, daemon=self.daemon_id, error=error, retry_at=retry_at)
            if retry_at is None:
                log.error("notification of %s to %s given up after %d attempt(s): %s", what, channel, attempts, error)
            else:
                log.warning(
                    "notification of %s to %s failed (attempt %d), trying again at %s: %s",
                    what,
                    channel,
                    attempts,
                    f"{retry_at:%H:%M:%S}",
                    error,
                )
            return False
        now = self.clock()
        for item in items:
            stored.mark_sent(self.store, item.id, daemon=self.daemon_id, now=now)
        log.info("notification of %s sent to %s", what, channel)
        return True

    # --- the events ----------------------------------------------------------------------------

    def _post_notices(self, now: datetime) -> list[Notice]:
        top = stored.last_event_id(self.store)
        notices: list[Notice] = []
        after = self._after_id
        while True:
            events = stored.post_events(self.store, after_id=after, since=now - LOOKBACK, limit=PAGE)
            for event in events:
                post = display_id(event.post_key, event.occurrence)
                notices.append(
                    Notice(
                        f"post:{event.post_id}:{event.state}:{event.event_id}",
                        event.state,
                        {
                            "state": event.state,
                            "campaign": event.campaign,
                            "post": post,
                            "account": event.account,
                            "due_at": event.due_at.isoformat(),
                            "timezone": event.timezone,
                            "reason": event.detail or event.last_error or "",
                        },
                    )
                )
            if len(events) < PAGE:
                break
            after = events[-1].event_id
        # read again from the newest id seen SETTLE ago: a transaction that took an id earlier may
        # commit later (PostgreSQL); the notifications' unique keys absorb the repeats
        self._marks.append((now, top))
        while len(self._marks) > 1 and self._marks[1][0] <= now - SETTLE:
            self._marks.popleft()
        if self._marks[0][0] <= now - SETTLE:
            self._after_id = self._marks[0][1]
        return notices

    def _token_notices(self, now: datetime) -> list[Notice]:
        notices = []
        for network, names in self.settings.accounts.items():
            for name in names:
                account = f"{network}:{name}"
                try:
                    adapter = self.adapters.get(account)
                except Exception:  # an account that cannot load is doctor's to report
                    log.debug("notify: cannot load %s for its token expiry", account, exc_info=True)
                    continue
                expiry = _expiry(adapter, account)
                if expiry is not None and expiry - now <= self.notify.token_within:
                    notices.append(
                        Notice(
                            f"token:{account}:{expiry.isoformat()}",
                            "token",
                            {"account": account, "expires_at": expiry.isoformat(), "expired": expiry <= now},
                        )
                    )
        return notices

    def _live_gap(self, now: datetime) -> list[Notice]:
        gap = stored.daemon_gap(self.store, now=now)
        if gap is None or not gap.due:
            return []
        since = gap.last_alive
        started = since if since is not None else gap.first_due
        if started is None or now - started < self.notify.daemon_down_after:
            return []
        if gap.first_due is not None and now - gap.first_due < self.notify.daemon_down_after:
            return []  # the posts have not been waiting that long yet
        return [
            Notice(
                _gap_key(since),
                "daemon_down",
                {
                    "since": since.isoformat() if since else None,
                    "due": gap.due,
                    "first_due": gap.first_due.isoformat() if gap.first_due else None,
                },
            )
        ]

    def gap_over(self, last_alive: datetime | None, now: datetime) -> list[Notice]:
        """At a daemon's start: no daemon ran from ``last_alive`` to ``now`` while posts were due."""
        if not self.channels.wanting("daemon_down"):
            return []
        if last_alive is not None and now - last_alive < self.notify.daemon_down_after:
            return []
        due, first = stored.due_between(self.store, last_alive, now)
        if not due or first is None or now - first < self.notify.daemon_down_after:
            return []
        return [
            Notice(
                _gap_key(last_alive),
                "daemon_down",
                {
                    "since": last_alive.isoformat() if last_alive else None,
                    "until": now.isoformat(),
                    "over": True,
                    "due": due,
                    "first_due": first.isoformat(),
                },
            )
        ]

    def _digest(self, now: datetime) -> list[Notice]:
        from socialpost.localtime import user_zone
        from socialpost.timeutil import zone

        at = self.notify.digest_at
        assert at is not None
        where = zone(self.settings.timezone) if self.settings.timezone else user_zone()
        local = now.astimezone(where)
        if local.time().replace(tzinfo=None) < at:
            return []
        key = f"digest:{local.date().isoformat()}"
        if stored.known(self.store, [key]):
            return []
        counts = stored.day_counts(self.store, start=now - timedelta(days=1), end=now, ahead=timedelta(days=1))
        return [
            Notice(
                key,
                "digest",
                {
                    "date": local.date().isoformat(),
                    "moved": counts.moved,
                    "attention": counts.attention,
                    "upcoming": counts.upcoming,
                    "next_due": counts.next_due.isoformat() if counts.next_due else None,
                },
            )
        ]


def _expiry(adapter: object, account: str) -> datetime | None:
    """When the account's access stops working, from its settings alone (no network call)."""
    if not isinstance(adapter, HealthCheck):
        return None
    try:
        found = adapter.token_expiry()
    except Exception:  # an adapter's bug must not stop the other accounts' checks
        log.debug("notify: the token expiry of %s could not be read", account, exc_info=True)
        return None
    if found is None:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _gap_key(since: datetime | None) -> str:
    return f"daemon_down:{since.isoformat() if since else 'never'}"


def _permanent(exc: BaseException, channel: str, channels: Channels) -> bool:
    """A channel removed from the config is not tried again."""
    return isinstance(exc, NotificationFailed) and channel not in channels.named
