"""The daemon's notify job: every ``notify.every``, one pass of the notifier (socialpost.notify).

It runs in its own APScheduler executor, so a slow SMTP server or webhook never delays the claims,
reaping or heartbeats, and it never raises. At start-up, before the daemon's first heartbeat, it
notes when a daemon was last alive; its first pass tells of a gap while posts were due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from socialpost.notify import Notifier, PassResult
from socialpost.settings.config import Settings
from socialpost.store import notifications as stored
from socialpost.store.db import Store
from socialpost.timeutil import Clock, utcnow
from socialpost.wiring import Adapters

log = logging.getLogger("socialpost.daemon")


class NotifyJob:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        adapters: Adapters,
        *,
        daemon_id: str,
        clock: Clock = utcnow,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.notifier = Notifier(store, settings, adapters, daemon_id=daemon_id, clock=clock, should_stop=should_stop)
        self.store = store
        self.clock = clock
        self._last_alive: datetime | None = None
        self._gap_checked = False

    @property
    def enabled(self) -> bool:
        return self.notifier.enabled

    @property
    def interval_seconds(self) -> float:
        return self.notifier.interval_seconds

    def before_start(self) -> None:
        """Called before the daemon's first heartbeat: when was a daemon last alive?"""
        if not self.enabled:
            return
        try:
            self._last_alive = stored.last_alive(self.store)
        except Exception:
            log.exception("notify: could not read the daemons' last heartbeat")
            self._gap_checked = True

    def run(self) -> PassResult | None:
        try:
            if not self._gap_checked:
                self._gap_checked = True
                now = self.clock()
                self.notifier.record(self.notifier.gap_over(self._last_alive, now), now)
            return self.notifier.run()
        except Exception:
            log.exception("the notify job failed; will try again in %gs", self.interval_seconds)
            return None
