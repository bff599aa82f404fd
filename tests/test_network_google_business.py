"""Google Business Profile: the adapter's real httpx client against the strict fake of Google's OAuth
server and Business Profile APIs (tests/servers/google_business.py) on a real loopback socket, the
photo put on a real media host (a web server publishing a folder) and fetched by the fake the way
Google fetches it."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from socialpost.errors import AccessTierError, AuthError, ContentRejected, PermanentError, RateLimited
from socialpost.networks.base import NotPublic, NotSent, Published
from socialpost.networks.capabilities import GuidedSetup, HealthCheck, MetricsReader, PublishAhead, Reconciler
from socialpost.networks.google_business import GoogleBusinessNetwork, SetupHosts
from socialpost.networks.google_business.posts import CHECKS, MAX_SUMMARY, MIN_PHOTO
from socialpost.networks.registry import load
from tests.servers.google_business import ACCOUNT, CLIENT_ID, LOCATION, OTHER_LOCATION, client_secret
from tests.servers.mastodon import MastodonMock, mastodon_mock  # noqa: F401  (session fixture)
from tests.support import google_business as gb
from tests.support.instagram import PNG


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[gb.Rig]:
    with gb.rig(tmp_path) as made:
        yield made


def event(**more: Any) -> dict[str, Any]:
    return {
        "title": "Christmas tasting",
        "start_date": "2026-12-19",
        "start_time": "10:00",
        "end_date": "2026-12-19",
        "end_time": "16:00",
        **more,
    }


def no_violations(rig: gb.Rig) -> None:
    assert rig.google.violations == []


# --- publishing -------------------------------------------------------------------------------------


def test_a_whats_new_post_with_a_photo_is_fetched_by_url_and_confirmed_live(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    published = adapter.publish(rig.post(media=(rig.photo(),)))
    (body,) = rig.google.posts()
    assert published.remote_id == body["name"] and body["name"].startswith(f"{ACCOUNT}/{LOCATION}/localPosts/")
    assert published.url == body["searchUrl"]
    assert body["topicType"] == "STANDARD" and body["summary"] == "Fresh croissants every morning from 7 am."
    assert body["state"] == "PROCESSING" and "event" not in body and "callToAction" not in body
    (media,) = body["media"]
    assert media["mediaFormat"] == "PHOTO" and rig.google.fetched == [media["sourceUrl"]]
    assert "croissants.jpg" not in media["sourceUrl"]  # an unguessable name on the host
    assert len(list(rig.folder.iterdir())) == 1  # kept while Google reviews the post
    assert adapter.confirm(published.remote_id) is True
    assert list(rig.folder.iterdir()) == []  # Google has it: the hosted copy is removed
    assert all(rig.refresh.encode() not in r.body for r in rig.server.requests if r.path != "/token")
    no_violations(rig)


def test_an_event_with_its_dates_times_and_a_book_button(rig: gb.Rig) -> None:
    button = {"action": "BOOK", "url": "https://bakery.example/tasting"}
    rig.adapter().publish(rig.post("Come and taste our bûches.", extra={"event": event(), "button": button}))
    (body,) = rig.google.posts()
    assert body["topicType"] == "EVENT"
    assert body["event"] == {
        "title": "Christmas tasting",
        "schedule": {
            "startDate": {"year": 2026, "month": 12, "day": 19},
            "startTime": {"hours": 10, "minutes": 0},
            "endDate": {"year": 2026, "month": 12, "day": 19},
            "endTime": {"hours": 16, "minutes": 0},
        },
    }
    assert body["callToAction"] == {"actionType": "BOOK", "url": "https://bakery.example/tasting"}


def test_an_offer_carries_its_coupon_terms_and_dates_and_no_button(rig: gb.Rig) -> None:
    offer = {
        "title": "20% off galettes",
        "start_date": "2027-01-02",
        "end_date": "2027-01-10",
        "coupon": "GALETTE20",
        "url": "https://bakery.example/order",
        "terms": "One per customer.",
    }
    button = {"action": "ORDER", "url": "https://bakery.example/order"}
    rig.adapter().publish(rig.post("Epiphany!", extra={"offer": offer, "button": button}, language="fr"))
    (body,) = rig.google.posts()
    assert body["topicType"] == "OFFER" and body["languageCode"] == "fr"
    assert body["offer"] == {
        "couponCode": "GALETTE20",
        "redeemOnlineUrl": "https://bakery.example/order",
        "termsConditions": "One per customer.",
    }
    assert body["event"]["title"] == "20% off galettes" and "startTime" not in body["event"]["schedule"]
    assert "callToAction" not in body  # Google ignores a button on an offer


def test_a_call_button_has_no_url(rig: gb.Rig) -> None:
    rig.adapter().publish(rig.post("Call us to order", extra={"button": {"action": "CALL"}}))
    assert rig.google.posts()[0]["callToAction"] == {"actionType": "CALL"}


def test_the_server_refuses_a_call_button_with_a_url_and_a_book_button_without_one(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    parent = f"v4/{ACCOUNT}/{LOCATION}/localPosts"
    for action in ({"actionType": "CALL", "url": "https://x.example"}, {"actionType": "BOOK"}):
        with pytest.raises(ContentRejected, match=r"call_to_action\.url"):
            adapter.call("posts", "POST", parent, {"summary": "x", "topicType": "STANDARD", "callToAction": action})
    with pytest.raises(ContentRejected, match=r"event\.title"):
        adapter.call("posts", "POST", parent, {"summary": "x", "topicType": "EVENT"})
    assert rig.google.posts() == []


def test_a_thread_is_joined_into_the_summary(rig: gb.Rig) -> None:
    rig.adapter().publish(rig.post("First", thread=("Second",)))
    assert rig.google.posts()[0]["summary"] == "First\n\nSecond"
    assert GoogleBusinessNetwork.as_read(["a", "b"]).parts == ("a\n\nb",)


def test_a_summary_of_exactly_1500_goes_and_1501_is_refused(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    assert GoogleBusinessNetwork.profile.max_length == MAX_SUMMARY == 1500
    adapter.publish(rig.post("é" * 1500, key="sp-1500"))
    with pytest.raises(ContentRejected, match="summary"):
        adapter.publish(rig.post("é" * 1501, key="sp-1501"))
    assert [len(p["summary"]) for p in rig.google.posts()] == [1500]


def test_a_photo_of_exactly_10_kib_goes_and_one_byte_less_is_refused(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    at_limit = gb.PHOTO[:MIN_PHOTO]
    adapter.publish(rig.post(media=(rig.photo("ok.jpg", at_limit),), key="sp-ok"))
    small = rig.photo("small.jpg", at_limit[:-1])
    assert CHECKS.problems(rig.post(media=(small,))) and not CHECKS.problems(rig.post(media=(rig.photo("ok.jpg"),)))
    with pytest.raises(ContentRejected, match=r"media\.source_url"):
        adapter.publish(rig.post(media=(small,), key="sp-small"))
    assert len(rig.google.posts()) == 1
    assert len(list(rig.folder.iterdir())) == 1  # the refused photo's copy is removed, the other kept for review


def test_the_server_takes_a_photo_of_exactly_5_mib_and_refuses_one_byte_more(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    limit = 5 * 1024 * 1024
    for size, ok in ((limit, True), (limit + 1, False)):
        (rig.folder / f"{size}.jpg").write_bytes(gb.PHOTO[:16] + bytes(size - 16))
        body = {"summary": "x", "topicType": "STANDARD",
                "media": [{"mediaFormat": "PHOTO", "sourceUrl": f"{rig.base_url}/{size}.jpg"}]}  # fmt: skip
        if ok:
            adapter.call("posts", "POST", f"v4/{ACCOUNT}/{LOCATION}/localPosts", body)
        else:
            with pytest.raises(ContentRejected, match="too large"):
                adapter.call("posts", "POST", f"v4/{ACCOUNT}/{LOCATION}/localPosts", body)
    assert GoogleBusinessNetwork.profile.media.image_bytes == 5_000_000  # validate keeps to 5 MB exactly


def test_a_png_goes_and_a_webp_is_refused_before_anything_is_sent(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    adapter.publish(rig.post(media=(rig.photo("logo.png", PNG + bytes(11_000)),), key="sp-png"))
    webp = rig.photo("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(12_000))
    assert "JPEG or PNG" in CHECKS.problems(rig.post(media=(webp,)))[0]
    with pytest.raises(ContentRejected, match="JPEG or PNG"):
        adapter.publish(rig.post(media=(webp,), key="sp-webp"))
    assert len(rig.google.posts()) == 1


def test_a_photo_without_a_media_host_is_a_permanent_error(rig: gb.Rig) -> None:
    with pytest.raises(PermanentError, match="media host"):
        rig.adapter(host=False).publish(rig.post(media=(rig.photo(),)))
    assert rig.google.posts() == []


def test_publishing_the_same_post_again_never_creates_a_second(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    first = adapter.publish(rig.post())
    assert adapter.publish(rig.post()) == first
    assert len(rig.google.posts()) == 1


# --- review ----------------------------------------------------------------------------------------


def test_a_post_google_rejects_after_review_is_reported_with_the_reason(tmp_path: Path) -> None:
    with gb.rig(tmp_path, review_reads=2) as made:
        adapter = made.adapter()
        published = adapter.publish(made.post("Win big at our casino night!", media=(made.photo(),)))
        waiting = adapter.confirm(published.remote_id)  # still PROCESSING
        assert isinstance(waiting, NotPublic) and "still reviewing" in waiting.reason
        with pytest.raises(ContentRejected, match="rejected"):
            adapter.confirm(published.remote_id)
        assert list(made.folder.iterdir()) == []


def test_a_post_rejected_at_once_fails_and_is_never_taken_for_sent(tmp_path: Path) -> None:
    with gb.rig(tmp_path, review_reads=0) as made:
        adapter = made.adapter()
        post = made.post("Casino night at the bakery!", media=(made.photo(),), key="sp-casino")
        with pytest.raises(ContentRejected, match="rejected the post at once"):
            adapter.publish(post)
        assert list(made.folder.iterdir()) == []  # Google has the photo: the copy is removed
        assert isinstance(made.adapter().reconcile(post), NotSent)  # a rejected post is not out
        with pytest.raises(ContentRejected):  # a retry creates a post again (and Google rejects it again)
            adapter.publish(post)
        assert [p["state"] for p in made.google.posts()] == ["REJECTED", "REJECTED"]
        assert adapter.publish(made.post("Fresh bread!", key="sp-bread")).remote_id.endswith(
            made.google.posts()[-1]["name"].rsplit("/", 1)[-1]
        )
        assert made.google.posts()[-1]["state"] == "LIVE"


def test_two_photos_are_refused_before_anything_is_sent(rig: gb.Rig) -> None:
    two = (rig.photo("a.jpg"), rig.photo("b.jpg"))
    with pytest.raises(ContentRejected, match="one photo"):
        rig.adapter().publish(rig.post(media=two))
    assert rig.google.posts() == [] and list(rig.folder.iterdir()) == []


# --- tokens, approval, quotas ------------------------------------------------------------------------


def test_the_access_token_is_renewed_when_it_expires_and_after_a_401(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    adapter.publish(rig.post("one", key="sp-1"))
    rig.clock.advance(hours=1)  # the access token's hour is over: renewed before the call
    adapter.publish(rig.post("two", key="sp-2"))
    rig.google.expire_access_tokens()  # Google expired it sooner: 401, renewed, sent once more
    adapter.publish(rig.post("three", key="sp-3"))
    assert rig.google.token_requests == ["refresh_token"] * 3
    assert [p["summary"] for p in rig.google.posts()] == ["one", "two", "three"]


def test_a_revoked_refresh_token_is_an_auth_error_saying_how_to_reconnect(rig: gb.Rig) -> None:
    rig.google.refresh_tokens.clear()
    with pytest.raises(AuthError) as caught:
        rig.adapter().publish(rig.post())
    text = str(caught.value)
    assert "invalid_grant" in text and "accounts add google-business bakery" in text
    assert rig.refresh not in text and client_secret() not in text


def test_an_unapproved_project_gets_quota_0_and_is_told_to_apply(tmp_path: Path) -> None:
    with gb.rig(tmp_path, approved=False) as made:
        adapter = made.adapter()
        with pytest.raises(AccessTierError) as caught:
            adapter.publish(made.post())
        assert "Application for Basic API Access" in str(caught.value)
        assert "support.google.com/business/contact/api_default" in str(caught.value)
        assert caught.value.status == 429
        with pytest.raises(AccessTierError):
            adapter.health()
        assert made.google.posts() == []


def test_a_429_of_the_per_minute_quota_is_rate_limited_for_a_minute(rig: gb.Rig) -> None:
    rig.google.throttle()
    with pytest.raises(RateLimited) as caught:
        rig.adapter().publish(rig.post())
    assert caught.value.retry_at is not None and (caught.value.retry_at - rig.clock()).total_seconds() == 60
    assert rig.google.posts() == []


# --- reconcile, metrics, health ---------------------------------------------------------------------


def test_reconcile_finds_a_post_created_before_a_crash_and_proves_another_was_never_sent(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    published = adapter.publish(rig.post("Sent before the crash", key="sp-crash"))
    for state in (rig.tmp / "data").rglob("sp-crash.json"):
        state.unlink()  # the crash came before the name was written
    found = rig.adapter().reconcile(rig.post("Sent before the crash", key="sp-crash"))
    assert isinstance(found, Published) and found.remote_id == published.remote_id
    missing = rig.adapter().reconcile(rig.post("Never sent", key="sp-never"))
    assert isinstance(missing, NotSent)


def test_reconcile_pages_through_the_location_and_says_unknown_past_what_it_reads(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    for number in range(3):
        adapter.publish(rig.post(f"post {number}", key=f"sp-{number}"))
    assert isinstance(rig.adapter().reconcile(rig.post("post 0", key="sp-x")), Published)
    import socialpost.networks.google_business.publish as publish

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publish, "SEARCH_PAGES", 0)
        assert rig.adapter().reconcile(rig.post("post 9", key="sp-y")) is None


def test_metrics_are_views_and_button_clicks_and_nothing_when_google_stops_serving_them(rig: gb.Rig) -> None:
    adapter = rig.adapter()
    name = adapter.publish(rig.post()).remote_id
    post = next(iter(rig.google.location.posts.values()))
    post.views, post.clicks = 120, 7
    row = adapter.fetch_metrics([name])[name]
    assert row["views"] == 120 and row["clicks"] == 7 and row["likes"] is None and row["replies"] is None
    rig.google.insights_served = False
    assert adapter.fetch_metrics([name]) == {}


def test_health_names_the_location_and_the_api_access(rig: gb.Rig) -> None:
    health = rig.adapter().health()
    assert health.display == "Boulangerie Rémi"
    assert health.details["location"] == f"Boulangerie Rémi ({LOCATION})" and not health.warnings


def test_the_adapter_is_registered_with_its_capabilities() -> None:
    network = load("google-business")
    assert network is GoogleBusinessNetwork
    for capability in (Reconciler, MetricsReader, PublishAhead, GuidedSetup, HealthCheck):
        assert issubclass(network, capability)
    assert network.profile.takes("event") and network.profile.takes("offer") and network.profile.takes("button")
    assert network.profile.public_media and network.profile.media.count == 1


# --- the guided set-up --------------------------------------------------------------------------------


class Browser:
    """The person at the keyboard: answers, and a browser that follows Google's redirect."""

    def __init__(self, answers: dict[str, str], choices: Sequence[str] = ()) -> None:
        self.answers, self.choices = answers, list(choices)
        self.elsewhere = False
        self.said: list[str] = []
        self.offered: list[list[tuple[str, str]]] = []

    def say(self, text: str) -> None:
        self.said.append(text)

    def ask(self, prompt: str, *, default: str | None = None) -> str:
        return self.answers[prompt]

    def ask_secret(self, prompt: str) -> str:
        return self.answers[prompt]

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        return not self.elsewhere if prompt == "Is the web browser on this computer?" else default

    def choose(self, prompt: str, options: Sequence[tuple[str, str]]) -> str:
        self.offered.append(list(options))
        return self.choices.pop(0)

    def open_url(self, url: str) -> None:
        if self.elsewhere:  # the browser is on another machine: its address bar is pasted back
            self.answers["Paste the address your browser shows after you allowed access"] = httpx.get(
                url, timeout=5
            ).headers["location"]
        else:
            httpx.get(url, follow_redirects=True, timeout=5)  # Google's page → the loopback redirect


