"""The first tables: campaigns, posts, events, engagement snapshots, daemons.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from socialpost.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("source_file", sa.String(1000), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("late_within_seconds", sa.Integer(), nullable=False),
        sa.Column("late_else", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("post_key", sa.String(100), nullable=False),
        sa.Column("occurrence", sa.String(32), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("network", sa.String(50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("local_time", sa.String(40), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("remote_id", sa.String(300), nullable=True),
        sa.Column("remote_url", sa.String(1000), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("source", sa.String(1100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("campaign_id", "post_key", "occurrence", "account", name="uq_posts_slot"),
        sa.CheckConstraint(
            "status IN ('pending','sending','retry_wait','sent','failed','unknown','missed','cancelled','held')",
            name="ck_posts_status",
        ),
    )
    op.create_index("ix_posts_campaign_id", "posts", ["campaign_id"])
    op.create_index("ix_posts_claim", "posts", ["status", "next_attempt_at"])
    op.create_index("ix_posts_lease", "posts", ["status", "lease_until"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("daemon", sa.String(200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_events_post_id", "events", ["post_id"])
    op.create_table(
        "engagement_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("collected_at", UTCDateTime(), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=True),
    )
    op.create_index("ix_snapshots_post_time", "engagement_snapshots", ["post_id", "collected_at"])
    op.create_table(
        "daemons",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=False),
        sa.Column("stopped_at", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("daemons")
    op.drop_table("engagement_snapshots")
    op.drop_table("events")
    op.drop_table("posts")
    op.drop_table("campaigns")
