"""The daemon's inbox job: every ``inbox.every``, fetch replies and comments, then send a digest of
the unanswered ones not reported yet (to ``inbox.digest_webhook``, or the log).

Registered by :class:`socialpost.daemon.service.Daemon` as an APScheduler interval job when
``inbox.every`` is set. It shares the daemon's adapters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from socialpost.inbox import AdapterSource, Digest, FetchResult, Inbox, inbox_settings
from socialpost.store.db import Store
from socialpost.timeutil import Clock, utcnow

log = logging.getLogger("socialpost.daemon")


class InboxJob:
    """Call :meth:`run` periodically (every :attr:`interval_seconds`); it never raises."""

    def __init__(
        self,
        store: Store,
        settings: object,
        adapters: AdapterSource,
        *,
        clock: Clock = utcnow,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.settings = inbox_settings(settings)
        self.inbox = Inbox(store, adapters, self.settings, clock=clock)
        self.should_stop = should_stop
        self.last: tuple[FetchResult, Digest] | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.every is not None

    @property
    def interval_seconds(self) -> float:
        every = self.settings.every
        return every.total_seconds() if every is not None else 0.0

    def run(self) -> tuple[FetchResult, Digest] | None:
        try:
            fetched = self.inbox.fetch(should_stop=self.should_stop)
            if fetched.new:
                log.info("inbox: %d new reply(ies) or comment(s)", fetched.new)
            digest = self.inbox.send_digest()
        except Exception:
            log.exception("the inbox job failed; will try again in %gs", self.interval_seconds)
            return None
        self.last = (fetched, digest)
        return self.last
