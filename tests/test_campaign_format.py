"""The full campaign format: variants, threads, media, recurring posts, defaults, UTM, advice — as
`validate`, `plan` and `schedule` see it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from socialpost.campaign.checks import check
from socialpost.campaign.expand import expand
from socialpost.campaign.load import load_campaign
from socialpost.campaign.models import json_schema
from socialpost.errors import CampaignError
from socialpost.networks.base import OutgoingPost
from socialpost.scheduling import prepare, schedule, validate
from socialpost.settings.config import Settings
from socialpost.settings.yamlfile import load_yaml
from tests.conftest import REPO, FakeClock

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def rows_of(write, text: str, now: datetime = NOW):  # type: ignore[no-untyped-def]
    return expand(load_campaign(write("c.yaml", text)), now=now)


HEAD = "campaign: c\ntimezone: America/Montreal\naccounts: [outbox:a, webhook:b]\n"


def test_variants_by_network_and_by_account(write) -> None:  # type: ignore[no-untyped-def]
    rows = rows_of(
        write,
        "campaign: c\ntimezone: UTC\naccounts: [outbox:a, outbox:b, webhook:c]\nposts:\n"
        "  - id: p\n    at: 2027-03-02 09:00\n    text: shared?\n"
        "    variants:\n      outbox: {text: for outboxes?}\n      outbox:b: {thread: [one?, two?]}\n",
    )
    by_account = {r.account: r for r in rows}
    assert by_account["outbox:a"].payload == {"text": "for outboxes?"}
    assert by_account["outbox:b"].payload == {"text": "one?", "thread": ["two?"]}
    assert by_account["webhook:c"].payload == {"text": "shared?"}
    assert by_account["outbox:b"].part_locs == (
        ("posts", 0, "variants", "outbox:b", "thread", 0),
        ("posts", 0, "variants", "outbox:b", "thread", 1),
    )


def test_threads_media_and_defaults(write) -> None:  # type: ignore[no-untyped-def]
    (write("img/a.jpg", "x"))
    rows = rows_of(
        write,
        "campaign: c\ntimezone: UTC\naccounts: [outbox:a]\n"
        "defaults:\n  media: [{file: img/a.jpg, alt: A cup}]\n  quiet: [night-time]\n  language: fr\n"
        "posts:\n  - id: t\n    at: 2027-03-02 09:00\n    thread: [first?, second, third]\n"
        "  - id: u\n    at: 2027-03-02 10:00\n    text: own media?\n    media: []\n    quiet: [all-caps]\n",
    )
    t, u = rows
    assert t.parts == ["first?", "second", "third"]
    assert t.payload["media"] == [
        {"file": str((write.__closure__ and Path(rows[0].file).parent) / "img/a.jpg"), "alt": "A cup"}
    ]
    assert t.language == "fr" and t.quiet == {"night-time"}
    assert "media" not in u.payload and u.quiet == {"night-time", "all-caps"}


def test_the_posts_language_travels_in_its_payload_to_the_adapter(write) -> None:  # type: ignore[no-untyped-def]
    posts = (
        "posts:\n  - id: p\n    at: 2027-03-02 09:00\n    text: Bonjour?\n"
        "  - id: q\n    at: 2027-03-02 10:00\n    text: Hello?\n    language: en\n"
    )
    head = "campaign: c\ntimezone: UTC\naccounts: [outbox:a]\n"
    rows = rows_of(write, head + "language: fr-CA\n" + posts)
    assert [r.payload.get("language") for r in rows] == ["fr-CA", "en"]  # the post's own wins
    rows = rows_of(write, head + "language: fr-CA\ndefaults:\n  language: fr\n" + posts)
    assert [r.payload.get("language") for r in rows] == ["fr", "en"]  # defaults win over the campaign's
    rows = rows_of(write, head + posts.replace("    language: en\n", ""))
    assert ["language" in r.payload for r in rows] == [False, False]  # none: the payload has no key at all

    planned = rows_of(write, head + "language: fr-CA\n" + posts)[0]
    post = OutgoingPost.from_payload(
        key=planned.idempotency_key,
        campaign=planned.campaign,
        post_id=planned.post_id,
        account=planned.account,
        due_at=planned.due_at,
        payload=planned.payload,
    )
    assert (post.text, post.language) == ("Bonjour?", "fr-CA")


def test_utm_tags_links_per_network_once_and_can_be_turned_off(write) -> None:  # type: ignore[no-untyped-def]
    rows = rows_of(
        write,
        "campaign: spring\ntimezone: UTC\naccounts: [outbox:a, webhook:b]\n"
        'utm: {source: "{network}", medium: social, content: "{post}"}\n'
        "posts:\n  - id: p\n    at: 2027-03-02 09:00\n    text: See https://e.com/x?\n"
        "  - id: q\n    at: 2027-03-02 10:00\n    text: And https://e.com/y?utm_source=mail\n    utm: false\n",
    )
    texts = {(r.post_id, r.account): r.payload["text"] for r in rows}
    assert texts[("p", "outbox:a")] == "See https://e.com/x?utm_source=outbox&utm_medium=social&utm_content=p?"
    assert texts[("p", "webhook:b")].startswith("See https://e.com/x?utm_source=webhook&")
    assert texts[("q", "outbox:a")] == "And https://e.com/y?utm_source=mail"


def test_recurring_weekly_rotation_is_stable_and_past_occurrences_are_not_created(
    write, settings: Settings, store, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "r.yaml",
        "campaign: r\ntimezone: America/Montreal\naccounts: [outbox:a]\nposts:\n"
        '  - id: tip\n    every: {days: [lun, fri], at: "10:30", from: 2027-01-04, until: 2027-01-22}\n'
        "    texts: [one?, two?, three?]\n",
    )
    rows = expand(load_campaign(path), now=NOW)
    assert [(r.occurrence, r.payload["text"]) for r in rows] == [
        ("2027-01-04T10:30", "one?"),
        ("2027-01-08T10:30", "two?"),
        ("2027-01-11T10:30", "three?"),
        ("2027-01-15T10:30", "one?"),
        ("2027-01-18T10:30", "two?"),
        ("2027-01-22T10:30", "three?"),
    ]
    assert rows[0].due_at == datetime(2027, 1, 4, 15, 30, tzinfo=UTC)
    # scheduled on 2027-01-10: the two past occurrences are skipped, the rotation does not shift
    plans = schedule(store, prepare([path], settings, now=NOW), now=NOW)
    created = [(i.occurrence, i.text) for i in plans[0].items if i.action == "create"]
    assert created == [
        ("2027-01-11T10:30", "three?"),
        ("2027-01-15T10:30", "one?"),
        ("2027-01-18T10:30", "two?"),
        ("2027-01-22T10:30", "three?"),
    ]
    later = NOW + timedelta(days=6)
    again = schedule(store, prepare([path], settings, now=later), now=later)
    assert {i.action for i in again[0].items} == {"unchanged"}


def test_open_ended_rules_are_expanded_to_the_horizon(write) -> None:  # type: ignore[no-untyped-def]
    rows = rows_of(
        write,
        HEAD.replace("outbox:a, webhook:b", "outbox:a") + "posts:\n"
        '  - id: d\n    every: {interval: 1w, at: "09:00", from: 2027-01-01}\n    text: weekly?\n',
    )
    assert len(rows) == 15  # Fridays from 2027-01-01 to 2027-04-09 (NOW + 90 days is 2027-04-10)
    assert rows[-1].occurrence == "2027-04-09T09:00"


def test_cron_rules_and_dst(write) -> None:  # type: ignore[no-untyped-def]
    rows = rows_of(
        write,
        HEAD.replace("outbox:a, webhook:b", "outbox:a") + "posts:\n"
        '  - id: d\n    every: {cron: "30 2 * * *", from: 2027-03-13, until: 2027-03-15}\n    text: hi?\n',
    )
    assert [r.due_at.isoformat() for r in rows] == [
        "2027-03-13T07:30:00+00:00",
        "2027-03-14T07:30:00+00:00",
        "2027-03-15T06:30:00+00:00",
    ]


@pytest.mark.parametrize(
    ("every", "message", "where"),
    [
        ("{days: [mon], from: 2027-01-01}", "'every' needs 'at'", (7, 12)),
        (
            '{days: [mon], interval: 2d, at: "09:00", from: 2027-01-01}',
            "exactly one of days, interval or cron",
            (7, 12),
        ),
        ('{cron: "30 10 * *", from: 2027-01-01}', "has 4 fields", (7, 12)),
        ('{cron: "30 10 * * *", at: "10:30", from: 2027-01-01}', "'at' does not go with 'cron'", (7, 12)),
        ('{interval: 36h, at: "09:00", from: 2027-01-01}', "whole days or weeks", (7, 12)),
        ('{days: [funday], at: "09:00", from: 2027-01-01}', "'funday' is not a day of the week", (7, 20)),
        ('{days: [mon], at: "25:00", from: 2027-01-01}', "'25:00' is not a time of day", (7, 30)),
        ('{days: [mon], at: "09:00", from: 2027-01-09, until: 2027-01-01}', "'until' is before 'from'", (7, 12)),
        ('{cron: "* * * * *", from: 2027-01-01, until: 2027-12-31}', "more than 10,000 posts", (7, 12)),
    ],
)
def test_bad_recurrence_rules_are_located(write, every: str, message: str, where: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    path = write("c.yaml", HEAD + f"posts:\n  - id: d\n    texts: [a?, b?]\n    every: {every}\n")
    with pytest.raises(CampaignError) as caught:
        expand(load_campaign(path), now=NOW)
    problem = caught.value.problems[0]
    assert message in problem.message
    assert (problem.line, problem.column) == where


def test_post_needs_one_time_and_one_text(write) -> None:  # type: ignore[no-untyped-def]
    for body, message in [
        (
            "    at: 2027-03-02 09:00\n    every: {days: [mon], at: '10:00', from: 2027-03-01}\n    text: hi\n",
            "a post has 'at' (one time) or 'every' (recurring), not both",
        ),
        ("    at: 2027-03-02 09:00\n", "exactly one of text, thread or texts"),
        ("    at: 2027-03-02 09:00\n    text: a\n    thread: [b, c]\n", "exactly one of text, thread or texts"),
        ("    at: 2027-03-02 09:00\n    texts: [a, b]\n", "'texts' (a rotation) is for recurring posts"),
    ]:
        with pytest.raises(CampaignError) as caught:
            load_campaign(write("c.yaml", HEAD + "posts:\n  - id: p\n" + body))
        assert message in caught.value.problems[0].message
        assert caught.value.problems[0].line == 5
    # neither at nor every: the campaign's queue, else the accounts' config queues; with neither, no time
    with pytest.raises(CampaignError) as caught:
        expand(load_campaign(write("c.yaml", HEAD + "posts:\n  - id: p\n    text: hi\n")), now=NOW)
    (problem,) = caught.value.problems
    assert "post 'p' has no time: no 'at', no 'every', and no queue for " in problem.message
    assert problem.line == 5


def _check(write, text: str, **kwargs):  # type: ignore[no-untyped-def]
    loaded = load_campaign(write("c.yaml", text))
    return check(loaded, expand(loaded, now=NOW), now=NOW, **kwargs)


def test_lengths_are_exact_per_network_and_located(write) -> None:  # type: ignore[no-untyped-def]
    long_x = "é" * 281
    found = _check(
        write,
        "campaign: c\ntimezone: UTC\naccounts: [x:a, bluesky:b]\nposts:\n"
        f'  - id: p\n    at: 2027-03-02 09:00\n    text: "{long_x}?"\n'
        '    variants:\n      bluesky: {thread: ["ok?", "' + "e" * 301 + '"]}\n',
        rule_for_account=None,
    )
    messages = [(e.line, e.column, e.message) for e in found.errors]
    assert (
        7,
        11,
        "post 'p' is 282 weighted characters on x, over the limit of 280 by 2. Fix: shorten it, or "
        "give x its own text under variants:.",
    ) in messages
    assert any(
        line == 9 and "this part is 301 graphemes on bluesky, over the limit of 300 by 1" in m
        for line, _, m in messages
    )
    assert {m.as_json()["network"]: m.length for m in found.measures} == {"x": 282, "bluesky": 301}


def test_utm_tagged_links_are_counted_as_sent(write) -> None:  # type: ignore[no-untyped-def]
    text = "a" * 250 + " https://example.com/p?"
    found = _check(
        write,
        'campaign: c\ntimezone: UTC\naccounts: [x:a, linkedin:b]\nutm: {source: "{network}"}\n'
        f'posts:\n  - id: p\n    at: 2027-03-02 09:00\n    text: "{text}"\n',
    )
    lengths = {m.network: m.length for m in found.measures}
    assert lengths["x"] == 250 + 1 + 23 + 1  # a URL is 23 on X, tagged or not
    assert lengths["linkedin"] == len(text) + len("&utm_source=linkedin") - 1 + len("?")  # counted as sent
    assert not found.errors


def test_media_checks(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    Image.new("RGB", (10, 10)).save(tmp_path / "ok.png")
    (tmp_path / "fake.jpg").write_text("not a picture")
    (tmp_path / "notes.txt").write_text("hello")
    with open(tmp_path / "big.jpg", "wb") as handle:
        handle.write(b"\xff\xd8\xff\xe0")
        handle.truncate(6 * 1_000_000)
    found = _check(
        write,
        "campaign: c\ntimezone: UTC\naccounts: [x:a]\nposts:\n  - id: p\n    at: 2027-03-02 09:00\n    text: pics?\n"
        "    media:\n      - {file: ok.png, alt: a}\n      - {file: missing.png, alt: b}\n"
        "      - {file: fake.jpg, alt: c}\n      - {file: notes.txt, alt: d}\n      - {file: big.jpg, alt: e}\n",
    )
    got = {(e.line, e.message) for e in found.errors}
    assert any(line == 9 and m.startswith("5 media files, but x takes at most 4 per post.") for line, m in got)
    assert any(line == 10 and "media file not found" in m for line, m in got)
    assert any(line == 11 and "does not contain what its name says (image)" in m for line, m in got)
    assert any(line == 12 and "'notes.txt' is not an image or video" in m for line, m in got)
    assert any(line == 13 and "'big" in m and "over x's limit of 5 MB" in m for line, m in got)


def test_advice_is_located_has_rule_ids_and_can_be_silenced(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "campaign: c\ntimezone: UTC\naccounts: [outbox:a, webhook:b]\nposts:\n"
        "  - id: p\n    at: 2027-03-02 23:30\n    text: We opened a roastery.\n"
        "    variants:\n      mastodon: {text: x}\n"
    )
    found = _check(write, text)
    rules = {(w.rule, w.line) for w in found.warnings}
    assert ("no-conversation", 7) in rules
    assert ("night-time", 6) in rules
    assert ("unused-variant", 9) in rules
    quiet = _check(
        write,
        text.replace("timezone: UTC\n", "timezone: UTC\nquiet: [night-time]\n").replace(
            "    variants:", "    quiet: [no-conversation, unused-variant]\n    variants:"
        ),
    )
    assert {w.rule for w in quiet.warnings} == set()


def test_same_text_everywhere_and_typography(write) -> None:  # type: ignore[no-untyped-def]
    found = _check(
        write,
        "campaign: c\ntimezone: UTC\nlanguage: fr\naccounts: [outbox:a, webhook:b]\nposts:\n"
        "  - id: p\n    at: 2027-03-02 10:00\n    text: Venez nous voir ! Qu'en pensez-vous ?\n",
    )
    assert {w.rule for w in found.warnings} == {"same-text-everywhere", "french-typography"}


def test_validate_reports_past_times_unless_allowed(write, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "c.yaml", HEAD.replace(", webhook:b", "") + "posts:\n  - id: p\n    at: 2026-12-01 09:00\n    text: hi?\n"
    )
    result = validate([path], settings, now=NOW)
    assert not result.ok and "which is in the past" in result.errors[0].message
    assert (result.errors[0].line, result.errors[0].column) == (6, 9)
    assert validate([path], settings, now=NOW, allow_past=True).ok


def test_validate_json_contract_with_warnings(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "c.yaml",
        "campaign: c\ntimezone: UTC\naccounts: [outbox:a]\nposts:\n"
        "  - id: p\n    at: 2027-03-02 10:00\n    text: Only a statement.\n",
    )
    data = json.loads(run_cli("validate", str(path), "--json").stdout)
    assert data["ok"] is True and data["errors"] == []
    assert data["warnings"] == [
        {
            "file": str(path),
            "line": 7,
            "column": 11,
            "rule": "no-conversation",
            "message": data["warnings"][0]["message"],
        }
    ]
    assert "A conversation, not a broadcast" in data["warnings"][0]["message"]
    assert data["posts"] == [{"id": "p", "account": "outbox:a", "network": "outbox", "length": 17, "limit": None}]


def test_json_schema_is_shipped_current_and_accepts_the_examples(run_cli) -> None:
    shipped = json.loads((REPO / "socialpost" / "campaign" / "campaign.schema.json").read_text(encoding="utf-8"))
    assert shipped == json_schema(), (
        "campaign.schema.json is stale: run `socialpost schema -o socialpost/campaign/campaign.schema.json`"
    )
    assert json.loads(run_cli("schema").stdout) == shipped
    jsonschema.Draft202012Validator.check_schema(shipped)
    for path in sorted((REPO / "campaigns").glob("*.yaml")):
        if path.name.startswith("broken"):
            continue
        # socialpost's own loader reads YAML as yaml-language-server does (1.2 core types)
        jsonschema.validate(load_yaml(path).data, shipped)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"campaign": "c", "timezone": "UTC", "accounts": ["x:a"], "posts": [], "txt": 1}, shipped)


def test_yaml_11_booleans_are_refused_where_a_boolean_is_expected(write) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CampaignError) as caught:
        load_campaign(
            write("c.yaml", HEAD + "posts:\n  - id: p\n    at: 2027-03-02 09:00\n    text: hi?\n    utm: no\n")
        )
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == (8, 10)
    assert problem.message == "'utm': expected true or false, got 'no'. Fix: write true or false."


def test_plan_shows_thread_parts_per_network(run_cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "c.yaml",
        "campaign: c\ntimezone: UTC\naccounts: [outbox:a, webhook:b]\nposts:\n"
        "  - id: p\n    at: 2027-03-02 09:00\n    text: one piece?\n"
        "    variants:\n      outbox: {thread: [first part?, second part, third part]}\n",
    )
    # webhook:b is not configured: plan with outbox only
    path.write_text(path.read_text().replace(", webhook:b", ""))
    out = run_cli("plan", str(path)).stdout
    assert "first part?" in out and "↳ 2/3" in out and "second part" in out and "↳ 3/3" in out


def test_the_broken_example_reports_every_mistake_with_its_position(run_cli) -> None:
    path = REPO / "campaigns" / "broken.yaml"
    result = run_cli("validate", str(path), "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False
    where = {(e["line"], e["column"]): e["message"] for e in data["errors"]}
    # every mistake in one run: the format, then a duplicate id and a missing image in the posts that are valid
    assert set(where) == {
        (3, 11), (4, 11), (5, 27), (6, 16), (9, 9), (10, 5), (11, 9), (14, 10), (16, 20), (16, 33), (21, 20)
    }  # fmt: skip
    assert "America/Toronto" in where[(4, 11)]
    assert "Did you mean 'text'?" in where[(10, 5)]
    assert "'teaser' is already used on line 8" in where[(11, 9)]
    assert "media file not found" in where[(21, 20)]
    # an account not set up is a warning (a draft is measured all the same), not an error
    assert [(w["line"], w["column"], w["rule"]) for w in data["warnings"]] == [(5, 12, "not-connected")]
    assert data["posts"] == [
        {"id": "photo", "account": "mastodon:cafe", "network": "mastodon", "length": 45, "limit": 500}
    ]
    assert all("Fix:" in message for message in where.values())
    human = run_cli("validate", str(path))
    assert human.exit_code == 2 and "Traceback" not in human.stderr
    assert f"{path}:16:33: 'at': '25:00' is not a time of day." in human.stderr


def test_validation_uses_a_mastodon_instances_own_limits_once_known(
    write, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from socialpost.networks.mastodon import MastodonLimits

    monkeypatch.setenv("TOKEN", "not-a-real-token")
    settings.accounts = {"mastodon": {"big": {"api_base_url": "https://big.example", "access_token": "${TOKEN}"}}}
    path = write(
        "c.yaml",
        "campaign: c\ntimezone: UTC\naccounts: [mastodon:big]\nposts:\n"
        f'  - id: p\n    at: 2027-03-02 10:00\n    text: "{"a" * 700}?"\n',
    )
    before = validate([path], settings, now=NOW)
    assert not before.ok and "701 characters on mastodon, over the limit of 500" in before.errors[0].message
    cache = settings.data_dir / "cache" / "mastodon-big.json"
    cache.parent.mkdir(parents=True)
    limits = MastodonLimits(max_characters=1000, characters_reserved_per_url=23, fetched_at=NOW)
    cache.write_text(json.dumps({"api_base_url": "https://big.example", "limits": limits.as_json()}))
    after = validate([path], settings, now=NOW)
    assert after.ok, after.errors
    assert after.measures[0].as_json() == {
        "id": "p",
        "account": "mastodon:big",
        "network": "mastodon",
        "length": 701,
        "limit": 1000,
    }


YT = {
    "client_id": "1234-abc.apps.googleusercontent.com",
    "client_secret": "${TOKEN}",
    "refresh_token": "${TOKEN}",
    "channel_id": "UCexample",
    "upload_ahead": "2h",
}


def test_video_posts_are_checked_and_uploaded_ahead(
    write, settings: Settings, store, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from socialpost.store.models import PostRow

    monkeypatch.setenv("TOKEN", "not-a-real-token")
    settings.accounts = {"youtube": {"cafe": dict(YT)}}
    (write("v/tour.mp4", "")).write_bytes((REPO / "campaigns" / "video" / "roastery-tour.mp4").read_bytes())
    good = write(
        "v/c.yaml",
        "campaign: v\ntimezone: UTC\naccounts: [youtube:cafe]\nposts:\n"
        "  - id: tour\n    at: 2027-03-06 10:00\n    text: Our roastery tour. What should we film next?\n"
        "    video: {file: tour.mp4, title: Inside our roastery}\n",
    )
    assert validate([good], settings, now=NOW).ok
    schedule(store, prepare([good], settings, now=NOW), now=NOW)
    with store.session() as session:
        row = session.query(PostRow).one()
        assert row.due_at == datetime(2027, 3, 6, 10, 0, tzinfo=UTC)
        assert row.next_attempt_at == datetime(2027, 3, 6, 8, 0, tzinfo=UTC)  # uploaded 2 h ahead
        assert row.payload["video"]["title"] == "Inside our roastery"

    long_title = good.read_text().replace("title: Inside our roastery", "title: " + "x" * 101)
    bad = validate([write("v/bad.yaml", long_title)], settings, now=NOW)
    assert not bad.ok and bad.errors[0].line == 8 and "title" in bad.errors[0].message
    assert "Fix:" in bad.errors[0].message

    no_video = validate(
        [
            write(
                "v/nv.yaml",
                "campaign: v\ntimezone: UTC\naccounts: [youtube:cafe]\nposts:\n"
                "  - id: p\n    at: 2027-03-06 10:00\n    text: hello?\n",
            )
        ],
        settings,
        now=NOW,
    )
    assert "goes to youtube:cafe but has no video" in no_video.errors[0].message

    wrong = validate(
        [
            write(
                "v/w.yaml",
                "campaign: v\ntimezone: UTC\naccounts: [outbox:a]\nposts:\n"
                "  - id: p\n    at: 2027-03-06 10:00\n    text: hi?\n    accounts: [outbox:a]\n"
                "    video: {file: tour.mp4, title: T}\n",
            )
        ],
        settings,
        now=NOW,
    )
    assert "a video goes only to YouTube accounts" in wrong.errors[0].message
