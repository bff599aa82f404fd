"""Settings: where they come from, and the one function that decides precedence.

Precedence, highest first (documented in the README, "Configuration"):

* config file: ``--config PATH`` > ``$SOCIALPOST_CONFIG`` > ``<platform config dir>/config.yaml``
  (used only if it exists; with no file at all, socialpost runs on its embedded defaults);
* database URL: ``$SOCIALPOST_DATABASE_URL`` > ``database:`` in the config file >
  ``sqlite:///<platform data dir>/socialpost.db``.

Relative paths inside a config file are relative to the folder that holds the file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, ValidationError, field_validator

from socialpost.errors import CampaignError, ConfigError
from socialpost.i18n import _
from socialpost.redaction import register
from socialpost.settings import media_host as media_host_settings
from socialpost.settings.brand import BrandSettings
from socialpost.settings.engagement import EngagementSettings
from socialpost.settings.envvars import ENV_REF, expand_env
from socialpost.settings.inbox import InboxSettings
from socialpost.settings.media_host import FolderHostSettings, MediaHostSettings, S3HostSettings
from socialpost.settings.notify import NotifySettings
from socialpost.settings.notify import fields as notify_fields
from socialpost.settings.paths import (
    ENV_CONFIG,
    ENV_DATABASE,
    check_database_url,
    data_dir,
    default_database_url,
    default_dirs,
    resolve_config_path,
)
from socialpost.settings.problems import pydantic_problems
from socialpost.settings.yaml_document import YamlDocument
from socialpost.settings.yamlfile import load_yaml
from socialpost.timeutil import coerce_duration, format_duration

ConfigDuration = Annotated[
    timedelta, BeforeValidator(coerce_duration), PlainSerializer(format_duration, return_type=str)
]


# Upper bounds of the daemon's settings: far above any sensible value, and low enough that no
# arithmetic on them (a backoff doubled many times, a date plus a delay) can overflow.
MAX_RETRY_SECONDS = 7 * 86_400  # a week between two tries of a post
MAX_INTERVAL_SECONDS = 86_400  # a day between two posts to one account


class DaemonSettings(BaseModel):
    """How the daemon paces itself. Every value has a safe default and bounds (a value out of
    them is a located config error)."""

    model_config = ConfigDict(extra="forbid")

    poll_seconds: float = Field(5.0, gt=0, le=3600, description="safety-net poll interval")
    lease_seconds: float = Field(
        120.0, ge=1, le=86_400, description="how long a claim lasts before the post is reconciled"
    )
    workers: int = Field(8, ge=1, le=256, description="network calls in flight at once")
    max_attempts: int = Field(5, ge=1, le=100, description="tries before a transient error becomes 'failed'")
    retry_base_seconds: float = Field(
        30.0, gt=0, le=MAX_RETRY_SECONDS, description="first retry delay; doubles each attempt"
    )
    retry_max_seconds: float = Field(
        3600.0, gt=0, le=MAX_RETRY_SECONDS, description="longest delay between two attempts"
    )
    shutdown_grace_seconds: float = Field(30.0, ge=0, le=3600, description="how long to wait for in-flight posts")
    max_age: ConfigDuration = Field(
        timedelta(hours=24), description="a post this long past its time fails instead of being tried again"
    )
    min_interval_seconds: float = Field(
        0.0, ge=0, le=MAX_INTERVAL_SECONDS, description="least time between two posts to an account"
    )
    min_interval_overrides: dict[str, float] = Field(
        default_factory=dict, description="min_interval_seconds per network ('mastodon') or account ('mastodon:acme')"
    )
    calendar_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="serve the calendar's .ics read-only at http://127.0.0.1:PORT/calendar.ics (0: a free port)",
    )

    @field_validator("max_age")
    @classmethod
    def _positive_age(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError(_("max_age must be longer than 0. Fix: write it like 24h or 2d"))
        return value

    @field_validator("min_interval_overrides")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        for key, seconds in value.items():
            if seconds < 0:
                raise ValueError(
                    _("the interval for '{key}' is negative. Fix: give a number of seconds, 0 or more").format(key=key)
                )
            if not seconds <= MAX_INTERVAL_SECONDS:  # also NaN and infinity
                raise ValueError(
                    _(
                        "the interval for '{key}' is longer than a day. Fix: give a number of seconds from 0 to {most}"
                    ).format(key=key, most=MAX_INTERVAL_SECONDS)
                )
        return value

    def min_interval(self, account: str) -> float:
        """Seconds between two posts to ``account`` (``network:name``): its own override, else its
        network's, else ``min_interval_seconds``."""
        overrides = self.min_interval_overrides
        if account in overrides:
            return overrides[account]
        return overrides.get(account.split(":", 1)[0], self.min_interval_seconds)


