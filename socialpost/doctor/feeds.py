"""Feeds whose last read failed: their new entries are not posted until they read again."""

from __future__ import annotations

from datetime import datetime

from socialpost.doctor.finding import Finding, local_when, warning
from socialpost.i18n import _
from socialpost.store.db import Store
from socialpost.store.feeds import problems


def check_feeds(store: Store, now: datetime) -> list[Finding]:
    """One warning per feed that could not be read at its last poll; nothing when all read."""
    return [
        warning(
            "feeds",
            _("The feed {url} of campaign {campaign} could not be read at {when}: {error}").format(
                url=problem.url, campaign=problem.campaign, when=local_when(problem.since), error=problem.error
            ),
            _(
                "Check the address in the campaign file (open it in a browser); 'socialpost feeds check {campaign}' "
                "reads it again now. Other posts go out as usual."
            ).format(campaign=problem.campaign),
        )
        for problem in problems(store)
    ]
