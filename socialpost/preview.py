"""What `socialpost show` and `plan --full` print: each account's post exactly as it will be sent.

A preview starts from the payload the daemon will hand the network — the campaign file's row
(variants applied, UTM tags added) or, for a post that went out or may have, the row the queue
keeps (what was sent) — and adds:

* the parts as people will read them on the network, where the adapter has a pure function for
  what it does on the way (:meth:`socialpost.networks.base.Network.as_read`: a network without
  threads joins them; LinkedIn escapes its reserved characters, which a note says);
* each part's length against the account's limit, measured as `validate` measures it (the
  account's own rule when it is set up, else its network's);
* the media with their alt text, each opened as the daemon will open it
  (:class:`socialpost.media.MediaRoots`), so a file that will be refused says so now;
* the due time in the campaign's zone and in UTC, and the post's state in the queue.

Nothing here prints: the CLI renders it (``socialpost/cli/show.py``).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from socialpost.errors import ConfigError, MediaRefused, NotFound, PluginError
from socialpost.i18n import _
from socialpost.media import MEDIA_ROOT_KEY, MediaRoots, sniff
from socialpost.networks.base import AdapterContext, OutgoingPost, Rendition
from socialpost.networks.registry import load
from socialpost.settings.config import Settings
from socialpost.store.models import WAITING, display_id
from socialpost.text.rules import LengthRule, Measure
from socialpost.timeutil import iso_utc, zone
from socialpost.wiring import Adapters

if TYPE_CHECKING:
    from socialpost.campaign.expand import PlannedPost
    from socialpost.store.actions import PostRef
    from socialpost.store.db import Store
    from socialpost.store.sync_plan import Plan, PlanItem

HEAD = 32  # bytes read to tell a media file's type
UNIT = "characters"  # the unit when the network sets no limit (measured as `validate` does: len())


@dataclass(frozen=True)
class Part:
    """One part as people will read it, and its length by each of the account's limits."""

    number: int
    text: str
    measures: tuple[Measure, ...]

    @property
    def headline(self) -> Measure:
        """The first limit (the one `validate` shows), or the plain length when there is none."""
        return self.measures[0] if self.measures else Measure(UNIT, len(self.text), 0)

    @property
    def over(self) -> bool:
        return any(m.over for m in self.measures)

    def as_json(self) -> dict[str, Any]:
        head = self.headline
        return {
            "number": self.number,
            "text": self.text,
            "length": head.value,
            "limit": head.limit if self.measures else None,
            "unit": head.what,
            "over": head.over if self.measures else 0,
            "measures": [{"unit": m.what, "length": m.value, "limit": m.limit, "over": m.over} for m in self.measures],
        }


@dataclass(frozen=True)
class MediaFile:
    """One media file of a post, as the daemon will find it."""

    path: str  # as the payload names it (absolute for posts scheduled by this version)
    shown: str  # relative to the campaign's folder when it is inside it
    alt: str = ""
    type: str | None = None  # from the file's first bytes
    size: int | None = None
    problem: str | None = None  # the one neutral refusal, when the daemon will not use it

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.shown,
            "path": self.path,
            "alt": self.alt,
            "type": self.type,
            "size": self.size,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class Preview:
    """One post to one account (one occurrence), ready to print."""

    campaign: str
    post_id: str
    occurrence: str
    account: str
    due_at: datetime  # UTC
    local_time: datetime  # in the campaign's zone
    timezone: str
    payload: dict[str, Any] = field(repr=False)
    parts: tuple[Part, ...]
    notes: tuple[str, ...] = ()
    media: tuple[MediaFile, ...] = ()
    video: dict[str, Any] | None = None
    thumbnail: MediaFile | None = None
    video_file: MediaFile | None = None
    pin: dict[str, Any] | None = None  # where a Pinterest post goes: {"board", "title", "link"}
    first_comment: str | None = None  # Instagram: the comment posted under the post
    cover: MediaFile | None = None  # Instagram: a reel's cover image
    event: dict[str, Any] | None = None  # Google Business Profile: {"title", "start_date", "start_time", …}
    offer: dict[str, Any] | None = None  # Google Business Profile: an event's fields and "coupon", "url", "terms"
    button: dict[str, Any] | None = None  # Google Business Profile: {"action", "url"}
    status: str | None = None  # in the queue; None: not queued
    action: str | None = None  # what `schedule` does to it (plan --full)
    url: str | None = None
    reason: str | None = None
    more: int = 0  # other occurrences of this recurring post on this account, not shown
    plan: dict[str, Any] | None = field(default=None, repr=False)  # the plan line's JSON (plan --full)

    @property
    def network(self) -> str:
        return self.account.split(":", 1)[0]

    @property
    def ref(self) -> str:
        """How `show`, `retry` and `cancel` name it: ``launch/tip@2027-03-02T10:30@x:acme``."""
        return f"{self.campaign}/{display_id(self.post_id, self.occurrence)}@{self.account}"

    @property
    def written(self) -> list[str]:
        """The parts as the payload has them (before the network joins them)."""
        return [str(self.payload.get("text", "")), *map(str, self.payload.get("thread", ()))]

    def as_json(self) -> dict[str, Any]:
        """The documented shape (README, "JSON output"); plan's fields first, for `plan --full`."""
        return {
            **(self.plan or {}),
            "campaign": self.campaign,
            "id": self.post_id,
            "account": self.account,
            "network": self.network,
            "due_at": iso_utc(self.due_at),
            "local_time": self.local_time.isoformat(),
            "action": self.action,
            "text": self.written[0],
            "occurrence": self.occurrence or None,
            "ref": self.ref,
            "timezone": self.timezone,
            "status": self.status,
            "url": self.url,
            "reason": self.reason,
            "thread": self.written[1:],
            "parts": [part.as_json() for part in self.parts],
            "notes": list(self.notes),
            "media": [m.as_json() for m in self.media],
            "video": self._video_json(),
            "pin": dict(self.pin) if self.pin is not None else None,
            "first_comment": self.first_comment,
            "cover": self.cover.as_json() if self.cover is not None else None,
            "event": dict(self.event) if self.event is not None else None,
            "offer": dict(self.offer) if self.offer is not None else None,
            "button": dict(self.button) if self.button is not None else None,
            "more_occurrences": self.more,
        }

    def _video_json(self) -> dict[str, Any] | None:
        if self.video is None:
            return None
        keep = ("title", "tags", "category", "made_for_kids", "playlist")
        return {
            **{key: self.video.get(key) for key in keep},
            "file": self.video_file.as_json() if self.video_file else None,
            "thumbnail": self.thumbnail.as_json() if self.thumbnail else None,
        }


