"""The YouTube adapter: Google's real client (discovery document, MediaFileUpload, the resumable
upload protocol, google-auth's token refresh) runs; only the socket is replaced by an
httplib2-compatible fake that answers like YouTube's documented API (status codes, headers such as
``Location`` and ``Range``, JSON bodies and error bodies). Every API request the fake receives is
checked against YouTube's discovery document (``tests.support.discovery``): a test whose requests
break it fails. The set-up runs through the CLI with google-auth-oauthlib's real loopback server
and a local token endpoint."""

from __future__ import annotations

import base64
import json
import logging
import re
import stat
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httplib2
import pytest
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.cli.accounts import ClickUI
from socialpost.cli.context import AppContext
from socialpost.errors import AuthError, ContentRejected, PermanentError, RateLimited, TransientError
from socialpost.networks import registry
from socialpost.networks.base import AdapterContext, Caveat, Media, NotPublic, OutgoingPost, Published
from socialpost.networks.youtube import YouTubeNetwork, YouTubeSettings, rfc3339
from socialpost.networks.youtube.media import check_video, tags_length, video_spec
from socialpost.networks.youtube.state import next_reset
from tests.conftest import FakeClock
from tests.support.discovery import Discovery
from tests.support.files import refuse_to_open
from tests.support.http import LocalServer, Reply

CHUNK = 256 * 1024
CLIENT_SECRET = "GOCSPX-s3cr3t-client-0123456789"
REFRESH = "1//0refresh-T0KEN-abcdefghijklmnop"
ACCESS = "ya29.access-T0KEN-qrstuvwxyz012345"
CODE = "4/0AeaYSHauth-c0de-xyz"
CHANNEL = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
SESSION = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=ADPycdv-SeSsIoN"
VIDEO_ID = "dQw4w9WgXcQ"
NOW = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
DUE = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)
YOUTUBE = Discovery.bundled("youtube", "v3")


@dataclass(frozen=True)
class VideoPost(OutgoingPost):
    """OutgoingPost with the ``extra`` field the lead adds (payload["video"] lands there)."""

    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    uri: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.uri).query).items()}

    @property
    def json(self) -> Any:
        return json.loads(self.body)


Answer = tuple[int, dict[str, str], Any]


def error_body(code: int, reason: str, message: str, domain: str = "youtube.video") -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
        }
    }


