"""The X adapter: tweepy and our v2 media uploader run for real; only the far end is local.

Three tiers:
1. Contract: every request the adapter makes goes to Prism running X's own OpenAPI spec, which
   answers 422 (with an ``sl-violations`` header) to any request that does not conform; a query
   parameter the spec does not declare for the operation (which Prism lets through and X drops
   silently) fails too (``tests.support.openapi``). Answers the tests assert values on are
   scripted in the spec's field names, checked against its schemas, or in the legacy names.
2. HTTP-level fakes (a real local HTTP server) answering with X's documented error bodies and
   rate-limit headers, to check every error path, threads, media limits, metrics, reconciliation
   and OAuth 2.0 token renewal.
3. ``socialpost accounts add x …`` end to end through the CLI, against local fakes of X's OAuth
   endpoints (PIN-based OAuth 1.0a and OAuth 2.0 with PKCE).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
import socket
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from click.testing import CliRunner

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.errors import (
    AccessTierError,
    AuthError,
    ConfigError,
    ContentRejected,
    DuplicatePost,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.networks.base import Media, NotSent, Published
from socialpost.networks.x import XNetwork, _reset_time, _snowflake_time
from socialpost.settings.config import Settings
from socialpost.text.count import x_weighted_length
from socialpost.wiring import Adapters
from tests.conftest import START, FakeClock
from tests.servers import prism as prism_server
from tests.servers.prism import Prism, prism  # noqa: F401  (the session fixture)
from tests.support.http import LocalServer, Reply
from tests.support.openapi import OpenAPI
from tests.support.x_fakes import (
    API,
    AT,
    ATS,
    BEARER,
    CK,
    CS,
    ME,
    NEW_BEARER,
    NEW_REFRESH,
    OAUTH1,
    REFRESH,
    SECRETS,
    SPELLINGS,
    Router,
    created,
    headers_of,
    mp4,
    multipart_fields,
    named,
    network,
    outgoing,
    png,
    public_metrics,
    snowflake,
    spec_post,
    timeline,
    tweet,
)

ID1, ID2, ID3 = snowflake(START, 1), snowflake(START, 2), snowflake(START, 3)


# =============================================================================================
# 1. Contract: Prism validates every request against X's OpenAPI spec
# =============================================================================================


@functools.cache
def x_spec() -> OpenAPI:
    return OpenAPI.load(prism_server.SPEC)


class PrismRecorder:
    """Checks and records every request that reaches Prism, and shapes some answers.

    * A query parameter the spec does not declare for the operation fails at once (Prism lets it
      through; X would drop it silently and answer 200 without the fields asked for).
    * ``answer(route, body)``: once Prism has validated a request to ``route`` ("GET /2/tweets",
      the spec's path template), it is answered with ``body`` instead of Prism's invented one, so
      tests assert values. The body is checked strictly against the spec's schema, unless it is in
      the ``legacy`` names (outside the spec by design).
    * With ``-d`` Prism generates answers from the schemas; ids whose schema has no pattern come
      back as words ("lorem ipsum"), which X never sends and which would make our *next* request
      invalid: those are rewritten to X-shaped numeric ids.

    Every request still goes to Prism unchanged."""

    def __init__(self) -> None:
        self.spec = x_spec()
        self.seen: list[tuple[str, str, int, str | None]] = []
        self.undeclared: list[str] = []
        self.scripted: dict[str, tuple[Any, bool]] = {}  # route → (body, in the legacy names)
        self.counter = 1865432109876543000

    def answer(self, route: str, body: Any, *, legacy: bool = False) -> None:
        self.scripted[route] = (body, legacy)

    def __call__(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> requests.Response:
        request = response.request
        method, url = str(request.method), str(request.url)
        self.seen.append((method, url, response.status_code, response.headers.get("sl-violations")))
        problems = self.spec.query_violations(method, url)
        if problems:
            self.undeclared += problems
            raise AssertionError(f"a request X's spec does not allow: {problems}")
        operation = self.spec.operation(method, url)
        route = f"{method} {operation.template}" if operation else ""
        if route in self.scripted and response.status_code < 300 and not response.headers.get("sl-violations"):
            body, legacy = self.scripted[route]
            mismatches = [] if legacy else self.spec.response_violations(method, url, body, strict=True)
            assert not mismatches, f"a scripted answer that is not shaped like X's: {mismatches}"
            response._content = json.dumps(body).encode()
            return response
        try:
            body = response.json()
        except ValueError:
            return response
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, dict):
            if not str(data.get("id", "")).isdigit():
                self.counter += 1
                data["id"] = str(self.counter)
            if "processing_info" in data:
                state = "in_progress" if str(request.url).endswith("/finalize") else "succeeded"
                data["processing_info"] = {"state": state, "check_after_secs": 1}
            response._content = json.dumps(body).encode()
        return response

    def assert_all_valid(self) -> None:
        assert self.seen, "no request reached Prism"
        bad = [s for s in self.seen if s[3] or s[2] >= 400]
        assert not bad, f"Prism rejected requests against X's spec: {bad}"
        assert not self.undeclared, self.undeclared


@pytest.fixture
def on_prism(settings: Settings, clock: FakeClock, prism: Prism) -> Iterator[tuple[XNetwork, PrismRecorder]]:  # noqa: F811
    adapter = network(settings, clock, prism.url, collect_metrics=True, timeout=20)
    recorder = PrismRecorder()
    adapter._api().session.hooks["response"].append(recorder)
    yield adapter, recorder
    adapter.close()
    assert recorder.undeclared == [], "requests with query parameters X's spec does not declare"


def paths(recorder: PrismRecorder) -> list[str]:
    return [f"{method} {urlsplit(url).path}" for method, url, _, _ in recorder.seen]


def test_prism_single_post_and_thread(on_prism: tuple[XNetwork, PrismRecorder]) -> None:
    adapter, recorder = on_prism
    published = adapter.publish(outgoing(thread=("2/3 la suite", "3/3 fin")))
    assert published.remote_id.isdigit()
    assert published.url == f"https://x.com/i/status/{published.remote_id}"
    assert paths(recorder) == ["POST /2/tweets"] * 3
    recorder.assert_all_valid()


def test_prism_image_upload_with_alt_text(on_prism: tuple[XNetwork, PrismRecorder], tmp_path: Path) -> None:
    adapter, recorder = on_prism
    image = png(tmp_path / "teaser.png")
    adapter.publish(outgoing(key="sp-img", media=(Media(str(image), "Un sac de café"),)))
    assert paths(recorder) == ["POST /2/media/upload", "POST /2/media/metadata", "POST /2/tweets"]
    recorder.assert_all_valid()


def test_prism_chunked_video_upload(on_prism: tuple[XNetwork, PrismRecorder], tmp_path: Path) -> None:
    adapter, recorder = on_prism
    adapter._media().chunk_bytes = 4_000
    video = mp4(tmp_path / "clip.mp4", 10_000)
    adapter.publish(outgoing(key="sp-vid", media=(Media(str(video), "A short clip"),)))
    media_id = urlsplit(recorder.seen[1][1]).path.split("/")[4]
    assert paths(recorder) == [
        "POST /2/media/upload/initialize",
        f"POST /2/media/upload/{media_id}/append",
        f"POST /2/media/upload/{media_id}/append",
        f"POST /2/media/upload/{media_id}/append",
        f"POST /2/media/upload/{media_id}/finalize",
        "GET /2/media/upload",  # status poll while X "processes" the video
        "POST /2/media/metadata",
        "POST /2/tweets",
    ]
    recorder.assert_all_valid()


def test_prism_reads_metrics_account_and_recent_posts(on_prism: tuple[XNetwork, PrismRecorder]) -> None:
    adapter, recorder = on_prism
    old = snowflake(START - timedelta(days=90))
    metrics = adapter.fetch_metrics([ID1, old])
    for _again in range(5):  # Prism's dynamic answers leave out the optional "data" now and then
        if metrics:
            break
        metrics = adapter.fetch_metrics([ID1, old])
    assert metrics and all(
        set(m) == {"views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks"} for m in metrics.values()
    )
    identity = adapter.health()
    assert identity.display.startswith("@")
    found = adapter.reconcile(outgoing(text="nothing like this"))
    assert found is None or isinstance(found, NotSent)
    queries = [parse_qs(urlsplit(url).query) for _, url, _, _ in recorder.seen]
    assert queries[0]["post.fields"] == ["public_metrics,non_public_metrics,organic_metrics"]
    assert any(q.get("post.fields") == ["public_metrics"] for q in queries)
    assert not any("tweet.fields" in q for q in queries)
    assert any(
        urlsplit(url).path.endswith("/tweets") and "start_time" in q
        for (_, url, _, _), q in zip(recorder.seen, queries, strict=True)
    )
    recorder.assert_all_valid()


def test_prism_oauth2_bearer_requests(settings: Settings, clock: FakeClock, prism: Prism) -> None:  # noqa: F811
    adapter = network(settings, clock, prism.url, oauth2_access_token=BEARER, timeout=20, collect_metrics=True)
    recorder = PrismRecorder()
    adapter._api().session.hooks["response"].append(recorder)
    adapter.publish(outgoing())
    adapter.health()
    adapter.fetch_metrics([ID1])  # a read through tweepy's client with the spec's names, signed by the token
    assert any(urlsplit(url).path == "/2/tweets" for _, url, _, _ in recorder.seen)
    recorder.assert_all_valid()
    adapter.close()


def test_prism_reply_is_a_post_in_reply_to_the_item(on_prism: tuple[XNetwork, PrismRecorder]) -> None:
    adapter, recorder = on_prism
    published = adapter.reply(ID1, "Merci ! On ouvre à 7 h ☕")
    assert published.remote_id.isdigit()
    assert paths(recorder) == ["POST /2/tweets"]
    recorder.assert_all_valid()


def test_prism_reply_search_by_conversation(on_prism: tuple[XNetwork, PrismRecorder]) -> None:
    adapter, recorder = on_prism
    adapter.fetch_replies([ID1, ID2])  # Prism invents the posts: only the requests are checked here
    searches = [(url, parse_qs(urlsplit(url).query)) for _, url, _, _ in recorder.seen if "/search/" in url]
    assert searches, paths(recorder)
    url, query = searches[0]
    assert urlsplit(url).path == "/2/tweets/search/recent"
    assert query["query"] == [f"conversation_id:{ID1} OR conversation_id:{ID2}"]
    assert query["expansions"] == ["author_id,referenced_posts"] and query["user.fields"] == ["username,name"]
    assert query["post.fields"] == ["conversation_id,created_at"] and "tweet.fields" not in query
    recorder.assert_all_valid()


def test_prism_forced_429_is_rate_limited(on_prism: tuple[XNetwork, PrismRecorder]) -> None:
    adapter, _recorder = on_prism
    adapter._api().session.headers["Prefer"] = "code=429"
    with pytest.raises(RateLimited) as caught:
        adapter.publish(outgoing())
    assert caught.value.status == 429


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_prism_metrics_values_in_either_spelling(on_prism: tuple[XNetwork, PrismRecorder], spelling: str) -> None:
    adapter, recorder = on_prism
    old = snowflake(START - timedelta(days=90))
    private = {"impression_count": 912, "url_link_clicks": 9, "user_profile_clicks": 5}

    def metrics(ids: list[str]) -> dict[str, Any]:
        return {"data": [spec_post(spelling, i, "…", public_metrics=public_metrics(spelling),
                                   non_public_metrics=private, organic_metrics=private) for i in ids]}  # fmt: skip

    recorder.answer("GET /2/tweets", metrics([ID1]), legacy=spelling == "legacy")
    assert adapter.fetch_metrics([ID1]) == {
        ID1: {"views": 912, "likes": 17, "reposts": 3, "replies": 2, "quotes": 1, "bookmarks": 4, "clicks": 9}
    }
    recorder.answer("GET /2/tweets", {"data": [spec_post(spelling, old, "…", public_metrics=public_metrics(
        spelling, reposts=0, like_count=0, impression_count=40))]}, legacy=spelling == "legacy")  # fmt: skip
    assert adapter.fetch_metrics([old]) == {
        old: {"views": 40, "likes": 0, "reposts": 0, "replies": 2, "quotes": 1, "bookmarks": 4, "clicks": None}
    }
    queries = [parse_qs(urlsplit(url).query) for _, url, _, _ in recorder.seen]
    assert [q["post.fields"] for q in queries] == [["public_metrics,non_public_metrics,organic_metrics"],
                                                   ["public_metrics"]]  # fmt: skip
    recorder.assert_all_valid()


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_prism_reconciles_a_thread_in_either_spelling(on_prism: tuple[XNetwork, PrismRecorder], spelling: str) -> None:
    adapter, recorder = on_prism
    legacy = spelling == "legacy"
    recorder.answer("GET /2/users/me", ME, legacy=legacy)
    recorder.answer("GET /2/users/{id}/tweets", {"data": [  # newest first, as X lists them
        spec_post(spelling, ID3, "3/3 fin", reply_to=ID2, root=ID1),
        spec_post(spelling, ID2, "2/3 la suite", reply_to=ID1, root=ID1),
        spec_post(spelling, ID1, "Bonjour ☕ https://t.co/xyz"),
    ], "meta": {"result_count": 3}}, legacy=legacy)  # fmt: skip
    post = outgoing(thread=("2/3 la suite", "3/3 fin"))
    assert adapter.reconcile(post) == Published(ID1, f"https://x.com/i/status/{ID1}")
    assert adapter._threads.load(post.key) == [ID1, ID2, ID3]
    (timeline_request,) = [url for _, url, _, _ in recorder.seen if url.split("?")[0].endswith("/tweets")]
    query = parse_qs(urlsplit(timeline_request).query)
    assert query["post.fields"] == ["created_at,conversation_id"] and query["expansions"] == ["referenced_posts"]
    before = len(recorder.seen)
    assert adapter.publish(post).remote_id == ID1 and len(recorder.seen) == before  # nothing is sent again
    recorder.assert_all_valid()


def test_prism_a_thread_whose_references_x_left_out_is_undecided_not_resent(
    on_prism: tuple[XNetwork, PrismRecorder],
) -> None:
    adapter, recorder = on_prism
    recorder.answer("GET /2/users/me", ME)
    first = spec_post("spec", ID1, "Bonjour ☕ https://t.co/xyz")
    bare = {"id": ID2, "text": "2/3 la suite", "edit_history_post_ids": [ID2]}  # neither references nor conversation
    recorder.answer("GET /2/users/{id}/tweets", {"data": [bare, first], "meta": {"result_count": 2}})
    post = outgoing(thread=("2/3 la suite", "3/3 fin"))
    assert adapter.reconcile(post) is None  # not NotSent: that would post parts 2 and 3 again
    assert adapter._threads.load(post.key) == [ID1]  # what is known is kept
    recorder.assert_all_valid()


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_prism_replies_in_either_spelling(on_prism: tuple[XNetwork, PrismRecorder], spelling: str) -> None:
    adapter, recorder = on_prism
    recorder.answer("GET /2/users/me", ME, legacy=spelling == "legacy")
    page = [
        spec_post(spelling, R2, "@marie_t Dès 7 h !", reply_to=R1, root=ID1, author_id=ME_ID),
        spec_post(spelling, R1, "@acme Vous ouvrez à quelle heure ?", reply_to=ID1, root=ID1, author_id=FAN_ID),
    ]
    answer = {"data": page, "includes": {"users": USERS}, "meta": {"result_count": 2}}
    recorder.answer("GET /2/tweets/search/recent", answer, legacy=spelling == "legacy")
    replies = {r.remote_id: r for r in adapter.fetch_replies([ID1])}
    assert (replies[R1].in_reply_to, replies[R1].post_remote_id, replies[R1].author, replies[R1].own) == (
        ID1, ID1, "@marie_t", False)  # fmt: skip
    assert (replies[R2].in_reply_to, replies[R2].own) == (R1, True)
    recorder.assert_all_valid()


# --- the strict query check itself, against X's spec ---------------------------------------------


def test_the_spec_check_refuses_what_prism_lets_through() -> None:
    spec = x_spec()
    legacy = f"{API}/2/tweets?ids={ID1}&tweet.fields=public_metrics"
    assert spec.query_violations("GET", legacy) == [
        "GET /2/tweets (getPostsByIds): query parameter 'tweet.fields' is not declared (X would drop it silently)"
    ]
    assert spec.query_violations("GET", f"{API}/2/tweets?ids={ID1}&post.fields=public_metrics") == []
    wrong = spec.query_violations("GET", f"{API}/2/tweets?post.fields=public_metrics,referenced_posts")
    assert wrong == [
        "GET /2/tweets (getPostsByIds): post.fields='referenced_posts' is not one of its values",
        "GET /2/tweets (getPostsByIds): required query parameter 'ids' is missing",
    ]
    # a literal path wins over a template: /2/tweets/search/recent is not /2/tweets/{id}
    search = spec.query_violations("GET", f"{API}/2/tweets/search/recent?query=a&expansions=referenced_tweets.id")
    assert search == ["GET /2/tweets/search/recent (searchPostsRecent): expansions='referenced_tweets.id' is not "
                      "one of its values"]  # fmt: skip


def test_the_spec_check_of_scripted_answers_refuses_the_legacy_names_when_strict() -> None:
    spec = x_spec()
    url = f"{API}/2/tweets?ids={ID1}"
    legacy = {"data": [spec_post("legacy", ID1, "a", public_metrics=public_metrics("legacy"))]}
    problems = spec.response_violations("GET", url, legacy, strict=True)
    assert "body.data[0].public_metrics.repost_count is required" in problems
    assert "body.data[0].public_metrics.retweet_count is not a property the spec declares" in problems
    assert "body.data[0].edit_history_tweet_ids is not a property the spec declares" in problems
    assert spec.response_violations("GET", url, legacy) == ["body.data[0].public_metrics.repost_count is required"]
    current = {"data": [spec_post("spec", ID1, "a", reply_to=ID2, public_metrics=public_metrics("spec"))]}
    assert spec.response_violations("GET", url, current, strict=True) == []


# =============================================================================================
# 2. HTTP-level fakes shaped like X's answers
# =============================================================================================


@pytest.fixture(scope="module")
def shared_server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture
def server(shared_server: LocalServer) -> LocalServer:
    shared_server.requests.clear()
    shared_server.respond(Reply(500, {"title": "unexpected request"}))
    return shared_server


@pytest.fixture
def x(settings: Settings, clock: FakeClock, server: LocalServer) -> Iterator[XNetwork]:
    adapter = network(settings, clock, server.url)
    yield adapter
    adapter.close()


# --- posting and threads ------------------------------------------------------------------------


def test_single_post_request_and_result(x: XNetwork, server: LocalServer) -> None:
    server.respond(created(ID1))
    assert x.publish(outgoing()) == Published(ID1, f"https://x.com/i/status/{ID1}")
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/2/tweets")
    assert request.json == {"text": "Bonjour ☕ https://example.com/launch"}
    assert headers_of(request)["authorization"].startswith("OAuth ")
    assert f'oauth_consumer_key="{CK}"' in headers_of(request)["authorization"]
    assert CS not in headers_of(request)["authorization"] and ATS not in headers_of(request)["authorization"]


def test_thread_parts_reply_to_the_previous_and_are_sent_exactly_as_counted(x: XNetwork, server: LocalServer) -> None:
    part2 = "é" * 250 + " https://example.com/a-very-long-path/that/counts/as/23/characters/only"
    part3 = "日本語" * 46 + "ab"  # 138 CJK (weight 2) + 2 = 278
    assert x_weighted_length(part2) == 274 and x_weighted_length(part3) == 278
    server.respond([created(ID1), created(ID2), created(ID3)])
    published = x.publish(outgoing(text="a" * 280, thread=(part2, part3)))
    assert published.remote_id == ID1
    bodies = [r.json for r in server.requests]
    assert bodies == [
        {"text": "a" * 280},
        {"text": part2, "reply": {"in_reply_to_tweet_id": ID1}},
        {"text": part3, "reply": {"in_reply_to_tweet_id": ID2}},
    ]
    assert [x_weighted_length(b["text"]) for b in bodies] == [280, 274, 278]


@pytest.mark.parametrize(
    ("text", "thread", "message"),
    [
        ("a" * 281, (), "the post is 281 characters as X counts them; X allows 280"),
        ("ok", ("日" * 141,), "part 2 of the thread is 282 characters"),
        ("ok", ("",), "part 2 of the thread is empty"),
        ("bad \ufffe char", (), "characters X refuses (U+FFFE)"),
    ],
)
def test_too_long_or_invalid_text_is_rejected_before_anything_is_sent(
    x: XNetwork, server: LocalServer, text: str, thread: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ContentRejected) as caught:
        x.publish(outgoing(text=text, thread=thread))
    assert message in str(caught.value)
    assert server.requests == []


def test_a_thread_that_failed_halfway_resumes_without_reposting(x: XNetwork, server: LocalServer) -> None:
    server.respond([created(ID1), Reply(503, {"title": "Service Unavailable", "detail": "Service Unavailable"})])
    post = outgoing(thread=("2/2",))
    with pytest.raises(TransientError) as caught:
        x.publish(post)
    assert caught.value.status == 503 and not caught.value.request_sent
    server.requests.clear()
    server.respond(created(ID2))
    assert x.publish(post).remote_id == ID1
    (request,) = server.requests
    assert request.json == {"text": "2/2", "reply": {"in_reply_to_tweet_id": ID1}}
    server.requests.clear()
    assert x.publish(post).remote_id == ID1  # everything is recorded: nothing is sent again
    assert x.reconcile(post) == Published(ID1, f"https://x.com/i/status/{ID1}")
    assert server.requests == []


# --- errors -------------------------------------------------------------------------------------

DUPLICATE = Reply(
    403,
    {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    },
)


def test_duplicate_is_reconciled_to_the_existing_post(x: XNetwork, server: LocalServer) -> None:
    # X gives the text back with links as t.co and & as &amp;
    server.respond(
        Router(
            {
                "POST /2/tweets": DUPLICATE,
                "GET /2/users/me": Reply(200, ME),
                "GET /2/users/2244994945/tweets": timeline(
                    tweet(ID2, "something else"), tweet(ID1, "Bonjour ☕ &amp; https://t.co/AbCdEf1234")
                ),
            }
        )
    )
    with pytest.raises(DuplicatePost) as caught:
        x.publish(outgoing(text="Bonjour ☕ & https://example.com/launch"))
    assert caught.value.existing_id == ID1
    assert caught.value.existing_url == f"https://x.com/i/status/{ID1}"
    query = parse_qs(urlsplit(server.requests[-1].path).query)
    assert query["start_time"] == ["2027-01-10T11:50:00Z"] and query["max_results"] == ["100"]


def test_duplicate_that_is_not_ours_fails_with_the_reason(x: XNetwork, server: LocalServer) -> None:
    server.respond(
        Router(
            {
                "POST /2/tweets": DUPLICATE,
                "GET /2/users/me": Reply(200, ME),
                "GET /2/users/2244994945/tweets": timeline(),
            }
        )
    )
    with pytest.raises(DuplicatePost) as caught:
        x.publish(outgoing())
    assert caught.value.existing_id is None
    assert "already has one with exactly the same text" in str(caught.value)
    assert "You are not allowed to create a Tweet with duplicate content." in str(caught.value)


def test_429_uses_the_24_hour_reset_when_that_window_is_used_up(x: XNetwork, server: LocalServer) -> None:
    fifteen, day = int(START.timestamp()) + 600, int(START.timestamp()) + 20 * 3600
    server.respond(
        Reply(
            429,
            {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
            {
                "x-rate-limit-limit": "100",
                "x-rate-limit-remaining": "99",
                "x-rate-limit-reset": str(fifteen),
                "x-user-limit-24hour-limit": "17",
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": str(day),
                "x-app-limit-24hour-limit": "1667",
                "x-app-limit-24hour-remaining": "1500",
                "x-app-limit-24hour-reset": str(day - 3600),
            },
        )
    )
    with pytest.raises(RateLimited) as caught:
        x.publish(outgoing())
    assert caught.value.retry_at == datetime.fromtimestamp(day, UTC)
    assert caught.value.status == 429 and "rate limit" in str(caught.value)


def test_reset_time_rules() -> None:
    now = START
    soon, later = int(now.timestamp()) + 900, int(now.timestamp()) + 80_000
    assert _reset_time(
        {
            "x-rate-limit-reset": str(soon),
            "x-rate-limit-remaining": "0",
            "x-user-limit-24hour-reset": str(later),
            "x-user-limit-24hour-remaining": "3",
        },
        now,
    ) == (datetime.fromtimestamp(soon, UTC))
    # X did not say which window is used up: the latest reset is the safe one
    assert _reset_time({"x-rate-limit-reset": str(soon), "x-app-limit-24hour-reset": str(later)}, now) == (
        datetime.fromtimestamp(later, UTC)
    )
    assert _reset_time({}, now) is None
    assert _reset_time({"x-rate-limit-reset": "12"}, now) == now  # in the past: now


def test_401_is_an_auth_error_that_says_how_to_fix_it(x: XNetwork, server: LocalServer) -> None:
    server.respond(
        Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    )
    with pytest.raises(AuthError) as caught:
        x.publish(outgoing())
    assert caught.value.status == 401
    assert "socialpost accounts add x acme" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "title": "Forbidden",
                "type": "about:blank",
                "status": 403,
                "detail": "Your client app is not configured with the appropriate oauth1 app permissions for "
                "this endpoint.",
            },
            "set App permissions to 'Read and write'",
        ),
        (
            {
                "client_id": "28374651",
                "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
                "tokens from a Twitter developer App that is attached to a Project. You can create a project via "
                "the developer portal.",
                "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
                "title": "Client Forbidden",
                "required_enrollment": "Appropriate Level of API Access",
                "reason": "client-not-enrolled",
                "type": "https://api.twitter.com/2/problems/client-forbidden",
            },
            "must belong to a Project",
        ),
    ],
)
def test_403_permission_problems_name_the_fix(
    x: XNetwork, server: LocalServer, body: dict[str, Any], expected: str
) -> None:
    server.respond(Reply(403, body))
    with pytest.raises(AuthError) as caught:
        x.publish(outgoing())
    assert expected in str(caught.value)
    assert str(body["detail"])[:60] in str(caught.value)


def test_400_is_content_rejected_with_x_reason(x: XNetwork, server: LocalServer) -> None:
    server.respond(
        Reply(
            400,
            {
                "errors": [
                    {
                        "parameters": {"reply.in_reply_to_tweet_id": ["1"]},
                        "message": "The `reply.in_reply_to_tweet_id` query parameter value [1] is not valid",
                    }
                ],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
        )
    )
    with pytest.raises(ContentRejected) as caught:
        x.publish(outgoing())
    assert caught.value.status == 400 and "is not valid" in str(caught.value)


def test_402_no_credits_is_permanent(x: XNetwork, server: LocalServer) -> None:
    server.respond(
        Reply(
            402,
            {
                "title": "CreditsDepleted",
                "detail": "Your enrolled account does not have any credits to fulfill this request.",
                "type": "https://api.twitter.com/2/problems/credits",
            },
        )
    )
    with pytest.raises(PermanentError) as caught:
        x.publish(outgoing())
    assert "no API credits left" in str(caught.value)


def test_read_timeout_may_have_posted(settings: Settings, clock: FakeClock, server: LocalServer) -> None:
    adapter = network(settings, clock, server.url, timeout=0.3)
    server.respond(Reply(201, {"data": {"id": ID1, "text": "late"}}, delay=1.0))
    with pytest.raises(TransientError) as caught:
        adapter.publish(outgoing())
    assert caught.value.request_sent is True
    assert "did not answer within 0.3 s" in str(caught.value)


def test_connection_reset_may_have_posted(x: XNetwork, server: LocalServer) -> None:
    server.respond(Reply(reset=True))
    with pytest.raises(TransientError) as caught:
        x.publish(outgoing())
    assert caught.value.request_sent is True


def test_connection_refused_did_not_post(settings: Settings, clock: FakeClock) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    adapter = network(settings, clock, f"http://127.0.0.1:{port}")
    with pytest.raises(TransientError) as caught:
        adapter.publish(outgoing())
    assert caught.value.request_sent is False


# --- media --------------------------------------------------------------------------------------


def test_image_upload_request_shapes(x: XNetwork, server: LocalServer, tmp_path: Path) -> None:
    image = png(tmp_path / "teaser.png")
    server.respond(
        Router(
            {
                "POST /2/media/upload": Reply(
                    200,
                    {
                        "data": {
                            "id": "1880028106020515840",
                            "media_key": "3_188",
                            "size": image.stat().st_size,
                            "image": {"image_type": "image/png", "w": 8, "h": 8},
                            "expires_after_secs": 86400,
                        }
                    },
                ),
                "POST /2/media/metadata": Reply(
                    200, {"data": {"id": "1880028106020515840", "associated_metadata": {"alt_text": {"text": "x"}}}}
                ),
                "POST /2/tweets": created(ID1),
            }
        )
    )
    x.publish(outgoing(media=(Media(str(image), "Un sac de café sur un comptoir"),)))
    upload, metadata, create = server.requests
    fields = multipart_fields(upload)
    assert fields["media_category"] == b"tweet_image" and fields["media"] == image.read_bytes()
    assert headers_of(upload)["authorization"].startswith("OAuth ")
    assert metadata.json == {
        "id": "1880028106020515840",
        "metadata": {"alt_text": {"text": "Un sac de café sur un comptoir"}},
    }
    assert create.json == {"text": outgoing().text, "media": {"media_ids": ["1880028106020515840"]}}


def test_video_is_chunked_and_polled_until_processed(x: XNetwork, server: LocalServer, tmp_path: Path) -> None:
    video = mp4(tmp_path / "clip.mp4", 9_000)
    media_id = "1880028106020515841"
    server.respond(
        Router(
            {
                "POST /2/media/upload/initialize": Reply(
                    200, {"data": {"id": media_id, "media_key": "7_1", "expires_after_secs": 86399}}
                ),
                f"POST /2/media/upload/{media_id}/append": Reply(200, {"data": {"expires_at": 1770000000}}),
                f"POST /2/media/upload/{media_id}/finalize": Reply(
                    200,
                    {
                        "data": {
                            "id": media_id,
                            "media_key": "7_1",
                            "size": 9000,
                            "expires_after_secs": 86400,
                            "processing_info": {"state": "pending", "check_after_secs": 1},
                        }
                    },
                ),
                "GET /2/media/upload": [
                    Reply(
                        200,
                        {
                            "data": {
                                "id": media_id,
                                "processing_info": {
                                    "state": "in_progress",
                                    "check_after_secs": 3,
                                    "progress_percent": 40,
                                },
                            }
                        },
                    ),
                    Reply(
                        200,
                        {"data": {"id": media_id, "processing_info": {"state": "succeeded", "progress_percent": 100}}},
                    ),
                ],
                "POST /2/tweets": created(ID1),
            }
        )
    )
    waits: list[float] = []
    x.sleep = waits.append
    x._media().chunk_bytes = 4_000
    x.publish(outgoing(media=(Media(str(video), ""),)))
    got = [f"{r.method} {r.path}" for r in server.requests]
    assert got == [
        "POST /2/media/upload/initialize",
        f"POST /2/media/upload/{media_id}/append",
        f"POST /2/media/upload/{media_id}/append",
        f"POST /2/media/upload/{media_id}/append",
        f"POST /2/media/upload/{media_id}/finalize",
        f"GET /2/media/upload?media_id={media_id}&command=STATUS",
        f"GET /2/media/upload?media_id={media_id}&command=STATUS",
        "POST /2/tweets",
    ]  # no alt text: no metadata call
    assert server.requests[0].json == {"media_type": "video/mp4", "total_bytes": 9000, "media_category": "tweet_video"}
    chunks = [multipart_fields(r) for r in server.requests[1:4]]
    assert [c["segment_index"] for c in chunks] == [b"0", b"1", b"2"]
    assert b"".join(c["media"] for c in chunks) == video.read_bytes()
    assert waits == [1.0, 3.0]


def test_failed_processing_is_content_rejected(x: XNetwork, server: LocalServer, tmp_path: Path) -> None:
    video = mp4(tmp_path / "clip.mp4")
    server.respond(
        Router(
            {
                "POST /2/media/upload/initialize": Reply(200, {"data": {"id": "11"}}),
                "POST /2/media/upload/11/append": Reply(200, {}),
                "POST /2/media/upload/11/finalize": Reply(
                    200,
                    {
                        "data": {
                            "id": "11",
                            "processing_info": {
                                "state": "failed",
                                "error": {"code": 1, "name": "InvalidMedia", "message": "Invalid or Unsupported media"},
                            },
                        }
                    },
                ),
            }
        )
    )
    with pytest.raises(ContentRejected) as caught:
        x.publish(outgoing(media=(Media(str(video), ""),)))
    assert "could not process clip.mp4 (Invalid or Unsupported media)" in str(caught.value)
    assert not any(r.path == "/2/tweets" for r in server.requests)


def test_processing_that_takes_too_long_is_transient(
    settings: Settings, clock: FakeClock, server: LocalServer, tmp_path: Path
) -> None:
    adapter = network(settings, clock, server.url, media_processing_timeout=0.5)
    server.respond(
        Router(
            {
                "POST /2/media/upload/initialize": Reply(200, {"data": {"id": "12"}}),
                "POST /2/media/upload/12/append": Reply(200, {}),
                "POST /2/media/upload/12/finalize": Reply(
                    200, {"data": {"id": "12", "processing_info": {"state": "pending", "check_after_secs": 5}}}
                ),
            }
        )
    )
    with pytest.raises(TransientError) as caught:
        adapter.publish(outgoing(media=(Media(str(mp4(tmp_path / "v.mp4")), ""),)))
    assert "still processing" in str(caught.value) and not caught.value.request_sent


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ("five-images", "at most 4 images; this one has 5"),
        ("big-image", "is 5.0 MB; X takes at most 5 MB for an image"),
        ("video-and-image", "one video or one animated GIF on its own"),
        ("text-file", "cannot be used"),  # one neutral message (socialpost.media): not a file type …
        ("missing", "cannot be used"),  # … nor "not found", which would tell what exists
        ("long-alt", "the alt text of a.png has 1001 characters; X allows 1000"),
    ],
)
def test_media_that_cannot_go_is_rejected_before_anything_is_sent(
    x: XNetwork, server: LocalServer, tmp_path: Path, files: str, message: str
) -> None:
    image = png(tmp_path / "a.png")
    media: tuple[Media, ...] = {
        "five-images": tuple(Media(str(image), "") for _ in range(5)),
        "big-image": (Media(str(png(tmp_path / "big.png", 5 * 1024 * 1024 + 1)), ""),),
        "video-and-image": (Media(str(mp4(tmp_path / "v.mp4")), ""), Media(str(image), "")),
        "text-file": (Media(str(tmp_path / "notes.txt"), ""),),
        "missing": (Media(str(tmp_path / "nope.jpg"), ""),),
        "long-alt": (Media(str(image), "a" * 1001),),
    }[files]
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ContentRejected) as caught:
        x.publish(outgoing(media=media))
    assert message in str(caught.value)
    assert server.requests == []


# --- metrics ------------------------------------------------------------------------------------


def test_metrics_are_off_by_default_and_cost_nothing(x: XNetwork, server: LocalServer) -> None:
    assert x.fetch_metrics([ID1, ID2]) == {}
    assert server.requests == []


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_metrics_recent_posts_with_private_fields_older_public_only(
    settings: Settings, clock: FakeClock, server: LocalServer, spelling: str
) -> None:
    adapter = network(settings, clock, server.url, collect_metrics=True)
    old = snowflake(START - timedelta(days=45))
    public = public_metrics(spelling)
    history = named(spelling)["history"]
    server.respond(
        [
            Reply(
                200,
                {
                    "data": [
                        {
                            "id": ID1,
                            "text": "a",
                            history: [ID1],
                            "public_metrics": public,
                            "non_public_metrics": {
                                "impression_count": 912,
                                "url_link_clicks": 9,
                                "user_profile_clicks": 5,
                            },
                            "organic_metrics": {
                                "impression_count": 912,
                                "like_count": 17,
                                "reply_count": 2,
                                named(spelling)["reposts"]: 3,
                                "url_link_clicks": 9,
                                "user_profile_clicks": 5,
                            },
                        }
                    ]
                },
            ),
            Reply(
                200,
                {
                    "data": [
                        {
                            "id": old,
                            "text": "b",
                            history: [old],
                            "public_metrics": {**public, "impression_count": 40, "like_count": 0},
                        }
                    ]
                },
            ),
        ]
    )
    metrics = adapter.fetch_metrics([ID1, old])
    assert metrics == {
        ID1: {"views": 912, "likes": 17, "reposts": 3, "replies": 2, "quotes": 1, "bookmarks": 4, "clicks": 9},
        old: {"views": 40, "likes": 0, "reposts": 3, "replies": 2, "quotes": 1, "bookmarks": 4, "clicks": None},
    }
    first, second = (parse_qs(urlsplit(r.path).query) for r in server.requests)
    assert first == {"ids": [ID1], "post.fields": ["public_metrics,non_public_metrics,organic_metrics"]}
    assert second == {"ids": [old], "post.fields": ["public_metrics"]}
    assert all(headers_of(r)["authorization"].startswith("OAuth ") for r in server.requests)


def test_metrics_x_left_out_are_unknown_never_zero(settings: Settings, clock: FakeClock, server: LocalServer) -> None:
    adapter = network(settings, clock, server.url, collect_metrics=True)
    old, older = snowflake(START - timedelta(days=45)), snowflake(START - timedelta(days=46))
    partial = {"like_count": 5, "reply_count": 0}  # neither repost_count nor retweet_count
    server.respond(
        Reply(200, {"data": [{"id": old, "text": "a", "public_metrics": partial}, {"id": older, "text": "b"}]})
    )
    unknown = dict.fromkeys(("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks"))
    assert adapter.fetch_metrics([old, older]) == {
        old: {**unknown, "likes": 5, "replies": 0},
        older: unknown,  # public_metrics itself left out
    }


def test_the_spec_spelling_wins_when_both_are_given(settings: Settings, clock: FakeClock, server: LocalServer) -> None:
    adapter = network(settings, clock, server.url, collect_metrics=True)
    old = snowflake(START - timedelta(days=45))
    both = {"repost_count": 8, "retweet_count": 7}
    server.respond(Reply(200, {"data": [{"id": old, "text": "a", "public_metrics": both}]}))
    assert adapter.fetch_metrics([old])[old]["reposts"] == 8


def test_metrics_batch_100_ids_and_respect_the_daily_cap(
    settings: Settings, clock: FakeClock, server: LocalServer
) -> None:
    adapter = network(settings, clock, server.url, collect_metrics=True, max_metric_reads_per_day=150)
    server.respond(Reply(200, {"data": []}))
    ids = [snowflake(START - timedelta(days=60), n) for n in range(120)]
    adapter.fetch_metrics(ids)
    assert [len(parse_qs(urlsplit(r.path).query)["ids"][0].split(",")) for r in server.requests] == [100, 20]
    server.requests.clear()
    adapter.fetch_metrics(ids)  # 30 reads left today
    assert [len(parse_qs(urlsplit(r.path).query)["ids"][0].split(",")) for r in server.requests] == [30]
    server.requests.clear()
    assert adapter.fetch_metrics(ids) == {} and server.requests == []
    clock.advance(days=1)
    adapter.fetch_metrics(ids[:5])
    assert len(server.requests) == 1


def test_metrics_refused_private_fields_fall_back_to_public(
    settings: Settings, clock: FakeClock, server: LocalServer
) -> None:
    adapter = network(settings, clock, server.url, collect_metrics=True)
    server.respond(
        [
            Reply(
                200,
                {
                    "errors": [
                        {
                            "type": "https://api.x.com/2/problems/not-authorized-for-field",
                            "title": "Field Authorization Error",
                            "field": "non_public_metrics",
                            "resource_type": "tweet",
                            "resource_id": ID1,
                            "section": "data",
                            "detail": "Sorry, you are not authorized to access non_public_metrics on a Tweet.",
                        }
                    ]
                },
            ),
            Reply(200, {"data": [{"id": ID1, "text": "a", "public_metrics": {"like_count": 5}}]}),
        ]
    )
    assert adapter.fetch_metrics([ID1]) == {
        ID1: {
            "views": None,
            "likes": 5,
            "reposts": None,
            "replies": None,
            "quotes": None,
            "bookmarks": None,
            "clicks": None,
        }
    }


# --- reconcile ----------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_reconcile_finds_a_thread_and_records_it(x: XNetwork, server: LocalServer, spelling: str) -> None:
    server.respond(
        Router(
            {
                "GET /2/users/me": Reply(200, ME),
                "GET /2/users/2244994945/tweets": timeline(
                    tweet(ID2, "2/2 la suite", reply_to=ID1, spelling=spelling),
                    tweet(ID1, "Bonjour ☕ https://t.co/xyz", spelling=spelling),
                ),
            }
        )
    )
    post = outgoing(thread=("2/2 la suite",))
    assert x.reconcile(post) == Published(ID1, f"https://x.com/i/status/{ID1}")
    assert x._threads.load(post.key) == [ID1, ID2]
    query = parse_qs(urlsplit(server.requests[-1].path).query)
    assert query["post.fields"] == ["created_at,conversation_id"] and query["expansions"] == ["referenced_posts"]
    server.requests.clear()
    assert x.publish(post).remote_id == ID1 and server.requests == []  # recorded: nothing re-sent


@pytest.mark.parametrize(
    "second",
    [
        {"id": ID2, "text": "2/2 la suite", "edit_history_post_ids": [ID2]},  # no references, no conversation
        {"id": ID2, "edit_history_post_ids": [ID2], "conversation_id": ID1},  # no text
    ],
    ids=["references-left-out", "text-left-out"],
)
def test_reconcile_never_takes_a_missing_field_for_a_part_not_sent(
    x: XNetwork, server: LocalServer, second: dict[str, Any]
) -> None:
    """X drops a field it does not know (a renamed one) and still answers 200: the missing field
    must leave the thread undecided (the user is asked), never re-post its parts."""
    server.respond(
        Router(
            {
                "GET /2/users/me": Reply(200, ME),
                "GET /2/users/2244994945/tweets": timeline(second, tweet(ID1, "Bonjour ☕ https://t.co/xyz")),
            }
        )
    )
    post = outgoing(thread=("2/2 la suite",))
    assert x.reconcile(post) is None
    assert x._threads.load(post.key) == [ID1]


def test_reconcile_knows_a_first_post_by_its_conversation_without_references(x: XNetwork, server: LocalServer) -> None:
    bare = {"id": ID1, "text": "Bonjour ☕ https://t.co/xyz", "conversation_id": ID1}  # opens its conversation
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/users/2244994945/tweets": timeline(bare)}))
    assert x.reconcile(outgoing()) == Published(ID1, f"https://x.com/i/status/{ID1}")


def test_a_duplicate_thread_part_without_references_is_not_adopted(x: XNetwork, server: LocalServer) -> None:
    x._threads.save("sp-0123456789abcdef", [ID1])  # the first part is out
    bare = {"id": ID2, "text": "2/2 la suite", "edit_history_post_ids": [ID2]}
    server.respond(
        Router(
            {
                "POST /2/tweets": DUPLICATE,
                "GET /2/users/me": Reply(200, ME),
                "GET /2/users/2244994945/tweets": timeline(bare, tweet(ID1, "Bonjour")),
            }
        )
    )
    with pytest.raises(DuplicatePost) as caught:
        x.publish(outgoing(thread=("2/2 la suite",)))
    assert caught.value.existing_id is None and "part 2 of the thread" in str(caught.value)


def test_reconcile_half_a_thread_is_not_sent_and_publish_resumes(x: XNetwork, server: LocalServer) -> None:
    server.respond(
        Router(
            {
                "GET /2/users/me": Reply(200, ME),
                "GET /2/users/2244994945/tweets": timeline(tweet(ID1, "Bonjour ☕ https://t.co/xyz")),
                "POST /2/tweets": created(ID2),
            }
        )
    )
    post = outgoing(thread=("2/2 la suite",))
    found = x.reconcile(post)
    assert isinstance(found, NotSent) and "first 1 of 2 parts" in found.reason
    server.requests.clear()
    assert x.publish(post).remote_id == ID1
    (request,) = server.requests
    assert request.json == {"text": "2/2 la suite", "reply": {"in_reply_to_tweet_id": ID1}}


def test_reconcile_not_found_and_undecided(x: XNetwork, server: LocalServer) -> None:
    server.respond(
        Router(
            {"GET /2/users/me": Reply(200, ME), "GET /2/users/2244994945/tweets": timeline(tweet(ID2, "another post"))}
        )
    )
    assert isinstance(x.reconcile(outgoing()), NotSent)
    server.respond(
        Router(
            {
                "GET /2/users/me": Reply(200, ME),
                "GET /2/users/2244994945/tweets": timeline(
                    tweet(ID2, "another"), next_token="7140dibdnow9c7btw3w29n4v5p3v8aksw7s"
                ),
            }
        )
    )
    assert x.reconcile(outgoing()) is None  # more than 500 posts since: cannot tell


# --- check, OAuth 2.0 tokens, secrets -----------------------------------------------------------


def test_check_oauth1(x: XNetwork, server: LocalServer) -> None:
    server.respond(Reply(200, ME))
    identity = x.health()
    assert identity.display == "@acme"
    assert identity.details["sign-in"] == "OAuth 1.0a user context"
    assert identity.details["metrics"].startswith("off")
    assert server.requests[0].path == "/2/users/me?user.fields=username%2Cname"


def token_reply(access: str = NEW_BEARER, refresh: str = NEW_REFRESH) -> Reply:
    return Reply(
        200,
        {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": access,
            "scope": "tweet.read tweet.write users.read offline.access media.write",
            "refresh_token": refresh,
        },
    )


def oauth2(settings: Settings, clock: FakeClock, server: LocalServer, **more: Any) -> XNetwork:
    values: dict[str, Any] = {
        "oauth2_access_token": BEARER,
        "oauth2_refresh_token": REFRESH,
        "client_id": "Y2xpZW50LWlk",
        "oauth2_expires_at": (START + timedelta(minutes=1)).isoformat(),
    }
    values.update(more)
    return network(settings, clock, server.url, **values)


def test_oauth2_expired_token_is_renewed_and_kept_in_a_private_file(
    settings: Settings, clock: FakeClock, server: LocalServer
) -> None:
    adapter = oauth2(settings, clock, server)
    server.respond(Router({"POST /2/oauth2/token": token_reply(), "GET /2/users/me": Reply(200, ME)}))
    identity = adapter.health()
    refresh, me = server.requests
    assert refresh.path == "/2/oauth2/token"
    assert parse_qs(refresh.body.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": [REFRESH],
        "client_id": ["Y2xpZW50LWlk"],
    }
    assert headers_of(me)["authorization"] == f"Bearer {NEW_BEARER}"
    assert identity.details["token expires"] == "2027-01-10T14:00:00Z"
    session = settings.data_dir / "sessions" / "x-acme.json"
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    stored = json.loads(session.read_text())
    assert (stored["access_token"], stored["refresh_token"]) == (NEW_BEARER, NEW_REFRESH)

    # a new daemon uses the renewed tokens (the configured refresh token was used up)
    server.requests.clear()
    again = oauth2(settings, clock, server)
    again.health()
    assert [r.path for r in server.requests] == ["/2/users/me?user.fields=username%2Cname"]
    assert headers_of(server.requests[0])["authorization"] == f"Bearer {NEW_BEARER}"

    # the user connected the account again: the new tokens from secrets.yaml win
    server.requests.clear()
    fresh = network(
        settings,
        clock,
        server.url,
        oauth2_access_token="re-added-token-000",
        client_id="Y2xpZW50LWlk",
        oauth2_refresh_token="re-added-refresh-000",
    )
    fresh.health()
    assert headers_of(server.requests[0])["authorization"] == "Bearer re-added-token-000"


def test_oauth2_401_renews_once_then_retries(settings: Settings, clock: FakeClock, server: LocalServer) -> None:
    adapter = oauth2(settings, clock, server, oauth2_expires_at=None)
    unauthorized = Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    server.respond(Router({"POST /2/tweets": [unauthorized, created(ID1)], "POST /2/oauth2/token": token_reply()}))
    assert adapter.publish(outgoing()).remote_id == ID1
    assert [r.path for r in server.requests] == ["/2/tweets", "/2/oauth2/token", "/2/tweets"]
    assert headers_of(server.requests[2])["authorization"] == f"Bearer {NEW_BEARER}"


def test_oauth2_refused_renewal_is_an_auth_error(settings: Settings, clock: FakeClock, server: LocalServer) -> None:
    adapter = oauth2(settings, clock, server)
    server.respond(
        Reply(400, {"error": "invalid_request", "error_description": "Value passed for the token was invalid."})
    )
    with pytest.raises(AuthError) as caught:
        adapter.health()
    assert "socialpost accounts add x acme" in str(caught.value)
    assert REFRESH not in str(caught.value)


def test_no_secret_in_logs_errors_or_reprs(
    settings: Settings, clock: FakeClock, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    adapter = oauth2(settings, clock, server)
    server.respond(
        Router(
            {
                "POST /2/oauth2/token": token_reply(),
                "POST /2/tweets": DUPLICATE,
                "GET /2/users/me": Reply(401, {"detail": "Unauthorized"}),
            }
        )
    )
    with pytest.raises(DuplicatePost) as caught:
        adapter.publish(outgoing())
    one = network(settings, clock, server.url)
    server.respond(Reply(401, {"detail": "Unauthorized"}))
    with pytest.raises(AuthError) as second:
        one.publish(outgoing())
    assert "Bearer" in caplog.text or "oauth" in caplog.text.lower()  # tweepy/requests-oauthlib did log
    everything = caplog.text + str(caught.value) + str(second.value) + repr(adapter.settings) + repr(one.settings)
    for secret in SECRETS:
        assert secret not in everything, secret


def test_settings_need_one_complete_way_to_sign_in(settings: Settings, clock: FakeClock) -> None:
    settings.accounts = {"x": {"acme": {"consumer_key": CK, "access_token": AT}}}
    with pytest.raises(ConfigError) as caught:
        Adapters(settings, clock=clock).get("x:acme")
    assert "OAuth 1.0a needs all four" in str(caught.value) and CK not in str(caught.value)
    settings.accounts = {"x": {"acme": {}}}
    with pytest.raises(ConfigError) as missing:
        Adapters(settings, clock=clock).get("x:acme")
    assert "no credentials" in str(missing.value)


# --- inbox: replies by conversation, and answering them ----------------------------------------

ME_ID = ME["data"]["id"]
FAN_ID, OTHER_ID = "1500000000000000001", "1500000000000000002"
USERS = [
    {"id": FAN_ID, "name": "Marie Tremblay", "username": "marie_t"},
    {"id": OTHER_ID, "name": "Jo", "username": "jo_qc"},
    {"id": ME_ID, "name": "Acme Café", "username": "acme"},
]
R1, R2, R3, R4 = (snowflake(START + timedelta(minutes=m)) for m in (5, 6, 7, 8))
NOT_ENROLLED = Reply(
    403,
    {
        "client_id": "29411187",
        "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a "
        "Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
        "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
        "title": "Client Forbidden",
        "required_enrollment": "Appropriate Level of API Access",
        "reason": "client-not-enrolled",
        "type": "https://api.twitter.com/2/problems/client-forbidden",
    },
)
CODE_453 = Reply(
    403,
    {
        "errors": [
            {
                "message": "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints "
                "(e.g. media post, oauth) only. If you need access to this endpoint, you may need a different "
                "access level. You can learn more here: https://developer.x.com/en/portal/product",
                "code": 453,
            }
        ]
    },
)


def found(
    tweet_id: str,
    author: str,
    text: str,
    *,
    conversation: str = ID1,
    reply_to: str | None = None,
    spelling: str = "spec",
) -> dict[str, Any]:
    names = named(spelling)
    data: dict[str, Any] = {
        "id": tweet_id,
        "text": text,
        "author_id": author,
        "conversation_id": conversation,
        "created_at": (_snowflake_time(tweet_id) or START).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        names["history"]: [tweet_id],
    }
    if reply_to:
        data[names["references"]] = [{"type": "replied_to", "id": reply_to}]
        data["in_reply_to_user_id"] = ME_ID
    return data


def search_page(*tweets: dict[str, Any], next_token: str | None = None) -> Reply:
    meta: dict[str, Any] = {"result_count": len(tweets)}
    if next_token:
        meta["next_token"] = next_token
    body: dict[str, Any] = {"meta": meta}
    if tweets:
        body |= {"data": list(tweets), "includes": {"users": USERS}}
    return Reply(200, body)


def searches(server: LocalServer) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.path).query) for r in server.requests if "/search/recent" in r.path]


CONVERSATION = [
    search_page(
        found(R4, ME_ID, "@marie_t Dès 7 h !", reply_to=R1),
        found(R3, OTHER_ID, "@acme @marie_t Moi aussi", reply_to=R1),
        next_token="b26v89c19zqg8o3fo7gesq314yb9l",
    ),
    search_page(
        found(R2, OTHER_ID, "@acme Bravo &amp; merci", conversation=ID2, reply_to=ID2),
        found(R1, FAN_ID, "@acme Vous ouvrez à quelle heure ?", reply_to=ID1),
        found(ID1, ME_ID, "Bonjour ☕"),  # the conversation's first post (ours) is not a reply
    ),
]


def test_replies_are_found_by_conversation_page_after_page(x: XNetwork, server: LocalServer, clock: FakeClock) -> None:
    clock.set(START + timedelta(hours=2))
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": list(CONVERSATION)}))
    replies = x.fetch_replies([ID1, ID2])
    first, second = searches(server)
    assert first == {
        "query": [f"conversation_id:{ID1} OR conversation_id:{ID2}"],
        "max_results": ["100"],
        "post.fields": ["conversation_id,created_at"],
        "expansions": ["author_id,referenced_posts"],
        "user.fields": ["username,name"],
    }
    assert second == {**first, "next_token": ["b26v89c19zqg8o3fo7gesq314yb9l"]}
    search = next(r for r in server.requests if "/search/recent" in r.path)
    assert headers_of(search)["authorization"].startswith("OAuth ")
    by_id = {r.remote_id: r for r in replies}
    assert list(by_id) == [R4, R3, R2, R1]
    question = by_id[R1]
    assert (question.in_reply_to, question.post_remote_id, question.author, question.author_name) == (
        ID1,
        ID1,
        "@marie_t",
        "Marie Tremblay",
    )
    assert question.url == f"https://x.com/marie_t/status/{R1}" and not question.own
    assert question.created_at == _snowflake_time(R1).replace(microsecond=0)  # type: ignore[union-attr]
    assert by_id[R4].own and by_id[R4].in_reply_to == R1
    assert by_id[R3].in_reply_to == R1 and not by_id[R3].own
    assert by_id[R2].text == "@acme Bravo & merci" and by_id[R2].post_remote_id == ID2


def test_the_inbox_stores_replies_once_and_reads_only_what_is_new(
    settings: Settings, clock: FakeClock, store: Any, server: LocalServer
) -> None:
    from tests.support.inbox import real_inbox, sent_post, stored

    clock.set(START + timedelta(hours=2))
    network(settings, clock, server.url).close()  # the account in settings.accounts
    sent_post(store, "x:acme", ID1, when=START)
    sent_post(store, "x:acme", ID2, when=START)
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": list(CONVERSATION)}))
    box, adapters = real_inbox(store, settings, clock)
    try:
        first = box.fetch()
        clock.advance(minutes=30)
        server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": CONVERSATION[1]}))
        again = box.fetch()
    finally:
        adapters.close()
    assert first.as_json()["accounts"] == [
        {"account": "x:acme", "posts": 2, "new": 3, "answered": 1, "error": None, "unavailable": None}
    ]
    assert again.new == 0 and again.accounts[0].error is None
    rows = {row.remote_id: row for row in stored(store)}
    assert set(rows) == {R1, R2, R3}
    assert rows[R1].answered_by_remote_id == R4 and rows[R3].in_reply_to == R1
    # the second read asks X only for posts from an hour before the first complete read
    assert searches(server)[-1]["start_time"] == ["2027-01-10T13:00:00Z"]


def test_replies_whose_conversation_x_left_out(x: XNetwork, server: LocalServer, clock: FakeClock) -> None:
    def bare(data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k != "conversation_id"}

    clock.set(START + timedelta(hours=2))
    first_read = clock()
    lone = bare(found(R1, FAN_ID, "@acme Allo ?", reply_to=ID1))
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": search_page(lone)}))
    (reply,) = x.fetch_replies([ID1])  # one conversation searched: it is that one
    assert (reply.remote_id, reply.post_remote_id, reply.in_reply_to) == (R1, ID1, ID1)
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": search_page()}))
    x.fetch_replies([ID1, ID2])  # both read completely: from now on only what is new is asked
    clock.advance(minutes=30)
    deep = bare(found(R2, OTHER_ID, "@marie_t oui", reply_to=R1))  # under a reply: cannot be placed
    direct = bare(found(R3, FAN_ID, "@acme bravo", conversation=ID2, reply_to=ID2))  # under our post: placed
    server.respond(
        Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": search_page(deep, direct)})
    )
    assert [(r.remote_id, r.post_remote_id) for r in x.fetch_replies([ID1, ID2])] == [(R3, ID2)]
    clock.advance(minutes=30)
    x.fetch_replies([ID1, ID2])
    # the read that could not place a reply does not count: the next one goes back over it
    start = (first_read - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert searches(server)[-1]["start_time"] == [start]


def test_many_conversations_are_searched_in_queries_x_accepts(x: XNetwork, server: LocalServer) -> None:
    ids = [snowflake(START, n) for n in range(30)]
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": search_page()}))
    assert x.fetch_replies(ids) == []
    queries = [q["query"][0] for q in searches(server)]
    assert len(queries) == 3 and all(len(q) <= 512 for q in queries)
    assert [c.removeprefix("conversation_id:") for q in queries for c in q.split(" OR ")] == ids


@pytest.mark.parametrize("refusal", [NOT_ENROLLED, CODE_453], ids=["client-not-enrolled", "code-453"])
def test_the_free_tier_is_a_clear_message_and_is_not_asked_again(
    x: XNetwork, server: LocalServer, clock: FakeClock, refusal: Reply
) -> None:
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": refusal}))
    with pytest.raises(AccessTierError) as caught:  # an AuthError the inbox notes rather than fails on
        x.fetch_replies([ID1])
    assert "reading replies needs X's Basic access tier or higher" in caught.value.message
    assert "the inbox has no replies for this account" in caught.value.message
    assert "Upgrade the app's access in the X developer portal" in str(caught.value.hint)
    with pytest.raises(AuthError):
        x.fetch_replies([ID1])
    assert len(searches(server)) == 1  # held for a while: X is not asked again
    clock.advance(hours=6)
    with pytest.raises(AuthError):
        x.fetch_replies([ID1])
    assert len(searches(server)) == 2


def test_the_inbox_reports_the_free_tier_and_reads_the_other_accounts(
    settings: Settings, clock: FakeClock, store: Any, server: LocalServer
) -> None:
    from tests.support.inbox import real_inbox, sent_post

    clock.set(START + timedelta(hours=2))
    with LocalServer() as other:
        settings.accounts = {
            "x": {
                "acme": {**OAUTH1, "base_url": server.url, "timeout": 2},
                "cafe": {**OAUTH1, "base_url": other.url, "timeout": 2},
            }
        }
        sent_post(store, "x:acme", ID1, when=START)
        sent_post(store, "x:cafe", ID2, when=START)
        server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": NOT_ENROLLED}))
        other.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": CONVERSATION[1]}))
        box, adapters = real_inbox(store, settings, clock)
        try:
            result = box.fetch()
        finally:
            adapters.close()
    errors = {a.account: a.error for a in result.accounts}
    assert errors == {"x:acme": None, "x:cafe": None} and result.new == 1 and not result.errors
    assert [a.account for a in result.unavailable] == ["x:acme"]
    assert "needs X's Basic access tier or higher" in str(result.unavailable[0].unavailable)


def test_socialpost_inbox_notes_the_free_tier_and_exits_0(
    settings: Settings, clock: FakeClock, store: Any, server: LocalServer, run_cli: Any
) -> None:
    """Most small accounts are on X's Free tier: `socialpost inbox` must not fail on every run for it."""
    from tests.support.inbox import sent_post

    clock.set(START + timedelta(hours=2))
    settings.accounts = {"x": {"acme": {**OAUTH1, "base_url": server.url, "timeout": 2}}}
    sent_post(store, "x:acme", ID1, when=START)
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": NOT_ENROLLED}))
    shown = run_cli("inbox")
    assert shown.exit_code == 0, shown.stderr
    said = " ".join(shown.stdout.split())
    assert said.startswith("Read the replies to 0 post(s) on 0 account(s): 0 new.")  # nothing was read
    assert "x:acme: no replies to read through this account's access (not an error):" in said
    assert "needs X's Basic access tier or higher" in said
    data = json.loads(run_cli("inbox", "--json").stdout)
    (account,) = data["fetched"]["accounts"]
    assert account["error"] is None and "Basic access tier" in account["unavailable"]
    in_french = run_cli("--lang", "fr", "inbox")
    assert in_french.exit_code == 0
    assert "x:acme: pas de réponses à lire avec l'accès de ce compte (ce n'est pas une erreur)" in in_french.stdout


def test_a_rate_limit_holds_reply_reads_until_x_resets(x: XNetwork, server: LocalServer, clock: FakeClock) -> None:
    reset = int((START + timedelta(minutes=15)).timestamp())
    limited = Reply(
        429,
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
        headers={"x-rate-limit-limit": "60", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )
    server.respond(
        Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": [limited, CONVERSATION[1]]})
    )
    with pytest.raises(RateLimited) as caught:
        x.fetch_replies([ID1])
    assert caught.value.retry_at == START + timedelta(minutes=15)
    clock.advance(minutes=14)
    with pytest.raises(RateLimited):
        x.fetch_replies([ID1])
    assert len(searches(server)) == 1
    clock.advance(minutes=1)
    assert R1 in {r.remote_id for r in x.fetch_replies([ID1])}


def test_reply_reads_stay_within_the_daily_budget(settings: Settings, clock: FakeClock, server: LocalServer) -> None:
    adapter = network(settings, clock, server.url, max_reply_reads_per_day=12)
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": CONVERSATION[1]}))
    assert {r.remote_id for r in adapter.fetch_replies([ID1])} == {R1}
    assert searches(server)[0]["max_results"] == ["12"]  # never more than what is left today
    clock.advance(minutes=30)
    with pytest.raises(RateLimited) as caught:  # 3 posts read, 9 left: less than one search (10 at least)
        adapter.fetch_replies([ID1])
    assert "today's reads for the inbox are used up (max_reply_reads_per_day: 12)" in caught.value.message
    assert caught.value.retry_at == datetime(2027, 1, 11, tzinfo=UTC)
    assert len(searches(server)) == 1
    clock.set(datetime(2027, 1, 11, 0, 5, tzinfo=UTC))  # a new UTC day
    adapter.fetch_replies([ID1])
    assert len(searches(server)) == 2
    off = network(settings, clock, server.url, max_reply_reads_per_day=0)
    assert off.fetch_replies([ID1]) == [] and len(searches(server)) == 2
    adapter.close()
    off.close()


def test_reply_is_a_post_in_reply_to_the_item(x: XNetwork, server: LocalServer) -> None:
    server.respond(created(R4))
    published = x.reply(R1, "Dès 7 h ! https://example.com/horaires")
    assert published == Published(R4, f"https://x.com/i/status/{R4}")
    (request,) = server.requests
    assert (request.method, urlsplit(request.path).path) == ("POST", "/2/tweets")
    assert request.json == {"text": "Dès 7 h ! https://example.com/horaires", "reply": {"in_reply_to_tweet_id": R1}}
    assert headers_of(request)["authorization"].startswith("OAuth ")


def test_a_too_long_reply_is_refused_before_any_request(
    settings: Settings, clock: FakeClock, store: Any, x: XNetwork, server: LocalServer
) -> None:
    from socialpost.errors import UsageError
    from tests.support.inbox import real_inbox, sent_post

    with pytest.raises(ContentRejected, match="the reply is 282 characters as X counts them; X allows 280"):
        x.reply(R1, "日" * 141)
    with pytest.raises(ContentRejected, match="the reply is empty"):
        x.reply(R1, " ")
    with pytest.raises(ContentRejected, match="not an X post"):
        x.reply("at://did:plc:abc/app.bsky.feed.post/1", "Bonjour")
    assert server.requests == []
    clock.set(START + timedelta(hours=2))
    sent_post(store, "x:acme", ID1, when=START)
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": CONVERSATION[1]}))
    box, adapters = real_inbox(store, settings, clock)
    try:
        box.fetch()
        item = box.get(R1)
        with pytest.raises(UsageError, match="the reply is 282 weighted characters; x:acme allows 280") as too_long:
            box.reply(str(item.id), "日" * 141)
    finally:
        adapters.close()
    assert too_long.value.hint == "Shorten it by 2."
    assert [r.method for r in server.requests] == ["GET", "GET"]  # users/me and the search: nothing sent


def test_a_reply_x_does_not_allow_says_to_answer_in_the_app(x: XNetwork, server: LocalServer) -> None:
    server.respond(
        Reply(
            403,
            {
                "detail": "Reply to this conversation is not allowed because you have not been mentioned or "
                "otherwise engaged by the author of the post you are replying to.",
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
            },
        )
    )
    with pytest.raises(ContentRejected) as caught:
        x.reply(R1, "Merci !")
    assert "only when its author mentioned or engaged with the account (403)" in caught.value.message
    assert caught.value.hint == "Answer it in the X app."


# =============================================================================================
# 3. socialpost accounts add x acme — through the CLI, against local fakes of X's OAuth endpoints
# =============================================================================================


def run(config: Path, *args: str, input: str) -> Any:
    return CliRunner().invoke(cli, ["--config", str(config), *args], obj=AppContext(), input=input)


@pytest.fixture
def oauth_server(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    monkeypatch.setattr(XNetwork, "setup_base_url", server.url)
    return server


def test_setup_pin_oauth1(tmp_path: Path, oauth_server: LocalServer) -> None:
    oauth_server.respond(
        Router(
            {
                "POST /oauth/request_token": Reply(
                    200,
                    "oauth_token=Z6eEdO8MOmk394WozF5oKyuAv855l4Mlqo7hhlSLik&oauth_token_secret=Kd75W4OQfb2oJTV0vzGzeXftVAwgMnEK9MumzYcM&oauth_callback_confirmed=true",
                ),
                "POST /oauth/access_token": Reply(
                    200, f"oauth_token={AT}&oauth_token_secret={ATS}&user_id=2244994945&screen_name=acme"
                ),
                "GET /2/users/me": Reply(200, ME),
            }
        )
    )
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    result = run(config, "accounts", "add", "x", "acme", input=f"1\n{CK}\n{CS}\n4242424\nn\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Connected x:acme: @acme." in result.stdout
    assert "https://api.twitter.com/oauth/authorize?oauth_token=Z6eEdO8MOmk394WozF5oKyuAv855l4Mlqo7hhlSLik" in (
        result.stdout
    )
    request_token, access_token, me = oauth_server.requests
    assert 'oauth_callback="oob"' in headers_of(request_token)["authorization"]
    assert 'oauth_verifier="4242424"' in headers_of(access_token)["authorization"]
    assert f'oauth_token="{AT}"' in headers_of(me)["authorization"]
    secrets_file = tmp_path / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    stored = secrets_file.read_text(encoding="utf-8")
    assert all(s in stored for s in (CK, CS, AT, ATS))
    text = config.read_text(encoding="utf-8")
    assert "acme:" in text and "collect_metrics: false" in text
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr + text


def test_setup_pin_refused_saves_nothing(tmp_path: Path, oauth_server: LocalServer) -> None:
    oauth_server.respond(
        Router(
            {
                "POST /oauth/request_token": Reply(
                    200, "oauth_token=req&oauth_token_secret=reqsecret123&oauth_callback_confirmed=true"
                ),
                "POST /oauth/access_token": Reply(
                    401, "Error processing your OAuth request: Invalid oauth_verifier parameter"
                ),
            }
        )
    )
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    result = run(config, "accounts", "add", "x", "acme", input=f"1\n{CK}\n{CS}\n000\nn\n")
    assert result.exit_code != 0
    assert "X did not accept the PIN (401)" in result.stderr
    assert not (tmp_path / "secrets.yaml").exists()
    assert config.read_text(encoding="utf-8") == "accounts: {}\n"
    assert CS not in result.stdout + result.stderr


def test_setup_portal_tokens(tmp_path: Path, oauth_server: LocalServer) -> None:
    oauth_server.respond(Reply(200, ME))
    config = tmp_path / "config.yaml"
    config.write_text("", encoding="utf-8")
    result = run(config, "accounts", "add", "x", "acme", input=f"3\n{CK}\n{CS}\n{AT}\n{ATS}\ny\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "collect_metrics: true" in config.read_text(encoding="utf-8")
    assert len(oauth_server.requests) == 1


def test_setup_oauth2_pkce(tmp_path: Path, oauth_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import requests_oauthlib.oauth2_session

    monkeypatch.setattr(requests_oauthlib.oauth2_session, "generate_token", lambda *a, **k: "st4te-0f-this-attempt")
    oauth_server.respond(
        Router({"POST /2/oauth2/token": token_reply(BEARER, REFRESH), "GET /2/users/me": Reply(200, ME)})
    )
    config = tmp_path / "config.yaml"
    config.write_text("", encoding="utf-8")
    pasted = "http://127.0.0.1:8080/callback?state=st4te-0f-this-attempt&code=VGhpcyBpcyBhIGNvZGU"
    client_secret = "cl1ent-s3cret-abcdef"
    result = run(config, "accounts", "add", "x", "acme", input=f"2\nY2xpZW50LWlk\ny\n{client_secret}\n\n{pasted}\nn\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Connected x:acme: @acme." in result.stdout
    authorize = next(w for w in result.stdout.split() if w.startswith("https://twitter.com/i/oauth2/authorize"))
    query = parse_qs(urlsplit(authorize).query)
    assert query["scope"] == [" ".join(["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"])]
    assert query["redirect_uri"] == ["http://127.0.0.1:8080/callback"] and query["code_challenge_method"] == ["S256"]
    token_request, me = oauth_server.requests
    form = parse_qs(token_request.body.decode())
    assert form["grant_type"] == ["authorization_code"] and form["code"] == ["VGhpcyBpcyBhIGNvZGU"]
    assert form["redirect_uri"] == ["http://127.0.0.1:8080/callback"]
    verifier = form["code_verifier"][0]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == [challenge]
    assert (
        headers_of(token_request)["authorization"]
        == "Basic " + base64.b64encode(f"Y2xpZW50LWlk:{client_secret}".encode()).decode()
    )
    assert headers_of(me)["authorization"] == f"Bearer {BEARER}"
    stored = (tmp_path / "secrets.yaml").read_text(encoding="utf-8")
    assert BEARER in stored and REFRESH in stored and client_secret in stored and "oauth2_expires_at" in stored
    assert stat.S_IMODE((tmp_path / "secrets.yaml").stat().st_mode) == 0o600
    text = config.read_text(encoding="utf-8")
    assert "client_id: Y2xpZW50LWlk" in text
    for secret in (*SECRETS, client_secret):
        assert secret not in result.stdout + result.stderr + text


def test_setup_oauth2_wrong_state_is_refused(
    tmp_path: Path, oauth_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("", encoding="utf-8")
    pasted = "http://127.0.0.1:8080/callback?state=someone-elses&code=abc"
    result = run(config, "accounts", "add", "x", "acme", input=f"2\nY2xpZW50LWlk\nn\n\n{pasted}\nn\n")
    assert result.exit_code != 0 and "state does not match" in result.stderr
    assert oauth_server.requests == [] and not (tmp_path / "secrets.yaml").exists()


def test_socialpost_help_does_not_import_tweepy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from socialpost.cli import main\nimport socialpost.cli\n"
        "print('tweepy' in sys.modules, 'socialpost.networks.x' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert out.stdout.split() == ["False", "False"]


def test_the_free_tier_message_in_french(x: XNetwork, server: LocalServer) -> None:
    from socialpost import i18n

    i18n.activate("fr_CA.UTF-8")
    server.respond(Router({"GET /2/users/me": Reply(200, ME), "GET /2/tweets/search/recent": NOT_ENROLLED}))
    with pytest.raises(AuthError) as caught:
        x.fetch_replies([ID1])
    assert caught.value.message.startswith("Compte X x:acme : lire les réponses demande le niveau d'accès Basic")
    assert "X a répondu : When authenticating requests" in caught.value.message
    assert str(caught.value.hint).startswith("Passez l'application à un niveau d'accès supérieur")
    with pytest.raises(ContentRejected) as too_long:
        x.reply(R1, "日" * 141)
    assert too_long.value.message == "X : la réponse compte 282 caractères selon le décompte de X; X en permet 280."
