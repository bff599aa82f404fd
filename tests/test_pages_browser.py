"""The preview and calendar pages as headless Chromium lays them out (tests/support/browser.py):
every post of every example campaign drawn, nothing wider than a 400 px phone, screenshots at 400
and 1280 px that show something, in English and French."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import REPO
from tests.support import browser

pytestmark = pytest.mark.slow

EXAMPLES = sorted(p for p in (REPO / "campaigns").glob("*.yaml") if p.name != "broken.yaml")


def looks_drawn(png: Path, width: int, height: int) -> None:
    """A screenshot of the size asked for, with a page on it: many colours, no colour on nearly all of it."""
    with Image.open(png) as shot:
        assert shot.size == (width, height)
        rgb = shot.convert("RGB")
        pixels = [rgb.getpixel((x, y)) for y in range(0, height, 3) for x in range(0, width, 3)]  # a sample
    counts = Counter(pixels)
    assert len(counts) > 30, f"{png}: {len(counts)} colours"
    assert counts.most_common(1)[0][1] < 0.9 * len(pixels), f"{png}: one colour covers the page"


def no_overflow(page: Path, width: int) -> None:
    found = browser.measure(page, width)
    assert found["viewport_width"] == width
    assert found["scroll_width"] <= width, found
    assert found["overflowing"] == [], found


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_post_of_each_example_renders_and_fits_a_phone(run_cli, tmp_path: Path, example: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "preview.html"
    result = run_cli("preview", str(example), "--html", str(page))
    assert result.exit_code == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    shown = json.loads(run_cli("show", str(example), "--json").stdout)["posts"]
    assert shown
    for post in shown:  # every post, on every account, has its card
        section = html.split(f'<section class="post" id="{post["id"]}', 1)[1].split("</section>", 1)[0]
        assert f"</b> {post['account']}</span>" in section, post["ref"]
    no_overflow(page, 400)


def test_preview_screenshots_at_400_and_1280(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for lang in ("en", "fr"):
        page = tmp_path / f"preview-{lang}.html"
        campaign = REPO / "campaigns" / ("coffee-shop-launch.yaml" if lang == "en" else "lancement-boulangerie.yaml")
        assert run_cli("--lang", lang, "preview", str(campaign), "--html", str(page)).exit_code == 0
        for width in (400, 1280):
            looks_drawn(browser.screenshot(page, tmp_path / f"preview-{lang}-{width}.png", width), width, 900)
        no_overflow(page, 1280)
    no_overflow(tmp_path / "preview-fr.html", 400)


def test_calendar_page_fits_and_screenshots(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    campaigns = [REPO / "campaigns" / name for name in ("coffee-shop-launch.yaml", "webinar-series.yaml")]
    assert run_cli("schedule", *map(str, campaigns)).exit_code == 0
    for lang in ("en", "fr"):
        page = tmp_path / f"calendar-{lang}.html"
        assert run_cli("--lang", lang, "calendar", "--html", str(page)).exit_code == 0
        for width in (400, 1280):
            no_overflow(page, width)
            looks_drawn(browser.screenshot(page, tmp_path / f"calendar-{lang}-{width}.png", width), width, 900)
