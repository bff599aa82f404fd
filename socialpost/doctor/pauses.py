"""Pauses that hold back posts due soon: the user may have forgotten them."""

from __future__ import annotations

from datetime import datetime

from socialpost.doctor.finding import Finding, local_when, warning
from socialpost.i18n import _, formats, ngettext
from socialpost.store.db import Store
from socialpost.store.pauses import SOON, listing
from socialpost.timeutil import human_duration


def check_pauses(store: Store, now: datetime) -> list[Finding]:
    """One warning when a pause holds back posts that are due within a day (or overdue): they will
    not go out, and the user may have forgotten the pause. Nothing when no pause holds any."""
    holding = [p for p in listing(store, now=now) if p.due_soon]
    if not holding:
        return []
    parts = []
    for pause in holding:
        held = ngettext(
            "{target} (paused {ago} ago by {by}) holds {count} post due within {soon}, the first {post} due {when}",
            "{target} (paused {ago} ago by {by}) holds {count} posts due within {soon}, the first {post} due {when}",
            pause.due_soon,
        ).format(
            target=pause.target.describe(),
            ago=human_duration(now - pause.since),
            by=pause.by,
            count=formats.integer(pause.due_soon),
            soon=human_duration(SOON),
            post=pause.first,
            when=local_when(pause.first_due) if pause.first_due is not None else "?",
        )
        parts.append(held + (f" — {pause.reason}" if pause.reason else ""))
    return [
        warning(
            "pauses",
            _("Paused posts will not go out: {pauses}.").format(pauses="; ".join(parts)),
            _(
                "When you are ready: {command} (it shows what happens to the overdue posts first). "
                "'socialpost status' lists every pause."
            ).format(command=" / ".join(p.target.resume_command for p in holding)),
        )
    ]
