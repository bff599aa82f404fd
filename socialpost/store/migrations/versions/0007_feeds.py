"""Feeds: a campaign's blog feeds and the entries decided for each account (socialpost.feeds).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from socialpost.store.models import RedactedString, RedactedText, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", RedactedString(2000), nullable=False),
        sa.Column("url_key", sa.String(64), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("first_scheduled_at", UTCDateTime(), nullable=False),
        sa.Column("first_polled_at", UTCDateTime(), nullable=True),
        sa.Column("next_poll_at", UTCDateTime(), nullable=False),
        sa.Column("last_polled_at", UTCDateTime(), nullable=True),
        sa.Column("last_ok_at", UTCDateTime(), nullable=True),
        sa.Column("etag", sa.String(500), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("last_error", RedactedText(), nullable=True),
        sa.Column("last_error_at", UTCDateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.UniqueConstraint("campaign_id", "url_key", name="uq_feeds_url"),
    )
    op.create_index("ix_feeds_campaign_id", "feeds", ["campaign_id"])
    op.create_table(
        "feed_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feed_id", sa.Integer(), sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("entry_key", sa.String(64), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("posts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("feed_id", "entry_key", "account", name="uq_feed_entries"),
        sa.CheckConstraint("decision IN ('queued','skipped')", name="ck_feed_entries_decision"),
    )
    op.create_index("ix_feed_entries_post_id", "feed_entries", ["post_id"])


def downgrade() -> None:
    op.drop_index("ix_feed_entries_post_id", table_name="feed_entries")
    op.drop_table("feed_entries")
    op.drop_index("ix_feeds_campaign_id", table_name="feeds")
    op.drop_table("feeds")
