"""The database: reachable, and at the schema this socialpost expects (never migrated here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from socialpost.doctor.finding import Finding, ok, problem, warning
from socialpost.errors import StoreError
from socialpost.i18n import _
from socialpost.store.db import SCHEMA_HEAD, Store
from socialpost.store.probe import open_without_migrating, safe_url, schema_revision

if TYPE_CHECKING:
    from socialpost.settings.config import Settings

__all__ = ["StoreOpener", "check_database", "open_without_migrating", "safe_url", "sqlite_file"]

StoreOpener = Callable[[str], Store]


def check_database(settings: Settings, opener: StoreOpener) -> tuple[Store | None, list[Finding]]:
    """Reachable, and its schema is the one this socialpost expects. Returns the store only when
    the other checks can use it (reachable and current)."""
    url = settings.database_url
    shown = safe_url(url)
    sqlite_path = sqlite_file(url)
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
        revision = schema_revision(store)
    except StoreError as exc:
        store.close()
        reason = exc.message
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


def sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :].split("?", 1)[0]
    if not rest or rest == ":memory:" or rest.startswith("file:"):
        return None
    return Path(rest)
