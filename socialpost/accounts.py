"""Connect, list, check and remove accounts (what `socialpost accounts …` does)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from socialpost import redaction
from socialpost.errors import NotFound, PluginError, UsageError
from socialpost.i18n import _
from socialpost.networks.base import AdapterContext, Identity, SetupUI, unusable_answers
from socialpost.networks.capabilities import GuidedSetup
from socialpost.networks.health import health_of
from socialpost.networks.registry import load, network_names
from socialpost.settings import config_edit, secrets
from socialpost.settings.config import Settings, secrets_file
from socialpost.settings.paths import default_dirs, make_private_dir
from socialpost.timeutil import Clock, utcnow
from socialpost.wiring import Adapters, split_account, suggest_account

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only by the commands that need it
    from socialpost.store.db import Store


@dataclass(frozen=True)
class AccountInfo:
    account: str
    network: str
    configured: bool  # has an entry in the config file
    has_secrets: bool  # has an entry in the secrets file


def config_target(settings: Settings) -> Path:
    """The config file `accounts add` writes: the one in use, or the platform default."""
    return settings.config_path or default_dirs()[0] / "config.yaml"


def _secrets_target(settings: Settings) -> Path:
    return settings.secrets_path or secrets_file(config_target(settings))


def add(settings: Settings, account: str, ui: SetupUI) -> Identity:
    """Run the network's guided set-up, verify the result against the network, then save it."""
    network, name = split_account(account)
    check_name(network, name)
    cls = load(network)
    with contextlib.suppress(OSError):  # a set-up that needs the folder says so when it writes
        make_private_dir(settings.data_dir)
    context = AdapterContext(data_dir=settings.data_dir, base_dir=settings.base_dir)
    if not issubclass(cls, GuidedSetup):
        raise PluginError(
            _("{network} has no guided set-up.").format(network=_(cls.title)),
            hint=_("Add accounts.{network}.<name> to your config file by hand (see config.example.yaml).").format(
                network=cls.name
            ),
        )
    setup = cls.setup(ui, account=account, context=context)
    redaction.register_raw(setup.secrets, everything=True)  # typed or fetched just now: never printed back
    values = secrets.merge(dict(setup.settings), setup.secrets)
    try:
        model = cls.settings_model.model_validate(values)
    except ValidationError as exc:
        raise unusable_answers(exc, account) from None
    adapter = cls(account=account, settings=model, context=context)
    try:
        identity = health_of(adapter, account)
    finally:
        adapter.close()
    config_edit.set_account(config_target(settings), network, name, setup.settings)
    secrets.save(_secrets_target(settings), account, setup.secrets or None)
    return identity


def check_name(network: str, name: str) -> None:
    """Refuse an account name campaign files could not refer to (the rule of ``network:name`` there)."""
    from socialpost.names import ACCOUNT_REF
    from socialpost.settings.quoting import clip

    if not ACCOUNT_REF.match(f"{network}:{name}") and ACCOUNT_REF.match(f"{network}:x"):
        raise UsageError(
            _(
                "'{name}' cannot be an account name: campaigns write accounts as {network}:NAME, where NAME holds "
                "only letters, digits, '-', '_' and '.', and starts with a letter or digit."
            ).format(name=clip(name), network=network),
            hint=_("Fix: choose a name like shop or cafe-2."),
        )


def listing(settings: Settings) -> list[AccountInfo]:
    stored = secrets.load(settings.secrets_path) if settings.secrets_path else {}
    names = {f"{net}:{name}" for net, by_name in settings.accounts.items() for name in by_name} | set(stored)
    return [
        AccountInfo(
            account=account,
            network=account.split(":", 1)[0],
            configured=settings.account_settings(*split_account(account)) is not None,
            has_secrets=account in stored,
        )
        for account in sorted(names)
    ]


def check_filter(settings: Settings, account: str, store: Store | None = None) -> None:
    """Refuse an ``--account NETWORK:NAME`` option that is surely a typo, with a "did you mean": it
    is neither set up nor in the queue, and an installed network or a known account is close to it.
    Any other name is let through (an outbox account needs no set-up; an account removed from the
    config still has its posts)."""
    network, _name = split_account(account)
    known = set(Adapters(settings).known_accounts())
    if store is not None:
        known |= set(queued_accounts(store))
    if account in known:
        return
    hint = suggest_account(account, known)
    if not hint:  # nothing close: maybe a name with no posts yet; the command says what it finds
        return
    if network not in network_names():
        message = _("there is no network '{network}', so no account '{account}'.")
    else:
        message = _("there is no account '{account}' in your config or in the queue.")
    raise NotFound(message.format(network=network, account=account) + hint, hint=_("See 'socialpost accounts list'."))


def queued_accounts(store: Store) -> list[str]:
    """Every account that has posts in the queue (whatever their state)."""
    from socialpost.store.connect import queued_accounts

    return queued_accounts(store)


def check(settings: Settings, account: str, *, clock: Clock = utcnow) -> Identity:
    """Verify ``account``'s credentials against its network."""
    adapters = Adapters(settings, clock=clock)
    try:
        return health_of(adapters.get(account), account)
    finally:
        adapters.close()


def remove(settings: Settings, account: str) -> None:
    network, name = split_account(account)
    removed = config_edit.remove_account(config_target(settings), network, name)
    path = _secrets_target(settings)
    had_secrets = account in secrets.load(path)
    if had_secrets:
        secrets.save(path, account, None)
    if not removed and not had_secrets:
        raise NotFound(
            _("there is no account {account} in {path}.").format(account=account, path=config_target(settings)),
            hint=_("See 'socialpost accounts list'."),
        )