class FakeYouTube:
    """An httplib2.Http stand-in: records every request and answers like YouTube.

    The resumable session keeps the bytes it received; ``fail`` lets a test break a request. Each
    API request is checked against the discovery document: ``checked`` lists the methods,
    ``violations`` what broke it."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.checked: list[str] = []
        self.violations: list[str] = []
        self.received = bytearray()
        self.total = 0
        self.routes: dict[tuple[str, str], Callable[[Seen], Answer]] = {}
        self.fail: Callable[[Seen], BaseException | None] = lambda _s: None
        self.video: dict[str, Any] = {
            "kind": "youtube#video",
            "id": VIDEO_ID,
            "snippet": {"title": "Roastery tour", "channelId": CHANNEL},
            "status": {"uploadStatus": "uploaded", "privacyStatus": "private", "publishAt": "2027-03-02T14:00:00Z"},
        }
        self.token_answer: Answer = (
            200,
            {},
            {"access_token": ACCESS, "expires_in": 3599, "scope": " ".join(SCOPES_ALL), "token_type": "Bearer"},
        )
        self.timeout: float | None = None

    def __call__(self, timeout: float) -> FakeYouTube:  # YouTubeNetwork.http_factory
        self.timeout = timeout
        return self

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: dict[str, str] | None = None,
        redirections: int = 5,
        connection_type: Any = None,
        **_kwargs: Any,
    ) -> tuple[httplib2.Response, bytes]:
        data = body.read() if hasattr(body, "read") else (body or b"")
        data = data.encode() if isinstance(data, str) else bytes(data)
        seen = Seen(method, uri, {k.lower(): str(v) for k, v in (headers or {}).items()}, data)
        self.seen.append(seen)
        session = "upload_id" in parse_qs(urlsplit(uri).query)  # a resumable session: no API method
        if not session and not uri.startswith("https://oauth2.googleapis.com/"):
            self.checked.append(YOUTUBE.method_id(method, uri) or f"{method} {seen.path}")
            self.violations += YOUTUBE.violations(method, uri, seen.headers, data)
        broken = self.fail(seen)
        if broken is not None:
            raise broken
        status, extra, payload = self._answer(seen)
        content = (
            payload if isinstance(payload, bytes) else json.dumps(payload).encode() if payload is not None else b""
        )
        info = {"status": str(status), "content-type": "application/json; charset=UTF-8", **extra}
        return httplib2.Response(info), content

    def _answer(self, seen: Seen) -> Answer:
        if seen.uri.startswith("https://oauth2.googleapis.com/token"):
            return self.token_answer
        if seen.uri.startswith(SESSION):
            return self._session(seen)
        route = self.routes.get((seen.method, seen.path))
        if route is not None:
            return route(seen)
        if seen.method == "POST" and seen.path == "/upload/youtube/v3/videos":
            self.total = int(seen.headers["x-upload-content-length"])
            return 200, {"location": SESSION}, None
        return 404, {}, error_body(404, "notFound", f"no route for {seen.method} {seen.path}", "global")

    def _session(self, seen: Seen) -> Answer:
        assert seen.headers.get("authorization") == f"Bearer {ACCESS}"
        content_range = seen.headers.get("content-range", "")
        spec, _, total = content_range.removeprefix("bytes ").partition("/")
        if spec != "*":
            start, _, end = spec.partition("-")
            assert int(start) == len(self.received), (content_range, len(self.received))
            assert len(seen.body) == int(end) - int(start) + 1
            self.received += seen.body
        if len(self.received) >= int(total):
            return 200, {}, self.video
        held = {"range": f"bytes=0-{len(self.received) - 1}"} if self.received else {}
        return 308, held, b""


SCOPES_ALL = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtube.force-ssl",
)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYouTube]:
    server = FakeYouTube()
    monkeypatch.setattr(YouTubeNetwork, "http_factory", server)
    yield server
    assert server.violations == [], "requests that break YouTube's discovery document"


def make(tmp_path: Path, clock: FakeClock | None = None, **more: Any) -> YouTubeNetwork:
    values: dict[str, Any] = {
        "client_id": "1234-abc.apps.googleusercontent.com",
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH,
        "channel_id": CHANNEL,
        "chunk_size": CHUNK,
        **more,
    }
    context = AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path, clock=clock or FakeClock(NOW))
    return YouTubeNetwork(account="youtube:cafe", settings=YouTubeSettings.model_validate(values), context=context)


MP4_HEAD = b"\x00\x00\x00\x18ftypmp42"  # the daemon checks that a video is one from its first bytes


def video_file(tmp_path: Path, size: int = 3 * CHUNK) -> Path:
    path = tmp_path / "tour.mp4"
    if not path.exists():  # rewriting it would make it another file (a new upload)
        path.write_bytes(MP4_HEAD + bytes(i % 251 for i in range(size - len(MP4_HEAD))))
    return path


def post(tmp_path: Path, *, text: str = "A tour of our new roastery ☕", **video: Any) -> VideoPost:
    file = video.pop("file", None) or video_file(tmp_path)
    spec = {"file": str(file), "title": "Roastery tour", "tags": ["coffee", "roastery"], **video}
    return VideoPost(
        key="sp-video-0001",
        campaign="video-launch",
        post_id="tour",
        account="youtube:cafe",
        text=text,
        due_at=DUE,
        extra={"video": spec},
    )


def uploads_of(fake: FakeYouTube) -> list[Seen]:
    return [s for s in fake.seen if s.uri.startswith(SESSION)]


# --- the video and its checks --------------------------------------------------------------------


def test_video_spec_reads_the_payload_and_falls_back_to_media(tmp_path: Path) -> None:
    spec = video_spec(post(tmp_path, category="Education", made_for_kids=True, playlist=" PLabc "))
    assert spec.title == "Roastery tour" and spec.tags == ("coffee", "roastery")
    assert spec.category_id == "27" and spec.made_for_kids and spec.playlist == "PLabc"
    plain = OutgoingPost(
        key="k", campaign="c", post_id="p", account="youtube:cafe", text="t", due_at=DUE,
        media=(Media(str(tmp_path / "clip.mov"), ""),),
    )  # fmt: skip
    fallback = video_spec(plain)
    assert fallback.file == tmp_path / "clip.mov" and fallback.title == "" and fallback.category_id == "22"
    assert fallback.mimetype == "video/quicktime"


def test_check_video_limits(tmp_path: Path) -> None:
    good = video_spec(post(tmp_path))
    assert check_video(good, "Fine description") == []
    bad = video_spec(post(tmp_path, title="x" * 101 + "<b>", tags=["a b"] * 100, category="Cooking"))
    problems = check_video(bad, "é" * 2501 + " <script>")
    text = "\n".join(problems)
    assert "title is 104 characters; YouTube takes at most 100" in text
    assert "< or > in a video title" in text
    assert "5,011 bytes; YouTube takes at most 5,000 bytes" in text
    assert "< or > in a video description" in text
    assert f"tags take {tags_length(['a b'] * 100)} characters" in text
    assert "'Cooking' is not a YouTube category" in text
    assert all("Fix:" in p for p in problems)
    assert tags_length(["a b", "c"]) == 3 + 2 + 1 + 1
    missing = video_spec(post(tmp_path, file=tmp_path / "nope.mp4", thumbnail=str(tmp_path / "t.gif")))
    text = "\n".join(check_video(missing, "ok"))
    assert "nope.mp4 does not exist" in text and "must be a JPEG or PNG" in text
    assert "has no title" in "\n".join(check_video(video_spec(post(tmp_path, title="")), "ok"))


def test_publish_refuses_bad_content_before_any_request(tmp_path: Path, fake: FakeYouTube) -> None:
    adapter = make(tmp_path)
    with pytest.raises(ContentRejected, match="title is 101 characters"):
        adapter.publish(post(tmp_path, title="x" * 101))
    with pytest.raises(ContentRejected, match="YouTube has no threads"):
        adapter.publish(VideoPost(**{**post(tmp_path).__dict__, "thread": ("part 2",)}))
    assert fake.seen == []


def test_an_unreadable_video_is_refused_before_any_request(
    tmp_path: Path, fake: FakeYouTube, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a user test: the upload library raised a raw PermissionError mid-send (outcome
    unknown). Tests run as root here, so the refusal of the file system is made for this one file."""
    adapter = make(tmp_path)
    video = post(tmp_path)
    locked = video_spec(video).file
    assert locked is not None
    refuse_to_open(monkeypatch, locked)
    with pytest.raises(ContentRejected, match=r"the media file .*tour\.mp4 cannot be used"):
        adapter.publish(video)
    assert fake.seen == []


# --- upload -------------------------------------------------------------------------------------


