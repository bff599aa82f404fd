"""The daemon's host slept past due posts (socialpost.daemon.sleep, socialpost.store.sleeps)."""

from __future__ import annotations

from datetime import datetime, timedelta

from socialpost.doctor.finding import Finding, local_when, warning
from socialpost.i18n import _, formats, ngettext
from socialpost.store.db import Store
from socialpost.store.sleeps import SleptPost, recent
from socialpost.timeutil import human_duration

SLEEP_LOOKBACK = timedelta(days=7)
SHOWN = 3


def check_sleep(store: Store, now: datetime) -> list[Finding]:
    """A warning when a daemon's host slept while posts were due, within :data:`SLEEP_LOOKBACK`;
    nothing otherwise (a host that never slept past a post is not worth a line)."""
    found = recent(store, since=now - SLEEP_LOOKBACK)
    if not found:
        return []
    latest = found[-1]
    hosts = sorted({item.host for item in found if item.host})
    shown = "; ".join(f"{item.name}: {_what(item)}" for item in found[-SHOWN:])
    message = ngettext(
        "the daemon's host ({hosts}) slept past {count} due post in the last 7 days, the latest time from {since} "
        "to {until}: {posts}.",
        "the daemon's host ({hosts}) slept past {count} due posts in the last 7 days, the latest time from {since} "
        "to {until}: {posts}.",
        len(found),
    ).format(
        hosts=", ".join(hosts) or "?",
        count=formats.integer(len(found)),
        since=local_when(latest.slept_from),
        until=local_when(latest.slept_until),
        posts=shown,
    )
    fix = _(
        "A machine that sleeps posts nothing: run the daemon on one that stays up (a small server, with "
        "socialpost service install --system), or keep this one awake while posts are due (macOS: caffeinate -s; "
        "Linux: systemd-inhibit --what=sleep socialpost daemon). Then look at what was missed or held: "
        "socialpost status (socialpost retry sends one)."
    )
    return [warning("daemon-sleep", message, fix)]


def _what(item: SleptPost) -> str:
    late = human_duration(max(item.slept_until - item.due_at, timedelta(0)))
    if item.late_policy == "sent-late":
        return _("sent up to {late} late").format(late=late)
    if item.late_policy == "missed":
        return _("missed (late policy)")
    if item.late_policy == "held":
        return _("held (late policy)")
    return item.status
