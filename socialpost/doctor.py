"""`socialpost doctor`: find what commonly breaks and say, for each finding, how to fix it.

Each check is a small function that returns :class:`Finding` objects; :func:`run_checks` runs them
all, in order, and turns a check that crashes into a "problem" finding naming that check, so the
doctor itself never fails with a traceback. Library code: nothing here prints or exits.

The checks: the config file parses; file permissions (``secrets.yaml`` must be 0600; the config
file must not be writable by others, nor readable by others when it holds a secret in clear);
time-zone data; the database is reachable and migrated; a daemon is alive when posts wait; media
files of waiting posts still exist; failed, held and unknown posts waiting for a decision; each
account's credentials, permissions and token expiry (through the adapter's ``check()``), with a
warning when a token expires before a post scheduled for it, the API version it uses (its
``AccountHealth.api_version``: how long it has left, a warning from three months before its sunset or
when socialpost had to move to another version), and what the adapter knows keeps posts from going
out as planned (``caveats()``: an unaudited YouTube project) for accounts with posts; and the
system clock, compared with
the ``Date`` header of a network API the accounts use (skipped quietly when none answers).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from socialpost.errors import (
    AuthError,
    ConfigError,
    PermanentError,
    PluginError,
    SocialpostError,
    StoreError,
    TransientError,
)
from socialpost.i18n import _, formats, ngettext
from socialpost.networks.capabilities import HealthCheck
from socialpost.networks.health import AccountHealth, health_of
from socialpost.timeutil import Clock, human_duration, utcnow

if TYPE_CHECKING:
    from socialpost.networks.base import Network
    from socialpost.settings.config import Settings
    from socialpost.store.db import Store

Status = Literal["ok", "warning", "problem"]

ZONES = ("America/Montreal", "Europe/Paris")  # zones every install must be able to load
CLOCK_SKEW_LIMIT = timedelta(seconds=30)
CLOCK_PROBES = 3  # API addresses tried, at most, for the clock check
TOKEN_SOON = timedelta(days=7)  # a token expiring sooner than this is worth a warning on its own
SHOWN_POSTS = 10  # posts named one by one per state before a count
RECENT_POSTS = timedelta(days=30)  # an account that sent a post this recently "has posts" (caveats)
_RECONNECT = "socialpost accounts add {network} {name}"


@dataclass(frozen=True)
class Finding:
    """One thing the doctor looked at: what it found and, when something is wrong, the fix."""

    check: str  # "config", "secrets-permissions", "database", "account:x:acme", … (see README)
    status: Status
    message: str
    fix: str | None = None  # None when status is "ok"

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status, "message": self.message, "fix": self.fix}


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


def ok(check: str, message: str) -> Finding:
    return Finding(check, "ok", message)


def warning(check: str, message: str, fix: str) -> Finding:
    return Finding(check, "warning", message, fix)


def problem(check: str, message: str, fix: str) -> Finding:
    return Finding(check, "problem", message, fix)


# --- the entry point ----------------------------------------------------------------------------


StoreOpener = Callable[[str], "Store"]
DateProbe = Callable[[str, float], "datetime | None"]


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
        _extend("timezones", findings, lambda: check_timezones(zones, []))
        return report
    findings.append(ok("config", _config_where(config)))

    _extend("config-permissions", findings, lambda: check_config_permissions(config))
    _extend("secrets-permissions", findings, lambda: check_secrets_file(config))
    _extend("data-permissions", findings, lambda: check_data_permissions(config))

    opener = store_opener or open_without_migrating
    opened = _guard("database", findings, lambda: check_database(config, opener))
    store: Store | None = None
    if opened is not None:
        store, db_findings = opened
        findings.extend(db_findings)
    try:
        queued: list[QueuedPost] = []
        campaign_zones: list[str] = []
        posted: set[str] = set()
        if store is not None:
            loaded_posts = _guard("posts", findings, lambda: load_posts(store))
            if loaded_posts is not None:
                queued, campaign_zones = loaded_posts
            posted = _guard("posts", findings, lambda: recently_sent(store, clock())) or set()
        _extend("timezones", findings, lambda: check_timezones(zones, campaign_zones))
        if store is not None:
            now = clock()
            _extend("daemon", findings, lambda: check_daemon(store, queued, now))
            _extend("pauses", findings, lambda: check_pauses(store, now))
            _extend("media", findings, lambda: check_media(queued))
            _extend("posts", findings, lambda: check_decisions(queued))
        origins: list[str] = []
        _extend(
            "accounts",
            findings,
            lambda: check_accounts(config, queued, clock=clock, environ=environ, origins=origins, posted=posted),
        )
        probe = date_probe or head_date
        _extend("clock", findings, lambda: check_clock(origins, clock, probe, probe_timeout))
    finally:
        if store is not None:
            store.close()
    return report


def _extend(check: str, findings: list[Finding], run: Callable[[], list[Finding]]) -> None:
    """Add what ``run()`` found, or a "problem" finding naming ``check`` when it crashes."""
    found = _guard(check, findings, run)
    if found:
        findings.extend(found)


def _guard(check: str, findings: list[Finding], run: Callable[[], Any]) -> Any:
    """``run()``, or None with a "problem" finding naming ``check`` when it crashes."""
    try:
        return run()
    except Exception as exc:  # noqa: BLE001 - the doctor reports its own failures, never a traceback
        findings.append(crashed(check, exc))
        return None


def crashed(check: str, exc: BaseException) -> Finding:
    return problem(
        check,
        _("the {check} check could not run: {error}").format(
            check=check, error=f"{exc.__class__.__name__}: {_first_line(str(exc))}"
        ),
        _(
            "This is a bug in socialpost; please report it with this message "
            "(set SOCIALPOST_DEBUG=1 and run the failing command to see more)."
        ),
    )


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:300]


# --- config and files ---------------------------------------------------------------------------


def _config_where(settings: Settings) -> str:
    if settings.config_path is None:
        return _("no config file: socialpost runs on its defaults")
    return _("{path} is valid").format(path=settings.config_path)


def check_config_permissions(settings: Settings) -> list[Finding]:
    """The config file may hold ``${ENV}`` references, never secrets others can read; nobody but
    its owner may change it (it says where posts go and which database to use)."""
    path = settings.config_path
    if path is None:
        return []
    mode = path.stat().st_mode
    findings: list[Finding] = []
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        findings.append(
            warning(
                "config-permissions",
                _(
                    "{path} can be changed by other users (mode {mode}): they could send your "
                    "posts elsewhere or point socialpost at another database."
                ).format(path=path, mode=f"{stat.S_IMODE(mode):04o}"),
                _("Make it writable by you only: {command}").format(command=f"chmod go-w {shlex.quote(str(path))}"),
            )
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        clear = _secrets_in_clear(settings)
        if clear:
            findings.append(
                problem(
                    "config-permissions",
                    ngettext(
                        "{path} holds {count} secret written in clear ({names}) and other "
                        "users can read it (mode {mode}).",
                        "{path} holds {count} secrets written in clear ({names}) and other "
                        "users can read it (mode {mode}).",
                        len(clear),
                    ).format(
                        path=path,
                        count=formats.integer(len(clear)),
                        names=", ".join(clear[:5]),
                        mode=f"{stat.S_IMODE(mode):04o}",
                    ),
                    _(
                        "Move the secrets to secrets.yaml (socialpost accounts add … does it) or write them as "
                        "${{ENV_VAR}} references, and make the file private: {command}"
                    ).format(command=f"chmod 600 {shlex.quote(str(path))}"),
                )
            )
    if not findings:
        findings.append(ok("config-permissions", _("{path} is not writable by other users").format(path=path)))
    return findings


def _secrets_in_clear(settings: Settings) -> list[str]:
    """``accounts.NETWORK.NAME.FIELD`` of every secret setting written as a literal value."""
    from socialpost.networks.registry import load

    found = []
    for network, names in settings.accounts.items():
        try:
            model = load(network).settings_model
            secret_fields = {n for n, f in model.model_fields.items() if "SecretStr" in repr(f.annotation)}
        except SocialpostError:
            secret_fields = set()
        for name, values in names.items():
            for key, value in (values or {}).items():
                looks_secret = key in secret_fields or re.search(r"token|secret|password", key, re.I)
                if looks_secret and isinstance(value, str) and value and not re.fullmatch(r"\$\{[^}]+\}", value):
                    found.append(f"accounts.{network}.{name}.{key}")
                else:
                    inside = _secrets_in_url_or_headers(key, value)
                    found.extend(f"accounts.{network}.{name}.{where}" for where in inside)
    return found


# Words in a header or query parameter name that say it holds a credential (X-Api-Key, access_token).
_CREDENTIAL_WORDS = frozenset(
    {
        "token", "secret", "password", "passwd", "pass", "key", "apikey", "auth", "authorization", "signature",
        "sig", "cookie", "session", "credential", "credentials", "accesstoken", "apitoken", "jwt", "bearer", "hmac",
    }
)  # fmt: skip
_ENV_REFERENCE = re.compile(r"\$\{[^}]+\}")
_AUTH_SCHEME = re.compile(r"^\s*(?:bearer|basic|token|bot|digest)\b", re.I)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _secrets_in_url_or_headers(key: str, value: Any) -> list[str]:
    """Where an account setting holds a literal secret inside a URL (a webhook's token in its path
    or query, a password before the host) or in request ``headers`` (an ``Authorization`` value).
    ``${ENV_VAR}`` references are not literal: they are taken out before looking. Returns the
    setting's name (``url``, ``headers.Authorization``), never the value."""
    if isinstance(value, str) and re.match(r"https?://", value, re.I):
        return [key] if _url_holds_secret(_ENV_REFERENCE.sub("", value)) else []
    if key.lower() == "headers" and isinstance(value, dict):
        return [
            f"{key}.{header}"
            for header, text in value.items()
            if isinstance(text, str) and _header_holds_secret(str(header), _ENV_REFERENCE.sub("", text))
        ]
    return []