@dataclass(frozen=True)
class _Source:
    """What a preview is made from: a row of the queue or of a campaign file."""

    campaign: str
    post_id: str
    occurrence: str
    account: str
    due_at: datetime
    timezone: str
    payload: dict[str, Any]
    status: str | None = None
    action: str | None = None
    url: str | None = None
    reason: str | None = None
    more: int = 0
    plan: dict[str, Any] | None = None  # the plan line's own JSON (plan --full): its fields come first


class Previewer:
    """Builds previews, knowing each account's length rule and each network's rendition once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.adapters = Adapters(settings)
        self.context = AdapterContext(
            data_dir=settings.data_dir, base_dir=settings.base_dir, media_roots=settings.media_roots
        )
        self._rules: dict[str, LengthRule] = {}  # once per account, not per post (plan --full)

    def close(self) -> None:
        self.adapters.close()

    def __enter__(self) -> Previewer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- building -------------------------------------------------------------------------------

    def preview(self, source: _Source) -> Preview:
        payload = source.payload
        written = [str(payload.get("text", "")), *map(str, payload.get("thread", ()))]
        shown = self._rendition(source.account, written)
        rule = self._rule(source.account)
        parts = tuple(Part(number, text, tuple(rule.measure(text))) for number, text in enumerate(shown.parts, start=1))
        post = OutgoingPost.from_payload(
            key="",
            campaign=source.campaign,
            post_id=source.post_id,
            account=source.account,
            due_at=source.due_at,
            payload=payload,
            occurrence=source.occurrence,
        )
        roots = MediaRoots.of(post, self.context)
        base = str(payload.get(MEDIA_ROOT_KEY) or "")
        video = payload.get("video") if isinstance(payload.get("video"), dict) else None
        return Preview(
            campaign=source.campaign,
            post_id=source.post_id,
            occurrence=source.occurrence,
            account=source.account,
            due_at=source.due_at,
            local_time=source.due_at.astimezone(_zone(source.timezone)),
            timezone=source.timezone,
            payload=payload,
            parts=parts,
            notes=shown.notes,
            media=tuple(_media_file(roots, m.file, base, m.alt) for m in post.media),
            video=video,
            video_file=_media_file(roots, video["file"], base) if video and video.get("file") else None,
            thumbnail=_media_file(roots, video["thumbnail"], base) if video and video.get("thumbnail") else None,
            pin=_mapping(payload, "pin"),
            first_comment=str(payload["first_comment"]) if payload.get("first_comment") else None,
            cover=_media_file(roots, str(payload["cover"]), base) if payload.get("cover") else None,
            event=_mapping(payload, "event"),
            offer=_mapping(payload, "offer"),
            button=_mapping(payload, "button"),
            status=source.status,
            action=source.action,
            plan=source.plan,
            url=source.url,
            reason=source.reason,
            more=source.more,
        )

    def _rendition(self, account: str, parts: list[str]) -> Rendition:
        try:
            cls = load(account.split(":", 1)[0])
        except PluginError:  # not installed or broken (validate says so): the parts as they are
            return Rendition(tuple(parts))
        return cls.as_read(parts)

    def _rule(self, account: str) -> LengthRule:
        """The account's length rule as `validate` finds it (its network's when it is not set up)."""
        from socialpost.scheduling import _length_rule  # the one place that decides it

        rule = self._rules.get(account)
        if rule is None:
            try:
                self.adapters.check_configured(account)
                unusable: set[str] = set()
            except (ConfigError, PluginError):
                unusable = {account}
            rule = self._rules[account] = _length_rule(self.adapters, account, unusable)
        return rule

    # --- from the queue, a file, a plan ---------------------------------------------------------

    def from_queue(self, store: Store, ref: PostRef, *, now: datetime) -> list[Preview]:
        """The posts ``ref`` names in the queue (each account; the next occurrence of a recurring
        post unless ``ref`` names one), as the queue keeps them."""
        from socialpost.store.actions import matching

        rows, timezone = matching(store, ref)
        sources = [
            _Source(
                ref.campaign,
                row.post_key,
                row.occurrence,
                row.account,
                row.due_at,
                timezone,
                row.payload,
                status=row.status,
                url=row.remote_url,
                reason=row.last_error,
            )
            for row in rows
        ]
        return [self.preview(s) for s in _next_occurrences(sources, now=now, keep_all=ref.occurrence is not None)]

    def from_plans(self, store: Store, plans: Sequence[Plan], *, now: datetime) -> list[Preview]:
        """Every line of ``plans`` (`plan --full`). A post that went out, or may have, shows what the
        queue keeps — what was sent — not the file's edit, which will not be sent."""
        items = [item for plan in plans for item in plan.items]
        return [self.preview(s) for s in self._plan_sources(store, items, plan=True)]

    def from_file(
        self, store: Store, path: Path, post: str | None, *, account: str | None = None, now: datetime
    ) -> list[Preview]:
        """A campaign file's posts (``post``: ``ID[@OCCURRENCE][@ACCOUNT]``, else every post; with
        ``account``, only that account's), each account's next occurrence unless an occurrence is
        named, with their state in the queue. The file is expanded, not judged: a text over its
        limit is shown with its length (that is when it is worth seeing); `validate` gives the errors."""
        from socialpost.campaign.account_queues import config_queues
        from socialpost.campaign.expand import expand
        from socialpost.campaign.load import load_campaigns
        from socialpost.store import slot_assign
        from socialpost.store.sync_plan import plan_campaign

        items: list[PlanItem] = []
        wanted: PostRef | None = None
        queues, _problems = config_queues(self.settings)  # `validate` reports them
        for loaded in load_campaigns([path]):
            rows = expand(loaded, now=now, account_queues=queues)
            with store.session() as session:  # queued posts in the slots the queue gives them
                ((_loaded, rows),), _full = slot_assign.place(session, [(loaded, rows)], now=now)
            if post is not None:  # PostRef's parser, as `status` and `retry` write a post
                wanted = _post_ref(loaded.model.campaign, post, account)
                rows = _pick(rows, wanted, path)
            elif account is not None:
                rows = _for_account(rows, account, path)
            with store.session() as session:
                plan = plan_campaign(session, loaded, rows, now=now, allow_past=True)
            items.extend(item for item in plan.items if item.planned is not None)
        sources = self._plan_sources(store, items)
        keep_all = wanted is not None and wanted.occurrence is not None
        return [self.preview(s) for s in _next_occurrences(sources, now=now, keep_all=keep_all)]

    def _plan_sources(self, store: Store, items: Iterable[PlanItem], *, plan: bool = False) -> list[_Source]:
        """Each plan line's post (with the line's own JSON when ``plan``: `plan --full`)."""
        from socialpost.store.actions import kept_rows
        from socialpost.store.sync_plan import FROZEN

        items = list(items)
        kept = kept_rows(store, [item.row_id for item in items if item.row_id is not None])
        sources = []
        for item in items:
            row = kept.get(item.row_id) if item.row_id is not None else None
            payload, due_at = (item.planned.payload, item.due_at) if item.planned is not None else ({}, item.due_at)
            if row is not None and (item.planned is None or item.status in FROZEN):
                payload, due_at = row.payload, row.due_at  # what went out (or may have), not the file's edit
            sources.append(
                _Source(
                    item.campaign,
                    item.post_id,
                    item.occurrence,
                    item.account,
                    due_at,
                    _zone_name(item),
                    payload or {"text": item.text},
                    status=item.status,
                    action=item.action,
                    url=row.url if row is not None else None,
                    reason=row.reason if row is not None else None,
                    plan=item.as_json() if plan else None,
                )
            )
        return sources


