"""Media travel with the post: the webhook sends each file inline (base64) or as a link, the outbox
copies it beside the post's JSON and lists it in the Atom feed. Scheduled through the CLI and sent
by the daemon's own dispatcher (and, once, by a real `socialpost schedule --follow` process), to
a real local HTTP receiver."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest

from socialpost import privatefiles
from socialpost.settings.config import Settings
from tests.conftest import REPO, FakeClock
from tests.store_helpers import deliver_due
from tests.support.http import LocalServer, Reply

CROISSANTS = REPO / "campaigns" / "img" / "croissants.jpg"
BEANS = REPO / "campaigns" / "img" / "roastery-beans.jpg"
CAMPAIGN = """\
campaign: cafe
timezone: America/Montreal
accounts: [webhook:team, outbox:news]
posts:
  - id: teaser
    at: 2027-01-10 08:00
    thread: ["Nouveau chez nous : venez goûter ?", "2/2 Les croissants sortent du four à 8 h."]
    media:
      - {file: img/croissants.jpg, alt: "Des croissants sur un comptoir"}
      - {file: img/beans.jpg, alt: "Des grains de café"}
  - id: again
    at: 2027-01-10 08:00
    text: "La même photo, un autre jour ?"
    media: [{file: img/croissants.jpg, alt: "Des croissants, encore"}]