def _url_holds_secret(url: str) -> bool:
    from urllib.parse import parse_qsl, unquote

    parts = urlsplit(url)
    if parts.password:
        return True
    for name, text in parse_qsl(parts.query, keep_blank_values=True):
        if text and (_names_a_credential(name) or _looks_like_token(text)):
            return True
    return any(_looks_like_token(unquote(segment)) for segment in parts.path.split("/"))


def _header_holds_secret(name: str, text: str) -> bool:
    rest = _AUTH_SCHEME.sub("", text).strip()
    if not rest:
        return False
    return _names_a_credential(name) or _looks_like_token(rest)


def _names_a_credential(name: str) -> bool:
    return any(word in _CREDENTIAL_WORDS for word in re.split(r"[-_.\s]+", name.lower()))


def _looks_like_token(text: str) -> bool:
    """A token rather than a word: a UUID, or a run of 16+ characters mixing letters and digits
    (or 20+ mixing cases), as in Slack's and Discord's webhook URLs. Slugs such as
    ``2026-spring-launch`` are words."""
    if _UUID.fullmatch(text):
        return True
    for piece in re.split(r"[-_.~\s]", text):
        letters, digits = re.search(r"[A-Za-z]", piece), re.search(r"\d", piece)
        if len(piece) >= 16 and letters and digits:
            return True
        if len(piece) >= 20 and re.search(r"[a-z]", piece) and re.search(r"[A-Z]", piece):
            return True
    return False


