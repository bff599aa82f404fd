"""The LinkedIn adapter: the real httpx client runs against a LinkedIn that enforces what the real
one does (``tests/support/linkedin.py``: version headers and their sunset, the Rest.li protocol
header, tokens, images PROCESSING before AVAILABLE, duplicates, throttling), with bodies and
headers shaped like LinkedIn's documented answers; the OAuth set-up runs through the CLI with a real
loopback redirect."""

from __future__ import annotations

import json
import logging
import socket
import stat
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
import respx
from click.testing import CliRunner
from PIL import Image

from socialpost.cli import cli
from socialpost.cli.accounts import ClickUI
from socialpost.cli.context import AppContext
from socialpost.errors import (
    AccessTierError,
    AuthError,
    ContentRejected,
    DuplicatePost,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.networks.base import Media, NotSent, OutgoingPost, Published
from socialpost.networks.common.oauth_loopback import LoopbackReceiver, parse_redirect
from socialpost.networks.linkedin import API_VERSIONS, LinkedInNetwork, LinkedInSettings, escape_commentary
from socialpost.settings.config import Settings
from socialpost.wiring import Adapters
from tests.conftest import FakeClock
from tests.support import posts
from tests.support.linkedin import FakeLinkedIn, Grant, Organization

API = "https://api.linkedin.com"
TOKEN = "AQVli-access-T0KEN-s3cr3t-0123456789abcdef"
PERSON = "urn:li:person:782bbtaQ"
ORG = "urn:li:organization:2414183"
SHARE = "urn:li:share:7141138937766391808"
DUE = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)
SCOPES = frozenset(
    {
        "openid",
        "profile",
        "w_member_social",
        "r_member_postAnalytics",
        "w_organization_social",
        "r_organization_social",
        "rw_organization_admin",
    }
)
NAME = {"name": "Marie Tremblay", "given_name": "Marie", "family_name": "Tremblay"}


def outgoing(text: str = "Du nouveau au café ☕", **more: Any) -> OutgoingPost:
    return posts.outgoing("linkedin:acme", text, due_at=DUE, **more)


@pytest.fixture
def linkedin(clock: FakeClock) -> FakeLinkedIn:
    """LinkedIn as it is on the test clock's day: the 12 months up to it served, older ones retired."""
    fake = FakeLinkedIn(
        today=lambda: clock().date(),
        tokens={TOKEN: Grant(PERSON, SCOPES)},
        organizations=[Organization(2414183, "Café Acme", "cafe-acme", admins={PERSON})],
    )
    fake.userinfo_extra = dict(NAME)
    return fake


@pytest.fixture
def api(linkedin: FakeLinkedIn) -> Iterator[respx.MockRouter]:
    """Every request to LinkedIn's API and upload hosts goes to ``linkedin``; nothing reaches the
    internet (LinkedIn's OAuth endpoint is added as a route by the set-up tests)."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        linkedin.mount(router)
        yield router


class Waits:
    """The adapter's sleep and monotonic clock while it waits for images: it never really sleeps."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.now = 1000.0

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def waits() -> Waits:
    return Waits()


def make(settings: Settings, clock: FakeClock, waits: Waits | None = None, **more: Any) -> LinkedInNetwork:
    values = {"author": PERSON, "access_token": TOKEN, **more}
    settings.accounts = {"linkedin": {"acme": values}}
    adapter = Adapters(settings, clock=clock).get("linkedin:acme")
    assert isinstance(adapter, LinkedInNetwork)
    if waits is not None:
        adapter.sleep, adapter.monotonic = waits.sleep, waits.monotonic
    return adapter


@pytest.fixture
def member(settings: Settings, clock: FakeClock, waits: Waits) -> Iterator[LinkedInNetwork]:
    adapter = make(settings, clock, waits)
    yield adapter
    adapter.close()


@pytest.fixture
def organization(settings: Settings, clock: FakeClock, waits: Waits) -> Iterator[LinkedInNetwork]:
    adapter = make(settings, clock, waits, author=ORG)
    yield adapter
    adapter.close()


def created(urn: str = SHARE) -> httpx.Response:
    return httpx.Response(201, headers={"x-restli-id": urn, "x-linkedin-id": urn})


# --- commentary -------------------------------------------------------------------------------------


def test_every_reserved_character_is_escaped_and_links_stay_intact() -> None:
    text = r"a\b|c{d}e@f[g]h(i)j<k>l#m*n_o~p https://example.com/a_b(c)~d?e=#x fin #Café #2027 x#y"
    expected = (
        r"a\\b\|c\{d\}e\@f\[g\]h\(i\)j\<k\>l\#m\*n\_o\~p https://example.com/a_b(c)~d?e=#x fin "
        r"{hashtag|\#|Café} \#2027 x\#y"
    )
    assert escape_commentary(text) == expected


def test_escaping_leaves_plain_text_alone() -> None:
    assert escape_commentary("Bonjour, ça va ? 100 % ! 🎉") == "Bonjour, ça va ? 100 % ! 🎉"
    assert escape_commentary("#my_tag") == r"{hashtag|\#|my\_tag}"


# --- publish ----------------------------------------------------------------------------------------


def test_text_post_request_is_exactly_as_documented(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    published = member.publish(
        outgoing("Lancement (enfin) : voir https://example.com/x_y #Printemps", thread=("2/2 @tous",))
    )
    (urn,) = linkedin.posts
    assert published == Published(urn, f"https://www.linkedin.com/feed/update/{urn}")
    request = linkedin.last("POST", "/rest/posts")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["linkedin-version"] == "202612"  # last month, on the test clock's 2027-01-10
    assert request.headers["x-restli-protocol-version"] == "2.0.0"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "author": PERSON,
        "commentary": "Lancement \\(enfin\\) : voir https://example.com/x_y {hashtag|\\#|Printemps}\n\n2/2 \\@tous",
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }


def image(path: Path, fmt: str = "PNG", size: tuple[int, int] = (8, 6)) -> Path:
    Image.new("RGB", size, (200, 100, 50)).save(path, fmt)
    return path


def test_one_image_with_alt_text_is_posted_once_linkedin_has_processed_it(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, tmp_path: Path, waits: Waits
) -> None:
    photo = image(tmp_path / "a.png")
    member.publish(outgoing("Photo", media=(Media(str(photo), "Un sac de café"),)))
    (urn,) = linkedin.images
    init = linkedin.last("POST", "/rest/images")
    assert init.url.params["action"] == "initializeUpload"
    assert json.loads(init.content) == {"initializeUploadRequest": {"owner": PERSON}}
    assert init.headers["linkedin-version"] == "202612"
    (put,) = [r for r in linkedin.requests if r.method == "PUT"]
    assert put.content == photo.read_bytes()
    assert put.headers["content-type"] == "image/png"
    assert linkedin.images[urn].content == photo.read_bytes()
    # polled (with the version header) until AVAILABLE, then posted: PROCESSING twice, sleeping in between
    polls = linkedin.calls("GET", f"/rest/images/{urn}")
    assert len(polls) == 3 and all(p.headers["linkedin-version"] == "202612" for p in polls)
    assert waits.slept == [0.5, 1.0]
    methods = [
        (r.method, r.url.path.split("/")[2] if r.url.host == "api.linkedin.com" else "upload")
        for r in linkedin.requests
    ]
    assert methods == [
        ("POST", "images"),
        ("PUT", "upload"),
        ("GET", "images"),
        ("GET", "images"),
        ("GET", "images"),
        ("POST", "posts"),
    ]
    (post,) = linkedin.posts.values()
    assert post["content"] == {"media": {"id": urn, "altText": "Un sac de café"}}
    assert json.loads(linkedin.last("POST", "/rest/posts").content)["content"] == post["content"]


def test_several_images_use_multi_image(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, tmp_path: Path
) -> None:
    files = (Media(str(image(tmp_path / "a.jpg", "JPEG")), "first"), Media(str(image(tmp_path / "b.gif", "GIF")), ""))
    member.publish(outgoing("Deux", media=files))
    first, second = linkedin.images
    assert [i.status for i in linkedin.images.values()] == ["AVAILABLE", "AVAILABLE"]
    (post,) = linkedin.posts.values()
    assert post["content"] == {"multiImage": {"images": [{"id": first, "altText": "first"}, {"id": second}]}}
    assert [r.headers["content-type"] for r in linkedin.requests if r.method == "PUT"] == ["image/jpeg", "image/gif"]


