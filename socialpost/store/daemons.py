"""The daemons the database knows of (their heartbeats), for ``status`` and ``doctor``."""

from __future__ import annotations

from sqlalchemy import select

from socialpost.store.db import Store
from socialpost.store.models import DaemonRow


def recent_daemons(store: Store, *, limit: int = 20) -> list[DaemonRow]:
    """The daemons with the latest heartbeats first, at most ``limit``."""
    with store.session() as session:
        return list(session.scalars(select(DaemonRow).order_by(DaemonRow.heartbeat_at.desc()).limit(limit)))