def check_secrets_file(settings: Settings) -> list[Finding]:
    """``secrets.yaml`` must be readable by its owner only (0600), and valid."""
    from socialpost.settings import secrets

    path = settings.secrets_path
    if path is None or not path.exists():
        return [ok("secrets-permissions", _("no secrets file (secrets.yaml) yet"))]
    findings: list[Finding] = []
    if secrets.insecure(path):
        mode = stat.S_IMODE(path.stat().st_mode)
        findings.append(
            problem(
                "secrets-permissions",
                _(
                    "{path} holds your account tokens and other users can read or change it (mode {mode}; "
                    "it must be 0600)."
                ).format(path=path, mode=f"{mode:04o}"),
                _(
                    "Make it private: {command} — and if others may have read it, "
                    "connect the accounts again (socialpost accounts add …) to get new tokens."
                ).format(command=f"chmod 600 {shlex.quote(str(path))}"),
            )
        )
    try:
        secrets.load(path)
    except ConfigError as exc:
        findings.append(
            problem(
                "secrets-permissions",
                exc.message,
                exc.hint or _("Correct the file, or remove it and add the accounts again."),
            )
        )
    if not findings:
        findings.append(ok("secrets-permissions", _("{path} is private (0600)").format(path=path)))
    return findings


def check_data_permissions(settings: Settings) -> list[Finding]:
    """The data folder and a SQLite database (with its -wal, -shm and -journal files) hold
    unpublished posts, failure reasons, inbox messages and network sessions: nobody but their
    owner should open them. socialpost creates them so (0700 and 0600); a folder or file that
    existed before keeps the mode its owner gave it, and this says how to close it."""
    findings: list[Finding] = []
    folder = settings.data_dir
    if folder.is_dir() and _open_to_others(folder):
        findings.append(
            warning(
                "data-permissions",
                _(
                    "the data folder {path} can be opened by other users (mode {mode}); it holds your unpublished "
                    "posts, network sessions and outboxes."
                ).format(path=folder, mode=_mode(folder)),
                _("Make it private: {command}").format(command=f"chmod 700 {shlex.quote(str(folder))}"),
            )
        )
    database = _sqlite_file(settings.database_url)
    if database is not None:
        files = [database, *(database.with_name(database.name + end) for end in ("-wal", "-shm", "-journal"))]
        wide = [path for path in files if path.is_file() and _open_to_others(path)]
        if wide:
            findings.append(
                warning(
                    "data-permissions",
                    _(
                        "the database {path} can be read by other users (mode {mode}); it holds your unpublished "
                        "posts, failure reasons and inbox messages."
                    ).format(path=wide[0], mode=_mode(wide[0])),
                    _("Make it private: {command}").format(
                        command="chmod 600 " + " ".join(shlex.quote(str(path)) for path in wide)
                    ),
                )
            )
    if not findings:
        findings.append(ok("data-permissions", _("the data folder and the database are private to you")))
    return findings


