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
    """The accounts of ``posts`` that cannot have engagement, sorted."""
    seen: dict[str, bool] = {}
    for post in posts:
        account = post.account
        if seen.get(account):
            continue
        seen[account] = post.latest is not None or network_reads_metrics(post.network)
    return sorted(account for account, engaged in seen.items() if not engaged)
