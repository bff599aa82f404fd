"""The Facebook Pages adapter: the real httpx client runs, respx fakes only the socket, with
bodies and headers shaped like the Graph API's documented answers (errors included)."""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.errors import (
    AuthError,
    ContentRejected,
    DuplicatePost,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.networks.base import Media, NotSent, OutgoingPost, Published
from socialpost.networks.facebook import FacebookNetwork, FacebookSettings, GraphNotFound
from socialpost.settings.config import Settings
from socialpost.wiring import Adapters
from tests.conftest import FakeClock
from tests.support import posts
from tests.support.facebook import GraphBatch

GRAPH = "https://graph.facebook.com"
TOKEN = "EAAGpageT0KEN-s3cr3t-0123456789abcdef"
PAGE = "104857600123456"
DUE = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def outgoing(text: str = "Du nouveau au café ☕ https://example.com/launch?x=1 à bientôt", **more: Any) -> OutgoingPost:
    return posts.outgoing("facebook:acme", text, due_at=DUE, **more)


def graph_error(code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException") -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}


@pytest.fixture
def graph() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=GRAPH, assert_all_called=False, assert_all_mocked=True) as router:
        yield router


def make(settings: Settings, clock: FakeClock, **more: Any) -> FacebookNetwork:
    settings.accounts = {"facebook": {"acme": {"page_id": PAGE, "page_access_token": TOKEN, **more}}}
    adapter = Adapters(settings, clock=clock).get("facebook:acme")
    assert isinstance(adapter, FacebookNetwork)
    return adapter


@pytest.fixture
def page(settings: Settings, clock: FakeClock) -> Iterator[FacebookNetwork]:
    adapter = make(settings, clock)
    yield adapter
    adapter.close()


# --- publish ----------------------------------------------------------------------------------------


def test_text_post_goes_to_feed_with_its_first_link(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    route = graph.post(f"/v24.0/{PAGE}/feed").respond(200, json={"id": f"{PAGE}_987654321"})
    published = page.publish(outgoing())
    assert published == Published(f"{PAGE}_987654321", f"https://www.facebook.com/{PAGE}_987654321")
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(request.url)
    assert form(request) == {
        "message": "Du nouveau au café ☕ https://example.com/launch?x=1 à bientôt",
        "link": "https://example.com/launch?x=1",
    }


def test_thread_parts_are_joined_into_one_message_without_link(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    route = graph.post(f"/v24.0/{PAGE}/feed").respond(200, json={"id": f"{PAGE}_1"})
    page.publish(outgoing("1/3 Bonjour", thread=("2/3 suite", "3/3 fin")))
    assert form(route.calls.last.request) == {"message": "1/3 Bonjour\n\n2/3 suite\n\n3/3 fin"}


def test_graph_version_and_base_url_are_settings(settings: Settings, clock: FakeClock) -> None:
    adapter = make(settings, clock, graph_version="23.0", base_url="http://127.0.0.1:9999/")
    with respx.mock(base_url="http://127.0.0.1:9999") as router:
        route = router.post(f"/v23.0/{PAGE}/feed").respond(200, json={"id": f"{PAGE}_2"})
        adapter.publish(outgoing("hello"))
        assert route.called


def test_one_photo_is_posted_with_caption_and_alt_text(
    page: FacebookNetwork, graph: respx.MockRouter, tmp_path: Path
) -> None:
    photo = tmp_path / "teaser.png"
    photo.write_bytes(PNG)
    route = graph.post(f"/v24.0/{PAGE}/photos").respond(200, json={"id": "555000111", "post_id": f"{PAGE}_777"})
    published = page.publish(outgoing("Regardez", media=(Media(str(photo), "Un sac de café"),)))
    assert published == Published(f"{PAGE}_777", f"https://www.facebook.com/{PAGE}_777")
    body = route.calls.last.request.content
    assert route.calls.last.request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="caption"\r\n\r\nRegardez' in body
    assert b'name="alt_text_custom"\r\n\r\nUn sac de caf\xc3\xa9' in body
    assert b'name="published"\r\n\r\ntrue' in body
    assert b'name="source"; filename="teaser.png"' in body and PNG in body


def test_several_photos_are_uploaded_unpublished_then_attached(
    page: FacebookNetwork, graph: respx.MockRouter, tmp_path: Path
) -> None:
    files = []
    for index, data in enumerate((PNG, JPEG)):
        path = tmp_path / f"p{index}.img"
        path.write_bytes(data)
        files.append(Media(str(path), f"alt {index}" if index == 0 else ""))
    photos = graph.post(f"/v24.0/{PAGE}/photos")
    photos.side_effect = [httpx.Response(200, json={"id": "9001"}), httpx.Response(200, json={"id": "9002"})]
    feed = graph.post(f"/v24.0/{PAGE}/feed").respond(200, json={"id": f"{PAGE}_42"})
    assert page.publish(outgoing("Deux photos", media=tuple(files))).remote_id == f"{PAGE}_42"
    first, second = (call.request.content for call in photos.calls)
    assert b'name="published"\r\n\r\nfalse' in first and b'name="alt_text_custom"\r\n\r\nalt 0' in first
    assert b"alt_text_custom" not in second and b"image/jpeg" in second
    assert form(feed.calls.last.request) == {
        "message": "Deux photos",
        "attached_media[0]": '{"media_fbid": "9001"}',
        "attached_media[1]": '{"media_fbid": "9002"}',
    }


def test_a_failed_unpublished_upload_is_safe_to_retry(
    page: FacebookNetwork, graph: respx.MockRouter, tmp_path: Path
) -> None:
    files = []
    for index in range(2):
        path = tmp_path / f"p{index}.png"
        path.write_bytes(PNG)
        files.append(Media(str(path), ""))
    graph.post(f"/v24.0/{PAGE}/photos").respond(500, json=graph_error(2, "Service temporarily unavailable"))
    with pytest.raises(TransientError) as caught:
        page.publish(outgoing("x", media=tuple(files)))
    assert caught.value.request_sent is False


@pytest.mark.parametrize(
    ("content", "size", "expected"),
    [
        (b"just text, not an image", None, "cannot be used"),  # socialpost.media's one neutral message
        (b"\x00\x00\x00\x18ftypmp42", None, "does not post videos"),
        (PNG, 11 * 1024 * 1024, "must stay under 10 MB"),
    ],
)
def test_media_facebook_cannot_take_is_refused_before_any_request(
    page: FacebookNetwork, graph: respx.MockRouter, tmp_path: Path, content: bytes, size: int | None, expected: str
) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    if size:
        with path.open("r+b") as handle:
            handle.truncate(size)
    with pytest.raises(ContentRejected, match=expected):
        page.publish(outgoing("x", media=(Media(str(path), ""),)))
    assert not graph.calls


def test_too_many_photos_and_too_long_text_are_refused(
    page: FacebookNetwork, graph: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(PNG)
    with pytest.raises(ContentRejected, match="at most 10"):
        page.publish(outgoing("x", media=tuple(Media(str(path), "") for _ in range(11))))
    with pytest.raises(ContentRejected, match="63,206"):
        page.publish(outgoing("a" * 63_000, thread=("b" * 300,)))
    missing = tmp_path / "gone.png"
    with pytest.raises(ContentRejected, match="cannot be used"):
        page.publish(outgoing("x", media=(Media(str(missing), ""),)))
    assert not graph.calls


# --- errors -----------------------------------------------------------------------------------------

ERRORS = [
    (
        400,
        graph_error(190, "Error validating access token: Session has expired on Tuesday.", subcode=463),
        {},
        AuthError,
        ["no longer valid", "socialpost accounts add facebook acme", "fbtrace_id AbCdEfGhIjK", "code 190/463"],
    ),
    (
        403,
        graph_error(200, "(#200) Requires pages_manage_posts permission to manage the object"),
        {},
        AuthError,
        ["lacks a permission Facebook requires (pages_manage_posts)"],
    ),
    (
        400,
        graph_error(10, "(#10) Application does not have permission for this action"),
        {},
        AuthError,
        ["pages_manage_posts, pages_read_engagement, pages_show_list"],
    ),
    (
        400,
        graph_error(368, "It looks like you were misusing this feature by going too fast."),
        {},
        ContentRejected,
        ["abusive or spam"],
    ),
    (400, graph_error(506, "Duplicate status message"), {}, DuplicatePost, ["duplicate of a recent post"]),
    (500, graph_error(1, "An unknown error occurred"), {}, TransientError, ["temporary problem"]),
    (
        400,
        graph_error(100, "(#100) Param message must be a string", kind="OAuthException"),
        {},
        ContentRejected,
        ["rejected the post", "Param message"],
    ),
    (
        400,
        graph_error(
            100, "Unsupported post request. Object with ID '1' does not exist", subcode=33, kind="GraphMethodException"
        ),
        {},
        GraphNotFound,  # a PermanentError the inbox recognises (a deleted post has no comments)
        ["cannot find the Page", "page_id"],
    ),
    (502, "<html><body>Bad Gateway</body></html>", {"content-type": "text/html"}, TransientError, ["failed (502)"]),
    (403, graph_error(3, "(#3) Application does not have the capability"), {}, PermanentError, ["refused the request"]),
]


@pytest.mark.parametrize(("status", "body", "headers", "expected", "phrases"), ERRORS)
def test_graph_errors_are_mapped(
    page: FacebookNetwork,
    graph: respx.MockRouter,
    status: int,
    body: Any,
    headers: dict[str, str],
    expected: type[NetworkError],
    phrases: list[str],
) -> None:
    reply = (
        httpx.Response(status, json=body, headers=headers)
        if isinstance(body, dict)
        else httpx.Response(status, text=body, headers=headers)
    )
    graph.post(f"/v24.0/{PAGE}/feed").mock(return_value=reply)
    with pytest.raises(NetworkError) as caught:
        page.publish(outgoing())
    error = caught.value
    assert type(error) is expected
    assert error.status == status
    for phrase in phrases:
        assert phrase in str(error)
    assert TOKEN not in str(error) and TOKEN not in repr(error)
    if isinstance(error, TransientError):
        assert error.request_sent is True  # the post may be up: reconcile, never repeat blindly


def test_duplicate_has_no_existing_id_so_the_daemon_fails_it(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    graph.post(f"/v24.0/{PAGE}/feed").respond(400, json=graph_error(506, "Duplicate status message"))
    with pytest.raises(DuplicatePost) as caught:
        page.publish(outgoing())
    assert caught.value.existing_id is None


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_rate_limits_wait_as_long_as_meta_says(
    page: FacebookNetwork, graph: respx.MockRouter, clock: FakeClock, code: int
) -> None:
    usage = {
        PAGE: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 20,
                "total_time": 30,
                "estimated_time_to_regain_access": 12,
            }
        ]
    }
    graph.post(f"/v24.0/{PAGE}/feed").respond(
        400,
        json=graph_error(code, "(#4) Application request limit reached"),
        headers={
            "X-Business-Use-Case-Usage": json.dumps(usage),
            "X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 5, "total_time": 9}),
        },
    )
    with pytest.raises(RateLimited) as caught:
        page.publish(outgoing())
    assert caught.value.retry_at == clock() + timedelta(minutes=12)
    assert caught.value.request_sent is False


def test_rate_limit_without_an_estimate_waits_conservatively(
    page: FacebookNetwork, graph: respx.MockRouter, clock: FakeClock
) -> None:
    graph.post(f"/v24.0/{PAGE}/feed").respond(
        400,
        json=graph_error(4, "(#4) Application request limit reached"),
        headers={"X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 5, "total_time": 9})},
    )
    with pytest.raises(RateLimited) as caught:
        page.publish(outgoing())
    assert caught.value.retry_at == clock() + timedelta(minutes=15)


@pytest.mark.parametrize(
    ("exc", "sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("slow"), False),
        (httpx.ReadTimeout("slow"), True),
        (httpx.RemoteProtocolError("reset"), True),
    ],
)
def test_network_failures_are_transient(
    page: FacebookNetwork, graph: respx.MockRouter, exc: Exception, sent: bool
) -> None:
    graph.post(f"/v24.0/{PAGE}/feed").mock(side_effect=exc)
    with pytest.raises(TransientError) as caught:
        page.publish(outgoing())
    assert caught.value.request_sent is sent


# --- reconcile --------------------------------------------------------------------------------------


def published_posts(*items: dict[str, Any], more: bool = False) -> dict[str, Any]:
    paging: dict[str, Any] = {"cursors": {"before": "QVFIU", "after": "QVFIZ"}}
    if more:
        paging["next"] = f"{GRAPH}/v24.0/{PAGE}/published_posts?after=QVFIZ"
    return {"data": list(items), "paging": paging}


def test_reconcile_finds_the_post_among_the_pages_recent_posts(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    route = graph.get(f"/v24.0/{PAGE}/published_posts").respond(
        200,
        json=published_posts(
            {"created_time": "2027-03-02T14:05:00+0000", "message": "autre chose", "id": f"{PAGE}_1"},
            {"created_time": "2027-03-02T14:00:03+0000", "message": "1/2 Bonjour\n\n2/2 fin", "id": f"{PAGE}_2"},
        ),
    )
    found = page.reconcile(outgoing("1/2 Bonjour", thread=("2/2 fin",)))
    assert found == Published(f"{PAGE}_2", f"https://www.facebook.com/{PAGE}_2")
    params = route.calls.last.request.url.params
    assert params["since"] == str(int((DUE - timedelta(minutes=2)).timestamp()))
    assert params["fields"] == "id,message,created_time"
    assert "access_token" not in params


def test_reconcile_proves_absence_or_says_it_cannot(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    route = graph.get(f"/v24.0/{PAGE}/published_posts")
    route.respond(
        200, json=published_posts({"created_time": "2027-03-02T14:05:00+0000", "message": "autre", "id": "1_1"})
    )
    assert isinstance(page.reconcile(outgoing("hello")), NotSent)
    route.respond(
        200,
        json=published_posts({"created_time": "2027-03-02T14:05:00+0000", "message": "autre", "id": "1_1"}, more=True),
    )
    assert page.reconcile(outgoing("hello")) is None
    route.respond(400, json=graph_error(190, "Error validating access token", subcode=460))
    with pytest.raises(AuthError):
        page.reconcile(outgoing("hello"))


# --- metrics ----------------------------------------------------------------------------------------


def batch_item(body: Any, code: int = 200) -> dict[str, Any]:
    return {"code": code, "body": json.dumps(body)}


FIELDS_BODY = {
    "reactions": {"data": [], "summary": {"total_count": 17, "viewer_reaction": "NONE"}},
    "comments": {"data": [], "summary": {"order": "chronological", "total_count": 4, "can_comment": True}},
    "shares": {"count": 3},
    "id": f"{PAGE}_1",
}


def insights_body(post: str, views: int, clicks: int) -> dict[str, Any]:
    return {
        "data": [
            {
                "name": "post_media_view",
                "period": "lifetime",
                "values": [{"value": views}],
                "title": "Lifetime Post Media View",
                "description": "Lifetime: …",
                "id": f"{post}/insights/post_media_view/lifetime",
            },
            {
                "name": "post_clicks",
                "period": "lifetime",
                "values": [{"value": clicks}],
                "title": "Lifetime Post Clicks",
                "description": "Lifetime: …",
                "id": f"{post}/insights/post_clicks/lifetime",
            },
        ],
        "paging": {"previous": "…", "next": "…"},
    }


def test_batch_metrics_with_one_item_failing(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    first, second, third = f"{PAGE}_1", f"{PAGE}_2", f"{PAGE}_3"
    no_shares = {k: v for k, v in FIELDS_BODY.items() if k != "shares"}
    route = graph.post("/v24.0/").respond(
        200,
        json=[
            batch_item(FIELDS_BODY),
            batch_item(insights_body(first, 250, 9)),
            batch_item(graph_error(100, "Unsupported get request. Object with ID does not exist", subcode=33), 400),
            batch_item(graph_error(100, "Unsupported get request.", subcode=33), 400),
            batch_item(no_shares),
            None,  # Graph's answer for a request it did not complete
        ],
    )
    metrics = page.fetch_metrics([first, second, third])
    assert metrics[first] == {"likes": 17, "replies": 4, "reposts": 3, "views": 250, "clicks": 9}
    assert metrics[second] == {"likes": None, "replies": None, "reposts": None, "views": None, "clicks": None}
    # shares is absent when nobody shared: that one is a real 0; the missing insights are None
    assert metrics[third] == {"likes": 17, "replies": 4, "reposts": 0, "views": None, "clicks": None}
    sent = form(route.calls.last.request)
    assert sent["include_headers"] == "false"
    assert json.loads(sent["batch"])[:2] == [
        {
            "method": "GET",
            "relative_url": f"{first}?fields=reactions.summary(total_count).limit(0),"
            "comments.summary(true).limit(0),shares",
        },
        {"method": "GET", "relative_url": f"{first}/insights?metric=post_media_view,post_clicks"},
    ]


def test_views_are_impressions_and_graph_refuses_retired_metric_names(
    settings: Settings, clock: FakeClock, graph: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    """ "views" is post_media_view (impressions, what every other network counts), not the reach
    (post_total_media_view_unique); a retired name in insights_metrics gets Graph's invalid-metric
    error: views and clicks "not available", never zeros, and a warning naming the setting."""
    post = f"{PAGE}_1"
    batch = GraphBatch(
        insights={post: {"post_media_view": 1200, "post_total_media_view_unique": 800, "post_clicks": 9}}
    )
    graph.post("/v24.0/").mock(side_effect=batch)
    default = make(settings, clock)
    assert default.fetch_metrics([post]) == {
        post: {"likes": 17, "replies": 4, "reposts": 3, "views": 1200, "clicks": 9}
    }
    assert batch.requests[-1][1]["relative_url"] == f"{post}/insights?metric=post_media_view,post_clicks"
    for retired in ("post_impressions", "post_impressions_unique"):
        adapter = make(settings, clock, insights_metrics={"views": retired, "clicks": "post_clicks"})
        with caplog.at_level(logging.WARNING, logger="socialpost"):
            got = adapter.fetch_metrics([post])
        assert got == {post: {"likes": 17, "replies": 4, "reposts": 3, "views": None, "clicks": None}}
        assert "(#100) The value must be a valid insights metric" in caplog.text and "insights_metrics" in caplog.text


def test_deprecated_insights_metric_gives_none_not_a_failure(
    page: FacebookNetwork, graph: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    graph.post("/v24.0/").respond(
        200,
        json=[
            batch_item(FIELDS_BODY),
            batch_item(graph_error(100, "(#100) The value must be a valid insights metric"), 400),
        ],
    )
    with caplog.at_level(logging.WARNING, logger="socialpost"):
        metrics = page.fetch_metrics([f"{PAGE}_1"])
    assert metrics == {f"{PAGE}_1": {"likes": 17, "replies": 4, "reposts": 3, "views": None, "clicks": None}}
    assert "valid insights metric" in caplog.text and "insights_metrics" in caplog.text


def test_insights_permission_missing_gives_none(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    graph.post("/v24.0/").respond(
        200,
        json=[batch_item(FIELDS_BODY), batch_item(graph_error(10, "(#10) Requires read_insights permission"), 403)],
    )
    assert page.fetch_metrics([f"{PAGE}_1"])[f"{PAGE}_1"]["views"] is None


def test_metric_names_are_configuration_and_batches_hold_50_requests(
    settings: Settings, clock: FakeClock, graph: respx.MockRouter
) -> None:
    adapter = make(settings, clock, insights_metrics={"views": "post_reactions_by_type_total"})
    ids = [f"{PAGE}_{n}" for n in range(30)]
    batch = GraphBatch(insights={i: {"post_reactions_by_type_total": 5} for i in ids})
    route = graph.post("/v24.0/").mock(side_effect=batch)
    metrics = adapter.fetch_metrics(ids)
    assert route.call_count == 2  # 30 posts × 2 requests, 50 per call
    assert [len(b) for b in batch.requests] == [50, 10]
    assert all(
        e["relative_url"].endswith("/insights?metric=post_reactions_by_type_total")
        for b in batch.requests
        for e in b
        if "/insights" in e["relative_url"]
    )
    assert metrics[ids[-1]] == {"likes": 17, "replies": 4, "reposts": 3, "views": 5}
    assert "clicks" not in metrics[ids[-1]]


def test_metrics_without_insights_and_whole_batch_failure(
    settings: Settings, clock: FakeClock, graph: respx.MockRouter
) -> None:
    adapter = make(settings, clock, insights_metrics={})
    route = graph.post("/v24.0/").respond(200, json=[batch_item(FIELDS_BODY)])
    assert adapter.fetch_metrics([f"{PAGE}_1"]) == {f"{PAGE}_1": {"likes": 17, "replies": 4, "reposts": 3}}
    assert len(json.loads(form(route.calls.last.request)["batch"])) == 1
    route.respond(400, json=graph_error(190, "Error validating access token", subcode=460))
    with pytest.raises(AuthError):
        adapter.fetch_metrics([f"{PAGE}_1"])


def test_bad_insights_metric_key_is_a_config_error(settings: Settings, clock: FakeClock) -> None:
    from socialpost.errors import ConfigError

    with pytest.raises(ConfigError, match="insights can give 'views' and 'clicks'"):
        make(settings, clock, insights_metrics={"likes": "post_reactions_by_type_total"})


# --- check ------------------------------------------------------------------------------------------


def debug_token(expires_at: int, scopes: list[str], kind: str = "PAGE") -> dict[str, Any]:
    return {
        "data": {
            "app_id": "1234567890",
            "type": kind,
            "application": "Acme scheduler",
            "data_access_expires_at": 1806969600,
            "expires_at": expires_at,
            "is_valid": True,
            "issued_at": 1799193600,
            "profile_id": PAGE,
            "scopes": scopes,
            "user_id": "10987654321",
        }
    }


def test_check_shows_the_page_and_a_page_token_that_never_expires(
    page: FacebookNetwork, graph: respx.MockRouter
) -> None:
    route = graph.post("/v24.0/").respond(
        200,
        json=[
            batch_item({"id": PAGE, "name": "Café Acme"}),
            batch_item(
                debug_token(0, ["pages_show_list", "pages_read_engagement", "pages_manage_posts", "read_insights"])
            ),
        ],
    )
    identity = page.health()
    assert identity.display == "Café Acme"
    assert identity.details["token expires"] == "never"
    assert identity.details["insights"] == "yes"
    assert "missing permissions" not in identity.details
    request = route.calls.last.request
    assert TOKEN not in str(request.url)  # the token to inspect travels in the body only
    assert json.loads(form(request)["batch"])[1]["relative_url"] == f"debug_token?input_token={TOKEN}"
    status = identity.api_version  # the declared version, how long it has left (test clock: 2027-01-10)
    assert status is not None and status.describe() == "v24.0 (served until 2028-02-18, 404 days left)"
    assert (status.configured, status.warnings()) == (None, [])


def test_a_retired_graph_version_still_posts_and_says_what_to_do(
    settings: Settings, clock: FakeClock, graph: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    """Meta answers a retired version as the oldest one it serves, so posting goes on; the log,
    `accounts test` and `doctor` say the pin is retired and how to fix it."""
    with caplog.at_level(logging.WARNING, logger="socialpost"):
        adapter = make(settings, clock, graph_version="v20.0")  # retired 2026-09-24
    assert "Graph API v20.0 was retired on 2026-09-24" in caplog.text
    assert "remove graph_version in accounts.facebook.acme or set a newer version" in caplog.text
    feed = graph.post(f"/v20.0/{PAGE}/feed").respond(200, json={"id": f"{PAGE}_9"})
    assert adapter.publish(outgoing("hello")).remote_id == f"{PAGE}_9" and feed.called
    graph.post("/v20.0/").respond(
        200, json=[batch_item({"id": PAGE, "name": "Café Acme"}), batch_item(debug_token(0, ["read_insights"]))]
    )
    status = adapter.health().api_version
    assert status is not None and (status.version, status.state, status.configured) == ("v20.0", "retired", "v20.0")
    ((message, fix),) = status.warnings()
    assert "was retired on 2026-09-24" in message and "oldest version it still serves" in message
    assert fix.startswith(
        "Remove accounts.facebook.acme.graph_version from your config file (socialpost then uses v24.0)"
    )


def test_check_warns_about_a_user_token_and_missing_permissions(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    graph.post("/v24.0/").respond(
        200,
        json=[
            batch_item({"id": PAGE, "name": "Café Acme"}),
            batch_item(debug_token(1806969600, ["pages_show_list"], "USER")),
        ],
    )
    details = page.health().details
    assert details["token expires"] == "2027-04-06 00:00 UTC"
    assert "not a Page token" in details["warning"]
    assert details["missing permissions"] == "pages_manage_posts, pages_read_engagement"
    assert details["insights"].startswith("no")


def test_check_when_debug_token_is_refused_and_when_the_page_is_not_reachable(
    page: FacebookNetwork, graph: respx.MockRouter
) -> None:
    route = graph.post("/v24.0/")
    route.respond(
        200,
        json=[
            batch_item({"id": PAGE, "name": "Café Acme"}),
            batch_item(graph_error(100, "(#100) You must provide an app access token"), 400),
        ],
    )
    assert page.health().details["token expires"].startswith("unknown")
    route.respond(
        200,
        json=[
            batch_item(
                graph_error(
                    190, "Error validating access token: The user has not authorized application.", subcode=458
                ),
                400,
            ),
            None,
        ],
    )
    with pytest.raises(AuthError, match="socialpost accounts add facebook acme"):
        page.health()


# --- secrets ----------------------------------------------------------------------------------------


def test_token_never_in_repr_logs_or_errors(
    page: FacebookNetwork, graph: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    assert TOKEN not in repr(page.settings) and TOKEN not in str(page.settings)
    graph.post(f"/v24.0/{PAGE}/feed").respond(400, json=graph_error(100, f"(#100) bad token {TOKEN} echoed"))
    graph.post("/v24.0/").respond(200, json=[batch_item(FIELDS_BODY), batch_item(graph_error(100, "bad metric"), 400)])
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(ContentRejected) as caught:
            page.publish(outgoing())
        page.fetch_metrics([f"{PAGE}_1"])
    assert TOKEN not in str(caught.value) and "[redacted]" in str(caught.value)
    assert caplog.records and TOKEN not in caplog.text


def test_settings_validation() -> None:
    good = FacebookSettings.model_validate({"page_id": PAGE, "page_access_token": TOKEN, "graph_version": "24.0"})
    assert good.graph_version == "v24.0"
    for bad in ({"page_id": "acme"}, {"graph_version": "latest"}, {"surprise": 1}):
        with pytest.raises(ValueError):
            FacebookSettings.model_validate({"page_id": PAGE, "page_access_token": TOKEN, **bad})


# --- guided set-up ----------------------------------------------------------------------------------

APP_SECRET = "appS3cr3t-fedcba9876543210"
SHORT = "EAAGshort-lived-user-T0KEN-111"
LONG = "EAAGlong-lived-user-T0KEN-222"
PAGE_TOKEN_2 = "EAAGsecond-page-T0KEN-333"


def test_accounts_add_facebook_end_to_end(tmp_path: Path, graph: respx.MockRouter) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    exchange = graph.post("/v24.0/oauth/access_token").respond(
        200, json={"access_token": LONG, "token_type": "bearer", "expires_in": 5183944}
    )
    accounts = graph.get("/v24.0/me/accounts").respond(
        200,
        json={
            "data": [
                {
                    "access_token": TOKEN,
                    "category": "Café",
                    "category_list": [{"id": "128673187201735", "name": "Café"}],
                    "name": "Café Acme",
                    "id": PAGE,
                    "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
                },
                {
                    "access_token": PAGE_TOKEN_2,
                    "category": "Shop",
                    "name": "Acme Shop",
                    "id": "2222",
                    "tasks": ["ANALYZE"],
                },
            ],
            "paging": {"cursors": {"before": "MAZDZD", "after": "MQZDZD"}},
        },
    )
    graph.post("/v24.0/").respond(
        200,
        json=[
            batch_item({"id": PAGE, "name": "Café Acme"}),
            batch_item(debug_token(0, ["pages_show_list", "pages_read_engagement", "pages_manage_posts"])),
        ],
    )
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "accounts", "add", "facebook", "acme"],
        obj=AppContext(),
        input=f"1234567890\n{APP_SECRET}\n{SHORT}\n1\n",
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "Connected facebook:acme: Café Acme." in result.stdout
    assert "developers.facebook.com/tools/explorer" in result.stdout
    assert form(exchange.calls.last.request) == {
        "grant_type": "fb_exchange_token",
        "client_id": "1234567890",
        "client_secret": APP_SECRET,
        "fb_exchange_token": SHORT,
    }
    assert accounts.calls.last.request.headers["authorization"] == f"Bearer {LONG}"
    for call in graph.calls:
        for secret in (APP_SECRET, SHORT, LONG, TOKEN):
            assert secret not in str(call.request.url)

    text = config.read_text(encoding="utf-8")
    assert f"page_id: '{PAGE}'" in text or f'page_id: "{PAGE}"' in text
    secrets_file = tmp_path / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    stored = secrets_file.read_text(encoding="utf-8")
    assert TOKEN in stored
    for secret in (APP_SECRET, SHORT, LONG, PAGE_TOKEN_2):
        assert secret not in stored and secret not in text
    for secret in (APP_SECRET, SHORT, LONG, TOKEN, PAGE_TOKEN_2):
        assert secret not in result.stdout + result.stderr


def test_accounts_add_facebook_with_an_expired_explorer_token(tmp_path: Path, graph: respx.MockRouter) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    graph.post("/v24.0/oauth/access_token").respond(
        400,
        json=graph_error(190, f"Error validating access token: Session has expired. {SHORT}", subcode=463),
    )
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "accounts", "add", "facebook", "acme"],
        obj=AppContext(),
        input=f"1234567890\n{APP_SECRET}\n{SHORT}\n",
    )
    assert result.exit_code == 1
    assert "generate a new token in the Graph API Explorer" in result.stderr
    assert SHORT not in result.stdout + result.stderr and APP_SECRET not in result.stdout + result.stderr
    assert "acme" not in config.read_text(encoding="utf-8")
    assert not (tmp_path / "secrets.yaml").exists()


def test_accounts_add_facebook_without_pages(tmp_path: Path, graph: respx.MockRouter) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    graph.post("/v24.0/oauth/access_token").respond(200, json={"access_token": LONG, "token_type": "bearer"})
    graph.get("/v24.0/me/accounts").respond(200, json={"data": []})
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "accounts", "add", "facebook", "acme"],
        obj=AppContext(),
        input=f"1\n{APP_SECRET}\n{SHORT}\n",
    )
    assert result.exit_code == 1 and "manages no Page" in result.stderr


# --- inbox: comments and answers -------------------------------------------------------------------

POST_ID = f"{PAGE}_987654321"
COMMENTS = f"/v24.0/{POST_ID}/comments"


def comment(
    cid: str, message: str, *, who: tuple[str, str] | None, parent: str | None = None, at: str = ""
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": cid,
        "message": message,
        "created_time": at or "2027-01-10T10:15:00+0000",
        "permalink_url": f"https://www.facebook.com/{POST_ID}?comment_id={cid}",
    }
    if who is not None:
        item["from"] = {"id": who[0], "name": who[1]}
    if parent is not None:
        item["parent"] = {"id": parent}
    return item


FAN = ("5550001", "Marie Tremblay")
OTHER = ("5550002", "Jo Gagnon")
PAGE_ITSELF = (PAGE, "Café Acme")
FIRST_PAGE = {
    "data": [
        comment("987654321_111", "Vous ouvrez à quelle heure ?", who=FAN),
        comment("987654321_112", "Dès 7 h !", who=PAGE_ITSELF, parent="987654321_111", at="2027-01-10T10:20:00+0000"),
    ],
    "paging": {
        "cursors": {"before": "QVFIUb4", "after": "QVFIUaf"},
        "next": f"https://graph.facebook.com/v24.0/{POST_ID}/comments?after=QVFIUaf",
    },
}
SECOND_PAGE = {
    "data": [
        comment("987654321_113", "Et le dimanche ?", who=OTHER, parent="987654321_111", at="2027-01-10T10:30:00+0000"),
        comment("987654321_114", "Super café", who=None, at="2027-01-10T10:25:00+0000"),  # profile not visible
    ],
    "paging": {"cursors": {"before": "QVFIUb5", "after": "QVFIUag"}},
}


def test_comments_are_read_page_after_page_with_threads_and_own_answers(
    page: FacebookNetwork, graph: respx.MockRouter
) -> None:
    route = graph.get(COMMENTS).mock(
        side_effect=[httpx.Response(200, json=FIRST_PAGE), httpx.Response(200, json=SECOND_PAGE)]
    )
    replies = page.fetch_replies([POST_ID])
    first, second = (dict(call.request.url.params) for call in route.calls)
    assert first == {
        "filter": "stream",
        "order": "reverse_chronological",
        "limit": "100",
        "fields": "id,from{id,name},message,created_time,parent{id},permalink_url",
    }
    assert second == {**first, "after": "QVFIUaf"}
    assert route.calls[0].request.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(route.calls[0].request.url)
    by_id = {r.remote_id: r for r in replies}
    assert list(by_id) == ["987654321_111", "987654321_112", "987654321_113", "987654321_114"]
    question = by_id["987654321_111"]
    assert (question.in_reply_to, question.post_remote_id, question.author, question.own) == (
        POST_ID,
        POST_ID,
        "Marie Tremblay",
        False,
    )
    assert question.created_at == datetime(2027, 1, 10, 10, 15, tzinfo=UTC)
    assert question.url == f"https://www.facebook.com/{POST_ID}?comment_id=987654321_111"
    assert by_id["987654321_112"].own and by_id["987654321_112"].in_reply_to == "987654321_111"
    assert by_id["987654321_113"].in_reply_to == "987654321_111" and not by_id["987654321_113"].own
    assert by_id["987654321_114"].author == "?"


def test_the_inbox_stores_comments_once_and_the_pages_answer_marks_them(
    settings: Settings, clock: FakeClock, store: Any, graph: respx.MockRouter
) -> None:
    from tests.support.inbox import real_inbox, sent_post, stored

    settings.accounts = {"facebook": {"acme": {"page_id": PAGE, "page_access_token": TOKEN}}}
    sent_post(store, "facebook:acme", POST_ID, when=clock() - timedelta(hours=3))
    route = graph.get(COMMENTS).mock(
        side_effect=[httpx.Response(200, json=FIRST_PAGE), httpx.Response(200, json=SECOND_PAGE)] * 2
    )
    box, adapters = real_inbox(store, settings, clock)
    try:
        first = box.fetch()
        again = box.fetch()
    finally:
        adapters.close()
    assert first.as_json()["accounts"] == [
        {"account": "facebook:acme", "posts": 1, "new": 3, "answered": 1, "error": None, "unavailable": None}
    ]
    assert again.new == 0 and route.call_count == 4
    rows = {row.remote_id: row for row in stored(store)}
    assert set(rows) == {"987654321_111", "987654321_113", "987654321_114"}  # the Page's own is not an item
    assert rows["987654321_111"].answered_by_remote_id == "987654321_112"
    assert [item.remote_id for item in box.items(unanswered=True)] == ["987654321_113", "987654321_114"]


def test_a_deleted_post_has_no_comments_and_the_others_are_read(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    graph.get(f"/v24.0/{PAGE}_1/comments").respond(
        400, json=graph_error(100, "Unsupported get request. Object with ID does not exist", subcode=33)
    )
    graph.get(COMMENTS).respond(200, json={"data": [comment("987654321_111", "Bonjour", who=FAN)]})
    replies = page.fetch_replies([f"{PAGE}_1", POST_ID])
    assert [r.remote_id for r in replies] == ["987654321_111"]


def test_reply_goes_under_the_comment_thread_as_the_page(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    nested = graph.get("/v24.0/987654321_113").respond(
        200, json={"id": "987654321_113", "parent": {"id": "987654321_111"}}
    )
    top = graph.get("/v24.0/987654321_111").respond(200, json={"id": "987654321_111"})
    answer = graph.post("/v24.0/987654321_111/comments").mock(
        side_effect=[
            httpx.Response(200, json={"id": "987654321_120"}),
            httpx.Response(200, json={"id": "987654321_121"}),
        ]
    )
    published = page.reply("987654321_113", "Le dimanche aussi, dès 8 h ☕")
    assert published.remote_id == "987654321_120"
    assert dict(nested.calls.last.request.url.params) == {"fields": "id,parent{id}"}
    request = answer.calls[0].request
    assert form(request) == {"message": "Le dimanche aussi, dès 8 h ☕"}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert page.reply("987654321_111", "Merci !").remote_id == "987654321_121"  # a top-level comment
    assert top.called and form(answer.calls[1].request) == {"message": "Merci !"}


def test_a_too_long_reply_is_refused_before_any_request(
    settings: Settings, clock: FakeClock, store: Any, page: FacebookNetwork, graph: respx.MockRouter
) -> None:
    from socialpost.errors import UsageError
    from tests.support.inbox import real_inbox, sent_post

    with pytest.raises(ContentRejected, match="8,001 characters; a Facebook comment takes at most 8,000"):
        page.reply("987654321_111", "é" * 8001)
    with pytest.raises(ContentRejected, match="empty"):
        page.reply("987654321_111", "  ")
    settings.accounts = {"facebook": {"acme": {"page_id": PAGE, "page_access_token": TOKEN}}}
    sent_post(store, "facebook:acme", POST_ID, when=clock() - timedelta(hours=3))
    graph.get(COMMENTS).respond(200, json={"data": [comment("987654321_111", "Bonjour", who=FAN)]})
    box, adapters = real_inbox(store, settings, clock)
    try:
        box.fetch()
        with pytest.raises(UsageError, match="the reply is 8001 characters; facebook:acme allows 8000") as caught:
            box.reply("1", "é" * 8001)
    finally:
        adapters.close()
    assert caught.value.hint == "Shorten it by 1."
    assert [c.request.method for c in graph.calls] == ["GET"]  # only the fetch: nothing was sent


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("(#10) This endpoint requires the 'pages_read_user_content' permission", "pages_read_user_content"),
        ("(#200) Permissions error", "pages_read_engagement, pages_read_user_content"),
    ],
)
def test_a_missing_permission_is_a_clear_message_and_is_not_asked_again_for_an_hour(
    page: FacebookNetwork, graph: respx.MockRouter, clock: FakeClock, message: str, named: str
) -> None:
    code = int(message[2 : message.index(")")])
    route = graph.get(COMMENTS).respond(403, json=graph_error(code, message))
    with pytest.raises(AuthError) as caught:
        page.fetch_replies([POST_ID])
    assert f"lacks a permission Facebook requires ({named})" in caught.value.message
    assert "connect the Page again: socialpost accounts add facebook acme" in str(caught.value.hint)
    with pytest.raises(AuthError):
        page.fetch_replies([POST_ID])
    assert route.call_count == 1  # held: not asked again
    clock.advance(hours=1, seconds=1)
    with pytest.raises(AuthError):
        page.fetch_replies([POST_ID])
    assert route.call_count == 2


def test_the_inbox_reports_a_permission_error_and_reads_the_other_accounts(
    settings: Settings, clock: FakeClock, store: Any, graph: respx.MockRouter
) -> None:
    from tests.support.inbox import real_inbox, sent_post

    settings.accounts = {
        "facebook": {
            "acme": {"page_id": PAGE, "page_access_token": TOKEN},
            "cafe": {"page_id": "104857600999999", "page_access_token": TOKEN + "2"},
        }
    }
    sent_post(store, "facebook:acme", POST_ID, when=clock() - timedelta(hours=3))
    sent_post(store, "facebook:cafe", "104857600999999_5", when=clock() - timedelta(hours=2))
    graph.get(COMMENTS).respond(400, json=graph_error(10, "(#10) Requires pages_read_user_content permission"))
    graph.get("/v24.0/104857600999999_5/comments").respond(200, json={"data": [comment("5_1", "Allo", who=FAN)]})
    box, adapters = real_inbox(store, settings, clock)
    try:
        result = box.fetch()
    finally:
        adapters.close()
    errors = {a.account: a.error for a in result.accounts}
    assert errors["facebook:cafe"] is None and result.new == 1
    assert "lacks a permission Facebook requires (pages_read_user_content)" in str(errors["facebook:acme"])


def test_a_rate_limit_holds_inbox_reads_until_meta_says(
    page: FacebookNetwork, graph: respx.MockRouter, clock: FakeClock
) -> None:
    usage = {PAGE: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 10}]}
    route = graph.get(COMMENTS).mock(
        side_effect=[
            httpx.Response(
                400,
                json=graph_error(32, "(#32) Page request limit reached"),
                headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
            ),
            httpx.Response(200, json={"data": [comment("987654321_111", "Bonjour", who=FAN)]}),
        ]
    )
    with pytest.raises(RateLimited) as caught:
        page.fetch_replies([POST_ID])
    assert caught.value.retry_at == clock() + timedelta(minutes=10)
    clock.advance(minutes=9)
    with pytest.raises(RateLimited):
        page.fetch_replies([POST_ID])
    assert route.call_count == 1
    clock.advance(minutes=1)
    assert [r.remote_id for r in page.fetch_replies([POST_ID])] == ["987654321_111"]
    assert route.call_count == 2


def test_inbox_messages_in_french(page: FacebookNetwork, graph: respx.MockRouter) -> None:
    from socialpost import i18n

    i18n.activate("fr_CA.UTF-8")
    graph.get(COMMENTS).respond(400, json=graph_error(200, "(#200) Permissions error"))
    with pytest.raises(AuthError) as caught:
        page.fetch_replies([POST_ID])
    assert caught.value.message.startswith(
        "Page Facebook « acme » : il manque au jeton une permission exigée par Facebook "
        "(pages_read_engagement, pages_read_user_content)."
    )
    assert "Facebook a répondu : (#200) Permissions error (code 200, fbtrace_id AbCdEfGhIjK)." in caught.value.message
    with pytest.raises(ContentRejected) as too_long:
        page.reply("987654321_111", "é" * 8001)
    assert "un commentaire Facebook en accepte au plus 8\xa0000" in too_long.value.message
