"""Find network adapters through the versioned entry-point group ``socialpost.networks.v2``.

The group's version is the adapter contract's: ``v2`` adapters declare a profile and their
capabilities (:mod:`socialpost.networks.profile`, :mod:`socialpost.networks.capabilities`).
Adapters written for the first contract are still found in the unversioned ``socialpost.networks``
group; their profile and capabilities are derived from what they define
(:func:`socialpost.networks.base.legacy_adapter`). A name in both groups is the ``v2`` one.

Built-in adapters are declared in socialpost's own ``pyproject.toml`` exactly as a plugin would
declare its own. Listing networks reads metadata only; an adapter's module (and its SDK) is
imported when an account of that network is first used, so ``socialpost --help`` stays fast.

Only finding adapters is here: creating them for the accounts of the config and secrets files is
application wiring, in :mod:`socialpost.wiring`.
"""

from __future__ import annotations

import inspect
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from socialpost.errors import PluginError, UnknownNetwork
from socialpost.i18n import _
from socialpost.networks.base import Network

GROUP = "socialpost.networks.v2"  # the adapter contract of this version (profile + capabilities)
FIRST_GROUP = "socialpost.networks"  # the first contract, still read


@cache
def available() -> dict[str, EntryPoint]:
    """Network name → entry point, without importing anything."""
    found = {ep.name: ep for ep in entry_points(group=FIRST_GROUP)}
    found.update({ep.name: ep for ep in entry_points(group=GROUP)})
    return found


def network_names() -> list[str]:
    return sorted(available())


def load(name: str) -> type[Network]:
    """The adapter class for ``name``; PluginError if it is unknown or fails to import."""
    entry = available().get(name)
    if entry is None:
        known = ", ".join(network_names()) or _("none")
        raise UnknownNetwork(
            _("no network adapter named '{name}' is installed (installed: {known}).").format(name=name, known=known),
            hint=_("Check the spelling of the account, or install the plugin that provides it."),
        )
    try:
        adapter = entry.load()
    except Exception as exc:  # a broken plugin must not take the whole CLI down
        raise PluginError(
            _("the '{name}' network adapter ({entry}) failed to load: {error}").format(
                name=name, entry=entry.value, error=f"{exc.__class__.__name__}: {exc}"
            ),
            hint=_("Reinstall or upgrade the package that provides it."),
        ) from exc
    if not (isinstance(adapter, type) and issubclass(adapter, Network)):
        raise PluginError(
            _("the '{name}' entry point ({entry}) is not a socialpost Network class.").format(
                name=name, entry=entry.value
            ),
            hint=_("Reinstall or upgrade the package that provides it."),
        )
    if inspect.isabstract(adapter):
        missing = ", ".join(sorted(getattr(adapter, "__abstractmethods__", ())))
        raise PluginError(
            _("the '{name}' network adapter ({entry}) is incomplete: it does not implement {missing}.").format(
                name=name, entry=entry.value, missing=missing
            ),
            hint=_("Reinstall or upgrade the package that provides it."),
        )
    return adapter
