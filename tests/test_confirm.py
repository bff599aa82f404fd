"""The daemon's 'confirm' job: posts published on the network's side are checked after their time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from socialpost.daemon.confirm import ConfirmJob
from socialpost.errors import ContentRejected, TransientError
from socialpost.networks.base import AccountSettings, AdapterContext, Network, NotPublic, OutgoingPost, Published
from socialpost.settings.config import Settings
from socialpost.store.db import Store
from socialpost.wiring import Adapters
from tests.conftest import START, FakeClock
from tests.store_helpers import events, seed_posts


class _Tube(Network):
    """A test double of a network that publishes on its side (like YouTube's publishAt)."""

    name = "tube"
    title = "Tube"
    needs_config = False

    def __init__(self, answers: list[object]) -> None:
        super().__init__(account="tube:x", settings=AccountSettings(), context=AdapterContext(Path("."), Path(".")))
        self.answers = answers
        self.asked: list[str] = []

    def publish(self, post: OutgoingPost) -> Published:
        raise AssertionError("not used")

    def confirm(self, remote_id: str) -> bool | NotPublic | None:
        self.asked.append(remote_id)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, NotPublic) else bool(answer)


def _job(
    store: Store, settings: Settings, clock: FakeClock, tube: _Tube, monkeypatch: pytest.MonkeyPatch
) -> ConfirmJob:
    adapters = Adapters(settings, clock=clock)
    adapters._instances["tube:x"] = tube
    monkeypatch.setattr(ConfirmJob, "_networks", lambda self: ["tube"])
    return ConfirmJob(store, adapters, daemon_id="d1", clock=clock)


def _sent(store: Store, due, remote: str = "vid-1") -> int:  # type: ignore[no-untyped-def]
    (post_id,) = seed_posts(store, 1, due=due, account="tube:x")
    with store.write() as session:
        from socialpost.store.models import PostRow

        row = session.get(PostRow, post_id)
        assert row is not None
        row.status, row.remote_id, row.remote_url = "sent", remote, f"https://tube.test/{remote}"
    return post_id


def test_public_after_its_time_is_confirmed_once(
    store: Store, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_id = _sent(store, START + timedelta(hours=1))
    tube = _Tube([True])
    job = _job(store, settings, clock, tube, monkeypatch)
    assert job.run() == 0 and tube.asked == []  # not its time yet
    clock.advance(hours=1, minutes=1)
    assert job.run() == 1 and tube.asked == ["vid-1"]
    assert [e.kind for e in events(store, post_id)][-1] == "confirmed"
    assert job.run() == 0 and tube.asked == ["vid-1"]  # settled: never asked again


def test_still_private_is_reported_only_after_the_grace(
    store: Store, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_id = _sent(store, START)
    tube = _Tube([False, TransientError("tube: busy"), False])
    job = _job(store, settings, clock, tube, monkeypatch)
    clock.advance(minutes=10)
    assert job.run() == 0  # private 10 minutes after: YouTube may still be processing
    clock.advance(minutes=10)
    assert job.run() == 0  # a temporary error: ask again later
    clock.advance(hours=1)
    assert job.run() == 1
    last = events(store, post_id)[-1]
    assert last.kind == "not-public" and "still not public" in (last.detail or "")


def test_the_networks_reason_for_a_private_post_is_recorded_after_the_grace(
    store: Store, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_id = _sent(store, START)
    locked = NotPublic("tube: the project is not audited, so the video stays private. Request the audit.")
    tube = _Tube([locked, locked])
    job = _job(store, settings, clock, tube, monkeypatch)
    clock.advance(minutes=10)
    assert job.run() == 0 and [e.kind for e in events(store, post_id)].count("not-public") == 0
    clock.advance(hours=1)
    assert job.run() == 1
    last = events(store, post_id)[-1]
    assert last.kind == "not-public"
    assert last.detail == f"still not public 1h after its time: {locked.reason}"
    assert job.run() == 0 and len(tube.asked) == 2  # settled: not asked again


def test_rejected_by_the_network_is_recorded_with_its_reason(
    store: Store, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_id = _sent(store, START)
    tube = _Tube([ContentRejected("tube: processing failed (codec not supported)")])
    job = _job(store, settings, clock, tube, monkeypatch)
    clock.advance(minutes=5)
    assert job.run() == 1
    last = events(store, post_id)[-1]
    assert last.kind == "not-public" and "codec not supported" in (last.detail or "")


def test_the_networks_to_confirm_are_found_from_the_adapters(store: Store, settings: Settings) -> None:
    job = ConfirmJob(store, Adapters(settings), daemon_id="d1")
    assert sorted(job._networks()) == ["google-business", "youtube"]  # the PublishAhead networks
