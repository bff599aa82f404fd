"""Each account: credentials, permissions, token expiry, API version and caveats, read from the
adapter's typed health (networks.health.health_of, the HealthCheck capability)."""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from socialpost.doctor.finding import RECONNECT, Finding, crashed, local_when, ok, problem, warning
from socialpost.doctor.queue import WAITING_STATES, QueuedPost
from socialpost.errors import AuthError, ConfigError, PermanentError, PluginError, SocialpostError, TransientError
from socialpost.i18n import _, formats, ngettext
from socialpost.networks.capabilities import HealthCheck
from socialpost.networks.health import AccountHealth, health_of
from socialpost.timeutil import Clock, human_duration
from socialpost.wiring import Adapters

if TYPE_CHECKING:
    from socialpost.networks.base import Network
    from socialpost.settings.config import Settings

TOKEN_SOON = timedelta(days=7)  # a token expiring sooner than this is worth a warning on its own


def check_accounts(
    settings: Settings,
    queued: Sequence[QueuedPost],
    *,
    clock: Clock,
    environ: Mapping[str, str] | None = None,
    origins: list[str] | None = None,
    posted: set[str] | None = None,
) -> list[Finding]:
    """Each account: credentials and permissions through its adapter's ``check()``, when its
    token expires — before a post scheduled for it? — and, for accounts with posts (waiting, or
    ``posted`` recently), the adapter's caveats."""
    from socialpost import accounts

    try:
        configured = {a.account for a in accounts.listing(settings)}
    except ConfigError:  # secrets.yaml does not load: its own finding says so
        configured = {f"{network}:{name}" for network, names in settings.accounts.items() for name in names}
    waiting = [p for p in queued if p.status in (*WAITING_STATES, "held")]
    names = sorted(configured | {p.account for p in waiting})
    if not names:
        return [ok("accounts", _("no account is set up yet (socialpost accounts add NETWORK NAME connects one)"))]
    adapters = Adapters(settings, clock=clock, environ=None if environ is None else dict(environ))
    try:
        with ThreadPoolExecutor(max_workers=min(8, len(names)), thread_name_prefix="doctor") as pool:
            results = list(
                pool.map(
                    lambda a: _one_account(
                        adapters, a, [p for p in waiting if p.account == a], clock, a in (posted or set())
                    ),
                    names,
                )
            )
    finally:
        with contextlib.suppress(Exception):  # closing is best effort; the findings matter
            adapters.close()
    findings: list[Finding] = []
    for account_findings, origin in results:
        findings.extend(account_findings)
        if origins is not None and origin and origin not in origins:
            origins.append(origin)
    return findings


def _one_account(
    adapters: Adapters, account: str, posts: Sequence[QueuedPost], clock: Clock, posted: bool = False
) -> tuple[list[Finding], str | None]:
    check = f"account:{account}"
    network, _sep, name = account.partition(":")
    reconnect = RECONNECT.format(network=network, name=shlex.quote(name))
    try:
        adapter: Network = adapters.get(account)
    except (ConfigError, PluginError) as exc:
        message = exc.message
        if posts:
            message = ngettext(
                "{message} ({count} post waiting for it)", "{message} ({count} posts waiting for it)", len(posts)
            ).format(message=message, count=formats.integer(len(posts)))
        return [problem(check, message, exc.hint or _("Set it up: {command}").format(command=reconnect))], None
    except Exception as exc:  # noqa: BLE001 - a plugin's bug becomes a finding
        return [crashed(check, exc)], None
    origin = _origin(adapter)
    findings: list[Finding] = []
    identity: AccountHealth | None = None
    try:
        identity = health_of(adapter, account)
    except AuthError as exc:
        findings.append(problem(check, exc.message, exc.hint or _connect_again(reconnect)))
    except TransientError as exc:
        findings.append(
            warning(
                check,
                _("could not check it now: {reason}").format(reason=exc.message),
                exc.hint or _("Check this machine's internet connection, then run socialpost doctor again."),
            )
        )
    except PermanentError as exc:
        findings.append(problem(check, exc.message, exc.hint or _connect_again(reconnect)))
    except SocialpostError as exc:
        findings.append(
            problem(
                check,
                exc.message,
                exc.hint or _("Check its settings, or connect it again: {command}").format(command=reconnect),
            )
        )
    except Exception as exc:  # noqa: BLE001 - a plugin's bug becomes a finding
        findings.append(crashed(check, exc))
    if identity is not None:
        findings.extend(_health_findings(check, identity, reconnect))
        if identity.api_version is not None:
            findings.extend(warning(check, message, fix) for message, fix in identity.api_version.warnings())
    expiry = token_expiry(adapter, identity)
    findings.extend(expiry_findings(check, expiry, posts, clock(), reconnect))
    if identity is not None and not any(f.status != "ok" for f in findings):
        if expiry is not None:
            signed_in = _("signed in as {name}; token expires {when}").format(
                name=identity.display, when=local_when(expiry)
            )
        else:
            signed_in = _("signed in as {name}").format(name=identity.display)
        if identity.api_version is not None:
            signed_in = _("{signed_in}; {label} {version}").format(
                signed_in=signed_in, label=identity.api_version.label, version=identity.api_version.describe()
            )
        findings.insert(0, ok(check, signed_in))
    if posts or posted:
        findings.extend(_caveat_findings(check, adapter))
    return findings, origin