"""


@pytest.fixture(scope="module")
def receiver() -> Any:
    with LocalServer() as server:
        yield server


@pytest.fixture
def server(receiver: LocalServer) -> LocalServer:
    receiver.requests.clear()
    receiver.respond(Reply(200, {"ok": True}))
    return receiver


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    folder = tmp_path / "campaigns"
    (folder / "img").mkdir(parents=True)
    shutil.copy(CROISSANTS, folder / "img" / "croissants.jpg")
    shutil.copy(BEANS, folder / "img" / "beans.jpg")
    path = folder / "cafe.yaml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    return path


def send(run_cli, settings: Settings, clock: FakeClock, path: Path, *, lang: str = "en") -> None:  # type: ignore[no-untyped-def]
    """Schedule ``path`` as a user does, then let the daemon's dispatcher send what is due (the
    daemon words what it records in ``lang``)."""
    from socialpost import i18n

    scheduled = run_cli("schedule", str(path))
    assert scheduled.exit_code == 0, scheduled.stderr
    i18n.activate(lang)
    clock.set(datetime(2027, 1, 10, 13, 0, 1, tzinfo=UTC))  # 08:00 in Montreal
    deliver_due(settings, clock)


def hook(settings: Settings, server: LocalServer, **more: Any) -> None:
    settings.accounts = {"webhook": {"team": {"url": f"{server.url}/hook", "timeout": 5, **more}}}


def bodies(server: LocalServer) -> dict[str, dict[str, Any]]:
    return {request.json["id"]: request.json for request in server.requests}


# --- the webhook --------------------------------------------------------------------------------


def test_the_webhook_sends_each_image_inline_and_the_receiver_decodes_it_byte_identical(
    run_cli, settings: Settings, clock: FakeClock, server: LocalServer, campaign: Path
) -> None:  # type: ignore[no-untyped-def]
    hook(settings, server)
    send(run_cli, settings, clock, campaign)

    teaser = bodies(server)["teaser"]
    assert teaser["text"] == "Nouveau chez nous : venez goûter ?"
    assert teaser["thread"] == ["2/2 Les croissants sortent du four à 8 h."]
    first, second = teaser["media"]
    for media, original, alt in (
        (first, CROISSANTS, "Des croissants sur un comptoir"),
        (second, BEANS, "Des grains de café"),
    ):
        data = base64.b64decode(media["data"], validate=True)
        assert data == original.read_bytes()
        assert media["alt"] == alt and media["type"] == "image/jpeg" and media["url"] is None
        assert media["size"] == len(data) and media["sha256"] == hashlib.sha256(data).hexdigest()
    assert (first["name"], second["name"]) == ("croissants.jpg", "beans.jpg")
    assert first["file"] == str((campaign.parent / "img" / "croissants.jpg").resolve())
    status = json.loads(run_cli("status", "--json").stdout)
    assert status["counts"]["sent"] == 4 and not status["problems"]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "more than the 5,000 bytes this webhook sends inline (inline_media_max_bytes)"),
        ("fr", "plus que les 5\u202f000 octets que ce webhook envoie intégrés (inline_media_max_bytes)"),
    ],
)
def test_media_over_the_inline_cap_fail_the_post_naming_the_cap(
    run_cli, settings: Settings, clock: FakeClock, server: LocalServer, campaign: Path, lang: str, words: str
) -> None:  # type: ignore[no-untyped-def]
    hook(settings, server, inline_media_max_bytes=5000)  # one image fits, two do not
    send(run_cli, settings, clock, campaign, lang=lang)

    assert list(bodies(server)) == ["again"]  # the post over the cap was not sent at all
    (failed,) = json.loads(run_cli("status", "--json").stdout)["problems"]
    assert failed["status"] == "failed" and failed["id"] == "teaser" and failed["attempts"] == 1  # not retried
    assert words in failed["reason"]
    assert "media_base_url" in failed["reason"]  # and what to do


def test_with_a_media_base_url_the_webhook_sends_links_to_copies_named_by_their_content(
    run_cli, settings: Settings, clock: FakeClock, server: LocalServer, campaign: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    web = tmp_path / "www" / "media"
    hook(settings, server, media_base_url="https://cdn.example.com/cafe/", media_folder=str(web))
    send(run_cli, settings, clock, campaign)

    sent = bodies(server)
    croissants = hashlib.sha256(CROISSANTS.read_bytes()).hexdigest()
    first, second = sent["teaser"]["media"]
    assert first["url"] == f"https://cdn.example.com/cafe/{croissants[:32]}.jpg" and first["data"] is None
    assert second["url"].startswith("https://cdn.example.com/cafe/") and second["alt"] == "Des grains de café"
    assert sent["again"]["media"][0]["url"] == first["url"]  # the same image: one copy, one address
    copies = sorted(p.name for p in web.iterdir())
    assert copies == sorted([f"{croissants[:32]}.jpg", second["url"].rsplit("/", 1)[1]])
    assert (web / f"{croissants[:32]}.jpg").read_bytes() == CROISSANTS.read_bytes()
    assert oct((web / copies[0]).stat().st_mode & 0o777) == oct(0o666 & ~privatefiles.UMASK)  # the web server reads it


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "media_base_url and media_folder go together"), ("fr", "media_base_url et media_folder vont ensemble")],
)
def test_a_media_base_url_needs_its_folder(tmp_path: Path, lang: str, words: str) -> None:
    from click.testing import CliRunner

    from socialpost.cli import cli
    from socialpost.cli.context import AppContext

    config = tmp_path / "config.yaml"
    config.write_text(
        "accounts:\n  webhook:\n    team:\n      url: https://hooks.example.com/x\n"
        "      media_base_url: https://cdn.example.com/\n",
        encoding="utf-8",
    )
    args = ["--lang", lang, "--config", str(config), "accounts", "test", "webhook:team"]
    result = CliRunner().invoke(cli, args, obj=AppContext())
    assert result.exit_code == 2, result.output
    assert words in result.stderr and f"{config}:" in result.stderr  # where, in the config file


# --- the outbox ---------------------------------------------------------------------------------


def test_the_outbox_copies_each_image_beside_its_post_and_the_feed_carries_enclosures(
    run_cli, settings: Settings, clock: FakeClock, server: LocalServer, campaign: Path
) -> None:  # type: ignore[no-untyped-def]
    hook(settings, server)
    send(run_cli, settings, clock, campaign)

    folder = settings.data_dir / "outbox" / "news"
    documents = {}
    for path in (folder / "posts").glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["id"]] = (path, document)
    path, teaser = documents["teaser"]
    for number, (media, original) in enumerate(zip(teaser["media"], (CROISSANTS, BEANS), strict=True), start=1):
        assert media["copy"] == f"posts/{path.stem}.{number}.jpg"  # relative to the outbox folder
        copy = folder / media["copy"]
        assert copy.read_bytes() == original.read_bytes()
        assert copy.stat().st_mode & 0o777 == path.stat().st_mode & 0o777  # readable like its JSON
        assert media["size"] == original.stat().st_size and media["type"] == "image/jpeg"
    again_path, again = documents["again"]
    assert again["media"][0]["copy"] == f"posts/{again_path.stem}.1.jpg"  # its own copy: never shared

    feed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert feed.bozo == 0, feed.bozo_exception
    entries = {entry.id: entry for entry in feed.entries}
    entry = entries[f"urn:socialpost:{teaser['idempotency_key']}"]
    enclosures = [(e.href, e.type, int(e.length)) for e in entry.enclosures]
    assert enclosures == [(m["copy"], "image/jpeg", m["size"]) for m in teaser["media"]]
    titles = [link.get("title") for link in entry.links if link.rel == "enclosure"]
    assert titles == ["Des croissants sur un comptoir", "Des grains de café"]


# --- a file swapped after scheduling ------------------------------------------------------------


def test_an_image_swapped_for_a_link_after_scheduling_is_refused_with_the_neutral_words(
    run_cli, settings: Settings, clock: FakeClock, server: LocalServer, campaign: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    hook(settings, server)
    scheduled = run_cli("schedule", str(campaign))
    assert scheduled.exit_code == 0, scheduled.stderr
    secret = tmp_path / "private" / "id_card.jpg"
    secret.parent.mkdir()
    shutil.copy(CROISSANTS, secret)
    image = campaign.parent / "img" / "beans.jpg"
    image.unlink()
    image.symlink_to(secret)
    clock.set(datetime(2027, 1, 10, 13, 0, 1, tzinfo=UTC))
    deliver_due(settings, clock)

    assert list(bodies(server)) == ["again"]  # nothing of the teaser reached the receiver
    problems = json.loads(run_cli("status", "--json").stdout)["problems"]
    assert {(p["id"], p["account"]) for p in problems} == {("teaser", "webhook:team"), ("teaser", "outbox:news")}
    for problem in problems:
        assert f"the media file {image} cannot be used" in problem["reason"]
        assert "id_card" not in problem["reason"] and str(secret.parent) not in problem["reason"]
    assert not list((settings.data_dir / "outbox" / "news" / "posts").glob("*teaser*"))


# --- a real daemon process ----------------------------------------------------------------------


@pytest.mark.slow
def test_a_real_daemon_sends_media_inline_and_into_the_outbox(server: LocalServer, tmp_path: Path) -> None:
    """`socialpost schedule FILE --follow`, a separate process on the real clock, as a user runs it."""
    folder = tmp_path / "campaigns"
    (folder / "img").mkdir(parents=True)
    shutil.copy(CROISSANTS, folder / "img" / "croissants.jpg")
    soon = datetime.now(UTC) + timedelta(seconds=2)
    (folder / "now.yaml").write_text(
        "campaign: now\ntimezone: UTC\naccounts: [webhook:team, outbox:news]\nposts:\n"
        f"  - id: hot\n    at: {soon:%Y-%m-%d %H:%M:%S}\n    text: Tout chaud ?\n"
        "    media: [{file: img/croissants.jpg, alt: Des croissants}]\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.yaml"
    config.write_text(f"accounts:\n  webhook:\n    team: {{url: '{server.url}/hook', timeout: 5}}\n", encoding="utf-8")
    env = {
        **os.environ,
        "SOCIALPOST_CONFIG": str(config),
        "SOCIALPOST_DATA_DIR": str(tmp_path / "data"),
        "SOCIALPOST_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "socialpost", "schedule", str(folder / "now.yaml"), "--follow"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    (body,) = [request.json for request in server.requests]
    assert base64.b64decode(body["media"][0]["data"]) == CROISSANTS.read_bytes()
    outbox = tmp_path / "data" / "outbox" / "news"
    (copy,) = (outbox / "posts").glob("*.1.jpg")
    assert copy.read_bytes() == CROISSANTS.read_bytes()
    feed = feedparser.parse((outbox / "feed.xml").read_bytes())
    assert [e.href for e in feed.entries[0].enclosures] == [f"posts/{copy.name}"]
