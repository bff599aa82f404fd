"""The calendar as an iCalendar file (RFC 5545) that Google Calendar, Outlook and Apple Calendar import.

One VEVENT per post, occurrence and account. Importing a newer export updates the events of the
older one rather than adding copies, because:

* the UID is derived from what names the post in the queue (campaign, post, occurrence, account),
  never from its text or time, so an edited post keeps its UID;
* SEQUENCE counts the post's revisions (its events in the queue's log after it was scheduled), so
  it grows when the post is edited, re-timed, sent or cancelled, and stays put otherwise;
* DTSTAMP and LAST-MODIFIED are when the post's row last changed (RFC 5545 §3.8.7.2: without a
  METHOD, DTSTAMP is the last revision of the event), so exporting twice with nothing changed
  writes the same bytes;
* a cancelled post stays, with STATUS:CANCELLED, so the event an earlier export made is cancelled.

Times are UTC (``…Z``): every calendar reads them, and no VTIMEZONE is needed.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from socialpost import __version__
from socialpost.calendar.entries import CANCELLED, MARK_NAMES, Calendar, Entry
from socialpost.i18n import _

DURATION = timedelta(minutes=15)  # how long an event lasts in the calendar (a post is an instant)
SUMMARY_CHARS = 60
UID_DOMAIN = "socialpost.invalid"  # RFC 5545 suggests a domain on the right of the UID; none is ours
LINE_OCTETS = 75


def uid(entry: Entry) -> str:
    """Stable across exports and edits: the post's place in the queue, hashed (names may hold any
    character; a UID should not)."""
    key = "\x1f".join((entry.campaign, entry.post_id, entry.occurrence, entry.account))
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@{UID_DOMAIN}"


def ics(calendar: Calendar, *, name: str = "socialpost") -> str:
    """The whole file, CRLF line ends, lines folded at 75 octets."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//socialpost//socialpost {__version__}//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape(name)}",
        f"X-WR-TIMEZONE:{escape(calendar.zone_name())}",
    ]
    for entry in sorted(calendar.entries, key=lambda e: (e.due_at, uid(e))):
        lines.extend(event(entry))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def event(entry: Entry) -> list[str]:
    start = entry.when
    changed = stamp(entry.updated_at)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid(entry)}",
        f"DTSTAMP:{changed}",
        f"CREATED:{stamp(entry.created_at)}",
        f"LAST-MODIFIED:{changed}",
        f"SEQUENCE:{entry.changes}",
        f"DTSTART:{stamp(start)}",
        f"DTEND:{stamp(start + DURATION)}",
        f"SUMMARY:{escape(summary(entry))}",
        f"DESCRIPTION:{escape(description(entry))}",
        f"CATEGORIES:{','.join(escape(c) for c in (entry.network, entry.campaign))}",
        f"STATUS:{'CANCELLED' if entry.state == CANCELLED else 'CONFIRMED'}",
        "TRANSP:TRANSPARENT",  # a post does not make anyone busy
    ]
    if entry.url:
        lines.append(f"URL:{entry.url}")
    lines.append("END:VEVENT")
    return lines


def summary(entry: Entry) -> str:
    """``✓ x:cafe — Our own roastery opens Saturday!…``: the state's mark, the account, the text's start."""
    first = " ".join(entry.text.split())
    if len(first) > SUMMARY_CHARS:
        first = first[: SUMMARY_CHARS - 1].rstrip() + "…"
    return f"{entry.mark} {entry.account} — {first}" if first else f"{entry.mark} {entry.account}"


def description(entry: Entry) -> str:
    """The post's text in full (each thread part numbered), then its state, reference and link."""
    parts = entry.parts
    if len(parts) > 1:
        body = "\n\n".join(f"{n}/{len(parts)}\n{part}" for n, part in enumerate(parts, start=1))
    else:
        body = parts[0]
    state = _(MARK_NAMES[entry.state])
    if entry.status not in (entry.state, "pending"):  # "missed, unknown or held": which one
        state += f" ({entry.status})"
    facts = [
        _("State: {state}").format(state=state),
        _("Post: {ref}").format(ref=entry.ref),
    ]
    if entry.url:
        facts.append(_("Link: {url}").format(url=entry.url))
    if entry.reason and entry.state != "sent":
        facts.append(_("Last error: {reason}").format(reason=entry.reason))
    return body + "\n\n—\n" + "\n".join(facts)


def stamp(instant: datetime) -> str:
    """A UTC DATE-TIME: ``20270302T140000Z``."""
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets folded (CRLF and a space), never inside a UTF-8 character."""
    data = line.encode()
    if len(data) <= LINE_OCTETS:
        return line
    pieces: list[str] = []
    limit = LINE_OCTETS
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # continuation lines start with a space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)
