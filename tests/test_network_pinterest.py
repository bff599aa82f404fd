"""The Pinterest adapter through its real httpx client against the strict fake API v5
(tests/servers/pinterest.py) on a loopback socket: pins with an inline image on the board the
campaign names, limits at exactly the limit and one over, the token's renewal and expiry, rate
limits, reconciliation, analytics, health, the guided set-up, validate's located errors, and the
example campaign from schedule through the daemon to status."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from socialpost.errors import AuthError, ConfigError, ContentRejected, PermanentError, RateLimited
from socialpost.networks.base import AdapterContext, Media, NotSent, OutgoingPost, Published
from socialpost.networks.pinterest import PinterestNetwork
from socialpost.networks.pinterest.settings import PinterestSettings
from socialpost.networks.pinterest.state import Record
from socialpost.settings.config import Settings
from tests.conftest import REPO, FakeClock
from tests.servers.pinterest import CLIENT_ID, PinterestServer, jpeg, png
from tests.support.posts import outgoing

BOARD = "900000000000000001"  # "Spring recipes" on the fake


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[PinterestServer]:
    with PinterestServer(clock) as server:
        yield server
        assert server.violations == [], server.violations


def make(fake: PinterestServer, tmp_path: Path, clock: FakeClock, **more: Any) -> PinterestNetwork:
    values: dict[str, Any] = {
        "access_token": fake.token(),
        "api_base": fake.url,
        "timeout": 2,
        "token_expires_at": (clock() + timedelta(days=30)).isoformat(),
        **more,
    }
    context = AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path, clock=clock)
    return PinterestNetwork(
        account="pinterest:shop", settings=PinterestSettings.model_validate(values), context=context
    )


def pin_post(
    tmp_path: Path, text: str = "Lemon tart, the recipe", *, image: bytes | None = None, **pin: Any
) -> OutgoingPost:
    name = "tart.jpg" if image is not None and image.startswith(b"\xff\xd8") else "tart.png"
    (tmp_path / name).write_bytes(image if image is not None else png(4, 3))
    alt = pin.pop("alt", "A lemon tart on a blue plate")
    extra = {"pin": {"board": "Spring recipes", "title": "Lemon tart", **pin}}
    return outgoing("pinterest:shop", text, media=(Media(name, alt),), media_root=str(tmp_path), extra=extra)


# --- publishing ---------------------------------------------------------------------------------


def test_a_pin_goes_to_the_named_board_with_its_image_inline(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock
) -> None:
    adapter = make(fake, tmp_path, clock)
    image = jpeg()
    post = pin_post(tmp_path, image=image, board="  spring RECIPES ", link="https://example.com/tart")
    published = adapter.publish(post)
    [pin] = fake.mine()
    assert published == Published(pin.id, f"https://www.pinterest.com/pin/{pin.id}/")
    assert (pin.board_id, pin.title, pin.description, pin.link) == (
        BOARD,
        "Lemon tart",
        "Lemon tart, the recipe",
        "https://example.com/tart",
    )
    assert pin.alt_text == "A lemon tart on a blue plate"
    assert (pin.image, pin.content_type) == (image, "image/jpeg")
    body = next(r.json for r in fake.requests if r.path == "/v5/pins")
    assert body["media_source"]["source_type"] == "image_base64"
    assert base64.b64decode(body["media_source"]["data"]) == image
    # published twice (a retry after the daemon lost the answer): the record says it is out
    assert adapter.publish(post) == published and len(fake.pins) == 1


def test_thread_parts_join_into_the_description(fake: PinterestServer, tmp_path: Path, clock: FakeClock) -> None:
    post = pin_post(tmp_path, "First part.")
    post = OutgoingPost(**{**post.__dict__, "thread": ("Second part.",)})
    make(fake, tmp_path, clock).publish(post)
    assert fake.mine()[0].description == "First part.\n\nSecond part."


def test_an_unknown_board_is_a_clear_error_listing_the_boards(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock
) -> None:
    with pytest.raises(PermanentError) as caught:
        make(fake, tmp_path, clock).publish(pin_post(tmp_path, board="Winter soups"))
    assert "no board called 'Winter soups'" in caught.value.message
    assert "'Spring recipes', 'Our shop'" in caught.value.message
    assert "pin: board:" in (caught.value.hint or "")
    assert fake.pins == {}


def test_the_fake_refuses_a_board_of_someone_else_and_one_that_is_not_there(fake: PinterestServer) -> None:
    headers = {"Authorization": f"Bearer {fake.token()}"}
    source = {"source_type": "image_base64", "content_type": "image/png", "data": base64.b64encode(png()).decode()}
    other = httpx.post(
        f"{fake.url}/v5/pins", json={"board_id": "900000000000000099", "media_source": source}, headers=headers
    )
    assert other.status_code == 403 and other.json()["code"] == 1
    gone = httpx.post(f"{fake.url}/v5/pins", json={"board_id": "1", "media_source": source}, headers=headers)
    assert (gone.status_code, gone.json()) == (404, {"code": 1, "message": "Board not found."})
    assert fake.pins == {}


@pytest.mark.parametrize(("field", "limit"), [("title", 100), ("text", 500), ("alt", 500), ("link", 2048)])
def test_each_limit_at_exactly_the_limit_goes_and_one_over_is_refused_before_sending(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock, field: str, limit: int
) -> None:
    def value(length: int) -> str:
        return "https://example.com/" + "a" * (length - 20) if field == "link" else "x" * length

    adapter = make(fake, tmp_path, clock)
    for length, goes in ((limit, True), (limit + 1, False)):
        text = value(length) if field == "text" else "Lemon tart"
        pin = {field: value(length)} if field != "text" else {}
        post = pin_post(tmp_path, text, **pin)
        post = OutgoingPost(**{**post.__dict__, "key": f"sp-{field}-{length}"})
        if goes:
            adapter.publish(post)
        else:
            with pytest.raises(ContentRejected):
                adapter.publish(post)
    assert len(fake.pins) == 1


@pytest.mark.parametrize(("key", "limit"), [("title", 100), ("description", 500), ("alt_text", 500), ("link", 2048)])
def test_the_fake_refuses_one_over_each_limit_as_pinterest_does(fake: PinterestServer, key: str, limit: int) -> None:
    headers = {"Authorization": f"Bearer {fake.token()}"}
    source = {"source_type": "image_base64", "content_type": "image/png", "data": base64.b64encode(png()).decode()}
    long = ("https://example.com/" + "a" * (limit - 19)) if key == "link" else "x" * (limit + 1)
    answer = httpx.post(
        f"{fake.url}/v5/pins", json={"board_id": BOARD, key: long, "media_source": source}, headers=headers
    )
    assert answer.status_code == 400 and answer.json()["code"] == 1 and key in answer.json()["message"]
    fake.violations.clear()


@pytest.mark.parametrize(
    ("content_type", "data", "why"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(40), "not a PNG"),
        ("image/jpeg", png(), "not a JPEG"),
        ("image/gif", b"GIF89a" + bytes(20), "content_type"),
    ],
)
def test_the_fake_checks_the_image_is_real(fake: PinterestServer, content_type: str, data: bytes, why: str) -> None:
    headers = {"Authorization": f"Bearer {fake.token()}"}
    source = {"source_type": "image_base64", "content_type": content_type, "data": base64.b64encode(data).decode()}
    answer = httpx.post(f"{fake.url}/v5/pins", json={"board_id": BOARD, "media_source": source}, headers=headers)
    assert answer.status_code == 400 and why in answer.json()["message"]
    bad = {**source, "content_type": "image/png", "data": "%%% not base64"}
    answer = httpx.post(f"{fake.url}/v5/pins", json={"board_id": BOARD, "media_source": bad}, headers=headers)
    assert answer.status_code == 400 and "base64" in answer.json()["message"]
    fake.violations.clear()


def test_a_webp_or_a_text_only_pin_is_refused_before_sending(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock
) -> None:
    adapter = make(fake, tmp_path, clock)
    text_only = OutgoingPost(**{**pin_post(tmp_path).__dict__, "media": ()})
    with pytest.raises(ContentRejected, match="no text-only pins"):
        adapter.publish(text_only)
    (tmp_path / "tart.webp").write_bytes(b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(16))
    webp = OutgoingPost(**{**pin_post(tmp_path).__dict__, "media": (Media("tart.webp", ""),)})
    with pytest.raises(ContentRejected, match="JPEG or PNG"):
        adapter.publish(webp)
    two = OutgoingPost(**{**pin_post(tmp_path).__dict__, "media": (Media("tart.png", ""), Media("tart.png", ""))})
    with pytest.raises(ContentRejected, match="a pin is one image; this post has 2"):
        adapter.publish(two)
    assert fake.pins == {} and not any(r.path == "/v5/pins" for r in fake.requests)


# --- tokens, errors ------------------------------------------------------------------------------


def test_the_token_is_renewed_a_week_before_it_expires_and_the_new_pair_kept(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock
) -> None:
    first = fake.token(lifetime=timedelta(days=6))
    refresh = fake.refresh_token()
    adapter = make(
        fake,
        tmp_path,
        clock,
        access_token=first,
        refresh_token=refresh,
        client_id=CLIENT_ID,
        client_secret=fake.client_secret,
        token_expires_at=(clock() + timedelta(days=6)).isoformat(),
    )
    adapter.publish(pin_post(tmp_path))
    grants = [r for r in fake.requests if r.path == "/v5/oauth/token"]
    assert len(grants) == 1
    assert parse_qs(grants[0].body.decode()) == {"grant_type": ["refresh_token"], "refresh_token": [refresh]}
    used = next(r for r in fake.requests if r.path == "/v5/pins").headers["Authorization"]
    assert used != f"Bearer {first}"
    saved = json.loads((tmp_path / "data" / "pinterest" / "shop" / "token" / "token.json").read_text())
    assert saved["access_token"] == used.removeprefix("Bearer ") and saved["refresh_token"] in fake.refresh
    assert refresh not in fake.refresh  # continuous refresh: the old refresh token is spent
    assert adapter.token_expiry() is None  # it renews itself
    assert adapter.tokens.current().expires_at == clock() + timedelta(days=30)
    # 25 days later a new adapter (a restarted daemon) renews the saved pair, not secrets.yaml's
    clock.advance(days=25)
    app = {"client_id": CLIENT_ID, "client_secret": fake.client_secret}
    past = (clock() - timedelta(days=19)).isoformat()
    again = make(fake, tmp_path, clock, access_token=first, refresh_token=refresh, token_expires_at=past, **app)
    assert again.health().display == "cafe_riviere"
    assert len([r for r in fake.requests if r.path == "/v5/oauth/token"]) == 2


def test_an_expired_token_without_refresh_is_an_auth_error_without_the_token(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock
) -> None:
    token = fake.token(lifetime=timedelta(hours=1))
    adapter = make(fake, tmp_path, clock, access_token=token)
    clock.advance(hours=2)
    with pytest.raises(AuthError) as caught:
        adapter.publish(pin_post(tmp_path))
    assert caught.value.status == 401 and "Authentication failed. (code 2)" in caught.value.message
    assert "accounts add pinterest shop" in (caught.value.hint or "")
    assert token not in str(caught.value) and token not in (caught.value.hint or "")


def test_a_refused_renewal_of_an_expired_token_says_to_connect_again(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock
) -> None:
    app = {"client_id": CLIENT_ID, "client_secret": fake.client_secret}
    past = (clock() - timedelta(minutes=1)).isoformat()
    adapter = make(fake, tmp_path, clock, refresh_token="pinr_unknown" + "0" * 20, token_expires_at=past, **app)
    with pytest.raises(PermanentError, match="Invalid refresh token"):
        adapter.publish(pin_post(tmp_path))
    assert fake.pins == {}


def test_a_429_is_rate_limited_until_the_reset(fake: PinterestServer, tmp_path: Path, clock: FakeClock) -> None:
    adapter = make(fake, tmp_path, clock)
    fake.throttle(reset=900)
    with pytest.raises(RateLimited) as caught:
        adapter.publish(pin_post(tmp_path))
    assert caught.value.retry_at == clock() + timedelta(seconds=900)
    assert "You have exceeded your rate limit" in caught.value.message


def test_settings_need_the_apps_id_and_secret_to_renew() -> None:
    with pytest.raises(ValueError, match="client_id and client_secret"):
        PinterestSettings.model_validate({"access_token": "a", "refresh_token": "b"})
    assert PinterestSettings.model_validate({"access_token": "a", "sandbox": True}).base == (
        "https://api-sandbox.pinterest.com"
    )


# --- reconcile, metrics, health --------------------------------------------------------------------


def test_reconcile_finds_a_pin_whose_answer_was_lost_and_is_honest_otherwise(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock
) -> None:
    adapter = make(fake, tmp_path, clock)
    post = pin_post(tmp_path)
    assert isinstance(adapter.reconcile(post), NotSent)  # never started
    published = adapter.publish(post)
    adapter.book.save(post.key, Record(BOARD, clock()))  # as if the answer never came back
    fresh = make(fake, tmp_path, clock)
    assert fresh.reconcile(post) == published
    other = OutgoingPost(**{**pin_post(tmp_path, "Another text").__dict__, "key": "sp-other"})
    fresh.book.save(other.key, Record(BOARD, clock()))
    assert fresh.reconcile(other) is None  # started, not on the board: unknown, for the user to check
    # a publish after a lost answer looks on the board first: never a second pin
    fresh.book.save(post.key, Record(BOARD, clock()))
    assert fresh.publish(post) == published and len(fake.pins) == 1


def test_metrics_are_mapped_and_missing_ones_absent(fake: PinterestServer, tmp_path: Path, clock: FakeClock) -> None:
    adapter = make(fake, tmp_path, clock)
    pin_id = adapter.publish(pin_post(tmp_path)).remote_id
    fake.pins[pin_id].counts.update({"IMPRESSION": 120, "SAVE": 7, "OUTBOUND_CLICK": 3, "PIN_CLICK": 11})
    assert adapter.fetch_metrics([pin_id, "1"]) == {pin_id: {"views": 120, "reposts": 7, "clicks": 3, "pin_clicks": 11}}
    query = parse_qs(urlsplit(fake.requests[-2].path).query)
    assert query["start_date"] == ["2026-10-13"] and query["end_date"] == ["2027-01-10"]
    fake.pins[pin_id].hidden_counts = True
    assert adapter.fetch_metrics([pin_id]) == {pin_id: {}}


def test_health_names_the_user_the_boards_and_warns_of_a_personal_account(clock: FakeClock, tmp_path: Path) -> None:
    with PinterestServer(clock, account_type="PINNER") as fake:
        health = make(fake, tmp_path, clock).health()
    assert health.display == "cafe_riviere"
    assert health.details["Boards"] == "Spring recipes, Our shop" and health.details["Access"] == "Standard"
    assert [w.message for w in health.warnings] == [
        "Pinterest gives pin analytics only for business accounts; this one is PINNER."
    ]
    assert health.renews is False and health.expires_at == clock() + timedelta(days=30)


def test_a_sandbox_account_has_a_caveat_and_its_pins_a_note(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock
) -> None:
    adapter = make(fake, tmp_path, clock, sandbox=True)
    [caveat] = adapter.caveats()
    assert "visible only to you" in caveat.message and "Standard access" in caveat.fix
    assert "visible only to you" in adapter.publish(pin_post(tmp_path)).note
    assert make(fake, tmp_path, clock).caveats() == []


# --- the guided set-up -----------------------------------------------------------------------------


class _Browser:
    """The person at the keyboard: answers in order; their browser signs in on the fake."""

    def __init__(self, fake: PinterestServer, answers: list[str], choice: str) -> None:
        self.fake, self.answers, self.choice, self.said = fake, answers, choice, []  # type: ignore[var-annotated]
        self.landed = ""

    def say(self, text: str) -> None:
        self.said.append(text)

    def ask(self, prompt: str, *, default: str | None = None) -> str:
        if prompt.startswith("Paste"):
            return self.landed
        answer = self.answers.pop(0)
        return answer or (default or "")

    def ask_secret(self, prompt: str) -> str:
        return self.answers.pop(0)

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        return False  # the browser is on another machine: the address is pasted

    def choose(self, prompt: str, options: Any) -> str:
        return self.choice

    def open_url(self, url: str) -> None:
        parts = urlsplit(url)
        if "oauth" not in parts.path:
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert query["scope"] == "boards:read,pins:read,pins:write,user_accounts:read"
        code = self.fake.code(query["redirect_uri"])
        self.landed = f"{query['redirect_uri']}?code={code}&state={query['state']}"


def _context(tmp_path: Path, clock: FakeClock) -> AdapterContext:
    return AdapterContext(data_dir=tmp_path, base_dir=tmp_path, clock=clock)


def test_setup_with_standard_access_signs_in_and_keeps_what_renews_the_token(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PinterestNetwork, "setup_api_base", fake.url)
    ui = _Browser(fake, [CLIENT_ID, fake.client_secret, ""], "standard")
    done = PinterestNetwork.setup(ui, account="pinterest:shop", context=_context(tmp_path, clock))  # type: ignore[arg-type]
    assert done.settings == {
        "client_id": CLIENT_ID,
        "token_expires_at": "2027-02-09T12:00:00Z",
        "api_base": fake.url,
    }
    assert set(done.secrets) == {"access_token", "refresh_token", "client_secret"}
    assert done.secrets["access_token"] in fake.access and done.secrets["refresh_token"] in fake.refresh
    assert "Connected as cafe_riviere." in ui.said
    assert not any(fake.client_secret in line or done.secrets["access_token"] in line for line in ui.said)
    settings = PinterestSettings.model_validate({**done.settings, **done.secrets})
    assert settings.renews


def test_setup_with_trial_access_takes_the_sandbox_token(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PinterestNetwork, "setup_api_base", fake.url)
    token = fake.token()
    ui = _Browser(fake, [token], "trial")
    done = PinterestNetwork.setup(ui, account="pinterest:shop", context=_context(tmp_path, clock))  # type: ignore[arg-type]
    assert done.settings == {"sandbox": True, "api_base": fake.url} and done.secrets == {"access_token": token}
    assert any("visible only to you" in line for line in ui.said)


def test_setup_stops_while_pinterest_has_not_approved_the_app(tmp_path: Path, clock: FakeClock) -> None:
    ui = _Browser(None, [], "none")  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as caught:
        PinterestNetwork.setup(ui, account="pinterest:shop", context=_context(tmp_path, clock))  # type: ignore[arg-type]
    assert "has not approved the app" in caught.value.message
    assert "accounts add pinterest shop" in (caught.value.hint or "")


def test_setup_refuses_a_wrong_app_secret(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PinterestNetwork, "setup_api_base", fake.url)
    wrong = "app-secret-" + "0" * 16
    ui = _Browser(fake, [CLIENT_ID, wrong, ""], "standard")
    with pytest.raises(AuthError) as caught:
        PinterestNetwork.setup(ui, account="pinterest:shop", context=_context(tmp_path, clock))  # type: ignore[arg-type]
    assert wrong not in str(caught.value)


# --- validate, and the example campaign all the way ---------------------------------------------------

CAMPAIGN = """\
campaign: pins
timezone: UTC
accounts: [pinterest:shop]
posts:
  - id: ok
    at: 2027-03-01 10:00
    text: "Lemon tart"
    media: [{file: tart.png, alt: "A tart"}]
    pin:
      board: Spring recipes
      title: "%(ok)s"
  - id: long-title
    at: 2027-03-01 11:00
    text: "Lemon tart"
    media: [{file: tart.png, alt: "A tart"}]
    pin:
      board: Spring recipes
      title: "%(long)s"
  - id: no-pin
    at: 2027-03-01 12:00
    text: "Lemon tart"
    media: [{file: tart.png, alt: "A tart"}]
  - id: no-board
    at: 2027-03-01 13:00
    text: "Lemon tart"
    media: [{file: tart.png, alt: "A tart"}]
    pin: {title: "Tart"}
