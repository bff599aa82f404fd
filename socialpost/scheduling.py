"""What `validate`, `plan` and `schedule` do, as library calls (the CLI only renders).

The three commands judge campaign files the same way, in two steps:

1. :func:`draft` reads the files as far as they are valid — every load, format, duplicate,
   expansion and account problem of every file, and, for what is valid, every row checked
   (lengths, media, advice; :mod:`socialpost.campaign.checks`), each problem noted with the rows
   it is about;
2. :func:`judge` (`validate`) or :func:`run` (`plan`, `schedule`, inside the write transaction)
   compares the rows with the queue (:func:`socialpost.store.sync.plan_all`): a new post whose time
   has passed is an error there, and only there; problems only about posts the queue has settled
   (sent, cancelled, missed…) are left out, so a running campaign validates, and its advice is not
   repeated for posts that already went out. Without a queue (a fresh machine, CI) every row is new.

An account that is not connected yet is a warning, not an error: its posts are measured and
advised against its network's limits, and `schedule` queues them ``held`` until it is connected
(socialpost.store.connect).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from socialpost.campaign import checks
from socialpost.campaign.account_queues import config_queues
from socialpost.campaign.expand import PlannedPost, expand_all
from socialpost.campaign.findings import Findings, PostMeasure, RowKey
from socialpost.campaign.load import LoadedCampaign, read_campaigns
from socialpost.errors import AccountNotSetUp, CampaignError, ConfigError, PluginError, Problem
from socialpost.i18n import _
from socialpost.networks.profile import profile_of
from socialpost.settings.config import Settings
from socialpost.text.rules import LengthRule
from socialpost.timeutil import utcnow
from socialpost.wiring import Adapters

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only by the commands that need it
    from socialpost.store.db import Store
    from socialpost.store.sync_plan import Plan


@dataclass
class Prepared:
    """A campaign as far as it is valid, the rows it expands to, and what checking them found.

    ``warnings`` are about the file whatever the queue holds (an account not connected yet);
    ``findings`` are about rows, and are judged against the queue (see :func:`judge`).
    """

    loaded: LoadedCampaign
    rows: list[PlannedPost]
    warnings: list[Problem] = field(default_factory=list)
    measures: list[PostMeasure] = field(default_factory=list)
    findings: Findings | None = None
    unconnected: frozenset[str] = frozenset()  # accounts not set up yet: their rows are held

    @property
    def name(self) -> str:
        return self.loaded.model.campaign


@dataclass
class Draft:
    """Campaign files read and checked, before the queue is asked (:func:`draft`)."""

    prepared: list[Prepared]
    errors: list[Problem]  # load, format, duplicate, expansion and account errors of every file

    @property
    def unconnected(self) -> frozenset[str]:
        return frozenset().union(*(item.unconnected for item in self.prepared))


@dataclass(frozen=True)
class ScheduledFeed:
    """A campaign's feed as `plan` and `schedule` record it (docs/feeds.md): where its entries go,
    how often it is read, and from when (``since`` None: from the moment it is first scheduled)."""

    campaign: str
    url: str
    accounts: tuple[str, ...]
    every: timedelta
    since: str | None
    queue: bool
    source: str

    def as_json(self) -> dict[str, object]:
        return {
            "campaign": self.campaign,
            "url": self.url,
            "accounts": list(self.accounts),
            "every_seconds": int(self.every.total_seconds()),
            "since": self.since,
            "queue": self.queue,
            "source": self.source,
        }


@dataclass
class Validation:
    """The judgement of campaign files: errors, advice, each post's length per account, and the
    plan against the queue (what `plan` shows and `schedule` applies)."""

    errors: list[Problem]
    warnings: list[Problem]
    measures: list[PostMeasure]
    rows: int
    plans: list[Plan] = field(default_factory=list)
    unconnected: frozenset[str] = frozenset()
    feeds: list[ScheduledFeed] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def draft(
    paths: list[Path],
    settings: Settings,
    *,
    now: datetime | None = None,
    credentials: bool = True,
    texts: dict[Path, str] | None = None,
) -> Draft:
    """Read, expand and check campaign files as far as each is valid, collecting every problem.

    ``credentials`` False (a git hook, a CI job): accounts are judged by the config file alone
    (:meth:`socialpost.wiring.Adapters.check_listed`) and measured against their network's limits.
    ``texts``: the content of some files, read elsewhere (from git: socialpost.review)."""
    loaded, errors = read_campaigns(paths, texts=texts)
    queues, queue_problems = config_queues(settings)
    errors.extend(queue_problems)
    current = now or utcnow()
    adapters = Adapters(settings, credentials=credentials)
    reasons: dict[str, Exception | None] = {}
    prepared = []
    for campaign in loaded:
        account_errors, account_warnings = check_accounts(campaign, adapters, reasons=reasons)
        errors.extend(account_errors)
        rows, problems = expand_all(campaign, now=current, account_queues=queues)
        errors.extend(problems)
        accounts = {row.account for row in rows}
        unusable = {account for account, reason in reasons.items() if reason is not None}
        if not credentials:  # no adapter without its credentials: each network's own limits
            unusable = set(accounts)
        leads = {account: _lead_time(adapters, account, unusable) for account in accounts}
        rows = [replace(row, lead=leads[row.account]) if leads[row.account] else row for row in rows]
        # once per account, not per row
        rules = {account: _length_rule(adapters, account, unusable) for account in accounts}
        found = checks.check(
            campaign,
            rows,
            now=current,
            rule_for_account=rules.__getitem__,
            media_roots=settings.media_roots,
            media_host=settings.media_host is not None,
        )
        unconnected = frozenset(a for a, reason in reasons.items() if isinstance(reason, AccountNotSetUp))
        prepared.append(
            Prepared(campaign, rows, account_warnings, found.measures, found, unconnected & _named(campaign))
        )
    return Draft(prepared, errors)


def judge(
    drafted: Draft,
    store: Store | None,
    *,
    now: datetime,
    allow_past: bool = False,
    replace: bool = False,
) -> Validation:
    """Judge drafted campaigns against the queue (read only; ``store`` None: no queue, every row
    is new). What `validate` reports; `plan` and `schedule` judge the same way (:func:`run`)."""
    from socialpost.store import sync

    campaigns = [(item.loaded, item.rows) for item in drafted.prepared]
    with contextlib.ExitStack() as stack:
        session = None if store is None else stack.enter_context(store.session())
        plans = sync.plan_all(
            session, campaigns, now=now, allow_past=allow_past, replace=replace, unconnected=drafted.unconnected
        )
    return _verdict(drafted, plans)


def run(
    store: Store,
    drafted: Draft,
    *,
    now: datetime,
    allow_past: bool = False,
    replace: bool = False,
    apply: bool,
) -> Validation:
    """`plan` (``apply`` False: changes nothing) or `schedule`: the judgement of :func:`judge`,
    made inside the transaction that writes the plan, so it holds against a racing daemon. Raises
    CampaignError with every error of every file, and then writes nothing."""
    from socialpost.store import sync

    verdicts: list[Validation] = []

    def review(plans: list[Plan]) -> list[Problem]:
        verdicts[:] = [_verdict(drafted, plans)]
        return verdicts[0].errors

    sync.schedule(
        store,
        [(item.loaded, item.rows) for item in drafted.prepared],
        now=now,
        allow_past=allow_past,
        dry_run=not apply or bool(drafted.errors),  # a file with errors is never written: no write lock
        replace=replace,
        unconnected=drafted.unconnected,
        review=review,
    )
    return verdicts[0]


def _verdict(drafted: Draft, plans: list[Plan]) -> Validation:
    """Everything drafted, and the queue's plans, as one judgement (see the module's docstring)."""
    errors = list(drafted.errors)
    warnings: list[Problem] = []
    measures: list[PostMeasure] = []
    rows = 0
    feeds: list[ScheduledFeed] = []
    for item, plan in zip(drafted.prepared, plans, strict=True):
        feeds.extend(
            ScheduledFeed(
                campaign=item.name,
                url=spec["url"],
                accounts=tuple(spec["accounts"]),
                every=timedelta(seconds=spec["every_seconds"]),
                since=spec["since"],
                queue=spec["mode"] == "queue",
                source=spec["source"],
            )
            for spec in item.loaded.feed_specs()
        )
        warnings.extend(item.warnings)
        errors.extend(plan.errors)
        warnings.extend(plan.warnings)
        if item.findings is not None:
            judged, settled = _verdicts(plan)
            errors.extend(item.findings.still(item.findings.errors, judged=judged, settled=settled))
            warnings.extend(item.findings.still(item.findings.warnings, judged=judged, settled=settled))
        measures.extend(item.measures)
        rows += len(item.rows)
    return Validation(_sorted(errors), _sorted(warnings), measures, rows, plans, drafted.unconnected, feeds)


def _verdicts(plan: Plan) -> tuple[set[RowKey], set[RowKey]]:
    """The rows the plan queues or keeps waiting (judged), and those the queue has settled: sent,
    in doubt, cancelled, missed or failed and unchanged in the file. A post you cancelled that the
    file changed is judged: its new version is stored for `socialpost restore` to queue."""
    from socialpost.store.models import WAITING, Status

    judged: set[RowKey] = set()
    settled: set[RowKey] = set()
    waiting = {status.value for status in (*WAITING, Status.HELD)}
    for item in plan.items:
        if item.planned is None:
            continue
        if item.action != "unchanged" or item.status in waiting or (item.changed and item.kept_cancelled):
            judged.add(item.planned.key)
        else:
            settled.add(item.planned.key)
    return judged, settled


def _sorted(problems: list[Problem]) -> list[Problem]:
    """In file order, each once (an account named in several files is checked once per place)."""
    return sorted(dict.fromkeys(problems), key=lambda p: (p.file, p.line, p.column))


def _named(loaded: LoadedCampaign) -> set[str]:
    model = loaded.model
    return {*model.accounts, *(account for post in model.posts for account in post.accounts or ())}


def _lead_time(adapters: Adapters, account: str, unusable: set[str]) -> timedelta:
    """The account's lead time; none for an account that is not usable (it is reported already)."""
    return timedelta(0) if account in unusable else adapters.lead_time(account)