class FetchSettings(BaseModel):
    """What socialpost may fetch by itself (link card pages and images): see docs/security.md."""

    model_config = ConfigDict(extra="forbid")

    ports: list[int] = Field([80, 443], description="ports a fetched URL may use on a public address")

    @field_validator("ports")
    @classmethod
    def _valid_ports(cls, value: list[int]) -> list[int]:
        for port in value:
            if not 0 < port < 65536:
                raise ValueError(_("{port} is not a port. Fix: give numbers from 1 to 65535").format(port=port))
        return value


class ConfigFile(BaseModel):
    """The shape of ``config.yaml`` (see ``config.example.yaml``)."""

    model_config = ConfigDict(extra="forbid")

    database: str | None = None
    # the language socialpost speaks (en, fr, fr_CA…); unset: the locale (LANG)
    language: str | None = None
    # the zone times are shown in when they belong to no campaign (IANA name); unset: the machine's
    timezone: str | None = None
    daemon: DaemonSettings = DaemonSettings()
    engagement: EngagementSettings = EngagementSettings()
    inbox: InboxSettings = InboxSettings()
    fetch: FetchSettings = FetchSettings()
    # folders campaigns may take media from besides their own (relative to the config file's folder)
    media_roots: list[str] = []
    # accounts.<network>.<name> = adapter-specific settings, validated by the adapter itself
    accounts: dict[str, dict[str, dict[str, Any] | None]] = {}
    # where networks that fetch media by URL find it (docs/media-host.md); unset: none
    media_host: MediaHostSettings | None = None
    # the client's name, colour and logo on the HTML report (socialpost report --html)
    brand: BrandSettings = BrandSettings()
    # who is told when a post fails, a token expires, no daemon runs (docs/notifications.md)
    notify: NotifySettings = NotifySettings()

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        from socialpost.i18n import LANGUAGES, supported

        if value is not None and not supported(value):
            raise ValueError(
                _("unknown language '{value}'. Fix: write one of {languages}, or remove the line.").format(
                    value=value, languages=", ".join(LANGUAGES)
                )
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        from socialpost.timeutil import zone

        if value is not None:
            zone(value)  # ValueError with the fix: a city's zone, the closest name
        return value

    @field_validator("daemon", "engagement", "inbox", "fetch", "accounts", "brand", "notify", mode="before")
    @classmethod
    def _empty_section(cls, value: Any) -> Any:
        """A section whose lines are all commented out (``daemon:`` alone) means the defaults."""
        return {} if value is None else value

    @field_validator("media_host", mode="before")
    @classmethod
    def _media_host_kind(cls, value: Any) -> Any:
        return media_host_settings.check_kind(value)

    @field_validator("media_roots", mode="before")
    @classmethod
    def _empty_list(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("media_roots")
    @classmethod
    def _folders(cls, value: list[str]) -> list[str]:
        if any(not folder.strip() for folder in value):
            raise ValueError(_("a media root is empty. Fix: give a folder, or remove the line"))
        return value


@dataclass
class Settings:
    """Resolved settings for one run of socialpost."""

    database_url: str
    data_dir: Path
    config_path: Path | None = None
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    engagement: EngagementSettings = field(default_factory=EngagementSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    accounts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    document: YamlDocument | None = None
    secrets_path: Path | None = None  # secrets.yaml (mode 0600); None: no secrets file
    language: str | None = None  # from the config file; the CLI has already applied it
    timezone: str | None = None  # the user's zone (socialpost.localtime); None: the machine's
    fetch: FetchSettings = field(default_factory=FetchSettings)
    media_roots: tuple[Path, ...] = ()  # resolved; see socialpost.media
    media_host: S3HostSettings | FolderHostSettings | None = None  # see socialpost.mediahost
    brand: BrandSettings = field(default_factory=BrandSettings)  # its logo: an absolute path, checked
    notify: NotifySettings = field(default_factory=NotifySettings)  # see socialpost.notify

    def setting_at(self, *keys: str) -> str:
        """``file:line:column: a.b`` of a setting of the config file (``a.b`` alone without one)."""
        name = ".".join(keys)
        if self.document is None:
            return name
        line, column = self.document.position(keys)
        return f"{self.document.path}:{line}:{column}: {name}"

    def media_host_at(self, key: str = "") -> str:
        """``file:line:column: media_host.key`` (or of the section), for error messages."""
        name = f"media_host.{key}" if key else "media_host"
        if self.document is None:
            return name
        line, column = self.document.position(("media_host", key) if key else ("media_host",))
        return f"{self.document.path}:{line}:{column}: {name}"

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the config are relative to."""
        return self.config_path.parent if self.config_path else Path.cwd()

    def account_settings(self, network: str, name: str) -> dict[str, Any] | None:
        """The raw settings of ``network:name``, or None when the config does not list it."""
        by_name = self.accounts.get(network)
        if by_name is None or name not in by_name:
            return None
        return by_name[name] or {}

    def config_location(self, *loc: str | int) -> str:
        """``file:line:column`` of a setting, for error messages."""
        if self.document is None:
            return _("(no config file)")
        line, column = self.document.position(("accounts", *loc))
        return f"{self.document.path}:{line}:{column}"


def secrets_file(config_path: Path | None) -> Path:
    """The secrets file that goes with ``config_path`` (see socialpost.settings.secrets)."""
    from socialpost.settings.secrets import secrets_path

    return secrets_path(config_path, default_dirs()[0])


def load_settings(option: str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve every setting. This is the one place precedence is decided."""
    env = os.environ if environ is None else environ
    path, explicit = resolve_config_path(option, env)
    data_folder = data_dir(env)

    parsed = ConfigFile()
    document: YamlDocument | None = None
    if path is not None:
        if explicit and not path.exists():
            source = "--config" if option else f"${ENV_CONFIG}"
            raise ConfigError(
                _("{path}: config file not found (given by {source}).").format(path=path, source=source),
                hint=_("Fix: copy config.example.yaml there, or point to another file."),
            )
        try:
            document = load_yaml(path, what=_("config file"), allow_empty=True)
        except CampaignError as exc:
            raise ConfigError("\n".join(str(p) for p in exc.problems)) from None
        if document.data is None:  # only comments: every setting has its default
            document.data = {}
        if not isinstance(document.data, dict):
            raise ConfigError(
                _(
                    "{path}:1:1: the config file must be a mapping of settings (key: value). "
                    "Fix: start from config.example.yaml."
                ).format(path=path)
            )
        try:
            parsed = ConfigFile.model_validate(document.data)
        except ValidationError as exc:
            problems = pydantic_problems(document, exc.errors(), fields_at=_config_fields)  # type: ignore[arg-type]
            raise ConfigError("\n".join(str(p) for p in problems)) from None

    base = path.parent if path else Path.cwd()
    if env.get(ENV_DATABASE):
        database_url = env[ENV_DATABASE]
        check_database_url(database_url, f"${ENV_DATABASE}")
    elif parsed.database:
        assert document is not None
        line, column = document.position(("database",))
        where = f"{document.path}:{line}:{column}: database"
        expanded = expand_env(parsed.database, env, where)
        check_database_url(expanded, where)
        database_url = _relative_sqlite(expanded, base)
    else:
        database_url = default_database_url(env)

    accounts = {
        network: {name: (values or {}) for name, values in names.items()} for network, names in parsed.accounts.items()
    }
    register_secrets(database_url, accounts, secrets_file(path), env)
    if isinstance(parsed.media_host, S3HostSettings):  # its ${ENV} keys: never printed
        refs = (parsed.media_host.access_key_id or "") + (parsed.media_host.secret_access_key or "")
        register(*(env.get(name) for name in ENV_REF.findall(refs)))
    register(*(env.get(name) for c in parsed.notify.email.values() for name in ENV_REF.findall(c.password or "")))
    return Settings(
        database_url=database_url,
        data_dir=data_folder,
        config_path=path,
        daemon=parsed.daemon,
        engagement=parsed.engagement,
        inbox=parsed.inbox,
        accounts=accounts,
        document=document,
        secrets_path=secrets_file(path),
        language=parsed.language,
        timezone=parsed.timezone,
        fetch=parsed.fetch,
        media_roots=tuple(_media_root(folder, base) for folder in parsed.media_roots),
        media_host=parsed.media_host,
        brand=_brand(parsed.brand, base, document),
        notify=parsed.notify,
    )


def _brand(brand: BrandSettings, base: Path, document: YamlDocument | None) -> BrandSettings:
    """``brand:`` with its logo made absolute (relative to the config file's folder) and checked:
    a logo that is not a readable file is a located error now, not a broken report later."""
    if brand.logo is None:
        return brand
    path = Path(brand.logo).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_file() or not os.access(path, os.R_OK):
        where = "brand.logo"
        if document is not None:
            line, column = document.position(("brand", "logo"))
            where = f"{document.path}:{line}:{column}: brand.logo"
        raise ConfigError(
            _(
                "{where}: the logo {file} is not a readable file. Fix: give the path of the logo, relative to the "
                "config file's folder, or remove the line."
            ).format(where=where, file=path)
        )
    return brand.model_copy(update={"logo": str(path.resolve())})


def _media_root(folder: str, base: Path) -> Path:
    """A ``media_roots`` entry: ``~`` expanded, relative to the config file's folder, links resolved."""
    path = Path(folder).expanduser()
    return Path(os.path.realpath(path if path.is_absolute() else base / path))


def register_secrets(
    database_url: str, accounts: Mapping[str, Any], secrets_path: Path | None, environ: Mapping[str, str]
) -> None:
    """Register for redaction, before anything can print it, every value of these settings that
    may be secret: the database password, every ``${ENV}`` value the accounts refer to, every value
    of the secrets file, and (by their names or shape) secret-looking values and URLs with
    credentials (see socialpost.redaction). A file or variable that is missing or broken is
    skipped here: it is reported where it is used."""
    from socialpost import redaction
    from socialpost.settings import secrets

    redaction.register_database_url(database_url)
    names = {name for _key, text in redaction.walk_texts(accounts) for name in ENV_REF.findall(text)}
    redaction.register(*(environ.get(name) for name in names))
    redaction.register_raw(_expand_leniently(accounts, environ))
    if secrets_path is not None:
        with contextlib.suppress(ConfigError):
            redaction.register_raw(secrets.load(secrets_path), everything=True)


def _expand_leniently(value: Any, environ: Mapping[str, str]) -> Any:
    """``value`` (nested settings) with each ``${NAME}`` replaced by its value, or by nothing when
    it is not set (that error belongs to the account's first use, see :func:`expand_env`)."""
    if isinstance(value, str):
        return ENV_REF.sub(lambda m: environ.get(m.group(1), ""), value)
    if isinstance(value, Mapping):
        return {k: _expand_leniently(v, environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_leniently(v, environ) for v in value]
    return value


def _config_fields(loc: tuple[str | int, ...]) -> list[str]:
    if not loc:
        return list(ConfigFile.model_fields)
    if loc == ("daemon",):
        return list(DaemonSettings.model_fields)
    if loc == ("engagement",):
        return list(EngagementSettings.model_fields)
    if loc == ("inbox",):
        return list(InboxSettings.model_fields)
    if loc == ("fetch",):
        return list(FetchSettings.model_fields)
    if loc == ("media_host",):
        return media_host_settings.fields()
    if loc == ("brand",):
        return list(BrandSettings.model_fields)
    if loc and loc[0] == "notify":
        return notify_fields(loc[1:])
    return []


def _relative_sqlite(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix):
        rest = url[len(prefix) :]
        if rest and rest != ":memory:" and not rest.startswith("/"):
            return f"{prefix}{(base / rest).resolve()}"
    return url
