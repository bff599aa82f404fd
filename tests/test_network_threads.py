"""Threads (socialpost/networks/threads): the adapter's real httpx client against the strict fake
graph.threads.net on a loopback socket (tests/servers/threads.py), media through a real
S3-compatible server (moto behind a SigV4 gate, tests/servers/s3.py) that the fake fetches by its
presigned URL, as Meta does."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialpost.errors import AuthError, ContentRejected, MediaRefused, PermanentError, RateLimited, TransientError
from socialpost.mediahost.s3 import S3Host
from socialpost.networks.base import AdapterContext, Media, NotSent, OutgoingPost, Published
from socialpost.networks.threads import ThreadsNetwork
from socialpost.networks.threads.settings import ThreadsSettings
from socialpost.networks.threads.state import Record
from socialpost.redaction import redact
from socialpost.settings.media_host import S3HostSettings
from socialpost.timeutil import iso_utc
from tests.conftest import FakeClock
from tests.servers.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server
from tests.servers.threads import APP_SECRET, USER_ID, ThreadsServer
from tests.support.posts import outgoing
from tests.support.validate import one_post_errors

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(300)
ENV = {"SP_S3_KEY": ACCESS_KEY, "SP_S3_SECRET": SECRET_KEY}


@pytest.fixture
def server(clock: FakeClock) -> Iterator[ThreadsServer]:
    with ThreadsServer(clock=clock) as running:
        yield running


@pytest.fixture
def host(s3: S3Server, request: pytest.FixtureRequest) -> S3Host:
    name = "th-" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40].strip("-")
    s3.create_bucket(name)
    values = {
        "kind": "s3",
        "bucket": name,
        "endpoint_url": s3.endpoint,
        "region": REGION,
        "access_key_id": "${SP_S3_KEY}",
        "secret_access_key": "${SP_S3_SECRET}",
    }
    return S3Host(S3HostSettings.model_validate(values), clock=lambda: datetime.now(UTC), environ=ENV)


def adapter(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path, *, host: S3Host | None = None, **more: object
) -> ThreadsNetwork:
    values: dict[str, object] = {
        "access_token": server.token,
        "user_id": USER_ID,
        "api_base": server.url,
        "timeout": 5,
        "token_expires_at": clock() + timedelta(days=60),
        **more,
    }
    context = AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path, clock=clock, media_host=host)
    made = ThreadsNetwork(account="threads:acme", settings=ThreadsSettings.model_validate(values), context=context)
    made.containers.sleep = functools.partial(wait, clock)
    return made


def wait(clock: FakeClock, seconds: float) -> None:
    """The adapter's wait between two status reads: the test clock moves, nobody sleeps."""
    clock.advance(seconds=seconds)


def media_post(tmp_path: Path, *files: tuple[str, bytes], key: str = "sp-media") -> OutgoingPost:
    folder = tmp_path / "campaign"
    folder.mkdir(exist_ok=True)
    for name, data in files:
        (folder / name).write_bytes(data)
    media = tuple(Media(name, f"alt {name}") for name, _data in files)
    return outgoing("threads:acme", "With media", key=key, media=media, media_root=str(folder))


def test_a_thread_goes_out_as_replies_each_to_the_part_before(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path
) -> None:
    threads = adapter(server, clock, tmp_path)
    post = outgoing("threads:acme", "Part one", thread=("Part two", "Part three"))
    published = threads.publish(post)
    root = server.posts[published.remote_id]
    assert root.text == "Part one" and not root.reply_to
    assert published.url == root.permalink
    second = next(p for p in server.posts.values() if p.text == "Part two")
    third = next(p for p in server.posts.values() if p.text == "Part three")
    assert (second.reply_to, third.reply_to, third.root) == (root.id, second.id, root.id)
    assert len(server.publishes) == 1 and len(server.reply_publishes) == 2  # replies have their own quota
    # the same post again (a retry after an answer nobody saw): nothing is published twice
    assert threads.publish(post) == published
    assert len(server.posts) == 3


