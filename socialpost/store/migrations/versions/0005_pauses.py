"""Pauses (``socialpost pause`` / ``resume``) and why a post is cancelled (``posts.cancelled_by``).

A post the user cancelled by hand stays cancelled when its file is scheduled again; one removed
from its file comes back when it is put back. Posts cancelled before this revision get the answer
from their event log: the last move to ``cancelled`` says "by the user" for ``socialpost cancel``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from socialpost.store.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The last move of each cancelled post to 'cancelled' was made by the user (`socialpost cancel`
# logs "by the user") or by `schedule` (a post removed from its file). Same SQL on SQLite and PostgreSQL.
BACKFILL = """
UPDATE posts SET cancelled_by = CASE WHEN (
    SELECT e.detail FROM events e
    WHERE e.post_id = posts.id AND e.to_status = 'cancelled'
    ORDER BY e.id DESC LIMIT 1
) LIKE 'by the user%' THEN 'user' ELSE 'file' END
WHERE status = 'cancelled'
"""


def upgrade() -> None:
    op.create_table(
        "pauses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=True),
        sa.Column("account", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("paused_by", sa.String(300), nullable=False),
        sa.Column("paused_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("(campaign_id IS NULL) <> (account IS NULL)", name="ck_pauses_one_target"),
        sa.UniqueConstraint("campaign_id", name="uq_pauses_campaign"),
        sa.UniqueConstraint("account", name="uq_pauses_account"),
    )
    # A plain ADD/DROP COLUMN (SQLite ≥ 3.35), never a table rebuild: dropping and re-creating
    # ``posts`` would cascade to its events and engagement.
    op.add_column("posts", sa.Column("cancelled_by", sa.String(8), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_column("posts", "cancelled_by")
    op.drop_table("pauses")