def setup(rig: gb.Rig, ui: Browser) -> Any:
    hosts = SetupHosts(auth_url=rig.server.url + "/o/oauth2/v2/auth", token_url=rig.server.url + "/token",
                       base_url=rig.server.url)  # fmt: skip
    adapter = rig.adapter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(GoogleBusinessNetwork, "setup_hosts", hosts)
        return GoogleBusinessNetwork.setup(ui, account="google-business:bakery", context=adapter.context)


def test_accounts_add_signs_in_and_picks_the_location(rig: gb.Rig) -> None:
    ui = Browser({"Client ID": CLIENT_ID, "Client secret": client_secret()}, [OTHER_LOCATION])
    made = setup(rig, ui)
    assert made.settings["account_id"] == ACCOUNT and made.settings["location_id"] == OTHER_LOCATION
    assert made.settings["location_title"] == "Boulangerie Rémi — Verdun"
    assert (
        made.secrets["client_secret"] == client_secret() and made.secrets["refresh_token"] in rig.google.refresh_tokens
    )
    assert [value for value, _label in ui.offered[0]] == [LOCATION, OTHER_LOCATION]
    assert any("Application for Basic API Access" in text for text in ui.said)
    assert rig.google.token_requests == ["authorization_code"] and rig.google.violations == []