def test_upload_in_chunks_scheduled_with_publish_at(tmp_path: Path, fake: FakeYouTube) -> None:
    adapter = make(tmp_path)
    seen_progress: list[tuple[int, int]] = []
    adapter.progress = lambda done, total: seen_progress.append((done, total))
    published = adapter.publish(post(tmp_path, category="Education", made_for_kids=False))
    assert published == Published(VIDEO_ID, f"https://www.youtube.com/watch?v={VIDEO_ID}")
    token, start, *chunks = fake.seen
    assert token.method == "POST" and parse_qs(token.body.decode())["grant_type"] == ["refresh_token"]
    assert parse_qs(token.body.decode())["refresh_token"] == [REFRESH]
    assert start.method == "POST" and start.path == "/upload/youtube/v3/videos"
    assert start.query == {
        "part": "snippet,status",
        "notifySubscribers": "true",
        "alt": "json",
        "uploadType": "resumable",
    }
    assert start.headers["authorization"] == f"Bearer {ACCESS}"
    assert start.headers["x-upload-content-type"] == "video/mp4"
    assert start.headers["x-upload-content-length"] == str(3 * CHUNK)
    assert start.json == {
        "snippet": {
            "title": "Roastery tour",
            "description": "A tour of our new roastery ☕",
            "categoryId": "27",
            "tags": ["coffee", "roastery"],
        },
        "status": {"privacyStatus": "private", "publishAt": "2027-03-02T14:00:00Z", "selfDeclaredMadeForKids": False},
    }
    assert [c.headers["content-range"] for c in chunks] == [
        f"bytes 0-{CHUNK - 1}/{3 * CHUNK}",
        f"bytes {CHUNK}-{2 * CHUNK - 1}/{3 * CHUNK}",
        f"bytes {2 * CHUNK}-{3 * CHUNK - 1}/{3 * CHUNK}",
    ]
    assert bytes(fake.received) == video_file(tmp_path).read_bytes()
    assert seen_progress == [(CHUNK, 3 * CHUNK), (2 * CHUNK, 3 * CHUNK)]
    state_file = tmp_path / "data" / "youtube" / "cafe" / "uploads" / "sp-video-0001.json"
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    state = json.loads(state_file.read_text())
    assert state["done"] is True and state["video_id"] == VIDEO_ID and state["offset"] == 3 * CHUNK
    quota = json.loads((tmp_path / "data" / "youtube" / "cafe" / "quota.json").read_text())
    assert quota["days"]["2027-03-02"] == {"units": 0, "uploads": 1, "calls": {"videos.insert": 1}}
    # publishing again (a retry, a reconcile) returns the same video without a request
    before = len(fake.seen)
    assert adapter.publish(post(tmp_path)) == published
    assert adapter.reconcile(post(tmp_path)) == published
    assert len(fake.seen) == before


