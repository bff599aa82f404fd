"""Whatever a campaign file holds, loading ends in a campaign or in located problems — never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpost.campaign.expand import expand
from socialpost.campaign.load import LoadedCampaign, load_campaign
from socialpost.errors import CampaignError

PATH = Path("fuzz.yaml")
VALID = """\
campaign: fuzz
timezone: America/Montreal
accounts: [x:acme, mastodon:acme]
late: {within: 30m, else: skip}
posts:
  - &first
    id: teaser
    at: 2027-03-02 09:00
    text: "Quelque chose arrive… ☕ #Sherbrooke"
  - id: announce
    at: 2027-03-14 02:30
    text: >-
      Our roastery opens Saturday!
      Which origin next?
  - <<: *first
    id: again
    accounts: [bluesky:acme]
  - id: tip
    every: {days: [mon, ven], at: ["10:30", "15:00"], from: 2027-03-01, until: 2027-03-31}
    texts: ["Tip one?", "Tip two?"]
    variants:
      x: {thread: ["1/2 …", "2/2 …"]}
      mastodon: {text: "Toot?", media: [{file: img/a.jpg, alt: "A cup"}]}
  - id: monthly
    every: {cron: "0 9 1-7 * thu", from: 2027-02-01, until: 2027-06-30}
    thread: ["a?", "b"]
    quiet: [night-time]
    utm: false
"""
LINES = VALID.splitlines(keepends=True)
YAML_BITS = [
    *[":", ": ", "-", "- ", "\t", "  ", "\n", "#", "'", '"', "[", "]", "{", "}", ",", "&a", "*a", "<<", "!!"],
    *["---", "...", "|", ">", "?", "%", "@", "`", "\x00", "\x01", "\ufeff", "é", "☕", "\r", "\u2028", "~", "no"],
    *["12:30", "0x1", "9" * 30, "2027-02-30 09:00", "EST", "America/Montreall", "id: teaser", "text:", "posts:"],
    *["every:", "cron: '* * *'", "interval: 1h", "days: [funday]", "at: '25:00'", "variants:", "thread: []"],
]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "tab", "insert", "replace", "indent"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "tab":
            lines[i] = "\t" + lines[i].lstrip(" ")
        elif action == "indent":
            lines[i] = " " * draw(st.integers(0, 7)) + lines[i].lstrip(" ")
        else:
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            bit = draw(st.sampled_from(YAML_BITS) | st.text(max_size=3))
            end = at + (draw(st.integers(0, 3)) if action == "replace" else 0)
            lines[i] = line[:at] + bit + line[end:]
    text = "".join(lines)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]  # truncation
    return text


def check(text: str) -> None:
    try:
        loaded = load_campaign(PATH, text=text)
    except CampaignError as error:
        assert error.problems, "a CampaignError must carry at least one problem"
        for problem in error.problems:
            assert problem.file == str(PATH)
            assert problem.line >= 0 and problem.column >= 0
            assert (problem.line == 0) == (problem.column == 0)
            assert problem.message.strip()
            assert "Traceback" not in problem.message
        return
    assert isinstance(loaded, LoadedCampaign)
    try:
        rows = expand(loaded)  # a campaign that loads expands, or says where its rule is wrong
    except CampaignError as error:
        assert all(p.line > 0 and "Fix:" in p.message for p in error.problems)
        return
    for row in rows:
        assert row.due_at.utcoffset() is not None


def test_the_valid_campaign_is_valid() -> None:
    loaded = load_campaign(PATH, text=VALID)
    assert [p.id for p in loaded.model.posts] == ["teaser", "announce", "again", "tip", "monthly"]
    rows = expand(loaded)
    # 5 one-off rows; tip: 9 Mondays/Fridays in March × 2 times × 2 accounts; monthly: the first
    # Thursday of Feb–Jun (APScheduler ANDs day-of-month and weekday) × 2 accounts
    assert len(rows) == 5 + 36 + 10
    assert sorted({r.occurrence for r in rows if r.post_id == "monthly"}) == [
        "2027-02-04T09:00",
        "2027-03-04T09:00",
        "2027-04-01T09:00",
        "2027-05-06T09:00",
        "2027-06-03T09:00",
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_campaigns_never_crash(text: str) -> None:
    check(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=4), max_size=60).map("".join))
def test_random_text_never_crashes(text: str) -> None:
    check(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_on_disk_never_crash(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / "bytes.yaml"
    path.write_bytes(data)
    try:
        load_campaign(path)
    except CampaignError as error:
        assert all(p.file == str(path) and p.line >= 0 and p.column >= 0 for p in error.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_the_judgement_of_a_mutated_campaign_never_crashes(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    """`validate` reads what is valid of a broken file and checks it further (socialpost.scheduling):
    that path never crashes either, and every problem it finds is located in the file."""
    from datetime import UTC, datetime

    from socialpost.scheduling import validate
    from socialpost.settings.config import Settings

    folder = tmp_path_factory.mktemp("judged")
    path = folder / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    judged = Settings(database_url=f"sqlite:///{folder / 'none.db'}", data_dir=folder / "data")
    result = validate([path], judged, now=datetime(2027, 3, 1, tzinfo=UTC))
    for problem in [*result.errors, *result.warnings]:
        assert problem.file == str(path) and problem.message.strip()
        assert (problem.line == 0) == (problem.column == 0)
    assert not (folder / "none.db").exists()
