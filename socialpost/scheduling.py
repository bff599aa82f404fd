"""What `validate`, `plan` and `schedule` do, as library calls (the CLI only renders)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from socialpost.campaign import checks
from socialpost.campaign.checks import PostMeasure
from socialpost.campaign.expand import PlannedPost, expand
from socialpost.campaign.load import LoadedCampaign, load_campaigns
from socialpost.config import Settings
from socialpost.errors import CampaignError, ConfigError, PluginError, Problem
from socialpost.i18n import _
from socialpost.networks.registry import Adapters, load
from socialpost.text.rules import LengthRule, rule_for
from socialpost.timeutil import utcnow

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only by the commands that need it
    from socialpost.store import sync
    from socialpost.store.db import Store


@dataclass
class Prepared:
    """A campaign that passed every check, the rows it expands to, and the advice about it."""

    loaded: LoadedCampaign
    rows: list[PlannedPost]
    warnings: list[Problem] = field(default_factory=list)
    measures: list[PostMeasure] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.loaded.model.campaign


def prepare(
    paths: list[Path],
    settings: Settings,
    *,
    now: datetime | None = None,
    check_past: bool = False,
    allow_past: bool = False,
) -> list[Prepared]:
    """Load, validate, expand and check campaign files; every error of every file in one CampaignError.

    ``check_past`` refuses one-off posts whose time has passed (what `validate` does; `schedule`
    leaves that to the store, which knows which posts already went out).
    """
    return prepare_loaded(load_campaigns(paths), settings, now=now, check_past=check_past, allow_past=allow_past)


def prepare_loaded(
    loaded: list[LoadedCampaign],
    settings: Settings,
    *,
    now: datetime | None = None,
    check_past: bool = False,
    allow_past: bool = False,
) -> list[Prepared]:
    """Check loaded campaigns against the configured accounts, expand and check them.

    An account that is not usable (not set up, network not installed) is reported and the checks
    go on with its network's generic length rule, so one run shows every problem: a text too long
    for an account is not hidden until the account is set up.
    """
    current = now or utcnow()
    problems: list[Problem] = []
    adapters = Adapters(settings)
    reasons: dict[str, str | None] = {}
    for campaign in loaded:
        problems.extend(check_accounts(campaign, adapters, reasons=reasons))
    unusable = {account for account, reason in reasons.items() if reason is not None}
    prepared = []
    for campaign in loaded:
        try:
            rows = expand(campaign, now=current)
        except CampaignError as exc:
            problems.extend(exc.problems)
            continue
        accounts = {row.account for row in rows}
        leads = {account: _lead_time(adapters, account, unusable) for account in accounts}
        rows = [replace(row, lead=leads[row.account]) if leads[row.account] else row for row in rows]
        # once per account, not per row
        rules = {account: _length_rule(adapters, account, unusable) for account in accounts}
        found = checks.check(
            campaign,
            rows,
            now=current,
            allow_past=allow_past or not check_past,
            rule_for_account=rules.__getitem__,
            media_roots=settings.media_roots,
        )
        problems.extend(found.errors)
        prepared.append(Prepared(campaign, rows, found.warnings, found.measures))
    if problems:
        raise CampaignError(sorted(problems, key=lambda p: (p.file, p.line, p.column)))
    return prepared


def _lead_time(adapters: Adapters, account: str, unusable: set[str]) -> timedelta:
    """The account's lead time; none for an account that is not usable (it is reported already)."""
    return timedelta(0) if account in unusable else adapters.lead_time(account)


def _length_rule(adapters: Adapters, account: str, unusable: set[str]) -> LengthRule:
    """The account's length rule; for an account that is not usable, its network's generic one."""
    if account not in unusable:
        return adapters.length_rule(account)
    network = account.split(":", 1)[0]
    try:
        cls = load(network)
    except PluginError:  # not installed or broken (reported already): the built-in rule, if any
        return rule_for(network)
    return rule_for(network, limit=cls.max_length)


@dataclass
class Validation:
    """Everything `validate` reports: errors, advice, and each post's length per account."""

    errors: list[Problem]
    warnings: list[Problem]
    measures: list[PostMeasure]
    rows: int

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(paths: list[Path], settings: Settings, *, now: datetime, allow_past: bool = False) -> Validation:
    """Check campaign files completely, collecting every error and warning instead of stopping."""
    errors: list[Problem] = []
    loaded: list[LoadedCampaign] = []
    for path in paths:
        try:
            loaded.extend(load_campaigns([path]))
        except CampaignError as exc:
            errors.extend(exc.problems)
    warnings: list[Problem] = []
    measures: list[PostMeasure] = []
    rows = 0
    for campaign in loaded:
        try:
            (item,) = prepare_loaded([campaign], settings, now=now, check_past=True, allow_past=allow_past)
        except CampaignError as exc:
            errors.extend(exc.problems)
            continue
        warnings.extend(item.warnings)
        measures.extend(item.measures)
        rows += len(item.rows)
    names: dict[str, str] = {}
    for campaign in loaded:
        name = campaign.model.campaign
        if name in names and names[name] != campaign.path:
            errors.append(
                campaign.document.problem(
                    ("campaign",),
                    _("campaign '{name}' is also defined in {other}. Fix: give each its own name.").format(
                        name=name, other=names[name]
                    ),
                )
            )
        names.setdefault(name, campaign.path)
    order = lambda p: (p.file, p.line, p.column)  # noqa: E731
    return Validation(sorted(errors, key=order), sorted(warnings, key=order), measures, rows)


def check_accounts(
    loaded: LoadedCampaign, adapters: Adapters, *, reasons: dict[str, str | None] | None = None
) -> list[Problem]:
    """Every account the campaign names must have an installed network and a usable config.

    ``reasons`` (account → why it is not usable, or None) is filled in, and shared by callers
    checking several campaigns so each account is checked once.
    """
    model = loaded.model
    places: list[tuple[tuple[str | int, ...], str]] = [
        (("accounts", i), account) for i, account in enumerate(model.accounts)
    ]
    for p, post in enumerate(model.posts):
        places.extend((("posts", p, "accounts", i), account) for i, account in enumerate(post.accounts or []))
    problems = []
    checked = {} if reasons is None else reasons
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


def plan(
    store: Store, prepared: list[Prepared], *, now: datetime, allow_past: bool = False, replace: bool = False
) -> list[sync.Plan]:
    """What `schedule` would do; changes nothing."""
    return _run(store, prepared, now=now, allow_past=allow_past, dry_run=True, replace=replace)


def schedule(
    store: Store, prepared: list[Prepared], *, now: datetime, allow_past: bool = False, replace: bool = False
) -> list[sync.Plan]:
    """Upsert every campaign into the store, all in one transaction: an error in one writes nothing.

    A campaign already scheduled from another file that still exists is refused unless ``replace``.
    """
    return _run(store, prepared, now=now, allow_past=allow_past, dry_run=False, replace=replace)


def _run(
    store: Store, prepared: list[Prepared], *, now: datetime, allow_past: bool, dry_run: bool, replace: bool
) -> list[sync.Plan]:
    from socialpost.store import sync

    campaigns = [(item.loaded, item.rows) for item in prepared]
    return sync.schedule(store, campaigns, now=now, allow_past=allow_past, dry_run=dry_run, replace=replace)