def _open_to_others(path: Path) -> bool:
    """Any permission for the group or others: on a folder, even "x" lets them open a file whose
    name they know (and socialpost.db is a known name)."""
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def _mode(path: Path) -> str:
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"


# --- time zones ---------------------------------------------------------------------------------


def check_timezones(zones: Sequence[str], campaign_zones: Sequence[str]) -> list[Finding]:
    """The time-zone database is installed, and every scheduled campaign's zone loads."""
    from zoneinfo import ZoneInfo

    missing = []
    for name in zones:
        try:
            ZoneInfo(name)
        except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError, OSError: all mean "missing"
            missing.append(name)
    if missing:
        return [
            problem(
                "timezones",
                _(
                    "the time-zone database is missing: {zones} cannot be loaded, so no campaign time can be converted."
                ).format(zones=", ".join(missing)),
                _(
                    "Install it: pip install tzdata (in socialpost's environment), or on Debian/Ubuntu: "
                    "sudo apt install tzdata"
                ),
            )
        ]
    findings = []
    for name in sorted(set(campaign_zones)):
        try:
            ZoneInfo(name)
        except Exception:  # noqa: BLE001 - see above
            findings.append(
                problem(
                    "timezones",
                    _("a scheduled campaign uses the time zone '{zone}', which this machine cannot load.").format(
                        zone=name
                    ),
                    _(
                        "Update the time-zone data (pip install -U tzdata), or correct 'timezone:' in the campaign "
                        "and run socialpost schedule FILE again."
                    ),
                )
            )
    return findings or [ok("timezones", _("time-zone data is installed"))]


# --- the database -------------------------------------------------------------------------------


def open_without_migrating(url: str) -> Store:
    """The default store opener: never migrates, and gives a PostgreSQL server 5 s to answer."""
    from socialpost.store.db import open_store

    if url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if "connect_timeout" not in parsed.query:
            url = parsed.update_query_dict({"connect_timeout": "5"}).render_as_string(hide_password=False)
    return open_store(url, migrate=False)