"""


def test_validate_locates_a_long_title_a_missing_pin_and_a_missing_board(
    run_cli: Any, write: Any, settings: Settings
) -> None:
    settings.accounts = {"pinterest": {"shop": {"access_token": "pina_not_a_real_token"}}}
    write("tart.png", "").write_bytes(png())
    campaign = write("pins.yaml", CAMPAIGN % {"ok": "t" * 100, "long": "t" * 101})
    result = run_cli("validate", str(campaign), "--json")
    errors = json.loads(result.stdout)["errors"]
    found = {(e["line"], e["column"]): e["message"] for e in errors}
    assert set(found) == {(18, 14), (19, 5), (27, 10)}, errors  # 100 characters (line 11) is fine
    assert found[(18, 14)] == "the pin's title is 101 characters; Pinterest takes at most 100. Fix: shorten it."
    assert found[(19, 5)].startswith("a Pinterest post needs pin: with the board it goes to.")
    assert (
        found[(27, 10)] == "the pin names no board. Fix: add board: with the board's name (here, or in defaults: pin:)."
    )
    assert result.exit_code != 0


def test_the_example_campaign_validates_and_goes_out_through_the_daemon(
    run_cli: Any, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    from tests.store_helpers import deliver_due

    with PinterestServer(clock) as fake:
        settings.accounts = {
            "pinterest": {
                "shop": {  # the token expires before the posts are due: it is renewed on the way
                    "access_token": fake.token(),
                    "refresh_token": fake.refresh_token(),
                    "client_id": CLIENT_ID,
                    "client_secret": fake.client_secret,
                    "api_base": fake.url,
                    "token_expires_at": (clock() + timedelta(days=30)).isoformat(),
                }
            }
        }
        campaign = str(REPO / "campaigns" / "pinterest-shop.yaml")
        checked = json.loads(run_cli("validate", campaign, "--json").stdout)
        assert (checked["errors"], checked["warnings"]) == ([], [])
        scheduled = run_cli("schedule", campaign)
        assert scheduled.exit_code == 0, scheduled.stderr
        for day in ("2027-03-06", "2027-03-13"):
            clock.set(clock().fromisoformat(f"{day}T14:00:05+00:00"))  # 09:00 in Montreal
            deliver_due(settings, clock)
        status = json.loads(run_cli("status", "--json").stdout)
        assert {k: v for k, v in status["counts"].items() if v} == {"sent": 2} and status["problems"] == []
        boards = {p.board_id: p for p in fake.mine()}
        assert boards["900000000000000001"].title == "Our morning butter croissants"
        assert boards["900000000000000002"].link == (
            "https://example.com/roastery?utm_source=pinterest&utm_medium=social&utm_campaign=pinterest-spring"
        )
        assert boards["900000000000000001"].image == (REPO / "campaigns" / "img" / "croissants.jpg").read_bytes()
        assert boards["900000000000000001"].alt_text == "A basket of golden croissants on the café's counter"
        assert fake.violations == []
        tested = run_cli("accounts", "test", "pinterest:shop")
        assert tested.exit_code == 0 and "cafe_riviere" in tested.stdout
        doctor = run_cli("doctor", "--json").stdout
        [finding] = [f for f in json.loads(doctor)["findings"] if f["check"] == "account:pinterest:shop"]
        assert finding["status"] == "ok" and finding["message"] == "signed in as cafe_riviere"
        for secret in (fake.client_secret, *fake.access, *fake.refresh):
            assert secret not in doctor and secret not in json.dumps(status)


def test_doctor_reminds_that_trial_pins_are_visible_only_to_you(
    run_cli: Any, write: Any, settings: Settings, clock: FakeClock
) -> None:
    with PinterestServer(clock) as fake:
        settings.accounts = {
            "pinterest": {"shop": {"access_token": fake.token(), "api_base": fake.url, "sandbox": True}}
        }
        write("tart.png", "").write_bytes(png())
        campaign = write("pins.yaml", CAMPAIGN.split("  - id: long-title")[0] % {"ok": "Tart"})
        assert run_cli("schedule", str(campaign)).exit_code == 0
        findings = json.loads(run_cli("doctor", "--json").stdout)["findings"]
    mine = [f for f in findings if f["check"] == "account:pinterest:shop"]
    assert [f["status"] for f in mine] == ["ok", "warning"], mine
    assert "visible only to you" in mine[1]["message"] and "Standard access" in mine[1]["fix"]


def test_the_example_configs_pinterest_section_is_valid() -> None:
    import re

    import yaml

    text = (REPO / "config.example.yaml").read_text(encoding="utf-8")
    block = text.split("  # pinterest:\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if not line.startswith("  # ") or re.fullmatch(r"  # [a-z]+:", line):  # the next network's section
            break
        lines.append(line.removeprefix("  # "))
    shop = yaml.safe_load("\n".join(lines))["shop"]
    shop.update(access_token="a", refresh_token="b", client_secret="c")  # ${…} come from the environment
    settings = PinterestSettings.model_validate(shop)
    assert settings.renews and settings.base == "https://api.pinterest.com"


def test_accounts_add_through_the_cli_writes_the_config_and_a_private_secret(
    fake: PinterestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext

    monkeypatch.setattr(PinterestNetwork, "setup_api_base", fake.url)
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")

    def run(*args: str, input: str | None = None) -> Any:
        return CliRunner().invoke(cli, ["--config", str(config), *args], obj=AppContext(), input=input)

    waiting = run("accounts", "add", "pinterest", "shop", input="1\n")
    assert waiting.exit_code != 0 and "has not approved the app yet" in waiting.stderr
    assert "Traceback" not in waiting.output + waiting.stderr

    token = fake.token()
    added = run("accounts", "add", "pinterest", "shop", input=f"2\n{token}\n")
    assert added.exit_code == 0, added.output + added.stderr
    assert "Connected as cafe_riviere (Trial access: sandbox)." in added.stdout
    assert token not in added.stdout + added.stderr + config.read_text(encoding="utf-8")
    assert "sandbox: true" in config.read_text(encoding="utf-8")
    secrets_file = tmp_path / "secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600 and token in secrets_file.read_text(encoding="utf-8")
    tested = run("accounts", "test", "pinterest:shop")
    assert tested.exit_code == 0 and "Trial (sandbox: pins visible only to you)" in tested.stdout


def test_an_image_of_exactly_20_mb_goes_and_one_byte_more_is_refused_before_sending(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock
) -> None:
    adapter = make(fake, tmp_path, clock)
    small = png()
    for size, goes in ((20_000_000, True), (20_000_001, False)):
        image = small + bytes(size - len(small))  # padding after IEND: still a real PNG, of that size
        post = OutgoingPost(**{**pin_post(tmp_path, image=image).__dict__, "key": f"sp-{size}"})
        if goes:
            adapter.publish(post)
        else:
            with pytest.raises(ContentRejected, match="20,000,001 bytes"):
                adapter.publish(post)
    [pin] = fake.mine()
    assert len(pin.image) == 20_000_000


def test_validate_measures_the_description_and_the_alt_text_at_the_limit_and_one_over(
    run_cli: Any, write: Any, settings: Settings
) -> None:
    settings.accounts = {"pinterest": {"shop": {"access_token": "pina_not_a_real_token"}}}
    write("tart.png", "").write_bytes(png())
    posts = []
    for number, (text, alt) in enumerate((("d" * 500, "a" * 500), ("d" * 501, "a"), ("d", "a" * 501))):
        posts.append(
            {
                "id": f"p{number}",
                "at": f"2027-03-0{number + 1} 10:00",
                "text": text,
                "media": [{"file": "tart.png", "alt": alt}],
                "pin": {"board": "Spring recipes"},
            }
        )
    body = {"campaign": "pins", "timezone": "UTC", "accounts": ["pinterest:shop"], "posts": posts}
    result = run_cli("validate", str(write("pins.yaml", json.dumps(body, indent=1))), "--json")
    errors = json.loads(result.stdout)["errors"]
    assert len(errors) == 2, errors
    assert any("501" in e["message"] and "500" in e["message"] for e in errors)  # the description
    assert any(e["message"].startswith("the image's alt text is 501 characters") for e in errors)


class _LocalBrowser(_Browser):
    """The browser is on this computer: Pinterest sends it back to socialpost's loopback receiver."""

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        return True

    def open_url(self, url: str) -> None:
        super().open_url(url)
        if self.landed:
            assert httpx.get(self.landed).status_code == 200  # the receiver's "you can close this tab"

    def ask(self, prompt: str, *, default: str | None = None) -> str:
        assert not prompt.startswith("Paste"), "the redirect came back: nothing to paste"
        return super().ask(prompt, default=default)