def _length_rule(adapters: Adapters, account: str, unusable: set[str]) -> LengthRule:
    """The account's length rule; for an account that is not usable, its network's generic one."""
    if account not in unusable:
        return adapters.length_rule(account)
    return profile_of(account.split(":", 1)[0]).length  # not installed or broken: no limit (reported already)


def validate(
    paths: list[Path],
    settings: Settings,
    *,
    now: datetime,
    allow_past: bool = False,
    replace: bool = False,
    store: Store | None = None,
    credentials: bool = True,
) -> Validation:
    """Check campaign files completely against the queue (``store``; None: the files alone),
    collecting every error and warning instead of stopping (``credentials``: see :func:`draft`)."""
    drafted = draft(paths, settings, now=now, credentials=credentials)
    return judge(drafted, store, now=now, allow_past=allow_past, replace=replace)


def check_accounts(
    loaded: LoadedCampaign, adapters: Adapters, *, reasons: dict[str, Exception | None] | None = None
) -> tuple[list[Problem], list[Problem]]:
    """Every account the campaign names must have an installed network and a usable config.

    Returns the errors (each place an unusable account is named) and the warnings (an account
    not set up yet, once per file, with the command that connects it): the accounts of the
    campaign, of its posts and of its feeds. ``reasons`` (account → why
    it is not usable, or None) is filled in, and shared by callers checking several campaigns so
    each account is checked once.
    """
    model = loaded.model
    places: list[tuple[tuple[str | int, ...], str]] = [
        (("accounts", i), account) for i, account in enumerate(model.accounts)
    ]
    for p, post in enumerate(model.posts):
        places.extend((("posts", p, "accounts", i), account) for i, account in enumerate(post.accounts or []))
    for f, feed in enumerate(model.feeds or ()):  # a feed without accounts: the campaign's, checked above
        places.extend((("feeds", f, "accounts", i), account) for i, account in enumerate(feed.accounts or []))
    errors: list[Problem] = []
    warnings: list[Problem] = []
    checked = {} if reasons is None else reasons
    for loc, account in places:
        if account not in checked:
            try:
                adapters.check_configured(account)
                checked[account] = None
            except (ConfigError, PluginError) as exc:
                checked[account] = exc
        reason = checked[account]
        if isinstance(reason, AccountNotSetUp):
            message = _not_connected(account, reason.suggestion)
            if not any(w.message == message for w in warnings):
                warnings.append(loaded.document.problem(loc, message, rule="not-connected"))
        elif reason is not None:
            errors.append(loaded.document.problem(loc, str(reason)))
    return errors, warnings