def safe_url(url: str) -> str:
    """The database URL without its password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse: show only its scheme
        return url.split("://", 1)[0] + "://…"


def check_database(settings: Settings, opener: StoreOpener) -> tuple[Store | None, list[Finding]]:
    """Reachable, and its schema is the one this socialpost expects. Returns the store only when
    the other checks can use it (reachable and current)."""
    from sqlalchemy.exc import SQLAlchemyError

    from socialpost.store.db import SCHEMA_HEAD, current_revision

    url = settings.database_url
    shown = safe_url(url)
    sqlite_path = _sqlite_file(url)
    if sqlite_path is not None and not sqlite_path.exists():
        return None, [
            ok(
                "database",
                _("no database yet at {path}: it is created when you first schedule a campaign").format(
                    path=sqlite_path
                ),
            )
        ]
    try:
        store = opener(url)
    except StoreError as exc:
        return None, [
            problem(
                "database",
                _("cannot use the database {database}: {reason}").format(database=shown, reason=exc.message),
                exc.hint or _("Check 'database:' in your config file (or $SOCIALPOST_DATABASE_URL)."),
            )
        ]
    try:
        revision = current_revision(store)
    except SQLAlchemyError as exc:
        store.close()
        reason = _first_line(str(getattr(exc, "orig", None) or exc))
        return None, [
            problem(
                "database",
                _("cannot reach the database {database}: {reason}").format(database=shown, reason=reason),
                _(
                    "Check that the database server runs and accepts connections from this machine, and that the "
                    "URL is right. Check 'database:' in your config file (or $SOCIALPOST_DATABASE_URL)."
                ),
            )
        ]
    if revision == SCHEMA_HEAD:
        return store, [
            ok(
                "database",
                _("{database} is reachable and up to date (schema {schema})").format(
                    database=shown, schema=SCHEMA_HEAD
                ),
            )
        ]
    store.close()
    upgrade = _(
        "Stop every socialpost daemon that uses it, back it up, then run 'socialpost status' once: socialpost "
        "upgrades the database when it opens it (the daemon does too when it starts)."
    )
    if revision is None:
        return None, [
            warning(
                "database",
                _(
                    "the database {database} has no socialpost tables yet (it is empty, or it is another "
                    "application's database)."
                ).format(database=shown),
                _(
                    "{upgrade} If the URL points at the wrong database, correct it instead: "
                    "Check 'database:' in your config file (or $SOCIALPOST_DATABASE_URL)."
                ).format(upgrade=upgrade),
            )
        ]
    if _older(revision, SCHEMA_HEAD):
        return None, [
            warning(
                "database",
                _(
                    "the database {database} has an old schema (revision {revision}; this socialpost needs {schema})."
                ).format(database=shown, revision=revision, schema=SCHEMA_HEAD),
                upgrade,
            )
        ]
    return None, [
        problem(
            "database",
            _(
                "the database {database} was upgraded by a newer socialpost (schema revision {revision}; this one "
                "knows up to {schema})."
            ).format(database=shown, revision=revision, schema=SCHEMA_HEAD),
            _(
                "Upgrade socialpost on this machine (pip install -U socialpost-cli) so every copy uses the same "
                "version."
            ),
        )
    ]


def _older(revision: str, head: str) -> bool:
    return revision.isdigit() and head.isdigit() and int(revision) < int(head)


def _sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :].split("?", 1)[0]
    if not rest or rest == ":memory:" or rest.startswith("file:"):
        return None
    return Path(rest)


# --- posts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedPost:
    """A post that still needs something: waiting to go out, or waiting for the user."""

    campaign: str
    campaign_file: str
    id: str  # as people see it: teaser, or tip@2027-03-02T10:30
    account: str
    status: str
    when: datetime  # when it is meant to go out (for a retry: the next attempt)
    media: tuple[str, ...]
    reason: str | None
    for_account: bool = False  # held until its account is connected (socialpost.store.connect)
    timezone: str = ""  # its campaign's: its times are shown there (socialpost.localtime)

    @property
    def name(self) -> str:
        return f"{self.campaign}/{self.id}"

    @property
    def ref(self) -> str:
        """The id the post commands take, naming the account so it is never ambiguous."""
        from socialpost.errors import UsageError
        from socialpost.store.actions import PostRef

        inline = f"{self.name}@{self.account}"
        try:
            if PostRef.parse(inline).account == self.account:
                return shlex.quote(inline)
        except UsageError:
            pass
        return f"{shlex.quote(self.name)} --account {shlex.quote(self.account)}"


WAITING_STATES = ("pending", "retry_wait", "sending")
DECISION_STATES = ("failed", "held", "unknown")


def load_posts(store: Store) -> tuple[list[QueuedPost], list[str]]:
    """Posts waiting to go out or waiting for a decision, and every scheduled campaign's zone."""
    from sqlalchemy import select

    from socialpost.store.models import CampaignRow, PostRow, display_id

    with store.session() as session:
        zones = [str(z) for z in session.scalars(select(CampaignRow.timezone).distinct())]
        rows = session.execute(
            select(PostRow, CampaignRow.name, CampaignRow.source_file, CampaignRow.timezone)
            .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
            .where(PostRow.status.in_([*WAITING_STATES, *DECISION_STATES]))
            .order_by(PostRow.next_attempt_at, PostRow.id)
        ).all()
        from socialpost.store.connect import waiting_for_account

        waiting = waiting_for_account(session, [row.id for row, *_rest in rows if row.status == "held"])
        posts = [
            QueuedPost(
                campaign=name,
                campaign_file=source,
                id=display_id(row.post_key, row.occurrence),
                account=row.account,
                status=row.status,
                when=row.next_attempt_at if row.status == "retry_wait" else row.due_at,
                media=tuple(
                    str(m["file"])
                    for m in (row.payload or {}).get("media") or ()
                    if isinstance(m, dict) and m.get("file")
                ),
                reason=row.last_error,
                for_account=row.id in waiting,
                timezone=str(timezone or ""),
            )
            for row, name, source, timezone in rows
        ]
    return posts, zones


