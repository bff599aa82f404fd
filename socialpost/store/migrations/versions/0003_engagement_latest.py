"""engagement_latest: each post's newest snapshot and the one before it, for the report.

The upgrade fills it from the snapshots already stored, in one INSERT … SELECT; from then on every
snapshot written updates it in the same transaction (``socialpost.store.models.fold_snapshots``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from socialpost.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The metrics as of this revision, in their bit order in ``stored`` (frozen here on purpose).
METRICS = ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks")


def upgrade() -> None:
    op.create_table(
        "engagement_latest",
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("collected_at", UTCDateTime(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        *(sa.Column(m, sa.Integer(), nullable=True) for m in METRICS),
        sa.Column("previous_collected_at", UTCDateTime(), nullable=True),
        sa.Column("previous_stored", sa.Integer(), nullable=True),
        *(sa.Column(f"previous_{m}", sa.Integer(), nullable=True) for m in METRICS),
    )
    op.execute(backfill_sql())


def backfill_sql() -> str:
    """Each post's newest and previous snapshot, pivoted, exactly as the report used to group them."""
    names = ", ".join(f"'{m}'" for m in METRICS)

    def pivot(name: str, times: str) -> str:
        stored = " + ".join(
            f"MAX(CASE WHEN s.metric = '{m}' THEN {1 << bit} ELSE 0 END)" for bit, m in enumerate(METRICS)
        )
        values = ", ".join(f"MAX(CASE WHEN s.metric = '{m}' THEN s.value END) AS {m}" for m in METRICS)
        return (
            f"{name} AS (SELECT s.post_id, {stored} AS stored, {values} FROM engagement_snapshots s"
            f" JOIN {times} t ON t.post_id = s.post_id AND t.at = s.collected_at"
            f" WHERE s.metric IN ({names}) GROUP BY s.post_id)"
        )

    columns = ", ".join(METRICS)
    previous_columns = ", ".join(f"previous_{m}" for m in METRICS)
    return (
        f"INSERT INTO engagement_latest (post_id, collected_at, stored, {columns},"
        f" previous_collected_at, previous_stored, {previous_columns}) "
        f"WITH latest AS (SELECT post_id, MAX(collected_at) AS at FROM engagement_snapshots"
        f" WHERE metric IN ({names}) GROUP BY post_id), "
        f"previous AS (SELECT s.post_id, MAX(s.collected_at) AS at FROM engagement_snapshots s"
        f" JOIN latest l ON l.post_id = s.post_id AND s.collected_at < l.at"
        f" WHERE s.metric IN ({names}) GROUP BY s.post_id), "
        f"{pivot('cur', 'latest')}, {pivot('prev', 'previous')} "
        f"SELECT l.post_id, l.at, cur.stored, {', '.join(f'cur.{m}' for m in METRICS)},"
        f" p.at, prev.stored, {', '.join(f'prev.{m}' for m in METRICS)}"
        " FROM latest l JOIN cur ON cur.post_id = l.post_id"
        " LEFT JOIN previous p ON p.post_id = l.post_id LEFT JOIN prev ON prev.post_id = l.post_id"
    )


def downgrade() -> None:
    op.drop_table("engagement_latest")
