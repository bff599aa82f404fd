"""The comment inbox: replies and comments on the accounts' posts (``socialpost inbox``).

Revision ID: 0004
Revises: 0003
Create Date: 2027-01-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from socialpost.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("network", sa.String(50), nullable=False),
        sa.Column("remote_id", sa.String(300), nullable=False),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("posts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("post_remote_id", sa.String(300), nullable=False),
        sa.Column("in_reply_to", sa.String(300), nullable=False),
        sa.Column("author", sa.String(300), nullable=False),
        sa.Column("author_name", sa.String(300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.String(1000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_by_remote_id", sa.String(300), nullable=True),
        sa.Column("digested_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("account", "remote_id", name="uq_inbox_items_remote"),
    )
    op.create_index("ix_inbox_items_post_id", "inbox_items", ["post_id"])
    op.create_index("ix_inbox_items_order", "inbox_items", ["answered_at", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_items_order", table_name="inbox_items")
    op.drop_index("ix_inbox_items_post_id", table_name="inbox_items")
    op.drop_table("inbox_items")
