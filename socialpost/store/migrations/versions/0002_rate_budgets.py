"""Rate budgets per account, and a claim index that needs no sort.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from socialpost.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_budgets",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("next_allowed_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.drop_index("ix_posts_claim", table_name="posts")
    op.create_index("ix_posts_claim", "posts", ["status", "next_attempt_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_posts_claim", table_name="posts")
    op.create_index("ix_posts_claim", "posts", ["status", "next_attempt_at"])
    op.drop_table("rate_budgets")
