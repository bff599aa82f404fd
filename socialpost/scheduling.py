"""What `validate`, `plan` and `schedule` do, as library calls (the CLI only renders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from socialpost.campaign.expand import PlannedPost, expand
from socialpost.campaign.load import LoadedCampaign, load_campaigns
from socialpost.config import Settings
from socialpost.errors import CampaignError, ConfigError, PluginError, Problem
from socialpost.networks.registry import Adapters
from socialpost.store import sync
from socialpost.store.db import Store


@dataclass
class Prepared:
    """A campaign that passed every check, and the rows it expands to."""

    loaded: LoadedCampaign
    rows: list[PlannedPost]

    @property
    def name(self) -> str:
        return self.loaded.model.campaign


def prepare(paths: list[Path], settings: Settings) -> list[Prepared]:
    """Load, validate and expand campaign files; every problem of every file in one CampaignError."""
    return prepare_loaded(load_campaigns(paths), settings)


def prepare_loaded(loaded: list[LoadedCampaign], settings: Settings) -> list[Prepared]:
    """Check loaded campaigns against the configured accounts and expand them."""
    problems: list[Problem] = []
    adapters = Adapters(settings)
    for campaign in loaded:
        problems.extend(check_accounts(campaign, adapters))
    if problems:
        raise CampaignError(problems)
    return [Prepared(campaign, expand(campaign)) for campaign in loaded]


def check_accounts(loaded: LoadedCampaign, adapters: Adapters) -> list[Problem]:
    """Every account the campaign names must have an installed network and a usable config."""
    model = loaded.model
    places: list[tuple[tuple[str | int, ...], str]] = [
        (("accounts", i), account) for i, account in enumerate(model.accounts)
    ]
    for p, post in enumerate(model.posts):
        places.extend((("posts", p, "accounts", i), account) for i, account in enumerate(post.accounts or []))
    problems = []
    checked: dict[str, str | None] = {}
    for loc, account in places:
        if account not in checked:
            try:
                adapters.check_configured(account)
                checked[account] = None
            except (ConfigError, PluginError) as exc:
                checked[account] = str(exc)
        reason = checked[account]
        if reason is not None:
            problems.append(loaded.document.problem(loc, reason))
    return problems


def plan(store: Store, prepared: list[Prepared], *, now: datetime, allow_past: bool = False) -> list[sync.Plan]:
    """What `schedule` would do; changes nothing."""
    return _run(store, prepared, now=now, allow_past=allow_past, dry_run=True)


def schedule(store: Store, prepared: list[Prepared], *, now: datetime, allow_past: bool = False) -> list[sync.Plan]:
    """Upsert every campaign into the store (one transaction per campaign)."""
    return _run(store, prepared, now=now, allow_past=allow_past, dry_run=False)


def _run(store: Store, prepared: list[Prepared], *, now: datetime, allow_past: bool, dry_run: bool) -> list[sync.Plan]:
    # Plan everything first, so a past time in the second file stops the first one too.
    problems: list[Problem] = []
    plans = []
    for item in prepared:
        try:
            plans.append(sync.schedule(store, item.loaded, item.rows, now=now, allow_past=allow_past, dry_run=True))
        except CampaignError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CampaignError(problems)
    if dry_run:
        return plans
    return [sync.schedule(store, item.loaded, item.rows, now=now, allow_past=allow_past) for item in prepared]
