"""A campaign's event, offer and button (socialpost.campaign.local_posts): written in the campaign,
checked with the place of every mistake, and handed to the networks that take them (Google
Business Profile) as the adapter reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialpost.campaign.checks import check
from socialpost.campaign.expand import expand
from socialpost.campaign.load import load_campaign
from socialpost.errors import CampaignError
from socialpost.networks.base import OutgoingPost
from socialpost.networks.google_business.posts import local_post

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
HEAD = "campaign: c\ntimezone: America/Montreal\naccounts: [google-business:shop, outbox:a]\nposts:\n"
POST = "  - id: p\n    at: 2027-03-02 09:00\n    text: Come in!\n"


def rows(write, body: str):  # type: ignore[no-untyped-def]
    return expand(load_campaign(write("c.yaml", HEAD + POST + body)), now=NOW)


def problem(write, body: str, head: str = HEAD):  # type: ignore[no-untyped-def]
    with pytest.raises(CampaignError) as caught:
        load_campaign(write("c.yaml", head + POST + body))
    return caught.value.problems[0]


def test_an_event_with_times_and_a_button_reach_google_and_only_google(write) -> None:  # type: ignore[no-untyped-def]
    found = rows(
        write,
        "    event: {title: Tasting, start: 2027-03-06 10:00, end: 2027-03-06 16:30}\n"
        "    button: {action: Learn-More, url: 'https://shop.example/tasting'}\n",
    )
    google = next(r for r in found if r.network == "google-business")
    outbox = next(r for r in found if r.network == "outbox")
    assert "event" not in outbox.payload and "button" not in outbox.payload
    post = OutgoingPost.from_payload(key="k", campaign="c", post_id="p", account=google.account,
                                     due_at=google.due_at, payload=google.payload)  # fmt: skip
    body = local_post(post, None)
    assert body["topicType"] == "EVENT"
    assert body["event"]["schedule"] == {
        "startDate": {"year": 2027, "month": 3, "day": 6},
        "startTime": {"hours": 10, "minutes": 0},
        "endDate": {"year": 2027, "month": 3, "day": 6},
        "endTime": {"hours": 16, "minutes": 30},
    }
    assert body["callToAction"] == {"actionType": "LEARN_MORE", "url": "https://shop.example/tasting"}


def test_an_offer_of_whole_days(write) -> None:  # type: ignore[no-untyped-def]
    found = rows(
        write,
        "    offer: {title: 20% off, start: 2027-03-01, end: 2027-03-10, coupon: SAVE20, terms: One each.}\n",
    )
    payload = next(r for r in found if r.network == "google-business").payload
    assert payload["offer"] == {
        "title": "20% off", "start_date": "2027-03-01", "start_time": None, "end_date": "2027-03-10",
        "end_time": None, "coupon": "SAVE20", "url": None, "terms": "One each.",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "message", "where"),
    [
        ("    event: {title: T, start: 2027-03-06, end: 2027-03-05}\n", "'end' is before 'start'", (8, 12)),
        ("    event: {title: T, start: 2027-03-06 10:00, end: 2027-03-06}\n", "a time to both start and end", (8, 12)),
        ("    event: {title: T, start: 6 March, end: 2027-03-06}\n", "'6 March' is not a day", (8, 30)),
        ("    event: {title: T, start: 2027-03-06 25:00, end: 2027-03-07 10:00}\n", "is not a day or a day", (8, 30)),
        ("    event: {start: 2027-03-06, end: 2027-03-07}\n", "title", (8, 12)),
        ("    button: {action: call, url: 'https://x.example'}\n", "a call button", (8, 13)),
        ("    button: {action: book}\n", "a book button needs the web address", (8, 13)),
        ("    button: {action: reserve, url: 'https://x.example'}\n", "'reserve' is not a button", (8, 22)),
        ("    button: {action: order, url: shop.example}\n", "'shop.example' is not a web address", (8, 34)),
    ],
)
def test_mistakes_are_located(write, body: str, message: str, where: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    found = problem(write, body)
    assert message in found.message, found.message
    assert (found.line, found.column) == where, found


@pytest.mark.parametrize(
    ("body", "message", "where"),
    [
        (
            "    offer: {title: O, start: 2027-03-01, end: 2027-03-02}\n    button: {action: call}\n",
            "an offer has no button",
            (9, 13),
        ),
        (
            "    event: {title: E, start: 2027-03-01, end: 2027-03-02}\n"
            "    offer: {title: O, start: 2027-03-01, end: 2027-03-02}\n",
            "an event or an offer, not both",
            (9, 12),
        ),
    ],
)
def test_what_google_does_not_take_together_is_located(write, body: str, message: str, where: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    loaded = load_campaign(write("c.yaml", HEAD + POST + body))
    (error,) = check(loaded, expand(loaded, now=NOW), now=NOW).errors
    assert message in error.message and (error.line, error.column) == where, error


def test_an_event_for_accounts_that_take_none_is_an_error_not_lost(write) -> None:  # type: ignore[no-untyped-def]
    head = "campaign: c\ntimezone: America/Montreal\naccounts: [outbox:a]\nposts:\n"
    loaded = load_campaign(write("c.yaml", head + POST + "    event: {title: T, start: 2027-03-06, end: 2027-03-06}\n"))
    found = check(loaded, expand(loaded, now=NOW), now=NOW)
    (error,) = found.errors
    assert "event: is for Google Business Profile accounts" in error.message and (error.line, error.column) == (8, 12)


def test_the_shipped_schema_knows_the_keys(tmp_path: Path) -> None:
    import json

    from tests.conftest import REPO

    schema = json.loads((REPO / "socialpost" / "campaign" / "campaign.schema.json").read_text(encoding="utf-8"))
    post = schema["$defs"]["Post"]["properties"]
    assert {"event", "offer", "button"} <= set(post)
    assert set(schema["$defs"]["Button"]["properties"]["action"]["enum"]) == {
        "book", "order", "shop", "learn_more", "sign_up", "call",
    }  # fmt: skip


# --- validate measures Google Business Profile's limits exactly -----------------------------------------

GOOGLE = "campaign: c\ntimezone: America/Montreal\naccounts: [google-business:shop]\nposts:\n"


def _errors(write, body: str) -> list[str]:  # type: ignore[no-untyped-def]
    loaded = load_campaign(write("c.yaml", GOOGLE + body))
    found = check(loaded, expand(loaded, now=NOW), now=NOW, media_host=True)
    return [e.message for e in found.errors]


def test_a_summary_of_1500_characters_is_fine_and_1501_is_an_error(write) -> None:  # type: ignore[no-untyped-def]
    post = "  - id: p\n    at: 2027-03-02 09:00\n    text: " + "{}\n"
    assert _errors(write, post.format("é" * 1499 + "?")) == []
    (message,) = _errors(write, post.format("é" * 1500 + "?"))
    assert "1,501 characters on google-business, over the limit of 1,500 by 1" in message


def test_photo_sizes_at_the_limits_and_one_over(write) -> None:  # type: ignore[no-untyped-def]
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
    post = "  - id: p\n    at: 2027-03-02 09:00\n    text: Hello?\n    media: [{file: {}, alt: A tray}]\n"
    cases = {
        "floor.jpg": (jpeg + bytes(10 * 1024 - len(jpeg)), None),
        "under.jpg": (jpeg + bytes(10 * 1024 - 1 - len(jpeg)), "takes photos of 10,240 bytes (10 KB) or more"),
        "ceiling.jpg": (jpeg + bytes(5_000_000 - len(jpeg)), None),
        "over.jpg": (jpeg + bytes(5_000_001 - len(jpeg)), "over"),
        "photo.webp": (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(12_000), "JPEG or PNG"),
    }
    for name, (data, expected) in cases.items():
        path = write(name, "")
        path.write_bytes(data)
        messages = _errors(write, post.replace("{}", name))
        if expected is None:
            assert messages == [], (name, messages)
        else:
            assert any(expected in m for m in messages), (name, messages)


def test_two_photos_are_one_too_many(write) -> None:  # type: ignore[no-untyped-def]
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(12_000)
    for name in ("a.jpg", "b.jpg"):
        write(name, "").write_bytes(jpeg)
    body = (
        "  - id: p\n    at: 2027-03-02 09:00\n    text: Hello?\n"
        "    media: [{file: a.jpg, alt: A}, {file: b.jpg, alt: B}]\n"
    )
    messages = _errors(write, body)
    assert messages and any("google-business" in m for m in messages), messages
