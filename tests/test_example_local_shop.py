"""The example campaign campaigns/local-shop.yaml end to end, as a user runs it: ``socialpost
validate``, ``schedule``, then the daemon (``schedule --follow``), ``status``, ``collect`` and
``report`` — to Google Business Profile, Pinterest and Telegram on the suite's strict fakes
(tests/servers/google_business.py, pinterest.py, telegram.py), Google's photo put on a real
S3-compatible server (moto behind its SigV4 gate, tests/servers/s3.py) and fetched by the fake
Google by its presigned URL, as Google fetches it. Nothing is mocked inside socialpost: the config
file, the wiring, the store, the daemon and the adapters' HTTP clients are the real ones; only time
is the test's (the clock walks through the campaign's times while the daemon runs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialpost.daemon.confirm import ConfirmJob
from socialpost.store.db import open_store
from socialpost.wiring import Adapters
from tests.conftest import REPO, FakeClock
from tests.servers.google_business import ACCOUNT, CLIENT_ID, LOCATION, GoogleBusinessServer, client_secret
from tests.servers.pinterest import PinterestServer
from tests.servers.s3 import S3Server
from tests.servers.telegram import TelegramBotServer
from tests.support import google_business as gb
from tests.support.e2e import Session, statuses, write_config
from tests.support.http import LocalServer

CAMPAIGN = REPO / "campaigns" / "local-shop.yaml"
NAME = "local-shop-holidays"
BUCKET = "shop-media"
# the campaign's times (America/Montreal, EST) in UTC
TIMES = [
    datetime(2027, 12, 15, 13, 0, tzinfo=UTC),  # galettes-are-back: Google and Telegram
    datetime(2027, 12, 15, 14, 0, tzinfo=UTC),  # galettes-pin: Pinterest
    datetime(2027, 12, 16, 14, 0, tzinfo=UTC),  # christmas-tasting: Google and Telegram
    datetime(2027, 12, 17, 15, 0, tzinfo=UTC),  # in-the-shop: Telegram's album
    datetime(2028, 1, 2, 13, 0, tzinfo=UTC),  # epiphany-offer: Google and Telegram
]
POSTS = ["galettes-are-back", "galettes-pin", "christmas-tasting", "in-the-shop", "epiphany-offer"]


def test_the_local_shop_campaign_goes_to_google_business_pinterest_and_telegram(
    tmp_path: Path,
    s3: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock(TIMES[0] - timedelta(hours=1))
    refresh = gb.refresh_token()
    google = GoogleBusinessServer(clock=clock, refresh_token=refresh)
    with LocalServer() as google_host, PinterestServer(clock) as pinterest, TelegramBotServer() as telegram:
        google_host.respond(google)
        pin_token = pinterest.token()  # lives 30 days: the campaign's 18 days need no renewal
        for name, value in {
            "SP_GBP_SECRET": client_secret(), "SP_GBP_REFRESH": refresh, "SP_PIN_TOKEN": pin_token,
            "SP_TG_TOKEN": telegram.token,
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        accounts = f"""\
  google-business:
    shop: {{client_id: "{CLIENT_ID}", client_secret: "${{SP_GBP_SECRET}}", refresh_token: "${{SP_GBP_REFRESH}}",
           account_id: "{ACCOUNT}", location_id: "{LOCATION}", base_url: "{google_host.url}",
           token_url: "{google_host.url}/token"}}
  pinterest:
    shop: {{access_token: "${{SP_PIN_TOKEN}}", api_base: "{pinterest.url}",
           token_expires_at: "{(clock() + timedelta(days=30)).isoformat()}"}}
  telegram:
    news: {{chat: "@socialpost_news", bot_token: "${{SP_TG_TOKEN}}", api_base_url: "{telegram.url}"}}