def test_setup_receives_the_redirect_on_the_loopback(
    fake: PinterestServer, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as probe:  # a free port, chosen by the system
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(PinterestNetwork, "setup_api_base", fake.url)
    ui = _LocalBrowser(fake, [CLIENT_ID, fake.client_secret, f"http://127.0.0.1:{port}/"], "standard")
    done = PinterestNetwork.setup(ui, account="pinterest:shop", context=_context(tmp_path, clock))  # type: ignore[arg-type]
    assert done.secrets["access_token"] in fake.access
    assert "Waiting for Pinterest to send your browser back here…" in ui.said


def test_show_says_where_the_pin_goes(run_cli: Any, settings: Settings) -> None:
    settings.accounts = {"pinterest": {"shop": {"access_token": "pina_not_a_real_token"}}}
    campaign = str(REPO / "campaigns" / "pinterest-shop.yaml")
    shown = run_cli("show", campaign, "croissants")
    assert shown.exit_code == 0, shown.stderr
    assert "  pin to the board: Spring recipes\n  pin title: Our morning butter croissants\n" in shown.stdout
    [post] = json.loads(run_cli("show", campaign, "roastery", "--json").stdout)["posts"]
    assert post["pin"] == {
        "board": "Our shop",
        "title": "Roasted in the shop this week",
        "link": "https://example.com/roastery?utm_source=pinterest&utm_medium=social&utm_campaign=pinterest-spring",
    }


def test_validate_refuses_a_pin_on_a_post_that_goes_to_no_pinterest_account(
    run_cli: Any, write: Any, settings: Settings
) -> None:
    settings.accounts = {
        "pinterest": {"shop": {"access_token": "pina_not_a_real_token"}},
        "outbox": {"site": {}},
    }
    write("tart.png", "").write_bytes(png())
    text = """\
campaign: pins
timezone: UTC
accounts: [pinterest:shop, outbox:site]
posts:
  - id: both
    at: 2027-03-01 10:00
    text: "Lemon tart: would you try it?"
    media: [{file: tart.png, alt: "A tart"}]
    pin: {board: Spring recipes}
  - id: elsewhere
    at: 2027-03-01 11:00
    text: "Lemon tart: would you try it?"
    accounts: [outbox:site]
    pin: {board: Spring recipes}
"""
    errors = json.loads(run_cli("validate", str(write("pins.yaml", text)), "--json").stdout)["errors"]
    assert [(e["line"], e["message"]) for e in errors] == [
        (
            14,
            "pin: is for Pinterest accounts, and post 'elsewhere' goes to none. Fix: add one of your "
            "pinterest:… accounts to the post, or remove pin:.",
        )
    ]


def test_a_lost_answer_is_reconciled_from_the_board_by_the_daemon_never_pinned_twice(
    run_cli: Any, write: Any, settings: Settings, clock: FakeClock
) -> None:
    from socialpost.daemon.dispatcher import RECONCILE_AFTER, Dispatcher
    from socialpost.store.db import open_store
    from socialpost.store.queue import Queue
    from socialpost.wiring import Adapters
    from tests.store_helpers import deliver_due

    with PinterestServer(clock) as fake:
        account = {"access_token": fake.token(lifetime=timedelta(days=90)), "api_base": fake.url, "timeout": 0.5}
        settings.accounts = {"pinterest": {"shop": {**account, "token_expires_at": "2027-04-10T12:00:00Z"}}}
        write("tart.png", "").write_bytes(png())
        campaign = write("pins.yaml", CAMPAIGN.split("  - id: long-title")[0] % {"ok": "Tart"})
        assert run_cli("schedule", str(campaign)).exit_code == 0
        clock.set(clock().fromisoformat("2027-03-01T10:00:05+00:00"))
        fake.slow_create = 1.5  # Pinterest makes the pin; its answer comes after the adapter gave up
        deliver_due(settings, clock)
        assert len(fake.pins) == 1
        waiting = json.loads(run_cli("status", "--json").stdout)["counts"]
        assert {k: v for k, v in waiting.items() if v} == {"sending": 1}
        fake.slow_create = 0.0
        clock.advance(seconds=RECONCILE_AFTER.total_seconds() + settings.daemon.lease_seconds + 1)
        store = open_store(settings.database_url)
        try:
            dispatcher = Dispatcher(Queue(store, "test", clock=clock), Adapters(settings, clock=clock), settings.daemon)
            for claimed in dispatcher.queue.take_expired(10, dispatcher.lease):
                dispatcher.reconcile(claimed)
        finally:
            store.close()
        status = json.loads(run_cli("status", "--json").stdout)
        assert {k: v for k, v in status["counts"].items() if v} == {"sent": 1}
        [pin] = fake.mine()
        report = json.loads(run_cli("report", "--json").stdout)
        [post] = [p for c in report["campaigns"] for p in c["posts"]]
        assert post["url"] == f"https://www.pinterest.com/pin/{pin.id}/"


def test_defaults_give_every_post_its_board_and_a_post_overrides_a_key(
    run_cli: Any, write: Any, settings: Settings
) -> None:
    settings.accounts = {"pinterest": {"shop": {"access_token": "pina_not_a_real_token"}}}
    write("tart.png", "").write_bytes(png())
    text = """\
campaign: pins
timezone: UTC
accounts: [pinterest:shop]
defaults:
  media: [{file: tart.png, alt: "A tart"}]
  pin: {board: Spring recipes, link: "https://example.com/shop"}
posts:
  - id: plain
    at: 2027-03-01 10:00
    text: "Lemon tart: would you try it?"
  - id: titled
    at: 2027-03-01 11:00
    text: "Apple tart: would you try it?"
    pin: {title: Apple tart, board: Our shop}
"""
    campaign = str(write("pins.yaml", text))
    checked = json.loads(run_cli("validate", campaign, "--json").stdout)
    assert checked["errors"] == [], checked["errors"]
    pins = {p["id"]: p["pin"] for p in json.loads(run_cli("show", campaign, "--json").stdout)["posts"]}
    assert pins == {
        "plain": {"board": "Spring recipes", "link": "https://example.com/shop"},
        "titled": {"board": "Our shop", "link": "https://example.com/shop", "title": "Apple tart"},
    }
