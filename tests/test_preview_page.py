"""`socialpost preview`, run as a user runs it: the page of each post as each network shows it —
its lengths the very ones `show` measures, `validate`'s advice beside each card, images embedded
(made smaller when big), no network contacted — for a file and for the queue, in English and French.
The page as Chromium lays it out is tested in tests/test_pages_browser.py."""

from __future__ import annotations

import base64
import io
import json
import random
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from socialpost.settings.config import Settings
from tests.conftest import REPO

CAMPAIGN = """\
campaign: cafe
timezone: America/Montreal
accounts: [x:cafe, mastodon:cafe, bluesky:cafe, linkedin:cafe, instagram:cafe, telegram:news]
posts:
  - id: teaser
    at: 2027-03-02 09:00
    thread:
      - "Something new is brewing at Café Rivière #coffee https://example.com/roastery/first-batch-of-the-season"
      - "Come taste the first batch, on us. Butter or almond? Menu: cafe-riviere.ca/menu"
    media:
      - {file: img/croissants.jpg, alt: "A tray of golden croissants"}
      - {file: img/big.png, alt: ""}
  - id: announce
    at: 2027-03-04 11:30
    accounts: [bluesky:cafe, linkedin:cafe]
    text: >-
      After two years of planning, Café Rivière is opening its own small-batch roastery this
      Saturday. We will roast for our café first, then for local restaurants. We would love to
      hear from chefs and café owners in the area. https://example.com/roastery
  - id: tour
    at: 2027-03-06 10:00
    accounts: [youtube:cafe]
    text: "Come inside our new roastery. Which origin should we roast next?"
    video: {file: video/roastery-tour.mp4, title: "Inside our new roastery"}
"""


@pytest.fixture
def campaign(tmp_path: Path, settings: Settings) -> Path:
    folder = tmp_path / "campaigns"
    (folder / "img").mkdir(parents=True)
    (folder / "video").mkdir()
    shutil.copy(REPO / "campaigns" / "img" / "croissants.jpg", folder / "img" / "croissants.jpg")
    shutil.copy(REPO / "campaigns" / "video" / "roastery-tour.mp4", folder / "video" / "roastery-tour.mp4")
    noise = random.Random(21).randbytes(120 * 80 * 3)  # a photo-like PNG of 3 MB: it compresses badly
    Image.frombytes("RGB", (120, 80), noise).resize((1800, 1200), Image.Resampling.BICUBIC).save(
        folder / "img" / "big.png"
    )
    token = "-".join(("fake", "token", "for", "tests"))  # never a real one
    mastodon = {"api_base_url": "https://mastodon.example", "access_token": token, "spoiler_text": "Coffee talk"}
    settings.accounts = {"mastodon": {"cafe": mastodon}}
    path = folder / "cafe.yaml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    return path


def cards_of(page: str) -> dict[str, str]:
    """Each account card's markup (``<article class="net …">``), by ``POST@ACCOUNT``."""
    cards: dict[str, str] = {}
    for block in re.findall(r'<article class="net [^"]*".*?</article>', page, re.DOTALL):
        account = re.search(r"</b> ([a-z]+:[\w-]+)</span>", block)
        assert account is not None
        post = page[: page.index(block)].rsplit('<section class="post" id="', 1)[1].split('"', 1)[0]
        cards[f"{post}@{account[1]}"] = block
    return cards


def page_of(run_cli, *args: str, out: Path) -> str:  # type: ignore[no-untyped-def]
    result = run_cli("preview", *args, "--html", str(out))
    assert result.exit_code == 0, result.stderr
    return out.read_text(encoding="utf-8")


