"""Whether a daemon is alive: the one rule `status`, `doctor` and everything else use.

* A daemon that recorded its stop is dead.
* A daemon on this host whose process is gone (``kill -9``, a crash, a reboot) is dead at once,
  whatever its last heartbeat says. A PID that exists but belongs to a process started after the
  daemon's last heartbeat is another program that got the number again (PID reuse): dead too. A
  process we may not signal (another user's) counts as running.
* Otherwise (its process runs, or it runs on another host, whose processes we cannot see) a daemon
  is alive while its heartbeat is younger than :data:`ALIVE_AFTER` (it beats every 10 s): a daemon
  that stopped beating sends nothing either.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Protocol

ALIVE_AFTER = timedelta(seconds=45)  # a daemon beats every 10 s
# a process started this long after the daemon's last heartbeat cannot be that daemon (the
# kernel's start time and the heartbeat come from one clock; this absorbs rounding)
_REUSE_MARGIN = timedelta(seconds=2)


class DaemonRecord(Protocol):
    """What the daemons table records of one daemon (``DaemonRow`` has these)."""

    hostname: str
    pid: int
    heartbeat_at: datetime
    stopped_at: datetime | None


def is_alive(daemon: DaemonRecord, now: datetime) -> bool:
    """The liveness rule above, for one recorded daemon at ``now``."""
    if daemon.stopped_at is not None:
        return False
    if daemon.hostname == this_host() and not process_runs(daemon.pid, since=_aware(daemon.heartbeat_at)):
        return False
    return now - _aware(daemon.heartbeat_at) < ALIVE_AFTER


def process_gone(daemon: DaemonRecord) -> bool:
    """A daemon of this host that did not record a stop and whose process is gone (killed, crashed)."""
    return (
        daemon.stopped_at is None
        and daemon.hostname == this_host()
        and not process_runs(daemon.pid, since=_aware(daemon.heartbeat_at))
    )


def this_host() -> str:
    """The name daemons record as their hostname (``socket.gethostname()``)."""
    return socket.gethostname()


def process_runs(pid: int, *, since: datetime | None = None) -> bool:
    """True when process ``pid`` exists on this host (and, given ``since``, did not start after it)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:
        return False
    if since is not None:
        started = process_started(pid)
        if started is not None and started > since + _REUSE_MARGIN:
            return False
    return True


def process_started(pid: int) -> datetime | None:
    """When process ``pid`` started (Linux: /proc), or None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of stat(5); the two before ")" are cut off
    except (OSError, IndexError, ValueError):
        return None
    boot = _boot_time()
    if boot is None:
        return None
    return boot + timedelta(seconds=ticks / _clock_ticks())


@lru_cache(maxsize=1)
def _boot_time() -> datetime | None:
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            for line in stat:
                if line.startswith("btime "):
                    return datetime.fromtimestamp(int(line.split()[1]), UTC)
    except (OSError, ValueError):
        return None
    return None


@lru_cache(maxsize=1)
def _clock_ticks() -> int:
    try:
        return int(os.sysconf("SC_CLK_TCK")) or 100
    except (OSError, ValueError, AttributeError):
        return 100


def _aware(value: datetime) -> datetime:
    """Datetimes read back from SQLite lose their zone; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
