"""Inbox reads a network refused for a while: a rate limit, an access tier, a missing permission.

Adapters never wait and never retry by themselves (see :mod:`socialpost.networks.base`). But the
daemon reads the inbox every ``inbox.every``, and asking again before the network's own reset time
only spends quota to get the same answer. An adapter keeps one :class:`ReadPause` for its inbox
reads: after such an answer it holds the error until the time the network gave (or a default), and
raises it again, without a request, until then. The pause lives as long as the adapter (a daemon's
life, or one command).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from socialpost.errors import AuthError, NetworkError, RateLimited
from socialpost.timeutil import Clock


class ReadPause:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until: datetime | None = None
        self._error: NetworkError | None = None

    def check(self) -> None:
        """Raise the held error again while the pause lasts; nothing once it is over."""
        with self._lock:
            if self._error is None or self._until is None:
                return
            if self._clock() >= self._until:
                self._error = self._until = None
                return
            error = copy.copy(self._error)
        raise error

    def hold(self, error: NetworkError, until: datetime) -> None:
        """Remember ``error`` until ``until`` (a later pause wins over an earlier one)."""
        with self._lock:
            if self._until is None or until > self._until:
                self._until = until
            self._error = error

    @contextmanager
    def guard(
        self,
        *,
        rate: timedelta,
        refused: timedelta,
        refused_if: Callable[[AuthError], bool] = lambda _exc: True,
    ) -> Iterator[None]:
        """One inbox read: raise the held error while a pause lasts; after a rate limit, hold it
        until the network's reset (else ``rate``); after a refusal (an AuthError ``refused_if``
        accepts), for ``refused``. The error goes on to the caller either way."""
        self.check()
        try:
            yield
        except RateLimited as exc:
            self.hold(exc, exc.retry_at or self._clock() + rate)
            raise
        except AuthError as exc:
            if refused_if(exc):
                self.hold(exc, self._clock() + refused)
            raise
