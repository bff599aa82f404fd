"""The outbox adapter: one JSON file per post, a valid Atom feed, idempotent, safe with threads."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shlex
import stat
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import pytest

from socialpost import privatefiles
from socialpost.errors import ContentRejected, NetworkError, PermanentError, TransientError
from socialpost.networks.base import AdapterContext, Media, NotSent, OutgoingPost, Published
from socialpost.networks.common import files as files_module
from socialpost.networks.outbox import OutboxNetwork, OutboxSettings
from socialpost.networks.outbox import feed as outbox_feed
from socialpost.settings.config import Settings, load_settings
from socialpost.wiring import Adapters
from tests.conftest import FakeClock
from tests.store_helpers import deliver_due
from tests.support.files import refuse_to_open
from tests.support.walk import PNG, schedule_walk

A = "{http://www.w3.org/2005/Atom}"
RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def make_post(n: int = 1, *, text: str | None = None, account: str = "outbox:main", **changes: Any) -> OutgoingPost:
    values: dict[str, Any] = {
        "key": f"sp-{n:040x}",
        "campaign": "spring-launch",
        "post_id": f"post-{n}",
        "account": account,
        "text": f"Post number {n}" if text is None else text,
        "due_at": datetime(2027, 1, 10, 9, 0, tzinfo=ZoneInfo("America/Montreal")) + timedelta(hours=n),
    }
    values.update(changes)
    return OutgoingPost(**values)


def outbox(settings: Settings, clock: FakeClock, account: str = "outbox:main") -> OutboxNetwork:
    adapter = Adapters(settings, clock=clock).get(account)
    assert isinstance(adapter, OutboxNetwork)
    return adapter


def feed_of(folder: Path) -> ET.Element:
    return ET.parse(folder / "feed.xml").getroot()


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{A}entry")


def only(parent: ET.Element, tag: str) -> str:
    found = parent.findall(f"{A}{tag}")
    assert len(found) == 1, f"expected one atom:{tag} in {parent.tag}, found {len(found)}"
    return found[0].text or ""


# --- the post file ---------------------------------------------------------------------------------


def test_publish_writes_one_json_file_with_every_field(settings: Settings, clock: FakeClock, tmp_path: Path) -> None:
    adapter = outbox(settings, clock)
    image = tmp_path / "img" / "teaser.jpg"  # the outbox, like a network, needs the file to be there
    image.parent.mkdir()
    image.write_bytes(b"\xff\xd8\xff")
    post = make_post(
        1,
        text="Bonjour !",
        thread=("2/3 suite", "3/3 fin"),
        media=(Media(str(image), "Un sac de café"),),
    )

    published = adapter.publish(post)

    folder = settings.data_dir / "outbox" / "main"
    files = sorted((folder / "posts").glob("*.json"))
    assert [f.name for f in files] == [published.remote_id]
    assert published.url == files[0].resolve().as_uri()
    assert json.loads(files[0].read_text(encoding="utf-8")) == {
        "id": "post-1",
        "campaign": "spring-launch",
        "account": "outbox:main",
        "text": "Bonjour !",
        "thread": ["2/3 suite", "3/3 fin"],
        "media": [
            {
                "file": str(image),
                "alt": "Un sac de café",
                "name": "teaser.jpg",
                "type": "image/jpeg",
                "size": 3,
                "sha256": hashlib.sha256(b"\xff\xd8\xff").hexdigest(),
                "copy": f"posts/{files[0].stem}.1.jpg",
            }
        ],
        # 10:00 in Montreal (UTC-5 in January) is 15:00 UTC, written with a Z
        "due_at": "2027-01-10T15:00:00Z",
        "published_at": "2027-01-10T12:00:00Z",
        "idempotency_key": post.key,
    }
    assert (folder / "posts" / f"{files[0].stem}.1.jpg").read_bytes() == b"\xff\xd8\xff"  # the copy beside it
    # the file name sorts by time and says which post it is
    assert files[0].name.startswith("20270110T150000Z_spring-launch_post-1_")
    assert not list((folder / "posts").glob(".*")), "no temporary file may be left behind"


def test_files_are_readable_like_any_file_the_user_creates(settings: Settings, clock: FakeClock) -> None:
    adapter = outbox(settings, clock)
    adapter.publish(make_post(1))
    expected = 0o666 & ~privatefiles.UMASK
    folder = settings.data_dir / "outbox" / "main"
    for path in [folder / "feed.xml", *(folder / "posts").glob("*.json")]:
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


# --- the Atom feed ---------------------------------------------------------------------------------


def test_feed_is_valid_atom_newest_first(settings: Settings, clock: FakeClock) -> None:
    adapter = outbox(settings, clock)
    posts = [make_post(n) for n in (1, 2, 3)]
    for post in posts:
        adapter.publish(post)
        clock.advance(minutes=5)
    folder = settings.data_dir / "outbox" / "main"

    root = feed_of(folder)
    assert root.tag == f"{A}feed"
    assert only(root, "id").startswith("urn:")
    assert only(root, "title") == "socialpost outbox: outbox:main"
    assert only(root, "updated") == "2027-01-10T12:10:00Z"  # the newest entry's time
    authors = root.findall(f"{A}author")
    assert len(authors) == 1
    assert only(authors[0], "name") == "outbox:main"
    self_links = [link for link in root.findall(f"{A}link") if link.get("rel") == "self"]
    assert len(self_links) == 1
    assert self_links[0].get("href") == (folder / "feed.xml").resolve().as_uri()

    items = entries(root)
    assert [only(e, "id") for e in items] == [f"urn:socialpost:{p.key}" for p in reversed(posts)]
    assert [only(e, "title") for e in items] == ["Post number 3", "Post number 2", "Post number 1"]
    assert [only(e, "updated") for e in items] == [
        "2027-01-10T12:10:00Z",
        "2027-01-10T12:05:00Z",
        "2027-01-10T12:00:00Z",
    ]
    for entry in items:
        assert RFC3339_Z.match(only(entry, "updated"))
        content = entry.findall(f"{A}content")
        assert len(content) == 1 and content[0].get("type") == "text"
        assert content[0].text and content[0].text.startswith("Post number")

    parsed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "socialpost outbox: outbox:main"
    assert [e.id for e in parsed.entries] == [f"urn:socialpost:{p.key}" for p in reversed(posts)]


def test_feed_title_setting_and_thread_in_content(tmp_path: Path, settings: Settings, clock: FakeClock) -> None:
    settings.accounts = {"outbox": {"main": {"feed_title": "Café Léa — nouvelles"}}}
    adapter = outbox(settings, clock)
    adapter.publish(make_post(1, text="\n  \nPremière ligne\ndeuxième", thread=("suite",)))

    root = feed_of(settings.data_dir / "outbox" / "main")
    assert only(root, "title") == "Café Léa — nouvelles"
    (entry,) = entries(root)
    assert only(entry, "title") == "Première ligne"  # the first line with words, not a blank one
    assert only(entry, "content") == "\n  \nPremière ligne\ndeuxième\n\nsuite"


def test_special_characters_survive_escaping(settings: Settings, clock: FakeClock) -> None:
    text = 'Café <b>gratuit</b> & croissants 🥐 — « déjà » l\'été à Montréal ; 5 < 6 && "ok"'
    adapter = outbox(settings, clock)
    post = make_post(1, text=text, campaign="été-2027", post_id="crème&brûlée")
    published = adapter.publish(post)
    folder = settings.data_dir / "outbox" / "main"

    document = json.loads((folder / "posts" / published.remote_id).read_text(encoding="utf-8"))
    assert document["text"] == text
    assert document["campaign"] == "été-2027"
    assert "/" not in published.remote_id and "&" not in published.remote_id

    raw = (folder / "feed.xml").read_text(encoding="utf-8")
    assert "<b>" not in raw, "markup in a post must be escaped, not become feed markup"
    (entry,) = entries(feed_of(folder))
    assert only(entry, "title") == text
    assert only(entry, "content") == text
    assert entry.find(f"{A}category") is not None
    assert entry.find(f"{A}category").get("term") == "été-2027"  # type: ignore[union-attr]

    parsed = feedparser.parse(raw.encode("utf-8"))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert "🥐" in parsed.entries[0].title and "Montréal" in parsed.entries[0].title


def test_long_first_line_is_cut_in_the_title_only(settings: Settings, clock: FakeClock) -> None:
    text = "é" * 100
    adapter = outbox(settings, clock)
    adapter.publish(make_post(1, text=text))
    (entry,) = entries(feed_of(settings.data_dir / "outbox" / "main"))
    assert only(entry, "title") == "é" * 80 + "…"
    assert only(entry, "content") == text


def test_control_characters_do_not_break_the_feed(settings: Settings, clock: FakeClock) -> None:
    # A form feed or vertical tab pasted from a word processor: legal in JSON, illegal in XML.
    text = "Soldes\x0c d'hiver\x0b !\x00"
    adapter = outbox(settings, clock)
    published = adapter.publish(make_post(1, text=text))
    folder = settings.data_dir / "outbox" / "main"

    assert json.loads((folder / "posts" / published.remote_id).read_text(encoding="utf-8"))["text"] == text
    (entry,) = entries(feed_of(folder))  # ET.parse raises on an ill-formed document
    assert only(entry, "content") == "Soldes\ufffd d'hiver\ufffd !\ufffd"
    assert feedparser.parse((folder / "feed.xml").read_bytes()).bozo == 0


def test_feed_keeps_only_the_newest_entries(
    settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_feed, "FEED_ENTRIES", 3)
    adapter = outbox(settings, clock)
    for n in range(1, 6):
        adapter.publish(make_post(n))
        clock.advance(minutes=1)
    folder = settings.data_dir / "outbox" / "main"
    assert len(list((folder / "posts").glob("*.json"))) == 5
    assert [only(e, "title") for e in entries(feed_of(folder))] == ["Post number 5", "Post number 4", "Post number 3"]


def test_a_hand_edited_file_does_not_break_the_feed(settings: Settings, clock: FakeClock) -> None:
    adapter = outbox(settings, clock)
    adapter.publish(make_post(1))
    posts = settings.data_dir / "outbox" / "main" / "posts"
    (posts / "broken.json").write_text("{not json", encoding="utf-8")
    (posts / "list.json").write_text("[1, 2]", encoding="utf-8")
    (posts / "partial.json").write_text('{"id": "x", "text": "no key"}', encoding="utf-8")

    adapter.publish(make_post(2))

    titles = [only(e, "title") for e in entries(feed_of(settings.data_dir / "outbox" / "main"))]
    assert sorted(titles) == ["Post number 1", "Post number 2"]


# --- idempotency and reconciliation ---------------------------------------------------------------


def test_publishing_the_same_post_again_changes_nothing(settings: Settings, clock: FakeClock) -> None:
    adapter = outbox(settings, clock)
    post = make_post(1)
    first = adapter.publish(post)
    folder = settings.data_dir / "outbox" / "main"
    before = {p.name: p.read_bytes() for p in (folder / "posts").iterdir()}
    feed_before = (folder / "feed.xml").read_bytes()

    clock.advance(hours=1)
    second = adapter.publish(post)
    # even from another adapter instance (another daemon), after an edit of the post's time
    third = outbox(settings, clock).publish(make_post(1, due_at=post.due_at + timedelta(days=1)))

    assert first == second == third
    assert {p.name: p.read_bytes() for p in (folder / "posts").iterdir()} == before
    assert (folder / "feed.xml").read_bytes() == feed_before
    assert len(entries(feed_of(folder))) == 1


def test_reconcile_finds_a_published_post_and_proves_a_missing_one(settings: Settings, clock: FakeClock) -> None:
    adapter = outbox(settings, clock)
    post, other = make_post(1), make_post(2)

    missing = adapter.reconcile(post)
    assert isinstance(missing, NotSent)
    assert "not in the outbox" in missing.reason

    published = adapter.publish(post)
    assert adapter.reconcile(post) == published
    assert isinstance(adapter.reconcile(other), NotSent)
    assert adapter.profile.idempotent is True


# --- threads --------------------------------------------------------------------------------------


def test_twenty_threads_publishing_at_once(settings: Settings, clock: FakeClock) -> None:
    adapters = [outbox(settings, clock), outbox(settings, clock)]  # two "daemons" sharing a folder
    posts = [make_post(n) for n in range(20)]
    start = threading.Barrier(20)

    def publish(n: int) -> Published:
        start.wait(timeout=5)
        return adapters[n % 2].publish(posts[n])

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(publish, range(20)))

    folder = settings.data_dir / "outbox" / "main"
    files = sorted(p.name for p in (folder / "posts").iterdir())
    assert files == sorted(r.remote_id for r in results)
    assert len(files) == 20
    root = feed_of(folder)
    assert sorted(only(e, "id") for e in entries(root)) == sorted(f"urn:socialpost:{p.key}" for p in posts)
    parsed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert parsed.bozo == 0 and len(parsed.entries) == 20
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_threads_publishing_the_same_post_write_it_once(settings: Settings) -> None:
    ticks = iter(range(10_000))
    lock = threading.Lock()

    def moving_clock() -> datetime:  # every call a new time: a second write would show
        with lock:
            return datetime(2027, 1, 10, tzinfo=UTC) + timedelta(seconds=next(ticks))

    post = make_post(7)
    start = threading.Barrier(10)

    def publish(_n: int) -> Published:
        adapter = Adapters(settings, clock=moving_clock).get("outbox:main")
        start.wait(timeout=5)
        return adapter.publish(post)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = set(pool.map(publish, range(10)))

    folder = settings.data_dir / "outbox" / "main"
    assert len(results) == 1
    (written,) = (folder / "posts").iterdir()
    published_at = json.loads(written.read_text(encoding="utf-8"))["published_at"]
    assert [only(e, "updated") for e in entries(feed_of(folder))] == [published_at]


# --- where the folder is ----------------------------------------------------------------------------


def test_relative_folder_is_relative_to_the_config_file(tmp_path: Path, clock: FakeClock) -> None:
    config_dir = tmp_path / "conf"
    config_dir.mkdir()
    config = config_dir / "config.yaml"
    config.write_text("accounts:\n  outbox:\n    shop:\n      folder: out/feed\n", encoding="utf-8")
    settings = load_settings(str(config), environ={"SOCIALPOST_DATA_DIR": str(tmp_path / "data")})

    adapter = outbox(settings, clock, "outbox:shop")
    published = adapter.publish(make_post(1, account="outbox:shop"))

    assert (config_dir / "out" / "feed" / "posts" / published.remote_id).is_file()
    assert (config_dir / "out" / "feed" / "feed.xml").is_file()
    assert not (tmp_path / "data" / "outbox").exists()
    assert adapter.health().details["feed"] == str(config_dir / "out" / "feed" / "feed.xml")


def test_default_folder_is_per_account_and_cannot_climb_out(settings: Settings, clock: FakeClock) -> None:
    adapters = Adapters(settings, clock=clock)
    for account in ("outbox:main", "outbox:..", "outbox:a/b"):
        adapters.get(account).publish(make_post(1, account=account))
    outbox_dir = settings.data_dir / "outbox"
    assert sorted(p.name for p in outbox_dir.iterdir()) == ["_..", "a_b", "main"]
    assert not (settings.data_dir / "feed.xml").exists()
    assert not (settings.data_dir / "posts").exists()


def direct(folder: Path, tmp_path: Path) -> OutboxNetwork:
    return OutboxNetwork(
        account="outbox:main",
        settings=OutboxSettings(folder=str(folder)),
        context=AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path),
    )


@pytest.mark.parametrize("blocked", ["folder", "parent"])
def test_a_file_in_the_way_is_a_permanent_error(tmp_path: Path, blocked: str) -> None:
    in_the_way = tmp_path / "not-a-folder"
    in_the_way.write_text("I am a file", encoding="utf-8")
    folder = in_the_way if blocked == "folder" else in_the_way / "outbox"
    adapter = direct(folder, tmp_path)

    with pytest.raises(NetworkError) as caught:
        adapter.publish(make_post(1))

    error = caught.value
    assert isinstance(error, PermanentError), "retrying cannot move a file out of the way"
    assert not isinstance(error, OSError)
    assert "cannot write to the outbox folder" in str(error)
    assert str(in_the_way) in str(error)
    assert error.hint and "accounts.outbox.<name>.folder" in error.hint
    assert in_the_way.read_text(encoding="utf-8") == "I am a file"
    assert isinstance(adapter.reconcile(make_post(1)), NotSent)


def test_disk_full_is_a_transient_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(path: Path, data: str | bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files_module, "atomic_write", full)
    with pytest.raises(TransientError, match="No space left on device") as caught:
        direct(tmp_path / "out", tmp_path).publish(make_post(1))
    assert not isinstance(caught.value, OSError)


def test_text_that_is_not_unicode_is_a_permanent_error(tmp_path: Path) -> None:
    adapter = direct(tmp_path / "out", tmp_path)
    with pytest.raises(PermanentError, match="not valid Unicode"):
        adapter.publish(make_post(1, text="broken \ud800 surrogate"))
    assert list((tmp_path / "out" / "posts").iterdir()) == []


def _outbox_posts(settings: Settings) -> list[Path]:
    return sorted((settings.data_dir / "outbox" / "shop" / "posts").glob("*.json"))


# --- the outbox needs the post's media, like a real network ---------------------------------------


def test_outbox_refuses_a_post_whose_image_was_deleted_and_retry_sends_it(
    run_cli, write, settings: Settings, clock: FakeClock
) -> None:
    image = schedule_walk(run_cli, write, clock)
    image.unlink()  # deleted after scheduling
    clock.advance(hours=1, minutes=1)
    deliver_due(settings, clock)

    assert _outbox_posts(settings) == [], "nothing may go out without its image"
    status = json.loads(run_cli("status", "--json").stdout)
    (failed,) = status["problems"]
    assert failed["status"] == "failed" and failed["id"] == "teaser"
    reason = failed["reason"]
    assert f"the media file {image} cannot be used" in reason  # the same words for every cause (socialpost.media)
    assert "Nothing was written to the outbox" in reason
    assert "Put the file back at that path, then run: socialpost retry walk/teaser@outbox:shop" in reason

    # the fix it names works as written
    image.write_bytes(PNG)
    command = reason.rsplit("then run: socialpost ", 1)[1].rstrip(".")
    retried = run_cli(*shlex.split(command))
    assert retried.exit_code == 0, retried.stderr
    deliver_due(settings, clock)
    (written,) = _outbox_posts(settings)
    (media,) = json.loads(written.read_text(encoding="utf-8"))["media"]
    assert (media["file"], media["alt"]) == (str(image), "the park in the morning")
    assert (written.parent.parent / media["copy"]).read_bytes() == PNG  # the image put back, copied beside it
    assert json.loads(run_cli("status", "--json").stdout)["counts"]["sent"] == 1


def test_outbox_media_must_be_a_file(settings: Settings, clock: FakeClock, tmp_path: Path) -> None:
    adapter = outbox(settings, clock)
    folder = tmp_path / "pictures"
    folder.mkdir()
    with pytest.raises(ContentRejected) as raised:
        adapter.publish(make_post(1, media=(Media(str(folder), "a folder"),)))
    assert f"the media file {folder} cannot be used" in raised.value.message
    assert raised.value.hint == (
        "Put the file back at that path, then run: socialpost retry spring-launch/post-1@outbox:main"
    )
    assert not (settings.data_dir / "outbox" / "main" / "feed.xml").exists()


def test_outbox_media_must_be_readable(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked.png"
    locked.write_bytes(PNG)
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads every file (as in CI)
        refuse_to_open(monkeypatch, locked)
    with pytest.raises(ContentRejected, match=r"locked\.png cannot be used"):
        outbox(settings, clock).publish(make_post(2, media=(Media(str(locked), ""),)))


def test_outbox_retry_hint_names_a_recurring_occurrence(settings: Settings, clock: FakeClock) -> None:
    adapter = outbox(settings, clock)
    post = make_post(1, media=(Media("/nowhere/tip.png", ""),), post_id="tip", occurrence="2027-03-02T10:30")
    with pytest.raises(ContentRejected) as raised:
        adapter.publish(post)
    assert raised.value.hint is not None
    assert raised.value.hint.endswith("socialpost retry spring-launch/tip@2027-03-02T10:30@outbox:main")


def test_a_post_already_in_the_outbox_stays_published_when_its_image_goes(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    image = tmp_path / "teaser.png"
    image.write_bytes(PNG)
    adapter = outbox(settings, clock)
    post = make_post(1, media=(Media(str(image), "a cup"),))
    first = adapter.publish(post)
    image.unlink()
    assert adapter.publish(post) == first  # idempotent: the post is out, its image was read then
