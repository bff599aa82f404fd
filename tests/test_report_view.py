"""The people's view of `socialpost report`: tables when they fit the terminal, lists when they do
not, the short growth, and the one-pass pictures agreeing with the plain definitions."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialpost.report.aggregate import load_posts
from socialpost.report.besttimes import best_times_from, hour_of_week, week_and_best_times
from socialpost.report.charts import trend
from socialpost.report.groups import group_posts
from socialpost.report.labels import growth_brief
from socialpost.report.stamps import _instant
from socialpost.store.db import Store
from tests.conftest import FakeClock
from tests.test_report import T0, Seeder
from tests.test_report_pinned import NOW, seed_store


@pytest.fixture
def seeded(store: Store, clock: FakeClock) -> Store:
    seed_store(store)
    clock.set(NOW)
    return store


def test_wide_terminals_get_tables_of_one_line_a_post(
    seeded: Store, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    out = run_cli("report", "--no-charts").stdout
    a1 = next(line for line in out.splitlines() if line.startswith("│ a1 "))
    cells = [cell.strip() for cell in a1.strip("│").split("│")]
    assert cells == [
        "a1",
        "x:acme",
        "sent",
        "2027-03-01 09:00:00 EST",  # 14:00 UTC, in spring's zone (America/Toronto), named (issue #17)
        "https://social.example/a1",
        "900",
        "31",
        "4",
        "3",
        "1",
        "12",
        "4.33%",
        "views +500, interactions +12",
    ]
    # spring's posts store bookmarks only as "not available": no column of "n/a" for them
    spring_heading = next(line for line in out.splitlines() if line.startswith("┃ post "))
    assert "bookmarks" not in spring_heading and "clicks" in spring_heading
    assert max(len(line) for line in out.splitlines()) <= 300
    weekly_heading = [line for line in out.splitlines() if line.startswith("┃ post ")][2]
    assert weekly_heading.rstrip().endswith("┃ rate ┃")  # no post of it was read twice: no growth column
    assert "Totals: clicks 4; engagement rate n/a." in out  # zones knows clicks only: not "views n/a, …"


@pytest.mark.parametrize("columns", [80, 120, 160])
def test_narrower_terminals_get_lists_with_the_same_figures(
    seeded: Store, run_cli: Any, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    out = run_cli("report", "--no-charts").stdout
    assert "┃" not in out and "│" not in out  # one layout for the whole report: no campaign as a table
    assert "a1 · x:acme · sent · 2027-03-01 09:00:00 EST\n" in out  # 14:00 UTC in the campaign's zone
    figures = (
        "views 900 · likes 31 · reposts 4 · replies 3 · quotes 1 · clicks 12 · rate 4.33% · "
        "growth: views +500, interactions +12"
    )
    assert " ".join(out.split()).count(figures) == 1  # wrapped or not, the same words in the same order
    assert "    https://social.example/a1" in out
    assert "a3 · x:acme · failed\n" in out and '    Réponse «refusée»: "quota"' in out  # the reason under it
    assert "a6 · mastodon:acme · unknown\n" in out  # nothing to add under a post with no figures or link
    assert "… 4 more post(s) not shown" in out
    assert max(len(line) for line in out.splitlines()) <= columns


def test_report_by_post_lists_the_campaign_too(seeded: Store, run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    out = run_cli("report", "--by", "post", "--sort", "views", "--top", "1", "--no-charts").stdout
    assert out.startswith("25 posts, best 1 by views\nspring · a1 · x:acme · sent · 2027-03-01 09:00:00 EST\n")


def test_growth_brief_sums_the_interactions() -> None:
    grown: dict[str, int | None] = {"views": 840, "likes": 21, "reposts": 7, "replies": 4, "quotes": 2}
    assert growth_brief(grown) == "views +840, interactions +34"
    assert growth_brief({"views": 0, "likes": -1, "replies": None, "clicks": 12}) == "interactions -1, clicks +12"
    assert growth_brief({"views": 5, "likes": None, "reposts": None}) == "views +5"  # no interaction known
    assert growth_brief({"views": 0, "likes": 1, "reposts": -1}) == ""  # nothing changed in sum: the view says ±0


def test_one_pass_pictures_agree_with_their_definitions(seeded: Store) -> None:
    posts = load_posts(seeded)
    grid, best = week_and_best_times(posts)
    assert grid == hour_of_week(posts)
    accounts = sorted({p.account for p in posts})
    assert best == [best_times_from(posts, account) for account in accounts]
    advice = {b.account: b for b in best}
    assert advice["bluesky:acme"].sample == 14 and not advice["bluesky:acme"].advice  # no hour holds two posts
    assert "post at the same hours more than once" in advice["bluesky:acme"].describe()


def test_the_trend_counts_what_the_day_groups_hold(seeded: Store) -> None:
    posts = load_posts(seeded)
    by, points = trend(posts)
    assert by == "day"
    expected = []
    for group in group_posts(posts, "day"):
        known = [p.interactions for p in group.posts if p.interactions is not None]
        expected.append(
            (group.key, sum(known) if known else None, group.sent, sum(1 for p in group.posts if p.not_out))
        )
    assert [(p.key, p.interactions, p.posts, p.not_out) for p in points] == expected
    assert ("2027-03-04", 7, 3, 1) in expected  # hand-checked: a6 (unknown) is counted, not summed


def test_weekly_trend_of_a_long_span(store: Store) -> None:
    seed = Seeder(store)
    for n in range(100):  # a post every day, one in three not out, some read
        status = "failed" if n % 3 == 0 else "sent"
        post = seed.post("long", f"p{n}", "x:acme", due=T0 + timedelta(days=n), status=status)
        if status == "sent" and n % 2:
            seed.snapshot(post, T0 + timedelta(days=n + 1), likes=n, replies=1)
    posts = load_posts(store)
    by, points = trend(posts)
    assert by == "week"
    expected = []
    for group in group_posts(posts, "week")[-60:]:
        known = [p.interactions for p in group.posts if p.interactions is not None]
        expected.append((group.key, sum(known) if known else None, group.sent, group.not_out))
    assert [(p.key, p.interactions, p.posts, p.not_out) for p in points] == expected
    assert sum(p.not_out for p in points) == 34 and sum(p.posts for p in points) == 66


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)))
def test_stored_times_parse_as_the_store_gives_them(naive: datetime) -> None:
    stored = naive.isoformat(" ", "microseconds")  # how the store keeps a time on SQLite
    parsed = _instant(stored)
    assert parsed == naive.replace(tzinfo=UTC) and parsed.tzinfo is UTC
    assert _instant(naive.isoformat(" ", "seconds")) == naive.replace(microsecond=0, tzinfo=UTC)


def test_grouped_views_become_lists_in_narrow_terminals(
    seeded: Store, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli("report", "--by", "network", "--no-charts").stdout
    assert out.startswith(
        "By network\n"
        "bluesky · 15 posts · 15 sent · 0 not out\n"
        "    likes 33 · reposts 15 · replies 15 · quotes 0 · rate n/a\n"
        "linkedin · 1 post · 1 sent · 0 not out\n"
        "    clicks 4 · rate n/a\n"
        "mastodon · 4 posts · 1 sent · 3 not out\n"
    )
    assert "x · 5 posts · 3 sent · 1 not out\n" in out
    assert "growth: views +501, interactions +14" in " ".join(out.split())
    assert max(len(line) for line in out.splitlines()) <= 80
    monkeypatch.setenv("COLUMNS", "160")
    assert "┃ network  ┃ posts ┃ sent ┃ not out ┃ views ┃" in run_cli("report", "--by", "network").stdout


def test_by_post_for_people_lists_the_first_hundred_and_counts_the_rest(
    store: Store, clock: FakeClock, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    seed = Seeder(store)
    for n in range(130):
        seed.post("big", f"p{n:03d}", "x:acme", due=T0 + timedelta(hours=n), status="failed" if n == 129 else "sent")
    clock.set(NOW)
    out = run_cli("report", "--by", "post", "--no-charts").stdout
    assert re.findall(r"(?<= )p\d{3}\b", out) == [f"p{n:03d}" for n in range(100)]  # oldest first, table or list
    assert "… 30 more post(s) not shown: see --top N --sort METRIC, --csv, --json." in out
    assert "1 post(s) did not go out as planned (1 failed)" in out  # counted though not listed
    best = run_cli("report", "--by", "post", "--top", "120", "--no-charts").stdout
    assert len(re.findall(r"(?<= )p\d{3}\b", best)) == 121  # --top: the 120 best sent and the one not out
    assert "more post(s) not shown" not in best
    assert len(json.loads(run_cli("report", "--by", "post", "--json").stdout)["posts"]) == 130


def test_the_trend_bars_shrink_to_fit_a_narrow_terminal(
    seeded: Store, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli("report").stdout
    chart = out[out.index("Interactions per day") :].splitlines()[1:12]
    assert chart[0] == "2027-03-01 " + "█" * 45 + " 43 (4 sent)"  # 80 - 11 - 1 - len("n/a (0 sent, 1 not out)") - 1
    assert chart[3].startswith("2027-03-04 ███████▍ ") and chart[3].endswith(" 7 (3 sent, 1 not out)")
    assert max(len(line) for line in chart) == 80
    monkeypatch.setenv("COLUMNS", "200")
    wide = run_cli("report").stdout
    assert "2027-03-01 " + "█" * 50 + " 43 (4 sent)" in wide  # never wider than 50


def test_no_posts_by_post_says_so(seeded: Store, run_cli: Any) -> None:
    out = run_cli("report", "--by", "post", "--campaign", "nope", "--no-charts").stdout
    assert "No posts match" in out and "┃" not in out


def test_a_group_that_did_not_change_shows_plus_minus_zero(store: Store, clock: FakeClock, run_cli: Any) -> None:
    seed = Seeder(store)
    post = seed.post("calm", "c1", "x:acme", due=T0)
    seed.snapshot(post, T0 + timedelta(hours=1), views=10, likes=1)
    seed.snapshot(post, T0 + timedelta(hours=24), views=10, likes=1)
    clock.set(NOW)
    assert "│ ±0     │" in run_cli("report", "--by", "network", "--no-charts").stdout


def test_a_long_link_is_left_whole_for_the_terminal_to_wrap(
    store: Store, clock: FakeClock, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    url = "https://www.linkedin.com/feed/update/urn:li:share:7123456789012345678/?utm_source=socialpost"
    seed = Seeder(store)
    post = seed.post("long", "l1", "linkedin:acme", due=T0, url=url)
    seed.snapshot(post, T0 + timedelta(days=1), likes=3)
    clock.set(NOW)
    out = run_cli("report", "--no-charts").stdout
    assert f"\n    {url}\n" in out  # one line, longer than the terminal: a link to click or copy
    assert all(len(line) <= 60 for line in out.splitlines() if url not in line)


def test_the_html_page_says_when_it_was_made_for_people(seeded: Store, run_cli: Any, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    run_cli("report", "--html", str(page))
    assert "Generated 2027-04-01 12:00 UTC by socialpost · all posts" in page.read_text(encoding="utf-8")