def test_publish_at_is_utc_with_z_and_a_late_post_goes_public(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    montreal = datetime(2027, 3, 14, 9, 30, 15, 123, tzinfo=ZoneInfo("America/Montreal"))
    assert rfc3339(montreal) == "2027-03-14T13:30:15Z"
    adapter = make(tmp_path, clock=FakeClock(DUE + timedelta(minutes=5)))
    body = adapter.video_body(post(tmp_path), video_spec(post(tmp_path)))
    assert body["status"] == {"privacyStatus": "public", "selfDeclaredMadeForKids": False}
    unlisted = make(tmp_path, privacy_after_publish="unlisted").video_body(post(tmp_path), video_spec(post(tmp_path)))
    assert unlisted["status"]["privacyStatus"] == "unlisted" and "publishAt" not in unlisted["status"]


def test_interrupted_upload_resumes_from_the_saved_session(tmp_path: Path, fake: FakeYouTube) -> None:
    puts = 0

    def break_second_chunk(seen: Seen) -> BaseException | None:
        nonlocal puts
        if seen.uri.startswith(SESSION) and seen.method == "PUT" and "bytes */" not in seen.headers["content-range"]:
            puts += 1
            if puts == 2:
                return ConnectionResetError(104, "Connection reset by peer")
        return None

    fake.fail = break_second_chunk
    first = make(tmp_path)
    with pytest.raises(TransientError, match=r"stopped at 256 KiB of 768 KiB; it resumes from there") as caught:
        first.publish(post(tmp_path))
    assert caught.value.request_sent is True
    state_file = tmp_path / "data" / "youtube" / "cafe" / "uploads" / "sp-video-0001.json"
    state = json.loads(state_file.read_text())
    assert state["session_uri"] == SESSION and state["offset"] == CHUNK and not state["done"]
    assert SESSION not in str(caught.value)

    fake.fail = lambda _s: None
    fake.seen.clear()
    second = make(tmp_path)  # a new daemon after the crash
    assert second.publish(post(tmp_path)).remote_id == VIDEO_ID
    assert not [s for s in fake.seen if s.method == "POST" and "upload" in s.path]  # no new session
    query, *rest = uploads_of(fake)
    assert query.headers["content-range"] == f"bytes */{3 * CHUNK}" and query.body == b""
    assert [s.headers["content-range"] for s in rest] == [
        f"bytes {CHUNK}-{2 * CHUNK - 1}/{3 * CHUNK}",
        f"bytes {2 * CHUNK}-{3 * CHUNK - 1}/{3 * CHUNK}",
    ]
    assert bytes(fake.received) == video_file(tmp_path).read_bytes()


def test_upload_complete_but_unseen_is_found_not_repeated(tmp_path: Path, fake: FakeYouTube) -> None:
    def drop_last_answer(seen: Seen) -> BaseException | None:
        if seen.uri.startswith(SESSION) and seen.headers.get("content-range", "").endswith(
            f"-{3 * CHUNK - 1}/{3 * CHUNK}"
        ):
            fake.received += seen.body  # YouTube got the last chunk; its answer is lost
            return TimeoutError("timed out")
        return None

    fake.fail = drop_last_answer
    with pytest.raises(TransientError, match="did not answer within 60 s"):
        make(tmp_path).publish(post(tmp_path))
    fake.fail = lambda _s: None
    fake.seen.clear()
    assert make(tmp_path).publish(post(tmp_path)).remote_id == VIDEO_ID
    assert [s.headers["content-range"] for s in uploads_of(fake)] == [f"bytes */{3 * CHUNK}"]


def test_expired_session_starts_again(tmp_path: Path, fake: FakeYouTube) -> None:
    adapter = make(tmp_path)
    adapter.uploads.save(_state(tmp_path, session_uri=SESSION.replace("SeSsIoN", "OLD"), offset=CHUNK))
    fake.routes[("PUT", "/upload/youtube/v3/videos")] = lambda s: (404, {}, b"Not Found")
    assert adapter.publish(post(tmp_path)).remote_id == VIDEO_ID  # a new session, from the first byte
    status_query, start = fake.seen[1:3]
    assert (
        "upload_id=ADPycdv-OLD" in status_query.uri and status_query.headers["content-range"] == f"bytes */{3 * CHUNK}"
    )
    assert start.method == "POST" and start.query["uploadType"] == "resumable"
    assert uploads_of(fake)[0].headers["content-range"] == f"bytes 0-{CHUNK - 1}/{3 * CHUNK}"


def test_session_lost_mid_upload_starts_again_next_time(tmp_path: Path, fake: FakeYouTube) -> None:
    fake.fail = lambda s: None
    original = fake._session
    fake._session = lambda s: (410, {}, error_body(410, "gone", "Gone", "global"))  # type: ignore[method-assign]
    adapter = make(tmp_path)
    with pytest.raises(TransientError, match="no longer knows this upload session"):
        adapter.publish(post(tmp_path))
    assert adapter.uploads.load("sp-video-0001") is None
    fake._session = original  # type: ignore[method-assign]
    assert adapter.publish(post(tmp_path)).remote_id == VIDEO_ID


def _state(tmp_path: Path, **values: Any) -> Any:
    from socialpost.networks.youtube.state import UploadState

    state = UploadState.fresh("sp-video-0001", video_file(tmp_path))
    for key, value in values.items():
        setattr(state, key, value)
    return state


def test_a_changed_file_is_not_resumed(tmp_path: Path, fake: FakeYouTube) -> None:
    adapter = make(tmp_path)
    adapter.uploads.save(_state(tmp_path, session_uri="https://example.invalid/old", offset=CHUNK))
    (tmp_path / "tour.mp4").write_bytes(MP4_HEAD + b"x" * (2 * CHUNK - len(MP4_HEAD)))  # re-exported
    assert adapter.publish(post(tmp_path, file=tmp_path / "tour.mp4")).remote_id == VIDEO_ID
    assert not [s for s in fake.seen if "example.invalid" in s.uri]
    assert len(fake.received) == 2 * CHUNK


def test_thumbnail_and_playlist_once(tmp_path: Path, fake: FakeYouTube) -> None:
    thumb = tmp_path / "thumb.jpg"
    thumb.write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 1000)
    fake.routes[("POST", "/upload/youtube/v3/thumbnails/set")] = lambda s: (
        200,
        {},
        {"kind": "youtube#thumbnailSetResponse", "items": [{"default": {"url": "https://i.ytimg.com/x.jpg"}}]},
    )
    fake.routes[("POST", "/youtube/v3/playlistItems")] = lambda s: (
        403,
        {},
        error_body(
            403, "playlistItemsNotAccessible", "The request is not properly authorized.", "youtube.playlistItem"
        ),
    )
    adapter = make(tmp_path)
    assert adapter.publish(post(tmp_path, thumbnail=str(thumb), playlist="PLxyz")).remote_id == VIDEO_ID
    thumb_call = next(s for s in fake.seen if "thumbnails" in s.path)
    assert thumb_call.query["videoId"] == VIDEO_ID and thumb_call.body.endswith(b"0" * 1000)
    playlist_call = next(s for s in fake.seen if "playlistItems" in s.path)
    assert playlist_call.json == {
        "snippet": {"playlistId": "PLxyz", "resourceId": {"kind": "youtube#video", "videoId": VIDEO_ID}}
    }
    state = adapter.uploads.load("sp-video-0001")
    assert state is not None and state.thumbnail == "done" and state.playlist.startswith("not added:")  # type: ignore[union-attr]
    before = len(fake.seen)
    adapter.publish(post(tmp_path, thumbnail=str(thumb), playlist="PLxyz"))
    assert len(fake.seen) == before
    calls = json.loads(adapter.quota.path.read_text())["days"]["2027-03-02"]
    assert calls["units"] == 100 and calls["calls"] == {
        "videos.insert": 1,
        "thumbnails.set": 1,
        "playlistItems.insert": 1,
    }


def test_processing_failure_is_content_rejected(tmp_path: Path, fake: FakeYouTube) -> None:
    fake.video["status"] = {"uploadStatus": "failed", "failureReason": "codec", "privacyStatus": "private"}
    with pytest.raises(ContentRejected, match=r"could not process video dQw4w9WgXcQ \(an unsupported codec\)"):
        make(tmp_path).publish(post(tmp_path))
    fake.routes[("GET", "/youtube/v3/videos")] = lambda s: (
        200,
        {},
        {"items": [{"id": VIDEO_ID, "status": {"uploadStatus": "rejected", "rejectionReason": "duplicate"}}]},
    )
    with pytest.raises(ContentRejected, match="duplicates a video already on the channel"):
        make(tmp_path).confirm_published(VIDEO_ID)


