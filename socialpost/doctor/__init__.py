"""`socialpost doctor`: find what commonly breaks and say, for each finding, how to fix it.

Each check is a function ``(context) -> list[Finding]`` in :data:`CHECKS`, run in that order by
:func:`run_checks`; a check that crashes becomes a "problem" finding naming it and the others still
run, so the doctor itself never fails with a traceback. Library code: nothing here prints or exits.

The checks, one module each: the config file parses; file permissions (``files``: ``secrets.yaml``
must be 0600; the config file must not be writable by others, nor readable by others when it holds
a secret in clear); time-zone data (``timezones``); the database is reachable and migrated
(``database``); a daemon is alive when posts wait (``daemon``); its host did not sleep past due
posts (``sleep``); pauses holding back posts due soon
(``pauses``); feeds whose last read failed (``feeds``); media files of waiting posts still exist
(``media``); failed, held and unknown posts
waiting for a decision (``decisions``); each account's credentials, permissions and token expiry
(``accounts``: the adapter's typed ``AccountHealth``), with a warning when a token expires before a
post scheduled for it, the API version it uses (how long it has left, a warning from three months
before its sunset or when socialpost had to move to another version), and what the adapter knows
keeps posts from going out as planned (``caveats()``: an unaudited YouTube project) for accounts
with posts; and the system clock (``clock``), compared with the ``Date`` header of a network API
the accounts use (skipped quietly when none answers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialpost.doctor.accounts import TOKEN_SOON, check_accounts, expiry_findings, token_expiry
from socialpost.doctor.clock import CLOCK_PROBES, CLOCK_SKEW_LIMIT, DateProbe, check_clock, head_date
from socialpost.doctor.daemon import check_daemon
from socialpost.doctor.database import StoreOpener, check_database, open_without_migrating, safe_url
from socialpost.doctor.decisions import SHOWN_POSTS, check_decisions
from socialpost.doctor.feeds import check_feeds
from socialpost.doctor.files import (
    check_config_permissions,
    check_data_permissions,
    check_secrets_file,
    config_where,
)
from socialpost.doctor.finding import Finding, Status, crashed, ok, problem, warning
from socialpost.doctor.media import check_media
from socialpost.doctor.notify import check_notify
from socialpost.doctor.pauses import check_pauses
from socialpost.doctor.queue import (
    DECISION_STATES,
    RECENT_POSTS,
    WAITING_STATES,
    QueuedPost,
    load_posts,
    recently_sent,
)
from socialpost.doctor.sleep import check_sleep
from socialpost.doctor.timezones import ZONES, check_timezones
from socialpost.errors import SocialpostError
from socialpost.i18n import _
from socialpost.timeutil import Clock, utcnow

if TYPE_CHECKING:
    from socialpost.settings.config import Settings
    from socialpost.store.db import Store

__all__ = [
    "CHECKS",
    "CLOCK_PROBES",
    "CLOCK_SKEW_LIMIT",
    "DECISION_STATES",
    "RECENT_POSTS",
    "SHOWN_POSTS",
    "TOKEN_SOON",
    "WAITING_STATES",
    "ZONES",
    "Check",
    "Context",
    "DateProbe",
    "Finding",
    "QueuedPost",
    "Report",
    "Status",
    "StoreOpener",
    "check_accounts",
    "check_clock",
    "check_config_permissions",
    "check_daemon",
    "check_data_permissions",
    "check_database",
    "check_decisions",
    "check_media",
    "check_notify",
    "check_pauses",
    "check_secrets_file",
    "check_timezones",
    "crashed",
    "expiry_findings",
    "head_date",
    "load_posts",
    "ok",
    "open_without_migrating",
    "problem",
    "recently_sent",
    "run_checks",
    "safe_url",
    "summary",
    "token_expiry",
    "warning",
]


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing needs the user's attention (no warning, no problem)."""
        return all(f.status == "ok" for f in self.findings)

    def as_json(self) -> dict[str, Any]:
        """The documented ``socialpost doctor --json`` shape."""
        return {"ok": self.ok, "findings": [f.as_json() for f in self.findings]}


@dataclass
class Context:
    """What the checks share: the settings and the run's options, and what earlier checks found
    (the open store, the posts waiting, the API origins the accounts talk to)."""

    settings: Settings
    clock: Clock
    store_opener: StoreOpener
    date_probe: DateProbe
    probe_timeout: float
    environ: Mapping[str, str] | None
    zones: Sequence[str]
    store: Store | None = None
    queued: list[QueuedPost] = field(default_factory=list)
    campaign_zones: list[str] = field(default_factory=list)
    posted: set[str] = field(default_factory=set)
    origins: list[str] = field(default_factory=list)
    now: datetime | None = None  # taken once the store is read, shared by the checks that use it

    @property
    def at(self) -> datetime:
        if self.now is None:
            self.now = self.clock()
        return self.now


@dataclass(frozen=True)
class Check:
    """One registered check: the id its crash is reported under, and whether it needs the store."""

    id: str
    run: Callable[[Context], list[Finding]]
    needs_store: bool = False


# --- the checks, as (context) -> findings -----------------------------------------------------------


def _config_permissions(ctx: Context) -> list[Finding]:
    return check_config_permissions(ctx.settings)


def _secrets_permissions(ctx: Context) -> list[Finding]:
    return check_secrets_file(ctx.settings)