def recently_sent(store: Store, now: datetime) -> set[str]:
    """The accounts that sent a post in the last :data:`RECENT_POSTS`."""
    from sqlalchemy import select

    from socialpost.store.models import PostRow

    with store.session() as session:
        rows = session.scalars(
            select(PostRow.account).where(PostRow.status == "sent", PostRow.due_at >= now - RECENT_POSTS).distinct()
        )
        return {str(account) for account in rows}


def check_daemon(store: Store, queued: Sequence[QueuedPost], now: datetime) -> list[Finding]:
    """Posts are waiting: is a daemon alive to send them?"""
    from sqlalchemy import select

    from socialpost.liveness import is_alive, process_gone
    from socialpost.store.models import DaemonRow

    with store.session() as session:
        daemons = list(session.scalars(select(DaemonRow).order_by(DaemonRow.heartbeat_at.desc()).limit(20)))
    alive = [d for d in daemons if is_alive(d, now)]
    waiting = [p for p in queued if p.status in WAITING_STATES]
    if alive:
        names = ", ".join(_("pid {pid} on {host}").format(pid=d.pid, host=d.hostname) for d in alive[:3])
        return [
            ok(
                "daemon",
                ngettext("{count} daemon running ({names})", "{count} daemons running ({names})", len(alive)).format(
                    count=formats.integer(len(alive)), names=names
                ),
            )
        ]
    if not waiting:
        return [ok("daemon", _("no daemon running, and no post is waiting for one"))]
    overdue = [p for p in waiting if p.when <= now]
    first = waiting[0]
    details = {
        "count": formats.integer(len(waiting)),
        "name": first.name,
        "account": first.account,
        "when": _when(first.when, first.timezone),
    }
    if daemons:
        latest = daemons[0]
        ago = human_duration(now - latest.heartbeat_at)
        if latest.stopped_at is not None:
            last = _("the last one, pid {pid} on {host}, stopped {ago} ago")
        elif process_gone(latest):
            last = _("the last one, pid {pid} on {host}, is no longer running, last seen {ago} ago")
        else:
            last = _("the last one, pid {pid} on {host}, last seen {ago} ago")
        message = ngettext(
            "{count} post waiting to go out but no daemon is running ({last}); "
            "the next one is {name} to {account}, due {when}.",
            "{count} posts waiting to go out but no daemon is running ({last}); "
            "the next one is {name} to {account}, due {when}.",
            len(waiting),
        ).format(last=last.format(pid=latest.pid, host=latest.hostname, ago=ago), **details)
    else:
        message = ngettext(
            "{count} post waiting to go out but no daemon is running; the next one is {name} to {account}, due {when}.",
            "{count} posts waiting to go out but no daemon is running; the next one is {name} to {account}, due "
            "{when}.",
            len(waiting),
        ).format(**details)
    fix = _(
        "Start the daemon: socialpost daemon (leave it running), or run it as a service that restarts "
        "by itself (docs/deployment.md: systemctl --user enable --now socialpost)."
    )
    if overdue:
        late = ngettext(
            "{message} {count} post already overdue.", "{message} {count} posts already overdue.", len(overdue)
        ).format(message=message, count=formats.integer(len(overdue)))
        return [problem("daemon", late, fix)]
    return [warning("daemon", message, fix)]


def check_pauses(store: Store, now: datetime) -> list[Finding]:
    """One warning when a pause holds back posts that are due within a day (or overdue): they will
    not go out, and the user may have forgotten the pause. Nothing when no pause holds any."""
    from socialpost.store.pauses import SOON, listing

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
            when=_when(pause.first_due) if pause.first_due is not None else "?",
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