def status_route(fake: FakeYouTube, *statuses: dict[str, Any]) -> None:
    """videos.list(part=status) answers with each status in turn (the last one again and again)."""
    answers = list(statuses)

    def answer(seen: Seen) -> Answer:
        status = answers.pop(0) if len(answers) > 1 else answers[0]
        return 200, {}, {"kind": "youtube#videoListResponse", "items": [{"kind": "youtube#video", "id": VIDEO_ID,
                                                                          "status": status}]}  # fmt: skip

    fake.routes[("GET", "/youtube/v3/videos")] = answer


# What videos.list says of a scheduled video: private with publishAt until YouTube makes it public.
SCHEDULED = {"uploadStatus": "processed", "privacyStatus": "private", "publishAt": "2027-03-02T14:00:00Z"}
PUBLISHED = {"uploadStatus": "processed", "privacyStatus": "public"}


def test_confirm_published(tmp_path: Path, fake: FakeYouTube) -> None:
    status_route(fake, SCHEDULED, PUBLISHED)
    adapter = make(tmp_path, clock=FakeClock(DUE + timedelta(hours=2)))
    still = adapter.confirm_published(VIDEO_ID)
    assert isinstance(still, NotPublic) and "still private after its publish time" in still.reason
    assert adapter.confirm_published(VIDEO_ID) is True
    assert fake.seen[-1].query["part"] == "status" and fake.seen[-1].query["id"] == VIDEO_ID
    fake.routes[("GET", "/youtube/v3/videos")] = lambda s: (200, {}, {"items": []})
    with pytest.raises(PermanentError, match="is not on YouTube"):
        adapter.confirm_published(VIDEO_ID)


AUDIT_FORM = "https://support.google.com/youtube/contact/yt_api_form"


@pytest.mark.parametrize(
    ("status", "audited", "words"),
    [
        # processed, private after publishAt: what a video YouTube locked looks like (no API field says so)
        (SCHEDULED, "unknown", ["still private after its publish time", "not passed YouTube's API audit",
                                "'locked as private'", AUDIT_FORM, "set audited: true"]),
        (SCHEDULED, False, ["not passed YouTube's API audit", AUDIT_FORM]),
        ({"uploadStatus": "processed", "privacyStatus": "private"}, "unknown", ["not passed YouTube's API audit"]),
        (SCHEDULED, True, ["although the project passed YouTube's audit", "'Visibility' and 'Restrictions'"]),
        ({"uploadStatus": "uploaded", "privacyStatus": "private", "publishAt": "2027-03-02T14:00:00Z"}, "unknown",
         ["has not finished processing video"]),
        ({"uploadStatus": "processed", "privacyStatus": "private", "publishAt": "2027-03-09T14:00:00Z"}, "unknown",
         ["now scheduled for 2027-03-09T14:00:00Z", "changed in YouTube Studio"]),
        ({"uploadStatus": "processed", "privacyStatus": "unlisted"}, "unknown", ["is unlisted"]),
    ],
    ids=["locked-unknown", "locked-not-audited", "locked-no-publish-at", "audited", "processing", "rescheduled",
         "unlisted"],
)  # fmt: skip
def test_a_video_still_private_says_the_likely_reason(
    tmp_path: Path, fake: FakeYouTube, status: dict[str, Any], audited: bool | str, words: list[str]
) -> None:
    status_route(fake, status)
    adapter = make(tmp_path, clock=FakeClock(DUE + timedelta(hours=2)), audited=audited)
    answer = adapter.confirm_published(VIDEO_ID)
    assert isinstance(answer, NotPublic)
    assert answer.reason.startswith(f"YouTube 'cafe': video {VIDEO_ID}") or "processing video" in answer.reason
    for word in words:
        assert word in answer.reason
    if audited is True or status.get("uploadStatus") == "uploaded":
        assert "audit at" not in answer.reason  # nothing blames the audit when it passed, or for processing


def test_unlisted_uploads_are_out_when_unlisted(tmp_path: Path, fake: FakeYouTube) -> None:
    status_route(fake, {"uploadStatus": "processed", "privacyStatus": "unlisted"})
    assert make(tmp_path, privacy_after_publish="unlisted").confirm_published(VIDEO_ID) is True
    status_route(fake, {"uploadStatus": "processed", "privacyStatus": "private"})
    locked = make(tmp_path, privacy_after_publish="unlisted").confirm_published(VIDEO_ID)
    assert isinstance(locked, NotPublic) and "not passed YouTube's API audit" in locked.reason


def test_the_audit_setting_caveats_and_check(tmp_path: Path, fake: FakeYouTube) -> None:
    unknown = make(tmp_path)
    assert unknown.settings.audited == "unknown"
    (caveat,) = unknown.caveats()
    assert "audited: unknown" in caveat.message and "28 July 2020" in caveat.message
    assert AUDIT_FORM in caveat.fix and "accounts.youtube.cafe" in caveat.fix
    (no,) = make(tmp_path, audited=False).caveats()
    assert "has not passed YouTube's API audit" in no.message
    assert make(tmp_path, audited=True).caveats() == []
    assert make(tmp_path, audited="true").settings.audited is True  # YAML written as a string
    with pytest.raises(ValueError, match="audited"):
        make(tmp_path, audited="perhaps")
    channels_route(fake, [{"kind": "youtube#channel", "id": CHANNEL, "snippet": {"title": "Café Rivière"}}])
    assert make(tmp_path, audited=False).health().details["project audit"] == (
        "not passed: YouTube keeps every upload private"
    )
    assert make(tmp_path, audited=True).health().details["project audit"] == "passed"
    assert isinstance(caveat, Caveat)


# --- quota --------------------------------------------------------------------------------------


