"""Rehearse a campaign: the same posts, starting now, a moment apart, into local outboxes.

This is what ``socialpost demo`` runs: it lets anyone watch a campaign go through the whole
machinery (schedule → daemon → status → report) in seconds, with no account anywhere, and see
every post as it would go out, per account, as files and Atom feeds.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from socialpost.campaign.expand import PlannedPost
from socialpost.campaign.load import LoadedCampaign
from socialpost.campaign.models import LatePolicy
from socialpost.errors import UsageError
from socialpost.i18n import _
from socialpost.settings.config import DaemonSettings, Settings
from socialpost.timeutil import zone

MARKER = ".socialpost-demo"


def outbox_account(account: str) -> str:
    """``mastodon:acme`` → ``outbox:mastodon-acme`` (outbox accounts stand in for real ones)."""
    network, name = account.split(":", 1)
    return account if network == "outbox" else f"outbox:{network}-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}"


def rehearse(
    loaded: LoadedCampaign,
    rows: list[PlannedPost],
    *,
    start: datetime,
    spacing: timedelta,
    occurrences_per_recurring_post: int = 2,
) -> tuple[LoadedCampaign, list[PlannedPost]]:
    """The rows of ``loaded`` (its first few occurrences for recurring posts) sent to outbox
    accounts from ``start``, ``spacing`` apart, in their original order, as a separate campaign."""
    model = loaded.model
    tz = zone(model.timezone)
    name = f"{model.campaign}-rehearsal"
    first = start.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=2)
    upcoming = [row for row in rows if not row.recurring or row.due_at >= start]
    kept_occurrences: dict[str, list[str]] = {}
    for row in sorted(upcoming, key=lambda r: (r.due_at, r.index)):
        seen = kept_occurrences.setdefault(row.post_id, [])
        if row.occurrence not in seen and len(seen) < (occurrences_per_recurring_post if row.recurring else 1):
            seen.append(row.occurrence)
    slots = sorted(
        {
            (row.due_at, row.index, row.post_id, row.occurrence)
            for row in upcoming
            if row.occurrence in kept_occurrences.get(row.post_id, [])
        }
    )
    rank = {(post_id, occurrence): i for i, (_, _, post_id, occurrence) in enumerate(slots)}
    rehearsed = []
    for row in upcoming:
        position = rank.get((row.post_id, row.occurrence))
        if position is None:
            continue
        due = first + position * spacing
        rehearsed.append(
            # not "recurring" any more: a rehearsal row is a one-off, even if scheduling takes a while
            replace(
                row,
                campaign=name,
                account=outbox_account(row.account),
                due_at=due,
                local_time=due.astimezone(tz),
                recurring=False,
            )
        )
    copy = model.model_copy(
        update={
            "campaign": name,
            "accounts": [outbox_account(a) for a in model.accounts],
            "late": LatePolicy(within=timedelta(hours=1)),
        }
    )
    return LoadedCampaign(copy, loaded.document), rehearsed


def sandbox_settings(workdir: Path) -> Settings:
    """Settings for a throw-away workspace: its own SQLite file and outbox folders."""
    workdir = workdir.resolve()
    if workdir.exists() and any(workdir.iterdir()) and not (workdir / MARKER).exists():
        raise UsageError(
            _("{folder} exists and is not a socialpost demo folder; the demo will not write into it.").format(
                folder=workdir
            ),
            hint=_("Pass --workdir with a new or empty folder."),
        )
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).write_text("created by socialpost demo; safe to delete\n", encoding="utf-8")
    for old in workdir.glob("socialpost.db*"):
        old.unlink()
    return Settings(
        database_url=f"sqlite:///{workdir / 'socialpost.db'}",
        data_dir=workdir,
        daemon=DaemonSettings(poll_seconds=1.0, lease_seconds=30.0, shutdown_grace_seconds=5.0),
    )