def test_a_text_posts_first_link_is_its_link_attachment(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path
) -> None:
    published = adapter(server, clock, tmp_path).publish(
        outgoing("threads:acme", "New menu: https://acme.example/menu?x=1. Come!")
    )
    assert server.posts[published.remote_id].link == "https://acme.example/menu?x=1"


def test_a_container_published_whose_answer_was_lost_is_found_not_published_again(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path
) -> None:
    threads = adapter(server, clock, tmp_path)
    post = outgoing("threads:acme", "Only once", key="sp-lost")
    published = threads.publish(post)
    record = threads.book.load(post.key)
    assert record is not None
    record.parts[0].media_id = ""  # as if the publish answer never came back
    record.permalink = ""
    threads.book.save(post.key, record)
    again = adapter(server, clock, tmp_path).publish(post)
    assert again.remote_id == published.remote_id
    assert len(server.mine()) == 1 and len(server.publishes) == 1


def test_an_image_goes_through_the_media_host_by_presigned_url_and_is_removed_after(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path, host: S3Host
) -> None:
    threads = adapter(server, clock, tmp_path, host=host)
    post = media_post(tmp_path, ("photo.png", PNG))
    published = threads.publish(post)
    assert server.posts[published.remote_id].media_type == "IMAGE"
    assert len(server.fetched) == 1 and "X-Amz-Signature=" in server.fetched[0]
    container = next(c for c in server.containers.values() if c.media_type == "IMAGE")
    assert container.alt_text == "alt photo.png"
    record = threads.book.load(post.key)
    assert record is not None and record.hosted == []  # removed from the bucket once out
    assert httpx.get(server.fetched[0]).status_code in (403, 404)


def test_a_carousel_of_images_and_a_video(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path, host: S3Host
) -> None:
    threads = adapter(server, clock, tmp_path, host=host)
    post = media_post(tmp_path, ("a.png", PNG), ("b.png", PNG), ("c.mp4", MP4), key="sp-carousel")
    published = threads.publish(post)
    root = server.posts[published.remote_id]
    assert root.media_type == "CAROUSEL" and len(root.children) == 3
    kinds = [server.containers[c].media_type for c in root.children]
    assert kinds == ["IMAGE", "IMAGE", "VIDEO"]


def test_media_without_a_media_host_is_refused_before_anything_is_sent(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path
) -> None:
    with pytest.raises(MediaRefused, match="media host"):
        adapter(server, clock, tmp_path).publish(media_post(tmp_path, ("photo.png", PNG)))
    assert server.containers == {} and server.posts == {}


def test_an_image_threads_does_not_take_is_refused_before_it_is_hosted(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path, host: S3Host
) -> None:
    gif = b"GIF89a" + bytes(100)
    with pytest.raises(MediaRefused, match="JPEG or PNG") as caught:
        adapter(server, clock, tmp_path, host=host).publish(media_post(tmp_path, ("dance.gif", gif)))
    assert "convert" in (caught.value.hint or "")
    assert server.containers == {} and server.fetched == []


def test_the_inbox_leaves_out_a_post_that_is_gone(server: ThreadsServer, clock: FakeClock, tmp_path: Path) -> None:
    threads = adapter(server, clock, tmp_path)
    kept = threads.publish(outgoing("threads:acme", "still here", key="sp-kept"))
    gone = threads.publish(outgoing("threads:acme", "deleted later", key="sp-gone"))
    server.add_reply(kept.remote_id, "Nice")
    del server.posts[gone.remote_id]
    replies = threads.fetch_replies([gone.remote_id, kept.remote_id])
    assert [r.text for r in replies] == ["Nice"]


