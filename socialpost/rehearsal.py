"""Rehearse a campaign: the same posts, starting now, a moment apart, into local outboxes.

This is what ``socialpost demo`` runs: it lets anyone watch a campaign go through the whole
machinery (schedule → daemon → status → report) in seconds, with no account anywhere, and see
every post as it would go out, per account, as files and Atom feeds.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from socialpost.campaign.load import LoadedCampaign
from socialpost.campaign.models import LatePolicy
from socialpost.config import DaemonSettings, Settings
from socialpost.errors import UsageError
from socialpost.timeutil import zone

MARKER = ".socialpost-demo"


def outbox_account(account: str) -> str:
    """``mastodon:acme`` → ``outbox:mastodon-acme`` (outbox accounts stand in for real ones)."""
    network, name = account.split(":", 1)
    return account if network == "outbox" else f"outbox:{network}-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}"


def rehearse(loaded: LoadedCampaign, *, start: datetime, spacing: timedelta) -> LoadedCampaign:
    """A copy of ``loaded`` whose posts go to outbox accounts from ``start``, ``spacing`` apart."""
    model = loaded.model
    tz = zone(model.timezone)
    first = start.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
    order = sorted(range(len(model.posts)), key=lambda i: model.posts[i].at)
    posts = list(model.posts)
    for rank, index in enumerate(order):
        post = posts[index]
        at = (first + rank * spacing).astimezone(tz).replace(tzinfo=None)
        accounts = [outbox_account(a) for a in post.accounts] if post.accounts else None
        posts[index] = post.model_copy(update={"at": at, "accounts": accounts})
    rehearsal = model.model_copy(
        update={
            "campaign": f"{model.campaign}-rehearsal",
            "accounts": [outbox_account(a) for a in model.accounts],
            "posts": posts,
            "late": LatePolicy(within=timedelta(hours=1)),
        }
    )
    return LoadedCampaign(rehearsal, loaded.document)


def sandbox_settings(workdir: Path) -> Settings:
    """Settings for a throw-away workspace: its own SQLite file and outbox folders."""
    workdir = workdir.resolve()
    if workdir.exists() and any(workdir.iterdir()) and not (workdir / MARKER).exists():
        raise UsageError(
            f"{workdir} exists and is not a socialpost demo folder; the demo will not write into it.",
            hint="Pass --workdir with a new or empty folder.",
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
