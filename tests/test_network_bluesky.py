"""The Bluesky adapter.

Three tiers:
* against a real local Bluesky network (PLC + PDS + AppView from @atproto/dev-env, the
  ``bluesky_devenv`` session fixture): facets read back byte for byte, threads, images, link
  cards, metrics, sessions, crash recovery by record key, set-up;
* the real atproto SDK with only the socket faked (respx), for what a local server will not do:
  429 with rate-limit headers, 5xx, dropped connections, refused logins;
* pure helpers: TIDs, facets, lengths, images.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from PIL import Image

from socialpost import fetch as fetching
from socialpost.errors import AuthError, ContentRejected, NetworkError, RateLimited, TransientError
from socialpost.fetch import FetchPolicy
from socialpost.networks.base import AdapterContext, Media, NotSent, OutgoingPost, Published
from socialpost.networks.bluesky import (
    CARD_MAX_IMAGE_BYTES,
    MAX_IMAGE_BYTES,
    BlueskyNetwork,
    BlueskySettings,
    fetch_card,
    prepare_image,
    to_at_uri,
)
from socialpost.networks.bluesky.facets import build_facets
from socialpost.networks.bluesky.tid import decode_tid, encode_tid, is_valid_tid, record_key
from tests.conftest import REPO
from tests.servers import bluesky as servers
from tests.servers.bluesky import Account, DevEnv
from tests.servers.process import free_port
from tests.support import posts
from tests.support.fetching import Dialler, Names
from tests.support.http import LocalServer, Reply, Request

bluesky_devenv = servers.bluesky_devenv  # the session fixture: one real network for the whole run
POST_NSID = "app.bsky.feed.post"
PUBLIC = "93.184.216.34"  # a public address; tests/support/fetching.py dials a local server for it
DUE = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


# --- helpers -----------------------------------------------------------------------------------


class CountingTransport(httpx.HTTPTransport):
    """A real HTTP transport that counts the XRPC methods it carries."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls[request.url.path.rsplit("/", 1)[-1]] += 1
        return super().handle_request(request)


