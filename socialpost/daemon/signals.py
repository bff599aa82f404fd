"""SIGINT and SIGTERM for the daemon: the first stops it cleanly, another one exits at once.

The exit status says whether the stop was clean (README, "Running the daemon"): 0 when every post
the daemon held was finished or given back, 130 when a further signal made it exit before that
(the posts still in flight are reconciled by the next daemon). A signal after a clean stop has
nothing left to interrupt and changes nothing.

Python runs a signal handler in the main thread between two bytecodes: not while the main thread
waits inside C code (a database lock at start-up, the join of a send thread at exit), and two
signals that arrive before it runs make one call. So the Python-level handler installed here does
nothing; the interpreter's C-level handler writes each signal's number to a pipe
(:func:`signal.set_wakeup_fd`, one byte per signal), and a watcher thread acts on every byte as it
arrives, whatever the main thread is doing.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from socialpost.errors import ExitCode

log = logging.getLogger("socialpost.daemon")
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """Install with :meth:`install` (main thread), then :meth:`attach` the daemon's ``stop``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop: Callable[[], None] | None = None
        self._received = 0
        self._finished = False  # stopped cleanly: nothing left that a signal could interrupt
        self._previous: dict[signal.Signals, Any] = {}
        self._previous_fd = -1
        self._write_fd: int | None = None

    def install(self) -> bool:
        """Take over SIGINT and SIGTERM. Only the main thread can; elsewhere this returns False and
        the signals keep their handlers."""
        if threading.current_thread() is not threading.main_thread() or self._write_fd is not None:
            return False
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)  # set_wakeup_fd requires it; a byte is never worth blocking for
        self._write_fd = write_fd
        self._previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, _leave_it_to_the_watcher)
        threading.Thread(target=self._watch, args=(read_fd,), name="socialpost-signals", daemon=True).start()
        return True

    def attach(self, stop: Callable[[], None]) -> None:
        """``stop`` is what the first signal calls; at once if that signal came during start-up."""
        with self._lock:
            self._stop = stop
            early = self._received > 0
        if early:
            stop()

    def stopped(self, *, clean: bool) -> None:
        """The daemon has stopped; ``clean`` when no post it held is still in flight. After a clean
        stop a signal is only logged: the exit status stays the one of the clean stop."""
        with self._lock:
            self._finished = clean

    def restore(self) -> None:
        """Give SIGINT and SIGTERM back (main thread). Tests, and `schedule --follow` run in a
        test, go on after the daemon; the `daemon` command's own process keeps these handlers
        until it ends, so that no signal meets the default action while it exits."""
        if self._write_fd is None:
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_fd)
        os.close(self._write_fd)  # the watcher reads the end of the pipe and finishes
        self._write_fd = None
        self._previous.clear()

    def _watch(self, read_fd: int) -> None:
        try:
            while data := os.read(read_fd, 64):
                for number in data:
                    if number in SIGNALS:  # any signal with a Python handler comes here too (SIGALRM…)
                        self._received_one(signal.Signals(number))
        finally:
            os.close(read_fd)

    def _received_one(self, signum: signal.Signals) -> None:
        with self._lock:
            self._received += 1
            count, stop, finished = self._received, self._stop, self._finished
        if finished:
            log.info("%s received after the daemon stopped: nothing left to interrupt", signum.name)
            return
        if count > 1:
            log.warning(
                "%s received, a second signal: exiting now; posts being sent will be reconciled by the next daemon",
                signum.name,
            )
            os._exit(int(ExitCode.INTERRUPTED))
        log.info("%s received: finishing posts in flight, then stopping", signum.name)
        if stop is not None:
            stop()


def _leave_it_to_the_watcher(_signum: int, _frame: FrameType | None) -> None:
    """The Python-level handler: the watcher thread has the signal already (see the module)."""
