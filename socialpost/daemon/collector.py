"""The daemon's engagement job: every ``engagement.every``, read the posts whose snapshot is due.

Registered by :class:`socialpost.daemon.service.Daemon` as an APScheduler interval job. It shares
the daemon's adapters (one client per account) and remembers back-offs between runs, so an account
that answered 429 is left alone until the network's reset time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from socialpost.engagement.collect import AdapterSource, Collector, CollectResult
from socialpost.settings.engagement import engagement_settings
from socialpost.store.db import Store
from socialpost.timeutil import Clock, utcnow

log = logging.getLogger("socialpost.daemon")


class CollectorJob:
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
        self.settings = engagement_settings(settings)
        self.collector = Collector(store, adapters, self.settings, clock=clock)
        self.should_stop = should_stop
        self.last: CollectResult | None = None

    @property
    def interval_seconds(self) -> float:
        return self.settings.every.total_seconds()

    def run(self) -> CollectResult | None:
        try:
            result = self.collector.collect(mode="due", should_stop=self.should_stop)
        except Exception:
            log.exception("collecting engagement failed; will try again in %gs", self.interval_seconds)
            return None
        self.last = result
        if result.accounts:
            log.info(
                "engagement: %d post(s) read, %d without metrics, %d left for later",
                result.collected,
                sum(a.unavailable for a in result.accounts),
                sum(a.left for a in result.accounts),
            )
        return result
