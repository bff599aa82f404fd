"""`socialpost report`: aggregation on a seeded store (hand-computed values), views, JSON and CSV contracts."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialpost.report.aggregate import load_posts
from socialpost.report.besttimes import MIN_POSTS, best_times, hour_of_week
from socialpost.report.facts import Filters
from socialpost.report.groups import group_posts, sort_by
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, PostRow, SnapshotRow
from tests.conftest import FakeClock

T0 = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)  # Monday 09:00 in America/Montreal (EST)


class Seeder:
    """Writes campaigns, posts and snapshots straight into the store (no network, no daemon)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.campaigns: dict[str, int] = {}
        self.count = 0

    def campaign(self, name: str, tz: str = "America/Montreal") -> int:
        if name not in self.campaigns:
            with self.store.session() as session:
                row = CampaignRow(name=name, source_file=f"{name}.yaml", timezone=tz, created_at=T0, updated_at=T0)
                session.add(row)
                session.flush()
                self.campaigns[name] = row.id
        return self.campaigns[name]

    def post(
        self,
        campaign: str,
        key: str,
        account: str,
        *,
        due: datetime = T0,
        status: str = "sent",
        remote_id: str | None = None,
        url: str | None = None,
        reason: str | None = None,
        tz: str = "America/Montreal",
        payload: dict[str, Any] | None = None,
    ) -> int:
        campaign_id = self.campaign(campaign, tz)
        self.count += 1
        sent = status == "sent"
        with self.store.session() as session:
            row = PostRow(
                campaign_id=campaign_id,
                post_key=key,
                occurrence="",
                account=account,
                network=account.split(":", 1)[0],
                payload=payload or {"text": key},
                fingerprint="f" * 64,
                idempotency_key=f"key-{self.count}",
                due_at=due,
                local_time=due.isoformat(),
                next_attempt_at=due,
                status=status,
                attempts=1,
                remote_id=(remote_id or f"r{self.count}") if sent else None,
                remote_url=url if url is not None else (f"https://social.example/{key}" if sent else None),
                last_error=reason,
                sent_at=due if sent else None,
                source=f"{campaign}.yaml:1:1",
                created_at=T0,
                updated_at=T0,
            )
            session.add(row)
            session.flush()
            return row.id

    def snapshot(self, post_id: int, at: datetime, **metrics: int | None) -> None:
        with self.store.session() as session:
            for metric, value in metrics.items():
                session.add(SnapshotRow(post_id=post_id, collected_at=at, metric=metric, value=value, raw=None))


@pytest.fixture
def seed(store: Store) -> Seeder:
    return Seeder(store)


def seeded(seed: Seeder) -> dict[str, int]:
    """Two campaigns, three networks, every kind of outcome; values below are computed by hand."""
    ids = {}
    ids["a1"] = seed.post("spring", "a1", "x:acme", due=T0)
    seed.snapshot(ids["a1"], T0 + timedelta(hours=1), views=100, likes=5, reposts=1, replies=1, quotes=0)
    seed.snapshot(ids["a1"], T0 + timedelta(hours=24), views=400, likes=20, reposts=4, replies=2, quotes=2)
    ids["a2"] = seed.post("spring", "a2", "bluesky:acme", due=T0 + timedelta(days=1))
    seed.snapshot(ids["a2"], T0 + timedelta(days=2), views=None, likes=7, reposts=2, replies=1, quotes=0)
    ids["a3"] = seed.post("spring", "a3", "x:acme", due=T0 + timedelta(days=8), status="failed", reason="X said no")
    ids["b1"] = seed.post("summer", "b1", "mastodon:acme", due=T0 + timedelta(days=2))
    seed.snapshot(ids["b1"], T0 + timedelta(days=3), views=None, likes=0, reposts=0, replies=0, quotes=0)
    ids["b2"] = seed.post("summer", "b2", "x:acme", due=T0 + timedelta(days=9))
    seed.snapshot(ids["b2"], T0 + timedelta(days=10), views=50, likes=3, reposts=0, replies=2, quotes=0)
    ids["b3"] = seed.post("summer", "b3", "mastodon:acme", due=T0 + timedelta(days=9), status="missed")
    return ids


