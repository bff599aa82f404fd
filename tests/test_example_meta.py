"""The example campaign campaigns/instagram-bakery.yaml end to end, as a user runs it: ``socialpost
schedule`` then the daemon (``schedule --follow``), then ``status`` and ``report`` — to Instagram,
Threads and Mastodon on the suite's test servers (tests/servers/instagram.py, threads.py, the
mastodon_mock process), the images put on a real S3-compatible server (moto behind its SigV4 gate,
tests/servers/s3.py) and fetched by the fake Meta servers by their presigned URLs, as Meta fetches
them. Nothing is mocked inside socialpost: the config file, the wiring, the store, the daemon and
the adapters' HTTP clients are the real ones; only time is the test's (the clock moves to each
post's time while the daemon runs)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.settings.config import load_settings
from socialpost.store.db import open_store
from socialpost.store.models import PostRow
from tests.conftest import REPO, FakeClock
from tests.servers.instagram import FakeInstagram
from tests.servers.mastodon import MastodonMock, mastodon_mock  # noqa: F401  (session fixture)
from tests.servers.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server
from tests.servers.threads import USER_ID as THREADS_USER
from tests.servers.threads import ThreadsServer
from tests.support.http import LocalServer

CAMPAIGN = REPO / "campaigns" / "instagram-bakery.yaml"
IG_USER = "17841400000000001"
BUCKET = "bakery-media"
FIRST = datetime(2027, 4, 12, 12, 30, tzinfo=UTC)  # 08:30 in Montreal (EDT)
SECOND = datetime(2027, 4, 14, 16, 0, tzinfo=UTC)  # 12:00 in Montreal
COMMENT = "Open 7 to 6, rue Wellington. #boulangerie #viennoiseries #EstrieGourmande"


def wait_for(done: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def statuses(database: str, post_id: str) -> list[str]:
    store = open_store(database)
    try:
        with store.session() as session:
            return list(session.scalars(select(PostRow.status).where(PostRow.post_key == post_id)))
    finally:
        store.close()


@pytest.mark.parametrize("comment", ["added", "refused"])
def test_the_bakery_campaign_goes_to_instagram_threads_and_mastodon_through_the_media_host(
    comment: str,
    tmp_path: Path,
    s3: S3Server,
    mastodon_mock: MastodonMock,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock(FIRST - timedelta(hours=1))
    admin = s3.admin()
    admin.create_bucket(Bucket=BUCKET)
    ig_token = "IGAA" + "e2e-not-a-real-token-" + str(time.monotonic_ns())
    instagram = FakeInstagram(user_id=IG_USER, token=ig_token, clock=clock, processing_polls=0)
    if comment == "refused":  # the token lacks the comments permission: the post goes out all the same
        instagram.comment_faults = ["refuse"]
    monkeypatch.setenv("SP_IG_TOKEN", ig_token)
    monkeypatch.setenv("SP_MASTODON_TOKEN", mastodon_mock.token)
    monkeypatch.setenv("SP_S3_KEY", ACCESS_KEY)
    monkeypatch.setenv("SP_S3_SECRET", SECRET_KEY)
    with LocalServer() as graph, ThreadsServer(clock=clock, in_progress_reads=0) as threads:
        graph.respond(instagram)
        monkeypatch.setenv("SP_THREADS_TOKEN", threads.token)
        database = f"sqlite:///{tmp_path / 'socialpost.db'}"
        config = tmp_path / "config.yaml"
        config.write_text(
            f"""\
database: {database}
timezone: America/Montreal
daemon: {{poll_seconds: 0.2, lease_seconds: 30}}
media_host:
  kind: s3
  bucket: {BUCKET}
  endpoint_url: {s3.endpoint}
  region: {REGION}
  access_key_id: ${{SP_S3_KEY}}
  secret_access_key: ${{SP_S3_SECRET}}
accounts:
  instagram:
    bakery: {{user_id: "{IG_USER}", access_token: "${{SP_IG_TOKEN}}", base_url: "{graph.url}", max_wait: 10}}
  threads:
    cafe: {{user_id: "{THREADS_USER}", access_token: "${{SP_THREADS_TOKEN}}", api_base: "{threads.url}",
           token_expires_at: "{(FIRST + timedelta(days=55)).isoformat()}"}}
  mastodon:
    cafe: {{api_base_url: "{mastodon_mock.url}", access_token: "${{SP_MASTODON_TOKEN}}"}}