def test_accounts_add_with_the_browser_on_another_machine_takes_the_pasted_address(rig: gb.Rig) -> None:
    ui = Browser({"Client ID": CLIENT_ID, "Client secret": client_secret()}, [LOCATION])
    ui.elsewhere = True
    made = setup(rig, ui)
    assert made.settings["location_id"] == LOCATION
    assert any("http://127.0.0.1:8765/" in text for text in ui.said)


def test_accounts_add_stops_where_google_has_not_approved_the_project(tmp_path: Path) -> None:
    with gb.rig(tmp_path, approved=False) as made:
        ui = Browser({"Client ID": CLIENT_ID, "Client secret": client_secret()})
        with pytest.raises(AccessTierError) as caught:
            setup(made, ui)
        assert "quota is 0 requests a minute" in str(caught.value)
        assert "api_default" in (caught.value.hint or "")


def test_accounts_add_with_a_wrong_client_secret_says_so(rig: gb.Rig) -> None:
    ui = Browser({"Client ID": CLIENT_ID, "Client secret": "GOCSPX-wrong"})
    with pytest.raises(AuthError, match="invalid_client"):
        setup(rig, ui)


# --- the example campaign, end to end ------------------------------------------------------------------


def test_the_example_campaign_goes_out_through_schedule_the_daemon_and_status(
    tmp_path: Path,
    mastodon_mock: MastodonMock,  # noqa: F811
) -> None:
    """campaigns/google-business-bakery.yaml, its times moved to the next seconds (real clock):
    `schedule --follow` runs the daemon until every post is out, Google's fake took the "What's
    new" with its photo, the event and the offer, Mastodon its three posts, and `status` says so."""
    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext
    from socialpost.daemon.confirm import ConfirmJob
    from socialpost.settings.config import DaemonSettings, Settings
    from socialpost.settings.media_host import FolderHostSettings
    from socialpost.store.db import open_store
    from socialpost.timeutil import utcnow
    from socialpost.wiring import Adapters
    from tests.conftest import REPO
    from tests.servers.google_business import GoogleBusinessServer
    from tests.servers.mastodon import TOKEN as MASTODON_TOKEN
    from tests.support.http import LocalServer
    from tests.support.instagram import web_folder

    folder = tmp_path / "campaigns"
    (folder / "img").mkdir(parents=True)
    shutil.copy(REPO / "campaigns" / "img" / "galettes.jpg", folder / "img")
    text = (REPO / "campaigns" / "google-business-bakery.yaml").read_text(encoding="utf-8")
    soon = utcnow().astimezone(ZoneInfo("America/Montreal")).replace(tzinfo=None, microsecond=0)
    times = iter(soon + timedelta(seconds=2 + n) for n in range(3))
    text = re.sub(r"(?m)^    at: .*$", lambda _m: f"    at: {next(times):%Y-%m-%d %H:%M:%S}", text)
    campaign = folder / "google-business-bakery.yaml"
    campaign.write_text(text, encoding="utf-8")
    token = gb.refresh_token()
    google = GoogleBusinessServer(clock=utcnow, refresh_token=token)
    with LocalServer() as server, web_folder(tmp_path / "www") as (media, base_url):
        server.respond(google)
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'e2e.db'}",
            data_dir=tmp_path / "data",
            daemon=DaemonSettings(poll_seconds=0.5),
            config_path=tmp_path / "config.yaml",
        )
        settings.media_host = FolderHostSettings(kind="folder", folder=str(media), base_url=base_url)
        settings.accounts = {
            "google-business": {
                "bakery": {
                    "client_id": CLIENT_ID, "client_secret": client_secret(), "refresh_token": token,
                    "account_id": ACCOUNT, "location_id": LOCATION, "base_url": server.url,
                    "token_url": server.url + "/token",
                }
            },
            "mastodon": {"boulangerie": {"api_base_url": mastodon_mock.url, "access_token": MASTODON_TOKEN}},
        }  # fmt: skip
        result = CliRunner().invoke(
            cli, ["schedule", str(campaign), "--follow"], obj=AppContext(settings_override=settings)
        )
        assert result.exit_code == 0, (result.stdout, result.stderr)
        assert "6 to create" in result.stdout
        status = CliRunner().invoke(cli, ["status", "--json"], obj=AppContext(settings_override=settings))
        # the daemon's confirmation job reads Google's review: the three posts are LIVE
        store = open_store(settings.database_url)
        try:
            assert ConfirmJob(store, Adapters(settings), daemon_id="e2e").run() == 3
        finally:
            store.close()
        assert list(media.iterdir()) == []  # Google has the photo: its hosted copy is removed
    assert json.loads(status.stdout)["counts"]["sent"] == 6
    posts = {p["topicType"]: p for p in google.posts()}
    assert set(posts) == {"STANDARD", "EVENT", "OFFER"}
    assert posts["STANDARD"]["callToAction"] == {"actionType": "ORDER", "url": "https://bakery.example/order"}
    assert google.fetched == [posts["STANDARD"]["media"][0]["sourceUrl"]]
    assert posts["EVENT"]["event"]["schedule"]["startTime"] == {"hours": 10, "minutes": 0}
    assert posts["OFFER"]["offer"]["couponCode"] == "GALETTE20"
    assert google.violations == []