def _not_connected(account: str, suggestion: str = "") -> str:
    """The not-connected warning; with ``suggestion`` (" Did you mean …?") when the name is close to
    a configured account, as it may be a typo rather than an account still to connect."""
    from socialpost.store.connect import set_up_command

    network = account.split(":", 1)[0]
    # Translators: {suggestion} is empty or " Did you mean 'webhook:equipe'?" (already translated).
    return _(
        "account '{account}' is not connected yet: its posts are checked against {network}'s limits, and "
        "'socialpost schedule' queues them held until it is connected.{suggestion} Fix: {command}"
    ).format(account=account, network=network, suggestion=suggestion, command=set_up_command(account))


# --- the API the tests and `demo` use -------------------------------------------------------------


def prepare(paths: list[Path], settings: Settings, *, now: datetime | None = None) -> list[Prepared]:
    """:func:`draft`, raising CampaignError for the problems found before the queue is asked."""
    drafted = draft(paths, settings, now=now)
    if drafted.errors:
        raise CampaignError(_sorted(drafted.errors))
    return drafted.prepared


def plan(
    store: Store, prepared: list[Prepared], *, now: datetime, allow_past: bool = False, replace: bool = False
) -> list[Plan]:
    """What `schedule` would do; changes nothing."""
    return run(store, Draft(prepared, []), now=now, allow_past=allow_past, replace=replace, apply=False).plans


def schedule(
    store: Store, prepared: list[Prepared], *, now: datetime, allow_past: bool = False, replace: bool = False
) -> list[Plan]:
    """Upsert every campaign into the store, all in one transaction: an error in one writes nothing.

    A campaign already scheduled from another file that still exists is refused unless ``replace``.
    """
    return run(store, Draft(prepared, []), now=now, allow_past=allow_past, replace=replace, apply=True).plans