def test_next_reset_is_pacific_midnight() -> None:
    assert next_reset(datetime(2027, 3, 2, 12, 0, tzinfo=UTC)) == datetime(2027, 3, 3, 8, 0, tzinfo=UTC)  # PST
    assert next_reset(datetime(2027, 7, 2, 6, 59, tzinfo=UTC)) == datetime(2027, 7, 2, 7, 0, tzinfo=UTC)  # PDT


def test_upload_refused_when_the_budget_is_spent(tmp_path: Path, fake: FakeYouTube) -> None:
    adapter = make(tmp_path, daily_quota=10_000, upload_units=1600)
    for _ in range(6):
        adapter.quota.spend(NOW, "videos.insert", units=1600, uploads=1)
    with pytest.raises(RateLimited, match="needs about 1,600 quota units and only 400 of 10,000") as caught:
        adapter.publish(post(tmp_path))
    assert caught.value.retry_at == datetime(2027, 3, 3, 8, 0, tzinfo=UTC)
    assert fake.seen == []
    uploads = make(tmp_path, daily_uploads=6)
    with pytest.raises(RateLimited, match="6 uploads today already"):
        uploads.publish(post(tmp_path))
    # the next Pacific day starts afresh
    tomorrow = make(tmp_path, clock=FakeClock(datetime(2027, 3, 3, 8, 0, tzinfo=UTC)), upload_units=1600)
    assert tomorrow.publish(post(tmp_path)).remote_id == VIDEO_ID


def test_quota_exceeded_from_youtube(tmp_path: Path, fake: FakeYouTube) -> None:
    fake.routes[("POST", "/upload/youtube/v3/videos")] = lambda s: (
        403,
        {},
        error_body(
            403,
            "quotaExceeded",
            "The request cannot be completed because you have exceeded your quota.",
            "youtube.quota",
        ),
    )
    with pytest.raises(RateLimited, match="daily YouTube quota is used up") as caught:
        make(tmp_path).publish(post(tmp_path))
    assert caught.value.retry_at == datetime(2027, 3, 3, 8, 0, tzinfo=UTC)
    fake.routes[("POST", "/upload/youtube/v3/videos")] = lambda s: (
        400,
        {},
        error_body(400, "uploadLimitExceeded", "The user has exceeded the number of videos they may upload."),
    )
    with pytest.raises(RateLimited, match="uploaded as many videos as YouTube allows") as limited:
        make(tmp_path).publish(post(tmp_path))
    assert limited.value.retry_at == NOW + timedelta(hours=24)


@pytest.mark.parametrize(
    ("status", "reason", "kind", "words"),
    [
        (400, "invalidTitle", ContentRejected, "rejected it (400). YouTube said: Nope. [invalidTitle]"),
        (400, "invalidCategoryId", ContentRejected, "invalidCategoryId"),
        (403, "forbidden", AuthError, "lacks a permission"),
        (403, "insufficientPermissions", AuthError, "youtube.upload"),
        (401, "authError", AuthError, "Reconnect with: socialpost accounts add youtube cafe"),
        (503, "backendError", TransientError, "YouTube failed (503)"),
        (429, "rateLimitExceeded", RateLimited, "slow down"),
    ],
)
def test_errors_are_mapped(
    tmp_path: Path, fake: FakeYouTube, status: int, reason: str, kind: type[Exception], words: str
) -> None:
    fake.routes[("POST", "/upload/youtube/v3/videos")] = lambda s: (status, {}, error_body(status, reason, "Nope."))
    with pytest.raises(kind, match=re.escape(words)) as caught:
        make(tmp_path).publish(post(tmp_path))
    if kind is ContentRejected or kind is AuthError:
        assert not isinstance(caught.value, TransientError)


def test_server_error_mid_upload_keeps_the_session(tmp_path: Path, fake: FakeYouTube) -> None:
    calls = 0

    def once(seen: Seen) -> Answer:
        nonlocal calls
        calls += 1
        return 503, {}, error_body(503, "backendError", "Backend Error", "global")

    original = fake._session
    fake._session = lambda s: once(s) if "bytes */" not in s.headers["content-range"] and calls == 0 else original(s)  # type: ignore[method-assign]
    with pytest.raises(TransientError, match="YouTube failed \\(503\\)"):
        make(tmp_path).publish(post(tmp_path))
    assert make(tmp_path).publish(post(tmp_path)).remote_id == VIDEO_ID