def test_posts_carry_latest_previous_growth_and_rate(store: Store, seed: Seeder) -> None:
    seeded(seed)
    posts = {p.id: p for p in load_posts(store)}
    a1 = posts["a1"]
    assert a1.metrics == {"views": 400, "likes": 20, "reposts": 4, "replies": 2, "quotes": 2}
    assert a1.previous is not None and a1.previous.metrics["likes"] == 5
    assert a1.growth == {"views": 300, "likes": 15, "reposts": 3, "replies": 1, "quotes": 2}
    assert a1.rate == pytest.approx(28 / 400)
    assert posts["a2"].rate is None and posts["a2"].interactions == 10  # no views on Bluesky: no rate
    assert posts["a2"].growth is None  # one snapshot only
    assert posts["b1"].metrics["likes"] == 0 and posts["b1"].metrics["views"] is None  # zero is not n/a
    assert posts["a3"].latest is None and posts["a3"].not_out


def test_groups_by_network_hand_computed(store: Store, seed: Seeder) -> None:
    seeded(seed)
    groups = {g.key: g for g in group_posts(load_posts(store), "network")}
    x = groups["x"]
    assert (len(x.posts), x.sent, x.not_out) == (3, 2, 1)
    assert x.total("views") == 450 and x.total("likes") == 23 and x.total("replies") == 4
    assert x.interactions == 28 + 5
    assert x.rate == pytest.approx(33 / 450)
    assert x.growth is not None and x.growth["likes"] == 15  # only a1 has two snapshots
    mastodon = groups["mastodon"]
    assert mastodon.total("views") is None  # nobody knows: n/a, not 0
    assert mastodon.total("likes") == 0 and mastodon.rate is None and mastodon.not_out == 1
    assert groups["bluesky"].total("likes") == 7


def test_groups_by_day_and_week_in_the_campaign_zone(store: Store, seed: Seeder) -> None:
    seeded(seed)
    posts = load_posts(store)
    days = [g.key for g in group_posts(posts, "day")]
    assert days == ["2027-03-01", "2027-03-02", "2027-03-03", "2027-03-09", "2027-03-10"]
    weeks = {g.key: len(g.posts) for g in group_posts(posts, "week")}
    assert weeks == {"2027-W09": 3, "2027-W10": 3}


def test_filters_sort_and_top(store: Store, seed: Seeder) -> None:
    seeded(seed)
    assert [p.id for p in load_posts(store, Filters(network="x"))] == ["a1", "a3", "b2"]
    assert [p.id for p in load_posts(store, Filters(account="mastodon:acme"))] == ["b1", "b3"]
    window = Filters(since=T0 + timedelta(days=1), until=T0 + timedelta(days=9))
    assert [p.id for p in load_posts(store, window)] == ["a2", "a3", "b1"]
    by_likes = sort_by(load_posts(store), "likes")
    assert [p.id for p in by_likes] == ["a1", "a2", "b2", "b1", "a3", "b3"]  # unknown last
    groups = sort_by(group_posts(load_posts(store), "campaign"), "interactions")
    assert [g.key for g in groups] == ["spring", "summer"]


