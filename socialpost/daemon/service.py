"""The long-running daemon: APScheduler 3.11 as the clock, a bounded pool for network calls.

The daemon's main loop keeps the time of posts itself: it claims the posts due within the next
``CLAIM_AHEAD`` a little before their time (one transaction for the whole due second), holds them,
and hands each to the send pool at its exact instant — so no database work sits between a post's
due time and its request. Outcomes are written in batches by an :class:`OutcomeWriter` once the
burst's requests are out.

APScheduler keeps only in-memory jobs (posts live in our own tables; see docs/architecture.md):

* ``poll`` — a safety net every ``poll_seconds`` (picks up posts another process scheduled; it
  only sets an event: the claiming itself runs in the main loop, so a wake-up that arrives while
  a claim round is running is never lost);
* ``reap`` — takes over posts whose lease expired while ``sending`` and reconciles them;
* ``heartbeat`` — tells ``socialpost status`` this daemon is alive;
* ``collect`` — reads the engagement of sent posts at the configured ages (docs/engagement.md);
* ``confirm`` — checks that posts published on the network's side went public (YouTube);
* ``inbox`` — reads replies and comments, sends a digest of the unanswered ones (docs/inbox.md);
* ``notify`` — tells the ``notify:`` channels of failed, held, unknown and missed posts, tokens
  about to expire, a gap with no daemon, and the daily digest (docs/notifications.md); in an
  executor of its own, so a slow mail server never delays the other jobs.

Network calls run in a ThreadPoolExecutor of ``workers`` threads and never block the clock. A
daemon claims posts already due only for its free workers, and claims ahead only while it holds
fewer than twice ``workers`` posts in all, so claims are not hoarded.
"""

from __future__ import annotations

import gc
import heapq
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from datetime import UTC, datetime, timedelta
from typing import Any

from socialpost.campaign.account_queues import config_queues
from socialpost.daemon.calendar_feed import CalendarFeed
from socialpost.daemon.collector import CollectorJob
from socialpost.daemon.confirm import ConfirmJob
from socialpost.daemon.dispatcher import Dispatcher
from socialpost.daemon.inbox_job import InboxJob
from socialpost.daemon.notify_job import NotifyJob
from socialpost.daemon.outcomes import OutcomeWriter
from socialpost.daemon.signals import StopSignals
from socialpost.daemon.sleep import SleepWatch, Slept
from socialpost.errors import SocialpostError
from socialpost.feeds import Poller, Reader
from socialpost.settings.config import Settings
from socialpost.store.claims import Claimed
from socialpost.store.db import Store
from socialpost.store.models import Status
from socialpost.store.queue import Queue
from socialpost.store.sleeps import SleptPost
from socialpost.timeutil import Clock, human_duration, iso_utc, utcnow
from socialpost.wiring import Adapters

log = logging.getLogger("socialpost.daemon")
HEARTBEAT_SECONDS = 10.0
# How long before their time posts are claimed. Long enough for the claim (one transaction for the
# whole due second) to be done before the instant on a loaded machine; short enough that a burst's
# requests are out before the next second's claim, and that few claims wait in a daemon that dies.
CLAIM_AHEAD = timedelta(milliseconds=500)
RECHECK_SECONDS = 0.1  # a due post could not be claimed (busy budget, a paced account): look again


def default_daemon_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _warm_up() -> None:
    """Load, off the clock, what the first post due would otherwise wait for: httpx (the HTTP
    client of every built-in adapter, ~0.2 s to import; its transport and codecs load when a first
    client is made and used: ~20 ms more) and the shared TLS context (~20 ms).

    Then freeze what exists by now — modules, tables, models: most of the heap, and kept for the
    daemon's life — out of the cyclic garbage collector. A full collection walked all of it (about
    80,000 objects, 30–70 ms with every thread stopped), and it came in the middle of bursts of
    posts due at the same second."""
    try:
        import encodings.idna  # noqa: F401 - host names are encoded with it

        import httpx

        from socialpost.networks.common.tls import ssl_context

        httpx.Client(verify=ssl_context()).close()  # no request: loads httpcore and h11
    except Exception:  # only an optimisation: the first send does it otherwise
        log.debug("warming up the HTTP client failed", exc_info=True)
    gc.freeze()


