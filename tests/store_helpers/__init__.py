"""Helpers shared by the store, migration and daemon tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from socialpost import scheduling
from socialpost.campaign.expand import fingerprint, idempotency_key
from socialpost.settings.config import Settings
from socialpost.store import sync_plan
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, EventRow, PostRow, Status
from socialpost.timeutil import Clock

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def campaign_yaml(
    posts: Sequence[tuple[str, str, str]],
    *,
    name: str = "launch",
    accounts: Sequence[str] = ("outbox:news",),
    within: str = "15m",
    else_: str = "skip",
    timezone: str = "UTC",
) -> str:
    """A campaign file; ``posts`` are (id, 'YYYY-MM-DD HH:MM[:SS]', text)."""
    lines = [
        f"campaign: {name}",
        f"timezone: {timezone}",
        f"accounts: [{', '.join(accounts)}]",
        f"late: {{within: {within}, else: {else_}}}",
        "posts:",
    ]
    for post_id, at, text in posts:
        lines += [f"  - id: {post_id}", f'    at: "{at}"', f'    text: "{text}"']
    return "\n".join(lines) + "\n"


def schedule_file(
    store: Store, settings: Settings, path: Path, *, now: datetime, allow_past: bool = False
) -> sync_plan.Plan:
    prepared = scheduling.prepare([path], settings)
    (plan,) = scheduling.schedule(store, prepared, now=now, allow_past=allow_past)
    return plan


def seed_posts(
    store: Store,
    count: int,
    *,
    due: datetime | Sequence[datetime],
    account: str = "outbox:news",
    campaign: str = "bulk",
    within_seconds: int = 900,
    late_else: str = "skip",
    status: Status = Status.PENDING,
) -> list[int]:
    """Insert ``count`` posts directly (fast; for claim tests). Returns their ids."""
    dues = [due] * count if isinstance(due, datetime) else list(due)
    assert len(dues) == count
    first = min(dues)
    with store.write() as session:
        campaign_id = session.scalar(select(CampaignRow.id).where(CampaignRow.name == campaign))
        if campaign_id is None:
            row = CampaignRow(
                name=campaign,
                source_file="bulk.yaml",
                timezone="UTC",
                late_within_seconds=within_seconds,
                late_else=late_else,
                created_at=first,
                updated_at=first,
            )
            session.add(row)
            session.flush()
            campaign_id = row.id
        start = session.scalar(select(PostRow.id).order_by(PostRow.id.desc()).limit(1)) or 0
        values = []
        for i, when in enumerate(dues):
            key = f"p{start + i:05d}"
            payload = {"text": f"post {key}"}
            values.append(
                {
                    "campaign_id": campaign_id,
                    "post_key": key,
                    "occurrence": "",
                    "account": account,
                    "network": account.split(":", 1)[0],
                    "payload": payload,
                    "fingerprint": fingerprint(when, payload),
                    "idempotency_key": idempotency_key(campaign, key, "", account),
                    "due_at": when,
                    "local_time": when.isoformat(),
                    "next_attempt_at": when,
                    "status": status.value,
                    "attempts": 0,
                    "source": f"bulk.yaml:{i + 1}:3",
                    "created_at": first,
                    "updated_at": first,
                }
            )
        session.execute(insert(PostRow), values)
        ids = list(session.scalars(select(PostRow.id).where(PostRow.campaign_id == campaign_id).order_by(PostRow.id)))
        ids = ids[-count:]
        session.execute(
            insert(EventRow),
            [
                {"post_id": i, "at": first, "kind": "scheduled", "from_status": None, "to_status": status.value}
                for i in ids
            ],
        )
    return ids


def post(store: Store, post_id: int) -> PostRow:
    with store.session() as session:
        row = session.get(PostRow, post_id)
        assert row is not None
        return row


def posts_by_key(store: Store) -> dict[str, PostRow]:
    with store.session() as session:
        return {f"{r.post_key}@{r.account}": r for r in session.scalars(select(PostRow))}


def events(store: Store, post_id: int | None = None) -> list[EventRow]:
    with store.session() as session:
        query = select(EventRow).order_by(EventRow.id)
        if post_id is not None:
            query = query.where(EventRow.post_id == post_id)
        return list(session.scalars(query))


def assert_history_consistent(store: Store) -> None:
    """Every status a post went through is in the event log, as an unbroken chain ending in its
    current status (so no code path changed a status without ``transitions.log``)."""
    with store.session() as session:
        rows = {r.id: r.status for r in session.scalars(select(PostRow))}
        chain: dict[int, str | None] = {}
        for event in session.scalars(select(EventRow).order_by(EventRow.id)):
            if event.to_status is None:
                continue  # a note (late-result), not a move
            previous = chain.get(event.post_id)
            assert event.from_status == previous, (event.post_id, event.kind, event.from_status, previous)
            chain[event.post_id] = event.to_status
    assert chain == rows


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A uniquely named PostgreSQL database, dropped afterwards. Skips (fails on CI) without a server."""
    import psycopg

    try:
        admin = psycopg.connect(PG_DSN, autocommit=True)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL is not reachable at 127.0.0.1:5432 as postgres: {str(exc).strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: the PostgreSQL tests must run)")
        pytest.skip(reason)
    name = f"socialpost_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def throwaway_postgres_store() -> Iterator[Store]:
    """A :class:`Store` opened (and migrated) on a :func:`throwaway_postgres` database, closed afterwards."""
    from socialpost.store.db import open_store

    with throwaway_postgres() as url:
        opened = open_store(url)
        try:
            yield opened
        finally:
            opened.close()


def pg_waiting(url: str) -> int:
    """Connections to the database at ``url`` waiting for a lock (a table, a row, an advisory lock)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()"
        ).fetchone()
    assert row is not None
    return int(row[0])


def later(start: datetime, **kwargs: float) -> datetime:
    return start + timedelta(**kwargs)


def deliver_due(settings: Settings, clock: Clock) -> None:
    """What a daemon does once, in the test: claim every post due at ``clock()`` and send each."""
    from socialpost.daemon.dispatcher import Dispatcher
    from socialpost.store.db import open_store
    from socialpost.store.queue import Queue
    from socialpost.wiring import Adapters

    store = open_store(settings.database_url)
    try:
        dispatcher = Dispatcher(Queue(store, "test", clock=clock), Adapters(settings, clock=clock), settings.daemon)
        for claimed in dispatcher.claim(100):
            dispatcher.deliver(claimed)
    finally:
        store.close()
