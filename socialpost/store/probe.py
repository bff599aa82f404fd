"""Is the database there, and at which schema? Read without migrating (``socialpost doctor``)."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from socialpost.errors import StoreError
from socialpost.store.db import Store, current_revision, open_store


def open_without_migrating(url: str) -> Store:
    """Open the store without migrating it, giving a PostgreSQL server 5 s to answer."""
    if url.startswith("postgresql"):
        parsed = make_url(url)
        if "connect_timeout" not in parsed.query:
            url = parsed.update_query_dict({"connect_timeout": "5"}).render_as_string(hide_password=False)
    return open_store(url, migrate=False)


def safe_url(url: str) -> str:
    """The database URL without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse: show only its scheme
        return url.split("://", 1)[0] + "://…"


def schema_revision(store: Store) -> str | None:
    """The schema revision the database is at (None: no socialpost tables). StoreError, whose
    message is the driver's first line, when the database does not answer."""
    try:
        return current_revision(store)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc)
        raise StoreError((reason.strip().splitlines() or [""])[0][:300]) from exc
