"""Instagram: the adapter's real httpx client against the strict fake Graph (tests/servers/instagram.py)
on a real loopback socket, with media put on a real media host (a web server publishing a folder,
or the moto S3 server behind its SigV4 gate) and fetched by the fake the way Meta fetches it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialpost.errors import AuthError, ContentRejected, PermanentError, RateLimited, TransientError
from socialpost.mediahost import MediaHost
from socialpost.mediahost.folder import FolderHost
from socialpost.mediahost.s3 import S3Host
from socialpost.networks.base import AdapterContext, Media, NotSent, Published
from socialpost.networks.instagram import InstagramNetwork
from socialpost.networks.instagram.checks import CHECKS
from socialpost.networks.instagram.settings import InstagramSettings
from socialpost.networks.registry import load
from socialpost.settings.media_host import S3HostSettings
from tests.servers.instagram import FakeInstagram
from tests.servers.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server
from tests.support.http import LocalServer
from tests.support.instagram import JPEG, MP4, PNG, web_folder
from tests.support.meta import ToServer
from tests.support.posts import outgoing
from tests.support.validate import one_post_errors, validate_json

USER = "17841400000000001"
TOKEN = "IGAAInstagram-T0KEN-s3cr3t-0123456789abcdef"
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Rig:
    fake: FakeInstagram
    server: LocalServer
    clock: Clock
    folder: Path
    campaign: Path
    tmp: Path
    host: MediaHost

    def adapter(self, **changes: Any) -> InstagramNetwork:
        values: dict[str, Any] = {"user_id": USER, "access_token": TOKEN, "base_url": self.server.url, **changes}
        context = AdapterContext(data_dir=self.tmp / "data", base_dir=self.tmp, clock=self.clock, media_host=self.host)
        made = InstagramNetwork(account="instagram:bakery", settings=InstagramSettings(**values), context=context)
        made.sleep = self.clock.sleep  # type: ignore[method-assign]
        return made

    def file(self, name: str, data: bytes = JPEG) -> str:
        path = self.campaign / name
        path.write_bytes(data)
        return name

    def post(self, text: str = "Fresh croissants this morning ☕ #bakery", *names: str, **more: Any) -> Any:
        media = tuple(Media(self.file(n, MP4 if n.endswith(".mp4") else JPEG), f"alt {n}") for n in names or ("a.jpg",))
        fields: dict[str, Any] = {"media": media, "media_root": str(self.campaign), "due_at": self.clock()}
        fields.update(more)
        return outgoing("instagram:bakery", text, **fields)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    clock = Clock()
    fake = FakeInstagram(user_id=USER, token=TOKEN, clock=clock)
    campaign = tmp_path / "campaign"
    campaign.mkdir()
    with LocalServer() as server, web_folder(tmp_path / "www") as (folder, base_url):
        server.respond(fake)
        yield Rig(fake, server, clock, folder, campaign, tmp_path, FolderHost(folder, base_url, clock=clock))


def created(rig: Rig) -> list[dict[str, str]]:
    return [c.params for c in rig.fake.containers.values()]


# --- publishing -------------------------------------------------------------------------------------


def test_one_image_with_alt_text_goes_through_a_container_and_its_hosted_copy_is_removed(rig: Rig) -> None:
    adapter = rig.adapter()
    published = adapter.publish(rig.post())
    assert [m.id for m in rig.fake.media] == [published.remote_id]
    assert published.url and published.url.startswith("https://www.instagram.com/p/")
    (params,) = created(rig)
    assert params["caption"] == "Fresh croissants this morning ☕ #bakery"
    assert params["alt_text"] == "alt a.jpg" and "media_type" not in params
    assert rig.fake.fetched == [params["image_url"]] and "a.jpg" not in params["image_url"]
    assert list(rig.folder.iterdir()) == []  # removed once the post is out
    requests = [r for r in rig.server.requests if "/v24.0/" in r.path]
    assert requests and len(requests) == len(rig.server.requests)
    assert all(TOKEN not in r.path and TOKEN.encode() not in r.body for r in rig.server.requests)


def test_a_thread_is_joined_into_the_caption(rig: Rig) -> None:
    rig.adapter().publish(rig.post("First part", thread=("Second part",)))
    assert rig.fake.media[0].caption == "First part\n\nSecond part"
    assert InstagramNetwork.as_read(["a", "b"]).parts == ("a\n\nb",)


def test_a_carousel_of_images_and_a_video(rig: Rig) -> None:
    rig.adapter().publish(rig.post("Our week", "a.jpg", "b.jpg", "c.mp4"))
    children = [c for c in rig.fake.containers.values() if c.carousel_item]
    assert len(children) == 3 and all(c.status == "FINISHED" for c in children)
    assert children[2].params["media_type"] == "VIDEO" and "alt_text" not in children[2].params
    parent = next(c for c in rig.fake.containers.values() if c.params.get("media_type") == "CAROUSEL")
    assert parent.params["children"] == ",".join(c.id for c in children)
    assert rig.fake.media[0].kind == "CAROUSEL" and rig.fake.media[0].caption == "Our week"


def test_one_video_is_a_reel_shared_to_the_feed_or_not(rig: Rig) -> None:
    rig.adapter().publish(rig.post("Behind the oven", "tour.mp4"))
    rig.adapter(share_reels_to_feed=False).publish(rig.post("Again", "tour2.mp4", key="sp-other"))
    first, second = created(rig)
    assert first["media_type"] == "REELS" and first["share_to_feed"] == "true" and "alt_text" not in first
    assert second["share_to_feed"] == "false"


def test_stories_take_one_media_each(rig: Rig) -> None:
    adapter = rig.adapter(publish_as="story")
    adapter.publish(rig.post("", "a.jpg"))
    assert created(rig)[0]["media_type"] == "STORIES" and "caption" not in created(rig)[0]
    with pytest.raises(ContentRejected, match="one image or video"):
        adapter.publish(rig.post("", "a.jpg", "b.jpg", key="sp-two"))


def test_a_png_is_refused_before_anything_is_sent(rig: Rig) -> None:
    post = rig.post()
    rig.file("a.jpg", PNG)
    with pytest.raises(ContentRejected, match="JPEG"):
        rig.adapter().publish(post)
    assert rig.fake.containers == {} and list(rig.folder.iterdir()) == []


def test_an_image_meta_cannot_fetch_leaves_the_container_in_error(rig: Rig, tmp_path: Path) -> None:
    rig.host = FolderHost(rig.folder, rig.server.url + "/not-public", clock=rig.clock)  # answers 400, not the file
    with pytest.raises(ContentRejected) as caught:
        rig.adapter().publish(rig.post())
    assert "Media download has failed" in caught.value.message
    assert "public" in (caught.value.hint or "")
    assert rig.fake.media == []


def test_a_container_still_processing_is_retried_later_and_never_created_twice(rig: Rig) -> None:
    rig.fake.processing_polls = 100
    adapter = rig.adapter(max_wait=10)
    post = rig.post()
    with pytest.raises(TransientError) as caught:
        adapter.publish(post)
    assert not isinstance(caught.value, PermanentError) and caught.value.retry_at is not None
    assert rig.clock() - START <= timedelta(seconds=10)  # a bounded wait
    assert isinstance(adapter.reconcile(post), NotSent)  # not out: the retry may go
    rig.fake.processing_polls = 0
    for container in rig.fake.containers.values():
        container.polls_left = 0
    published = rig.adapter().publish(post)
    assert len(rig.fake.containers) == 1 and [m.id for m in rig.fake.media] == [published.remote_id]


def test_a_published_container_is_found_not_published_again(rig: Rig) -> None:
    adapter = rig.adapter()
    post = rig.post()
    published = adapter.publish(post)
    state_file = next((rig.tmp / "data").rglob(f"containers/{post.key}.json"))
    state = json.loads(state_file.read_text())
    del state["media_id"]  # as if the answer to media_publish was lost
    state_file.write_text(json.dumps(state))
    assert adapter.reconcile(post) == published
    state.pop("media_id", None)
    state_file.write_text(json.dumps(state))
    assert rig.adapter().publish(post).remote_id == published.remote_id
    assert rig.fake.violations == [] and len(rig.fake.media) == 1


def test_reconcile_without_a_container_looks_for_the_caption(rig: Rig) -> None:
    adapter = rig.adapter()
    assert isinstance(adapter.reconcile(rig.post("Never sent")), NotSent)
    published = adapter.publish(rig.post("Sent once"))
    other = rig.adapter()
    for path in (rig.tmp / "data").rglob("containers/sp-*.json"):
        path.unlink()
    assert other.reconcile(rig.post("Sent once")) == published


def test_an_exhausted_quota_waits_until_the_oldest_post_leaves_the_window(rig: Rig) -> None:
    rig.fake.quota_total = 2
    adapter = rig.adapter()
    adapter.publish(rig.post("one", key="sp-1"))
    first = rig.clock()
    rig.clock.now += timedelta(hours=3)
    adapter.publish(rig.post("two", key="sp-2"))
    with pytest.raises(RateLimited) as caught:
        adapter.publish(rig.post("three", key="sp-3"))
    assert caught.value.retry_at is not None
    assert first + timedelta(hours=24) <= caught.value.retry_at <= first + timedelta(hours=24, minutes=1)
    assert len(rig.fake.media) == 2


def test_the_quota_refused_by_meta_is_rate_limited(rig: Rig) -> None:
    rig.fake.publish_times = [rig.clock() - timedelta(hours=1)] * 50  # published elsewhere, unknown to socialpost
    rig.fake.quota_total = 51
    adapter = rig.adapter()
    adapter.containers.ensure_room = lambda recent=(): None  # type: ignore[assignment,method-assign,misc,return-value]
    adapter.publish(rig.post("fits", key="sp-a"))
    with pytest.raises(RateLimited, match="limit of posts"):
        adapter.publish(rig.post("does not", key="sp-b"))


def test_an_expired_token_is_an_auth_error_without_the_token(rig: Rig) -> None:
    rig.fake.token_expires = START - timedelta(days=1)
    with pytest.raises(AuthError) as caught:
        rig.adapter().publish(rig.post())
    assert "no longer valid" in caught.value.message and "463" in caught.value.message
    assert TOKEN not in str(caught.value)
    assert "socialpost accounts add instagram bakery" in (caught.value.hint or "")


def test_a_retired_version_pin_is_refused_by_the_server(rig: Rig) -> None:
    with pytest.raises(PermanentError, match="2635"):
        rig.adapter(graph_version="v19.0").publish(rig.post())


def test_no_media_host_is_a_permanent_error_with_the_fix(rig: Rig) -> None:
    adapter = rig.adapter()
    adapter.publisher.context = AdapterContext(data_dir=rig.tmp / "data", base_dir=rig.tmp, clock=rig.clock)
    with pytest.raises(PermanentError, match="media host"):
        adapter.publish(rig.post())


# --- a presigned S3 URL works as the media host -----------------------------------------------------


def test_a_presigned_s3_url_is_fetched_and_removed_after_the_post(rig: Rig, s3: S3Server) -> None:
    admin = s3.admin()
    admin.create_bucket(Bucket="sp-instagram")
    settings = S3HostSettings.model_validate(
        {
            "kind": "s3",
            "bucket": "sp-instagram",
            "endpoint_url": s3.endpoint,
            "region": REGION,
            "access_key_id": "${K}",
            "secret_access_key": "${S}",
        }
    )
    rig.host = S3Host(settings, clock=lambda: datetime.now(UTC), environ={"K": ACCESS_KEY, "S": SECRET_KEY})
    rig.adapter().publish(rig.post())
    (url,) = rig.fake.fetched
    assert "X-Amz-Signature=" in url and len(rig.fake.media) == 1
    assert admin.list_objects_v2(Bucket="sp-instagram").get("KeyCount") == 0


# --- validate: caption limits -----------------------------------------------------------------------


def test_hashtags_and_mentions_are_refused_past_30_and_20() -> None:
    def problems(text: str, media: int = 1) -> list[str]:
        post = outgoing("instagram:bakery", text, media=tuple(Media(f"{i}.jpg", "") for i in range(media)))
        return CHECKS.problems(post)

    assert problems(" ".join(f"#tag{i}" for i in range(30)) + " " + " ".join(f"@u{i}" for i in range(20))) == []
    (hashtags,) = problems(" ".join(f"#tag{i}" for i in range(31)))
    assert "31 hashtags" in hashtags and "30" in hashtags
    (mentions,) = problems(" ".join(f"@user{i}" for i in range(21)))
    assert "21 accounts" in mentions and "20" in mentions
    assert problems("no picture", media=0)  # (more than 10 files: validate's media count, from the profile)
    assert problems("an email a@b.com and C# are neither") == []


def test_the_profile_is_declared() -> None:
    adapter = load("instagram")
    assert adapter is InstagramNetwork
    profile = adapter.profile
    assert profile.max_length == 2200 and profile.public_media and not profile.threads
    assert profile.media.count == 10 and profile.media.image_bytes == 8_000_000


# --- reading ----------------------------------------------------------------------------------------


def test_metrics_inbox_and_reply(rig: Rig) -> None:
    adapter = rig.adapter()
    media_id = adapter.publish(rig.post()).remote_id
    rig.fake.media[0].likes, rig.fake.media[0].views = 12, 340
    comment = rig.fake.comment(media_id, "claire", "Are they vegan?")
    metrics = adapter.fetch_metrics([media_id])[media_id]
    assert metrics == {"likes": 12, "replies": 1, "views": 340, "reposts": 0, "bookmarks": 0}
    rig.fake.hidden.add(media_id)
    hidden = adapter.fetch_metrics([media_id])[media_id]
    assert hidden["likes"] is None and hidden["views"] is None
    answer = adapter.reply(comment, "Yes, all of them!")
    replies = adapter.fetch_replies([media_id])
    assert [(r.author, r.in_reply_to, r.own) for r in replies] == [
        ("@claire", media_id, False),
        ("@bakery", comment, True),
    ]
    assert replies[1].remote_id == answer.remote_id
    with pytest.raises(ContentRejected):
        adapter.reply(comment, "   ")


def test_health_names_the_account_the_quota_and_the_token_expiry(rig: Rig) -> None:
    adapter = rig.adapter(login="facebook", token_expires_at=START + timedelta(days=5))  # not refreshed
    health = adapter.health()
    assert health.display == "@bakery"
    assert health.details["publishing quota"] == "0/50"
    assert health.expires_at == START + timedelta(days=5)
    assert health.warnings and "expires" in health.warnings[0].message and not health.renews
    assert adapter.token_expiry() == START + timedelta(days=5)
    assert health.api_version is not None and health.api_version.version == "v24.0"
    assert adapter.api_origin() == rig.server.url
    assert isinstance(rig.adapter().health().expires_at, type(None))
    published = adapter.publish(rig.post())
    assert isinstance(published, Published)


# --- the guided set-up ------------------------------------------------------------------------------


class ScriptedUI:
    def __init__(self, answers: list[str], choice: str) -> None:
        self.answers, self.choice = answers, choice
        self.shown: list[str] = []

    def say(self, text: str) -> None:
        self.shown.append(text)

    def ask(self, prompt: str, *, default: str | None = None) -> str:
        self.shown.append(prompt)
        return self.answers.pop(0)

    def ask_secret(self, prompt: str) -> str:
        return self.ask(prompt)

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        raise AssertionError("not asked")

    def choose(self, prompt: str, options: Any) -> str:
        assert self.choice in [value for value, _label in options]
        return self.choice

    def open_url(self, url: str) -> None:
        self.shown.append(url)


def setup_with(rig: Rig, monkeypatch: pytest.MonkeyPatch, choice: str, token: str = TOKEN) -> tuple[Any, ScriptedUI]:
    monkeypatch.setattr(InstagramNetwork, "setup_hosts", {"instagram": rig.server.url, "facebook": rig.server.url})
    ui = ScriptedUI([token], choice)
    context = AdapterContext(data_dir=rig.tmp / "data", base_dir=rig.tmp, clock=rig.clock)
    return InstagramNetwork.setup(ui, account="instagram:bakery", context=context), ui


def test_setup_with_instagram_login_saves_the_user_id_the_expiry_and_the_token(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, ui = setup_with(rig, monkeypatch, "instagram")
    assert made.settings == {"user_id": USER, "token_expires_at": (START + timedelta(days=60)).isoformat()}
    assert made.secrets == {"access_token": TOKEN}
    assert any("App Review" in text for text in ui.shown) and any("@bakery" in text for text in ui.shown)
    InstagramSettings(**made.settings, access_token=TOKEN)  # what it saves is a valid account


def test_setup_with_facebook_login_finds_the_linked_account(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    rig.fake.page = ("104857600123456", "Bakery")
    made, _ui = setup_with(rig, monkeypatch, "facebook")
    assert made.settings == {"user_id": USER, "login": "facebook"}


def test_setup_refuses_a_personal_account_and_a_wrong_token(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    rig.fake.account_type = "PERSONAL"
    with pytest.raises(PermanentError, match="professional"):
        setup_with(rig, monkeypatch, "instagram")
    wrong = "IGAAwrong-T0KEN-s3cr3t-9876543210"
    with pytest.raises(AuthError) as caught:
        setup_with(rig, monkeypatch, "instagram", token=wrong)
    assert wrong not in str(caught.value)


# --- the token, refreshed before it expires ---------------------------------------------------------


def test_the_token_is_refreshed_weeks_before_it_expires_and_kept_privately(rig: Rig) -> None:
    rig.fake.token_expires = START + timedelta(days=20)
    adapter = rig.adapter(token_expires_at=START + timedelta(days=20))
    adapter.publish(rig.post())
    (new,) = rig.fake.refreshed
    assert adapter.tokens.token == new and adapter.tokens.expires_at == START + timedelta(days=60)
    saved = next((rig.tmp / "data").rglob("token/token.json"))
    assert saved.stat().st_mode & 0o777 == 0o600
    rig.clock.now += timedelta(days=5)
    later = rig.adapter(token_expires_at=START + timedelta(days=20))  # a restarted daemon
    assert later.tokens.token == new
    health = later.health()
    assert health.renews and health.expiry is None and later.token_expiry() is None
    assert later.publish(rig.post("Again", key="sp-again")).remote_id
    assert len(rig.fake.refreshed) == 1  # 55 days left: not due yet
    rig.clock.now += timedelta(days=25)  # the configured token has expired by now
    assert later.publish(rig.post("Later", key="sp-later")).remote_id
    assert len(rig.fake.refreshed) == 2 and later.tokens.token != new


def test_a_token_too_new_to_refresh_is_tried_again_a_day_later(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.fake.token_issued = START - timedelta(hours=2)
    adapter = rig.adapter(token_expires_at=START + timedelta(days=40))
    adapter.publish(rig.post())
    adapter.publish(rig.post("Second", key="sp-2"))
    refreshes = [r for r in rig.server.requests if r.path.startswith("/refresh_access_token")]
    assert len(refreshes) == 1 and rig.fake.refreshed == {}
    assert TOKEN not in caplog.text
    rig.clock.now += timedelta(days=1, minutes=1)
    adapter.publish(rig.post("Third", key="sp-3"))
    assert len(rig.fake.refreshed) == 1


def test_a_facebook_login_token_is_not_refreshed(rig: Rig) -> None:
    adapter = rig.adapter(login="facebook", token_expires_at=START + timedelta(days=20))
    adapter.publish(rig.post())
    assert not [r for r in rig.server.requests if r.path.startswith("/refresh_access_token")]


# --- validate, end to end ---------------------------------------------------------------------------


@pytest.mark.parametrize(("tags", "mentions", "refused"), [(30, 20, False), (31, 0, True), (0, 21, True)])
def test_validate_refuses_31_hashtags_or_21_mentions_not_30_or_20(
    tmp_path: Path, tags: int, mentions: int, refused: bool
) -> None:
    (tmp_path / "a.jpg").write_bytes(JPEG)
    text = " ".join([f"#t{i}" for i in range(tags)] + [f"@u{i}" for i in range(mentions)]) + " What do you think?"
    errors = validate_instagram(tmp_path, ["a.jpg"], text=text)  # it checks the exit code agrees
    if refused:
        assert len(errors) == 1 and ("31 hashtags" in errors[0] or "21 accounts" in errors[0]), errors
    else:
        assert errors == [], errors


# --- the first comment ------------------------------------------------------------------------------

SAY = "#bakery #croissant #sherbrooke"


def commented(rig: Rig, text: str = SAY, **more: Any) -> Any:
    return rig.post(extra={"first_comment": text}, **more)


def state_of(rig: Rig, key: str) -> tuple[Path, dict[str, Any]]:
    path = next((rig.tmp / "data").rglob(f"containers/{key}.json"))
    return path, json.loads(path.read_text())


def test_the_first_comment_is_added_under_the_published_post(rig: Rig) -> None:
    post = commented(rig)
    published = rig.adapter().publish(post)
    assert published.note == ""
    assert rig.fake.comments_written == [(published.remote_id, SAY)]
    (comment,) = rig.fake.media[0].comments
    assert comment["username"] == "bakery" and comment["text"] == SAY
    _path, state = state_of(rig, post.key)
    assert state["comment"] == "added" and state["comment_id"] == comment["id"]
    # published again (a retry after a lost answer): neither the post nor the comment twice
    assert rig.adapter().publish(post).remote_id == published.remote_id
    assert rig.adapter().reconcile(post) == published
    assert len(rig.fake.media) == 1 and len(rig.fake.comments_written) == 1 and rig.fake.violations == []


def test_a_post_without_a_first_comment_writes_none(rig: Rig) -> None:
    rig.adapter().publish(rig.post())
    assert rig.fake.comments_written == []
    assert not [r for r in rig.server.requests if r.path.endswith("/comments")]


def test_a_refused_first_comment_leaves_the_post_sent_with_a_note_and_the_fix(rig: Rig) -> None:
    rig.fake.comment_faults = ["refuse"]
    post = commented(rig)
    published = rig.adapter().publish(post)
    assert [m.id for m in rig.fake.media] == [published.remote_id]  # the post is out
    assert "first comment was not added" in published.note
    assert "instagram_business_manage_comments" in published.note
    assert f"Fix: add it by hand in Instagram: {SAY}" in published.note
    _path, state = state_of(rig, post.key)
    assert state["comment"] == "failed"
    # tried again (a retry of the same slot): the post is not published again, the note stays, no second try
    again = rig.adapter().publish(post)
    assert again.remote_id == published.remote_id and again.note == published.note
    assert len(rig.fake.media) == 1 and rig.fake.comments_written == [] and rig.fake.violations == []


def test_a_comment_whose_answer_was_lost_is_found_not_written_twice(rig: Rig) -> None:
    rig.fake.comment_faults = ["lose"]  # written, then a 500
    post = commented(rig)
    published = rig.adapter().publish(post)
    assert published.note == ""
    assert len(rig.fake.comments_written) == 1
    _path, state = state_of(rig, post.key)
    assert state["comment_id"] == rig.fake.media[0].comments[0]["id"]


def test_a_crash_after_the_comment_left_finds_it_on_the_next_try(rig: Rig) -> None:
    post = commented(rig)
    published = rig.adapter().publish(post)
    path, state = state_of(rig, post.key)
    state.pop("comment_id")
    state["comment"] = "sending"  # as if socialpost died before the comment's answer was written down
    path.write_text(json.dumps(state))
    assert rig.adapter().reconcile(post) == published
    assert len(rig.fake.comments_written) == 1
    assert state_of(rig, post.key)[1]["comment"] == "added"


def test_a_crash_between_publish_and_comment_adds_the_comment_once_on_reconcile(rig: Rig) -> None:
    post = commented(rig)
    rig.fake.comment_faults = []
    adapter = rig.adapter()
    adapter.publisher.comment.add = lambda *args: ""  # type: ignore[method-assign]  # "crash" before the comment
    published = adapter.publish(post)
    assert rig.fake.comments_written == []
    assert rig.adapter().reconcile(post) == published
    assert rig.fake.comments_written == [(published.remote_id, SAY)]
    assert len(rig.fake.media) == 1


def test_a_story_takes_no_first_comment_and_says_so(rig: Rig) -> None:
    published = rig.adapter(publish_as="story").publish(commented(rig))
    assert "a Story takes no comments" in published.note
    assert rig.fake.comments_written == [] and len(rig.fake.media) == 1


def test_the_fake_refuses_a_comment_on_a_container_or_without_a_message(rig: Rig) -> None:
    import httpx

    rig.adapter().publish(rig.post())
    container = next(iter(rig.fake.containers))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = f"{rig.server.url}/v24.0"
    answer = httpx.post(f"{url}/{container}/comments", data={"message": "hi"}, headers=headers)
    assert answer.status_code == 400 and answer.json()["error"]["error_subcode"] == 33
    answer = httpx.post(f"{url}/{rig.fake.media[0].id}/comments", data={"message": " "}, headers=headers)
    assert answer.status_code == 400 and "message is required" in answer.json()["error"]["message"]
    answer = httpx.post(f"{url}/{rig.fake.media[0].id}/comments", data={"message": "hi"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 2500


@pytest.mark.parametrize(
    ("length", "tags", "refused"),
    [(2200, 0, None), (2201, 0, "2201 characters"), (0, 30, None), (0, 31, "31 hashtags")],
)
def test_validate_checks_the_first_comment_at_2200_characters_and_30_hashtags(
    tmp_path: Path, length: int, tags: int, refused: str | None
) -> None:
    (tmp_path / "a.jpg").write_bytes(JPEG)
    comment = " ".join(f"#t{i}" for i in range(tags)) or "é" * length
    errors = validate_instagram(tmp_path, ["a.jpg"], extra=f'    first_comment: "{comment}"\n')
    if refused:
        assert len(errors) == 1 and refused in errors[0] and "first comment" in errors[0], errors
    else:
        assert errors == [], errors


# --- videos by the resumable upload (Facebook Login for Business) -----------------------------------


def facebook_rig(rig: Rig, **changes: Any) -> InstagramNetwork:
    """The account signs in with Facebook Login: the fake serves graph.facebook.com and rupload."""
    rig.fake.login = "facebook"
    return rig.adapter(login="facebook", upload_url=rig.server.url, **changes)


def uploads_sent(rig: Rig) -> list[Any]:
    return [r for r in rig.server.requests if r.path.startswith("/ig-api-upload/")]


def test_a_reel_goes_by_the_resumable_upload_with_no_media_host_and_nothing_public(rig: Rig) -> None:
    rig.host = None  # type: ignore[assignment]  # no media host at all: a video needs none with Facebook Login
    post = rig.post("Behind the oven", "tour.mp4")
    published = facebook_rig(rig).publish(post)
    (container,) = rig.fake.containers.values()
    assert container.params["media_type"] == "REELS" and container.params["upload_type"] == "resumable"
    assert "video_url" not in container.params and container.params["share_to_feed"] == "true"
    (sent,) = uploads_sent(rig)
    headers = {k.lower(): v for k, v in sent.headers.items()}
    assert sent.path == f"/ig-api-upload/v24.0/{container.id}"
    assert headers["authorization"] == f"OAuth {TOKEN}" and headers["offset"] == "0"
    assert headers["file_size"] == str(len(MP4)) and sent.body == MP4
    assert rig.fake.uploads == [(container.id, 0, len(MP4))] and rig.fake.fetched == []
    assert [m.id for m in rig.fake.media] == [published.remote_id] and rig.fake.media[0].kind == "REELS"
    _path, state = state_of(rig, post.key)
    assert state["uploads"] == {container.id: True}


def test_a_carousel_with_facebook_login_hosts_its_images_and_uploads_its_video(rig: Rig) -> None:
    facebook_rig(rig).publish(rig.post("Our week", "a.jpg", "c.mp4"))
    image, video = (c for c in rig.fake.containers.values() if c.carousel_item)
    assert "image_url" in image.params and image.params["alt_text"] == "alt a.jpg"
    assert video.params == {"is_carousel_item": "true", "upload_type": "resumable", "media_type": "VIDEO"}
    assert rig.fake.fetched == [image.params["image_url"]] and [u[0] for u in rig.fake.uploads] == [video.id]
    assert rig.fake.media[0].kind == "CAROUSEL"


def test_a_story_video_goes_by_the_resumable_upload(rig: Rig) -> None:
    facebook_rig(rig, publish_as="story").publish(rig.post("", "story.mp4"))
    (container,) = rig.fake.containers.values()
    assert container.params == {"media_type": "STORIES", "upload_type": "resumable"}
    assert len(rig.fake.uploads) == 1 and rig.fake.media[0].kind == "STORIES"


def test_with_instagram_login_a_video_goes_through_the_media_host(rig: Rig) -> None:
    rig.adapter().publish(rig.post("Behind the oven", "tour.mp4"))
    (container,) = rig.fake.containers.values()
    assert "video_url" in container.params and "upload_type" not in container.params
    assert uploads_sent(rig) == [] and rig.fake.fetched == [container.params["video_url"]]


def test_an_upload_meta_cannot_take_now_is_retried_with_a_new_container_and_published_once(rig: Rig) -> None:
    rig.fake.upload_faults = ["busy"]
    post = rig.post("Behind the oven", "tour.mp4")
    with pytest.raises(TransientError, match="upload failed for now") as caught:
        facebook_rig(rig).publish(post)
    assert "Upload service busy" in caught.value.message and TOKEN not in caught.value.message
    _path, state = state_of(rig, post.key)
    first = state["container"]
    assert state["uploads"] == {first: False}
    published = facebook_rig(rig).publish(post)
    second = next(c for c in rig.fake.containers if c != first)
    assert rig.fake.uploads == [(second, 0, len(MP4))]  # the unconfirmed container is left to expire
    assert rig.fake.containers[first].status == "IN_PROGRESS" and rig.fake.containers[second].status == "PUBLISHED"
    assert [m.id for m in rig.fake.media] == [published.remote_id] and rig.fake.violations == []


def test_a_file_meta_cannot_read_as_video_leaves_the_uploaded_container_in_error(rig: Rig) -> None:
    webm = b"\x1a\x45\xdf\xa3" + bytes(64)  # a video to socialpost, not one Instagram takes (MP4 or MOV)
    post = rig.post("Behind the oven", "tour.mp4")
    (rig.campaign / "tour.mp4").write_bytes(webm)
    with pytest.raises(ContentRejected, match="2207026"):
        facebook_rig(rig).publish(post)
    (container,) = rig.fake.containers.values()
    assert container.status == "ERROR" and rig.fake.media == []


def test_the_fake_upload_server_is_as_strict_as_meta_says(rig: Rig) -> None:
    import httpx

    rig.fake.login = "facebook"
    url = rig.server.url
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    made = httpx.post(
        f"{url}/v24.0/{USER}/media", data={"media_type": "REELS", "upload_type": "resumable"}, headers=bearer
    )
    assert made.status_code == 200 and made.json()["uri"].startswith(
        "https://rupload.facebook.com/ig-api-upload/v24.0/"
    )
    container = made.json()["id"]
    path = f"{url}/ig-api-upload/v24.0/{container}"

    def upload(body: bytes, **headers: str) -> httpx.Response:
        return httpx.post(path, content=body, headers=headers)

    def said(answer: httpx.Response) -> tuple[int, str]:
        info = answer.json()["debug_info"]
        assert set(info) == {"retriable", "type", "message"}
        return answer.status_code, info["type"]

    full = {"Authorization": f"OAuth {TOKEN}", "offset": "0", "file_size": str(len(MP4))}
    assert said(upload(MP4, **{**full, "Authorization": f"Bearer {TOKEN}"})) == (400, "NotAuthorizedError")
    assert said(upload(MP4, **{**full, "Authorization": "OAuth wrong"})) == (400, "NotAuthorizedError")
    assert said(upload(MP4, Authorization=f"OAuth {TOKEN}", file_size=str(len(MP4)))) == (400, "InvalidRequest")
    assert said(upload(MP4, **{**full, "offset": "5"})) == (400, "InvalidRequest")
    assert said(upload(MP4 + b"x", **full)) == (400, "InvalidRequest")  # more than file_size
    # the first half, then the rest from the offset the server holds: a resumed upload
    half = len(MP4) // 2
    assert upload(MP4[:half], **full).json() == {"success": True, "message": "Upload successful."}
    status = httpx.get(f"{url}/v24.0/{container}", params={"fields": "status_code"}, headers=bearer).json()
    assert status["status_code"] == "IN_PROGRESS"
    assert said(upload(MP4[half:], **{**full, "offset": "3"})) == (400, "InvalidRequest")
    assert upload(MP4[half:], **{**full, "offset": str(half)}).status_code == 200
    assert said(upload(MP4, **full)) == (400, "InvalidRequest")  # complete: no more bytes
    early = httpx.post(f"{url}/v24.0/{USER}/media_publish", data={"creation_id": container}, headers=bearer)
    assert early.status_code == 400 and early.json()["error"]["code"] == 9007  # still processing
    for _read in range(3):
        status = httpx.get(f"{url}/v24.0/{container}", params={"fields": "status_code"}, headers=bearer).json()
    assert status["status_code"] == "FINISHED"
    published = httpx.post(f"{url}/v24.0/{USER}/media_publish", data={"creation_id": container}, headers=bearer)
    assert published.status_code == 200
    # with Instagram Login, no resumable upload
    rig.fake.login = "instagram"
    refused = httpx.post(
        f"{url}/v24.0/{USER}/media", data={"media_type": "REELS", "upload_type": "resumable"}, headers=bearer
    )
    assert refused.status_code == 400 and "Facebook Login for Business" in refused.json()["error"]["message"]


# --- from nothing to a working account, through the command line ----------------------------------


def test_accounts_add_instagram_guides_to_a_working_account_and_names_app_review(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``socialpost accounts add instagram bakery`` from an empty config: the steps Meta requires
    (the app, the tester, the token; App Review for other people's accounts, which socialpost
    cannot do), the token checked against the API, the account written; then ``accounts test``
    reaches the account with exactly what was saved."""
    import stat

    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext

    monkeypatch.setattr(InstagramNetwork, "transport", ToServer(rig.server.url))
    config = rig.tmp / "config.yaml"
    config.write_text("# my settings\n", encoding="utf-8")

    def run(*args: str, input: str | None = None) -> Any:
        return CliRunner().invoke(cli, ["--config", str(config), *args], obj=AppContext(clock=rig.clock), input=input)

    added = run("accounts", "add", "instagram", "bakery", input=f"1\n{TOKEN}\n")
    assert added.exit_code == 0, added.output + added.stderr
    shown = " ".join(added.stdout.split())
    for step in ("professional account", "developers.facebook.com/apps", "Instagram tester", "App Review",
                 "socialpost cannot do that step for you", "Connected to @bakery"):  # fmt: skip
        assert step in shown, step
    assert TOKEN not in added.stdout + added.stderr + config.read_text(encoding="utf-8")
    secrets_file = rig.tmp / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600 and TOKEN in secrets_file.read_text(encoding="utf-8")
    assert f'user_id: "{USER}"' in config.read_text(encoding="utf-8") or f"user_id: '{USER}'" in config.read_text(
        encoding="utf-8"
    )
    tested = run("accounts", "test", "instagram:bakery")
    assert tested.exit_code == 0, tested.output + tested.stderr
    assert "@bakery" in tested.stdout and "0/50" in tested.stdout


