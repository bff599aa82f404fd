"""What shell completion offers from the queue: campaign names, accounts and post ids.

Fast and quiet: a current SQLite file is read with the standard library alone (no SQLAlchemy
import, socialpost.store.sqlite_read); a file that does not exist yet gives nothing (and is not
created); another database is read without migrating it.
"""

from __future__ import annotations

from dataclasses import dataclass

from socialpost.store.sqlite_read import connect_current, sqlite_file

LIMIT = 500  # a shell shows no more than that usefully

_CAMPAIGNS = "SELECT name FROM campaigns ORDER BY name"
_ACCOUNTS = "SELECT DISTINCT account FROM posts ORDER BY account"
_POSTS = (
    "SELECT DISTINCT campaigns.name, posts.post_key, posts.occurrence FROM posts "
    "JOIN campaigns ON campaigns.id = posts.campaign_id "
    "WHERE campaigns.name LIKE :prefix ESCAPE '\\' "
    "ORDER BY campaigns.name, posts.post_key, posts.occurrence LIMIT :limit"
)


@dataclass(frozen=True)
class Names:
    campaigns: list[str]
    accounts: list[str]
    posts: list[str]  # CAMPAIGN/POST-ID


def names(url: str, *, campaign_prefix: str = "") -> Names:
    """The queue's campaigns, accounts and the ids of the posts of campaigns starting with
    ``campaign_prefix``; empty when there is no queue yet."""
    params = {"prefix": _like(campaign_prefix), "limit": LIMIT}
    connection = connect_current(url)
    if connection is not None:
        try:
            campaigns = [row[0] for row in connection.execute(_CAMPAIGNS)]
            accounts = [row[0] for row in connection.execute(_ACCOUNTS)]
            posts = list(connection.execute(_POSTS, params))
        finally:
            connection.close()
    else:
        path = sqlite_file(url)
        if path is not None and not path.is_file():
            return Names([], [], [])
        from sqlalchemy import text

        from socialpost.store.db import open_store

        store = open_store(url, migrate=False)
        try:
            with store.session() as session:
                campaigns = list(session.scalars(text(_CAMPAIGNS)))
                accounts = list(session.scalars(text(_ACCOUNTS)))
                posts = [tuple(row) for row in session.execute(text(_POSTS), params)]
        finally:
            store.close()
    # as socialpost.store.models.display_id writes them (not imported: it would load SQLAlchemy)
    return Names(campaigns, accounts, [f"{c}/{key}@{occ}" if occ else f"{c}/{key}" for c, key, occ in posts])


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
