"""The daemon's outcome writer: outcomes of sends written in batches, on a thread of its own.

A send thread hands its outcome over and is free for the next post at once. The writer takes
whatever has arrived, in one transaction, while the next outcomes gather. When ``busy`` says a
burst is going out (posts due at the same second, sent at their instant), outcomes wait for it
(at most ``max_delay``), so its requests go first and its outcomes follow in one transaction.

What a crash costs: an outcome still waiting here is lost with the process, so its post stays
``sending`` until its lease expires and a daemon reconciles it — exactly as after a crash between
the network call and its write. That is only safe when sending again cannot publish twice, so the
dispatcher lets an outcome wait only for an idempotent adapter (the reaper re-sends with the same
key); for any other adapter it asks for a ``durable`` write and waits until it is committed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from socialpost.store.outcomes import Outcome
from socialpost.store.queue import Queue

log = logging.getLogger("socialpost.daemon")
_RETRIES = (0.2, 1.0, 3.0)  # seconds between attempts when the database refuses a batch


class OutcomeWriter:
    """Collects outcomes from the send threads; :meth:`start` it, :meth:`stop` it to flush."""

    def __init__(
        self,
        queue: Queue,
        *,
        busy: Callable[[], bool],
        on_written: Callable[[], None] = lambda: None,
        max_delay: float = 0.25,
        max_batch: int = 500,
    ) -> None:
        self.queue = queue
        self.busy = busy  # whether a burst is going out (outcomes wait for it, up to max_delay)
        self.on_written = on_written
        self.max_delay = max_delay
        self.max_batch = max_batch
        self._items: list[tuple[Outcome, threading.Event | None]] = []
        self._since = 0.0  # when the oldest waiting outcome arrived (monotonic)
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="socialpost-outcomes", daemon=True)
        self._thread.start()

    def put(self, outcome: Outcome, *, durable: bool) -> None:
        """Queue ``outcome``; with ``durable``, return only once it is committed."""
        done = threading.Event() if durable else None
        with self._cond:
            running = self._thread is not None and not self._stopping
            if running:
                first = not self._items
                if first:
                    self._since = time.monotonic()
                self._items.append((outcome, done))
                # Wake the writer only when it must act: it waits for a first outcome, or for the
                # sends to end (nudge) or max_delay — a wake-up per outcome would cost a thread
                # switch for each post of a burst.
                if first or done is not None or len(self._items) >= self.max_batch:
                    self._cond.notify()
        if not running:  # before start or after stop (a send that outlived the shutdown grace)
            self._write([outcome])
        elif done is not None:
            done.wait()

    def nudge(self) -> None:
        """The sends are over (or fewer): waiting outcomes need not wait any longer."""
        with self._cond:
            self._cond.notify()

    def stop(self, timeout: float = 30.0) -> None:
        """Write what is waiting, then end the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._items and not self._stopping:
                    self._cond.wait()
                if not self._items:
                    return
                while not self._stopping and self._may_wait():
                    self._cond.wait(self._since + self.max_delay - time.monotonic())
                batch, self._items = self._items[: self.max_batch], self._items[self.max_batch :]
                if self._items:
                    self._since = time.monotonic()
            try:
                self._write([outcome for outcome, _done in batch])
            finally:
                for _outcome, done in batch:
                    if done is not None:
                        done.set()
            try:
                self.on_written()
            except Exception:
                log.exception("after writing outcomes")

    def _may_wait(self) -> bool:
        return (
            len(self._items) < self.max_batch
            and all(done is None for _outcome, done in self._items)
            and time.monotonic() < self._since + self.max_delay
            and self.busy()
        )

    def _write(self, outcomes: list[Outcome]) -> None:
        """One transaction, tried again when the database refuses it; then one outcome at a time (a
        bad one must not sink the others). What cannot be written is left to the lease's expiry."""
        for pause in _RETRIES:
            try:
                self.queue.record(outcomes)
                return
            except Exception:
                log.warning("writing %d outcome(s) failed; trying again in %gs", len(outcomes), pause, exc_info=True)
                time.sleep(pause)
        for outcome in outcomes:
            try:
                self.queue.record([outcome])
            except Exception:
                log.exception(
                    "could not record the outcome of post %d (%s); it stays 'sending' and is reconciled when "
                    "its lease expires",
                    outcome.post_id,
                    outcome.kind,
                )