@pytest.mark.parametrize("answer", ["a personal account", "a wrong token"])
def test_accounts_add_instagram_stops_with_the_fix_and_writes_nothing(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext

    monkeypatch.setattr(InstagramNetwork, "transport", ToServer(rig.server.url))
    token = TOKEN
    if answer == "a personal account":
        rig.fake.account_type = "PERSONAL"
    else:
        token = "IGAAwrong-T0KEN-s3cr3t-9876543210"
    config = rig.tmp / "config.yaml"
    config.write_text("# my settings\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "accounts", "add", "instagram", "bakery"],
        obj=AppContext(clock=rig.clock),
        input=f"1\n{token}\n",
    )
    assert result.exit_code != 0 and "Traceback" not in result.output + result.stderr
    said = " ".join(result.stderr.split())
    assert ("Business or Creator" in said) if answer == "a personal account" else ("no longer valid" in said), said
    assert token not in result.stdout + result.stderr
    assert config.read_text(encoding="utf-8") == "# my settings\n" and not (rig.tmp / "secrets.yaml").exists()


def test_validate_refuses_a_first_comment_none_of_the_posts_accounts_takes(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(JPEG)
    mastodon = "  mastodon:\n    cafe: {api_base_url: 'https://mastodon.example', access_token: x-not-a-token}\n"
    result = validate_json(
        tmp_path,
        "[mastodon:cafe]",
        '  - id: p\n    at: 2030-01-01 09:00\n    text: "Fresh bread today, come early!"\n'
        '    first_comment: "#bakery"\n    cover: a.jpg\n'
        '  - id: q\n    at: 2030-01-02 09:00\n    text: "Fresh bread again today, come early!"\n'
        '    first_comment: "#bakery"\n    accounts: [mastodon:cafe, instagram:bakery]\n'
        "    media: [{file: a.jpg, alt: A croissant}]\n",
        config_accounts=mastodon + BAKERY,
    )
    errors = json.loads(result.stdout)["errors"]
    assert [(e["line"], e["message"]) for e in errors] == [
        (
            8,
            "first_comment: is for Instagram accounts, and post 'p' goes to none. "
            "Fix: add one of your instagram:… accounts to the post, or remove first_comment:.",
        ),
        (
            9,
            "cover: is for Instagram accounts, and post 'p' goes to none. "
            "Fix: add one of your instagram:… accounts to the post, or remove cover:.",
        ),
    ], errors
    assert result.exit_code != 0


# --- a Reel's cover ---------------------------------------------------------------------------------


def test_a_reels_cover_is_hosted_sent_as_cover_url_fetched_and_removed(rig: Rig) -> None:
    rig.file("cover.jpg")
    post = rig.post("Behind the oven", "tour.mp4", extra={"cover": str(rig.campaign / "cover.jpg")})
    rig.adapter().publish(post)
    (container,) = rig.fake.containers.values()
    assert container.params["media_type"] == "REELS" and container.params["cover_url"] in rig.fake.fetched
    assert rig.fake.fetched == [container.params["video_url"], container.params["cover_url"]]
    assert list(rig.folder.iterdir()) == []  # the video and its cover, removed once the post is out


def test_a_cover_with_facebook_login_goes_through_the_media_host_while_the_video_is_uploaded(rig: Rig) -> None:
    rig.file("cover.jpg")
    facebook_rig(rig).publish(rig.post("Behind the oven", "tour.mp4", extra={"cover": "cover.jpg"}))
    (container,) = rig.fake.containers.values()
    assert container.params["upload_type"] == "resumable" and rig.fake.fetched == [container.params["cover_url"]]
    assert len(rig.fake.uploads) == 1 and rig.fake.media[0].kind == "REELS"


def test_a_cover_that_is_no_jpeg_is_refused_before_anything_is_sent(rig: Rig) -> None:
    rig.file("cover.png", PNG)
    with pytest.raises(ContentRejected, match="cover must be a JPEG"):
        rig.adapter().publish(rig.post("Behind the oven", "tour.mp4", extra={"cover": "cover.png"}))
    assert rig.fake.containers == {} and rig.fake.media == []


def test_validate_checks_the_cover(tmp_path: Path) -> None:
    from socialpost.networks.base import Media as M
    from tests.support.posts import outgoing as make

    (tmp_path / "v.mp4").write_bytes(MP4)
    (tmp_path / "a.jpg").write_bytes(JPEG)
    (tmp_path / "c.jpg").write_bytes(JPEG)
    (tmp_path / "c.png").write_bytes(PNG)

    def problems(media: tuple[str, ...], cover: str) -> list[str]:
        post = make(
            "instagram:bakery",
            "A Reel",
            media=tuple(M(name, "alt") for name in media),
            media_root=str(tmp_path),
            extra={"cover": cover},
        )
        assert CHECKS.files(post) == [("cover", tmp_path / cover)]
        return CHECKS.problems(post)

    assert problems(("v.mp4",), "c.jpg") == []
    assert problems(("v.mp4",), "c.png") == [
        "the cover c.png is not a JPEG image; Instagram takes JPEG only. Fix: convert it."
    ]
    assert problems(("a.jpg",), "c.jpg") == [
        "a cover is for a Reel, a post of one video; this post is not one. Fix: remove cover."
    ]
    assert "cannot be read" in problems(("v.mp4",), "gone.jpg")[0]


# --- validate: Instagram's limits at exactly the limit and one over --------------------------------


BAKERY = f'  instagram:\n    bakery: {{user_id: "{USER}", access_token: "x-not-a-token"}}\n'


def validate_instagram(
    tmp_path: Path, files: list[str], text: str = "Fresh bread today, come early!", extra: str = ""
) -> list[str]:
    """``socialpost validate --json`` of one post to instagram:bakery with ``files`` (already in
    ``tmp_path``) and ``extra`` YAML lines, a media host set up; the errors' messages."""
    media = ", ".join(f"{{file: {name}, alt: A croissant}}" for name in files)
    return one_post_errors(tmp_path, "instagram:bakery", BAKERY, text=text, media=media, extra=extra)


def sized(path: Path, head: bytes, size: int) -> str:
    """A file of exactly ``size`` bytes starting with ``head`` (sparse: nothing but its head is written)."""
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path.name


@pytest.mark.parametrize(("size", "refused"), [(8_000_000, False), (8_000_001, True)])
def test_validate_an_instagram_image_of_exactly_8_mb_passes_one_byte_more_does_not(
    tmp_path: Path, size: int, refused: bool
) -> None:
    errors = validate_instagram(tmp_path, [sized(tmp_path / "big.jpg", JPEG, size)])
    assert bool(errors) is refused, errors
    if refused:
        assert "over instagram's limit of 8 MB for a image" in errors[0], errors


@pytest.mark.parametrize(("size", "refused"), [(300_000_000, False), (300_000_001, True)])
def test_validate_a_reel_of_exactly_300_mb_passes_one_byte_more_does_not(
    tmp_path: Path, size: int, refused: bool
) -> None:
    errors = validate_instagram(tmp_path, [sized(tmp_path / "reel.mp4", MP4, size)])
    assert bool(errors) is refused, errors
    if refused:
        assert "over instagram's limit of 300 MB for a video" in errors[0], errors


@pytest.mark.parametrize(("count", "refused"), [(10, False), (11, True)])
def test_validate_a_carousel_of_10_passes_11_does_not(tmp_path: Path, count: int, refused: bool) -> None:
    names = [sized(tmp_path / f"p{i}.jpg", JPEG, len(JPEG)) for i in range(count)]
    errors = validate_instagram(tmp_path, names)
    assert bool(errors) is refused, errors
    if refused:
        assert "11 media files, but instagram takes at most 10 per post" in errors[0], errors


@pytest.mark.parametrize(("length", "refused"), [(2200, False), (2201, True)])
def test_validate_a_caption_of_2200_characters_passes_2201_does_not(tmp_path: Path, length: int, refused: bool) -> None:
    errors = validate_instagram(tmp_path, [sized(tmp_path / "a.jpg", JPEG, len(JPEG))], text="é" * length)
    assert bool(errors) is refused, errors


def test_validate_refuses_a_png_or_a_webm_for_instagram_before_its_time(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(PNG)
    (tmp_path / "b.webm").write_bytes(b"\x1a\x45\xdf\xa3" + bytes(64))
    (tmp_path / "c.jpg").write_bytes(JPEG)
    errors = validate_instagram(tmp_path, ["a.png", "b.webm", "c.jpg"])
    assert len(errors) == 2, errors
    assert "'a.png' is PNG and would be refused when it is posted. Fix: convert it to JPEG" in errors[0]
    assert "'b.webm' is WEBM" in errors[1] and "convert it to MP4" in errors[1]
