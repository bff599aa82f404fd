"""Application wiring: the config, the secrets and the adapters' settings models → adapter instances.

``socialpost.networks`` finds adapters (``networks.registry``: the entry points) and defines their
contract (``networks.base``); it reads no config or secrets file. This module puts them together for
one run: it reads each account's settings (config file, environment, secrets file), validates them
with the adapter's own model, pointing at the file's line, creates the adapter with its context and
shares it between threads; and it suggests the account meant when one is mistyped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from socialpost import redaction
from socialpost.errors import AccountNotSetUp, ConfigError, PluginError, SocialpostError, UnknownNetwork
from socialpost.i18n import _
from socialpost.mediahost import MediaHost
from socialpost.networks import registry
from socialpost.networks.base import AdapterContext, Network, settings_problems
from socialpost.networks.capabilities import AccountLimits, PublishAhead
from socialpost.settings import secrets
from socialpost.settings.closest import closest, did_you_mean
from socialpost.settings.config import Settings, load_settings
from socialpost.settings.envvars import expand_env_values
from socialpost.settings.paths import default_dirs, make_private_dir
from socialpost.settings.problems import pydantic_problems
from socialpost.text.rules import LengthRule
from socialpost.timeutil import Clock, utcnow

log = logging.getLogger("socialpost.networks.registry")  # its name before the move: log lines read the same


def suggest_account(account: str, known: Iterable[str]) -> str:
    """' Did you mean 'mastodon:equipe'?' for a mistyped account, else ''.

    ``known`` are the accounts that exist (configured, or with posts in the queue). A network that
    is not installed is matched against the installed ones (``mastdon:cafe`` → ``mastodon:cafe``, or
    the closest known account of that network); a name against the known names of its network
    first, then against the known accounts of every network."""
    network, _sep, name = account.partition(":")
    accounts = sorted({a for a in known if a != account})
    if network not in registry.available():
        fixed = closest(network, registry.network_names())
        if fixed is None:
            return ""
        match = _close_name(name, [a for a in accounts if a.startswith(f"{fixed}:")])
        return did_you_mean(match or f"{fixed}:{name}")
    same_network = [a for a in accounts if a.startswith(f"{network}:")]
    # the same name on another network is the brand's account there, not a typo of this one
    others = [a for a in accounts if a.partition(":")[2] != name]
    match = _close_name(name, same_network) or _close_name(name, others)
    return did_you_mean(match) if match else ""


def _close_name(name: str, accounts: list[str]) -> str | None:
    """The account among ``accounts`` whose name (after ``network:``) is closest to ``name``."""
    by_name: dict[str, str] = {}
    for account in accounts:
        by_name.setdefault(account.partition(":")[2], account)
    match = closest(name, by_name)
    return by_name[match] if match is not None else None


def split_account(account: str) -> tuple[str, str]:
    """``network:name`` → (network, name); ConfigError when it is not written that way."""
    network, sep, name = account.partition(":")
    if not sep or not network.strip() or not name.strip():
        raise ConfigError(
            _(
                "'{account}' is not an account; write it as network:name, for example outbox:main "
                "(networks: {networks})."
            ).format(account=account, networks=", ".join(registry.network_names()) or _("none"))
        )
    return network, name


class Adapters:
    """Adapter instances for the accounts of one run, created once and shared by threads."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        environ: dict[str, str] | None = None,
        credentials: bool = True,
    ) -> None:
        """``credentials`` False: judge accounts by the config file alone (:meth:`check_listed`),
        reading no secrets file (a git hook, a CI job: `validate --no-credentials`)."""
        self.settings = settings
        self.credentials = credentials
        self.clock = clock
        self.environ = environ
        self._instances: dict[str, Network] = {}
        self._lock = threading.Lock()
        self._secret_cache: dict[str, dict[str, str]] | None = None
        self._reread_lock = threading.Lock()
        self._read_stamp = self._stamp()
        self._host: MediaHost | None = None
        self._host_for: Settings | None = None

    def get(self, account: str) -> Network:
        with self._lock:
            adapter = self._instances.get(account)
            if adapter is None:
                adapter = self._instances[account] = self._create(account)
            return adapter

    def check_configured(self, account: str) -> None:
        """Raise ConfigError/PluginError now if ``account`` could not be used at send time (without
        credentials: what :meth:`check_listed` can tell)."""
        if not self.credentials:
            self.check_listed(account)
            return
        self._settings_for(account, self._load(account))

    def check_listed(self, account: str) -> None:
        """What can be checked of ``account`` without its credentials (a git hook, a CI job): its
        network is installed (UnknownNetwork, with "did you mean") and the config file lists it
        (AccountNotSetUp). Neither the secrets file nor the ``${ENV}`` variables are read, and the
        settings are not validated: they are only complete where the credentials are."""
        cls = self._load(account)
        network, name = split_account(account)
        if self.settings.account_settings(network, name) is None and cls.profile.needs_config:
            raise self._not_set_up(account)

    def known_accounts(self) -> list[str]:
        """The accounts the config and secrets files set up (what "did you mean" offers)."""
        configured = {f"{net}:{name}" for net, by_name in self.settings.accounts.items() for name in by_name}
        return sorted(configured | set(self._secrets()))

    def _load(self, account: str) -> type[Network]:
        """The adapter class of ``account``'s network; a network typo gets a "did you mean"."""
        try:
            return registry.load(split_account(account)[0])
        except UnknownNetwork as exc:
            hint = suggest_account(account, self.known_accounts())
            if not hint:
                raise
            raise UnknownNetwork(exc.message + hint, hint=exc.hint) from None

    def connected(self, account: str) -> bool:
        """Whether ``account`` can be used now (re-reading the config if it changed since)."""
        try:
            self.check_configured(account)
        except (ConfigError, PluginError):
            return False
        return True

    def _settings_for(self, account: str, cls: type[Network]) -> Any:
        network, name = split_account(account)
        raw = self.settings.account_settings(network, name)
        secret_values = self._secrets().get(account)
        if raw is None and secret_values is None and self.reread():
            raw = self.settings.account_settings(network, name)
            secret_values = self._secrets().get(account)
        if raw is None and secret_values is not None:
            raw = {}
        if raw is None:
            if cls.profile.needs_config:
                raise self._not_set_up(account)
            raw = {}
        environ = dict(os.environ) if self.environ is None else self.environ
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key == "queue":  # the account's posting queue (socialpost.campaign.account_queues), not the adapter's
                continue
            try:
                values.update(expand_env_values({key: value}, environ, f"accounts.{network}.{name}"))
            except ConfigError as exc:
                if self.settings.document is None:
                    raise
                raise ConfigError(
                    f"{self.settings.config_location(network, name, key)}: {exc.message}", hint=exc.hint
                ) from None
        values = secrets.merge(values, secret_values)
        redaction.register_raw(secret_values or {}, everything=True)  # before a message can quote one
        redaction.register_raw(values)
        try:
            model = cls.settings_model.model_validate(values)
        except ValidationError as exc:
            if self.settings.document is None:
                lines = settings_problems(exc, where=("accounts", network, name))
                heading = _("account '{account}' is not set up right:").format(account=account)
                raise ConfigError(heading + "\n" + "\n".join(lines)) from None
            problems = pydantic_problems(
                self.settings.document,
                exc.errors(),  # type: ignore[arg-type]
                prefix=("accounts", network, name),
                fields_at=lambda _loc: list(cls.settings_model.model_fields),
            )
            raise ConfigError("\n".join(str(p) for p in problems)) from None
        redaction.register_settings(model)
        return model

    def _not_set_up(self, account: str) -> AccountNotSetUp:
        network, name = split_account(account)
        where = self.settings.config_path or _("your config file")
        suggestion = suggest_account(account, self.known_accounts())
        return AccountNotSetUp(
            _("account '{account}' is not set up: {where} has no accounts.{network}.{name} entry.").format(
                account=account, where=where, network=network, name=name
            )
            + suggestion,
            hint=_("Add it (see config.example.yaml, or run: socialpost accounts add {network} {name}).").format(
                network=network, name=name
            ),
            suggestion=suggestion,
        )

    def lead_time(self, account: str) -> timedelta:
        """How long before its time a post to ``account`` goes to the network (see Network.lead_time)."""
        if not issubclass(registry.load(account.split(":", 1)[0]), PublishAhead):
            return timedelta(0)
        adapter = self.get(account)
        return adapter.lead_time() if isinstance(adapter, PublishAhead) else timedelta(0)

    def length_rule(self, account: str) -> LengthRule:
        """How long a post to ``account`` may be: the account's own limits where its adapter knows
        them (a Mastodon instance's), else the network's."""
        cls = registry.load(account.split(":", 1)[0])
        if issubclass(cls, AccountLimits):
            adapter = self.get(account)
            own = adapter.length_rule() if isinstance(adapter, AccountLimits) else None
            if own is not None:
                return own
        return cls.profile.length

    def reread(self) -> bool:
        """Read the accounts of the config and secrets files again when either changed since they
        were read, so an account connected while a daemon runs (``socialpost accounts add``) is used
        without a restart. Only the accounts are taken: the daemon's other settings stay as they
        started. Returns whether the accounts were read again."""
        stamp = self._stamp()
        if stamp == self._read_stamp:
            return False
        with self._reread_lock:
            if stamp == self._read_stamp:
                return False
            self._read_stamp = stamp
            target = self._config_file()
            try:
                fresh = load_settings(str(target) if target else None, self.environ)
            except ConfigError as exc:  # being edited, say: keep what was read before
                log.warning("config file changed but cannot be read again, keeping its accounts as they were: %s", exc)
                return False
            self.settings = dataclasses.replace(
                self.settings,
                accounts=fresh.accounts,
                document=fresh.document,
                config_path=fresh.config_path,
                secrets_path=fresh.secrets_path,
            )
            self._secret_cache = None
            return True

    def _config_file(self) -> Path | None:
        """The config file in use, or the one `accounts add` would create when none was there."""
        default = default_dirs()[0] / "config.yaml"
        return self.settings.config_path or (default if default.exists() else None)

    def _stamp(self) -> tuple[int | None, int | None]:
        """When the config and secrets files last changed (None: not there)."""

        def changed(path: Path | None) -> int | None:
            try:
                return path.stat().st_mtime_ns if path is not None else None
            except OSError:
                return None

        return changed(self._config_file()), changed(self.settings.secrets_path)

    def _secrets(self) -> dict[str, dict[str, str]]:
        if self._secret_cache is None:
            path = self.settings.secrets_path if self.credentials else None
            self._secret_cache = secrets.load(path) if path is not None else {}
        return self._secret_cache

    def _create(self, account: str) -> Network:
        network = split_account(account)[0]
        cls = self._load(account)
        settings = self._settings_for(account, cls)
        with contextlib.suppress(OSError):  # an adapter that needs the folder says so when it writes
            make_private_dir(self.settings.data_dir)  # sessions, caches, outboxes: readable by the owner only
        context = AdapterContext(
            data_dir=self.settings.data_dir,
            base_dir=self.settings.base_dir,
            clock=self.clock,
            media_roots=self.settings.media_roots,
            fetch_ports=frozenset(self.settings.fetch.ports),
            media_host=self._media_host(),
        )
        try:
            return cls(account=account, settings=settings, context=context)
        except SocialpostError:
            raise
        except Exception as exc:  # a plugin's bug must not take the daemon down
            raise PluginError(
                _("the '{network}' network adapter failed to start for {account}: {error}").format(
                    network=network, account=account, error=f"{exc.__class__.__name__}: {exc}"
                ),
                hint=_("Reinstall or upgrade the package that provides it."),
            ) from exc

    def _media_host(self) -> MediaHost | None:
        """The config's media host, one for all adapters (a new one when the config is re-read)."""
        from socialpost.mediahost.configured import build

        if self._host_for is not self.settings:
            self._host = build(self.settings, clock=self.clock, environ=self.environ)
            self._host_for = self.settings
        return self._host

    def close(self) -> None:
        """Close every adapter (each one, even if another fails) and forget them."""
        with self._lock:
            adapters = list(self._instances.values())
            self._instances.clear()
        first: BaseException | None = None
        for adapter in adapters:
            try:
                adapter.close()
            except Exception as exc:  # noqa: BLE001 - re-raised once every adapter is closed
                first = first or exc
        if first is not None:
            raise first