""",
            encoding="utf-8",
        )
        settings = load_settings(str(config))

        def run(*args: str) -> tuple[int, str, str]:
            app = AppContext(clock=clock, settings_override=settings)
            try:
                result = CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)
            finally:
                app.close()
            return result.exit_code, result.stdout, result.stderr

        code, out, err = run("schedule", str(CAMPAIGN))
        assert code == 0, out + err
        assert sorted(statuses(database, "first-batch") + statuses(database, "behind-the-counter")) == ["pending"] * 6

        first_went_out: list[bool] = []

        def time_passes() -> None:
            """What the wall clock does for a user: the morning of the first post, two days later
            the second (once the daemon settled what was due; moved on anyway after a minute, so
            that a failure ends the daemon's run and shows in the assertions, not as a hang)."""
            clock.set(FIRST + timedelta(minutes=1))
            first_went_out.append(wait_for(lambda: statuses(database, "first-batch") == ["sent"] * 3))
            clock.set(SECOND + timedelta(minutes=1))

        mover = threading.Thread(target=time_passes, daemon=True)
        mover.start()
        code, out, err = run("schedule", "--follow", str(CAMPAIGN))
        mover.join(timeout=5)
        assert code == 0, out + err
        assert first_went_out == [True], statuses(database, "first-batch")
        assert statuses(database, "behind-the-counter") == ["sent"] * 3

        # Instagram: one image with its alt text and its first comment, then a carousel of two
        single, carousel = reversed(instagram.media)
        assert single.kind == "IMAGE" and single.caption.startswith("The first croissants of the week")
        if comment == "added":
            assert [c["text"] for c in single.comments] == [COMMENT]
            assert instagram.comments_written == [(single.id, COMMENT)]
        else:
            assert single.comments == [] and instagram.comments_written == []
        assert carousel.kind == "CAROUSEL" and carousel.comments == []
        image = next(c for c in instagram.containers.values() if c.media_id == single.id)
        assert image.params["alt_text"] == "A tray of golden croissants fresh out of the oven"
        assert len(instagram.fetched) == 3 and instagram.violations == []
        # Threads: the variant's text with its image, then a carousel; no first comment there
        posts = sorted(threads.posts.values(), key=lambda p: p.timestamp)
        assert [p.media_type for p in posts] == ["IMAGE", "CAROUSEL"]
        assert posts[0].text.startswith("Croissants are out of the oven!")
        assert len(threads.fetched) == 3
        # every image went through the bucket by a presigned URL, fetched by the fake as Meta does
        for url in instagram.fetched + threads.fetched:
            assert url.startswith(s3.endpoint) and "X-Amz-Signature=" in url and "croissants.jpg" not in url
        # and every copy was removed once its post was confirmed
        assert admin.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0

        code, out, err = run("status", "--json")
        assert code == 0, err  # a comment left to add by hand is listed, never a reason to exit 3
        summary = json.loads(out)
        assert summary["counts"]["sent"] == 6, summary["counts"]
        noted = [(p["id"], p["account"]) for p in summary["noted"]]
        assert noted == ([("first-batch", "instagram:bakery")] if comment == "refused" else []), summary["noted"]
        code, out, err = run("status")
        assert code == 0, err
        listed = " ".join(out.split())
        assert ("Sent, with something left to do" in listed) is (comment == "refused"), listed
        if comment == "refused":
            assert "first comment was not added" in listed
        code, out, err = run("show", "instagram-bakery/first-batch@instagram:bakery")
        assert code == 0, err
        shown = " ".join(out.split())
        if comment == "refused":  # the post is sent; what is missing, and the fix, are on it
            assert "· sent" in shown and "note: The post is out, but its first comment was not added" in shown
            assert "instagram_business_manage_comments" in shown and f"add it by hand in Instagram: {COMMENT}" in shown
        else:
            assert "note:" not in shown and "last error" not in shown
        code, out, err = run("report", "--json", "--campaign", "instagram-bakery")
        assert code == 0, err
        report = json.dumps(json.loads(out))
        for network in ("instagram", "threads", "mastodon"):
            assert network in report

        # Mastodon: the variant's texts, each with its images
        sent = mastodon_mock.request("GET", "/api/v1/timelines/home?limit=40") or []
        texts = [s.get("content", "") for s in sent]
        assert any("Butter or almond, what is your pick" in t for t in texts), texts
        assert any("which photo do you like best" in t.lower() for t in texts), texts