def test_the_server_refuses_a_post_naming_an_image_still_processing(
    api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    """What the adapter waits for: LinkedIn refuses an image that is not AVAILABLE yet."""
    headers = {"Authorization": f"Bearer {TOKEN}", "LinkedIn-Version": "202612", "X-Restli-Protocol-Version": "2.0.0"}
    with httpx.Client(base_url=API, headers=headers) as client:
        value = client.post(
            "/rest/images", params={"action": "initializeUpload"}, json={"initializeUploadRequest": {"owner": PERSON}}
        ).json()["value"]
        assert client.put(value["uploadUrl"], content=b"\x89PNG").status_code == 201
        body = {
            "author": PERSON,
            "commentary": "trop tôt",
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED"},
            "lifecycleState": "PUBLISHED",
            "content": {"media": {"id": value["image"]}},
        }
        refused = client.post("/rest/posts", json=body)
        assert refused.status_code == 400 and "not in AVAILABLE state: PROCESSING" in refused.json()["message"]
        assert not linkedin.posts


def test_media_linkedin_cannot_take(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(ContentRejected, match="cannot be used"):  # not an image: socialpost.media's neutral words
        member.publish(outgoing("x", media=(Media(str(text), ""),)))
    bmp = image(tmp_path / "a.bmp", "BMP")
    with pytest.raises(ContentRejected, match="JPEG, PNG or GIF"):
        member.publish(outgoing("x", media=(Media(str(bmp), ""),)))
    png = image(tmp_path / "a.png")
    with pytest.raises(ContentRejected, match="at most 20"):
        member.publish(outgoing("x", media=tuple(Media(str(png), "") for _ in range(21))))
    with pytest.raises(ContentRejected, match="cannot be used"):
        member.publish(outgoing("x", media=(Media(str(tmp_path / "gone.png"), ""),)))
    with pytest.raises(ContentRejected, match="escaped; LinkedIn takes at most 3,000"):
        member.publish(outgoing("_" * 1600))  # 1,600 characters, 3,200 once escaped
    assert not linkedin.requests


def test_failed_image_upload_is_safe_to_retry(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, tmp_path: Path
) -> None:
    linkedin.on("POST", "/rest/images", httpx.Response(500, json={"message": "Internal Server Error", "status": 500}))
    with pytest.raises(TransientError) as caught:
        member.publish(outgoing("x", media=(Media(str(image(tmp_path / "a.png")), ""),)))
    assert caught.value.request_sent is False
    assert not linkedin.posts


def test_an_image_upload_that_times_out_left_no_post_so_the_retry_is_safe(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, tmp_path: Path
) -> None:
    """A read timeout means "maybe sent", but an upload nobody sees yet never makes a post."""

    def slow(_request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow")

    linkedin.on("POST", "/rest/images", slow)
    with pytest.raises(TransientError) as caught:
        member.publish(outgoing("x", media=(Media(str(image(tmp_path / "a.png")), ""),)))
    assert caught.value.request_sent is False
    assert "no answer within 30 s" in caught.value.message
    assert not linkedin.posts


def test_processing_that_fails_is_a_clear_failure_and_nothing_is_posted(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, tmp_path: Path
) -> None:
    photo = image(tmp_path / "a.png")
    linkedin.processing_fails = True
    with pytest.raises(ContentRejected) as caught:
        member.publish(outgoing("Photo", media=(Media(str(photo), ""),)))
    assert "could not process the image a.png (PROCESSING_FAILED); nothing was posted" in caught.value.message
    assert "socialpost retry" in str(caught.value.hint)
    assert not linkedin.posts
    # the failed upload is forgotten: sending again uploads the image afresh
    linkedin.processing_fails = False
    member.publish(outgoing("Photo", media=(Media(str(photo), ""),)))
    assert len(linkedin.images) == 2 and len(linkedin.posts) == 1


def test_an_image_still_processing_after_the_deadline_is_transient_and_the_retry_reuses_it(
    settings: Settings,
    clock: FakeClock,
    api: respx.MockRouter,
    linkedin: FakeLinkedIn,
    tmp_path: Path,
    waits: Waits,
) -> None:
    photo = image(tmp_path / "a.png")
    linkedin.processing_polls = 10_000  # LinkedIn is slow today
    adapter = make(settings, clock, waits)
    post = outgoing("Photo", media=(Media(str(photo), "alt"),))
    with pytest.raises(TransientError) as caught:
        adapter.publish(post)
    assert caught.value.request_sent is False
    assert "still processing a.png after 60 s; nothing was posted" in caught.value.message
    assert sum(waits.slept) <= 60 and waits.slept[:4] == [0.5, 1.0, 2.0, 4.0] and max(waits.slept) == 5.0
    assert not linkedin.posts
    (urn,) = linkedin.images
    record = settings.data_dir / "linkedin" / "acme" / "uploads" / f"{post.key}.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert json.loads(record.read_text())["images"]["0"]["urn"] == urn

    # later (another daemon run: a new adapter), LinkedIn has finished: no second upload
    linkedin.processing_polls = 0
    again = make(settings, clock, Waits())
    published = again.publish(post)
    assert list(linkedin.images) == [urn]
    assert len(linkedin.calls("POST", "/rest/images")) == 1
    assert len([r for r in linkedin.requests if r.method == "PUT"]) == 1
    assert linkedin.posts[published.remote_id]["content"] == {"media": {"id": urn, "altText": "alt"}}
    assert not record.exists()  # done: nothing left to resume


def test_a_changed_image_is_uploaded_again_on_retry(
    settings: Settings, clock: FakeClock, api: respx.MockRouter, linkedin: FakeLinkedIn, tmp_path: Path
) -> None:
    photo = image(tmp_path / "a.png")
    linkedin.processing_polls = 10_000
    post = outgoing("Photo", media=(Media(str(photo), ""),))
    with pytest.raises(TransientError):
        make(settings, clock, Waits()).publish(post)
    image(photo, size=(9, 7))  # the user replaced the file before the retry
    linkedin.processing_polls = 0
    make(settings, clock, Waits()).publish(post)
    first, second = linkedin.images
    assert linkedin.images[second].content == photo.read_bytes() != linkedin.images[first].content
    (sent,) = linkedin.posts.values()
    assert sent["content"]["media"]["id"] == second


# --- API versions -------------------------------------------------------------------------------------


def test_a_retired_pinned_version_moves_to_a_served_one_records_it_and_posts(
    settings: Settings,
    clock: FakeClock,
    api: respx.MockRouter,
    linkedin: FakeLinkedIn,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter = make(settings, clock, Waits(), linkedin_version="202510")
    with caplog.at_level(logging.WARNING, logger="socialpost"):
        text = adapter.publish(outgoing("Texte"))
        photo = adapter.publish(outgoing("Photo", media=(Media(str(image(tmp_path / "a.png")), "alt"),)))
    assert set(linkedin.posts) == {text.remote_id, photo.remote_id}
    # one refusal (LinkedIn processed nothing), then every call on the served version
    assert linkedin.versions_sent()[:2] == ["202510", "202612"]
    assert set(linkedin.versions_sent()[1:]) == {"202612"}
    record = settings.data_dir / "linkedin" / "acme" / "api-version.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    saved = json.loads(record.read_text())
    assert (saved["requested"], saved["refused"], saved["version"]) == ("202510", "202510", "202612")
    (line,) = [r.getMessage() for r in caplog.records if "refused LinkedIn-Version 202510" in r.getMessage()]
    assert "426 NONEXISTENT_VERSION: Requested version 20251001 is not active" in line
    assert "using 202612 from now on" in line and str(record) in line
    assert "linkedin_version 202510 in the config is retired: remove it or set a newer version" in line
    assert TOKEN not in caplog.text

    # the next run starts from the recorded version: LinkedIn never sees 202510 again
    before = len(linkedin.requests)
    again = make(settings, clock, Waits(), linkedin_version="202510")
    again.publish(outgoing("Encore"))
    assert {r.headers["linkedin-version"] for r in linkedin.requests[before:]} == {"202612"}
    status = again.health().api_version
    assert status is not None and (status.version, status.configured, status.refused) == ("202612", "202510", "202510")
    (warning,) = status.warnings()
    assert "no longer serves LinkedIn-Version 202510, which accounts.linkedin.acme.linkedin_version" in warning[0]
    assert "posts still go out" in warning[0]
    assert warning[1].startswith("Remove accounts.linkedin.acme.linkedin_version from your config file")
    assert "e.g. 202612" in warning[1]


def test_a_version_not_out_yet_moves_to_an_older_served_one(
    settings: Settings, clock: FakeClock, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    adapter = make(settings, clock, linkedin_version="202702")  # on 2027-01-10: not released
    adapter.publish(outgoing())
    # newer months are not tried; 202701 comes out on the 15th: the newest served one is 202612
    assert linkedin.versions_sent() == ["202702", "202612"]
    assert len(linkedin.posts) == 1


def test_a_served_pin_is_honoured(
    settings: Settings, clock: FakeClock, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    adapter = make(settings, clock, linkedin_version="202603")
    adapter.publish(outgoing())
    assert linkedin.versions_sent() == ["202603"]
    assert not (settings.data_dir / "linkedin" / "acme" / "api-version.json").exists()


def test_when_linkedin_refuses_every_version_the_search_is_bounded_and_names_the_fix(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    linkedin.withheld = {f"{year}{month:02d}" for year in (2025, 2026, 2027) for month in range(1, 13)}
    with pytest.raises(PermanentError) as caught:
        member.publish(outgoing())
    assert "refused the API version socialpost sent (LinkedIn-Version)" in caught.value.message
    assert "Requested version 20261201 is not active" in caught.value.message
    assert "linkedin_version" in str(caught.value.hint) and API_VERSIONS.docs in str(caught.value.hint)
    assert 2 <= len(linkedin.requests) <= 7  # the version sent, then at most six others
    assert not linkedin.posts


def test_the_default_follows_the_real_calendar(settings: Settings, tmp_path: Path) -> None:
    """Today's real date, no clock of the test's: an account that never sets linkedin_version posts
    on a version LinkedIn serves today."""
    real = FakeLinkedIn(today=date.today, tokens={TOKEN: Grant(PERSON, SCOPES)})
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        real.mount(router)
        settings.accounts = {"linkedin": {"acme": {"author": PERSON, "access_token": TOKEN}}}
        adapter = Adapters(settings).get("linkedin:acme")
        assert isinstance(adapter, LinkedInNetwork)
        waits = Waits()
        adapter.sleep, adapter.monotonic = waits.sleep, waits.monotonic
        adapter.publish(outgoing("Photo", media=(Media(str(image(tmp_path / "a.png")), ""),)))
    assert len(real.posts) == 1
    assert set(real.versions_sent()) == {API_VERSIONS.default(date.today())}
    assert all(real.version_served(v) for v in real.versions_sent())


# --- errors -----------------------------------------------------------------------------------------

DUPLICATE = {
    "errorDetailType": "com.linkedin.common.error.BadRequest",
    "message": f"com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of {SHARE}",
    "errorDetails": {
        "inputErrors": [{"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}]
    },
    "status": 422,
}


def test_duplicate_post_carries_the_existing_urn(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    first = member.publish(outgoing())
    with pytest.raises(DuplicatePost) as caught:
        member.publish(outgoing())
    assert caught.value.existing_id == first.remote_id
    assert caught.value.existing_url == f"https://www.linkedin.com/feed/update/{first.remote_id}"
    assert len(linkedin.posts) == 1
    # LinkedIn's own body, as documented
    linkedin.on("POST", "/rest/posts", httpx.Response(422, json=DUPLICATE))
    with pytest.raises(DuplicatePost) as caught:
        member.publish(outgoing("autre"))
    assert caught.value.existing_id == SHARE


ERRORS = [
    (
        401,
        {"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token"},
        {},
        AuthError,
        ["expired or revoked", "about 60 days", "socialpost accounts add linkedin acme"],
    ),
    (
        403,
        {
            "status": 403,
            "serviceErrorCode": 100,
            "code": "ACCESS_DENIED",
            "message": "Not enough permissions to access: partnerApiPostsExternal.CREATE.20251001",
        },
        {},
        AuthError,
        ["w_member_social (Share on LinkedIn)", "serviceErrorCode 100"],
    ),
    (
        426,
        {"status": 426, "code": "NONEXISTENT_VERSION", "message": "Requested version 20240101 is not active"},
        {},
        PermanentError,
        ["LinkedIn-Version", "Requested version 20240101 is not active"],
    ),
    (
        400,
        {
            "status": 400,
            "code": "VERSION_MISSING",
            "message": "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
        },
        {},
        PermanentError,
        ["linkedin_version"],
    ),
    (
        400,
        {
            "status": 400,
            "serviceErrorCode": 100,
            "code": "INVALID_CONTENT",
            "message": "/commentary :: length exceeds 3000",
        },
        {},
        ContentRejected,
        ["rejected the post (400)", "length exceeds"],
    ),
    (500, {"message": "Internal Server Error", "status": 500}, {}, TransientError, ["LinkedIn failed (500)"]),
    (504, "<html>Gateway Timeout</html>", {}, TransientError, ["LinkedIn failed (504)"]),
    (404, {"status": 404, "message": "Not Found"}, {}, PermanentError, ["author URN"]),
]


@pytest.mark.parametrize(("status", "body", "headers", "expected", "phrases"), ERRORS)
def test_errors_are_mapped(
    member: LinkedInNetwork,
    api: respx.MockRouter,
    linkedin: FakeLinkedIn,
    status: int,
    body: Any,
    headers: dict[str, str],
    expected: type[NetworkError],
    phrases: list[str],
) -> None:
    reply = httpx.Response(status, json=body) if isinstance(body, dict) else httpx.Response(status, text=body)
    linkedin.on("POST", "/rest/posts", reply)
    with pytest.raises(NetworkError) as caught:
        member.publish(outgoing())
    error = caught.value
    assert type(error) is expected and error.status == status
    for phrase in phrases:
        assert phrase in str(error)
    assert TOKEN not in str(error)
    if isinstance(error, TransientError):
        assert error.request_sent is True


def test_a_revoked_or_expired_token_is_an_auth_error(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    linkedin.tokens[TOKEN].revoked = True
    with pytest.raises(AuthError, match="expired or revoked") as caught:
        member.publish(outgoing())
    assert (
        caught.value.status == 401 and "has been revoked by the user (serviceErrorCode 65601)" in caught.value.message
    )
    linkedin.tokens[TOKEN] = Grant(PERSON, SCOPES, expired=True)
    with pytest.raises(AuthError, match="has expired"):
        member.publish(outgoing())
    assert not linkedin.posts


def test_403_for_an_organization_names_its_permission(
    organization: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    linkedin.tokens[TOKEN] = Grant(PERSON, SCOPES - {"w_organization_social"})
    with pytest.raises(AuthError, match="w_organization_social") as caught:
        organization.publish(outgoing())
    assert "Not enough permissions to access: partnerApiPostsExternal.CREATE.20261201" in caught.value.message


def test_429_honours_retry_after_or_waits_an_hour(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, clock: FakeClock
) -> None:
    linkedin.throttle(retry_after="90")
    with pytest.raises(RateLimited) as caught:
        member.publish(outgoing())
    assert caught.value.retry_at == clock() + timedelta(seconds=90)
    assert "APPLICATION DAY limit" in caught.value.message
    linkedin.throttle()
    with pytest.raises(RateLimited) as caught:
        member.publish(outgoing())
    assert caught.value.retry_at == clock() + timedelta(hours=1)
    assert not linkedin.posts
    member.publish(outgoing())  # the quota is back
    assert len(linkedin.posts) == 1


def test_statuses_linkedin_does_not_single_out_are_read_as_every_networks(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    """networks.common.http.classify: a 409 is refused with LinkedIn's own words quoted, a 408 is tried again."""
    linkedin.on("POST", "/rest/posts", httpx.Response(409, json={"status": 409, "message": f"Conflict {TOKEN}"}))
    with pytest.raises(NetworkError) as caught:
        member.publish(outgoing())
    assert type(caught.value) is PermanentError and caught.value.status == 409
    assert "LinkedIn 'acme': the request was rejected (409)" in str(caught.value) and "Conflict" in str(caught.value)
    assert TOKEN not in str(caught.value)
    linkedin.on("POST", "/rest/posts", httpx.Response(408, text="Request Timeout"))
    with pytest.raises(NetworkError) as caught:
        member.publish(outgoing())
    assert type(caught.value) is TransientError and caught.value.status == 408
    assert not linkedin.posts


@pytest.mark.parametrize(
    ("exc", "sent"),
    [(httpx.ConnectError("refused"), False), (httpx.ReadTimeout("slow"), True), (httpx.ReadError("reset"), True)],
)
def test_network_failures_are_transient(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, exc: Exception, sent: bool
) -> None:
    def fail(_request: httpx.Request) -> httpx.Response:
        raise exc

    linkedin.on("POST", "/rest/posts", fail)
    with pytest.raises(TransientError) as caught:
        member.publish(outgoing())
    assert caught.value.request_sent is sent


def test_201_without_an_id_is_an_unknown_outcome(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    linkedin.on("POST", "/rest/posts", httpx.Response(201))
    with pytest.raises(TransientError) as caught:
        member.publish(outgoing())
    assert caught.value.request_sent is True


def test_the_server_enforces_linkedins_headers(api: respx.MockRouter, linkedin: FakeLinkedIn) -> None:
    """A fake that accepts anything proves nothing: this one refuses what LinkedIn refuses."""
    good = {"Authorization": f"Bearer {TOKEN}", "LinkedIn-Version": "202612", "X-Restli-Protocol-Version": "2.0.0"}
    with httpx.Client(base_url=API) as client:

        def ask(**headers: str | None) -> httpx.Response:
            sent = {k: v for k, v in {**good, **headers}.items() if v is not None}
            return client.get(f"/rest/organizations/{ORG.rsplit(':', 1)[1]}", headers=sent)

        assert ask().status_code == 200
        assert ask(**{"LinkedIn-Version": None}).json()["code"] == "VERSION_MISSING"
        retired = ask(**{"LinkedIn-Version": "202512"})  # retired on 2026-12-15
        assert retired.status_code == 426 and retired.json() == {
            "status": 426,
            "code": "NONEXISTENT_VERSION",
            "message": "Requested version 20251201 is not active",
        }
        assert ask(**{"LinkedIn-Version": "202601"}).status_code == 200  # served until 2027-01-15
        assert ask(**{"LinkedIn-Version": "202701"}).status_code == 426  # out on 2027-01-15
        assert ask(**{"X-Restli-Protocol-Version": None}).status_code == 400
        wrong = ask(Authorization="Bearer nope")
        assert wrong.status_code == 401 and wrong.json()["serviceErrorCode"] == 65600
    assert linkedin.served() == [f"2026{m:02d}" for m in range(1, 13)]
    assert linkedin.served(date(2027, 1, 15))[-1] == "202701"


# --- metrics ----------------------------------------------------------------------------------------


def share_stats(**counts: int) -> dict[str, Any]:
    return {
        "uniqueImpressionsCount": 80,
        "clickCount": 7,
        "engagement": 0.05,
        "likeCount": 12,
        "commentCount": 3,
        "shareCount": 1,
        "commentMentionsCount": 0,
        "impressionCount": 120,
        "shareMentionsCount": 0,
        **counts,
    }


def test_organization_metrics(organization: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn) -> None:
    ugc = "urn:li:ugcPost:7000000000000000001"
    missing = "urn:li:share:7000000000000000002"
    linkedin.statistics = {SHARE: share_stats(), ugc: share_stats(likeCount=0)}
    metrics = organization.fetch_metrics([SHARE, ugc, missing])
    assert metrics[SHARE] == {"views": 120, "likes": 12, "replies": 3, "reposts": 1, "clicks": 7}
    assert metrics[ugc]["likes"] == 0
    assert metrics[missing] == dict.fromkeys(("views", "likes", "replies", "reposts", "clicks"))
    url = str(linkedin.last("GET", "/rest/organizationalEntityShareStatistics").url)
    assert "q=organizationalEntity&organizationalEntity=urn%3Ali%3Aorganization%3A2414183" in url
    assert "&shares=List(urn%3Ali%3Ashare%3A7141138937766391808,urn%3Ali%3Ashare%3A7000000000000000002)" in url
    assert "&ugcPosts=List(urn%3Ali%3AugcPost%3A7000000000000000001)" in url


def test_analytics_not_granted_means_none_never_zero(
    organization: LinkedInNetwork,
    member: LinkedInNetwork,
    api: respx.MockRouter,
    linkedin: FakeLinkedIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    linkedin.tokens[TOKEN] = Grant(PERSON, SCOPES - {"rw_organization_admin", "r_member_postAnalytics"})
    linkedin.statistics = {SHARE: share_stats()}
    linkedin.analytics = {SHARE: {"IMPRESSION": 300}}
    none = dict.fromkeys(("views", "likes", "replies", "reposts", "clicks"))
    with caplog.at_level(logging.INFO, logger="socialpost"):
        assert organization.fetch_metrics([SHARE]) == {SHARE: none}
        assert member.fetch_metrics([SHARE]) == {SHARE: none}
    assert member.fetch_metrics([]) == {}
    (line,) = [r for r in caplog.records if "r_member_postAnalytics" in r.getMessage()]
    assert line.levelno == logging.WARNING
    assert "LinkedIn refused the post statistics (403)" in line.getMessage()
    assert "not available" in line.getMessage() and "socialpost accounts add linkedin acme" in line.getMessage()


def test_member_metrics(member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn) -> None:
    linkedin.analytics = {SHARE: {"IMPRESSION": 300, "REACTION": 21, "COMMENT": 4, "RESHARE": 2}}
    assert member.fetch_metrics([SHARE]) == {
        SHARE: {"views": 300, "likes": 21, "replies": 4, "reposts": 2, "clicks": None}
    }
    calls = linkedin.calls("GET", "/rest/memberCreatorPostAnalytics")
    assert len(calls) == 4
    assert "entity=(share:urn%3Ali%3Ashare%3A7141138937766391808)" in str(calls[-1].url)


def test_metrics_auth_failure_is_raised(member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn) -> None:
    linkedin.tokens[TOKEN].revoked = True
    with pytest.raises(AuthError):
        member.fetch_metrics([SHARE])


# --- reconcile --------------------------------------------------------------------------------------


def a_post(urn: str, commentary: str, at: datetime) -> dict[str, Any]:
    ms = int(at.timestamp() * 1000)
    return {
        "id": urn,
        "author": ORG,
        "commentary": commentary,
        "createdAt": ms,
        "publishedAt": ms,
        "lastModifiedAt": ms,
        "lifecycleState": "PUBLISHED",
        "visibility": "PUBLIC",
    }


def test_organization_reconcile(organization: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn) -> None:
    linkedin.posts = {SHARE: a_post(SHARE, r"Promo \(‑20 %\)", DUE + timedelta(seconds=4))}
    assert organization.reconcile(outgoing("Promo (‑20 %)")) == Published(
        SHARE, f"https://www.linkedin.com/feed/update/{SHARE}"
    )
    request = linkedin.last("GET", "/rest/posts")
    assert "q=author&author=urn%3Ali%3Aorganization%3A2414183" in str(request.url)
    assert request.headers["x-restli-method"] == "FINDER"
    linkedin.posts = {SHARE: a_post(SHARE, "autre", DUE - timedelta(days=3))}
    assert isinstance(organization.reconcile(outgoing("Promo")), NotSent)
    full = [a_post(f"urn:li:share:{n}", "autre", DUE + timedelta(minutes=n)) for n in range(50)]
    linkedin.posts = {p["id"]: p for p in full}
    assert organization.reconcile(outgoing("Promo")) is None
    linkedin.tokens[TOKEN] = Grant(PERSON, SCOPES - {"r_organization_social"})
    assert organization.reconcile(outgoing("Promo")) is None


def test_member_reconcile_cannot_decide(member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn) -> None:
    assert member.reconcile(outgoing()) is None
    assert not linkedin.requests


# --- check ------------------------------------------------------------------------------------------


def test_check_member_with_token_expiry_and_a_retired_version(
    settings: Settings, clock: FakeClock, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    adapter = make(settings, clock, linkedin_version="202501", expires_at="2027-01-20T12:00:00Z")
    identity = adapter.health()
    assert identity.display == "Marie Tremblay"
    assert (
        identity.details["token expires"]
        == "2027-01-20 (in 10 days: run 'socialpost accounts add linkedin acme' again soon)"
    )
    assert identity.details["post statistics"] == "yes"
    assert linkedin.last("GET", "/v2/userinfo").headers["authorization"] == f"Bearer {TOKEN}"
    status = identity.api_version
    assert status is not None
    assert (status.version, status.configured, status.refused, status.state) == ("202612", "202501", "202501", "ok")
    assert status.describe() == "202612 (served until about 2027-12-15, 339 days left)"
    (warning,) = status.warnings()
    assert "no longer serves LinkedIn-Version 202501" in warning[0]


def test_check_member_token_belongs_to_someone_else(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    linkedin.tokens[TOKEN] = Grant("urn:li:person:other", SCOPES - {"r_member_postAnalytics"})
    identity = member.health()
    details = identity.details
    assert "urn:li:person:other" in details["warning"]
    assert details["token expires"].startswith("unknown")
    assert details["post statistics"].startswith("no (the token lacks r_member_postAnalytics")
    assert identity.api_version is not None and identity.api_version.version == "202612"
    assert identity.api_version.warnings() == []  # the calendar's version: nothing to say


def test_check_organization(
    settings: Settings, clock: FakeClock, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    clock.set(datetime(2026, 6, 1, tzinfo=UTC))
    adapter = make(settings, clock, author=ORG, expires_at="2026-05-01T00:00:00Z")
    identity = adapter.health()
    assert identity.display == "Café Acme"
    assert "expired" in identity.details["token expires"]
    assert identity.api_version is not None and identity.api_version.warnings() == []
    assert linkedin.last("GET", "/rest/organizations/2414183").headers["linkedin-version"] == "202605"
    linkedin.tokens[TOKEN].expired = True
    with pytest.raises(AuthError):
        adapter.health()


def test_a_pin_close_to_its_sunset_is_a_warning(
    settings: Settings, clock: FakeClock, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    adapter = make(settings, clock, linkedin_version="202602")  # retired about 2027-02-15
    status = adapter.health().api_version
    assert status is not None and (status.version, status.state, status.days_left) == ("202602", "soon", 36)
    ((message, fix),) = status.warnings()
    assert message == "LinkedIn-Version 202602 is retired on 2027-02-15, in 36 days."
    assert fix == (
        "Remove accounts.linkedin.acme.linkedin_version from your config file (socialpost then uses 202612), "
        "or set it to a newer version."
    )


def test_settings_validation_and_repr() -> None:
    settings = LinkedInSettings.model_validate({"author": PERSON, "access_token": TOKEN})
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)
    assert settings.linkedin_version is None  # follows the calendar
    for bad in (
        {"author": "782bbtaQ"},
        {"linkedin_version": "2025-10"},
        {"author": ORG, "visibility": "CONNECTIONS"},
        {"nope": 1},
    ):
        with pytest.raises(ValueError):
            LinkedInSettings.model_validate({"author": PERSON, "access_token": TOKEN, **bad})


def test_token_never_in_logs(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, caplog: pytest.LogCaptureFixture
) -> None:
    linkedin.tokens[TOKEN] = Grant(PERSON, SCOPES - {"r_member_postAnalytics"})
    with caplog.at_level(logging.DEBUG):
        member.publish(outgoing())
        member.fetch_metrics([SHARE])
    assert caplog.records and TOKEN not in caplog.text


# --- the whole way: campaign, daemon, status, accounts test, doctor --------------------------------

CAMPAIGN = """\
campaign: launch
timezone: UTC
accounts: [linkedin:fresh, linkedin:old]
posts:
  - id: words
    at: {at}
    text: "Du nouveau au café ☕ #Printemps"
  - id: counter
    at: {at}
    text: "Notre comptoir, enfin prêt"
    media:
      - file: img/counter.png
        alt: "Le comptoir du café, vu de l'entrée"
"""


@pytest.fixture
def two_accounts(settings: Settings, monkeypatch: pytest.MonkeyPatch, waits: Waits) -> Settings:
    """``linkedin:fresh`` set up with the defaults; ``linkedin:old`` still pinning 202510, which
    LinkedIn retired on 2026-10-15. The adapters' waits for images do not really sleep."""
    import types

    monkeypatch.setattr(
        "socialpost.networks.linkedin.time", types.SimpleNamespace(sleep=waits.sleep, monotonic=waits.monotonic)
    )
    settings.accounts = {
        "linkedin": {
            "fresh": {"author": PERSON, "access_token": TOKEN},
            "old": {"author": ORG, "access_token": TOKEN, "linkedin_version": "202510"},
        }
    }
    return settings


def test_text_and_image_posts_go_out_through_the_daemon_with_defaults_and_with_a_retired_pin(
    run_cli: Any,
    write: Any,
    two_accounts: Settings,
    clock: FakeClock,
    api: respx.MockRouter,
    linkedin: FakeLinkedIn,
    waits: Waits,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.store_helpers import deliver_due

    image(write("img/counter.png", ""))
    due = clock() + timedelta(hours=1)
    campaign = write("launch.yaml", CAMPAIGN.format(at=due.strftime("%Y-%m-%d %H:%M")))
    scheduled = run_cli("schedule", str(campaign))
    assert scheduled.exit_code == 0, scheduled.stderr
    clock.set(due + timedelta(seconds=5))
    with caplog.at_level(logging.WARNING, logger="socialpost"):
        deliver_due(two_accounts, clock)

    status = json.loads(run_cli("status", "--json").stdout)
    assert {k: v for k, v in status["counts"].items() if v} == {"sent": 4} and status["problems"] == []
    report = json.loads(run_cli("report", "--json").stdout)
    urls = {(p["id"], p["account"]): p["url"] for c in report["campaigns"] for p in c["posts"]}
    assert set(urls) == {(i, a) for i in ("words", "counter") for a in ("linkedin:fresh", "linkedin:old")}
    by_author = {(p["author"], "content" in p): p for p in linkedin.posts.values()}
    assert set(by_author) == {(PERSON, False), (PERSON, True), (ORG, False), (ORG, True)}
    for post in linkedin.posts.values():
        post_id = "counter" if "content" in post else "words"
        account = "linkedin:fresh" if post["author"] == PERSON else "linkedin:old"
        assert urls[(post_id, account)] == f"https://www.linkedin.com/feed/update/{post['id']}"
        if "content" in post:
            assert linkedin.images[post["content"]["media"]["id"]].status == "AVAILABLE"
            assert post["content"]["media"]["altText"] == "Le comptoir du café, vu de l'entrée"
    assert waits.slept  # each image was PROCESSING before it was AVAILABLE
    # the retired pin was refused once, then every call used a served version
    refused = [r for r in linkedin.requests if r.headers.get("linkedin-version") == "202510"]
    assert len(refused) == 1
    assert {v for v in linkedin.versions_sent() if v != "202510"} == {"202612"}
    assert any("refused LinkedIn-Version 202510" in r.getMessage() for r in caplog.records)
    saved = json.loads((two_accounts.data_dir / "linkedin" / "old" / "api-version.json").read_text())
    assert saved["version"] == "202612"
    assert not (two_accounts.data_dir / "linkedin" / "fresh" / "api-version.json").exists()

    # accounts test and doctor say which version each account uses, and what to do about the old pin
    fresh = run_cli("accounts", "test", "linkedin:fresh")
    assert fresh.exit_code == 0, fresh.stderr
    assert "API version (LinkedIn-Version): 202612 (served until about 2027-12-15, 339 days left)" in fresh.stdout
    assert "warning" not in fresh.stdout
    old = run_cli("accounts", "test", "linkedin:old", "--json")
    shown = json.loads(old.stdout)["api_version"]
    assert shown == {
        "version": "202612",
        "sunset": "2027-12-15",
        "sunset_estimated": True,
        "days_left": 339,
        "state": "ok",
        "configured": "202510",
        "refused": "202510",
    }
    old_text = run_cli("accounts", "test", "linkedin:old").stdout
    assert "warning: the network no longer serves LinkedIn-Version 202510" in old_text
    doctor = json.loads(run_cli("doctor", "--json").stdout)
    findings = {f["check"]: f for f in doctor["findings"] if f["check"].startswith("account:")}
    assert findings["account:linkedin:fresh"]["status"] == "ok"
    assert findings["account:linkedin:fresh"]["message"].endswith(
        "; LinkedIn-Version 202612 (served until about 2027-12-15, 339 days left)"
    )
    assert findings["account:linkedin:old"]["status"] == "warning"
    assert "no longer serves LinkedIn-Version 202510" in findings["account:linkedin:old"]["message"]
    assert "Remove accounts.linkedin.old.linkedin_version" in findings["account:linkedin:old"]["fix"]
    assert TOKEN not in json.dumps(doctor)


def test_accounts_test_warns_three_months_before_a_pinned_versions_sunset(
    run_cli: Any, settings: Settings, api: respx.MockRouter
) -> None:
    settings.accounts = {"linkedin": {"acme": {"author": PERSON, "access_token": TOKEN, "linkedin_version": "202603"}}}
    calm = run_cli("accounts", "test", "linkedin:acme").stdout
    assert "202603 (served until about 2027-03-15, 64 days left)" in calm
    assert "warning: LinkedIn-Version 202603 is retired on 2027-03-15, in 64 days." in calm
    settings.accounts["linkedin"]["acme"]["linkedin_version"] = "202604"  # 95 days left: not yet
    assert "warning" not in run_cli("accounts", "test", "linkedin:acme").stdout


# --- loopback receiver ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_loopback_receiver_ignores_strays_and_takes_the_redirect() -> None:
    port = free_port()
    with LoopbackReceiver(f"http://127.0.0.1:{port}/callback") as receiver:
        with pytest.raises(urllib.error.HTTPError) as stray:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=5)
        assert stray.value.code == 404
        assert receiver.wait(0.05) is None
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/callback?code=AQT123&state=xyz", timeout=5) as answer:
            assert answer.status == 200 and b"close this tab" in answer.read()
        found = receiver.wait(5)
    assert found is not None and (found.code, found.state) == ("AQT123", "xyz")


def test_parse_redirect_reads_pasted_addresses() -> None:
    assert parse_redirect(" http://127.0.0.1:8765/callback?code=AQ%2Fx&state=s1 ").code == "AQ/x"
    denied = parse_redirect(
        "http://127.0.0.1:8765/callback?error=user_cancelled_login&error_description=The+member+declined&state=s"
    )
    assert (denied.error, denied.error_description, denied.code) == (
        "user_cancelled_login",
        "The member declined",
        None,
    )


# --- guided set-up ----------------------------------------------------------------------------------

CLIENT_SECRET = "WPL_AP1.s3cr3t-client-0123"
CODE = "AQTcode-abcdef-0123456789"


def oauth_routes(api: respx.MockRouter, linkedin: FakeLinkedIn) -> respx.Route:
    """LinkedIn's token endpoint; the API (userinfo, organizations) is the fake, on the real date:
    the set-up runs with the real clock, as `accounts add` does."""
    linkedin.today = date.today
    return api.post("https://www.linkedin.com/oauth/v2/accessToken").respond(
        200,
        json={
            "access_token": TOKEN,
            "expires_in": 5183999,
            "scope": "email,openid,profile,w_member_social",
            "token_type": "Bearer",
            "id_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.sig",
        },
    )


def run_add(config: Path, answers: str) -> Any:
    return CliRunner().invoke(
        cli, ["--config", str(config), "accounts", "add", "linkedin", "acme"], obj=AppContext(), input=answers
    )


def test_accounts_add_linkedin_through_the_loopback_redirect(
    tmp_path: Path, api: respx.MockRouter, linkedin: FakeLinkedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    token = oauth_routes(api, linkedin)
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/callback"
    seen: list[str] = []
    answers: list[int] = []
    original = ClickUI.open_url

    def browser(self: ClickUI, url: str) -> None:
        original(self, url)
        seen.append(url)
        if "oauth/v2/authorization" not in url:
            return
        query = parse_qs(urlsplit(url).query)

        def visit() -> None:  # what the browser does after the member allows access
            with urllib.request.urlopen(
                f"{query['redirect_uri'][0]}?code={CODE}&state={query['state'][0]}", timeout=10
            ) as r:
                answers.append(r.status)

        threading.Thread(target=visit, daemon=True).start()

    monkeypatch.setattr(ClickUI, "open_url", browser)
    # client id, secret, redirect, organization: no, statistics: no, browser here: yes
    result = run_add(config, f"86abc123\n{CLIENT_SECRET}\n{redirect_uri}\nn\nn\ny\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Connected linkedin:acme: Marie Tremblay." in result.stdout
    assert answers == [200]
    query = parse_qs(urlsplit(seen[-1]).query)
    assert query["scope"] == ["openid profile w_member_social"]
    assert query["client_id"] == ["86abc123"] and query["response_type"] == ["code"]
    assert {k: v[0] for k, v in parse_qs(token.calls.last.request.content.decode()).items()} == {
        "grant_type": "authorization_code",
        "code": CODE,
        "client_id": "86abc123",
        "client_secret": CLIENT_SECRET,
        "redirect_uri": redirect_uri,
    }
    text = config.read_text(encoding="utf-8")
    assert f"author: {PERSON}" in text and "expires_at:" in text
    assert "linkedin_version" not in text  # not pinned: the account follows LinkedIn's calendar
    assert set(linkedin.versions_sent()) == {API_VERSIONS.default(date.today())}  # check() after set-up
    secrets_file = tmp_path / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    stored = secrets_file.read_text(encoding="utf-8")
    assert TOKEN in stored and CLIENT_SECRET not in stored
    for secret in (TOKEN, CLIENT_SECRET, CODE):
        assert secret not in result.stdout + result.stderr and secret not in text


def test_accounts_add_linkedin_by_pasting_and_choosing_an_organization(
    tmp_path: Path, api: respx.MockRouter, linkedin: FakeLinkedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    oauth_routes(api, linkedin)
    monkeypatch.setattr("socialpost.networks.linkedin.setup.secrets_module.token_urlsafe", lambda _n: "fixed-state")
    pasted = f"http://127.0.0.1:8765/callback?code={CODE}&state=fixed-state"
    # client id, secret, default redirect, organization: yes, browser here: no, pasted address, choice 2
    result = run_add(config, f"86abc123\n{CLIENT_SECRET}\n\ny\nn\n{pasted}\n2\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Café Acme (urn:li:organization:2414183)" in result.stdout
    # the set-up asks with the policy's version for today, not a constant
    acls = linkedin.last("GET", "/rest/organizationAcls")
    assert acls.headers["linkedin-version"] == API_VERSIONS.default(date.today())
    assert linkedin.version_served(acls.headers["linkedin-version"])
    assert "scope=openid%20profile%20w_member_social%20w_organization_social" in result.stdout
    assert f"author: {ORG}" in config.read_text(encoding="utf-8")
    assert TOKEN not in result.stdout + result.stderr


def test_accounts_add_asks_for_member_statistics_and_finds_pages_when_linkedin_refuses_the_month(
    tmp_path: Path, api: respx.MockRouter, linkedin: FakeLinkedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    oauth_routes(api, linkedin)
    monkeypatch.setattr("socialpost.networks.linkedin.setup.secrets_module.token_urlsafe", lambda _n: "fixed-state")
    pasted = f"http://127.0.0.1:8765/callback?code={CODE}&state=fixed-state"
    # a member who wants statistics: organization no, statistics yes, browser here no
    member = run_add(config, f"86abc123\n{CLIENT_SECRET}\n\nn\ny\nn\n{pasted}\n")
    assert member.exit_code == 0, member.output + member.stderr
    assert "r_member_postAnalytics" in member.stdout  # the question names the scope
    assert scopes_asked(member.stdout) == ["openid", "profile", "w_member_social", "r_member_postAnalytics"]
    # LinkedIn is late with this month's version: the set-up still finds the pages, on the month before
    late = API_VERSIONS.default(date.today())
    linkedin.withheld = {late}
    page = run_add(config, f"86abc123\n{CLIENT_SECRET}\n\ny\nn\n{pasted}\n2\n")
    assert page.exit_code == 0, page.output + page.stderr
    assert "Café Acme (urn:li:organization:2414183)" in page.stdout
    acls = linkedin.calls("GET", "/rest/organizationAcls")
    assert [r.headers["linkedin-version"] for r in acls] == [late, API_VERSIONS.shift(late, -1)]
    assert "r_member_postAnalytics" not in scopes_asked(page.stdout)  # a page's statistics need other scopes


def scopes_asked(output: str) -> list[str]:
    """The scopes in the authorization address the set-up showed."""
    (address,) = [w for w in output.split() if w.startswith("https://www.linkedin.com/oauth/v2/authorization?")]
    return parse_qs(urlsplit(address).query)["scope"][0].split(" ")


def test_state_mismatch_and_refusals_save_nothing(
    tmp_path: Path, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    oauth_routes(api, linkedin)
    forged = run_add(
        config, f"86abc123\n{CLIENT_SECRET}\n\nn\nn\nn\nhttp://127.0.0.1:8765/callback?code={CODE}&state=forged\n"
    )
    assert forged.exit_code == 1 and "state mismatch" in forged.stderr
    declined = run_add(
        config,
        f"86abc123\n{CLIENT_SECRET}\n\nn\nn\nn\n"
        "http://127.0.0.1:8765/callback?error=user_cancelled_authorize&error_description=The+user+cancelled&state=x\n",
    )
    assert declined.exit_code == 1 and "user_cancelled_authorize" in declined.stderr
    assert "acme" not in config.read_text(encoding="utf-8")
    assert not (tmp_path / "secrets.yaml").exists()


def test_token_exchange_refused(tmp_path: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    api.post("https://www.linkedin.com/oauth/v2/accessToken").respond(
        401, json={"error": "invalid_client", "error_description": f"Client authentication failed {CLIENT_SECRET}"}
    )
    monkeypatch.setattr("socialpost.networks.linkedin.setup.secrets_module.token_urlsafe", lambda _n: "fixed-state")
    pasted = f"http://127.0.0.1:8765/callback?code={CODE}&state=fixed-state"
    result = run_add(config, f"86abc123\n{CLIENT_SECRET}\n\nn\nn\nn\n{pasted}\n")
    assert result.exit_code == 1
    assert "refused to issue a token (401)" in result.stderr and "Client authentication failed" in result.stderr
    # (stdout holds the pasted address itself: CliRunner echoes what was typed)
    assert CLIENT_SECRET not in result.stdout + result.stderr and CODE not in result.stderr


# --- inbox: comments and answers -------------------------------------------------------------------

ACTIVITY = "urn:li:activity:7141138940000000000"
FAN = "urn:li:person:Fan0001"
OTHER = "urn:li:person:Oth0002"


def comment_urn(number: int) -> str:
    return f"urn:li:comment:({ACTIVITY},71412000000000000{number:02d})"


def li_comment(
    number: int, actor: str, text: str, *, parent: str | None = None, replies: int | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "actor": actor,
        "commentUrn": comment_urn(number),
        "id": f"71412000000000000{number:02d}",
        "object": ACTIVITY,
        "message": {"text": text, "attributes": []},
        "created": {"actor": actor, "time": 1_799_999_000_000 + number * 60_000},
        "lastModified": {"actor": actor, "time": 1_799_999_000_000 + number * 60_000},
    }
    if parent is not None:
        element["parentComment"] = parent
    if replies is not None:
        element["commentsSummary"] = {"aggregatedTotalComments": replies, "totalFirstLevelComments": replies}
    return element


class Comments:
    """LinkedIn's comment endpoints by target URN (as the raw, encoded path carries it)."""

    def __init__(self, pages: dict[str, list[httpx.Response]]) -> None:
        self.pages = {quote(k, safe=""): v for k, v in pages.items()}
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        raw = request.url.raw_path.decode().split("?")[0]
        target = raw.removeprefix("/rest/socialActions/").removesuffix("/comments")
        answers = self.pages.get(target)
        if not answers:
            return httpx.Response(404, json={"status": 404, "message": "Not Found"})
        return answers.pop(0) if len(answers) > 1 else answers[0]


def page_of(*elements: dict[str, Any], start: int = 0, total: int | None = None) -> httpx.Response:
    paging: dict[str, Any] = {"start": start, "count": len(elements), "links": []}
    if total is not None:
        paging["total"] = total
    return httpx.Response(200, json={"elements": list(elements), "paging": paging})


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    from socialpost.networks.linkedin import inbox

    monkeypatch.setattr(inbox, "COMMENTS_COUNT", 2)


def thread() -> Comments:
    answer = li_comment(4, ORG, "Dès 7 h !", parent=comment_urn(1))
    return Comments(
        {
            SHARE: [
                page_of(
                    li_comment(1, FAN, "Vous ouvrez à quelle heure ?", replies=2),
                    li_comment(2, OTHER, "Bravo", replies=0),
                    total=3,
                ),
                page_of(li_comment(3, OTHER, "Et le dimanche ?"), start=2, total=3),
            ],
            comment_urn(1): [
                page_of(li_comment(5, OTHER, "Moi aussi je me demande", parent=comment_urn(1)), answer, total=2)
            ],
            comment_urn(3): [page_of()],
        }
    )


def socialactions(linkedin: FakeLinkedIn, method: str = "GET") -> list[httpx.Request]:
    return [r for r in linkedin.requests if r.method == method and r.url.path.startswith("/rest/socialActions/")]


def test_comments_and_their_replies_are_read_page_after_page(
    organization: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, small_pages: None
) -> None:
    comments = thread()
    linkedin.on("GET", "/rest/socialActions/", comments)
    replies = organization.fetch_replies([SHARE])
    queries = [(r.url.raw_path.decode().split("?")[0], dict(r.url.params)) for r in comments.seen]
    encoded = quote(SHARE, safe="")
    assert queries == [
        (f"/rest/socialActions/{encoded}/comments", {"start": "0", "count": "2"}),
        (f"/rest/socialActions/{encoded}/comments", {"start": "2", "count": "2"}),
        (f"/rest/socialActions/{quote(comment_urn(1), safe='')}/comments", {"start": "0", "count": "2"}),
        (f"/rest/socialActions/{quote(comment_urn(3), safe='')}/comments", {"start": "0", "count": "2"}),
    ]
    first = comments.seen[0]
    assert first.headers["linkedin-version"] == "202612" and first.headers["x-restli-protocol-version"] == "2.0.0"
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    by_id = {r.remote_id: r for r in replies}
    assert list(by_id) == [comment_urn(n) for n in (1, 5, 4, 2, 3)]  # comment 2 says it has no replies
    question = by_id[comment_urn(1)]
    assert (question.in_reply_to, question.post_remote_id, question.author, question.own) == (SHARE, SHARE, FAN, False)
    assert question.text == "Vous ouvrez à quelle heure ?"
    assert question.created_at == datetime.fromtimestamp(1_799_999_060, UTC)
    assert question.url == f"https://www.linkedin.com/feed/update/{SHARE}?commentUrn={quote(comment_urn(1), safe='')}"
    assert by_id[comment_urn(5)].in_reply_to == comment_urn(1) and not by_id[comment_urn(5)].own
    assert by_id[comment_urn(4)].own and by_id[comment_urn(4)].in_reply_to == comment_urn(1)


def test_the_inbox_stores_comments_once_and_the_pages_answer_marks_them(
    settings: Settings, clock: FakeClock, store: Any, api: respx.MockRouter, linkedin: FakeLinkedIn, small_pages: None
) -> None:
    from tests.support.inbox import real_inbox, sent_post, stored

    settings.accounts = {"linkedin": {"acme": {"author": ORG, "access_token": TOKEN}}}
    sent_post(store, "linkedin:acme", SHARE, when=clock() - timedelta(hours=5))
    linkedin.on("GET", "/rest/socialActions/", thread())
    box, adapters = real_inbox(store, settings, clock)
    try:
        first = box.fetch()
        again = box.fetch()
    finally:
        adapters.close()
    assert first.as_json()["accounts"] == [
        {"account": "linkedin:acme", "posts": 1, "new": 4, "answered": 1, "error": None, "unavailable": None}
    ]
    assert again.new == 0 and again.accounts[0].error is None
    rows = {row.remote_id: row for row in stored(store)}
    assert set(rows) == {comment_urn(n) for n in (1, 2, 3, 5)}
    assert rows[comment_urn(1)].answered_by_remote_id == comment_urn(4)
    assert rows[comment_urn(5)].in_reply_to == comment_urn(1)


def test_a_deleted_post_has_no_comments(
    organization: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    linkedin.on("GET", "/rest/socialActions/", Comments({}))
    assert organization.fetch_replies([SHARE, "not-a-urn"]) == []


def test_reply_goes_under_the_comment_thread_with_parent_comment(
    organization: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    lookup = f"/rest/socialActions/{ACTIVITY}/comments/7141200000000000005"
    linkedin.on("GET", lookup, httpx.Response(200, json={**li_comment(5, OTHER, "Moi aussi", parent=comment_urn(1))}))
    created_comment = {**li_comment(9, ORG, "Oui, dès 8 h ☕", parent=comment_urn(1))}
    linkedin.on(
        "POST",
        "/rest/socialActions/",
        httpx.Response(201, json=created_comment, headers={"x-restli-id": "7141200000000000009"}),
    )
    published = organization.reply(comment_urn(5), "Oui, dès 8 h ☕")
    assert linkedin.calls("GET", lookup)
    (request,) = socialactions(linkedin, "POST")
    assert request.url.raw_path.decode() == f"/rest/socialActions/{quote(comment_urn(1), safe='')}/comments"
    assert json.loads(request.content) == {
        "actor": ORG,
        "object": ACTIVITY,
        "message": {"text": "Oui, dès 8 h ☕"},
        "parentComment": comment_urn(1),
    }
    assert request.headers["linkedin-version"] == "202612" and request.headers["x-restli-protocol-version"] == "2.0.0"
    assert published.remote_id == comment_urn(9)
    assert (
        published.url == f"https://www.linkedin.com/feed/update/{ACTIVITY}?commentUrn={quote(comment_urn(9), safe='')}"
    )


def test_reply_to_a_top_level_comment_without_a_body_takes_the_id_from_the_header(
    member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn
) -> None:
    linkedin.on(
        "GET",
        f"/rest/socialActions/{ACTIVITY}/comments/7141200000000000001",
        httpx.Response(200, json=li_comment(1, FAN, "Bonjour")),
    )
    target = f"/rest/socialActions/{comment_urn(1)}/comments"
    linkedin.on("POST", target, httpx.Response(201, headers={"x-restli-id": "7141200000000000010"}))
    published = member.reply(comment_urn(1), "Merci !")
    body = json.loads(linkedin.last("POST", target).content)
    assert body["actor"] == PERSON and body["parentComment"] == comment_urn(1)
    assert published.remote_id == f"urn:li:comment:({ACTIVITY},7141200000000000010)"


def test_a_too_long_reply_is_refused_before_any_request(
    settings: Settings,
    clock: FakeClock,
    store: Any,
    organization: LinkedInNetwork,
    api: respx.MockRouter,
    linkedin: FakeLinkedIn,
) -> None:
    from socialpost.errors import UsageError
    from tests.support.inbox import real_inbox, sent_post

    with pytest.raises(ContentRejected, match="1,251 characters; a LinkedIn comment takes at most 1,250"):
        organization.reply(comment_urn(1), "é" * 1251)
    with pytest.raises(ContentRejected, match="not a LinkedIn comment"):
        organization.reply(SHARE, "Bonjour")
    settings.accounts = {"linkedin": {"acme": {"author": ORG, "access_token": TOKEN}}}
    sent_post(store, "linkedin:acme", SHARE, when=clock() - timedelta(hours=5))
    linkedin.on("GET", "/rest/socialActions/", Comments({SHARE: [page_of(li_comment(1, FAN, "Bonjour", replies=0))]}))
    box, adapters = real_inbox(store, settings, clock)
    try:
        box.fetch()
        with pytest.raises(UsageError, match="the reply is 1251 characters; linkedin:acme allows 1250"):
            box.reply("1", "é" * 1251)
    finally:
        adapters.close()
    assert [r.method for r in linkedin.requests] == ["GET"]  # only the fetch: nothing was sent


@pytest.mark.parametrize(
    ("account", "phrases"),
    [
        ("member", ["read the comments on your posts (403)", "r_member_social", "approved partners"]),
        ("organization", ["read the page's comments (403)", "r_organization_social", "administrator role"]),
    ],
)
def test_reading_without_the_permission_is_a_clear_message_held_for_an_hour(
    request: pytest.FixtureRequest,
    api: respx.MockRouter,
    linkedin: FakeLinkedIn,
    clock: FakeClock,
    account: str,
    phrases: list[str],
) -> None:
    adapter: LinkedInNetwork = request.getfixturevalue(account)
    linkedin.on(
        "GET",
        "/rest/socialActions/",
        httpx.Response(
            403,
            json={
                "status": 403,
                "serviceErrorCode": 100,
                "code": "ACCESS_DENIED",
                "message": "Not enough permissions to access: partnerApiSocialActions.GET.20261201",
            },
        ),
    )
    with pytest.raises(AuthError) as caught:
        adapter.fetch_replies([SHARE])
    # a member cannot get the permission (the inbox notes it); a page's administrator can (an error to fix)
    assert isinstance(caught.value, AccessTierError) is (account == "member")
    for phrase in phrases:
        assert phrase in caught.value.message
    assert "LinkedIn said: Not enough permissions to access" in caught.value.message
    assert "socialpost accounts add linkedin acme" in str(caught.value.hint)
    assert TOKEN not in str(caught.value)
    with pytest.raises(AuthError):
        adapter.fetch_replies([SHARE])
    assert len(socialactions(linkedin)) == 1
    clock.advance(hours=1, seconds=1)
    with pytest.raises(AuthError):
        adapter.fetch_replies([SHARE])
    assert len(socialactions(linkedin)) == 2


def test_a_rate_limit_holds_inbox_reads_for_retry_after(
    organization: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn, clock: FakeClock
) -> None:
    linkedin.throttle(retry_after="600")
    linkedin.on("GET", "/rest/socialActions/", page_of(li_comment(1, FAN, "Bonjour", replies=0)))
    with pytest.raises(RateLimited) as caught:
        organization.fetch_replies([SHARE])
    assert caught.value.retry_at == clock() + timedelta(seconds=600)
    clock.advance(seconds=599)
    with pytest.raises(RateLimited):
        organization.fetch_replies([SHARE])
    assert len(socialactions(linkedin)) == 1
    clock.advance(seconds=1)
    assert [r.remote_id for r in organization.fetch_replies([SHARE])] == [comment_urn(1)]


def test_inbox_messages_in_french(member: LinkedInNetwork, api: respx.MockRouter, linkedin: FakeLinkedIn) -> None:
    from socialpost import i18n

    i18n.activate("fr_CA.UTF-8")
    linkedin.on(
        "GET", "/rest/socialActions/", httpx.Response(403, json={"status": 403, "message": "Not enough permissions"})
    )
    with pytest.raises(AuthError) as caught:
        member.fetch_replies([SHARE])
    assert caught.value.message == (
        "LinkedIn « acme » : LinkedIn ne laisse pas cette application lire les commentaires de vos publications "
        "(403) : il faut la permission r_member_social, que LinkedIn n'accorde qu'à des partenaires approuvés. "
        "LinkedIn a répondu : Not enough permissions."
    )
    assert caught.value.hint == (
        "Répondez aux commentaires dans LinkedIn même, ou publiez au nom d'une page d'organisation : "
        "socialpost accounts add linkedin acme."
    )