def test_each_post_drawn_as_each_network_shows_it(run_cli, campaign: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "preview.html"
    result = run_cli("preview", str(campaign), "--html", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote {out} (9 account previews)\n"
    page = out.read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html><html lang="en">') and "<script" not in page
    assert "http://" not in page.replace('href="https://', "")  # nothing loads from anywhere
    cards = cards_of(page)
    assert list(cards) == [
        "teaser@x:cafe",
        "teaser@mastodon:cafe",
        "teaser@bluesky:cafe",
        "teaser@linkedin:cafe",
        "teaser@instagram:cafe",
        "teaser@telegram:news",
        "announce@bluesky:cafe",
        "announce@linkedin:cafe",
        "tour@youtube:cafe",
    ]
    x = cards["teaser@x:cafe"]
    assert x.count('<div class="part">') == 2 and "1/2" in x and "2/2" in x  # the thread
    assert ">example.com/roastery/f…</a>" in x  # X shows 22 characters and an ellipsis of a link
    assert 'href="https://example.com/roastery/first-batch-of-the-season"' in x
    assert '<div class="grid n2">' in x and x.count(">ALT</span>") == 1 and "no ALT" in x
    assert '<span class="lnk">#coffee</span>' in x
    assert '<a class="lnk" href="https://cafe-riviere.ca/menu"' in x  # a bare domain is a link on X…
    assert "Menu: cafe-riviere.ca/menu" in cards["teaser@mastodon:cafe"]  # …not on Mastodon
    mastodon = cards["teaser@mastodon:cafe"]
    assert '<details class="cw"><summary>Coffee talk<span>Show more</span></summary>' in mastodon
    bluesky = cards["announce@bluesky:cafe"]
    assert 'class="card"' in bluesky and ">example.com</div>" in bluesky  # the link card, not fetched
    assert 'class="card"' not in cards["teaser@bluesky:cafe"]  # images: no link card
    linkedin = cards["announce@linkedin:cafe"]
    assert '<span class="more">… see more</span>' in linkedin and "about the first 210 characters" in linkedin
    instagram = cards["teaser@instagram:cafe"]
    assert '<div class="square"><div class="img"><img src="data:image/jpeg;base64,' in instagram
    assert '<div class="dots">●○</div>' in instagram
    youtube = cards["tour@youtube:cafe"]
    assert '<div class="title">Inside our new roastery</div>' in youtube and "title: 23 / 100 characters" in youtube
    assert "roastery-tour.mp4" in youtube
    telegram = cards["teaser@telegram:news"]
    assert "Something new is brewing" in telegram  # a plain card for the other networks


def test_lengths_are_the_ones_show_measures_and_advice_is_validates(run_cli, campaign: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cards = cards_of(page_of(run_cli, str(campaign), out=tmp_path / "p.html"))
    shown = json.loads(run_cli("show", str(campaign), "--json").stdout)["posts"]
    for post in shown:
        card = cards[f"{post['id']}@{post['account']}"]
        for part in post["parts"]:
            for measure in part["measures"]:
                figure = f"{measure['length']:,} / {measure['limit']:,} {measure['unit']}"
                assert figure in card, (post["ref"], figure)
    validated = json.loads(run_cli("validate", str(campaign), "--json").stdout)
    advice = [w for w in validated["warnings"] if w.get("rule") == "missing-alt"]
    assert advice, validated["warnings"]
    assert "[missing-alt]" in cards["teaser@x:cafe"] and "[missing-alt]" not in cards["announce@bluesky:cafe"]
    assert "[no-conversation]" in cards["announce@linkedin:cafe"]  # no question in it
    assert '<li class="len over">' not in cards["teaser@x:cafe"]


def test_images_are_embedded_and_big_ones_made_smaller(run_cli, campaign: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = page_of(run_cli, str(campaign), "teaser", out=tmp_path / "p.html")
    uris = re.findall(r'<img src="data:(image/[a-z]+);base64,([^"]+)"', page)
    assert {kind for kind, _ in uris} == {"image/jpeg"}
    small = (campaign.parent / "img" / "croissants.jpg").read_bytes()
    assert base64.b64encode(small).decode() in page  # a small image as it is
    big = (campaign.parent / "img" / "big.png").stat().st_size
    resized = [base64.b64decode(data) for _, data in uris if base64.b64encode(small).decode() != data]
    assert resized and all(len(data) < big / 4 for data in resized)
    with Image.open(io.BytesIO(resized[0])) as image:
        assert max(image.size) == 900 and image.size == (900, 600)


def test_preview_from_the_queue_and_mistakes(run_cli, campaign: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Instagram takes media by URL only (no media host here): schedule refuses it, preview does not
    campaign.write_text(CAMPAIGN.replace(" instagram:cafe,", ""), encoding="utf-8")
    assert run_cli("schedule", str(campaign)).exit_code == 0
    page = page_of(run_cli, "cafe", out=tmp_path / "q.html")
    assert "As the queue keeps them." in page and "teaser@x:cafe" in "".join(cards_of(page))
    one = cards_of(page_of(run_cli, "cafe", "announce", out=tmp_path / "one.html"))
    assert list(one) == ["announce@bluesky:cafe", "announce@linkedin:cafe"]
    missing = run_cli("preview", "nosuch", "--html", str(tmp_path / "n.html"))
    assert missing.exit_code != 0 and "no campaign 'nosuch' in the queue" in missing.stderr
    typo = run_cli("preview", str(campaign), "teasr", "--html", str(tmp_path / "t.html"))
    assert typo.exit_code != 0 and "Did you mean teaser?" in typo.stderr
    folder = run_cli("preview", str(campaign), "--html", str(tmp_path / "nowhere" / "p.html"))
    assert folder.exit_code == 2 and "does not exist" in folder.stderr


def test_french_page(run_cli, campaign: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fr.html"
    result = run_cli("--lang", "fr", "preview", str(campaign), "--html", str(out))
    assert result.exit_code == 0 and "aperçus de comptes" in result.stdout
    page = out.read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html><html lang="fr">') and "<h1>Aperçu : cafe</h1>" in page
    assert "… voir plus" in page, page
    assert "partie 1/2" in page
    assert "Aucun réseau n&#x27;a été contacté" in page


def test_a_media_file_the_daemon_would_refuse_is_named_not_drawn(run_cli, write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "gone.yaml",
        "campaign: gone\ntimezone: UTC\naccounts: [mastodon:cafe]\nposts:\n"
        '  - {id: one, at: 2027-03-02 09:00, text: "Look! What do you think?",'
        ' media: [{file: img/missing.jpg, alt: "A photo"}]}\n',
    )
    page = page_of(run_cli, str(path), out=tmp_path / "gone.html")
    card = cards_of(page)["one@mastodon:cafe"]
    assert '<div class="nofile">img/missing.jpg<br>' in card and "<img" not in card
    shown = json.loads(run_cli("show", str(path), "--json").stdout)["posts"][0]
    problem = shown["media"][0]["problem"]
    assert problem and f'<li class="error">{problem}' in card.replace("&#x27;", "'")  # show's very words