def test_token_refresh_failure_is_auth_error(
    tmp_path: Path, fake: FakeYouTube, caplog: pytest.LogCaptureFixture
) -> None:
    fake.token_answer = (400, {}, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as caught:
        make(tmp_path).publish(post(tmp_path))
    text = str(caught.value)
    assert "invalid_grant" in text and "reconnect with: socialpost accounts add youtube cafe" in text.lower()
    for secret in (REFRESH, CLIENT_SECRET):
        assert secret not in text and secret not in caplog.text


def test_connection_refused_is_transient(tmp_path: Path, fake: FakeYouTube) -> None:
    fake.fail = lambda s: ConnectionRefusedError(111, "Connection refused") if "token" not in s.uri else None
    with pytest.raises(TransientError, match="cannot reach YouTube") as caught:
        make(tmp_path).health()
    assert caught.value.request_sent is False


# --- statistics and comments ---------------------------------------------------------------------


def test_statistics_batched_by_fifty(tmp_path: Path, fake: FakeYouTube) -> None:
    def stats(seen: Seen) -> Answer:
        ids = seen.query["id"].split(",")
        items = [
            {"kind": "youtube#video", "id": i, "statistics": {"viewCount": "1200", "likeCount": "34",
                                                              "favoriteCount": "0", "commentCount": "5"}}
            for i in ids if i != "gone"
        ]  # fmt: skip
        if "v0" in ids:  # likes hidden, comments off
            items[0]["statistics"] = {"viewCount": "7", "favoriteCount": "0"}
        return 200, {}, {"kind": "youtube#videoListResponse", "items": items}

    fake.routes[("GET", "/youtube/v3/videos")] = stats
    ids = [f"v{i}" for i in range(119)] + ["gone"]
    adapter = make(tmp_path)
    metrics = adapter.fetch_metrics(ids)
    calls = [s for s in fake.seen if s.path == "/youtube/v3/videos"]
    assert [len(s.query["id"].split(",")) for s in calls] == [50, 50, 20]
    assert all(s.query["part"] == "statistics" for s in calls)
    assert metrics["v5"] == {
        "views": 1200, "likes": 34, "replies": 5, "reposts": None, "quotes": None, "bookmarks": None, "clicks": None,
    }  # fmt: skip
    assert metrics["v0"]["likes"] is None and metrics["v0"]["replies"] is None and metrics["v0"]["views"] == 7
    assert "gone" not in metrics
    assert json.loads(adapter.quota.path.read_text())["days"]["2027-03-02"]["units"] == 3


def test_comments_and_replies(tmp_path: Path, fake: FakeYouTube) -> None:
    def threads(seen: Seen) -> Answer:
        page = seen.query.get("pageToken")
        item = {
            "kind": "youtube#commentThread",
            "id": "UgzThread" + ("2" if page else "1"),
            "snippet": {
                "channelId": CHANNEL,
                "videoId": VIDEO_ID,
                "topLevelComment": {
                    "kind": "youtube#comment",
                    "id": "UgzComment" + ("2" if page else "1"),
                    "snippet": {
                        "authorDisplayName": "Marie",
                        "authorChannelId": {"value": "UCmarie"},
                        "textDisplay": "Quand ouvrez-vous ?",
                        "textOriginal": "Quand ouvrez-vous ?",
                        "likeCount": 2,
                        "publishedAt": "2027-03-02T15:04:05Z",
                    },
                },
                "canReply": True,
                "totalReplyCount": 0,
                "isPublic": True,
            },
        }
        body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "items": [item]}
        if not page:
            body["nextPageToken"] = "QURTSl9p"
        return 200, {}, body

    fake.routes[("GET", "/youtube/v3/commentThreads")] = threads
    fake.routes[("POST", "/youtube/v3/comments")] = lambda s: (
        200,
        {},
        {"kind": "youtube#comment", "id": "UgzComment1.reply9", "snippet": {
            "videoId": VIDEO_ID, "parentId": "UgzComment1", "textOriginal": s.json["snippet"]["textOriginal"]}},
    )  # fmt: skip
    adapter = make(tmp_path)
    comments = adapter.fetch_comments(VIDEO_ID)
    assert [c.id for c in comments] == ["UgzComment1", "UgzComment2"]
    first = comments[0]
    assert first.author == "Marie" and first.author_channel_id == "UCmarie" and first.text == "Quand ouvrez-vous ?"
    assert first.published_at == datetime(2027, 3, 2, 15, 4, 5, tzinfo=UTC) and first.like_count == 2
    assert first.url == f"https://www.youtube.com/watch?v={VIDEO_ID}&lc=UgzComment1"
    listing = [s for s in fake.seen if "commentThreads" in s.path]
    assert listing[0].query["videoId"] == VIDEO_ID and listing[0].query["part"] == "snippet"
    assert listing[1].query["pageToken"] == "QURTSl9p"
    reply = adapter.reply("UgzComment1", "Samedi à 8 h !")
    assert reply == Published("UgzComment1.reply9", f"https://www.youtube.com/watch?v={VIDEO_ID}&lc=UgzComment1.reply9")
    sent = next(s for s in fake.seen if s.path == "/youtube/v3/comments")
    assert sent.query["part"] == "snippet"
    assert sent.json == {"snippet": {"parentId": "UgzComment1", "textOriginal": "Samedi à 8 h !"}}
    assert json.loads(adapter.quota.path.read_text())["days"]["2027-03-02"]["units"] == 2 + 50
    fake.routes[("POST", "/youtube/v3/comments")] = lambda s: (
        403, {}, error_body(403, "commentsDisabled", "Comments are disabled.", "youtube.commentThread"))  # fmt: skip
    with pytest.raises(ContentRejected, match="commentsDisabled"):
        adapter.reply("UgzComment1", "hello")


# --- account ------------------------------------------------------------------------------------


def channels_route(fake: FakeYouTube, items: list[dict[str, Any]]) -> None:
    fake.routes[("GET", "/youtube/v3/channels")] = lambda s: (
        200,
        {},
        {"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": len(items)}, "items": items},
    )


def test_check_shows_channel_and_quota(tmp_path: Path, fake: FakeYouTube) -> None:
    channels_route(fake, [{"kind": "youtube#channel", "id": CHANNEL, "snippet": {"title": "Café Rivière"}}])
    adapter = make(tmp_path)
    adapter.quota.spend(NOW, "thumbnails.set", units=50)
    identity = adapter.health()
    assert identity.display == f"Café Rivière (https://www.youtube.com/channel/{CHANNEL})"
    assert identity.details["quota left today (estimate)"] == "9,949 of 10,000 units; 100 of 100 uploads"
    assert identity.details["quota resets"] == "2027-03-03T08:00:00Z (midnight Pacific time)"
    assert fake.seen[-1].query == {"part": "snippet", "id": CHANNEL, "alt": "json"}
    assert fake.timeout == 60.0