class LosingTransport(CountingTransport):
    """The server gets and handles createRecord, but its answer never reaches us."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path.endswith("/com.atproto.repo.createRecord"):
            response.read()
            response.close()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch) -> CountingTransport:
    counting = CountingTransport()
    monkeypatch.setattr(BlueskyNetwork, "transport", counting)
    return counting


@pytest.fixture(scope="module")
def devenv(bluesky_devenv: DevEnv) -> DevEnv:
    return bluesky_devenv


@pytest.fixture(scope="module")
def alice(devenv: DevEnv) -> Account:
    return devenv.create_account("alice")


@pytest.fixture(scope="module")
def bob(devenv: DevEnv) -> Account:
    return devenv.create_account("bob")


def adapter_for(
    devenv: DevEnv, account: Account, data_dir: Path, *, password: str | None = None, **more: Any
) -> BlueskyNetwork:
    settings = BlueskySettings(
        handle=account.handle,
        app_password=password or account.app_password,
        pds_url=devenv.pds_url,
        **more,
    )
    context = AdapterContext(data_dir=data_dir, base_dir=data_dir)
    return BlueskyNetwork(account="bluesky:main", settings=settings, context=context)


@pytest.fixture
def make_adapter(devenv: DevEnv, alice: Account, tmp_path: Path) -> Iterator[Callable[..., BlueskyNetwork]]:
    made: list[BlueskyNetwork] = []

    def make(account: Account | None = None, **more: Any) -> BlueskyNetwork:
        adapter = adapter_for(devenv, account or alice, tmp_path / "data", **more)
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()


def outgoing(
    text: str,
    *,
    thread: tuple[str, ...] = (),
    media: tuple[Media, ...] = (),
    key: str = "",
    language: str | None = None,
) -> OutgoingPost:
    return posts.outgoing(
        "bluesky:main",
        text,
        due_at=DUE,
        key=key or f"sp-{uuid.uuid4().hex}",
        campaign="lancement",
        post_id="annonce",
        thread=thread,
        media=media,
        language=language,
    )


def get_raw(devenv: DevEnv, uri: str) -> dict[str, Any]:
    """A record exactly as the PDS stores it (raw JSON, not the SDK's models)."""
    did, collection, rkey = uri.removeprefix("at://").split("/")
    response = httpx.get(
        f"{devenv.pds_url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": did, "collection": collection, "rkey": rkey},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def list_posts(devenv: DevEnv, did: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{devenv.pds_url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": did, "collection": POST_NSID, "limit": 100},
    )
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def untyped(value: Any) -> Any:
    """``value`` without the ``$type`` keys the PDS adds to nested objects it knows."""
    if isinstance(value, dict):
        return {k: untyped(v) for k, v in value.items() if k != "$type"}
    if isinstance(value, list):
        return [untyped(v) for v in value]
    return value


def png_bytes(width: int, height: int, *, noise: bool = False) -> bytes:
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (200, 120, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def rkey_of(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


# --- against the real local network ------------------------------------------------------------


def test_facets_read_back_byte_exact_with_accents_and_emoji(
    devenv: DevEnv, alice: Account, bob: Account, make_adapter: Callable[..., BlueskyNetwork]
) -> None:
    with LocalServer() as site:
        link = f"{site.url}/carte?jour=lundi"
        text = (
            f"Café crème ☕🥐 à l’ouverture — la carte : {link} #PetitDéjeuner avec @{bob.handle} "
            "et @personne.test ! 🇫🇷"
        )
        site.respond(Reply(404, "absent"))  # no card: this test is about facets
        published = make_adapter(allow_private_links=True).publish(outgoing(text))

    record = get_raw(devenv, published.remote_id)["value"]
    assert record["text"] == text
    assert "langs" not in record  # neither the post nor the account names a language: none, not a guess
    encoded = text.encode("utf-8")
    sliced = {}
    for facet in record["facets"]:
        feature = facet["features"][0]
        piece = encoded[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode("utf-8")
        sliced[feature["$type"]] = (piece, feature)
    assert set(sliced) == {
        "app.bsky.richtext.facet#link",
        "app.bsky.richtext.facet#tag",
        "app.bsky.richtext.facet#mention",
    }
    assert sliced["app.bsky.richtext.facet#link"] == (link, {"$type": "app.bsky.richtext.facet#link", "uri": link})
    assert sliced["app.bsky.richtext.facet#tag"][0] == "#PetitDéjeuner"
    assert sliced["app.bsky.richtext.facet#tag"][1]["tag"] == "PetitDéjeuner"
    assert sliced["app.bsky.richtext.facet#mention"] == (
        f"@{bob.handle}",
        {"$type": "app.bsky.richtext.facet#mention", "did": bob.did},
    )
    # @personne.test does not exist: it stays plain text (3 facets, not 4); the card failed: no embed
    assert len(record["facets"]) == 3
    assert "embed" not in record
    assert published.url == f"https://bsky.app/profile/{alice.did}/post/{rkey_of(published.remote_id)}"


@pytest.mark.parametrize(
    ("post_language", "account_language", "langs"),
    [("fr-CA", None, ["fr-CA"]), ("fr-CA", "en", ["fr-CA"]), (None, "fr", ["fr"]), (None, None, None)],
)
def test_langs_are_the_posts_language_else_the_accounts_else_none(
    devenv: DevEnv,
    alice: Account,
    make_adapter: Callable[..., BlueskyNetwork],
    post_language: str | None,
    account_language: str | None,
    langs: list[str] | None,
) -> None:
    post = outgoing("Bonjour à tous", thread=("Et voici la suite",), language=post_language)
    make_adapter(language=account_language, link_cards=False).publish(post)
    for part in range(2):  # the post and its thread part alike
        uri = f"at://{alice.did}/{POST_NSID}/{record_key(post.key, part, post.due_at)}"
        assert get_raw(devenv, uri)["value"].get("langs") == langs


def test_thread_parts_reply_to_root_and_previous(
    devenv: DevEnv, alice: Account, make_adapter: Callable[..., BlueskyNetwork]
) -> None:
    post = outgoing("1/3 Le fil commence", thread=("2/3 la suite", "3/3 la fin 🎉"))
    published = make_adapter().publish(post)
    uris = [f"at://{alice.did}/{POST_NSID}/{record_key(post.key, i, post.due_at)}" for i in range(3)]
    assert published.remote_id == uris[0]
    records = [get_raw(devenv, uri) for uri in uris]
    assert [r["value"]["text"] for r in records] == [post.text, *post.thread]
    assert "reply" not in records[0]["value"]
    root = {"uri": records[0]["uri"], "cid": records[0]["cid"]}
    assert untyped(records[1]["value"]["reply"]) == {"root": root, "parent": root}
    assert untyped(records[2]["value"]["reply"]) == {
        "root": root,
        "parent": {"uri": records[1]["uri"], "cid": records[1]["cid"]},
    }


def test_images_with_alt_text_and_reencoding_of_a_large_one(
    devenv: DevEnv, alice: Account, make_adapter: Callable[..., BlueskyNetwork], tmp_path: Path
) -> None:
    small = tmp_path / "petit.png"
    small.write_bytes(png_bytes(64, 48))
    big = tmp_path / "grand.png"
    big.write_bytes(png_bytes(900, 700, noise=True))
    assert big.stat().st_size > MAX_IMAGE_BYTES  # noise does not compress: about 1.9 MB
    post = outgoing(
        "Deux photos 📷",
        media=(Media(str(small), "Un croissant doré"), Media(str(big), "Du bruit, beaucoup de bruit")),
    )
    published = make_adapter().publish(post)
    embed = get_raw(devenv, published.remote_id)["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    first, second = embed["images"]
    assert first["alt"] == "Un croissant doré"
    assert first["image"]["mimeType"] == "image/png"
    assert first["image"]["size"] == small.stat().st_size
    assert untyped(first["aspectRatio"]) == {"width": 64, "height": 48}
    assert second["alt"] == "Du bruit, beaucoup de bruit"
    assert second["image"]["mimeType"] == "image/jpeg"
    assert second["image"]["size"] <= MAX_IMAGE_BYTES
    assert untyped(second["aspectRatio"]) == {"width": 900, "height": 700}
    # the blobs are really stored on the PDS, with the sizes the record claims
    for image in (first, second):
        blob = httpx.get(
            f"{devenv.pds_url}/xrpc/com.atproto.sync.getBlob",
            params={"did": alice.did, "cid": image["image"]["ref"]["$link"]},
        )
        assert blob.status_code == 200
        assert len(blob.content) == image["image"]["size"]
    assert Image.open(io.BytesIO(blob.content)).format == "JPEG"


def test_link_card_from_a_page_with_open_graph_tags(
    devenv: DevEnv, make_adapter: Callable[..., BlueskyNetwork]
) -> None:
    thumb = png_bytes(120, 63)
    page = (
        "<!doctype html><html><head><title>Titre HTML</title>"
        '<meta property="og:title" content="La Brûlerie — nouveautés">'
        '<meta property="og:description" content="Cafés d’origine, torréfiés ici.">'
        '<meta property="og:image" content="/img/vignette.png"></head><body>…</body></html>'
    )

    def answer(request: Request) -> Reply:
        if request.path == "/img/vignette.png":
            return Reply(200, thumb, headers={"Content-Type": "image/png"})
        return Reply(200, page.encode(), headers={"Content-Type": "text/html; charset=utf-8"})

    with LocalServer() as site:
        site.respond(answer)
        link = f"{site.url}/nouveautes"
        published = make_adapter(allow_private_links=True).publish(outgoing(f"À lire : {link}"))
        assert [r.path for r in site.requests] == ["/nouveautes", "/img/vignette.png"]
    embed = get_raw(devenv, published.remote_id)["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    external = embed["external"]
    assert external["uri"] == link
    assert external["title"] == "La Brûlerie — nouveautés"
    assert external["description"] == "Cafés d’origine, torréfiés ici."
    assert external["thumb"]["mimeType"] == "image/png"
    assert external["thumb"]["size"] == len(thumb)


def test_link_card_degrades_to_a_plain_link_when_the_page_is_unreachable(
    devenv: DevEnv, make_adapter: Callable[..., BlueskyNetwork]
) -> None:
    link = f"http://127.0.0.1:{free_port()}/ferme"  # nothing listens there
    started = time.monotonic()
    published = make_adapter(allow_private_links=True).publish(outgoing(f"Lien mort : {link}"))
    assert time.monotonic() - started < 5
    record = get_raw(devenv, published.remote_id)["value"]
    assert "embed" not in record
    assert record["facets"][0]["features"][0] == {"$type": "app.bsky.richtext.facet#link", "uri": link}


def test_link_cards_off_fetches_nothing(devenv: DevEnv, make_adapter: Callable[..., BlueskyNetwork]) -> None:
    with LocalServer() as site:
        published = make_adapter(link_cards=False).publish(outgoing(f"Sans carte {site.url}/x"))
        assert site.requests == []
    assert "embed" not in get_raw(devenv, published.remote_id)["value"]


def card_page(title: str, image: str | None = None) -> Reply:
    meta = f'<meta property="og:image" content="{image}">' if image else ""
    body = f'<!doctype html><html><head><meta property="og:title" content="{title}">{meta}</head></html>'
    return Reply(200, body.encode(), headers={"Content-Type": "text/html; charset=utf-8"})


@pytest.mark.parametrize(
    "case", ["loopback", "redirect-into-loopback", "private-name", "ipv4-mapped", "metadata", "other-port"]
)
def test_a_link_card_that_would_reach_inside_the_machine_is_refused_and_the_post_goes_out_without_it(
    devenv: DevEnv,
    make_adapter: Callable[..., BlueskyNetwork],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    """No real DNS: socket.getaddrinfo answers for the example names, and a public-looking address
    is dialled to a local server (tests/support/fetching.py)."""
    with LocalServer() as inside, LocalServer() as outside:
        inside.respond(card_page("Console d'administration", "/secret.png"))
        outside.respond(Reply(302, b"", headers={"Location": f"{inside.url}/admin"}))
        names = Names({"news.example": [[PUBLIC]], "intranet.example": [["10.20.30.40"]]})
        dialler = Dialler({(PUBLIC, 80): int(outside.url.rsplit(":", 1)[1])})
        monkeypatch.setattr(socket, "getaddrinfo", names.getaddrinfo(socket.getaddrinfo))
        monkeypatch.setattr(fetching, "new_backend", lambda: dialler)
        port = inside.url.rsplit(":", 1)[1]
        link, reason = {
            "loopback": (f"{inside.url}/admin", "127.0.0.1 is not a public address (127.0.0.1: loopback)"),
            "redirect-into-loopback": ("http://news.example/story", "127.0.0.1 is not a public address"),
            "private-name": ("http://intranet.example/wiki", "intranet.example is not a public address (10.20.30.40"),
            "ipv4-mapped": (f"http://[::ffff:127.0.0.1]:{port}/admin", "(::ffff:7f00:1: loopback)"),
            "metadata": ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
            "other-port": (f"http://news.example:{port}/admin", f"port {port} is not allowed"),
        }[case]
        with caplog.at_level(logging.WARNING, logger="socialpost.networks.bluesky"):
            published = make_adapter().publish(outgoing(f"À lire : {link}"))
        assert inside.requests == []
        assert [r.path for r in outside.requests] == (["/story"] if case == "redirect-into-loopback" else [])
    record = get_raw(devenv, published.remote_id)["value"]
    assert "embed" not in record
    assert record["facets"][0]["features"][0] == {"$type": "app.bsky.richtext.facet#link", "uri": link}
    assert published.note.startswith("no link card: ") and reason in published.note
    assert reason in caplog.text


def test_a_relative_card_image_is_resolved_against_the_page_after_its_redirects(
    devenv: DevEnv, make_adapter: Callable[..., BlueskyNetwork]
) -> None:
    thumb = png_bytes(120, 63)
    answers = {
        "/nouveautes": Reply(301, b"", headers={"Location": "/blog/2026/nouveautes"}),
        "/blog/2026/nouveautes": card_page("Nouveautés", "vignette.png"),
        "/blog/2026/vignette.png": Reply(200, thumb, headers={"Content-Type": "image/png"}),
    }
    with LocalServer() as site:
        site.respond(lambda request: answers.get(request.path, Reply(404, "absent")))
        published = make_adapter(allow_private_links=True).publish(outgoing(f"À lire : {site.url}/nouveautes"))
        assert [r.path for r in site.requests] == ["/nouveautes", "/blog/2026/nouveautes", "/blog/2026/vignette.png"]
    external = get_raw(devenv, published.remote_id)["value"]["embed"]["external"]
    assert external["uri"] == f"{site.url}/nouveautes" and external["title"] == "Nouveautés"
    assert external["thumb"]["size"] == len(thumb)
    assert published.note == ""


def test_a_card_image_over_the_cap_is_refused_and_the_card_goes_without_it(
    devenv: DevEnv, make_adapter: Callable[..., BlueskyNetwork]
) -> None:
    answers = {
        "/page": card_page("Grande image", "/huge.png"),
        "/huge.png": Reply(
            200, b"\x89PNG\r\n\x1a\n" + b"0" * CARD_MAX_IMAGE_BYTES, headers={"Content-Type": "image/png"}
        ),
    }
    with LocalServer() as site:
        site.respond(lambda request: answers[request.path])
        published = make_adapter(allow_private_links=True).publish(outgoing(f"Voir {site.url}/page"))
    external = get_raw(devenv, published.remote_id)["value"]["embed"]["external"]
    assert external["title"] == "Grande image" and "thumb" not in external
    assert (
        published.note
        == "the link card has no image: the answer is larger than 5,000,000 bytes; socialpost stops there."
    )


def test_metrics_count_likes_reposts_and_replies(
    devenv: DevEnv, bob: Account, make_adapter: Callable[..., BlueskyNetwork]
) -> None:
    from atproto import models

    adapter = make_adapter()
    published = make_adapter().publish(outgoing("Aimez-moi 💙"))
    first = get_raw(devenv, published.remote_id)
    subject = {"uri": first["uri"], "cid": first["cid"]}
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    for collection, record in (
        ("app.bsky.feed.like", {"subject": subject, "createdAt": now}),
        ("app.bsky.feed.repost", {"subject": subject, "createdAt": now}),
        (POST_NSID, {"text": "Merci !", "createdAt": now, "reply": {"root": subject, "parent": subject}}),
    ):
        bob.client.com.atproto.repo.create_record(
            models.ComAtprotoRepoCreateRecord.Data(
                repo=bob.did, collection=collection, record={"$type": collection, **record}
            )
        )
    deadline = time.monotonic() + 10
    metrics: dict[str, dict[str, int | None]] = {}
    while time.monotonic() < deadline:
        metrics = adapter.fetch_metrics([published.remote_id])
        got = metrics.get(published.remote_id, {})
        if got.get("likes") == 1 and got.get("reposts") == 1 and got.get("replies") == 1:
            break
        time.sleep(0.2)
    got = metrics[published.remote_id]
    assert got["likes"] == 1
    assert got["reposts"] == 1
    assert got["replies"] == 1
    assert got["quotes"] == 0
    assert got["views"] is None
    assert got["clicks"] is None
    assert got["bookmarks"] is None or isinstance(got["bookmarks"], int)
    # the bsky.app URL of the same post gives the same numbers; an unknown post is simply absent
    web = adapter.fetch_metrics([published.url or "", f"at://{bob.did}/{POST_NSID}/3zzzzzzzzzzz2"])
    assert list(web) == [published.url]
    assert web[published.url or ""]["likes"] == 1


CRASHER = """
import json, os, signal, sys
from datetime import datetime
from pathlib import Path
import httpx
from socialpost.networks.base import AdapterContext, OutgoingPost
from socialpost.networks.bluesky import BlueskyNetwork, BlueskySettings

cfg = json.loads(sys.argv[1])
creates = 0

class KillAfterCreate(httpx.HTTPTransport):
    def handle_request(self, request):
        global creates
        response = super().handle_request(request)
        if request.url.path.endswith("/com.atproto.repo.createRecord"):
            creates += 1
            if creates == cfg["kill_after"]:
                response.read()
                os.kill(os.getpid(), signal.SIGKILL)  # the record is stored; we die before using the answer
        return response

BlueskyNetwork.transport = KillAfterCreate()
settings = BlueskySettings(handle=cfg["handle"], app_password=cfg["password"], pds_url=cfg["pds"])
adapter = BlueskyNetwork(account="bluesky:main", settings=settings,
                         context=AdapterContext(data_dir=Path(cfg["data"]), base_dir=Path(cfg["data"])))
post = OutgoingPost(key=cfg["key"], campaign="c", post_id="p", account="bluesky:main", text=cfg["text"],
                    due_at=datetime.fromisoformat(cfg["due"]), thread=tuple(cfg["thread"]))
adapter.publish(post)
print("NOT KILLED")
"""


def publish_and_die(devenv: DevEnv, account: Account, data: Path, post: OutgoingPost, kill_after: int) -> None:
    cfg = {
        "handle": account.handle,
        "password": account.app_password,
        "pds": devenv.pds_url,
        "data": str(data),
        "key": post.key,
        "text": post.text,
        "thread": list(post.thread),
        "due": post.due_at.isoformat(),
        "kill_after": kill_after,
    }
    done = subprocess.run(
        [sys.executable, "-c", CRASHER, json.dumps(cfg)], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr


def test_killed_between_create_and_record_is_settled_by_reconcile(
    devenv: DevEnv, alice: Account, make_adapter: Callable[..., BlueskyNetwork], tmp_path: Path
) -> None:
    post = outgoing("Publié, puis le processus est mort 💀")
    publish_and_die(devenv, alice, tmp_path / "data", post, kill_after=1)
    adapter = make_adapter()  # "after the restart"
    found = adapter.reconcile(post)
    expected = f"at://{alice.did}/{POST_NSID}/{record_key(post.key, 0, post.due_at)}"
    assert found == Published(remote_id=expected, url=f"https://bsky.app/profile/{alice.did}/post/{rkey_of(expected)}")
    assert get_raw(devenv, expected)["value"]["text"] == post.text
    # and a post that never went out is proven absent
    never = adapter.reconcile(outgoing("jamais envoyé"))
    assert isinstance(never, NotSent)
    # publishing the settled post again creates nothing new
    before = len(list_posts(devenv, alice.did))
    assert adapter.publish(post).remote_id == expected
    assert len(list_posts(devenv, alice.did)) == before


def test_republishing_a_thread_cut_short_creates_no_duplicates(
    devenv: DevEnv, alice: Account, make_adapter: Callable[..., BlueskyNetwork], tmp_path: Path
) -> None:
    post = outgoing("Fil 1/3", thread=("Fil 2/3", "Fil 3/3"))
    before = len(list_posts(devenv, alice.did))
    publish_and_die(devenv, alice, tmp_path / "data", post, kill_after=2)
    assert len(list_posts(devenv, alice.did)) == before + 2
    adapter = make_adapter()
    assert adapter.reconcile(post) is None  # partly online: the daemon sends again (idempotent)
    published = adapter.publish(post)
    posts = list_posts(devenv, alice.did)
    assert len(posts) == before + 3
    texts = Counter(p["value"]["text"] for p in posts)
    assert texts["Fil 1/3"] == texts["Fil 2/3"] == texts["Fil 3/3"] == 1
    third = get_raw(devenv, f"at://{alice.did}/{POST_NSID}/{record_key(post.key, 2, post.due_at)}")
    second = get_raw(devenv, f"at://{alice.did}/{POST_NSID}/{record_key(post.key, 1, post.due_at)}")
    assert third["value"]["reply"]["root"]["uri"] == published.remote_id
    assert untyped(third["value"]["reply"]["parent"]) == {"uri": second["uri"], "cid": second["cid"]}
    assert isinstance(adapter.reconcile(post), Published)


def test_a_lost_answer_is_recovered_without_a_duplicate(
    devenv: DevEnv, alice: Account, make_adapter: Callable[..., BlueskyNetwork], monkeypatch: pytest.MonkeyPatch
) -> None:
    losing = LosingTransport()
    monkeypatch.setattr(BlueskyNetwork, "transport", losing)
    before = len(list_posts(devenv, alice.did))
    post = outgoing("La réponse se perd en route")
    published = make_adapter().publish(post)
    assert losing.calls["com.atproto.repo.createRecord"] == 1
    assert published.remote_id.endswith(record_key(post.key, 0, post.due_at))
    assert len(list_posts(devenv, alice.did)) == before + 1


def test_session_is_saved_0600_and_reused_without_logging_in_again(
    devenv: DevEnv, alice: Account, make_adapter: Callable[..., BlueskyNetwork], transport: CountingTransport
) -> None:
    first = make_adapter()
    first.publish(outgoing("premier"))
    assert transport.calls["com.atproto.server.createSession"] == 1
    path = first.session_path
    assert path.name == "bluesky-main.session"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert alice.app_password not in path.read_text()
    second = make_adapter()  # another process, later
    second.publish(outgoing("second"))
    assert second.health().details["handle"] == alice.handle
    assert transport.calls["com.atproto.server.createSession"] == 1


def test_an_expired_access_token_is_refreshed_and_saved(
    devenv: DevEnv, make_adapter: Callable[..., BlueskyNetwork], transport: CountingTransport
) -> None:
    first = make_adapter()
    first.health()
    document = json.loads(first.session_path.read_text())
    handle, did, access, refresh, pds = document["session"].split(":::")
    header, _, signature = access.split(".")
    payload = json.loads(_b64d(access.split(".")[1]))
    payload["exp"] = int(time.time()) - 60
    expired = f"{header}.{_b64e(json.dumps(payload).encode())}.{signature}"
    document["session"] = ":::".join((handle, did, expired, refresh, pds))
    first.session_path.write_text(json.dumps(document))
    make_adapter().publish(outgoing("après rafraîchissement"))
    assert transport.calls["com.atproto.server.createSession"] == 1  # only the first adapter's
    assert transport.calls["com.atproto.server.refreshSession"] == 1
    saved = json.loads(first.session_path.read_text())["session"].split(":::")
    assert saved[2] != expired and saved[3] != refresh


def test_a_session_the_server_rejects_leads_to_one_new_login(
    devenv: DevEnv, make_adapter: Callable[..., BlueskyNetwork], transport: CountingTransport
) -> None:
    first = make_adapter()
    first.health()
    document = json.loads(first.session_path.read_text())
    parts = document["session"].split(":::")
    header, payload, _ = parts[2].split(".")
    parts[2] = f"{header}.{payload}.{_b64e(b'not-the-signature')}"
    document["session"] = ":::".join(parts)
    first.session_path.write_text(json.dumps(document))
    make_adapter().publish(outgoing("nouvelle session"))
    assert transport.calls["com.atproto.server.createSession"] == 2
    assert json.loads(first.session_path.read_text())["session"].split(":::")[2] != parts[2]


def test_check_says_who_we_post_as(devenv: DevEnv, alice: Account, make_adapter: Callable[..., BlueskyNetwork]) -> None:
    identity = make_adapter().health()
    assert identity.display == f"@{alice.handle}"
    assert identity.details["handle"] == alice.handle
    assert identity.details["DID"] == alice.did
    assert identity.details["PDS"].startswith("http://localhost:") or identity.details["PDS"] == devenv.pds_url
    assert identity.details["password"] == "app password"


def test_a_wrong_password_is_an_auth_error_that_never_shows_it(
    devenv: DevEnv, make_adapter: Callable[..., BlueskyNetwork], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "abcd-efgh-ijkl-mnop"
    with pytest.raises(AuthError) as caught:
        make_adapter(password=wrong).publish(outgoing("refusé"))
    assert "refused" in str(caught.value)
    assert "App passwords" in str(caught.value)
    assert wrong not in str(caught.value)
    assert wrong not in caplog.text


def test_the_server_reason_is_passed_on_when_it_rejects_a_record(
    devenv: DevEnv, make_adapter: Callable[..., BlueskyNetwork], monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = make_adapter()
    monkeypatch.setattr(adapter, "_check_lengths", lambda parts: None)  # let the server judge
    with pytest.raises(ContentRejected) as caught:
        adapter.publish(outgoing("x" * 301))
    assert "grapheme too big (maximum 300, got 301)" in str(caught.value)


def test_main_password_use_is_reported_by_check(
    devenv: DevEnv, alice: Account, make_adapter: Callable[..., BlueskyNetwork]
) -> None:
    identity = make_adapter(password=alice.password).health()
    assert "main password" in identity.details["password"]


class ScriptedUI:
    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.said: list[str] = []
        self.urls: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)

    def ask(self, prompt: str, *, default: str | None = None) -> str:
        return self.answers.pop(0)

    def ask_secret(self, prompt: str) -> str:
        return self.answers.pop(0)

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        return default

    def choose(self, prompt: str, options: Any) -> str:
        return str(options[0][0])

    def open_url(self, url: str) -> None:
        self.urls.append(url)


def test_setup_accepts_an_app_password_and_check_reuses_its_session(
    devenv: DevEnv, alice: Account, tmp_path: Path, transport: CountingTransport
) -> None:
    context = AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path)
    ui = ScriptedUI([f"@{alice.handle}", alice.app_password, devenv.pds_url])
    result = BlueskyNetwork.setup(ui, account="bluesky:main", context=context)
    assert result.settings == {"handle": alice.handle, "pds_url": devenv.pds_url}
    assert result.secrets == {"app_password": alice.app_password}
    assert "Privacy and security → App passwords" in ui.said[0]
    assert ui.urls == ["https://bsky.app/settings/app-passwords"]
    settings = BlueskySettings.model_validate({**result.settings, **result.secrets})
    adapter = BlueskyNetwork(account="bluesky:main", settings=settings, context=context)
    try:
        assert adapter.health().details["DID"] == alice.did
    finally:
        adapter.close()
    assert transport.calls["com.atproto.server.createSession"] == 1


def test_setup_refuses_the_main_password(devenv: DevEnv, alice: Account, tmp_path: Path) -> None:
    context = AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path)
    ui = ScriptedUI([alice.handle, alice.password, devenv.pds_url])
    with pytest.raises(AuthError) as caught:
        BlueskyNetwork.setup(ui, account="bluesky:main", context=context)
    assert "main password" in str(caught.value)
    assert "Settings → Privacy and security → App passwords" in str(caught.value)
    assert alice.password not in str(caught.value)
    assert not (tmp_path / "data" / "sessions" / "bluesky-main.session").exists()


def _b64d(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64e(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# --- the real SDK against a faked socket (respx) -----------------------------------------------

PDS = "https://pds.example.test"
XRPC = f"{PDS}/xrpc"
PASSWORD = "wxyz-2345-abcd-6789"


def fake_jwt(scope: str = "com.atproto.appPass", *, exp_in: int = 7200) -> str:
    claims = {"scope": scope, "sub": "did:plc:alice", "iat": int(time.time()), "exp": int(time.time()) + exp_in}
    header = _b64e(json.dumps({"typ": "at+jwt", "alg": "ES256K"}).encode())
    return f"{header}.{_b64e(json.dumps(claims).encode())}.c2ln"


ACCESS = fake_jwt()
REFRESH = fake_jwt("com.atproto.refresh")


def xrpc_error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "message": message}, headers=headers or {})


@pytest.fixture
def mocked(tmp_path: Path) -> Iterator[tuple[respx.MockRouter, BlueskyNetwork]]:
    settings = BlueskySettings(handle="alice.example.test", app_password=PASSWORD, pds_url=PDS)
    adapter = BlueskyNetwork(
        account="bluesky:main",
        settings=settings,
        context=AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path, clock=lambda: datetime.now(UTC)),
    )
    with respx.mock(base_url=XRPC, assert_all_called=False) as router:
        router.post("/com.atproto.server.createSession", name="login").respond(
            200,
            json={"accessJwt": ACCESS, "refreshJwt": REFRESH, "handle": "alice.example.test", "did": "did:plc:alice"},
        )
        router.get("/com.atproto.repo.getRecord", name="get").mock(
            return_value=xrpc_error(400, "RecordNotFound", "Could not locate record")
        )
        yield router, adapter
    adapter.close()


def test_429_becomes_rate_limited_with_the_reset_time(
    mocked: tuple[respx.MockRouter, BlueskyNetwork], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    router, adapter = mocked
    reset = int(time.time()) + 900
    router.post("/com.atproto.repo.createRecord").mock(
        return_value=xrpc_error(
            429,
            "RateLimitExceeded",
            "Rate Limit Exceeded",
            {
                "ratelimit-limit": "5000",
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(reset),
                "ratelimit-policy": "5000;w=3600",
            },
        )
    )
    with pytest.raises(RateLimited) as caught:
        adapter.publish(outgoing("trop vite"))
    assert caught.value.retry_at == datetime.fromtimestamp(reset, UTC)
    assert caught.value.status == 429
    assert "RateLimitExceeded" in str(caught.value)
    for secret in (PASSWORD, ACCESS, REFRESH):
        assert secret not in str(caught.value)
        assert secret not in caplog.text


def test_429_with_only_retry_after(mocked: tuple[respx.MockRouter, BlueskyNetwork]) -> None:
    router, adapter = mocked
    router.post("/com.atproto.server.createSession", name="login").mock(
        return_value=xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", {"retry-after": "120"})
    )
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as caught:
        adapter.health()
    assert caught.value.retry_at is not None
    assert before + timedelta(seconds=119) <= caught.value.retry_at <= datetime.now(UTC) + timedelta(seconds=121)


def test_a_5xx_is_transient_after_checking_the_record_is_not_there(
    mocked: tuple[respx.MockRouter, BlueskyNetwork],
) -> None:
    router, adapter = mocked
    router.post("/com.atproto.repo.createRecord").mock(
        return_value=xrpc_error(503, "InternalServerError", "Internal Server Error", {"retry-after": "30"})
    )
    before = datetime.now(UTC)
    with pytest.raises(TransientError) as caught:
        adapter.publish(outgoing("serveur en panne"))
    assert not isinstance(caught.value, RateLimited)
    assert caught.value.request_sent is True
    assert caught.value.status == 503
    assert caught.value.retry_at is not None and caught.value.retry_at >= before + timedelta(seconds=29)
    assert router["get"].call_count == 2  # before creating, and after the failure


def test_a_502_and_a_dropped_connection_are_transient(mocked: tuple[respx.MockRouter, BlueskyNetwork]) -> None:
    router, adapter = mocked
    route = router.post("/com.atproto.repo.createRecord")
    route.mock(return_value=httpx.Response(502, text="Bad Gateway"))
    with pytest.raises(TransientError) as caught:
        adapter.publish(outgoing("passerelle"))
    assert caught.value.status == 502
    route.mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(TransientError) as caught:
        adapter.publish(outgoing("délai"))
    assert caught.value.request_sent is True


def test_an_unreachable_server_is_transient_and_nothing_was_sent(
    mocked: tuple[respx.MockRouter, BlueskyNetwork],
) -> None:
    router, adapter = mocked
    router.post("/com.atproto.server.createSession", name="login").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransientError) as caught:
        adapter.publish(outgoing("hors ligne"))
    assert caught.value.request_sent is False
    assert "cannot connect" in str(caught.value)


def test_an_invalid_record_is_rejected_with_the_server_message(
    mocked: tuple[respx.MockRouter, BlueskyNetwork],
) -> None:
    router, adapter = mocked
    router.post("/com.atproto.repo.createRecord").mock(
        return_value=xrpc_error(400, "InvalidRecord", "Invalid app.bsky.feed.post record: Record/langs is invalid")
    )
    with pytest.raises(ContentRejected) as caught:
        adapter.publish(outgoing("langue"))
    assert "Record/langs is invalid" in str(caught.value)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        # the server's own words (message) echo the session's token and the app password; the token
        # straddles the point where the message is cut, so cutting first would leave half of it
        (
            xrpc_error(400, "InvalidRecord", "x" * 490 + f"{ACCESS} (password {PASSWORD}, refresh {REFRESH})"),
            ContentRejected,
        ),
        # a body that is not JSON at all
        (httpx.Response(502, text=f"upstream said: token={ACCESS}; {REFRESH}"), TransientError),
    ],
)
def test_a_token_the_server_echoes_in_its_words_is_blanked_from_the_error(
    mocked: tuple[respx.MockRouter, BlueskyNetwork], answer: httpx.Response, error: type[Exception]
) -> None:
    router, adapter = mocked
    router.post("/com.atproto.repo.createRecord").mock(return_value=answer)
    with pytest.raises(error) as caught:
        adapter.publish(outgoing("écho"))
    assert isinstance(caught.value, NetworkError)
    shown = f"{caught.value.message} {caught.value.hint or ''}"
    assert "[redacted]" in shown
    for secret in (ACCESS, REFRESH, PASSWORD):
        assert secret not in shown and secret[:12] not in shown


def test_an_oversized_upload_is_rejected(mocked: tuple[respx.MockRouter, BlueskyNetwork], tmp_path: Path) -> None:
    router, adapter = mocked
    router.post("/com.atproto.repo.uploadBlob").mock(
        return_value=xrpc_error(413, "PayloadTooLarge", "request entity too large")
    )
    image = tmp_path / "a.png"
    image.write_bytes(png_bytes(10, 10))
    with pytest.raises(ContentRejected) as caught:
        adapter.publish(outgoing("image", media=(Media(str(image), "a"),)))
    assert "413" in str(caught.value)


def test_the_main_password_with_two_factor_sign_in_is_explained(
    mocked: tuple[respx.MockRouter, BlueskyNetwork],
) -> None:
    router, adapter = mocked
    router.post("/com.atproto.server.createSession", name="login").mock(
        return_value=xrpc_error(401, "AuthFactorTokenRequired", "A sign in code has been sent to your email address")
    )
    with pytest.raises(AuthError) as caught:
        adapter.health()
    text = str(caught.value)
    assert "main password" in text
    assert "Settings → Privacy and security → App passwords" in text
    assert PASSWORD not in text


def test_a_refused_login_is_an_auth_error(mocked: tuple[respx.MockRouter, BlueskyNetwork]) -> None:
    router, adapter = mocked
    router.post("/com.atproto.server.createSession", name="login").mock(
        return_value=xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
    )
    with pytest.raises(AuthError) as caught:
        adapter.publish(outgoing("x"))
    assert "Invalid identifier or password" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(adapter.settings)


def test_metrics_are_read_25_uris_at_a_time(mocked: tuple[respx.MockRouter, BlueskyNetwork]) -> None:
    router, adapter = mocked
    uris = [f"at://did:plc:alice/{POST_NSID}/{record_key('sp-metrics', i, DUE)}" for i in range(30)]

    def answer(request: httpx.Request) -> httpx.Response:
        asked = request.url.params.get_list("uris")
        assert len(asked) <= 25
        posts = [
            {
                "uri": uri,
                "cid": "bafyreib2rxk3rh6kzwq",
                "author": {"did": "did:plc:alice", "handle": "alice.example.test"},
                "record": {"$type": POST_NSID, "text": "t", "createdAt": "2027-01-10T12:00:00.000Z"},
                "indexedAt": "2027-01-10T12:00:01.000Z",
                "likeCount": 3,
                "repostCount": 2,
                "replyCount": 1,
                "quoteCount": 0,
                **({"bookmarkCount": 4} if n == 0 else {}),
            }
            for n, uri in enumerate(asked)
        ]
        return httpx.Response(200, json={"posts": posts})

    route = router.get("/app.bsky.feed.getPosts").mock(side_effect=answer)
    metrics = adapter.fetch_metrics([*uris, "not-a-post-id"])
    assert route.call_count == 2
    assert set(metrics) == set(uris)
    assert metrics[uris[0]] == {
        "views": None,
        "likes": 3,
        "reposts": 2,
        "replies": 1,
        "quotes": 0,
        "bookmarks": 4,
        "clicks": None,
    }
    assert metrics[uris[1]]["bookmarks"] is None


# --- pure helpers ------------------------------------------------------------------------------


def test_record_keys_are_valid_deterministic_ordered_and_distinct() -> None:
    from atproto_client.models.string_formats import Tid
    from pydantic import TypeAdapter

    key = "sp-0123456789abcdef0123456789abcdef01234567"
    keys = [record_key(key, i, DUE) for i in range(5)]
    assert keys == [record_key(key, i, DUE) for i in range(5)]  # same post, same keys
    assert keys == sorted(keys) and len(set(keys)) == 5  # thread parts sort in order
    for tid in keys:
        assert is_valid_tid(tid)
        assert TypeAdapter(Tid).validate_python(tid, context={"strict_string_format": True}) == tid
        micros, _clock = decode_tid(tid)
        assert int(DUE.timestamp()) <= micros // 1_000_000 <= int(DUE.timestamp()) + 1
    # many posts due in the same second never share a key
    many = {record_key(f"sp-{n:040x}", i, DUE) for n in range(5000) for i in range(2)}
    assert len(many) == 10_000
    assert record_key(key, 0, DUE + timedelta(minutes=1)) != keys[0]


def test_tid_encoding_round_trips() -> None:
    tid = encode_tid(1_700_000_000_000_000, 513)
    assert len(tid) == 13 and decode_tid(tid) == (1_700_000_000_000_000, 513)
    assert encode_tid(0, 0) == "2222222222222"
    with pytest.raises(ValueError):
        encode_tid(1 << 53, 0)
    with pytest.raises(ValueError):
        decode_tid("not-a-tid")


def test_facet_offsets_count_utf8_bytes() -> None:
    text = "🥐é #Crème https://café.example/à et @bob.test @inconnu.test"
    facets = build_facets(text, lambda handle: "did:plc:bob" if handle == "bob.test" else None)
    data = text.encode()
    pieces = [data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in facets.facets]
    assert pieces == ["#Crème", "https://café.example/à", "@bob.test"]
    assert facets.first_link == "https://café.example/à"
    assert facets.facets[2]["features"] == [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"}]


def offline_adapter(tmp_path: Path, **more: Any) -> BlueskyNetwork:
    """Pointed at a closed port: any network use would fail with TransientError, not ContentRejected."""
    settings = BlueskySettings(
        handle="alice.example.test", app_password=PASSWORD, pds_url=f"http://127.0.0.1:{free_port()}", **more
    )
    return BlueskyNetwork(
        account="bluesky:main", settings=settings, context=AdapterContext(data_dir=tmp_path, base_dir=tmp_path)
    )


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("é" * 301, "301 graphemes, Bluesky allows 300"),
        ("👨‍👩‍👧‍👦" * 121, "3025 bytes (UTF-8), Bluesky allows 3000"),
    ],
)
def test_length_limits_are_checked_before_sending(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ContentRejected) as caught:
        offline_adapter(tmp_path).publish(outgoing("ok", thread=(text,)))
    assert named in str(caught.value)
    assert "part 2 of the thread" in str(caught.value)


def test_media_problems_are_rejected_before_sending(tmp_path: Path) -> None:
    adapter = offline_adapter(tmp_path)
    png = tmp_path / "ok.png"
    png.write_bytes(png_bytes(8, 8))
    with pytest.raises(ContentRejected, match="at most 4"):
        adapter.publish(outgoing("cinq", media=tuple(Media(str(png), "") for _ in range(5))))
    text = tmp_path / "notes.png"
    text.write_text("pas une image")
    with pytest.raises(ContentRejected, match=r"notes\.png cannot be used"):  # socialpost.media's neutral words
        adapter.publish(outgoing("texte", media=(Media(str(text), ""),)))
    bmp = tmp_path / "vieux.bmp"
    Image.new("RGB", (4, 4)).save(bmp, format="BMP")
    with pytest.raises(ContentRejected, match="BMP image; Bluesky takes JPEG, PNG, WebP or GIF"):
        adapter.publish(outgoing("bmp", media=(Media(str(bmp), ""),)))
    with pytest.raises(ContentRejected, match=r"absent\.jpg cannot be used"):
        adapter.publish(outgoing("absent", media=(Media("absent.jpg", ""),)))


def test_a_large_transparent_image_is_flattened_to_jpeg_under_the_limit() -> None:
    image = Image.frombytes("RGBA", (1200, 900), os.urandom(1200 * 900 * 4))
    out = io.BytesIO()
    image.save(out, format="PNG")
    assert len(out.getvalue()) > MAX_IMAGE_BYTES
    prepared = prepare_image(out.getvalue(), label="t.png")
    assert prepared.mime == "image/jpeg" and len(prepared.data) <= MAX_IMAGE_BYTES
    assert (prepared.width, prepared.height) == (1200, 900)


def test_fetch_card_reads_open_graph_then_falls_back_to_title() -> None:
    with LocalServer() as site:
        site.respond(
            Reply(
                200,
                b"<html><head><title> Simple  page </title><meta name='description' content='Desc'></head></html>",
                headers={"Content-Type": "text/html"},
            )
        )
        card = fetch_card(f"{site.url}/p", policy=FetchPolicy(allow_private=True))  # the site is on 127.0.0.1
    assert card is not None
    assert (card.title, card.description, card.image) == ("Simple page", "Desc", None)
    assert fetch_card("ftp://example.test/file") is None


def test_remote_ids_from_bsky_app_links() -> None:
    assert to_at_uri("https://bsky.app/profile/alice.test/post/3abc") == f"at://alice.test/{POST_NSID}/3abc"
    assert to_at_uri("at://did:plc:x/app.bsky.feed.post/3abc") == "at://did:plc:x/app.bsky.feed.post/3abc"
    assert to_at_uri("12345") is None


def test_settings_validate_and_hide_the_password() -> None:
    settings = BlueskySettings(
        handle=" @Alice.BSKY.social ", app_password=PASSWORD, pds_url="https://pds.example/xrpc/"
    )
    assert settings.handle == "alice.bsky.social"
    assert settings.pds_url == "https://pds.example"
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings.model_dump())
    with pytest.raises(ValueError):
        BlueskySettings(handle="alice.test", app_password=PASSWORD, pds_url="pds.example")
    with pytest.raises(ValueError):
        BlueskySettings(handle="alice.test", app_password=PASSWORD, language="français")
    with pytest.raises(ValueError):
        BlueskySettings(handle="alice.test", app_password=PASSWORD, unknown=1)  # type: ignore[call-arg]


def test_a_rejected_session_adopts_the_one_another_process_saved_else_logs_in(
    mocked: tuple[respx.MockRouter, BlueskyNetwork],
) -> None:
    router, adapter = mocked
    old, new = fake_jwt(exp_in=7100), fake_jwt(exp_in=7000)  # both unlike ACCESS (exp_in=7200)
    adapter._save_session(f"alice.example.test:::did:plc:alice:::{old}:::{REFRESH}:::{PDS}")

    def get_session(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == f"Bearer {old}":
            return xrpc_error(400, "ExpiredToken", "Token has expired")
        return httpx.Response(200, json={"handle": "alice.example.test", "did": "did:plc:alice"})

    router.get("/com.atproto.server.getSession").mock(side_effect=get_session)
    adapter._api()  # resumes the old session
    adapter._save_session(f"alice.example.test:::did:plc:alice:::{new}:::{REFRESH}:::{PDS}")  # "the daemon"
    assert adapter.health().details["DID"] == "did:plc:alice"
    assert router["login"].call_count == 0
    # the same again, but nobody saved a newer session: one login, then it works
    adapter._save_session(f"alice.example.test:::did:plc:alice:::{old}:::{REFRESH}:::{PDS}")
    adapter.close()
    assert adapter.health().details["handle"] == "alice.example.test"
    assert router["login"].call_count == 1


def test_the_entry_point_gives_the_adapter_and_the_config_validates(tmp_path: Path) -> None:
    from socialpost.networks.registry import load
    from socialpost.settings.config import Settings
    from socialpost.wiring import Adapters

    assert load("bluesky") is BlueskyNetwork
    settings = Settings(database_url="sqlite://", data_dir=tmp_path)
    settings.accounts = {"bluesky": {"acme": {"handle": "@Acme.bsky.social", "app_password": "${BSKY_PW}"}}}
    adapters = Adapters(settings, environ={"BSKY_PW": PASSWORD})
    try:
        adapter = adapters.get("bluesky:acme")
        assert isinstance(adapter, BlueskyNetwork)
        assert adapter.settings.handle == "acme.bsky.social"
        assert adapter.settings.app_password.get_secret_value() == PASSWORD
        assert adapter.session_path == tmp_path / "sessions" / "bluesky-acme.session"
        assert BlueskyNetwork.profile.idempotent is True and BlueskyNetwork.profile.max_length == 300
    finally:
        adapters.close()