def _data_permissions(ctx: Context) -> list[Finding]:
    return check_data_permissions(ctx.settings)


def _database(ctx: Context) -> list[Finding]:
    ctx.store, findings = check_database(ctx.settings, ctx.store_opener)
    return findings


def _waiting_posts(ctx: Context) -> list[Finding]:
    """Reads the posts the later checks look at; finds nothing itself."""
    assert ctx.store is not None  # needs_store
    ctx.queued, ctx.campaign_zones = load_posts(ctx.store)
    return []


def _recently_sent(ctx: Context) -> list[Finding]:
    """Reads the accounts that sent a post lately (their caveats matter); finds nothing itself."""
    assert ctx.store is not None  # needs_store
    ctx.posted = recently_sent(ctx.store, ctx.clock())
    return []


def _timezones(ctx: Context) -> list[Finding]:
    return check_timezones(ctx.zones, ctx.campaign_zones)


def _daemon(ctx: Context) -> list[Finding]:
    assert ctx.store is not None  # needs_store
    return check_daemon(ctx.store, ctx.queued, ctx.at)


def _sleep(ctx: Context) -> list[Finding]:
    assert ctx.store is not None  # needs_store
    return check_sleep(ctx.store, ctx.at)


def _pauses(ctx: Context) -> list[Finding]:
    assert ctx.store is not None  # needs_store
    return check_pauses(ctx.store, ctx.at)


def _feeds(ctx: Context) -> list[Finding]:
    assert ctx.store is not None  # needs_store
    return check_feeds(ctx.store, ctx.at)


def _media(ctx: Context) -> list[Finding]:
    return check_media(ctx.queued)


def _decisions(ctx: Context) -> list[Finding]:
    return check_decisions(ctx.queued)


def _accounts(ctx: Context) -> list[Finding]:
    return check_accounts(
        ctx.settings, ctx.queued, clock=ctx.clock, environ=ctx.environ, origins=ctx.origins, posted=ctx.posted
    )


def _notify(ctx: Context) -> list[Finding]:
    return check_notify(ctx.settings, ctx.store, ctx.at, ctx.environ)


def _clock(ctx: Context) -> list[Finding]:
    return check_clock(ctx.origins, ctx.clock, ctx.date_probe, ctx.probe_timeout)


CHECKS: tuple[Check, ...] = (
    Check("config-permissions", _config_permissions),
    Check("secrets-permissions", _secrets_permissions),
    Check("data-permissions", _data_permissions),
    Check("database", _database),
    Check("posts", _waiting_posts, needs_store=True),
    Check("posts", _recently_sent, needs_store=True),
    Check("timezones", _timezones),
    Check("daemon", _daemon, needs_store=True),
    Check("daemon-sleep", _sleep, needs_store=True),
    Check("pauses", _pauses, needs_store=True),
    Check("feeds", _feeds, needs_store=True),
    Check("media", _media, needs_store=True),
    Check("posts", _decisions, needs_store=True),
    Check("accounts", _accounts),
    Check("notify", _notify),
    Check("clock", _clock),
)


# --- the entry point ----------------------------------------------------------------------------


def run_checks(
    settings: Settings | Callable[[], Settings],
    *,
    clock: Clock = utcnow,
    store_opener: StoreOpener | None = None,
    date_probe: DateProbe | None = None,
    probe_timeout: float = 3.0,
    environ: Mapping[str, str] | None = None,
    zones: Sequence[str] = ZONES,
) -> Report:
    """Run every check. ``settings`` may be a loader, so a config file that does not parse becomes
    a finding. ``store_opener`` opens the database without migrating it (the default); the
    ``date_probe`` returns the ``Date`` an address answers with (default: an HTTP HEAD request)."""
    report = Report()
    findings = report.findings

    try:
        config = settings() if callable(settings) else settings
    except Exception as exc:  # noqa: BLE001 - a config that does not load is a finding, not a crash
        if isinstance(exc, SocialpostError):
            fix = exc.hint or _("Correct the config file where shown (config.example.yaml has every setting).")
            findings.append(
                problem(
                    "config",
                    exc.message,
                    _("{fix} The other checks need the settings: fix this first.").format(fix=fix),
                )
            )
        else:
            findings.append(crashed("config", exc))
        _run(Check("timezones", lambda _ctx: check_timezones(zones, [])), None, findings)
        return report
    findings.append(ok("config", config_where(config)))

    context = Context(
        settings=config,
        clock=clock,
        store_opener=store_opener or open_without_migrating,
        date_probe=date_probe or head_date,
        probe_timeout=probe_timeout,
        environ=environ,
        zones=zones,
    )
    try:
        for check in CHECKS:
            if check.needs_store and context.store is None:
                continue
            _run(check, context, findings)
    finally:
        if context.store is not None:
            context.store.close()
    return report


def _run(check: Check, context: Any, findings: list[Finding]) -> None:
    """Add what the check found, or a "problem" finding naming it when it crashes."""
    try:
        findings.extend(check.run(context))
    except Exception as exc:  # noqa: BLE001 - the doctor reports its own failures, never a traceback
        findings.append(crashed(check.id, exc))


def summary(findings: Iterable[Finding]) -> tuple[int, int]:
    """(problems, warnings)."""
    items = list(findings)
    return sum(f.status == "problem" for f in items), sum(f.status == "warning" for f in items)