# --- accounts test and doctor ---------------------------------------------------------------------------


def _settings(made: gb.Rig) -> Any:
    from socialpost.settings.config import Settings

    settings = Settings(
        database_url=f"sqlite:///{made.tmp / 'doctor.db'}",
        data_dir=made.tmp / "data",
        config_path=made.tmp / "config.yaml",
    )
    settings.accounts = {"google-business": {"bakery": made.values()}}
    return settings


def test_accounts_test_shows_the_location_and_doctor_is_content(rig: gb.Rig) -> None:
    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext
    from socialpost.doctor.accounts import check_accounts

    settings = _settings(rig)
    result = CliRunner().invoke(
        cli, ["accounts", "test", "google-business:bakery", "--json"], obj=AppContext(settings_override=settings)
    )
    assert result.exit_code == 0, result.stderr
    assert "Boulangerie Rémi" in result.stdout and rig.refresh not in result.stdout
    (finding,) = check_accounts(settings, [], clock=rig.clock)
    assert finding.status == "ok" and "Boulangerie Rémi" in finding.message


def test_doctor_says_what_an_unapproved_project_sees_and_where_to_apply(tmp_path: Path) -> None:
    from socialpost.doctor.accounts import check_accounts

    with gb.rig(tmp_path, approved=False) as made:
        (finding,) = check_accounts(_settings(made), [], clock=made.clock)
    assert finding.status == "problem"
    assert "quota is 0 requests a minute" in finding.message
    assert "Application for Basic API Access" in (finding.fix or "")


def test_the_example_configs_google_business_section_is_valid() -> None:
    import yaml

    from socialpost.networks.google_business import GoogleBusinessSettings
    from tests.conftest import REPO

    text = (REPO / "config.example.yaml").read_text(encoding="utf-8")
    block = text.split("  # google-business:\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if not line.startswith("  #   "):  # the next section or the end
            break
        lines.append(line.removeprefix("  # "))
    bakery = yaml.safe_load("\n".join(lines))["bakery"]
    bakery.update(client_secret=client_secret(), refresh_token=gb.refresh_token())
    settings = GoogleBusinessSettings.model_validate(bakery)
    assert settings.location_id == "locations/4567890123456789012" and settings.parent.startswith("accounts/")