def test_an_image_meta_cannot_fetch_puts_the_container_in_error(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path, host: S3Host
) -> None:
    class Unreachable:
        def publish(self, path, *, key_hint, lifetime):  # type: ignore[no-untyped-def]
            hosted = host.publish(path, key_hint=key_hint, lifetime=lifetime)
            return type(hosted)(hosted.url.split("?", 1)[0], hosted.key, hosted.expires_at)  # not presigned

        def remove(self, hosted):  # type: ignore[no-untyped-def]
            host.remove(hosted)

    threads = adapter(server, clock, tmp_path, host=Unreachable())  # type: ignore[arg-type]
    with pytest.raises(ContentRejected, match="FAILED_DOWNLOADING_IMAGE") as caught:
        threads.publish(media_post(tmp_path, ("photo.png", PNG)))
    assert "public" in (caught.value.hint or "")
    assert server.posts == {}


def test_a_video_still_processing_comes_back_later_and_is_published_once(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path, host: S3Host
) -> None:
    server.in_progress_reads = 50
    threads = adapter(server, clock, tmp_path, host=host, max_wait_seconds=9)
    post = media_post(tmp_path, ("clip.mp4", MP4), key="sp-video")
    with pytest.raises(TransientError, match="still processing") as caught:
        threads.publish(post)
    assert caught.value.retry_at is not None and caught.value.retry_at > clock()
    assert server.posts == {}
    server.in_progress_reads = 0
    next(c for c in server.containers.values()).reads_left = 0
    published = threads.publish(post)
    assert len(server.containers) == 1  # the same container, not a new one
    assert server.posts[published.remote_id].media_type == "VIDEO"


