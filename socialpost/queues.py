"""Each account's posting queue as the store fills it: `socialpost queue`, and the next free slots
for whatever places posts in a queue (README, "Posting queue").

An account's queue is the union of the ``queue:`` of every campaign the store holds that posts to
it: the rules are read from the campaign files the store recorded (``CampaignRow.source_file``,
as given to `schedule`, so relative to the folder it ran in), so nothing new is stored. A
campaign whose file is gone (or no longer reads) is said, and its queue left out; the posts it
queued keep their times and still fill their slots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from socialpost.campaign.account_queues import config_queues
from socialpost.campaign.load import read_campaign
from socialpost.settings.config import Settings
from socialpost.slots import SlotRule, upcoming
from socialpost.store import slot_assign
from socialpost.store.db import Store
from socialpost.store.models import display_id
from socialpost.timeutil import iso_utc


@dataclass(frozen=True)
class SlotPost:
    """A post in a slot."""

    campaign: str
    post_id: str
    state: str

    def as_json(self) -> dict[str, str]:
        return {"campaign": self.campaign, "id": self.post_id, "state": self.state}


@dataclass
class Slot:
    """One slot of an account: when, how many posts it takes, and those it has."""

    due_at: datetime  # aware, UTC
    local_time: datetime  # aware, in the zone of the queue that has it
    room: int
    posts: list[SlotPost] = field(default_factory=list)

    @property
    def free(self) -> int:
        return max(0, self.room - len(self.posts))

    def as_json(self) -> dict[str, Any]:
        return {
            "due_at": iso_utc(self.due_at),
            "local_time": self.local_time.isoformat(),
            "room": self.room,
            "free": self.free,
            "posts": [post.as_json() for post in self.posts],
        }


@dataclass
class AccountQueue:
    """An account's next slots and the campaigns whose queue they come from."""

    account: str
    campaigns: list[str]
    slots: list[Slot]

    def as_json(self) -> dict[str, Any]:
        return {"account": self.account, "campaigns": self.campaigns, "slots": [s.as_json() for s in self.slots]}


@dataclass(frozen=True)
class Unread:
    """A campaign of the store whose queue could not be read: its file is gone, or has errors."""

    campaign: str
    file: str
    gone: bool

    def as_json(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "file": self.file, "reason": "gone" if self.gone else "invalid"}


@dataclass
class Queues:
    accounts: list[AccountQueue]
    unread: list[Unread]

    def as_json(self) -> dict[str, Any]:
        return {"accounts": [a.as_json() for a in self.accounts], "unread": [u.as_json() for u in self.unread]}


CONFIG = "config"  # the name a config file's account queue is listed under


def rules_by_account(store: Store, settings: Settings) -> tuple[dict[str, list[tuple[str, SlotRule]]], list[Unread]]:
    """Each account's queues ((campaign, rule) pairs, from the campaign files the store recorded;
    ``config`` for the config file's queue of the account), and the campaigns whose file could not
    be read."""
    with store.session() as session:
        files = slot_assign.campaign_files(session)
    rules: dict[str, list[tuple[str, SlotRule]]] = {}
    from_config, _problems = config_queues(settings)  # `validate` reports them
    for account, configured in from_config.items():
        rules[account] = [(CONFIG, configured)]
    unread = []
    for name, file in sorted(files):
        path = Path(file)
        if not path.is_file():
            unread.append(Unread(name, file, gone=True))
            continue
        loaded, _problems = read_campaign(path)
        if loaded is None or "queue" in loaded.unsure or loaded.model.campaign != name:
            unread.append(Unread(name, file, gone=False))
            continue
        rule = loaded.model.slot_rule()
        if rule is None:
            continue
        model = loaded.model
        accounts = {*model.accounts, *(a for post in model.posts if post.queued for a in post.accounts or ())}
        for account in accounts:
            rules.setdefault(account, []).append((name, rule))
    return rules, unread


def next_slots(
    store: Store, settings: Settings, *, now: datetime, account: str | None = None, count: int = 10
) -> Queues:
    """The next ``count`` slots of each account's queue (or of ``account``), filled and free."""
    rules, unread = rules_by_account(store, settings)
    accounts = [account] if account is not None else sorted(rules)
    result = []
    for name in accounts:
        campaigns = [campaign for campaign, _rule in rules.get(name, [])]
        result.append(AccountQueue(name, sorted(set(campaigns)), _slots(store, name, rules.get(name, []), now, count)))
    return Queues(result, unread)


def free_slots(store: Store, account: str, rule: SlotRule, *, now: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` slots of ``rule`` on ``account`` that still have room, from ``now`` on
    (socialpost.store.slot_assign.free_slots, in one read)."""
    with store.session() as session:
        return slot_assign.free_slots(session, account, rule, now=now, count=count)


def _slots(store: Store, account: str, rules: list[tuple[str, SlotRule]], now: datetime, count: int) -> list[Slot]:
    if not rules:
        return []
    instants = upcoming([rule for _name, rule in rules], after=now, count=count)
    if not instants:
        return []
    tz = rules[0][1].tz
    slots = {instant: Slot(instant, instant.astimezone(tz), room) for instant, room in instants}
    with store.session() as session:
        held = slot_assign.occupants(session, [account], since=instants[0][0], until=instants[-1][0])
    for occupant in held:
        slot = slots.get(occupant.due_at)
        if slot is not None:
            slot.posts.append(
                SlotPost(occupant.campaign, display_id(occupant.post_id, occupant.occurrence), occupant.status)
            )
    return list(slots.values())