# --- helpers -------------------------------------------------------------------------------------


def _zone_name(item: PlanItem) -> str:
    """The campaign's IANA zone for a plan line (its planned row knows it; a removed row's local
    time has only its offset, shown as such)."""
    if item.planned is not None:
        key = getattr(item.planned.local_time.tzinfo, "key", None)
        if isinstance(key, str):
            return key
    return _offset_name(item.local_time)


def _offset_name(local_iso: str) -> str:
    """``2027-03-02T09:00:00-05:00`` → ``UTC-05:00`` (a zone datetime.fromisoformat understands)."""
    try:
        offset = datetime.fromisoformat(local_iso).utcoffset()
    except ValueError:
        return "UTC"
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _zone(name: str) -> Any:
    """An IANA zone, or a fixed offset written ``UTC±HH:MM`` (a plan line whose row left the file)."""
    if name.startswith("UTC") and len(name) == 9:
        return datetime.fromisoformat(f"2000-01-01T00:00:00{name[3:]}").tzinfo
    try:
        return zone(name)
    except ValueError:
        return zone("UTC")


def _mapping(payload: dict[str, Any], key: str) -> dict[str, Any] | None:
    """A network's own block of the payload (``pin``, ``event``…), None when the post has none."""
    value = payload.get(key)
    return dict(value) if isinstance(value, dict) else None