def test_the_daily_quota_used_up_is_rate_limited_until_it_frees(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.quota_total = 2
    threads = adapter(server, clock, tmp_path)
    threads.publish(outgoing("threads:acme", "one", key="sp-1"))
    clock.advance(hours=1)
    threads.publish(outgoing("threads:acme", "two", key="sp-2"))
    with pytest.raises(RateLimited, match="2 of the 2") as caught:
        threads.publish(outgoing("threads:acme", "three", key="sp-3"))
    assert caught.value.retry_at is not None
    assert clock() < caught.value.retry_at <= clock() + timedelta(hours=24)
    assert len(server.mine()) == 2


def test_text_over_500_characters_is_rejected(server: ThreadsServer, clock: FakeClock, tmp_path: Path) -> None:
    with pytest.raises(ContentRejected, match="500"):
        adapter(server, clock, tmp_path).publish(outgoing("threads:acme", "x" * 501))


def test_an_expired_token_is_an_auth_error_without_the_token(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.expire()
    with pytest.raises(AuthError) as caught:
        adapter(server, clock, tmp_path).publish(outgoing("threads:acme", "hello"))
    assert "expired" in caught.value.message
    assert server.token not in redact(str(caught.value)) and "accounts add threads acme" in (caught.value.hint or "")


def test_a_retired_version_is_refused(server: ThreadsServer, clock: FakeClock, tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match="deprecated"):
        adapter(server, clock, tmp_path, api_version="v0.9").publish(outgoing("threads:acme", "hello"))


def test_the_token_is_renewed_before_it_expires_and_kept(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path
) -> None:
    first = server.token
    threads = adapter(server, clock, tmp_path)
    threads.publish(outgoing("threads:acme", "day one", key="sp-a"))
    assert server.token == first  # too young to renew
    clock.advance(days=20)
    threads.publish(outgoing("threads:acme", "day twenty", key="sp-b"))
    assert server.token != first
    assert threads.token_expiry() == clock() + timedelta(days=60)
    server.expire(first)
    fresh = adapter(server, clock, tmp_path, access_token=first)  # secrets.yaml still has the first
    assert fresh.health().expires_at == clock() + timedelta(days=60)


def test_reconcile_reads_the_record_and_the_account(server: ThreadsServer, clock: FakeClock, tmp_path: Path) -> None:
    threads = adapter(server, clock, tmp_path)
    post = outgoing("threads:acme", "reconcile me", key="sp-rec", due_at=clock())
    assert isinstance(threads.reconcile(post), NotSent)
    published = threads.publish(post)
    found = adapter(server, clock, tmp_path).reconcile(post)
    assert isinstance(found, Published) and found.remote_id == published.remote_id
    # a thread cut short after its first part: neither out nor not sent; publishing again resumes
    cut = outgoing("threads:acme", "first of two", key="sp-cut", thread=("second of two",))
    record = Record()
    record.part(0).media_id = threads.publish(outgoing("threads:acme", "first of two", key="sp-other")).remote_id
    threads.book.save(cut.key, record)
    assert threads.reconcile(cut) is None
    resumed = threads.publish(cut)
    assert resumed.remote_id == record.parts[0].media_id
    assert [p.text for p in server.posts.values()].count("first of two") == 1
    assert (
        server.posts[next(i for i, p in server.posts.items() if p.text == "second of two")].reply_to
        == resumed.remote_id
    )
    # no record (another data folder) but the post is on the account
    elsewhere = adapter(server, clock, tmp_path / "other").reconcile(post)
    assert isinstance(elsewhere, Published) and elsewhere.remote_id == published.remote_id


def test_metrics_the_inbox_and_an_answer(server: ThreadsServer, clock: FakeClock, tmp_path: Path) -> None:
    threads = adapter(server, clock, tmp_path)
    published = threads.publish(outgoing("threads:acme", "how was it?"))
    server.posts[published.remote_id].counts.update(views=120, likes=7, replies=1, reposts=2, quotes=0)
    metrics = threads.fetch_metrics([published.remote_id])[published.remote_id]
    assert metrics == {"views": 120, "likes": 7, "replies": 1, "reposts": 2, "quotes": 0}
    clock.advance(minutes=5)
    fan = server.add_reply(published.remote_id, "Loved it")
    replies = threads.fetch_replies([published.remote_id])
    assert [(r.remote_id, r.in_reply_to, r.author, r.own) for r in replies] == [
        (fan.id, published.remote_id, "@fan.account", False)
    ]
    clock.advance(minutes=5)
    answer = threads.reply(fan.id, "Thank you!")
    assert server.posts[answer.remote_id].reply_to == fan.id
    after = threads.fetch_replies([published.remote_id])
    assert [r.own for r in after] == [False, True] and after[1].in_reply_to == fan.id


def test_health_says_who_the_quota_and_when_the_token_expires(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path
) -> None:
    health = adapter(server, clock, tmp_path).health()
    assert health.display == "@acme.threads"
    assert health.details["Posts published in 24 hours"] == "0/250"
    assert health.expires_at == clock() + timedelta(days=60) and health.renews
    unknown = adapter(server, clock, tmp_path / "x", token_expires_at=None).health()
    assert unknown.expires_at is None and unknown.warnings


class ScriptedUI:
    """Answers the guided set-up from a list and keeps what it was told."""

    def __init__(self, choice: str, answers: list[str]) -> None:
        self.choice, self.answers = choice, answers
        self.shown: list[str] = []

    def say(self, text: str) -> None:
        self.shown.append(text)

    def ask(self, prompt: str, *, default: str | None = None) -> str:
        return self.answers.pop(0)

    def ask_secret(self, prompt: str) -> str:
        return self.answers.pop(0)

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        raise AssertionError("not asked")

    def choose(self, prompt: str, options: Sequence[tuple[str, str]]) -> str:
        assert self.choice in [value for value, _label in options]
        return self.choice

    def open_url(self, url: str) -> None:
        self.shown.append(url)


def setup_context(tmp_path: Path, clock: FakeClock) -> AdapterContext:
    return AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path, clock=clock)


def test_setup_exchanges_a_short_lived_token_and_says_where_app_review_stops_it(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ThreadsNetwork, "setup_api_base", server.url)
    server.short_tokens.add("THshort-lived-0123456789")
    ui = ScriptedUI("short", ["THshort-lived-0123456789", APP_SECRET])
    made = ThreadsNetwork.setup(ui, account="threads:acme", context=setup_context(tmp_path, clock))
    token = made.secrets["access_token"]
    assert token in server.tokens and token != "THshort-lived-0123456789"
    assert made.settings == {"user_id": USER_ID, "token_expires_at": iso_utc(clock() + timedelta(days=60))}
    assert any("App Review" in line for line in ui.shown) and "Connected as @acme.threads." in ui.shown
    # the settings it wrote make a working account
    settings = ThreadsSettings.model_validate({**made.settings, **made.secrets, "api_base": server.url})
    assert settings.user_id == USER_ID


def test_setup_with_a_generated_token_checks_it_and_refuses_a_bad_one(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ThreadsNetwork, "setup_api_base", server.url)
    made = ThreadsNetwork.setup(
        ScriptedUI("generator", [server.token]), account="threads:acme", context=setup_context(tmp_path, clock)
    )
    assert made.secrets == {"access_token": server.token} and made.settings["user_id"] == USER_ID
    with pytest.raises(AuthError) as caught:
        ThreadsNetwork.setup(
            ScriptedUI("generator", ["THAAnot-a-real-token-0123456789"]),
            account="threads:acme",
            context=setup_context(tmp_path, clock),
        )
    assert "THAAnot-a-real-token-0123456789" not in redact(str(caught.value))
    server.short_tokens.add("THshort-2")
    with pytest.raises(PermanentError, match="client secret"):
        ThreadsNetwork.setup(
            ScriptedUI("short", ["THshort-2", "wrong-secret"]),
            account="threads:acme",
            context=setup_context(tmp_path, clock),
        )


def test_validate_says_threads_takes_no_gif(run_cli, write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The profile takes no GIF (gif_bytes=0): validate names the network and the file, not "over
    the limit of 0 MB"."""
    campaign = write(
        "gif.yaml",
        """\
campaign: dance
timezone: America/Toronto
accounts: [threads:cafe]
posts:
  - id: moves
    at: 2030-01-07 10:00
    text: "Nos pas de danse du vendredi ! Vous venez ?"
    media: [{file: dance.gif, alt: "Deux baristas qui dansent"}]
""",
    )
    (campaign.parent / "dance.gif").write_bytes(b"GIF89a" + bytes(100))
    result = run_cli("validate", str(campaign))
    assert result.exit_code == 2
    assert "threads does not take a gif ('dance.gif'). Fix: use another file" in result.stderr
    assert "0 MB" not in result.stderr


# --- validate: what Threads takes, at the limit and one over ---------------------------------------

JPEG_HEAD = b"\xff\xd8\xff\xe0" + bytes(12)
WEBP_HEAD = b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(12)
WEBM_HEAD = b"\x1a\x45\xdf\xa3" + bytes(28)


def validate_threads(
    tmp_path: Path, files: Sequence[tuple[str, bytes | int | None]], text: str = "Café du jour"
) -> list[str]:
    """``socialpost validate --json`` of a one-post campaign to threads:cafe with ``files`` (bytes,
    a size: a JPEG of exactly that many bytes, or None: already written), a media host set up; the
    errors' messages."""
    for name, data in files:
        if data is not None:
            content = data if isinstance(data, bytes) else JPEG_HEAD + bytes(data - len(JPEG_HEAD))
            (tmp_path / name).write_bytes(content)
    media = ", ".join(f"{{file: {name}, alt: Une photo}}" for name, _data in files)
    cafe = '  threads:\n    cafe: {access_token: "x-not-a-token"}\n'
    return one_post_errors(tmp_path, "threads:cafe", cafe, text=text, media=media)


def test_validate_refuses_a_webp_image_and_a_webm_video_for_threads_before_their_time(tmp_path: Path) -> None:
    errors = validate_threads(tmp_path, [("latte.webp", WEBP_HEAD), ("pour.webm", WEBM_HEAD)])
    assert len(errors) == 2, errors
    assert "'latte.webp' is WebP and would be refused when it is posted. Fix: convert it to JPEG" in errors[0]
    assert "'pour.webm' is WebM" in errors[1] and "convert it to MP4" in errors[1]


def test_validate_takes_jpeg_png_and_mp4_for_threads(tmp_path: Path) -> None:
    assert validate_threads(tmp_path, [("a.jpg", JPEG_HEAD), ("b.png", PNG), ("c.mp4", MP4)]) == []


@pytest.mark.parametrize(("size", "refused"), [(8_000_000, False), (8_000_001, True)])
def test_validate_an_image_of_exactly_8_mb_passes_one_byte_more_does_not(
    tmp_path: Path, size: int, refused: bool
) -> None:
    errors = validate_threads(tmp_path, [("big.jpg", size)])
    assert bool(errors) is refused, errors
    if refused:
        assert "'big.jpg' is 8.0 MB, over threads's limit of 8 MB" in errors[0], errors


@pytest.mark.parametrize(("count", "refused"), [(20, False), (21, True)])
def test_validate_a_carousel_of_20_passes_21_does_not(tmp_path: Path, count: int, refused: bool) -> None:
    errors = validate_threads(tmp_path, [(f"p{i}.jpg", JPEG_HEAD) for i in range(count)])
    assert bool(errors) is refused, errors
    if refused:
        assert "21 media files, but threads takes at most 20 per post" in errors[0], errors


@pytest.mark.parametrize(("length", "refused"), [(500, False), (501, True)])
def test_validate_a_text_of_500_characters_passes_501_does_not(tmp_path: Path, length: int, refused: bool) -> None:
    errors = validate_threads(tmp_path, [("a.jpg", JPEG_HEAD)], text="é" * length)
    assert bool(errors) is refused, errors


# --- from nothing to a working account, through the command line ----------------------------------


def test_accounts_add_threads_guides_to_a_working_account_and_stops_where_app_review_is_needed(
    server: ThreadsServer, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``socialpost accounts add threads cafe`` from an empty config: the app, the tester, where
    Meta's App Review stops a user (and that socialpost cannot do it), a short-lived token exchanged
    with the app secret (used once, never saved), the account written; ``accounts test`` then
    reaches the profile with exactly what was saved."""
    import stat

    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext
    from tests.support.meta import ToServer

    monkeypatch.setattr(ThreadsNetwork, "transport", ToServer(server.url))
    server.short_tokens.add("THshort-lived-0123456789")
    config = tmp_path / "config.yaml"
    config.write_text("# my settings\n", encoding="utf-8")

    def run(*args: str, input: str | None = None) -> Any:
        return CliRunner().invoke(cli, ["--config", str(config), *args], obj=AppContext(clock=clock), input=input)

    added = run("accounts", "add", "threads", "cafe", input=f"2\nTHshort-lived-0123456789\n{APP_SECRET}\n")
    assert added.exit_code == 0, added.output + added.stderr
    shown = " ".join(added.stdout.split())
    for step in ("Access the Threads API", "Threads tester", "App Review", "socialpost cannot do for you",
                 "Connected as @acme.threads."):  # fmt: skip
        assert step in shown, step
    written = config.read_text(encoding="utf-8")
    assert USER_ID in written and "token_expires_at" in written
    secrets_text = (tmp_path / "secrets.yaml").read_text(encoding="utf-8")
    assert stat.S_IMODE((tmp_path / "secrets.yaml").stat().st_mode) == 0o600
    assert APP_SECRET not in written + secrets_text + added.stdout + added.stderr
    assert "THshort-lived-0123456789" not in secrets_text  # the long-lived token replaced it
    tested = run("accounts", "test", "threads:cafe")
    assert tested.exit_code == 0, tested.output + tested.stderr
    assert "@acme.threads" in tested.stdout


@pytest.mark.parametrize(("size", "refused"), [(1_000_000_000, False), (1_000_000_001, True)])
def test_validate_a_video_of_exactly_1_gb_passes_one_byte_more_does_not(
    tmp_path: Path, size: int, refused: bool
) -> None:
    with (tmp_path / "long.mp4").open("wb") as handle:  # sparse: validate reads its head and its size only
        handle.write(MP4[:32])
        handle.truncate(size)
    errors = validate_threads(tmp_path, [("long.mp4", None)])
    assert bool(errors) is refused, errors
    if refused:
        assert "limit of 1000 MB for a video" in errors[0], errors