"""
        database, config = write_config(tmp_path, s3, BUCKET, accounts, monkeypatch)
        user = Session(config, clock)

        code, out, err = user.run("validate", str(CAMPAIGN), "--json")
        checked = json.loads(out)
        assert code == 0 and (checked["errors"], checked["warnings"]) == ([], []), out + err
        assert {p["network"] for p in checked["posts"]} == {"google-business", "pinterest", "telegram"}
        code, out, err = user.run("schedule", str(CAMPAIGN))
        assert code == 0, out + err
        assert sorted(s for post in POSTS for s in statuses(database, post)) == ["pending"] * 8

        code, out, err, settled = user.follow(CAMPAIGN, TIMES)
        assert code == 0, out + err
        assert settled == [True] * len(TIMES), [statuses(database, post) for post in POSTS]
        assert sorted(s for post in POSTS for s in statuses(database, post)) == ["sent"] * 8

        # Google: the "What's new" with its photo and Order button, the event, the offer
        made = {p["topicType"]: p for p in google.posts()}
        assert set(made) == {"STANDARD", "EVENT", "OFFER"} and google.violations == []
        standard, event, offer = made["STANDARD"], made["EVENT"], made["OFFER"]
        assert standard["summary"].startswith("Our galettes des rois are back for the holidays")
        assert standard["callToAction"] == {"actionType": "ORDER", "url": "https://bakery.example/order"}
        assert event["event"]["title"] == "Christmas tasting"
        assert event["event"]["schedule"]["startDate"] == {"year": 2027, "month": 12, "day": 18}
        assert event["event"]["schedule"]["startTime"] == {"hours": 10, "minutes": 0}
        assert event["callToAction"] == {"actionType": "BOOK", "url": "https://bakery.example/tasting"}
        assert offer["offer"]["couponCode"] == "GALETTE20" and "callToAction" not in offer
        assert offer["event"]["schedule"]["endDate"] == {"year": 2028, "month": 1, "day": 10}
        # its photo went through the bucket by a presigned URL, fetched by the fake as Google does
        [photo_url] = google.fetched
        assert photo_url == standard["media"][0]["sourceUrl"]
        assert photo_url.startswith(s3.endpoint) and "X-Amz-Signature=" in photo_url and "galettes.jpg" not in photo_url

        # Pinterest: the pin on the board named in the campaign, its image inline
        [pin] = pinterest.mine()
        assert pinterest.violations == []
        assert next(b.name for b in pinterest.boards if b.id == pin.board_id) == "Our shop"
        assert pin.title == "Our galettes des rois are back" and pin.link == "https://bakery.example/galettes"
        assert pin.description is not None and pin.description.startswith("Galettes des rois with real almond cream")
        assert pin.alt_text == "Golden galettes des rois cooling on the counter"
        assert pin.image == (REPO / "campaigns" / "img" / "galettes.jpg").read_bytes()

        # Telegram: the photo with the variant's caption, the tasting, the album of two, the offer
        sent = telegram.posts()
        assert [m.get("media") for m in sent] == [["photo"], None, ["photo"], ["photo"], None]
        assert sent[0]["caption"].startswith("The galettes des rois are back! Almond cream")
        assert sent[1]["text"].startswith("Christmas log tasting this Saturday")
        assert sent[2]["group"] == sent[3]["group"] and sent[2]["caption"].startswith("The shop is dressed")
        assert "GALETTE20" in sent[4]["text"]

        # the daemon's confirmation job reads Google's review: the three posts are LIVE, and the
        # photo's copy is removed from the bucket once Google has it
        store = open_store(database)
        try:
            assert ConfirmJob(store, Adapters(user.settings), daemon_id="e2e", clock=clock).run() == 3
        finally:
            store.close()
        assert s3.admin().list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0

        code, out, err = user.run("status", "--json")
        assert code == 0, err
        summary = json.loads(out)
        assert summary["counts"]["sent"] == 8 and summary["problems"] == [], summary

        # engagement: Google's views and button clicks, Pinterest's pin analytics; none on Telegram
        google.location.posts[standard["name"].rsplit("/", 1)[-1]].views = 42
        pinterest.pins[pin.id].counts.update(IMPRESSION=17, SAVE=3)
        code, out, err = user.run("collect")
        assert code == 0, out + err
        code, out, err = user.run("report", "--json", "--campaign", NAME)
        assert code == 0, err
        [campaign] = json.loads(out)["campaigns"]
        engagement = {(p["id"], p["network"]): p["engagement"] for p in campaign["posts"]}
        assert engagement[("galettes-are-back", "google-business")]["metrics"]["views"] == 42
        pin_metrics = engagement[("galettes-pin", "pinterest")]["metrics"]
        assert (pin_metrics["views"], pin_metrics["reposts"], pin_metrics["likes"]) == (17, 3, None)
        assert engagement[("in-the-shop", "telegram")] is None
        report = json.dumps(campaign)
        for secret in (client_secret(), refresh, pin_token, telegram.token):
            assert secret not in report and secret not in json.dumps(summary)
