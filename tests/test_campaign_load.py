"""Campaign files: every validation error at its position, and expansion into store rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialpost.campaign.expand import PlannedPost, expand
from socialpost.campaign.load import LoadedCampaign, load_campaign, load_campaigns
from socialpost.campaign.models import fields_at
from socialpost.errors import CampaignError, ExitCode, Problem
from tests.support.campaign_input import HEAD, POST, refused

REPO = Path(__file__).resolve().parent.parent

GOOD = """\
campaign: spring
timezone: America/Montreal
accounts: [x:acme, mastodon:acme]
posts:
  - id: teaser
    at: 2027-03-02 09:00
    text: hello
  - id: launch
    at: 2027-03-04 11:30
    text: "it's here"
    accounts: [bluesky:acme]
"""


def problems_of(write, text: str, name: str = "c.yaml") -> tuple[Path, list[Problem]]:  # type: ignore[no-untyped-def]
    path = write(name, text)
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    error = caught.value
    assert error.exit_code == ExitCode.BAD_INPUT == 2
    for problem in error.problems:
        assert problem.file == str(path)
        assert "\n" not in problem.message
        assert "Fix:" in problem.message, problem.message
    return path, error.problems


def only(write, text: str) -> Problem:  # type: ignore[no-untyped-def]
    _, problems = problems_of(write, text)
    assert len(problems) == 1, problems
    return problems[0]


def at(problem: Problem) -> tuple[int, int]:
    return problem.line, problem.column


# --- a valid campaign -----------------------------------------------------------------------------


def test_example_campaign_loads() -> None:
    loaded = load_campaign(REPO / "campaigns" / "coffee-shop-launch.yaml")
    model = loaded.model
    assert model.campaign == "coffee-shop-launch"
    assert model.timezone == "America/Montreal"
    assert [p.id for p in model.posts] == ["teaser", "announce", "opening-day", "weekly-brew-tip"]
    assert model.late.within == timedelta(minutes=30) and model.late.else_ == "skip"
    assert model.posts[0].at == datetime(2027, 3, 2, 9, 0)
    assert model.posts[1].text is not None and model.posts[1].text.startswith("Our own roastery opens Saturday!")
    assert model.posts[3].accounts == ["mastodon:cafe", "bluesky:cafe"]
    assert loaded.post_position(0) == (12, 5)
    assert loaded.path.endswith("coffee-shop-launch.yaml")


def test_yaml_11_surprises_stay_text(write) -> None:  # type: ignore[no-untyped-def]
    text = GOOD.replace("text: hello", "text: no").replace("id: launch", "id: '001'").replace('"it\'s here"', "12:30")
    model = load_campaign(write("c.yaml", text)).model
    assert model.posts[0].text == "no"
    assert model.posts[1].id == "001"
    assert model.posts[1].text == "12:30"


@pytest.mark.parametrize("word", ["no", "yes", "on", "off", "2026-03-02", "001"])
def test_text_that_yaml_11_would_convert_stays_as_written(write, word: str) -> None:  # type: ignore[no-untyped-def]
    model = load_campaign(write("c.yaml", GOOD.replace("text: hello", f"text: {word}"))).model
    assert model.posts[0].text == word


def test_unquoted_leading_zero_id_stays_text(write) -> None:  # type: ignore[no-untyped-def]
    model = load_campaign(write("c.yaml", GOOD.replace("id: teaser", "id: 001"))).model
    assert model.posts[0].id == "001"


def test_merge_keys_share_post_settings(write) -> None:  # type: ignore[no-untyped-def]
    text = """\
campaign: c
timezone: Europe/Paris
accounts: [x:acme]
posts:
  - &base
    id: one
    at: 2027-03-02 09:00
    text: same text
  - <<: *base
    id: two
    at: 2027-03-03 09:00
