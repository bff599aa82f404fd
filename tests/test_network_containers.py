"""Meta's container flow (socialpost.networks.common.containers): create → wait (bounded, with the
context's clock) → publish, the publishing quota, and Graph error bodies mapped to the error tree.
Driven through httpx against respx, the socket faked, as an adapter calls it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from socialpost.errors import AuthError, ContentRejected, PermanentError, RateLimited, TransientError
from socialpost.networks.common.containers import (
    INSTAGRAM,
    THREADS,
    ContainerExpired,
    Containers,
    PublishingQuota,
    Status,
    graph_errors,
)
from socialpost.networks.common.http import classify

BASE = "https://graph.instagram.com/v24.0"
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
TOKEN = "IGAAT0k3n-made-up-0123456789abcdef"


class FakeClock:
    def __init__(self) -> None:
        self.now = NOW
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def flow(clock: FakeClock, edges: Any = INSTAGRAM, **kwargs: Any) -> Containers:
    client = httpx.Client(base_url=BASE, headers={"Authorization": f"Bearer {TOKEN}"})
    where = "Instagram account 'shop'"
    special = graph_errors(network="Instagram", where=where, clock=clock, secrets=[TOKEN], reconnect="x")

    def call(method: str, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if method == "GET":
            response = client.get(f"/{path}", params=dict(params))
        else:
            response = client.post(f"/{path}", data=dict(params))
        if response.is_error:
            raise classify(response, network="instagram", account="shop", secrets=[TOKEN], special=special)
        body: dict[str, Any] = response.json()
        return body

    return Containers(
        call, edges, user_id="1784", network="Instagram", where=where, clock=clock, sleep=clock.sleep, **kwargs
    )


def graph_body(code: int, subcode: int | None = None, message: str = "Oops") -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@respx.mock
def test_create_wait_publish_polls_until_finished() -> None:
    clock = FakeClock()
    create = respx.post(f"{BASE}/1784/media").respond(json={"id": "C1"})
    states = iter(["IN_PROGRESS", "IN_PROGRESS", "FINISHED"])
    status = respx.get(f"{BASE}/C1").mock(
        side_effect=lambda request: httpx.Response(200, json={"status_code": next(states), "id": "C1"})
    )
    publish = respx.post(f"{BASE}/1784/media_publish").respond(json={"id": "M9"})
    containers = flow(clock)
    container = containers.create({"image_url": "https://media.example/a.jpg", "caption": "Hi"})
    assert container == "C1"
    assert b"image_url=https" in create.calls.last.request.content
    assert containers.wait(container).status is Status.FINISHED
    assert status.call_count == 3 and clock.slept == [3.0, 3.0]
    assert status.calls.last.request.url.params["fields"] == "status_code,status"
    assert containers.publish(container) == "M9"
    assert publish.calls.last.request.content == b"creation_id=C1"


@respx.mock
def test_wait_is_bounded_and_says_when_to_come_back() -> None:
    clock = FakeClock()
    status = respx.get(f"{BASE}/C1").respond(json={"status_code": "IN_PROGRESS"})
    with pytest.raises(TransientError) as caught:
        flow(clock, max_wait=timedelta(seconds=10), interval=timedelta(seconds=3)).wait("C1")
    assert not isinstance(caught.value, RateLimited)
    assert "still processing" in caught.value.message
    assert sum(clock.slept) <= 10 and status.call_count <= 5
    assert caught.value.retry_at is not None and caught.value.retry_at > clock.now


@respx.mock
def test_wait_is_bounded_even_when_the_clock_stands_still() -> None:
    clock = FakeClock()
    status = respx.get(f"{BASE}/C1").respond(json={"status_code": "IN_PROGRESS"})
    containers = flow(clock, max_wait=timedelta(seconds=9), interval=timedelta(seconds=3))
    containers.sleep = lambda seconds: None  # a clock that never moves cannot make it wait forever
    with pytest.raises(TransientError):
        containers.wait("C1")
    assert status.call_count == 4


@respx.mock
def test_error_container_is_rejected_with_metas_words() -> None:
    respx.get(f"{BASE}/C1").respond(
        json={
            "status_code": "ERROR",
            "status": "Error: Media download has failed. The media URI doesn't meet our requirements. (2207052)",
        }
    )
    with pytest.raises(ContentRejected) as caught:
        flow(FakeClock()).wait("C1")
    assert "Media download has failed" in caught.value.message
    assert "public" in (caught.value.hint or "")


@respx.mock
def test_error_container_with_a_retryable_subcode_is_transient() -> None:
    respx.get(f"{BASE}/C1").respond(json={"status_code": "ERROR", "status": "Error: 2207003 download timed out"})
    with pytest.raises(TransientError) as caught:
        flow(FakeClock()).wait("C1")
    assert not isinstance(caught.value, PermanentError)


@respx.mock
def test_expired_container_is_transient_and_says_a_new_one_is_made() -> None:
    respx.get(f"{BASE}/C1").respond(json={"status_code": "EXPIRED"})
    with pytest.raises(ContainerExpired) as caught:
        flow(FakeClock()).wait("C1")
    assert "expired" in caught.value.message


@respx.mock
def test_threads_reads_status_and_error_message() -> None:
    route = respx.get(f"{BASE}/T1").respond(json={"status": "ERROR", "error_message": "UNKNOWN_MEDIA"})
    with pytest.raises(ContentRejected) as caught:
        flow(FakeClock(), THREADS).wait("T1")
    assert route.calls.last.request.url.params["fields"] == "status,error_message"
    assert "UNKNOWN_MEDIA" in caught.value.message


@respx.mock
def test_an_answer_without_an_id_is_transient_and_maybe_sent() -> None:
    respx.post(f"{BASE}/1784/media_publish").respond(json={"success": True})
    with pytest.raises(TransientError) as caught:
        flow(FakeClock()).publish("C1")
    assert caught.value.request_sent


# --- the publishing quota ---------------------------------------------------------------------------


@respx.mock
def test_quota_read_and_room_left() -> None:
    route = respx.get(f"{BASE}/1784/content_publishing_limit").respond(
        json={"data": [{"quota_usage": 3, "config": {"quota_total": 50, "quota_duration": 86400}}]}
    )
    quota = flow(FakeClock()).ensure_room()
    assert quota == PublishingQuota(3, 50, timedelta(days=1)) and quota.remaining == 47
    assert route.calls.last.request.url.params["fields"] == "quota_usage,config"


@respx.mock
def test_exhausted_quota_is_rate_limited_until_the_oldest_post_leaves_the_window() -> None:
    respx.get(f"{BASE}/1784/content_publishing_limit").respond(
        json={"data": [{"quota_usage": 50, "config": {"quota_total": 50, "quota_duration": 86400}}]}
    )
    recent = [NOW - timedelta(hours=h) for h in (1, 20, 3)] + [NOW - timedelta(days=2)]
    with pytest.raises(RateLimited) as caught:
        flow(FakeClock()).ensure_room(recent)
    assert caught.value.retry_at == NOW - timedelta(hours=20) + timedelta(days=1)
    assert "50" in caught.value.message


def test_quota_frees_a_whole_window_later_when_the_posts_are_unknown() -> None:
    assert PublishingQuota(250, 250, timedelta(days=1)).frees_at(NOW) == NOW + timedelta(days=1)
    assert PublishingQuota(52, 50, timedelta(days=1)).frees_at(
        NOW, [NOW - timedelta(hours=h) for h in (5, 4, 3)]
    ) == NOW + timedelta(hours=21)


@respx.mock
def test_unreadable_quota_is_transient() -> None:
    respx.get(f"{BASE}/1784/content_publishing_limit").respond(json={"data": []})
    with pytest.raises(TransientError):
        flow(FakeClock()).quota()


# --- Graph error bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "subcode", "kind"),
    [
        (400, 190, 463, AuthError),
        (400, 10, None, AuthError),
        (403, 200, None, AuthError),
        (400, 4, None, RateLimited),
        (400, 17, None, RateLimited),
        (400, 32, None, RateLimited),
        (400, 613, None, RateLimited),
        (400, 9, 2207042, RateLimited),
        (500, 1, None, TransientError),
        (503, 2, None, TransientError),
        (400, -1, 2207001, TransientError),
        (400, -2, 2207003, TransientError),
        (400, 100, None, ContentRejected),
        (400, 36000, 2207004, ContentRejected),
        (400, 4, 2207051, ContentRejected),
        (400, 24, 2207008, PermanentError),
    ],
)
@respx.mock
def test_graph_error_codes(status: int, code: int, subcode: int | None, kind: type[Exception]) -> None:
    respx.post(f"{BASE}/1784/media").respond(status, json=graph_body(code, subcode, f"bad {TOKEN}"))
    with pytest.raises(kind) as caught:
        flow(FakeClock()).create({"caption": "x"})
    error = caught.value
    assert type(error) is kind
    assert TOKEN not in str(error) and "AbC" in str(error)
    if kind in (TransientError,):
        assert not isinstance(error, PermanentError)


@respx.mock
def test_rate_limit_reads_metas_regain_time() -> None:
    usage = '{"1784": [{"type": "instagram", "call_count": 100, "estimated_time_to_regain_access": 42}]}'
    respx.post(f"{BASE}/1784/media").respond(400, json=graph_body(4), headers={"x-business-use-case-usage": usage})
    with pytest.raises(RateLimited) as caught:
        flow(FakeClock()).create({"caption": "x"})
    assert caught.value.retry_at == NOW + timedelta(minutes=42)


@respx.mock
def test_a_body_that_is_not_graphs_falls_back_to_classify() -> None:
    respx.post(f"{BASE}/1784/media").respond(502, text="<html>Bad gateway</html>")
    with pytest.raises(TransientError) as caught:
        flow(FakeClock()).create({"caption": "x"})
    assert caught.value.status == 502