FEEDS_SECONDS = 60.0  # how often the feeds job looks for feeds due (each feed has its own `every`)
FIRST_FEEDS_SECONDS = 2.0  # after start-up: the first feed poll
FIRST_INBOX_SECONDS = 60.0  # after start-up: the first inbox read waits for the first posts to go out


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
        signals: StopSignals | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        feed_reader: Reader | None = None,
    ) -> None:
        self.store = store
        self.settings = settings.daemon
        self.daemon_id = daemon_id or default_daemon_id()
        self.clock = clock
        self.queue = Queue(store, self.daemon_id, clock=clock)
        self.adapters = adapters or Adapters(settings, clock=clock)
        self._inflight_lock = threading.Lock()
        # future → (post, whether it is a first-hand delivery; False for a reconciliation)
        self._inflight: dict[Future[Any], tuple[Claimed, bool]] = {}
        self._on_time: set[Future[Any]] = set()  # those sent at their instant (held, claimed ahead)
        self.outcomes = OutcomeWriter(self.queue, busy=self._sending, on_written=self._outcomes_written)
        self.dispatcher = Dispatcher(self.queue, self.adapters, self.settings, outcomes=self.outcomes)
        self.stop_when = stop_when
        self._stopping = threading.Event()
        self.collector = CollectorJob(store, settings, self.adapters, clock=clock, should_stop=self._stopping.is_set)
        self.confirmer = ConfirmJob(store, self.adapters, daemon_id=self.daemon_id, clock=clock)
        self.inbox = InboxJob(store, settings, self.adapters, clock=clock, should_stop=self._stopping.is_set)
        self.notifier = NotifyJob(
            store, settings, self.adapters, daemon_id=self.daemon_id, clock=clock, should_stop=self._stopping.is_set
        )
        # the campaigns' feeds (docs/feeds.md): tests give a reader that reaches a loopback server
        self.feeds = Poller(
            store,
            settings.data_dir,
            reader=feed_reader or Reader(ports=frozenset(settings.fetch.ports)),
            clock=clock,
            account_queues=config_queues(settings)[0],  # for a feed with queue: true in a campaign without one
        )
        self._wake = threading.Event()
        # claimed ahead, waiting for their instant: (send_at, id, post); only the main loop uses it
        self._armed: list[tuple[datetime, int, Claimed]] = []
        self._claim_at: datetime | None = None  # when the main loop claims next (None: at a wake-up)
        self._backlog = False  # posts were due and the workers were all busy: claim when one frees
        self._warm: set[str] = set()  # accounts whose adapter is loaded
        # _tick (main thread) and _reap (scheduler thread) both claim for the same free workers
        self._claim_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="socialpost-send")
        self._scheduler: Any = None
        # SIGINT/SIGTERM: the caller's when it installed them before start-up (the `daemon` command),
        # else run() installs its own for its duration (main thread only)
        self._signals = signals
        self.delivered = 0
        self._sleep_watch = SleepWatch(clock, monotonic)
        # called (in the main loop) after the host slept past due posts, with what became of them:
        # for whatever tells the user (a notifier); also logged and kept in the event log
        self.on_slept: list[Callable[[Slept, list[SleptPost]], None]] = []
        self.calendar: CalendarFeed | None = None  # the .ics on loopback, when daemon: calendar_port is set

    # --- lifecycle -------------------------------------------------------------------------

    def run(self) -> None:
        """Block until stopped. Without ``signals`` given, installs its own SIGINT/SIGTERM handling
        for its duration when called from the main thread (see socialpost.daemon.signals)."""
        from apscheduler.executors.pool import ThreadPoolExecutor as JobExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        own = None
        if self._signals is None:
            own = self._signals = StopSignals()
            own.install()
        self._signals.attach(self.stop)  # a signal during start-up: stop at once
        try:
            self.notifier.before_start()  # when a daemon was last alive, before this one says it is
            self.queue.heartbeat(started=True)
            self._sleep_watch.check()  # from here on, a sleep (also during start-up) is noticed
            log.info(
                "daemon %s started (%d workers, poll every %gs)",
                self.daemon_id,
                self.settings.workers,
                self.settings.poll_seconds,
            )
            scheduler = BackgroundScheduler(
                timezone=UTC,
                # a long engagement read must not stall reaping; a slow mail server nothing at all
                executors={"default": JobExecutor(3), "notify": JobExecutor(1)},
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            )
            self._scheduler = scheduler
            scheduler.add_job(self._wake.set, "interval", seconds=self.settings.poll_seconds, id="poll")
            reap_every = max(1.0, min(self.settings.lease_seconds / 4, 60.0))
            scheduler.add_job(self._reap, "interval", seconds=reap_every, id="reap", next_run_time=datetime.now(UTC))
            # after start-up (not at once, competing with the first claims): posts held for an account
            # connected meanwhile go back in the queue
            scheduler.add_job(self._release, "interval", seconds=reap_every, id="release")
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
            if self.inbox.enabled:
                scheduler.add_job(
                    self.inbox.run,
                    "interval",
                    seconds=self.inbox.interval_seconds,
                    id="inbox",
                    next_run_time=datetime.now(UTC) + timedelta(seconds=FIRST_INBOX_SECONDS),
                )
            scheduler.add_job(
                self._poll_feeds,
                "interval",
                seconds=FEEDS_SECONDS,
                id="feeds",
                next_run_time=datetime.now(UTC) + timedelta(seconds=FIRST_FEEDS_SECONDS),
            )
            if self.notifier.enabled:
                scheduler.add_job(
                    self.notifier.run,
                    "interval",
                    seconds=self.notifier.interval_seconds,
                    id="notify",
                    executor="notify",
                    next_run_time=datetime.now(UTC) + timedelta(seconds=1),
                )
            scheduler.start()
            self._serve_calendar()
            _warm_up()  # before the first claim: a first send would otherwise race it for the imports
            self.outcomes.start()
            self._wake.set()
            while not self._stopping.is_set():
                slept = self._sleep_watch.check()
                if slept is not None:
                    self._woke(slept)
                self._fire()
                if self._wake.is_set() or (self._claim_at is not None and self._claim_at <= self.clock()):
                    self._wake.clear()
                    self._tick()
                    self._fire()
                self._wake.wait(self._sleep())
                with self._inflight_lock:
                    idle = not self._inflight and not self._armed
                if self.stop_when is not None and idle and self.stop_when():
                    self._stopping.set()
        finally:
            try:
                self._shutdown()
            finally:
                if own is not None:
                    own.restore()
                    self._signals = None

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def _serve_calendar(self) -> None:
        """The .ics on loopback (``daemon: calendar_port``). A port already taken is said in the log;
        the daemon posts all the same."""
        port = self.settings.calendar_port
        if port is None:
            return
        feed = CalendarFeed(self.store, port=port, clock=self.clock)
        try:
            feed.start()
        except OSError as exc:
            log.error("the calendar is not served: port %d on 127.0.0.1: %s", port, exc.strerror or exc)
            return
        self.calendar = feed
        log.info("calendar served read-only at %s", feed.url)

    def _shutdown(self) -> None:
        self._stopping.set()  # also when run() ends by an exception: _reap must not claim any more
        if self.calendar is not None:
            self.calendar.stop()
        scheduler = self._scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=True)  # no new ticks; a running tick completes
        armed, self._armed = self._armed, []
        for _at, _id, claimed in armed:  # claimed ahead, never started
            try:
                self.queue.release(claimed.id, "daemon stopping before sending")
            except Exception:
                log.exception("could not release post %d; its lease will expire", claimed.id)
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
        not_done: set[Future[Any]] = set()
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
        self.outcomes.stop()  # what the sends decided is written before we say we stopped
        try:
            self.queue.heartbeat(stopped=True)
        except Exception:
            log.exception("could not record that the daemon stopped")
        try:
            self.adapters.close()
        except Exception:
            log.exception("closing a network adapter failed")
        if self._signals is not None:  # before the line below: a signal after it finds the stop recorded
            self._signals.stopped(clean=not not_done)
        log.info("daemon %s stopped", self.daemon_id)

    # --- jobs ------------------------------------------------------------------------------

    def _tick(self) -> None:
        """Claim due posts for the free workers, then the posts due within ``CLAIM_AHEAD`` (held
        until their instant), and work out when to claim next."""
        try:
            with self._claim_lock:
                self._backlog = False
                while not self._stopping.is_set():
                    with self._inflight_lock:
                        free = self.settings.workers - len(self._inflight)
                    if free <= 0:
                        self._backlog = True  # a finishing worker sets the wake event
                        break
                    claimed = self.dispatcher.claim(free)
                    for item in claimed:
                        self._submit(item, self.dispatcher.deliver, delivery=True)
                    if len(claimed) < free:
                        break
                with self._inflight_lock:
                    # Held plus in flight stay under twice the pool, so a burst bigger than the pool
                    # is claimed at once; a held post may then wait for a worker. Only networks that
                    # honour the idempotency key are held (Dispatcher.recoverable), so even one that
                    # waited past its lease and was taken over by another daemon goes out once.
                    room = 2 * self.settings.workers - len(self._armed) - len(self._inflight)
                if not self._backlog and room > 0 and not self._stopping.is_set():
                    self._arm(self.dispatcher.claim(room, ahead=CLAIM_AHEAD))
            self._plan()
        except Exception:
            self._claim_at = None  # not again at once: the database may be down
            log.exception("claiming failed; will try again at the next poll")

    def _woke(self, slept: Slept) -> None:
        """The machine slept (or the wall clock jumped ahead): claim what came due meanwhile now —
        each judged by its campaign's late policy — then say which posts it concerned and what
        became of them (the log, the event log for `doctor`, and :attr:`on_slept`)."""
        from socialpost.store import sleeps

        log.warning(
            "this machine slept (or its clock jumped ahead) for %s, from %s to %s: posts due meanwhile are late",
            human_duration(slept.length),
            iso_utc(slept.since),
            iso_utc(slept.until),
        )
        self._tick()
        self._fire()
        try:
            affected = sleeps.record(
                self.store,
                slept_from=slept.since,
                slept_until=slept.until,
                now=self.clock(),
                host=socket.gethostname(),
                daemon=self.daemon_id,
            )
        except Exception:
            log.exception("could not record which posts the sleep concerned")
            return
        if not affected:
            log.info("no post was due while this machine slept")
        for item in affected:
            what = {
                "sent-late": "went out late",
                "missed": "missed by the late policy",
                "held": "held by the late policy",
            }.get(item.late_policy, f"still {item.status}")
            reason = f": {item.reason}" if item.reason else ""
            log.warning("slept past %s (due %s): %s%s", item.name, iso_utc(item.due_at), what, reason)
        for hook in self.on_slept:
            try:
                hook(slept, affected)
            except Exception:
                log.exception("a sleep hook failed")

    def _arm(self, claimed: list[Claimed]) -> None:
        """Hold posts claimed ahead until their instant; load their adapters now, off the clock."""
        for item in claimed:  # every one held first: a failing adapter below must not strand any
            heapq.heappush(self._armed, (item.send_at, item.id, item))
        for item in claimed:
            if item.account not in self._warm:
                self._warm.add(item.account)
                try:
                    self.adapters.get(item.account)
                except Exception as exc:  # noqa: BLE001 - the send reports it, with the post
                    if not isinstance(exc, SocialpostError):
                        log.warning("loading the adapter of %s failed: %r", item.account, exc)
        self._fire()

    def _fire(self) -> None:
        """Hand every held post whose instant has come to the send pool."""
        if not self._armed:
            return
        now = self.clock()
        while self._armed and self._armed[0][0] <= now:
            _at, _id, claimed = heapq.heappop(self._armed)
            self._submit(claimed, self.dispatcher.deliver, delivery=True, on_time=True)

    def _plan(self) -> None:
        """When to claim next: ``CLAIM_AHEAD`` before the earliest waiting post's time."""
        due = self.queue.next_due()
        now = self.clock()
        if due is None:
            self._claim_at = None  # the poll finds posts scheduled meanwhile
        elif due - CLAIM_AHEAD > now:
            self._claim_at = due - CLAIM_AHEAD
        elif due > now:
            # within the window but not taken (held posts fill the room, a paced account, an
            # adapter that cannot recover a claim ahead): claim it at its time
            self._claim_at = due
        elif self._backlog:
            self._claim_at = None  # a finishing worker sets the wake event
        else:
            self._claim_at = now + timedelta(seconds=RECHECK_SECONDS)

    def _sleep(self) -> float:
        """Seconds until the main loop has something to do (at most half a second)."""
        now = self.clock()
        wait = 0.5
        if self._armed:
            wait = min(wait, (self._armed[0][0] - now).total_seconds())
        if self._claim_at is not None:
            wait = min(wait, (self._claim_at - now).total_seconds())
        return max(wait, 0.0)

    def _submit(
        self, claimed: Claimed, work: Callable[[Claimed], object], *, delivery: bool, on_time: bool = False
    ) -> None:
        with self._inflight_lock:  # registered before it can finish, so _done always finds it
            future = self._pool.submit(work, claimed)
            self._inflight[future] = (claimed, delivery)
            if on_time:
                self._on_time.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[Any]) -> None:
        with self._inflight_lock:
            entry = self._inflight.pop(future, None)
            burst_over = future in self._on_time and len(self._on_time) == 1
            self._on_time.discard(future)
            free = self.settings.workers - len(self._inflight)
        if burst_over:
            self.outcomes.nudge()  # the posts sent at their instant are out: write the outcomes now
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:  # Dispatcher.deliver and .reconcile settle their own errors: a bug there
            post = f"post {entry[0].id}" if entry is not None else "a post"
            log.error(
                "a send worker crashed on %s: %r; it stays 'sending' until its lease expires, then it is reconciled",
                post,
                exc,
            )
        else:
            self.delivered += 1
            if future.result() == Status.PENDING:
                self._wake.set()  # queued again (a retry, a reconciled non-send): see when it is due
        if self._backlog and free >= max(1, self.settings.workers // 4):
            # posts are waiting for workers: claim again, for a quarter of the pool at a time
            self._wake.set()

    def _sending(self) -> bool:
        """Whether posts sent at their instant are still in flight: their outcomes wait for them.
        Outcomes of posts that were already late (a backlog) do not wait — nothing to protect, and
        fewer outcomes lost with the process means fewer same-key repeats after a crash."""
        with self._inflight_lock:
            return bool(self._on_time)

    def _outcomes_written(self) -> None:
        # a retry may now be the earliest waiting post, and `stop_when` may now hold: look again
        self._wake.set()

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

    def _release(self) -> None:
        """Posts held until their account is connected go back in the queue once it is (the
        config is read again when it changed; socialpost.store.connect)."""
        from socialpost.store import connect

        try:
            released = connect.release(self.store, self.adapters.connected, now=self.clock(), daemon=self.daemon_id)
        except Exception:
            log.exception("releasing posts held for their account failed; will try again")
            return
        for item in released:
            log.info("%s is connected: %d held post(s) back in the queue", item.account, item.count)
        if released:
            self._wake.set()

    def _poll_feeds(self) -> None:
        """The feeds job: new entries become posts due now; the main loop is woken to send them."""
        results = self.feeds.run(should_stop=self._stopping.is_set)
        if any(result.posted for result in results):
            self._wake.set()

    def _heartbeat(self) -> None:
        try:
            self.queue.heartbeat()
        except Exception:
            log.exception("heartbeat failed")