def check_media(queued: Sequence[QueuedPost]) -> list[Finding]:
    """Every media file a waiting post will upload is still there and readable."""
    users: dict[str, list[QueuedPost]] = {}
    checked = 0
    for post in queued:
        if post.status not in (*WAITING_STATES, "held"):
            continue
        for file in post.media:
            checked += 1
            if not (Path(file).is_file() and os.access(file, os.R_OK)):
                users.setdefault(file, []).append(post)
    findings = []
    for file, posts in users.items():
        named = ", ".join(_("{post} to {account}").format(post=p.name, account=p.account) for p in posts[:3])
        if len(posts) > 3:
            named = _("{posts} and {count} more").format(posts=named, count=len(posts) - 3)
        if not Path(file).exists():
            text = ngettext(
                "{file} is missing; {count} waiting post will fail without it: {posts}.",
                "{file} is missing; {count} waiting posts will fail without it: {posts}.",
                len(posts),
            )
        else:
            text = ngettext(
                "{file} cannot be read; {count} waiting post will fail without it: {posts}.",
                "{file} cannot be read; {count} waiting posts will fail without it: {posts}.",
                len(posts),
            )
        campaign_file = posts[0].campaign_file
        findings.append(
            problem(
                "media",
                text.format(file=file, count=formats.integer(len(posts)), posts=named),
                _(
                    "Put the file back at that path, or change the campaign ({campaign}) and run "
                    "socialpost schedule {quoted} again; to drop the post: socialpost cancel {ref}"
                ).format(campaign=campaign_file, quoted=shlex.quote(campaign_file), ref=posts[0].ref),
            )
        )
    if findings:
        return findings
    if checked:
        return [
            ok(
                "media",
                ngettext(
                    "all {count} media file of waiting posts are in place",
                    "all {count} media files of waiting posts are in place",
                    checked,
                ).format(count=formats.integer(checked)),
            )
        ]
    return [ok("media", _("no waiting post uses a media file"))]


def _held_for_accounts(queued: Sequence[QueuedPost]) -> list[Finding]:
    """Posts held until their account is connected: one finding per account."""
    by_account: dict[str, int] = {}
    for post in queued:
        if post.for_account:
            by_account[post.account] = by_account.get(post.account, 0) + 1
    findings = []
    for account, count in sorted(by_account.items()):
        network, _sep, name = account.partition(":")
        findings.append(
            warning(
                "posts",
                ngettext(
                    "{count} post to {account} is held until the account is connected; then the daemon (or the "
                    "next socialpost schedule) puts it back in the queue.",
                    "{count} posts to {account} are held until the account is connected; then the daemon (or the "
                    "next socialpost schedule) puts them back in the queue.",
                    count,
                ).format(count=formats.integer(count), account=account),
                _("Connect it: {command}").format(command=_RECONNECT.format(network=network, name=shlex.quote(name))),
            )
        )
    return findings


def check_decisions(queued: Sequence[QueuedPost]) -> list[Finding]:
    """Failed, held and unknown posts wait for the user: say which, and the command that settles each."""
    findings = _held_for_accounts(queued)
    for state in DECISION_STATES:
        posts = [p for p in queued if p.status == state and not p.for_account]
        for post in posts[:SHOWN_POSTS]:
            findings.append(_decision(post))
        if len(posts) > SHOWN_POSTS:
            findings.append(
                Finding(
                    "posts",
                    "warning" if state == "held" else "problem",
                    ngettext(
                        "… and {count} more {state} post.",
                        "… and {count} more {state} posts.",
                        len(posts) - SHOWN_POSTS,
                    ).format(count=formats.integer(len(posts) - SHOWN_POSTS), state=state),
                    _("socialpost status lists them all."),
                )
            )
    return findings or [ok("posts", _("no failed, held or unknown post waits for you"))]


def _decision(post: QueuedPost) -> Finding:
    names = {"post": post.name, "account": post.account, "reason": post.reason, "ref": post.ref}
    if post.status == "failed":
        message = _("{post} to {account} failed: {reason}") if post.reason else _("{post} to {account} failed")
        return problem(
            "posts",
            message.format(**names),
            _("Fix what the message says, then send it again: socialpost retry {ref}").format(**names),
        )
    if post.status == "held":
        return warning(
            "posts",
            _(
                "{post} to {account} is held: its time ({when}) passed while no daemon ran, and "
                "the campaign's late policy waits for you to decide."
            ).format(when=_when(post.when, post.timezone), **names),
            _("Send it now: socialpost retry {ref} — or drop it: socialpost cancel {ref}").format(**names),
        )
    if post.reason:
        message = _("nobody knows whether {post} to {account} went out: {reason}")
    else:
        message = _("nobody knows whether {post} to {account} went out")
    return problem(
        "posts",
        message.format(**names),
        _(
            "Look at the account. If the post is there: socialpost resolve {ref} --sent URL (its address); "
            "if not: socialpost resolve {ref} --not-sent (it is sent again)."
        ).format(**names),
    )