def test_best_times_needs_enough_posts_then_ranks_by_median(store: Store, seed: Seeder) -> None:
    account = "mastodon:shop"
    for week in range(4):  # Tuesdays 10:00 local: 8, 10, 12, 14 likes; Fridays 16:00: 1, 2, 3, 4
        for day, hour, base in ((1, 10, 8), (4, 16, 1)):
            due = datetime(2027, 1, 4 + day + 7 * week, hour + 5, tzinfo=UTC)  # Monday 4 January; EST = UTC-5
            post = seed.post("tips", f"t{week}-{day}", account, due=due)
            seed.snapshot(post, due + timedelta(days=2), likes=base + week * (2 if base == 8 else 1), views=None)
    early = best_times(store, account)
    assert not early.advice and early.sample == 8 and early.needed == MIN_POSTS
    assert "not enough history" in early.describe() and "8 of 10" in early.describe()
    young = seed.post("tips", "young", account, due=T0)
    seed.snapshot(young, T0 + timedelta(hours=1), likes=100)  # read an hour after posting: does not count
    assert best_times(store, account).sample == 8
    for extra in range(2):
        due = datetime(2027, 5, 3 + extra, 13, tzinfo=UTC)
        post = seed.post("tips", f"e{extra}", account, due=due)
        seed.snapshot(post, due + timedelta(days=1), likes=5)
    advice = best_times(store, account)
    assert advice.advice and advice.sample == 10 and advice.measure == "interactions"
    first, second = advice.slots[0], advice.slots[1]
    assert (first.weekday, first.hour, first.posts, first.median) == (1, 10, 4, 11.0)
    assert (second.weekday, second.hour, second.median) == (4, 16, 2.5)
    assert "Tuesday 10:00–11:00" in advice.describe() and "4 posts" in advice.describe()
    assert hour_of_week(load_posts(store, Filters(account=account))).slots[(1, 10)].posts == 4


# --- the command --------------------------------------------------------------------------------


def test_default_json_is_backward_compatible_and_extended(run_cli, store: Store, seed: Seeder) -> None:
    seeded(seed)
    data = json.loads(run_cli("report", "--json").stdout)
    assert set(data) == {"campaigns"}
    spring = data["campaigns"][0]
    assert spring["campaign"] == "spring" and spring["counts"] == {"sent": 2, "failed": 1}
    a1 = spring["posts"][0]
    assert set(a1) == {
        "id",
        "account",
        "network",
        "status",
        "due_at",
        "local_time",
        "sent_at",
        "sent_at_local",  # added with the local times (issue #17)
        "url",
        "reason",
        "engagement",
        "text",
        "thread",
    }
    assert (a1["text"], a1["thread"]) == ("a1", [])  # the text as sent (Seeder's payload: the post's id)
    engagement = a1["engagement"]
    assert engagement["collected_at"] == "2027-03-02T14:00:00Z"
    assert engagement["metrics"]["views"] == 400 and engagement["rate"] == pytest.approx(0.07)
    assert engagement["previous"]["collected_at"] == "2027-03-01T15:00:00Z"
    assert engagement["growth"]["likes"] == 15
    assert spring["summary"]["metrics"]["likes"] == 27 and spring["summary"]["not_out"] == 1
    failed = spring["posts"][2]
    assert failed["status"] == "failed" and failed["engagement"] is None and failed["reason"] == "X said no"


def test_by_view_json_contract(run_cli, store: Store, seed: Seeder) -> None:
    seeded(seed)
    data = json.loads(run_cli("report", "--by", "network", "--sort", "likes", "--json").stdout)
    assert set(data) == {"by", "filters", "sort", "top", "groups", "not_out", "best_times"}
    assert [g["key"] for g in data["groups"]] == ["x", "bluesky", "mastodon"]
    x = data["groups"][0]
    assert set(x) == {
        "key",
        "posts",
        "sent",
        "not_out",
        "counts",
        "with_metrics",
        "metrics",
        "known",
        "interactions",
        "rate",
        "growth",
    }
    assert x["metrics"]["views"] == 450 and x["known"]["views"] == 2 and x["rate"] == pytest.approx(33 / 450)
    assert data["groups"][2]["metrics"]["views"] is None
    assert sorted(p["id"] for p in data["not_out"]) == ["a3", "b3"]  # the flagged posts are always there
    top = json.loads(run_cli("report", "--by", "post", "--sort", "likes", "--top", "1", "--json").stdout)
    assert [p["id"] for p in top["posts"]] == ["a1", "a3", "b3"]  # the best, then every post not out
    assert top["posts"][0]["campaign"] == "spring"
    only = json.loads(run_cli("report", "--by", "campaign", "--campaign", "summer", "--json").stdout)
    assert [g["key"] for g in only["groups"]] == ["summer"] and only["filters"]["campaign"] == "summer"


