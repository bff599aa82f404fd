"""The long-running daemon: APScheduler 3.11 as the clock, a bounded pool for network calls.

APScheduler keeps only in-memory jobs (posts live in our own tables; see docs/architecture.md):

* ``wake`` — a one-shot job re-armed at the next due time, so posts go out on time;
* ``poll`` — a safety net every ``poll_seconds`` (picks up posts another process scheduled);

(both only set an event: the claiming itself runs in the daemon's main loop, so a wake-up that
arrives while a claim round is running is never lost);
* ``reap`` — takes over posts whose lease expired while ``sending`` and reconciles them;
* ``heartbeat`` — tells ``socialpost status`` this daemon is alive;
* ``collect`` — reads the engagement of sent posts at the configured ages (docs/engagement.md);
* ``confirm`` — checks that posts published on the network's side went public (YouTube);
* ``inbox`` — reads replies and comments, sends a digest of the unanswered ones (docs/inbox.md).

Network calls run in a ThreadPoolExecutor of ``workers`` threads and never block the clock. A
daemon claims at most as many posts as it has free workers, so claims are not hoarded.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from socialpost.config import Settings
from socialpost.daemon.collector import CollectorJob
from socialpost.daemon.confirm import ConfirmJob
from socialpost.daemon.dispatcher import Dispatcher
from socialpost.daemon.inbox_job import InboxJob
from socialpost.networks.registry import Adapters
from socialpost.store.db import Store
from socialpost.store.queue import Claimed, Queue
from socialpost.timeutil import Clock, utcnow

log = logging.getLogger("socialpost.daemon")
HEARTBEAT_SECONDS = 10.0


def default_daemon_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Daemon:
    """Run with :meth:`run` (blocking); stop with :meth:`stop` or SIGINT/SIGTERM."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        daemon_id: str | None = None,
        clock: Clock = utcnow,
        adapters: Adapters | None = None,
        stop_when: Callable[[], bool] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings.daemon
        self.daemon_id = daemon_id or default_daemon_id()
        self.clock = clock
        self.queue = Queue(store, self.daemon_id, clock=clock)
        self.adapters = adapters or Adapters(settings, clock=clock)
        self.dispatcher = Dispatcher(self.queue, self.adapters, self.settings)
        self.stop_when = stop_when
        self._stopping = threading.Event()
        self.collector = CollectorJob(store, settings, self.adapters, clock=clock, should_stop=self._stopping.is_set)
        self.confirmer = ConfirmJob(store, self.adapters, daemon_id=self.daemon_id, clock=clock)
        self.inbox = InboxJob(store, settings, self.adapters, clock=clock, should_stop=self._stopping.is_set)
        self._wake = threading.Event()
        self._inflight_lock = threading.Lock()
        # future → (post, whether it is a first-hand delivery; False for a reconciliation)
        self._inflight: dict[Future[Any], tuple[Claimed, bool]] = {}
        # _tick (main thread) and _reap (scheduler thread) both claim for the same free workers
        self._claim_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="socialpost-send")
        self._scheduler: Any = None
        self._signals = 0
        self.delivered = 0

    # --- lifecycle -------------------------------------------------------------------------

    def run(self) -> None:
        """Block until stopped. Installs signal handlers when called from the main thread."""
        from apscheduler.executors.pool import ThreadPoolExecutor as JobExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        previous: dict[signal.Signals, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, self._on_signal)
        try:
            self.queue.heartbeat(started=True)
            log.info(
                "daemon %s started (%d workers, poll every %gs)",
                self.daemon_id,
                self.settings.workers,
                self.settings.poll_seconds,
            )
            scheduler = BackgroundScheduler(
                timezone=UTC,
                executors={"default": JobExecutor(3)},  # a long engagement read must not stall reaping
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            )
            self._scheduler = scheduler
            scheduler.add_job(self._wake.set, "interval", seconds=self.settings.poll_seconds, id="poll")
            reap_every = max(1.0, min(self.settings.lease_seconds / 4, 60.0))
            scheduler.add_job(self._reap, "interval", seconds=reap_every, id="reap", next_run_time=datetime.now(UTC))
            scheduler.add_job(self._heartbeat, "interval", seconds=HEARTBEAT_SECONDS, id="heartbeat")
            scheduler.add_job(
                self.collector.run,
                "interval",
                seconds=self.collector.interval_seconds,
                id="collect",
                next_run_time=datetime.now(UTC) + timedelta(seconds=30),
            )
            scheduler.add_job(
                self.confirmer.run,
                "interval",
                minutes=5,
                id="confirm",
                next_run_time=datetime.now(UTC) + timedelta(seconds=45),
            )
            scheduler.start()
            self._wake.set()
            while not self._stopping.is_set():
                if self._wake.wait(0.5):
                    self._wake.clear()
                    if self._stopping.is_set():
                        break
                    self._tick()
                with self._inflight_lock:
                    idle = not self._inflight
                if self.stop_when is not None and idle and self.stop_when():
                    self._stopping.set()
        finally:
            try:
                self._shutdown()
            finally:
                for signum, handler in previous.items():  # e.g. `schedule --follow` goes on after
                    signal.signal(signum, handler)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signals += 1
        if self._signals > 1:
            log.warning("second signal: exiting now; posts being sent will be reconciled by the next daemon")
            os._exit(130)
        log.info("%s received: finishing posts in flight, then stopping", signal.Signals(signum).name)
        self.stop()

    def _shutdown(self) -> None:
        self._stopping.set()  # also when run() ends by an exception: _reap must not claim any more
        scheduler = self._scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=True)  # no new ticks; a running tick completes
        with self._inflight_lock:
            pending = dict(self._inflight)
        for future, (claimed, delivery) in pending.items():
            if not future.cancel():
                continue
            if delivery:  # never reached the network: give the claim back
                try:
                    self.queue.release(claimed.id, "daemon stopping before sending")
                except Exception:
                    log.exception("could not release post %d; its lease will expire", claimed.id)
            else:
                # An expired lease we took over and did not reconcile yet: its outcome is still
                # unknown, so it must not go back to the queue; the lease expires again and the
                # next daemon reconciles it.
                log.info("post %d not reconciled before stopping; left for the next daemon", claimed.id)
        running = [f for f in pending if not f.cancelled()]
        if running:
            log.info(
                "waiting up to %gs for %d post(s) in flight",
                self.settings.shutdown_grace_seconds,
                len(running),
            )
            _done, not_done = wait_futures(running, timeout=self.settings.shutdown_grace_seconds)
            if not_done:
                log.warning("%d post(s) still in flight; their leases will expire and be reconciled", len(not_done))
        self._pool.shutdown(wait=False, cancel_futures=True)
        try:
            self.queue.heartbeat(stopped=True)
        except Exception:
            log.exception("could not record that the daemon stopped")
        try:
            self.adapters.close()
        except Exception:
            log.exception("closing a network adapter failed")
        log.info("daemon %s stopped", self.daemon_id)

    # --- jobs ------------------------------------------------------------------------------

    def _tick(self) -> None:
        """Claim as many due posts as there are free workers, then re-arm ``wake``."""
        try:
            while not self._stopping.is_set():
                with self._claim_lock:
                    with self._inflight_lock:
                        free = self.settings.workers - len(self._inflight)
                    if free <= 0:
                        return  # a finishing worker sets the wake event
                    claimed = self.dispatcher.claim(free)
                    for item in claimed:
                        self._submit(item, self.dispatcher.deliver, delivery=True)
                if len(claimed) < free:
                    break
            self._arm_wake()
        except Exception:
            log.exception("claiming failed; will try again at the next poll")

    def _arm_wake(self) -> None:
        if self._stopping.is_set() or self._scheduler is None:
            return
        due = self.queue.next_due()
        if due is None:
            return
        # The queue's clock may be injected; APScheduler runs on real time.
        delay = max((due - self.clock()).total_seconds(), 0.0)
        run_at = datetime.now(UTC) + timedelta(seconds=delay)
        self._scheduler.add_job(self._wake.set, "date", run_date=run_at, id="wake", replace_existing=True)

    def _submit(self, claimed: Claimed, work: Callable[[Claimed], object], *, delivery: bool) -> None:
        with self._inflight_lock:  # registered before it can finish, so _done always finds it
            future = self._pool.submit(work, claimed)
            self._inflight[future] = (claimed, delivery)
        future.add_done_callback(self._done)

    def _done(self, future: Future[Any]) -> None:
        with self._inflight_lock:
            self._inflight.pop(future, None)
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:
            log.error("a send worker crashed: %r", exc)
        else:
            self.delivered += 1
        self._wake.set()  # a worker is free: claim again

    def _reap(self) -> None:
        try:
            with self._claim_lock:
                if self._stopping.is_set():
                    return
                with self._inflight_lock:
                    free = self.settings.workers - len(self._inflight)
                if free <= 0:
                    return
                for claimed in self.queue.take_expired(free, self.dispatcher.lease):
                    self._submit(claimed, self.dispatcher.reconcile, delivery=False)
        except Exception:
            log.exception("reconciling expired leases failed; will try again")

    def _heartbeat(self) -> None:
        try:
            self.queue.heartbeat()
        except Exception:
            log.exception("heartbeat failed")
