"""The report's output, pinned byte for byte on a seeded store (every view, JSON, CSV, HTML, people).

The digests were recorded from the report as it was before its fast paths (commit bcdfa71): the
optimisations of ``socialpost.report`` must change no byte. The store mixes what the fast paths
must get right: microseconds and whole seconds, metrics stored in part, "not available" next to 0,
a zero view count, three snapshots on one post, text that JSON and CSV must escape (quotes,
backslash, newline, control characters, non-ASCII), occurrences, every kind of outcome, several
time zones (one the machine does not know), and enough history for best-time advice. The same
store on PostgreSQL (aware datetimes from the driver) gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import update

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.engagement.metrics import METRICS, engagement_rate, growth, interactions
from socialpost.report.facts import PostFacts, Snapshot
from socialpost.report.jsontext import RawJSON, dumps
from socialpost.settings.config import Settings
from socialpost.store.db import Store, open_store
from socialpost.store.models import PostRow
from socialpost.timeutil import iso_utc
from tests.conftest import FakeClock
from tests.store_helpers import throwaway_postgres
from tests.test_report import T0, Seeder

NOW = datetime(2027, 4, 1, 12, 0, tzinfo=UTC)


def seed_store(store: Store) -> None:
    seed = Seeder(store)
    odd = 'Réponse «refusée»: "quota" \\ dépassé\nretry\t\x01 — 🙂'
    thread = {
        "text": 'Café «ouvert» "enfin"\n— 🙂 https://x.example/é?a=1&b',
        "thread": ["2/2 la suite \\ fin", "3/3 ?"],
    }
    a1 = seed.post("spring", "a1", "x:acme", due=T0, payload=thread)
    seed.snapshot(a1, T0 + timedelta(hours=1), views=100, likes=5, reposts=1, replies=1, quotes=0)
    seed.snapshot(a1, T0 + timedelta(hours=24, microseconds=250_000), views=400, likes=20, reposts=4, replies=2)
    seed.snapshot(a1, T0 + timedelta(days=7), views=900, likes=31, reposts=4, replies=3, quotes=1, clicks=12)
    a2 = seed.post("spring", "a2", "bluesky:acme", due=T0 + timedelta(days=1, microseconds=1))
    seed.snapshot(a2, T0 + timedelta(days=2), views=None, likes=7, reposts=2, replies=1, quotes=0)
    seed.post("spring", "a3", "x:acme", due=T0 + timedelta(days=8), status="failed", reason=odd)
    a4 = seed.post("spring", "a4", "x:acme", due=T0 + timedelta(days=3, hours=11), url='https://x.example/é?q="1"')
    seed.snapshot(a4, T0 + timedelta(days=4), views=0, likes=0)
    seed.snapshot(a4, T0 + timedelta(days=5), views=0, likes=1, bookmarks=None)
    formula = {"text": "=SUM(A1) @ami"}
    seed.post(
        "spring", "a5", "mastodon:acme", due=T0 + timedelta(days=3), status="held", reason="=SUM(A1)", payload=formula
    )
    seed.post("spring", "a6", "mastodon:acme", due=T0 + timedelta(days=4), status="unknown")
    seed.post("spring", "a7", "x:acme", due=T0 + timedelta(days=30), status="pending")
    b1 = seed.post("summer", "b1", "mastodon:acme", due=T0 + timedelta(days=2), tz="Asia/Tokyo")
    seed.snapshot(b1, T0 + timedelta(days=3), views=None, likes=0, reposts=0, replies=0, quotes=0)
    b2 = seed.post("summer", "b2", "x:acme", due=T0 + timedelta(days=9, hours=10, microseconds=999_999))
    seed.snapshot(b2, T0 + timedelta(days=10), views=50, likes=3, reposts=0, replies=2, quotes=0)
    seed.snapshot(b2, T0 + timedelta(days=10, seconds=1), views=51, likes=3, reposts=1, replies=None, quotes=0)
    seed.post("summer", "b3", "mastodon:acme", due=T0 + timedelta(days=9), status="missed")
    c1 = seed.post("zones", "c1", "linkedin:acme", due=T0 + timedelta(hours=9, minutes=30), tz="Nowhere/Atlantis")
    seed.snapshot(c1, T0 + timedelta(days=1), clicks=4)
    for n in range(14):  # enough mature history on one account for best-time advice
        due = T0 + timedelta(days=n // 2, hours=3 * (n % 2))
        post = seed.post("weekly", f"tip-{n}", "bluesky:acme", due=due, tz="UTC")
        seed.snapshot(post, due + timedelta(days=2), likes=n % 5, reposts=n % 3, replies=1, quotes=None)
    with store.session() as session:  # occurrences of a recurring post
        session.execute(update(PostRow).where(PostRow.post_key == "tip-1").values(occurrence="2027-03-01T17:00"))
        session.execute(update(PostRow).where(PostRow.post_key == "tip-2").values(occurrence="2027-03-02T14:00"))


VIEWS: dict[str, tuple[str, ...]] = {
    "json": ("report", "--json"),
    "csv": ("report", "--csv"),
    "people": ("report",),
    "people-no-charts": ("report", "--no-charts"),
    "people-wide": ("report", "--no-charts"),  # at WIDE columns: tables
    "sort-rate-top": ("report", "--sort", "rate", "--top", "2", "--json"),
    "sort-time": ("report", "--sort", "time", "--json"),
    "sort-likes-csv": ("report", "--sort", "likes", "--csv"),
    "campaign": ("report", "--campaign", "spring", "--json"),
    "network": ("report", "--network", "x", "--json"),
    "account": ("report", "--account", "bluesky:acme", "--csv"),
    "since-until": ("report", "--since", "2027-03-02", "--until", "2027-03-10T12:00Z", "--json"),
    "since-duration": ("report", "--since", "28d", "--json"),
    "by-post": ("report", "--by", "post", "--json"),
    "by-post-csv": ("report", "--by", "post", "--csv"),
    "by-post-top": ("report", "--by", "post", "--sort", "interactions", "--top", "3", "--json"),
    "by-post-people": ("report", "--by", "post"),
    "by-campaign": ("report", "--by", "campaign", "--json"),
    "by-network": ("report", "--by", "network", "--json"),
    "by-network-people": ("report", "--by", "network"),
    "by-account": ("report", "--by", "account", "--sort", "views", "--json"),
    "by-day": ("report", "--by", "day", "--json"),
    "by-day-csv": ("report", "--by", "day", "--csv"),
    "by-week": ("report", "--by", "week", "--sort", "posts", "--top", "2", "--json"),
    "by-week-sent": ("report", "--by", "week", "--sort", "sent", "--csv"),
}

DIGESTS: dict[str, str] = {
    "json": "43af034d8658aabfe23f183c3324df35d1672fa49d23f0648346451ccdfa5c1f",
    "csv": "fc8ab98260c0b2a0739e5b74d4a2cdf119754d2e98b7ea0a50a945ea81e92a7b",
    # The people's views were re-recorded when they began listing at most 10 posts per campaign,
    # then when posts became lists where the tables do not fit (160 columns here; "people-wide"
    # keeps the tables), growth became "views +N, interactions +N", metric columns that say only
    # "n/a" went (and the growth column where no listed post was read twice), the totals name
    # the metrics the campaign has figures for, the lists say their times are UTC and leave links
    # whole for the terminal to wrap, and an account with enough posts but no hour to
    # compare says so (the HTML page too, in that sentence, and its "Generated" time is written
    # for people; the figures, the JSON and the CSV did
    # not change). The JSON and CSV views changed when posts began carrying their text (and the
    # JSON each thread's other parts); the people's views and the HTML page did not. The people's views
    # changed when control characters from outside (the \x01 in a3's reason) began to be shown as
    # visible escapes instead of reaching the terminal raw (issue #16). Every view changed when times
    # began to be shown where people read them (issue #17): the people's views and the HTML page
    # give each sent time in its campaign's zone with the zone named (column "sent (local time)"),
    # the HTML page its "generated" time in the user's zone; the JSON and CSV add "sent_at_local"
    # and "collected_at_local" (also the previous snapshot's; the CSV's just before its last
    # column, the text) and keep every other byte.
    "people": "6726c9749543926be2eb1b76463a070ee3ed325ee4a3cffc700301e904102e2a",
    "people-no-charts": "ea89b7c403f9609194b78face5b31bac58869caa2d53b17be6e221a9dcaee8eb",
    "people-wide": "e2f87bf27b1fcf402b5e2aff6962b8e3cd7c78a3525dcb2235ed307e3d4d5955",
    "sort-rate-top": "8b45efe321d2b89f1084783f48a0f32dbb1e11deae411b2cd7c30fcfc362f1e4",
    "sort-time": "43af034d8658aabfe23f183c3324df35d1672fa49d23f0648346451ccdfa5c1f",
    "sort-likes-csv": "e3948ab3a74ea12a1efdd0a57c2f412e45a86be7e05c0f2608a0ca939ee11cb1",
    "campaign": "ceb932baf3f86ecec75b0b689ca1113727725d5c468ec62e7816bea1742b82e7",
    "network": "f71c4cd31f6eb700925fff7fd053118d4c3cddaf0a69dfc7eb0c18b77bc3f059",
    "account": "8e87fa2e2a03d651fc6ae424102f5377432ab7fa0e20c63a4c6df11bb8c4f0a0",
    "since-until": "3ea7a297757c291f57c3cae1b252768ff8a15fa47664ec98dd51fa91ff06475f",
    "since-duration": "b1a484e4b42f77e451b54bb5fa8f10727ac3b4e6a48945875f3a2b951d608433",
    "by-post": "2e8f2fb9aa11374f8e5f6803f725086d15b75ca35356a009df676e6d71c2fcc8",
    "by-post-csv": "83569b55ae52a2cd4c3c1cb8414d9177ef91c1298a6e319f1a4865185da04927",
    "by-post-top": "52667595ecf7dbe922f6b7fa700f2d93c1929762b84d5afa46773762e665e04f",
    "by-post-people": "c9f81d08e600f382e479f8b90471cf9eb7ad57f421d5f8d67cda73fe9b7e9c78",
    "by-campaign": "7e595bcf716dbd4d82ec302782059e80d7a367e9f5bcc7b1e17d7d7a1062a779",
    "by-network": "34f2b465a850afed29f4786ff8e46bda2565d8cf65f12d9e510be885326ab218",
    "by-network-people": "cda1984c996f971d2e856321fd2a2dbe3ac80196a775fc0e92b7e5d971297b4e",
    "by-account": "6e70c54ee482080f51ceda76f10a8fdda56ff4823c08bb3a516f38eb3f771beb",
    "by-day": "ec5d255f9c35669d8ea0e098db3c9bfecf21be23c2a580dcd76527e0fe8009f5",
    "by-day-csv": "4d96be32324db52291eb44408d87fe5bead6ef9cadcb5b6ac624ad9002e08477",
    "by-week": "108993bce0f3b2e195da45a121c3af65cfd559fb3d356a78f090aa4c179ad61d",
    "by-week-sent": "dd57b58c6b5390ebcb4252ddeab45fe32370e40ea87a4acd0746b5ee6f2d71b5",
    "html": "8c44340acde3e1d8e334cb6bfd75b3348567474825e637ddb8ae1210c8053220",
    "html-file": "0967bcd1514198ad9db72afb6cc21ef23ad6008df2d1c877487fe40e861138b0",
}

# The default ``report --json``, written out (the digest above pins the same bytes).
DEFAULT_JSON: object = {
    "campaigns": [
        {
            "campaign": "spring",
            "counts": {"sent": 3, "held": 1, "unknown": 1, "failed": 1, "pending": 1},
            "posts": [
                {
                    "id": "a1",
                    "account": "x:acme",
                    "network": "x",
                    "status": "sent",
                    "due_at": "2027-03-01T14:00:00Z",
                    "local_time": "2027-03-01T14:00:00+00:00",
                    "sent_at": "2027-03-01T14:00:00Z",
                    "sent_at_local": "2027-03-01T09:00:00-05:00",
                    "url": "https://social.example/a1",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-08T14:00:00Z",
                        "collected_at_local": "2027-03-08T09:00:00-05:00",
                        "metrics": {"views": 900, "likes": 31, "reposts": 4, "replies": 3, "quotes": 1, "clicks": 12},
                        "rate": 0.043333333333333335,
                        "previous": {
                            "collected_at": "2027-03-02T14:00:00.250000Z",
                            "collected_at_local": "2027-03-02T09:00:00.250000-05:00",
                            "metrics": {"views": 400, "likes": 20, "reposts": 4, "replies": 2},
                        },
                        "growth": {
                            "views": 500,
                            "likes": 11,
                            "reposts": 0,
                            "replies": 1,
                            "quotes": None,
                            "clicks": None,
                        },
                    },
                    "text": 'Café «ouvert» "enfin"\n— 🙂 https://x.example/é?a=1&b',
                    "thread": ["2/2 la suite \\ fin", "3/3 ?"],
                },
                {
                    "id": "a2",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-02T14:00:00.000001Z",
                    "local_time": "2027-03-02T14:00:00.000001+00:00",
                    "sent_at": "2027-03-02T14:00:00.000001Z",
                    "sent_at_local": "2027-03-02T09:00:00.000001-05:00",
                    "url": "https://social.example/a2",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-03T14:00:00Z",
                        "collected_at_local": "2027-03-03T09:00:00-05:00",
                        "metrics": {"views": None, "likes": 7, "reposts": 2, "replies": 1, "quotes": 0},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "a2",
                    "thread": [],
                },
                {
                    "id": "a5",
                    "account": "mastodon:acme",
                    "network": "mastodon",
                    "status": "held",
                    "due_at": "2027-03-04T14:00:00Z",
                    "local_time": "2027-03-04T14:00:00+00:00",
                    "sent_at": None,
                    "sent_at_local": None,
                    "url": None,
                    "reason": "=SUM(A1)",
                    "engagement": None,
                    "text": "=SUM(A1) @ami",
                    "thread": [],
                },
                {
                    "id": "a4",
                    "account": "x:acme",
                    "network": "x",
                    "status": "sent",
                    "due_at": "2027-03-05T01:00:00Z",
                    "local_time": "2027-03-05T01:00:00+00:00",
                    "sent_at": "2027-03-05T01:00:00Z",
                    "sent_at_local": "2027-03-04T20:00:00-05:00",
                    "url": 'https://x.example/é?q="1"',
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-06T14:00:00Z",
                        "collected_at_local": "2027-03-06T09:00:00-05:00",
                        "metrics": {"views": 0, "likes": 1, "bookmarks": None},
                        "rate": None,
                        "previous": {
                            "collected_at": "2027-03-05T14:00:00Z",
                            "collected_at_local": "2027-03-05T09:00:00-05:00",
                            "metrics": {"views": 0, "likes": 0},
                        },
                        "growth": {"views": 0, "likes": 1, "bookmarks": None},
                    },
                    "text": "a4",
                    "thread": [],
                },
                {
                    "id": "a6",
                    "account": "mastodon:acme",
                    "network": "mastodon",
                    "status": "unknown",
                    "due_at": "2027-03-05T14:00:00Z",
                    "local_time": "2027-03-05T14:00:00+00:00",
                    "sent_at": None,
                    "sent_at_local": None,
                    "url": None,
                    "reason": None,
                    "engagement": None,
                    "text": "a6",
                    "thread": [],
                },
                {
                    "id": "a3",
                    "account": "x:acme",
                    "network": "x",
                    "status": "failed",
                    "due_at": "2027-03-09T14:00:00Z",
                    "local_time": "2027-03-09T14:00:00+00:00",
                    "sent_at": None,
                    "sent_at_local": None,
                    "url": None,
                    "reason": 'Réponse «refusée»: "quota" \\ dépassé\nretry\t\x01 — 🙂',
                    "engagement": None,
                    "text": "a3",
                    "thread": [],
                },
                {
                    "id": "a7",
                    "account": "x:acme",
                    "network": "x",
                    "status": "pending",
                    "due_at": "2027-03-31T14:00:00Z",
                    "local_time": "2027-03-31T14:00:00+00:00",
                    "sent_at": None,
                    "sent_at_local": None,
                    "url": None,
                    "reason": None,
                    "engagement": None,
                    "text": "a7",
                    "thread": [],
                },
            ],
            "summary": {
                "posts": 7,
                "sent": 3,
                "not_out": 3,
                "with_metrics": 3,
                "metrics": {
                    "views": 900,
                    "likes": 39,
                    "reposts": 6,
                    "replies": 4,
                    "quotes": 1,
                    "bookmarks": None,
                    "clicks": 12,
                },
                "known": {"views": 2, "likes": 3, "reposts": 2, "replies": 2, "quotes": 2, "bookmarks": 0, "clicks": 1},
                "interactions": 50,
                "rate": 0.043333333333333335,
                "growth": {
                    "views": 500,
                    "likes": 12,
                    "reposts": 0,
                    "replies": 1,
                    "quotes": None,
                    "bookmarks": None,
                    "clicks": None,
                },
            },
        },
        {
            "campaign": "summer",
            "counts": {"sent": 2, "missed": 1},
            "posts": [
                {
                    "id": "b1",
                    "account": "mastodon:acme",
                    "network": "mastodon",
                    "status": "sent",
                    "due_at": "2027-03-03T14:00:00Z",
                    "local_time": "2027-03-03T14:00:00+00:00",
                    "sent_at": "2027-03-03T14:00:00Z",
                    "sent_at_local": "2027-03-03T23:00:00+09:00",
                    "url": "https://social.example/b1",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-04T14:00:00Z",
                        "collected_at_local": "2027-03-04T23:00:00+09:00",
                        "metrics": {"views": None, "likes": 0, "reposts": 0, "replies": 0, "quotes": 0},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "b1",
                    "thread": [],
                },
                {
                    "id": "b3",
                    "account": "mastodon:acme",
                    "network": "mastodon",
                    "status": "missed",
                    "due_at": "2027-03-10T14:00:00Z",
                    "local_time": "2027-03-10T14:00:00+00:00",
                    "sent_at": None,
                    "sent_at_local": None,
                    "url": None,
                    "reason": None,
                    "engagement": None,
                    "text": "b3",
                    "thread": [],
                },
                {
                    "id": "b2",
                    "account": "x:acme",
                    "network": "x",
                    "status": "sent",
                    "due_at": "2027-03-11T00:00:00.999999Z",
                    "local_time": "2027-03-11T00:00:00.999999+00:00",
                    "sent_at": "2027-03-11T00:00:00.999999Z",
                    "sent_at_local": "2027-03-11T09:00:00.999999+09:00",
                    "url": "https://social.example/b2",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-11T14:00:01Z",
                        "collected_at_local": "2027-03-11T23:00:01+09:00",
                        "metrics": {"views": 51, "likes": 3, "reposts": 1, "replies": None, "quotes": 0},
                        "rate": 0.0784313725490196,
                        "previous": {
                            "collected_at": "2027-03-11T14:00:00Z",
                            "collected_at_local": "2027-03-11T23:00:00+09:00",
                            "metrics": {"views": 50, "likes": 3, "reposts": 0, "replies": 2, "quotes": 0},
                        },
                        "growth": {"views": 1, "likes": 0, "reposts": 1, "replies": None, "quotes": 0},
                    },
                    "text": "b2",
                    "thread": [],
                },
            ],
            "summary": {
                "posts": 3,
                "sent": 2,
                "not_out": 1,
                "with_metrics": 2,
                "metrics": {
                    "views": 51,
                    "likes": 3,
                    "reposts": 1,
                    "replies": 0,
                    "quotes": 0,
                    "bookmarks": None,
                    "clicks": None,
                },
                "known": {"views": 1, "likes": 2, "reposts": 2, "replies": 1, "quotes": 2, "bookmarks": 0, "clicks": 0},
                "interactions": 4,
                "rate": 0.0784313725490196,
                "growth": {
                    "views": 1,
                    "likes": 0,
                    "reposts": 1,
                    "replies": None,
                    "quotes": 0,
                    "bookmarks": None,
                    "clicks": None,
                },
            },
        },
        {
            "campaign": "weekly",
            "counts": {"sent": 14},
            "posts": [
                {
                    "id": "tip-0",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-01T14:00:00Z",
                    "local_time": "2027-03-01T14:00:00+00:00",
                    "sent_at": "2027-03-01T14:00:00Z",
                    "sent_at_local": "2027-03-01T14:00:00+00:00",
                    "url": "https://social.example/tip-0",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-03T14:00:00Z",
                        "collected_at_local": "2027-03-03T14:00:00+00:00",
                        "metrics": {"likes": 0, "reposts": 0, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-0",
                    "thread": [],
                },
                {
                    "id": "tip-1@2027-03-01T17:00",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-01T17:00:00Z",
                    "local_time": "2027-03-01T17:00:00+00:00",
                    "sent_at": "2027-03-01T17:00:00Z",
                    "sent_at_local": "2027-03-01T17:00:00+00:00",
                    "url": "https://social.example/tip-1",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-03T17:00:00Z",
                        "collected_at_local": "2027-03-03T17:00:00+00:00",
                        "metrics": {"likes": 1, "reposts": 1, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-1",
                    "thread": [],
                },
                {
                    "id": "tip-2@2027-03-02T14:00",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-02T14:00:00Z",
                    "local_time": "2027-03-02T14:00:00+00:00",
                    "sent_at": "2027-03-02T14:00:00Z",
                    "sent_at_local": "2027-03-02T14:00:00+00:00",
                    "url": "https://social.example/tip-2",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-04T14:00:00Z",
                        "collected_at_local": "2027-03-04T14:00:00+00:00",
                        "metrics": {"likes": 2, "reposts": 2, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-2",
                    "thread": [],
                },
                {
                    "id": "tip-3",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-02T17:00:00Z",
                    "local_time": "2027-03-02T17:00:00+00:00",
                    "sent_at": "2027-03-02T17:00:00Z",
                    "sent_at_local": "2027-03-02T17:00:00+00:00",
                    "url": "https://social.example/tip-3",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-04T17:00:00Z",
                        "collected_at_local": "2027-03-04T17:00:00+00:00",
                        "metrics": {"likes": 3, "reposts": 0, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-3",
                    "thread": [],
                },
                {
                    "id": "tip-4",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-03T14:00:00Z",
                    "local_time": "2027-03-03T14:00:00+00:00",
                    "sent_at": "2027-03-03T14:00:00Z",
                    "sent_at_local": "2027-03-03T14:00:00+00:00",
                    "url": "https://social.example/tip-4",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-05T14:00:00Z",
                        "collected_at_local": "2027-03-05T14:00:00+00:00",
                        "metrics": {"likes": 4, "reposts": 1, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-4",
                    "thread": [],
                },
                {
                    "id": "tip-5",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-03T17:00:00Z",
                    "local_time": "2027-03-03T17:00:00+00:00",
                    "sent_at": "2027-03-03T17:00:00Z",
                    "sent_at_local": "2027-03-03T17:00:00+00:00",
                    "url": "https://social.example/tip-5",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-05T17:00:00Z",
                        "collected_at_local": "2027-03-05T17:00:00+00:00",
                        "metrics": {"likes": 0, "reposts": 2, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-5",
                    "thread": [],
                },
                {
                    "id": "tip-6",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-04T14:00:00Z",
                    "local_time": "2027-03-04T14:00:00+00:00",
                    "sent_at": "2027-03-04T14:00:00Z",
                    "sent_at_local": "2027-03-04T14:00:00+00:00",
                    "url": "https://social.example/tip-6",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-06T14:00:00Z",
                        "collected_at_local": "2027-03-06T14:00:00+00:00",
                        "metrics": {"likes": 1, "reposts": 0, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-6",
                    "thread": [],
                },
                {
                    "id": "tip-7",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-04T17:00:00Z",
                    "local_time": "2027-03-04T17:00:00+00:00",
                    "sent_at": "2027-03-04T17:00:00Z",
                    "sent_at_local": "2027-03-04T17:00:00+00:00",
                    "url": "https://social.example/tip-7",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-06T17:00:00Z",
                        "collected_at_local": "2027-03-06T17:00:00+00:00",
                        "metrics": {"likes": 2, "reposts": 1, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-7",
                    "thread": [],
                },
                {
                    "id": "tip-8",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-05T14:00:00Z",
                    "local_time": "2027-03-05T14:00:00+00:00",
                    "sent_at": "2027-03-05T14:00:00Z",
                    "sent_at_local": "2027-03-05T14:00:00+00:00",
                    "url": "https://social.example/tip-8",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-07T14:00:00Z",
                        "collected_at_local": "2027-03-07T14:00:00+00:00",
                        "metrics": {"likes": 3, "reposts": 2, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-8",
                    "thread": [],
                },
                {
                    "id": "tip-9",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-05T17:00:00Z",
                    "local_time": "2027-03-05T17:00:00+00:00",
                    "sent_at": "2027-03-05T17:00:00Z",
                    "sent_at_local": "2027-03-05T17:00:00+00:00",
                    "url": "https://social.example/tip-9",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-07T17:00:00Z",
                        "collected_at_local": "2027-03-07T17:00:00+00:00",
                        "metrics": {"likes": 4, "reposts": 0, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-9",
                    "thread": [],
                },
                {
                    "id": "tip-10",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-06T14:00:00Z",
                    "local_time": "2027-03-06T14:00:00+00:00",
                    "sent_at": "2027-03-06T14:00:00Z",
                    "sent_at_local": "2027-03-06T14:00:00+00:00",
                    "url": "https://social.example/tip-10",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-08T14:00:00Z",
                        "collected_at_local": "2027-03-08T14:00:00+00:00",
                        "metrics": {"likes": 0, "reposts": 1, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-10",
                    "thread": [],
                },
                {
                    "id": "tip-11",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-06T17:00:00Z",
                    "local_time": "2027-03-06T17:00:00+00:00",
                    "sent_at": "2027-03-06T17:00:00Z",
                    "sent_at_local": "2027-03-06T17:00:00+00:00",
                    "url": "https://social.example/tip-11",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-08T17:00:00Z",
                        "collected_at_local": "2027-03-08T17:00:00+00:00",
                        "metrics": {"likes": 1, "reposts": 2, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-11",
                    "thread": [],
                },
                {
                    "id": "tip-12",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-07T14:00:00Z",
                    "local_time": "2027-03-07T14:00:00+00:00",
                    "sent_at": "2027-03-07T14:00:00Z",
                    "sent_at_local": "2027-03-07T14:00:00+00:00",
                    "url": "https://social.example/tip-12",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-09T14:00:00Z",
                        "collected_at_local": "2027-03-09T14:00:00+00:00",
                        "metrics": {"likes": 2, "reposts": 0, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-12",
                    "thread": [],
                },
                {
                    "id": "tip-13",
                    "account": "bluesky:acme",
                    "network": "bluesky",
                    "status": "sent",
                    "due_at": "2027-03-07T17:00:00Z",
                    "local_time": "2027-03-07T17:00:00+00:00",
                    "sent_at": "2027-03-07T17:00:00Z",
                    "sent_at_local": "2027-03-07T17:00:00+00:00",
                    "url": "https://social.example/tip-13",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-09T17:00:00Z",
                        "collected_at_local": "2027-03-09T17:00:00+00:00",
                        "metrics": {"likes": 3, "reposts": 1, "replies": 1, "quotes": None},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "tip-13",
                    "thread": [],
                },
            ],
            "summary": {
                "posts": 14,
                "sent": 14,
                "not_out": 0,
                "with_metrics": 14,
                "metrics": {
                    "views": None,
                    "likes": 26,
                    "reposts": 13,
                    "replies": 14,
                    "quotes": None,
                    "bookmarks": None,
                    "clicks": None,
                },
                "known": {
                    "views": 0,
                    "likes": 14,
                    "reposts": 14,
                    "replies": 14,
                    "quotes": 0,
                    "bookmarks": 0,
                    "clicks": 0,
                },
                "interactions": 53,
                "rate": None,
                "growth": None,
            },
        },
        {
            "campaign": "zones",
            "counts": {"sent": 1},
            "posts": [
                {
                    "id": "c1",
                    "account": "linkedin:acme",
                    "network": "linkedin",
                    "status": "sent",
                    "due_at": "2027-03-01T23:30:00Z",
                    "local_time": "2027-03-01T23:30:00+00:00",
                    "sent_at": "2027-03-01T23:30:00Z",
                    "sent_at_local": "2027-03-01T23:30:00+00:00",
                    "url": "https://social.example/c1",
                    "reason": None,
                    "engagement": {
                        "collected_at": "2027-03-02T14:00:00Z",
                        "collected_at_local": "2027-03-02T14:00:00+00:00",
                        "metrics": {"clicks": 4},
                        "rate": None,
                        "previous": None,
                        "growth": None,
                    },
                    "text": "c1",
                    "thread": [],
                }
            ],
            "summary": {
                "posts": 1,
                "sent": 1,
                "not_out": 0,
                "with_metrics": 1,
                "metrics": {
                    "views": None,
                    "likes": None,
                    "reposts": None,
                    "replies": None,
                    "quotes": None,
                    "bookmarks": None,
                    "clicks": 4,
                },
                "known": {"views": 0, "likes": 0, "reposts": 0, "replies": 0, "quotes": 0, "bookmarks": 0, "clicks": 1},
                "interactions": None,
                "rate": None,
                "growth": None,
            },
        },
    ]
}


# The views run in 160 columns, where the people's view lists each post on a line and its figures
# under it; these run in WIDE columns, where every table of the report fits.
WIDE = 300
WIDE_VIEWS = ("people-wide",)


def outputs(settings: Settings, tmp_path: Path) -> dict[str, str]:
    runner = CliRunner()
    out = {}
    for name, args in {**VIEWS, "html": ("report", "--html", str(tmp_path / "r.html"))}.items():
        app = AppContext(clock=FakeClock(NOW), settings_override=settings)
        columns = {"COLUMNS": str(WIDE)} if name in WIDE_VIEWS else {}
        result = runner.invoke(cli, list(args), obj=app, catch_exceptions=False, env=columns)
        app.close()
        assert result.exit_code == 0, (name, result.stdout, result.stderr)
        out[name] = result.stdout.replace(str(tmp_path), "TMP")
    out["html-file"] = (tmp_path / "r.html").read_text(encoding="utf-8")
    return out


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check(found: dict[str, str]) -> None:
    assert json.loads(found["json"]) == DEFAULT_JSON
    assert found["json"] == json.dumps(DEFAULT_JSON, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert {name: digest(text) for name, text in found.items()} == DIGESTS


def test_every_view_is_pinned_byte_for_byte(
    settings: Settings, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    seed_store(store)
    check(outputs(settings, tmp_path))


@pytest.mark.slow
def test_postgresql_gives_the_same_bytes(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    with throwaway_postgres() as url:
        on_postgres = dataclasses.replace(settings, database_url=url)
        store = open_store(url)
        try:
            seed_store(store)
        finally:
            store.close()
        check(outputs(on_postgres, tmp_path))


def _record() -> Callable[[], None]:  # pragma: no cover - how DIGESTS and DEFAULT_JSON were made
    def main() -> None:
        import os
        import pprint
        import tempfile

        os.environ["COLUMNS"] = "160"
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            settings = Settings(database_url=f"sqlite:///{folder / 's.db'}", data_dir=folder / "data", timezone="UTC")
            store = open_store(settings.database_url)
            seed_store(store)
            store.close()
            found = outputs(settings, folder)
        print(json.dumps({name: digest(text) for name, text in found.items()}, indent=4))
        print(pprint.pformat(json.loads(found["json"]), width=116, sort_dicts=False))

    return main


if __name__ == "__main__":  # pragma: no cover
    _record()()


_counts = st.dictionaries(
    st.sampled_from(METRICS), st.none() | st.integers(min_value=0, max_value=10**12), max_size=len(METRICS)
).map(lambda found: {m: found[m] for m in METRICS if m in found})
_instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
_texts = st.text(max_size=12)


def _stored(instant: datetime, as_text: bool) -> datetime | str:
    """A time as SQLite's text (what the report reads there) or as PostgreSQL's aware datetime."""
    return instant.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if as_text else instant


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.booleans(),
    _texts,
    _instants,
    st.none() | _instants,
    st.none() | _texts,
    st.none() | _texts,
    st.none() | st.tuples(_instants, _counts),
    st.none() | st.tuples(_instants, _counts),
    st.text(),
    st.none() | st.lists(st.text(), max_size=3),
)
def test_the_json_text_is_json_dumps_of_as_json(
    as_text: bool,
    name: str,
    due: datetime,
    sent: datetime | None,
    url: str | None,
    reason: str | None,
    latest: tuple[datetime, dict[str, int | None]] | None,
    previous: tuple[datetime, dict[str, int | None]] | None,
    text: str,
    thread: list[str] | None,
) -> None:
    newest = None if latest is None else Snapshot(_stored(latest[0], as_text), latest[1])
    before = None if newest is None or previous is None else Snapshot(_stored(previous[0], as_text), previous[1])
    post = PostFacts(
        row_id=1,
        campaign=name,
        timezone="UTC",
        id=name + "@x",
        account=f"x:{name}",
        network="x",
        status="sent",
        due_at=_stored(due, as_text),
        local_time=due.isoformat(),
        sent_at=None if sent is None else _stored(sent, as_text),
        url=url,
        reason=reason,
        latest=newest,
        previous=before,
        text=text,
        # SQLite gives the thread as the stored JSON text (ASCII-escaped, as SQLAlchemy writes it),
        # PostgreSQL as a list
        thread=None if thread is None else (json.dumps(thread) if as_text else thread),
    )
    expected = post.as_json()
    assert (expected["text"], expected["thread"]) == (text, thread or [])
    assert post.json_text() == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
    assert post.json_text(campaign=True) == json.dumps(
        {"campaign": name, **expected}, ensure_ascii=False, separators=(",", ":")
    )
    assert expected["due_at"] == iso_utc(due) and post.due_at == due
    assert post.sent_at == sent and expected["sent_at"] == (None if sent is None else iso_utc(sent))
    metrics = {} if latest is None else latest[1]
    assert post.interactions == interactions(metrics)
    assert post.rate == engagement_rate(metrics)
    assert post.growth == (None if newest is None else growth(metrics, None if before is None else before.metrics))
    document = {"a": [RawJSON(post.json_text())], "b": {"c": "RawJSON", "d": [1.5, None]}}
    assert dumps(document) == json.dumps(
        {"a": [expected], "b": {"c": "RawJSON", "d": [1.5, None]}}, ensure_ascii=False, separators=(",", ":")
    )