"""
    posts = load_campaign(write("c.yaml", text)).model.posts
    assert [(p.id, p.at.day, p.text) for p in posts] == [("one", 2, "same text"), ("two", 3, "same text")]


# --- syntax errors at campaign level --------------------------------------------------------------


def test_tab_indentation(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("    at: 2027-03-02", "\tat: 2027-03-02"))
    assert at(p) == (6, 1)
    assert "tab character" in p.message


def test_bad_indentation(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("    text: hello", "     text: hello"))
    assert at(p) == (7, 6)  # where the extra space is
    assert "indented more than 'at:' on line 6" in p.message and "line up 'text:' with 'at:'" in p.message


def test_colon_in_unquoted_text(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("text: hello", "text: Big news: we open"))
    assert at(p) == (7, 19)
    assert 'put the whole value in quotes: text: "Big news: we open"' in p.message


def test_duplicate_key_in_a_post(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("    text: hello\n", "    text: hello\n    text: again\n"))
    assert at(p) == (8, 5)
    assert "duplicate key 'text' (first written on line 7)" in p.message


def test_duplicate_top_level_key(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD + "timezone: Europe/Paris\n")
    assert at(p) == (12, 1)
    assert "duplicate key 'timezone' (first written on line 2)" in p.message


# --- unknown and missing keys ---------------------------------------------------------------------


def test_unknown_key_in_a_post_suggests_the_right_one(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("    text: hello", "    txt: hello"))
    assert at(p) == (7, 5)
    assert p.message == "unknown key 'txt'. Did you mean 'text'? Fix: correct the spelling."


def test_unknown_top_level_key_suggests_the_right_one(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("timezone:", "timezon:"))
    assert at(p) == (2, 1)
    assert "unknown key 'timezon'. Did you mean 'timezone'?" in p.message


def test_unknown_key_in_late_policy(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD + "late: {within: 15m, els: skip}\n")
    assert at(p) == (12, 21)
    assert "unknown key 'els'. Did you mean 'else'?" in p.message


def test_unknown_key_without_a_close_match_lists_the_allowed_ones(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("    text: hello", "    text: hello\n    colour: blue"))
    assert at(p) == (8, 5)
    assert (
        "unknown key 'colour'. Allowed here: id, at, every, text, thread, texts, media, video, first_comment, "
        "cover, event, offer, button, pin, variants," in p.message
    )


def test_fields_at() -> None:
    assert fields_at(()) == [
        "campaign",
        "timezone",
        "accounts",
        "language",
        "country",
        "late",
        "queue",
        "utm",
        "defaults",
        "quiet",
        "feeds",
        "posts",
    ]
    assert fields_at(("posts", 0)) == [
        "id",
        "at",
        "every",
        "text",
        "thread",
        "texts",
        "media",
        "video",
        "first_comment",
        "cover",
        "event",
        "offer",
        "button",
        "pin",
        "variants",
        "accounts",
        "language",
        "quiet",
        "utm",
    ]
    assert fields_at(("posts", 0, "every")) == ["days", "interval", "cron", "at", "from", "until", "except"]
    assert fields_at(("late",)) == ["within", "else"]
    assert fields_at(("nope",)) == []


def test_missing_key_in_a_post_points_at_the_post(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("    text: hello\n", ""))
    assert at(p) == (5, 5)
    assert p.message.startswith("a post needs exactly one of text, thread or texts. Fix: write text: ")


def test_missing_top_level_keys_point_at_the_top(write) -> None:  # type: ignore[no-untyped-def]
    _, problems = problems_of(write, "campaign: c\nposts:\n  - id: a\n    at: 2027-03-02 09:00\n    text: t\n")
    assert [(at(p), p.message.split(".")[0]) for p in problems] == [
        ((1, 1), "missing required key 'timezone'"),
        ((1, 1), "missing required key 'accounts'"),
    ]


# --- wrong types ----------------------------------------------------------------------------------


def test_text_given_as_a_list(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("text: hello", "text: [hello, world]"))
    assert at(p) == (7, 11)
    assert "'text': expected text, got a list" in p.message


def test_text_given_as_a_number(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("text: hello", "text: 42"))
    assert at(p) == (7, 11)
    assert "'text': expected text, got the number 42. Fix: write text here, in quotes" in p.message


def test_empty_text(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("text: hello", 'text: ""'))
    assert at(p) == (7, 11)
    assert "'text': must not be empty" in p.message


def test_posts_given_as_a_mapping(write) -> None:  # type: ignore[no-untyped-def]
    text = "campaign: c\ntimezone: UTC\naccounts: [x:acme]\nposts:\n  id: a\n  text: t\n"
    p = only(write, text)
    assert at(p) == (5, 3)
    assert "'posts': expected a list, got a mapping" in p.message


def test_accounts_given_as_a_number(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("accounts: [x:acme, mastodon:acme]", "accounts: 5"))
    assert at(p) == (3, 11)
    assert "'accounts': expected a list, got the number 5" in p.message


def test_empty_lists(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("accounts: [x:acme, mastodon:acme]", "accounts: []"))
    assert at(p) == (3, 11)
    assert "'accounts': must list at least one item" in p.message


def test_empty_post_item(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD + "  -\n")
    assert at(p) == (12, 4)
    assert "expected a mapping of keys, got nothing" in p.message


def test_bad_campaign_name(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("campaign: spring", "campaign: spring launch!"))
    assert at(p) == (1, 11)
    assert "'spring launch!' may hold only letters, digits" in p.message


def test_bad_late_policy_values(write) -> None:  # type: ignore[no-untyped-def]
    _, problems = problems_of(write, GOOD + "late: {within: soon, else: retry}\n")
    assert [(at(p), p.message.split(". Fix")[0]) for p in problems] == [
        ((12, 16), "'within': 'soon' is not a duration"),
        ((12, 28), "'else': expected 'skip', 'post' or 'hold', got 'retry'"),
    ]


@pytest.mark.parametrize("within", [".inf", "99999999999d", "1.0e20", ".nan"])
def test_absurd_durations_are_problems_not_crashes(write, within: str) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD + f"late: {{within: {within}}}\n")
    assert at(p) == (12, 16)
    assert "'within':" in p.message


def test_not_a_mapping(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, "- a\n- b\n")
    assert at(p) == (1, 1)
    assert "a campaign file must be a mapping with campaign, timezone, accounts and posts" in p.message


# --- empty and unreadable files through load_campaign ---------------------------------------------


@pytest.mark.parametrize("text", ["", "  \n\t\n", "# campaign coming soon\n"])
def test_empty_campaign_files(write, text: str) -> None:  # type: ignore[no-untyped-def]
    p = only(write, text)
    assert at(p) == (1, 1)
    assert "the campaign file is empty" in p.message


def test_several_documents(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD + "---\n" + GOOD)
    assert at(p) == (13, 1)
    assert "several YAML documents" in p.message


def test_python_tag(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("text: hello", "text: !!python/object/apply:os.system [echo hi]"))
    assert at(p) == (7, 11)
    assert "YAML tag '!!python/object/apply:os.system' is not supported" in p.message


def test_folder_and_missing_file(tmp_path: Path) -> None:
    for path, words in ((tmp_path, "this is a folder, not a campaign file"), (tmp_path / "x.yaml", "no such file")):
        with pytest.raises(CampaignError) as caught:
            load_campaign(path)
        assert [p.message.split(".")[0] for p in caught.value.problems] == [words]


# --- accounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accounts", "column", "bad"),
    [
        ("[twitter]", 12, "twitter"),
        ("['x:']", 12, "x:"),
        ("[X:acme]", 12, "X:acme"),
        ("[x:acme, 'x: acme']", 20, "x: acme"),
    ],
)
def test_bad_account_references(write, accounts: str, column: int, bad: str) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("[x:acme, mastodon:acme]", accounts))
    assert at(p) == (3, column)
    assert f"'{bad}' is not an account. Fix: write it as network:name in lower case" in p.message


def test_bad_account_reference_in_a_post(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("[bluesky:acme]", "[bluesky]"))
    assert at(p) == (11, 16)
    assert "'bluesky' is not an account" in p.message


# --- time zones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "suggested"),
    [("EST", "America/Toronto"), ("GMT-5", "America/Montreal"), ("America/Montreall", "America/Montreal")],
)
def test_bad_timezones_suggest_an_iana_zone(write, tz: str, suggested: str) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("America/Montreal", tz))
    assert at(p) == (2, 11)
    assert f"'timezone': '{tz}' is not an IANA time zone name" in p.message
    assert f"Fix: write the zone of a city, such as {suggested}." in p.message


def test_timezone_given_as_a_number(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("America/Montreal", "5"))
    assert at(p) == (2, 11)
    assert "'timezone': expected text, got the number 5" in p.message


# --- times ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("09:00", "'09:00' has no date. Fix: write the date too, like 2026-03-02 09:00"),
        ('"09:00"', "'09:00' has no date"),
        ("2027-03-02", "'2027-03-02' has no time. Fix: write the time too, like 2027-03-02 09:00"),
        ("2027-03-02T09:00-05:00", "'2027-03-02T09:00-05:00' has a UTC offset. Fix: write the local time without it"),
        ("2027-02-30 09:00", "'2027-02-30 09:00' is not a valid date and time: 2027-02 has no day 30 (it has 28 days)"),
        ("tomorrow", "'tomorrow' is not a date and time"),
        ("1200", "expected a date and time. Fix: write it like 2026-03-02 09:00"),
        ("0001-01-01 00:00", "outside the years 1900–2999"),
    ],
)
def test_bad_times(write, value: str, words: str) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("at: 2027-03-02 09:00", f"at: {value}"))
    assert at(p) == (6, 9)
    assert p.message.startswith("'at': ")
    assert words in p.message


# --- ids and names --------------------------------------------------------------------------------


def test_duplicate_post_ids_point_at_the_second(write) -> None:  # type: ignore[no-untyped-def]
    p = only(write, GOOD.replace("id: launch", "id: teaser"))
    assert at(p) == (8, 9)
    assert p.message == "post id 'teaser' is already used on line 5. Fix: give every post its own id."


def test_same_campaign_in_two_files(write) -> None:  # type: ignore[no-untyped-def]
    first = write("a.yaml", GOOD)
    second = write("b.yaml", "# the same name again\n" + GOOD)
    with pytest.raises(CampaignError) as caught:
        load_campaigns([first, second])
    assert caught.value.exit_code == 2
    [p] = caught.value.problems
    assert (p.file, p.line, p.column) == (str(second), 2, 11)
    assert f"campaign 'spring' is also defined in {first}" in p.message and "Fix:" in p.message


def test_the_same_file_twice_is_loaded_once(write) -> None:  # type: ignore[no-untyped-def]
    path = write("a.yaml", GOOD)
    loaded = load_campaigns([path, path.parent / "." / "a.yaml"])
    assert [c.model.campaign for c in loaded] == ["spring"]


def test_load_campaigns_reports_every_file(write) -> None:  # type: ignore[no-untyped-def]
    good = write("good.yaml", GOOD.replace("spring", "other"))
    bad1 = write("bad1.yaml", GOOD.replace("text: hello", "txt: hello"))
    bad2 = write("bad2.yaml", "")
    with pytest.raises(CampaignError) as caught:
        load_campaigns([bad1, good, bad2])
    assert [(p.file, p.line, p.column) for p in caught.value.problems] == [(str(bad1), 7, 5), (str(bad2), 1, 1)]
    assert str(caught.value).endswith("(2 problems)")


def test_several_problems_are_reported_together_in_file_order(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        GOOD.replace("America/Montreal", "EST").replace("text: hello", "txt: hello").replace("[bluesky:acme]", "[bsky]")
    )
    _, problems = problems_of(write, text)
    assert [at(p) for p in problems] == [(2, 11), (7, 5), (11, 16)]
    assert "America/Toronto" in problems[0].message
    assert "Did you mean 'text'?" in problems[1].message
    assert "'bsky' is not an account" in problems[2].message


def test_error_text_is_one_line_per_problem_with_position(write) -> None:  # type: ignore[no-untyped-def]
    path, _ = problems_of(write, GOOD.replace("text: hello", "txt: hello").replace("x:acme,", "X:acme,"))
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{path}:3:12: 'X:acme' is not an account.")
    assert lines[1].startswith(f"{path}:7:5: unknown key 'txt'.")
    assert lines[2] == "(2 problems)"


# --- expansion ------------------------------------------------------------------------------------


def rows(write, text: str = GOOD, name: str = "c.yaml") -> list[PlannedPost]:  # type: ignore[no-untyped-def]
    return expand(load_campaign(write(name, text)))


def test_expand_one_row_per_post_and_account(write) -> None:  # type: ignore[no-untyped-def]
    planned = rows(write)
    assert [(r.post_id, r.account) for r in planned] == [
        ("teaser", "x:acme"),
        ("teaser", "mastodon:acme"),
        ("launch", "bluesky:acme"),
    ]
    first = planned[0]
    assert first.campaign == "spring" and first.occurrence == "" and first.network == "x"
    assert first.due_at == datetime(2027, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 EST (-5)
    assert first.due_at.utcoffset() == timedelta(0)
    assert first.local_time.utcoffset() == timedelta(hours=-5)
    assert first.local_time.replace(tzinfo=None) == datetime(2027, 3, 2, 9, 0)
    assert planned[2].due_at == datetime(2027, 3, 4, 16, 30, tzinfo=UTC)
    assert first.payload == {"text": "hello"}
    assert (first.line, first.column) == (5, 5)
    assert (planned[2].line, planned[2].column) == (8, 5)
    assert first.file.endswith("c.yaml")


def test_expand_applies_the_dst_rule(write) -> None:  # type: ignore[no-untyped-def]
    planned = rows(write, GOOD.replace("2027-03-02 09:00", "2027-03-14 02:30"))
    assert planned[0].due_at == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    assert planned[0].local_time.strftime("%H:%M %z") == "03:30 -0400"


def test_idempotency_key_is_stable_and_differs_per_account(write) -> None:  # type: ignore[no-untyped-def]
    one = rows(write, name="a.yaml")
    again = rows(write, GOOD.replace("text: hello", "text: changed"), name="b.yaml")
    assert one[0].idempotency_key == again[0].idempotency_key  # same slot, edited text: same key
    assert one[0].idempotency_key != one[1].idempotency_key  # another account
    assert one[0].idempotency_key != one[2].idempotency_key
    assert one[0].idempotency_key.startswith("sp-") and len(one[0].idempotency_key) == 43
    renamed = rows(write, GOOD.replace("campaign: spring", "campaign: autumn"), name="c.yaml")
    assert renamed[0].idempotency_key != one[0].idempotency_key


def test_fingerprint_changes_with_text_or_time_only(write) -> None:  # type: ignore[no-untyped-def]
    base = rows(write, name="a.yaml")
    same = rows(write, "# a comment moves lines\n" + GOOD, name="b.yaml")
    text = rows(write, GOOD.replace("text: hello", "text: hello!"), name="c.yaml")
    time = rows(write, GOOD.replace("2027-03-02 09:00", "2027-03-02 09:01"), name="d.yaml")
    assert base[0].fingerprint == same[0].fingerprint
    assert base[0].fingerprint != text[0].fingerprint
    assert base[0].fingerprint != time[0].fingerprint
    assert base[2].fingerprint == text[2].fingerprint  # the other post did not change


def test_loaded_campaign_exposes_its_document(write) -> None:  # type: ignore[no-untyped-def]
    loaded = load_campaign(write("c.yaml", GOOD))
    assert isinstance(loaded, LoadedCampaign)
    assert loaded.document.position(("posts", 1, "accounts", 0)) == (11, 16)
    assert loaded.post_position(1) == (8, 5)


# --- the same account or time twice --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown", "where"),
    [
        (HEAD.replace("[outbox:shop]", "[outbox:shop, outbox:shop]") + POST, "outbox:shop", "3:25"),
        (HEAD + POST + "    accounts: [outbox:a, outbox:b, outbox:a]\n", "outbox:a", "8:36"),
        (
            HEAD
            + '  - id: p1\n    every: {days: [mon], at: ["10:00", "10:00"], from: 2027-02-01, until: 2027-03-01}\n'
            + '    text: "What do you think?"\n',
            "10:00",
            "6:40",
        ),
        (
            HEAD
            + '  - id: p1\n    every: {interval: 2d, at: ["9:30", "09:30"], from: 2027-02-01, until: 2027-03-01}\n'
            + '    text: "What do you think?"\n',
            "09:30",
            "6:40",
        ),
    ],
)
def test_listed_twice_is_an_error_at_the_second(run_cli, write, text: str, shown: str, where: str) -> None:  # type: ignore[no-untyped-def]
    refused(run_cli, write("c.yaml", text), f"{shown} is listed twice. Fix: remove one.", where=where)


# --- media paths --------------------------------------------------------------------------------


def test_nul_in_a_media_path(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST + '    media: [{file: "a\\u0000b.png", alt: x}]\n')
    refused(run_cli, path, "NUL character", "Fix: correct the path", where="8:20")


def test_too_long_media_path(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST + f'    media: [{{file: "{"a" * 5000}.png", alt: x}}]\n')
    stderr = refused(run_cli, path, "path is too long", "Fix: shorten", where="8:20")
    assert "check its permissions" not in stderr
    assert "a" * 100 not in stderr


# --- blank text ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ['" "', '"\\u200b"', '"\\t\\n\\u200b\\u00a0"', '"\\u2800"'])
def test_blank_text_is_refused(run_cli, write, text: str) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST.replace('"Hello, what do you think?"', text))
    refused(run_cli, path, "only spaces or invisible characters", "Fix:", where="7:11")


def test_blank_thread_part_is_refused(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    post = '  - id: p1\n    at: 2027-03-02 09:00\n    thread: ["What do you think?", "\\u200b"]\n'
    refused(run_cli, write("c.yaml", HEAD + post), "only spaces or invisible characters", where="7:36")


def test_text_with_a_zero_width_joiner_inside_is_fine(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST.replace("Hello", "Hello \\u200d👩\\u200d💻"))
    assert run_cli("validate", str(path)).exit_code == 0


# --- time zones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Etc/GMT+5", "Etc/GMT-14", "etc/gmt+5"])
def test_fixed_offset_zones_are_refused(run_cli, write, name: str) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD.replace("America/Montreal", name) + POST)
    refused(run_cli, path, "fixed offsets do not follow daylight-saving time", "America/Montreal", where="2:11")


@pytest.mark.parametrize("name", ["Factori", "localtim", "posixrule", "Etc/Zulu0"])
def test_suggestions_are_real_places(run_cli, write, name: str) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD.replace("America/Montreal", name) + POST)
    stderr = refused(run_cli, path, "such as ")
    suggestion = stderr.split("such as ", 1)[1].split(".")[0]
    assert "/" in suggestion and not suggestion.startswith("Etc/"), suggestion


def test_utc_and_a_close_city_still_work(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("validate", str(write("a.yaml", HEAD.replace("America/Montreal", "UTC") + POST))).exit_code == 0
    stderr = refused(run_cli, write("b.yaml", HEAD.replace("America/Montreal", "Europe/Pari") + POST), "")
    assert "such as Europe/Paris" in stderr


# --- messages ------------------------------------------------------------------------------------------


def test_long_id_says_the_limit_and_to_shorten_it(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST.replace("id: p1", "id: " + "a" * 101))
    refused(run_cli, path, "101 characters long, over the limit of 100", "Fix: shorten it", where="5:9")


def test_lone_surrogate_says_it_is_not_unicode_and_where(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST.replace("Hello,", "Hi \\uD800"))
    refused(run_cli, path, "character 4 of the text is not valid Unicode", "Fix:", where="7:11")


def test_long_values_are_cut_in_messages(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + POST + "late: {within: " + "9" * 5000 + "}\n")
    stderr = refused(run_cli, path, "is not a duration", "…", where="8:16")
    assert "9" * 61 not in stderr
    path = write("d.yaml", HEAD.replace("[outbox:shop]", "[" + "x" * 3000 + "]") + POST)
    stderr = refused(run_cli, path, "is not an account", "…")
    assert "x" * 61 not in stderr
