"""Posts are waiting: is a daemon alive to send them? (socialpost.liveness)"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from socialpost.doctor.finding import Finding, local_when, ok, problem, warning
from socialpost.doctor.queue import WAITING_STATES, QueuedPost
from socialpost.i18n import _, formats, ngettext
from socialpost.liveness import is_alive, process_gone
from socialpost.store.daemons import recent_daemons
from socialpost.store.db import Store
from socialpost.timeutil import human_duration


def check_daemon(store: Store, queued: Sequence[QueuedPost], now: datetime) -> list[Finding]:
    """Posts are waiting: is a daemon alive to send them?"""
    daemons = recent_daemons(store, limit=20)
    alive = [d for d in daemons if is_alive(d, now)]
    waiting = [p for p in queued if p.status in WAITING_STATES]
    if alive:
        names = ", ".join(_("pid {pid} on {host}").format(pid=d.pid, host=d.hostname) for d in alive[:3])
        return [
            ok(
                "daemon",
                ngettext("{count} daemon running ({names})", "{count} daemons running ({names})", len(alive)).format(
                    count=formats.integer(len(alive)), names=names
                ),
            )
        ]
    if not waiting:
        return [ok("daemon", _("no daemon running, and no post is waiting for one"))]
    overdue = [p for p in waiting if p.when <= now]
    first = waiting[0]
    details = {
        "count": formats.integer(len(waiting)),
        "name": first.name,
        "account": first.account,
        "when": local_when(first.when, first.timezone),
    }
    if daemons:
        latest = daemons[0]
        ago = human_duration(now - latest.heartbeat_at)
        if latest.stopped_at is not None:
            last = _("the last one, pid {pid} on {host}, stopped {ago} ago")
        elif process_gone(latest):
            last = _("the last one, pid {pid} on {host}, is no longer running, last seen {ago} ago")
        else:
            last = _("the last one, pid {pid} on {host}, last seen {ago} ago")
        message = ngettext(
            "{count} post waiting to go out but no daemon is running ({last}); "
            "the next one is {name} to {account}, due {when}.",
            "{count} posts waiting to go out but no daemon is running ({last}); "
            "the next one is {name} to {account}, due {when}.",
            len(waiting),
        ).format(last=last.format(pid=latest.pid, host=latest.hostname, ago=ago), **details)
    else:
        message = ngettext(
            "{count} post waiting to go out but no daemon is running; the next one is {name} to {account}, due {when}.",
            "{count} posts waiting to go out but no daemon is running; the next one is {name} to {account}, due "
            "{when}.",
            len(waiting),
        ).format(**details)
    fix = _(
        "Start the daemon: socialpost daemon (leave it running), or install it as a service that starts "
        "with the machine and restarts by itself: socialpost service install."
    )
    if overdue:
        late = ngettext(
            "{message} {count} post already overdue.", "{message} {count} posts already overdue.", len(overdue)
        ).format(message=message, count=formats.integer(len(overdue)))
        return [problem("daemon", late, fix)]
    return [warning("daemon", message, fix)]
