"""Turn a campaign into the rows the store keeps: one per post × occurrence × account."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialpost.campaign.load import LoadedCampaign
from socialpost.timeutil import iso_utc, to_utc, zone


@dataclass(frozen=True)
class PlannedPost:
    """What one row of the store should hold, as the campaign file says today."""

    campaign: str
    post_id: str
    occurrence: str  # "" for a one-off post; the local wall time for a recurring one
    account: str  # network:name
    due_at: datetime  # aware, UTC
    local_time: datetime  # aware, in the campaign's zone
    payload: dict[str, Any] = field(hash=False)
    file: str = ""
    line: int = 0
    column: int = 0

    @property
    def network(self) -> str:
        return self.account.split(":", 1)[0]

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.campaign, self.post_id, self.occurrence, self.account)

    @property
    def idempotency_key(self) -> str:
        return idempotency_key(*self.key)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.due_at, self.payload)


def idempotency_key(campaign: str, post_id: str, occurrence: str, account: str) -> str:
    """Stable for the life of a post slot, so a resend after a crash is recognisable."""
    digest = hashlib.sha256("\x1f".join((campaign, post_id, occurrence, account)).encode()).hexdigest()
    return f"sp-{digest[:40]}"


def fingerprint(due_at: datetime, payload: dict[str, Any]) -> str:
    """What decides 'unchanged' versus 'update' for a post already in the store."""
    body = json.dumps({"due_at": iso_utc(due_at), "payload": payload}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def expand(loaded: LoadedCampaign) -> list[PlannedPost]:
    """Every row the campaign asks for, in file order."""
    model = loaded.model
    tz = zone(model.timezone)
    rows: list[PlannedPost] = []
    for index, post in enumerate(model.posts):
        line, column = loaded.post_position(index)
        due = to_utc(post.at, tz)
        for account in post.accounts or model.accounts:
            rows.append(
                PlannedPost(
                    campaign=model.campaign,
                    post_id=post.id,
                    occurrence="",
                    account=account,
                    due_at=due,
                    local_time=due.astimezone(tz),
                    payload={"text": post.text},
                    file=loaded.path,
                    line=line,
                    column=column,
                )
            )
    return rows
