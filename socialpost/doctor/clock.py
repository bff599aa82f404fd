"""This machine's clock against the ``Date`` header of a network API the accounts use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from socialpost.doctor.finding import Finding, local_when, ok, problem
from socialpost.i18n import _
from socialpost.timeutil import Clock, human_duration

CLOCK_SKEW_LIMIT = timedelta(seconds=30)
CLOCK_PROBES = 3  # API addresses tried, at most, for the clock check
DateProbe = Callable[[str, float], "datetime | None"]


def head_date(origin: str, timeout: float) -> datetime | None:
    """The ``Date`` a server answers a HEAD request with; None when it does not answer."""
    import httpx

    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, headers={"User-Agent": "socialpost doctor"}) as http:
            response = http.head(origin + "/")
    except httpx.HTTPError:
        return None
    header = response.headers.get("date")
    if not header:
        return None
    try:
        value = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_clock(origins: Sequence[str], clock: Clock, probe: DateProbe, timeout: float) -> list[Finding]:
    """This machine's clock against the ``Date`` of the first API that answers. Posts go out at the
    wrong time, and some networks refuse signed requests, when the clock is off."""
    for origin in list(origins)[:CLOCK_PROBES]:
        before = clock()
        theirs = probe(origin, timeout)
        after = clock()
        if theirs is None:
            continue
        ours = before + (after - before) / 2
        # Date has whole seconds (cut down): a second of error, nothing next to the limit
        skew = timedelta(seconds=round((theirs - ours).total_seconds()))
        if abs(skew) > CLOCK_SKEW_LIMIT:
            if skew > timedelta(0):
                text = _(
                    "this machine's clock is {delay} behind {origin} (it says {when}): posts would go out at the "
                    "wrong time, and networks may refuse requests."
                )
            else:
                text = _(
                    "this machine's clock is {delay} ahead of {origin} (it says {when}): posts would go out at the "
                    "wrong time, and networks may refuse requests."
                )
            return [
                problem(
                    "clock",
                    text.format(delay=human_duration(abs(skew)), origin=origin, when=local_when(theirs)),
                    _(
                        "Turn on automatic time: sudo timedatectl set-ntp true (Linux), or System Settings → Date & "
                        "Time → Set time automatically (macOS, Windows)."
                    ),
                )
            ]
        return [ok("clock", _("this machine's clock agrees with {origin}").format(origin=origin))]
    if origins:
        return [ok("clock", _("not checked: no network API answered (this machine may be offline)"))]
    return [ok("clock", _("not checked: no account has an API address to compare with"))]
