"""Polling a campaign's feeds: which entries are new, the posts they become, exactly once per account.

The rules (docs/feeds.md):

* an entry is known by its id (RSS ``guid``, Atom ``id``), else by its link; a new date, a new
  place in the feed or an edited text does not make it new;
* an entry dated before the feed's ``since`` (default: the moment ``schedule`` first recorded the
  feed) is skipped, and so, at the feed's first poll, is an entry without a readable date (it
  cannot be told from the back catalogue); both are recorded as skipped for good;
* every other entry not yet decided for an account becomes one post for it: the (feed, entry,
  account) key is claimed in the transaction that queues the post (``store.feeds.decide``), so
  daemons that poll together, a daemon killed and restarted, or a feed read twice make one post;
* at most :data:`MAX_NEW_PER_POLL` entries per poll, oldest first: the rest wait for the next poll.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpcore

from socialpost.campaign.expand import fingerprint, idempotency_key
from socialpost.errors import FeedError, FetchError
from socialpost.feeds.compose import compose
from socialpost.feeds.entries import Entry, parse
from socialpost.fetch import Fetched, FetchPolicy, Resolver, fetch
from socialpost.i18n import _
from socialpost.media import EXTENSIONS, MEDIA_ROOT_KEY, sniff
from socialpost.networks.profile import profile_of
from socialpost.privatefiles import write_private
from socialpost.slots import SlotRule
from socialpost.store import feeds as stored
from socialpost.store.db import Store
from socialpost.timeutil import Clock, to_utc, utcnow, zone

log = logging.getLogger("socialpost.feeds")

FEED_TIMEOUT = 20.0  # seconds for one feed, redirects included
FEED_MAX_BYTES = 10 * 1024 * 1024
IMAGE_MAX_BYTES = 20 * 1024 * 1024
MAX_NEW_PER_POLL = 20
FUTURE_SLACK = timedelta(days=1)
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"


@dataclass
class Reader:
    """Reads feeds and their images through the guarded fetcher (public addresses only, a size cap,
    a timeout). Tests give a ``resolver`` and ``backend`` that lead to a loopback server."""

    ports: frozenset[int] = frozenset({80, 443})
    timeout: float = FEED_TIMEOUT
    resolver: Resolver | None = None
    backend: httpcore.NetworkBackend | None = None

    def feed(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return fetch(
            url,
            max_bytes=FEED_MAX_BYTES,
            accept=FEED_ACCEPT,
            policy=FetchPolicy(ports=self.ports, timeout=self.timeout),
            resolver=self.resolver,
            backend=self.backend,
            headers=headers,
        )

    def image(self, url: str) -> Fetched:
        return fetch(
            url,
            max_bytes=IMAGE_MAX_BYTES,
            accept="image/*",
            policy=FetchPolicy(ports=self.ports, timeout=self.timeout),
            resolver=self.resolver,
            backend=self.backend,
        )


@dataclass
class Coming:
    """One entry the poll posts (or, for ``feeds check``, would post), to these accounts."""

    entry: Entry
    accounts: list[str]
    published: datetime | None = None  # the entry's date, if it can be believed (:func:`dated`)
    texts: dict[str, str] = field(default_factory=dict)  # account → the post's text
    # ``feeds check``, queue: true: account → the slot the post would take (in its queue's zone), or
    # None when its queue has no free slot left (it waits); an account posted at once is not here
    slots: dict[str, datetime | None] = field(default_factory=dict)


@dataclass
class PollResult:
    campaign: str
    url: str
    coming: list[Coming] = field(default_factory=list)
    skipped: int = 0  # entries older than since (or undated at the first poll)
    known: int = 0  # entries already posted (or skipped) before
    later: int = 0  # new entries left for the next poll (MAX_NEW_PER_POLL)
    not_modified: bool = False
    error: str | None = None
    posted: int = 0  # posts made (0 for a check)


def cutoff(feed: stored.FeedState) -> datetime:
    """Entries dated before this are never posted: ``since`` (midnight in the campaign's zone), else
    the moment the feed was first scheduled."""
    since = feed.spec.get("since")
    if since:
        day = datetime.fromisoformat(str(since))
        return to_utc(datetime.combine(day.date(), time(0)), zone(str(feed.spec.get("timezone") or "UTC")))
    return feed.first_scheduled_at


def dated(entry: Entry, now: datetime) -> datetime | None:
    """The entry's date, if it can be believed: one more than a day ahead of now is a broken date
    (feedparser reads 2027-13-45 as 2028-01-01), treated as no date."""
    if entry.published is None or entry.published > now + FUTURE_SLACK:
        return None
    return entry.published


def triage(
    feed: stored.FeedState,
    entries: Sequence[Entry],
    decided: dict[str, set[str]],
    result: PollResult,
    *,
    now: datetime,
) -> list[str]:
    """Fill ``result.coming`` with the entries to post; return the keys to mark skipped."""
    first_poll = feed.first_polled_at is None
    oldest = cutoff(feed)
    accounts = [str(a) for a in feed.spec.get("accounts", ())]
    skipped: list[str] = []
    seen: set[str] = set()
    coming: list[tuple[int, Coming]] = []
    for place, entry in enumerate(entries):
        if entry.key in seen:
            continue  # the same entry twice in one feed: the first one counts
        seen.add(entry.key)
        done = decided.get(entry.key, set())
        if stored.EVERYONE in done:
            result.known += 1
            continue
        published = dated(entry, now)
        if (published is None and first_poll) or (published is not None and published < oldest):
            skipped.append(entry.key)
            continue
        left = [account for account in accounts if account not in done]
        if not left:
            result.known += 1
            continue
        coming.append((place, Coming(entry, left, published=published)))
    result.skipped = len(skipped)
    # oldest first: dated entries by date, then the undated ones from the bottom of the feed up
    coming.sort(key=lambda pair: (pair[1].published is None, pair[1].published or oldest, -pair[0]))
    result.coming = [item for _place, item in coming[:MAX_NEW_PER_POLL]]
    result.later = max(len(coming) - MAX_NEW_PER_POLL, 0)
    return skipped


class Poller:
    """Polls the store's feeds (the daemon's ``feeds`` job) and previews them (``feeds check``)."""

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        *,
        reader: Reader | None = None,
        clock: Clock = utcnow,
        account_queues: Mapping[str, SlotRule] | None = None,
    ) -> None:
        self.account_queues = dict(account_queues or {})  # the config's queues, for campaigns without one
        self.store = store
        self.data_dir = data_dir
        self.reader = reader or Reader()
        self.clock = clock

    def run(self, should_stop: Callable[[], bool] | None = None) -> list[PollResult]:
        """One pass: every feed whose time has come, polled once (by this daemon or another).
        Never raises: a feed that fails is logged and kept for ``status`` and ``doctor``."""
        results: list[PollResult] = []
        try:
            due = [feed for feed in stored.feeds(self.store) if feed.next_poll_at <= self.clock()]
        except Exception:
            log.exception("feeds: could not read the feeds to poll")
            return results
        for feed in due:
            if should_stop is not None and should_stop():
                break
            try:
                if not stored.take_turn(self.store, feed, now=self.clock()):
                    continue  # another daemon polls it now
                results.append(self.poll(feed))
            except Exception:
                log.exception("feeds: polling %s for %s failed", feed.url, feed.campaign)
        return results

    def poll(self, feed: stored.FeedState) -> PollResult:
        """Read ``feed`` (a conditional GET) and queue a post for each new entry and account."""
        now = self.clock()
        result = PollResult(feed.campaign, feed.url)
        try:
            fetched = self.reader.feed(feed.url, etag=feed.etag, last_modified=feed.last_modified)
            if fetched.status == 304:
                result.not_modified = True
                stored.polled(self.store, feed.id, now=now, etag=None, last_modified=None, changed=False)
                return result
            entries = parse(fetched.body)
        except (FetchError, FeedError) as exc:
            result.error = str(exc)
            log.warning("feeds: %s (campaign %s) could not be read: %s", feed.url, feed.campaign, exc)
            stored.failed(self.store, feed.id, now=now, error=str(exc))
            return result
        skipped = triage(feed, entries, stored.decided(self.store, feed.id, [e.key for e in entries]), result, now=now)
        posts = [post for item in result.coming for post in self._posts(feed, item, now)]
        decisions = stored.decide(
            self.store, feed, skipped=skipped, posts=posts, now=now, first_poll=feed.first_polled_at is None
        )
        result.posted = len(decisions.queued)
        if decisions.no_slot:
            error = _("{count} new entries wait: their queue has no free slot left.").format(
                count=len({post.entry_key for post in decisions.no_slot})
            )
            log.warning("feeds: %s (campaign %s): %s", feed.url, feed.campaign, error)
            stored.failed(self.store, feed.id, now=now, error=error)
            return result
        stored.polled(
            self.store, feed.id, now=now, etag=fetched.etag, last_modified=fetched.last_modified, changed=True
        )
        if result.posted or decisions.already:
            log.info(
                "feeds: %s (campaign %s): %d post(s) queued, %d already made elsewhere",
                feed.url,
                feed.campaign,
                result.posted,
                decisions.already,
            )
        return result

    def check(self, campaign: str | None = None) -> list[PollResult]:
        """What the next poll of each feed would post, changing nothing (no conditional GET: the
        whole feed is read; images are not downloaded)."""
        results = []
        now = self.clock()
        for feed in stored.feeds(self.store, campaign=campaign):
            result = PollResult(feed.campaign, feed.url)
            try:
                entries = parse(self.reader.feed(feed.url).body)
            except (FetchError, FeedError) as exc:
                result.error = str(exc)
                results.append(result)
                continue
            triage(feed, entries, stored.decided(self.store, feed.id, [e.key for e in entries]), result, now=now)
            template = str(feed.spec.get("template", "{title} {link}"))
            for item in result.coming:
                item.texts = {
                    account: compose(template, item.entry, profile_of(account.split(":", 1)[0]).length)
                    for account in item.accounts
                }
            self._slots(feed, result.coming, now)
            results.append(result)
        return results

    def _queue_rule(self, feed: stored.FeedState, account: str) -> SlotRule | None:
        """The queue a new entry of ``feed`` takes a slot of on ``account``: the campaign's, else the
        account's in the config file; None: posted at once (not ``queue: true``, or no queue)."""
        if feed.spec.get("mode") != "queue":
            return None
        campaign_rule = feed.spec.get("queue")
        return SlotRule.from_json(campaign_rule) if campaign_rule else self.account_queues.get(account)

    def _slots(self, feed: stored.FeedState, coming: list[Coming], now: datetime) -> None:
        """``feeds check``: the slot each entry would take on each account whose queue it goes in,
        oldest entry first as :meth:`poll` places them (read only: nothing is claimed)."""
        accounts = dict.fromkeys(account for item in coming for account in item.accounts)
        for account in accounts:
            rule = self._queue_rule(feed, account)
            if rule is None:
                continue
            mine = [item for item in coming if account in item.accounts]
            places = stored.free_places(self.store, account, rule, now=now, count=len(mine))
            for number, item in enumerate(mine):
                item.slots[account] = places[number].astimezone(rule.tz) if number < len(places) else None

    def _posts(self, feed: stored.FeedState, item: Coming, now: datetime) -> list[stored.NewPost]:
        entry = item.entry
        template = str(feed.spec.get("template", "{title} {link}"))
        media = self._image(feed, entry) if feed.spec.get("image", True) and entry.image else None
        post_key = "feed-" + hashlib.sha256(f"{feed.url_key}\x1f{entry.key}".encode()).hexdigest()[:16]
        local = now.astimezone(zone(str(feed.spec.get("timezone") or "UTC")))
        posts = []
        for account in item.accounts:
            text = compose(template, entry, profile_of(account.split(":", 1)[0]).length)
            item.texts[account] = text
            payload: dict[str, Any] = {"text": text}
            if media is not None:
                payload["media"] = [{"file": str(media), "alt": entry.alt}]
                payload[MEDIA_ROOT_KEY] = str(media.parent)
            if feed.spec.get("language"):
                payload["language"] = feed.spec["language"]
            rule = self._queue_rule(feed, account)
            posts.append(
                stored.NewPost(
                    entry_key=entry.key,
                    account=account,
                    post_key=post_key,
                    payload=payload,
                    fingerprint=fingerprint(now, payload),
                    idempotency_key=idempotency_key(feed.campaign, post_key, "", account),
                    due_at=now,
                    local_time=local.isoformat(),
                    source=str(feed.spec.get("source") or feed.url),
                    queue=rule,
                )
            )
        return posts

    def _image(self, feed: stored.FeedState, entry: Entry) -> Path | None:
        """The entry's first image, downloaded once into ``<data_dir>/feeds/<feed>/``; None (the post
        goes without it, logged) when it cannot be had or is not an image."""
        assert entry.image is not None
        folder = self.data_dir / "feeds" / feed.url_key
        stem = hashlib.sha256(entry.image.encode("utf-8")).hexdigest()[:24]
        for existing in folder.glob(f"{stem}.*") if folder.is_dir() else ():
            return existing
        try:
            fetched = self.reader.image(entry.image)
        except FetchError as exc:
            log.warning("feeds: the image %s of %s could not be downloaded: %s", entry.image, entry.link, exc)
            return None
        kind = sniff(fetched.body[:32])
        extension = EXTENSIONS.get(kind or "")
        if kind is None or not kind.startswith("image/") or extension is None:
            log.warning("feeds: %s is not an image socialpost can post; the post goes without it", entry.image)
            return None
        path = folder / f"{stem}{extension}"
        write_private(path, fetched.body)
        return path
