"""A store that looks like three weeks of a real campaign, for the report's browser tests and its
README screenshot (``make screenshots-report``).

Rows are written straight into the store (as tests/test_report.py's Seeder does): posts that went
out on Mastodon, Bluesky and X with their engagement read two days later, a few with the example
campaign's photos, one that failed, and an outbox and a webhook account that can have no engagement.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, PostRow, SnapshotRow

MONTREAL = ZoneInfo("America/Montreal")
START = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)  # Monday 09:00 in Montreal
NOW = START + timedelta(days=23)
CAMPAIGN = "coffee-shop-launch"
REPO = Path(__file__).resolve().parent.parent.parent
PHOTOS = (REPO / "campaigns" / "img" / "roastery-beans.jpg", REPO / "campaigns" / "img" / "croissants.jpg")

TEXTS = (
    "Our new single-origin Ethiopian roast lands Saturday. Floral, bright, a little jammy — come taste it "
    "at the bar from 8 am. #coffee #roastery",
    "Behind the counter: Marie pulls 400 shots a day on the old lever machine. Say hi to her this week!",
    "Opening week: every flat white comes with a fresh croissant from our neighbours at Boulangerie Rose.",
    "We roast every Tuesday and Friday morning. Beans are best 4 to 14 days after roasting: ask us the date.",
    "Rainy Monday? The oat-milk cortado is half price until noon. https://coffee.example/menu",
    "Thank you for a wonderful first week! 1,200 cups, 300 croissants and one very tired espresso machine.",
    "New: pour-over flights on weekends — three origins, side by side, with tasting notes from our roaster.",
)
ENGAGED = ("mastodon:acme", "bluesky:acme", "x:acme")
SILENT = ("outbox:newsletter", "webhook:zapier")


def _payload(index: int) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": TEXTS[index % len(TEXTS)]}
    if index % 3 == 0:
        photo = PHOTOS[(index // 3) % len(PHOTOS)]
        payload["media"] = [{"file": str(photo), "alt": "a photo of the shop"}]
        payload["media_root"] = str(photo.parent.parent)
    return payload


def seed_sample(store: Store, *, campaign: str = CAMPAIGN, days: int = 21) -> int:
    """Write the sample campaign into ``store``; the number of posts written."""
    count = 0
    with store.session() as session:
        row = CampaignRow(
            name=campaign,
            source_file=f"campaigns/{campaign}.yaml",
            timezone="America/Montreal",
            created_at=START,
            updated_at=START,
        )
        session.add(row)
        session.flush()
        campaign_id = row.id
        for day in range(days):
            index = day
            # 09:00 or 12:00 in Montreal (before and after the change to summer time): each hour of the
            # week twice in three weeks, so the best times can compare them
            due = datetime(2027, 3, 1 + day, 9 + (day % 2) * 3, tzinfo=MONTREAL).astimezone(UTC)
            for account in (*ENGAGED, *SILENT):
                if account in SILENT and day % 4:
                    continue
                count += 1
                network = account.split(":", 1)[0]
                failed = account == "x:acme" and day == 9
                post = PostRow(
                    campaign_id=campaign_id,
                    post_key=f"day-{day + 1:02d}",
                    occurrence="",
                    account=account,
                    network=network,
                    payload=_payload(index),
                    fingerprint="f" * 64,
                    idempotency_key=f"sample-{campaign}-{count}",
                    due_at=due,
                    local_time=due.isoformat(),
                    next_attempt_at=due,
                    status="failed" if failed else "sent",
                    attempts=1,
                    remote_id=None if failed else f"r{count}",
                    remote_url=None if failed else f"https://{network}.example/@acme/{1000 + count}",
                    last_error="X answered 403: this account is not allowed to post media" if failed else None,
                    sent_at=None if failed else due,
                    source=f"campaigns/{campaign}.yaml:{10 + day}:3",
                    created_at=START,
                    updated_at=START,
                )
                session.add(post)
                session.flush()
                if failed or account in SILENT:
                    continue
                wave = 1 + (day * 7) % 5 + (3 if day % 7 in (1, 5) else 0)
                metrics: dict[str, int | None] = {
                    "likes": 4 * wave + day % 3,
                    "reposts": wave,
                    "replies": wave // 2,
                    "quotes": 0 if network == "mastodon" else wave // 3,
                }
                if network == "x":
                    metrics["views"] = 180 * wave + 37 * day
                    metrics["clicks"] = wave + 2
                if network == "bluesky":
                    metrics["bookmarks"] = wave // 2
                for metric, value in metrics.items():
                    session.add(
                        SnapshotRow(
                            post_id=post.id, collected_at=due + timedelta(days=2), metric=metric, value=value, raw=None
                        )
                    )
    return count
