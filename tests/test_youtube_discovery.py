"""Every request the YouTube adapter sends, checked against YouTube's discovery document (the one
google-api-python-client ships): method and path, query parameters (declared, required, typed,
within bounds and enums), and JSON bodies (declared properties, types, enums, the parts named).

The requests are the real ones: the adapter runs Google's client library, and only the socket is
replaced (``FakeYouTube`` from ``test_network_youtube``, which checks each request it receives).
The checker itself is shown to refuse what YouTube would refuse or ignore, on requests built by
the same client library."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from socialpost.networks.youtube.client import _build
from tests.conftest import FakeClock
from tests.test_network_youtube import (
    DUE,
    VIDEO_ID,
    YOUTUBE,
    Answer,
    FakeYouTube,
    Seen,
    channels_route,
    fake,  # noqa: F401  (the fixture)
    make,
    post,
    status_route,
)

# what the adapter calls (the set-up's channels.list(mine=true) is checked by its CLI test, whose
# FakeYouTube checks every request too)
EVERY_METHOD = {
    "youtube.videos.insert",
    "youtube.thumbnails.set",
    "youtube.playlistItems.insert",
    "youtube.videos.list",
    "youtube.commentThreads.list",
    "youtube.comments.insert",
    "youtube.channels.list",
}


def _request(call: Any) -> tuple[str, str, dict[str, str], bytes]:
    """What the client library would send for ``call`` (an HttpRequest), without sending it."""
    body = call.body or b""
    return call.method, call.uri, dict(call.headers), body.encode() if isinstance(body, str) else body


def _client() -> Any:
    return _build(object(), "https://youtube.googleapis.com/")


# --- the adapter's requests ---------------------------------------------------------------------


def test_every_request_the_adapter_sends_conforms(tmp_path: Path, fake: FakeYouTube) -> None:  # noqa: F811
    thumb = tmp_path / "thumb.png"
    thumb.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 500)
    fake.routes[("POST", "/upload/youtube/v3/thumbnails/set")] = lambda s: (
        200, {}, {"kind": "youtube#thumbnailSetResponse", "items": []})  # fmt: skip
    fake.routes[("POST", "/youtube/v3/playlistItems")] = lambda s: (
        200, {}, {"kind": "youtube#playlistItem", "id": "PLI1", "snippet": s.json["snippet"]})  # fmt: skip
    fake.routes[("GET", "/youtube/v3/commentThreads")] = lambda s: (
        200, {}, {"kind": "youtube#commentThreadListResponse", "items": []})  # fmt: skip
    fake.routes[("POST", "/youtube/v3/comments")] = lambda s: (
        200, {}, {"kind": "youtube#comment", "id": "Ugz1.r", "snippet": {"videoId": VIDEO_ID}})  # fmt: skip
    channels_route(fake, [{"kind": "youtube#channel", "id": "UC1", "snippet": {"title": "Café"}}])

    adapter = make(tmp_path)
    adapter.publish(post(tmp_path, thumbnail=str(thumb), playlist="PLxyz", category="Education"))
    status_route(fake, {"uploadStatus": "processed", "privacyStatus": "public"})
    assert adapter.confirm(VIDEO_ID) is True
    adapter.fetch_metrics([VIDEO_ID, "other"])
    adapter.fetch_replies([VIDEO_ID])
    adapter.reply("Ugz1", "Merci !")
    adapter.health()

    assert set(fake.checked) == EVERY_METHOD, fake.checked
    assert fake.violations == []


@pytest.mark.parametrize(
    ("when", "settings", "privacy"),
    [
        (DUE - timedelta(hours=2), {}, "private"),  # scheduled: private with publishAt
        (DUE + timedelta(minutes=5), {}, "public"),  # late: public at once
        (DUE - timedelta(hours=2), {"privacy_after_publish": "unlisted"}, "unlisted"),
    ],
)
def test_every_kind_of_upload_metadata_conforms(
    tmp_path: Path,
    fake: FakeYouTube,  # noqa: F811
    when: Any,
    settings: dict[str, Any],
    privacy: str,
) -> None:
    make(tmp_path, clock=FakeClock(when), notify_subscribers=False, **settings).publish(
        post(tmp_path, tags=["café", "two words"], made_for_kids=True)
    )
    start = next(s for s in fake.seen if s.method == "POST" and s.path == "/upload/youtube/v3/videos")
    assert start.json["status"]["privacyStatus"] == privacy
    assert start.query["notifySubscribers"] == "false"
    assert fake.checked == ["youtube.videos.insert"] and fake.violations == []


# --- the checker refuses what YouTube refuses or ignores -----------------------------------------


def test_a_parameter_the_document_does_not_declare_fails() -> None:
    uri = "https://youtube.googleapis.com/youtube/v3/videos?part=status&id=abc&alt=json&sort=new"
    assert YOUTUBE.violations("GET", uri) == [
        "GET /youtube/v3/videos (youtube.videos.list): query parameter 'sort' is not declared"
    ]
    missing = YOUTUBE.violations("GET", "https://youtube.googleapis.com/youtube/v3/videos?id=abc")
    assert missing == ["GET /youtube/v3/videos (youtube.videos.list): required query parameter 'part' is missing"]
    assert YOUTUBE.violations("GET", "https://youtube.googleapis.com/youtube/v3/clips?part=id") == [
        "GET /youtube/v3/clips: no method of the discovery document serves this path"
    ]


def test_values_outside_types_bounds_and_enums_fail() -> None:
    base = "https://youtube.googleapis.com/youtube/v3/commentThreads?part=snippet&videoId=v"
    problems = YOUTUBE.violations("GET", base + "&maxResults=101&order=newest&textFormat=plainText")
    assert any("maxResults=101 is above its maximum 100" in p for p in problems)
    assert any("order='newest' is not one of" in p for p in problems)
    assert len(problems) == 2
    flags = "https://youtube.googleapis.com/youtube/v3/channels?part=snippet&mine=yes"
    assert [p.split(": ", 1)[1] for p in YOUTUBE.violations("GET", flags)] == [
        "mine='yes' is not a boolean (true or false)"
    ]


def test_parameters_the_document_says_not_to_combine_fail() -> None:
    # what the adapter sent for statistics until this check found it: maxResults is "not supported
    # for use in conjunction with the id parameter"
    call = _client().videos().list(part="statistics", id="a,b", maxResults=50)
    assert [p.split(": ", 1)[1] for p in YOUTUBE.violations(*_request(call))] == [
        "'maxResults' is not supported together with 'id'"
    ]


def test_parts_must_exist_and_name_every_body_property() -> None:
    assert YOUTUBE.violations(*_request(_client().videos().list(part="id,status", id="a"))) == []
    listing = _client().videos().list(part="snippet,statistic", id="a")
    assert [p.split(": ", 1)[1] for p in YOUTUBE.violations(*_request(listing))] == [
        "part 'statistic' is not a part of the resource"
    ]
    body = {"snippet": {"parentId": "Ugz1", "textOriginal": "Merci"}, "status": {}}
    insert = _client().comments().insert(part="snippet", body=body)
    assert [p.split(": ", 1)[1] for p in YOUTUBE.violations(*_request(insert))] == [
        "body.status is not a property of Comment",
        "body property 'status' is not named in part='snippet' (YouTube ignores it)",
    ]


@pytest.mark.parametrize(
    ("status", "problem"),
    [
        ({"privacyStatus": "scheduled"}, "body.status.privacyStatus='scheduled' is not one of"),
        ({"privacyStatus": "private", "scheduledAt": "2027-03-02T14:00:00Z"}, "body.status.scheduledAt is not a"),
        ({"privacyStatus": "private", "publishAt": "2027-03-02 14:00"}, "has no time zone"),
        ({"selfDeclaredMadeForKids": "no"}, "body.status.selfDeclaredMadeForKids is str, the document says boolean"),
    ],
)
def test_upload_metadata_outside_the_schema_fails(tmp_path: Path, status: dict[str, Any], problem: str) -> None:
    from googleapiclient.http import MediaFileUpload

    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00" * 1024)
    body = {"snippet": {"title": "t", "description": "d", "categoryId": "22", "tags": ["a"]}, "status": status}
    media = MediaFileUpload(str(video), mimetype="video/mp4", resumable=True)
    call = _client().videos().insert(part="snippet,status", body=body, media_body=media)
    headers = {**call.headers, "X-Upload-Content-Type": "video/mp4"}
    problems = YOUTUBE.violations(call.method, call.uri, headers, call.body.encode())
    assert len(problems) == 1 and problem in problems[0], problems


def test_media_and_bodies_where_none_belong_fail(tmp_path: Path) -> None:
    upload = "https://youtube.googleapis.com/upload/youtube/v3/thumbnails/set?videoId=v&alt=json"
    assert any("a media upload without uploadType" in p for p in YOUTUBE.violations("POST", upload))
    gif = YOUTUBE.violations("POST", upload + "&uploadType=media", {"content-type": "image/gif"}, b"GIF89a")
    assert [p.split(": ", 1)[1] for p in gif] == [
        "media of type 'image/gif'; the method accepts ['image/jpeg', 'image/png', 'application/octet-stream']"
    ]
    listing = "https://youtube.googleapis.com/youtube/v3/videos?part=id&id=v"
    body = json.dumps({"id": "v"}).encode()
    assert any(
        "a JSON body on a method that takes none" in p
        for p in YOUTUBE.violations("GET", listing, {"content-type": "application/json"}, body)
    )


def test_multipart_metadata_is_checked_too(tmp_path: Path) -> None:
    from googleapiclient.http import MediaFileUpload

    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00" * 1024)
    body = {"snippet": {"title": "t", "tags": "not a list"}}
    call = (
        _client()
        .videos()
        .insert(
            part="snippet", body=body, media_body=MediaFileUpload(str(video), mimetype="video/mp4", resumable=False)
        )
    )
    assert "uploadType=multipart" in call.uri
    problems = YOUTUBE.violations(*_request(call))
    assert [p.split(": ", 1)[1] for p in problems] == ["body.snippet.tags is str, the document says array"]


def test_the_fake_reports_a_request_that_breaks_the_document(tmp_path: Path) -> None:
    """The fixture fails a test whose requests break the document (here: a made-up parameter)."""
    server = FakeYouTube()

    def listing(seen: Seen) -> Answer:
        return 200, {}, {"items": []}

    server.routes[("GET", "/youtube/v3/videos")] = listing
    server.request("https://youtube.googleapis.com/youtube/v3/videos?part=status&id=v&colour=red")
    assert server.checked == ["youtube.videos.list"]
    assert server.violations == [
        "GET /youtube/v3/videos (youtube.videos.list): query parameter 'colour' is not declared"
    ]