def _media_file(roots: MediaRoots, path: str, base: str, alt: str = "") -> MediaFile:
    """``path`` opened as the daemon will open it: its type and size, or the neutral refusal."""
    shown = _relative(path, base)
    try:
        with roots.open(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            kind = sniff(handle.read(HEAD))
    except MediaRefused as exc:
        return MediaFile(path, shown, alt, problem=exc.message)
    return MediaFile(path, shown, alt, type=kind, size=size)


def _relative(path: str, base: str) -> str:
    """``path`` relative to the campaign's folder when it is inside it (as the file names it)."""
    if base:
        pure, folder = PurePath(path), PurePath(base)
        if pure.is_relative_to(folder):
            return pure.relative_to(folder).as_posix()
    return path


def _next_occurrences(sources: list[_Source], *, now: datetime, keep_all: bool) -> list[_Source]:
    """One line per (post, account) for a recurring post: its next occurrence that has not gone out
    (else its last), counting the others. One-off posts and named occurrences stay as they are."""
    if keep_all:
        return sources
    groups: dict[tuple[str, str, str], list[_Source]] = {}
    for source in sources:
        groups.setdefault((source.campaign, source.post_id, source.account), []).append(source)
    shown: list[_Source] = []
    for group in groups.values():
        if len(group) == 1 or not group[0].occurrence:
            shown.extend(group)
            continue
        group.sort(key=lambda s: s.due_at)
        coming = [s for s in group if (s.status is None or s.status in WAITING) and s.due_at >= now]
        shown.append(replace(coming[0] if coming else group[-1], more=len(group) - 1))
    return shown


def _post_ref(campaign: str, post: str, account: str | None) -> PostRef:
    """A post of the file's campaign, written ``ID[@…]`` (or ``CAMPAIGN/ID[@…]``, as status writes it)."""
    from socialpost.store.actions import PostRef

    return PostRef.parse(f"{campaign}/{post.removeprefix(campaign + '/')}", account=account)


def _for_account(rows: list[PlannedPost], account: str, path: Path) -> list[PlannedPost]:
    found = [row for row in rows if row.account == account]
    if not found:
        accounts = ", ".join(sorted({row.account for row in rows}))
        raise NotFound(
            _("no post in {file} goes to {account} (its accounts: {accounts}).").format(
                file=path, account=account, accounts=accounts
            )
        )
    return found


def _pick(rows: list[PlannedPost], ref: PostRef, path: Path) -> list[PlannedPost]:
    """The rows of the file that ``ref`` names; NotFound saying what the file has."""
    ids = list(dict.fromkeys(row.post_id for row in rows))
    found = [
        row
        for row in rows
        if row.post_id == ref.post_key
        and (ref.occurrence is None or row.occurrence == ref.occurrence)
        and (ref.account is None or row.account == ref.account)
    ]
    if found:
        return found
    if ref.post_key in ids:
        accounts = sorted({row.account for row in rows if row.post_id == ref.post_key})
        message = _("post '{post}' in {file} has no such occurrence or account (its accounts: {accounts}).")
        raise NotFound(message.format(post=ref.post_key, file=path, accounts=", ".join(accounts)))
    close = difflib.get_close_matches(ref.post_key, ids, n=3)
    if close:
        message = _("{file} has no post '{post}'. Did you mean {posts}?")
        posts = ", ".join(close)
    else:
        message = _("{file} has no post '{post}'. It has: {posts}.")
        posts = ", ".join(ids)
    raise NotFound(message.format(file=path, post=ref.post_key, posts=posts))