def _caveat_findings(check: str, adapter: Network) -> list[Finding]:
    """What the adapter knows keeps this account's posts from going out as planned, as warnings."""
    try:
        caveats = adapter.caveats() if isinstance(adapter, HealthCheck) else []
        return [warning(check, caveat.message, caveat.fix) for caveat in caveats]
    except Exception as exc:  # noqa: BLE001 - a plugin's bug becomes a finding
        return [crashed(check, exc)]


def _connect_again(reconnect: str) -> str:
    return _("Connect it again: {command}").format(command=reconnect)


def _health_findings(check: str, health: AccountHealth, reconnect: str) -> list[Finding]:
    """What the account's health check says stands in its way."""
    findings = [warning(check, w.message, w.fix or _connect_again(reconnect)) for w in health.warnings]
    if health.missing_permissions:
        findings.append(
            problem(
                check,
                _("the token lacks these permissions: {permissions}").format(
                    permissions=", ".join(health.missing_permissions)
                ),
                _("Connect it again and grant them: {command}").format(command=reconnect),
            )
        )
    return findings


def token_expiry(adapter: Network, health: AccountHealth | None) -> datetime | None:
    """When the account's access stops working unless someone acts: what its settings say
    (without a network call, so also when signing in failed), else what its health check said.
    None: never, renewed by itself, or unknown."""
    if isinstance(adapter, HealthCheck):
        known = adapter.token_expiry()
        if known is not None:
            return known if known.tzinfo else known.replace(tzinfo=UTC)
    return health.expiry if health is not None else None


def expiry_findings(
    check: str, expiry: datetime | None, posts: Sequence[QueuedPost], now: datetime, reconnect: str
) -> list[Finding]:
    if expiry is None:
        return []
    if expiry <= now:
        if posts:
            message = ngettext(
                "the access token expired {when}; {count} post waiting for this account will fail",
                "the access token expired {when}; {count} posts waiting for this account will fail",
                len(posts),
            ).format(when=local_when(expiry), count=formats.integer(len(posts)))
        else:
            message = _("the access token expired {when}").format(when=local_when(expiry))
        return [problem(check, message, _("Connect the account again: {command}").format(command=reconnect))]
    late = [p for p in posts if p.when >= expiry]
    if late:
        first = late[0]
        return [
            warning(
                check,
                ngettext(
                    "the access token expires {when}, before {count} post scheduled for it "
                    "(the first: {name}, due {due}).",
                    "the access token expires {when}, before {count} posts scheduled for it "
                    "(the first: {name}, due {due}).",
                    len(late),
                ).format(
                    when=local_when(expiry),
                    count=formats.integer(len(late)),
                    name=first.name,
                    due=local_when(first.when, first.timezone),
                ),
                _("Connect the account again before {when}: {command}").format(
                    when=local_when(expiry), command=reconnect
                ),
            )
        ]
    if expiry - now < TOKEN_SOON:
        return [
            warning(
                check,
                _("the access token expires {when} (in {delay}).").format(
                    when=local_when(expiry), delay=human_duration(expiry - now)
                ),
                _("Connect the account again before then: {command}").format(command=reconnect),
            )
        ]
    return []


def _origin(adapter: Network) -> str | None:
    """The scheme://host[:port] of the API an account talks to (never a path: it may hold a token)."""
    return adapter.api_origin() if isinstance(adapter, HealthCheck) else None