def test_csv_contract(run_cli, store: Store, seed: Seeder) -> None:
    seeded(seed)
    out = run_cli("report", "--csv", "--network", "mastodon").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["b1", "b3"]
    assert rows[0]["likes"] == "0" and rows[0]["views"] == ""  # zero versus not available
    assert rows[1]["status"] == "missed" and rows[1]["collected_at"] == ""
    grouped = list(csv.DictReader(io.StringIO(run_cli("report", "--csv", "--by", "network").stdout)))
    x = next(r for r in grouped if r["key"] == "x")
    assert x["views"] == "450" and x["not_out"] == "1" and float(x["rate"]) == pytest.approx(33 / 450, abs=1e-6)


def test_csv_neutralises_formulas(run_cli, seed: Seeder) -> None:
    seed.post("c", "=cmd()", "x:acme", status="failed", reason="+danger", payload={"text": "@cmd|' /C calc'!A0"})
    row = next(csv.DictReader(io.StringIO(run_cli("report", "--csv").stdout)))
    assert row["id"] == "'=cmd()" and row["reason"] == "'+danger"
    assert row["text"] == "'@cmd|' /C calc'!A0"  # a post's text too


def test_a_text_on_several_lines_stays_in_its_cell_and_the_thread_in_the_json(run_cli, seed: Seeder) -> None:
    text = 'Ouvert "enfin"\nà 8 h, venez ?'
    seed.post("c", "p", "x:acme", payload={"text": text, "thread": ["2/2 « la suite »", "3/3"]})
    (row,) = list(csv.DictReader(io.StringIO(run_cli("report", "--csv").stdout)))
    assert row["text"] == text and row["campaign"] == "c"
    (post,) = json.loads(run_cli("report", "--json").stdout)["campaigns"][0]["posts"]
    assert (post["text"], post["thread"]) == (text, ["2/2 « la suite »", "3/3"])
    grouped = json.loads(run_cli("report", "--by", "post", "--json").stdout)["posts"]
    assert grouped[0]["thread"] == ["2/2 « la suite »", "3/3"]


def test_human_views(run_cli, store: Store, seed: Seeder) -> None:
    seeded(seed)
    out = run_cli("report").stdout
    assert "spring — 2 of 3 sent" in out and "n/a" in out and "did not go out as planned" in out
    assert "Interactions per day" in out and "Hour of the week" in out and "4 posts)" in out
    by = run_cli("report", "--by", "week").stdout
    assert "By week" in by and "2027-W09" in by and "2 post(s) did not go out" in by


def test_empty_store(run_cli) -> None:
    assert json.loads(run_cli("report", "--json").stdout) == {"campaigns": []}
    assert json.loads(run_cli("report", "--by", "day", "--json").stdout)["groups"] == []
    assert run_cli("report", "--csv").stdout.startswith("campaign,id,account")
    assert "No campaigns yet" in run_cli("report").stdout
    assert "No posts match" in run_cli("report", "--by", "network").stdout


def test_campaign_with_only_failed_posts(run_cli, seed: Seeder) -> None:
    for key in ("one", "two"):
        seed.post("doomed", key, "x:acme", status="failed", reason="the token expired")
    data = json.loads(run_cli("report", "--json").stdout)
    doomed = data["campaigns"][0]
    assert doomed["counts"] == {"failed": 2} and doomed["summary"]["rate"] is None
    assert all(p["engagement"] is None for p in doomed["posts"])
    human = run_cli("report").stdout
    assert "0 of 2 sent" in human and "2 post(s) did not go out as planned" in human
    grouped = json.loads(run_cli("report", "--by", "campaign", "--json").stdout)["groups"][0]
    assert grouped["not_out"] == 2 and grouped["metrics"]["likes"] is None