# --- accounts -----------------------------------------------------------------------------------


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
    from socialpost.networks.registry import Adapters

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
    adapters: Any, account: str, posts: Sequence[QueuedPost], clock: Clock, posted: bool = False
) -> tuple[list[Finding], str | None]:
    check = f"account:{account}"
    network, _sep, name = account.partition(":")
    reconnect = _RECONNECT.format(network=network, name=shlex.quote(name))
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
    findings.extend(_expiry_findings(check, expiry, posts, clock(), reconnect))
    if identity is not None and not any(f.status != "ok" for f in findings):
        if expiry is not None:
            signed_in = _("signed in as {name}; token expires {when}").format(name=identity.display, when=_when(expiry))
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


def _expiry_findings(
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
            ).format(when=_when(expiry), count=formats.integer(len(posts)))
        else:
            message = _("the access token expired {when}").format(when=_when(expiry))
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
                    when=_when(expiry),
                    count=formats.integer(len(late)),
                    name=first.name,
                    due=_when(first.when, first.timezone),
                ),
                _("Connect the account again before {when}: {command}").format(when=_when(expiry), command=reconnect),
            )
        ]
    if expiry - now < TOKEN_SOON:
        return [
            warning(
                check,
                _("the access token expires {when} (in {delay}).").format(
                    when=_when(expiry), delay=human_duration(expiry - now)
                ),
                _("Connect the account again before then: {command}").format(command=reconnect),
            )
        ]
    return []


def _origin(adapter: Network) -> str | None:
    """The scheme://host[:port] of the API an account talks to (never a path: it may hold a token)."""
    return adapter.api_origin() if isinstance(adapter, HealthCheck) else None


# --- the clock ----------------------------------------------------------------------------------


def head_date(origin: str, timeout: float) -> datetime | None:
    """The ``Date`` a server answers a HEAD request with; None when it does not answer."""
    import httpx

    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, headers={"User-Agent": "socialpost doctor"}) as http:
            response = http.head(origin + "/")
    except httpx.HTTPError:
        return None
    header = response.headers.get("date")
    if not header:
        return None
    try:
        value = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_clock(origins: Sequence[str], clock: Clock, probe: DateProbe, timeout: float) -> list[Finding]:
    """This machine's clock against the ``Date`` of the first API that answers. Posts go out at the
    wrong time, and some networks refuse signed requests, when the clock is off."""
    for origin in list(origins)[:CLOCK_PROBES]:
        before = clock()
        theirs = probe(origin, timeout)
        after = clock()
        if theirs is None:
            continue
        ours = before + (after - before) / 2
        # Date has whole seconds (cut down): a second of error, nothing next to the limit
        skew = timedelta(seconds=round((theirs - ours).total_seconds()))
        if abs(skew) > CLOCK_SKEW_LIMIT:
            if skew > timedelta(0):
                text = _(
                    "this machine's clock is {delay} behind {origin} (it says {when}): posts would go out at the "
                    "wrong time, and networks may refuse requests."
                )
            else:
                text = _(
                    "this machine's clock is {delay} ahead of {origin} (it says {when}): posts would go out at the "
                    "wrong time, and networks may refuse requests."
                )
            return [
                problem(
                    "clock",
                    text.format(delay=human_duration(abs(skew)), origin=origin, when=_when(theirs)),
                    _(
                        "Turn on automatic time: sudo timedatectl set-ntp true (Linux), or System Settings → Date & "
                        "Time → Set time automatically (macOS, Windows)."
                    ),
                )
            ]
        return [ok("clock", _("this machine's clock agrees with {origin}").format(origin=origin))]
    if origins:
        return [ok("clock", _("not checked: no network API answered (this machine may be offline)"))]
    return [ok("clock", _("not checked: no account has an API address to compare with"))]


# --- wording ------------------------------------------------------------------------------------


def _when(instant: datetime, campaign_zone: str = "") -> str:
    """A time for people, in its campaign's zone or the user's, the zone named (socialpost.localtime)."""
    from socialpost.localtime import local_text, reader_zone

    return local_text(instant, reader_zone(campaign_zone))


def summary(findings: Iterable[Finding]) -> tuple[int, int]:
    """(problems, warnings)."""
    items = list(findings)
    return sum(f.status == "problem" for f in items), sum(f.status == "warning" for f in items)