def test_settings_validation_and_repr_hide_secrets(tmp_path: Path) -> None:
    adapter = make(tmp_path)
    assert REFRESH not in repr(adapter.settings) and CLIENT_SECRET not in repr(adapter.settings)
    with pytest.raises(ValueError, match="multiple of 262144"):
        make(tmp_path, chunk_size=300_000)
    assert make(tmp_path, upload_ahead="90m").lead_time() == timedelta(minutes=90)
    assert adapter.lead_time() == timedelta(hours=2)


@pytest.fixture
def token_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    with LocalServer() as server:
        monkeypatch.setattr("socialpost.networks.youtube.setup.TOKEN_URL", server.url + "/token")
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the local token endpoint is http
        yield server


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from importlib.metadata import EntryPoint

    real = registry.available
    real.cache_clear()
    found = dict(real())
    found["youtube"] = EntryPoint(
        name="youtube", value="socialpost.networks.youtube:YouTubeNetwork", group=registry.GROUP
    )
    monkeypatch.setattr(registry, "available", lambda: found)
    yield
    real.cache_clear()


def test_accounts_add_youtube_through_the_loopback_redirect(
    tmp_path: Path, fake: FakeYouTube, token_server: LocalServer, registered: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_server.respond(
        Reply(200, {"access_token": ACCESS, "expires_in": 3599, "refresh_token": REFRESH,
                    "scope": " ".join(SCOPES_ALL), "token_type": "Bearer"})
    )  # fmt: skip
    channels_route(
        fake,
        [
            {"kind": "youtube#channel", "id": CHANNEL, "snippet": {"title": "Café Rivière"}},
            {"kind": "youtube#channel", "id": "UCother", "snippet": {"title": "Café Rivière — English"}},
        ],
    )
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    visited: list[int] = []
    shown: list[str] = []

    def browser(self: ClickUI, url: str) -> None:
        shown.append(url)
        query = parse_qs(urlsplit(url).query)

        def visit() -> None:  # what the browser does once the person allowed access
            target = f"{query['redirect_uri'][0]}?state={query['state'][0]}&code={CODE}&scope={'+'.join(SCOPES_ALL)}"
            with urllib.request.urlopen(target, timeout=10) as answer:
                visited.append(answer.status)

        threading.Thread(target=visit, daemon=True).start()

    monkeypatch.setattr(ClickUI, "open_url", browser)
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "accounts", "add", "youtube", "cafe"],
        obj=AppContext(),
        input=f"2\n1234-abc.apps.googleusercontent.com\n{CLIENT_SECRET}\n1\n",  # 2: not audited yet
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert visited == [200]
    query = parse_qs(urlsplit(shown[0]).query)
    assert query["scope"] == [" ".join(SCOPES_ALL)]
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    exchange = {k: v[0] for k, v in parse_qs(token_server.requests[0].body.decode()).items()}
    assert exchange["grant_type"] == "authorization_code" and exchange["code"] == CODE
    assert exchange["redirect_uri"] == query["redirect_uri"][0] and exchange["code_verifier"]  # PKCE
    basic = token_server.requests[0].headers["Authorization"].removeprefix("Basic ")
    assert base64.b64decode(basic).decode() == f"1234-abc.apps.googleusercontent.com:{CLIENT_SECRET}"
    listed = next(s for s in fake.seen if s.path == "/youtube/v3/channels")
    assert listed.query["mine"] == "true" and listed.headers["authorization"] == f"Bearer {ACCESS}"
    assert "Connected youtube:cafe: Café Rivière" in result.stdout
    # the audit is explained before anything is asked, and the answer kept
    said = " ".join(result.stdout.split())
    assert said.index("locked as private") < said.index("Client ID: ")
    assert "https://support.google.com/youtube/contact/yt_api_form" in said
    assert "Has this project passed YouTube's API audit" in said
    text = config.read_text(encoding="utf-8")
    assert f"channel_id: {CHANNEL}" in text and "client_id: 1234-abc.apps.googleusercontent.com" in text
    assert "audited: false" in text
    secrets_file = tmp_path / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    stored = secrets_file.read_text(encoding="utf-8")
    assert REFRESH in stored and CLIENT_SECRET in stored
    for secret in (REFRESH, CLIENT_SECRET, ACCESS, CODE):
        assert secret not in result.stdout + result.stderr and secret not in text


def test_accounts_add_youtube_refused_grant_saves_nothing(
    tmp_path: Path, fake: FakeYouTube, token_server: LocalServer, registered: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_server.respond(
        Reply(401, {"error": "invalid_client", "error_description": "The OAuth client was not found."})
    )
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")

    def browser(self: ClickUI, url: str) -> None:
        query = parse_qs(urlsplit(url).query)
        target = f"{query['redirect_uri'][0]}?state={query['state'][0]}&code={CODE}"
        threading.Thread(target=lambda: urllib.request.urlopen(target, timeout=10).close(), daemon=True).start()

    monkeypatch.setattr(ClickUI, "open_url", browser)
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "accounts", "add", "youtube", "cafe"],
        obj=AppContext(),
        input=f"1\n1234-abc.apps.googleusercontent.com\n{CLIENT_SECRET}\n",
    )
    assert result.exit_code == 1
    assert "Google did not grant access (invalid_client" in result.stderr
    assert CLIENT_SECRET not in result.stdout + result.stderr
    assert not (tmp_path / "secrets.yaml").exists() and "cafe" not in config.read_text(encoding="utf-8")


def test_no_secret_or_session_in_logs_or_state_messages(
    tmp_path: Path, fake: FakeYouTube, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        make(tmp_path).publish(post(tmp_path))
    assert caplog.records
    for secret in (ACCESS, REFRESH, CLIENT_SECRET, "upload_id=ADPycdv"):
        assert secret not in caplog.text