def test_bad_since_is_a_usage_error(run_cli) -> None:
    result = run_cli("report", "--since", "last tuesday")
    assert result.exit_code == 2 and "Fix:" in result.stderr


def test_since_accepts_durations_and_dates(run_cli, seed: Seeder, clock: FakeClock) -> None:
    seeded(seed)
    clock.set(T0 + timedelta(days=9, hours=12))
    recent = json.loads(run_cli("report", "--by", "post", "--since", "1d", "--json").stdout)
    assert sorted(p["id"] for p in recent["posts"]) == ["b2", "b3"]
    dated = json.loads(run_cli("report", "--by", "post", "--until", "2027-03-02", "--json").stdout)
    assert [p["id"] for p in dated["posts"]] == ["a1"]


def test_people_view_lists_a_readable_number_of_posts_and_counts_every_failure(run_cli, seed: Seeder) -> None:
    for n in range(30):
        post_id = seed.post("big", f"ok{n:02d}", "x:acme", due=T0 + timedelta(hours=n))
        seed.snapshot(post_id, T0 + timedelta(hours=n + 1), views=100 + n, likes=n)
        seed.post("big", f"bad{n:02d}", "x:acme", due=T0 + timedelta(hours=n), status="failed", reason="refused")
    human = run_cli("report", "--no-charts").stdout
    listed = [line for line in human.splitlines() if line.startswith("│ ") and ("ok" in line or "bad" in line)]
    assert sum("│ bad" in line for line in listed) == 5
    assert sum("│ ok" in line for line in listed) == 5
    assert "… 50 more post(s) not shown" in human
    assert "30 post(s) did not go out as planned" in human and "30 failed" in human
    everything = json.loads(run_cli("report", "--json").stdout)["campaigns"][0]["posts"]
    assert len(everything) == 60
    assert len([line for line in run_cli("report", "--top", "60").stdout.splitlines() if "│ bad" in line]) == 30


def test_trend_switches_to_iso_weeks_over_a_long_span(store: Store, seed: Seeder) -> None:
    from socialpost.report.charts import MAX_BUCKETS, trend

    for n in range(90):  # one post a day for 90 days, across a year end in the campaign's zone
        seed.post("long", f"p{n}", "x:acme", due=datetime(2026, 11, 15, 15, tzinfo=UTC) + timedelta(days=n))
    posts = load_posts(store)
    by, points = trend(posts)
    weeks = group_posts(posts, "week")
    assert by == "week" and len(points) <= MAX_BUCKETS
    assert [(p.key, p.posts) for p in points] == [(g.key, len(g.posts)) for g in weeks]
    assert "2026-W53" in [p.key for p in points] and sum(p.posts for p in points) == 90


def test_a_database_without_json_paths_reads_the_text_from_the_whole_payload(store: Store, seed: Seeder) -> None:
    """SQLite and PostgreSQL read the text in SQL (tests/test_report_pinned.py runs both); another
    database gets the whole payload, and the text and thread are taken from it."""
    from sqlalchemy import text

    from socialpost.report.aggregate import _facts
    from socialpost.store.report_rows import posts_sql

    seed.post("c", "p", "x:acme", payload={"text": "Bonjour ?", "thread": ["2/2"], "media": []})
    sql, params = posts_sql(Filters(), stored_text=True, dialect="mysql")
    assert "json_extract" not in sql and "->>" not in sql
    with store.session() as session:
        (post,) = _facts(session.execute(text(sql), params), Filters(), whole_payload=True)
    assert (post.text, post.thread) == ("Bonjour ?", ["2/2"])
    assert json.loads(post.json_text())["thread"] == ["2/2"]
