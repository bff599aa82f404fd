"""Turn a campaign into the rows the store keeps: one per post × occurrence × account."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from socialpost.campaign import local_posts, recurrence
from socialpost.campaign.load import LoadedCampaign
from socialpost.campaign.models import Defaults, Every, Media, Post, Variant, Video
from socialpost.errors import CampaignError, Problem
from socialpost.i18n import _, formats
from socialpost.media import MEDIA_ROOT_KEY
from socialpost.networks.profile import profile_of
from socialpost.slots import Board, NoFreeSlot, SlotRule, no_free_slot_message
from socialpost.text import utm
from socialpost.timeutil import iso_utc, to_utc, utcnow, zone

Loc = tuple[str | int, ...]


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
    index: int = 0  # the post's position in the file's posts list
    recurring: bool = False
    language: str | None = None
    quiet: frozenset[str] = frozenset()
    uses_utm: bool = False
    lead: timedelta = timedelta(0)  # handed to the network this long before due_at (YouTube uploads)
    part_locs: tuple[Loc, ...] = field(default=(), hash=False)  # where each part's text is written
    media_locs: tuple[Loc, ...] = field(default=(), hash=False)
    queue: SlotRule | None = field(default=None, hash=False)  # a queued post (no at/every): its queue's rule
    slot_why: str = ""  # a queued post: why it has its slot (socialpost.slots: kept, next, taken)
    slot_taken_by: str = ""  # ... and with "taken", the campaign whose post has the slot it would have had

    def placed(self, due_at: datetime, why: str, taken_by: str = "") -> PlannedPost:
        """This queued row in the slot at ``due_at`` (the fingerprint follows the new time)."""
        return replace(
            self,
            due_at=due_at,
            local_time=due_at.astimezone(self.local_time.tzinfo),
            slot_why=why,
            slot_taken_by=taken_by,
        )

    @property
    def parts(self) -> list[str]:
        """The text of every part as it will be sent (UTM tags included)."""
        return [str(self.payload["text"]), *self.payload.get("thread", ())]

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

    @property
    def fingerprint_before_language(self) -> str | None:
        """The fingerprint this row had when payloads did not carry the post's language yet (None
        when it carries none): a row queued then and already settled is not "edited" by it."""
        if "language" not in self.payload:
            return None
        return fingerprint(self.due_at, {k: v for k, v in self.payload.items() if k != "language"})


def idempotency_key(campaign: str, post_id: str, occurrence: str, account: str) -> str:
    """Stable for the life of a post slot, so a resend after a crash is recognisable."""
    digest = hashlib.sha256("\x1f".join((campaign, post_id, occurrence, account)).encode()).hexdigest()
    return f"sp-{digest[:40]}"


def fingerprint(due_at: datetime, payload: dict[str, Any]) -> str:
    """What decides 'unchanged' versus 'update' for a post already in the store. The media folder is
    left out: it follows from where the campaign file is, and posts queued before it was recorded
    must not all turn 'update' (that would re-queue failed ones); see socialpost.media."""
    kept = {key: value for key, value in payload.items() if key != MEDIA_ROOT_KEY}
    body = json.dumps({"due_at": iso_utc(due_at), "payload": kept}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:32]


DEFAULT_HORIZON = timedelta(days=90)  # open-ended recurring posts are queued this far ahead
MAX_OCCURRENCES = 10_000  # coming occurrences per recurring post; more is almost surely a mistake in the rule
MAX_PAST_OCCURRENCES = 50_000  # occurrences before now, counted so the rotation of texts stays stable


def occurrences(every: Every, *, tz: ZoneInfo, now: datetime, horizon: timedelta) -> list[datetime]:
    """The wall times of a recurring rule, from its first day to ``until`` (or now + horizon).

    Only the occurrences from ``now`` on count towards :data:`MAX_OCCURRENCES`: a rule that started
    long ago is not "too many posts" (the past ones are listed, never created after the fact)."""
    local_now = now.astimezone(tz).replace(tzinfo=None)
    end = every.until or (local_now + horizon).date()
    result: list[datetime] = []
    coming = 0
    for wall in _walls(every, every.from_, end):
        if wall >= local_now:
            coming += 1
            if coming > MAX_OCCURRENCES:
                raise ValueError(
                    _(
                        "this rule makes more than {count} posts. Fix: set an earlier 'until', or post less often"
                    ).format(count=formats.integer(MAX_OCCURRENCES))
                )
        elif len(result) >= MAX_PAST_OCCURRENCES:
            raise ValueError(
                _(
                    "this rule came round more than {count} times before today. Fix: set 'from' to a later day "
                    "(today, for a new rule)."
                ).format(count=formats.integer(MAX_PAST_OCCURRENCES))
            )
        result.append(wall)
    return result


def _walls(every: Every, start: date, end: date) -> Iterator[datetime]:
    """The rule's wall times from ``start`` to ``end``, less the days ``except`` skips. A skipped
    occurrence takes no turn in the rotation of ``texts``: the next one gets the text it would have had."""
    return (wall for wall in _all_walls(every, start, end) if not every.skips(wall.date()))


def _all_walls(every: Every, start: date, end: date) -> Iterator[datetime]:
    if every.cron is not None:
        return recurrence.cron(every.cron, start, end)
    if every.days is not None:
        return recurrence.weekly(every.days, every.at or [], start, end)
    assert every.interval is not None
    return recurrence.interval(every.interval, every.at or [], start, end)


def comes_round(every: Every, *, tz: ZoneInfo, now: datetime) -> bool:
    """Whether the rule has an occurrence at or after ``now`` (looking past any horizon)."""
    local_now = now.astimezone(tz).replace(tzinfo=None)
    today = local_now.date()
    if every.until is not None and every.until < today:
        return False
    last = every.until or date.max
    if every.cron is not None:
        trigger = recurrence.cron_trigger(every.cron)
        moment = max(local_now, datetime.combine(every.from_, time(0)))
        while True:  # each turn jumps past a skipped span, and there are few
            fire = trigger.get_next_fire_time(None, moment.replace(tzinfo=UTC))
            if fire is None or fire.date() > last:
                return False
            span_end = max((end for start, end in every.except_ or () if start <= fire.date() <= end), default=None)
            if span_end is None:
                return True
            moment = datetime.combine(span_end + timedelta(days=1), time(0))
    start = max(every.from_, today)
    # past the last skipped day, one period is enough to find an occurrence
    skipped = max((end for _start, end in every.except_ or ()), default=start)
    if every.interval is not None:  # the rule's days are from + k × interval
        step = every.interval.days
        start = every.from_ + timedelta(days=max(0, (today - every.from_).days // step) * step)
        walls = recurrence.interval(
            every.interval, every.at or [], start, min(last, max(start, skipped) + 2 * every.interval)
        )
    else:
        walls = recurrence.weekly(
            every.days or [], every.at or [], start, min(last, max(start, skipped) + timedelta(days=8))
        )
    return any(wall >= local_now and not every.skips(wall.date()) for wall in walls)


def expand(
    loaded: LoadedCampaign,
    *,
    now: datetime | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
    account_queues: Mapping[str, SlotRule] | None = None,
) -> list[PlannedPost]:
    """Every row the campaign asks for, in file order (recurring posts: every occurrence from the
    rule's first day, so the text rotation is stable; `schedule` skips the past ones). Raises
    CampaignError for a rule that cannot be expanded, or a post that has no time."""
    rows, problems = expand_all(loaded, now=now, horizon=horizon, account_queues=account_queues)
    if problems:
        raise CampaignError(problems)
    return rows


def expand_all(
    loaded: LoadedCampaign,
    *,
    now: datetime | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
    account_queues: Mapping[str, SlotRule] | None = None,
) -> tuple[list[PlannedPost], list[Problem]]:
    """:func:`expand` that goes on past a rule it cannot expand: the rows of every other post, and
    the problems. A queued post (no at, no every) takes the campaign's queue, else each account's
    config queue (``account_queues``, socialpost.campaign.account_queues); with neither, it has no
    time: a problem where it is written."""
    model = loaded.model
    tz = zone(model.timezone)
    current = now or utcnow()
    base = Path(loaded.path).resolve().parent
    defaults = model.defaults or Defaults()
    rows: list[PlannedPost] = []
    problems: list[Problem] = []
    rule = model.slot_rule()
    for index, feed in enumerate(model.feeds or ()):
        if feed.queue and "queue" not in loaded.unsure:
            lacking = [a for a in feed.accounts or model.accounts if rule is None and a not in (account_queues or {})]
            if lacking:
                problems.append(_feed_without_queue(loaded, index, lacking))
    for index, post in enumerate(model.posts):
        line, column = loaded.post_position(index)
        if post.queued:
            if "queue" in loaded.unsure:
                continue  # the queue has a mistake, reported where it is written
            lacking = [a for a in post.accounts or model.accounts if rule is None and a not in (account_queues or {})]
            if lacking:
                problems.append(_without_time(loaded, index, post.id, lacking))
                continue
            # a stand-in time: place_in_queues below gives each row its slot
            slots = [("", datetime.combine(current.astimezone(tz).date(), time(0)))]
        elif post.every is not None:
            try:
                walls = occurrences(post.every, tz=tz, now=current, horizon=horizon)
            except ValueError as exc:
                problems.append(loaded.document.problem(("posts", index, "every"), str(exc)))
                continue
            slots = [(recurrence.occurrence_key(wall), wall) for wall in walls]
        else:
            assert post.at is not None
            slots = [("", post.at)]
        quiet = frozenset([*(model.quiet or ()), *(defaults.quiet or ()), *(post.quiet or ())])
        language = post.language or defaults.language or model.language
        tag = model.utm is not None and (post.utm if post.utm is not None else defaults.utm) is not False
        for turn, (occurrence, wall) in enumerate(slots):
            due = to_utc(wall, tz)
            for account in post.accounts or model.accounts:
                network = account.split(":", 1)[0]
                parts, part_locs = _parts(post, defaults, index, account, network, turn)
                media, media_locs = _media(post, defaults, index, account, network)
                if tag:
                    assert model.utm is not None
                    params = model.utm.model_dump(exclude_none=True)
                    parts = [
                        utm.tag_links(text, params, network=network, campaign=model.campaign, post=post.id)
                        for text in parts
                    ]
                payload: dict[str, Any] = {"text": parts[0]}
                if parts[1:]:
                    payload["thread"] = parts[1:]
                if media:
                    payload["media"] = [{"file": str(base / m.file), "alt": m.alt} for m in media]
                if post.video is not None and profile_of(network).takes("video"):
                    payload["video"] = _video(post.video, base)
                if post.first_comment is not None and profile_of(network).takes("first_comment"):
                    payload["first_comment"] = post.first_comment
                for key, value in (("event", post.event), ("offer", post.offer), ("button", post.button)):
                    if value is not None and profile_of(network).takes(key):
                        payload[key] = local_posts.payload(key, value)
                pin = _pin(post, defaults)
                if pin and profile_of(network).takes("pin"):
                    payload["pin"] = pin
                    if tag and "link" in payload["pin"]:  # where the pin leads is tagged as the text's links are
                        assert model.utm is not None
                        params = model.utm.model_dump(exclude_none=True)
                        link = payload["pin"]["link"]
                        payload["pin"]["link"] = utm.tag_links(
                            link, params, network=network, campaign=model.campaign, post=post.id
                        )
                if post.cover is not None and profile_of(network).takes("cover"):
                    payload["cover"] = str(base / post.cover)
                if "media" in payload or "video" in payload:
                    payload[MEDIA_ROOT_KEY] = str(base)
                if language:  # only when set: a key always present would change every stored fingerprint
                    payload["language"] = language
                rows.append(
                    PlannedPost(
                        campaign=model.campaign,
                        post_id=post.id,
                        occurrence=occurrence,
                        account=account,
                        due_at=due,
                        local_time=due.astimezone(tz),
                        payload=payload,
                        file=loaded.path,
                        line=line,
                        column=column,
                        index=index,
                        recurring=bool(occurrence),
                        language=language,
                        quiet=quiet,
                        uses_utm=tag,
                        part_locs=tuple(part_locs),
                        media_locs=tuple(media_locs),
                        queue=(rule or (account_queues or {}).get(account)) if post.queued else None,
                    )
                )
    if any(row.queue is not None for row in rows):
        try:
            rows = place_in_queues(rows, now=current)
        except NoFreeSlot:
            problems.append(loaded.document.problem(("queue",), no_free_slot_message()))
    return rows, problems


def _pin(post: Post, defaults: Defaults) -> dict[str, Any]:
    """The post's ``pin:`` over the defaults' (each key the post sets wins); {} when neither has one."""
    found: dict[str, Any] = {}
    for pin in (defaults.pin, post.pin):
        if pin is not None:
            found.update(pin.model_dump(exclude_none=True))
    return found


def _without_time(loaded: LoadedCampaign, index: int, post: str, accounts: list[str]) -> Problem:
    """A post with neither 'at' nor 'every', and no queue to take a slot of."""
    message = _(
        "post '{post}' has no time: no 'at', no 'every', and no queue for {accounts}. Fix: add "
        "at: 2026-03-02 09:00, or give the campaign a queue of time slots, like "
        'queue: {{days: [mon, tue, wed, thu, fri], at: ["09:00", "12:30"]}} (or each account one in the '
        "config file: accounts.<network>.<name>.queue)"
    )
    return loaded.document.problem(("posts", index), message.format(post=post, accounts=", ".join(accounts)))


def _feed_without_queue(loaded: LoadedCampaign, index: int, accounts: list[str]) -> Problem:
    """A feed whose entries go to the queue (``queue: true``), for accounts that have none."""
    message = _(
        "this feed's entries go to the posting queue, but there is no queue for {accounts}. Fix: give the "
        'campaign a queue, like queue: {{days: [mon, tue, wed, thu, fri], at: ["09:00", "12:30"]}} (or each '
        "account one in the config file), or write at_once: true"
    )
    return loaded.document.problem(("feeds", index, "queue"), message.format(accounts=", ".join(accounts)))


def place_in_queues(rows: list[PlannedPost], *, now: datetime) -> list[PlannedPost]:
    """Queued rows placed against an empty queue, in file order: each takes the next free slot of
    its account, after the rows with a time of their own that are on a slot (what `plan
    --empty-queue` and the preview show; `schedule` places them against the queue it holds,
    socialpost.store.slot_assign). Raises NoFreeSlot."""
    boards: dict[str, Board] = {}
    for row in rows:
        if row.queue is None:
            boards.setdefault(row.account, Board()).occupy(row.due_at, row.campaign)
    placed = []
    for row in rows:
        if row.queue is not None:
            spot = boards.setdefault(row.account, Board()).place(row.queue, row.campaign, now=now)
            row = row.placed(spot.instant, spot.why, spot.taken_by)
        placed.append(row)
    return placed


def _video(video: Video, base: Path) -> dict[str, Any]:
    return {
        "file": str(base / video.file),
        "title": video.title,
        "tags": list(video.tags or []),
        "category": str(video.category),
        "made_for_kids": video.made_for_kids,
        "thumbnail": str(base / video.thumbnail) if video.thumbnail else None,
        "playlist": video.playlist,
    }


def _variant(post: Post, defaults: Defaults, index: int, account: str, network: str) -> tuple[Variant | None, Loc]:
    """The variant for this account (an account key beats a network key; the post beats defaults)."""
    for key in (account, network):
        if post.variants and key in post.variants:
            return post.variants[key], ("posts", index, "variants", key)
        if defaults.variants and key in defaults.variants:
            return defaults.variants[key], ("defaults", "variants", key)
    return None, ()


def _parts(
    post: Post, defaults: Defaults, index: int, account: str, network: str, turn: int
) -> tuple[list[str], list[Loc]]:
    variant, where = _variant(post, defaults, index, account, network)
    if variant is not None and variant.thread is not None:
        return list(variant.thread), [(*where, "thread", i) for i in range(len(variant.thread))]
    if variant is not None and variant.text is not None:
        return [variant.text], [(*where, "text")]
    if post.thread is not None:
        return list(post.thread), [("posts", index, "thread", i) for i in range(len(post.thread))]
    if post.texts is not None:
        pick = turn % len(post.texts)
        return [post.texts[pick]], [("posts", index, "texts", pick)]
    assert post.text is not None
    return [post.text], [("posts", index, "text")]


def _media(post: Post, defaults: Defaults, index: int, account: str, network: str) -> tuple[list[Media], list[Loc]]:
    variant, where = _variant(post, defaults, index, account, network)
    if variant is not None and variant.media is not None:
        return list(variant.media), [(*where, "media", i) for i in range(len(variant.media))]
    if post.media is not None:
        return list(post.media), [("posts", index, "media", i) for i in range(len(post.media))]
    if defaults.media is not None:
        return list(defaults.media), [("defaults", "media", i) for i in range(len(defaults.media))]
    return [], []
