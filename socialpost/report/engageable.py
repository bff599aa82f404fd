"""Which accounts can have engagement at all: their network's adapter reads metrics.

An outbox, a webhook or a Telegram channel never gives figures (their adapters declare no
:class:`~socialpost.networks.capabilities.MetricsReader`); their posts are counted in the report but
left out of its engagement charts, best times and metric columns, and the page says so once. An
account whose posts have figures anyway (stored by an earlier version of a network) counts as one
that can.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from socialpost.report.facts import PostFacts


@lru_cache(maxsize=64)
def network_reads_metrics(network: str) -> bool:
    """Whether ``network``'s adapter declares that it reads metrics (False when it is not installed)."""
    from socialpost.errors import PluginError
    from socialpost.networks import registry
    from socialpost.networks.capabilities import MetricsReader

    try:
        adapter = registry.load(network)
    except PluginError:
        return False
    return issubclass(adapter, MetricsReader)


def silent_accounts(posts: Iterable[PostFacts]) -> list[str]:
    """The accounts of ``posts`` that cannot have engagement, sorted. An account with figures is
    known to have some without asking its adapter (importing one can take a while)."""
    measured: set[str] = set()
    networks: dict[str, str] = {}
    for post in posts:
        networks.setdefault(post.account, post.network)
        if post.latest is not None:
            measured.add(post.account)
    return sorted(
        account
        for account, network in networks.items()
        if account not in measured and not network_reads_metrics(network)
    )
