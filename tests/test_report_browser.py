"""The HTML report as a client sees it: laid out, screenshotted and printed by real headless Chromium.

Three weeks of a campaign (tests/support/report_sample.py) on Mastodon, Bluesky and X with
engagement, photos, a post that failed, and an outbox and a webhook account that can have none;
written by ``socialpost report --html`` in English and French, with a brand from the config. At 400,
800 and 1280 px nothing is wider than the window and no chart is clipped; the screenshots show the
brand's colour and the charts; the PDF is A4 with a sane number of pages, and the print layout fits
A4's printable width.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.settings.brand import BrandSettings
from socialpost.settings.config import Settings
from socialpost.store.db import Store
from tests.conftest import FakeClock
from tests.support import browser
from tests.support.report_sample import NOW, START, seed_sample

REPO = Path(__file__).resolve().parent.parent
LOGO = REPO / "tests" / "data" / "brand" / "acme-coffee.svg"
BRAND = (0x8A, 0x4B, 0x24)
LANGS = pytest.mark.parametrize("lang", ["en", "fr"])
A4_PRINTABLE = 703  # CSS pixels: 210 mm less the page's two 12 mm margins, at 96 px an inch


def _write(settings: Settings, lang: str, page: Path) -> Any:
    app = AppContext(clock=FakeClock(NOW), settings_override=settings)
    result = CliRunner().invoke(cli, ["--lang", lang, "report", "--html", str(page)], obj=app, catch_exceptions=False)
    app.close()
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def branded(settings: Settings) -> Settings:
    brand = BrandSettings(name="Acme Coffee", colour="#8a4b24", logo=str(LOGO))
    return dataclasses.replace(settings, brand=brand, timezone="America/Montreal")


@pytest.fixture
def sample(store: Store) -> Store:
    seed_sample(store)
    return store


@pytest.fixture(params=["en", "fr"])
def report_page(request: pytest.FixtureRequest, sample: Store, branded: Settings, tmp_path: Path) -> tuple[str, Path]:
    page = tmp_path / f"report-{request.param}.html"
    _write(branded, request.param, page)
    return request.param, page


def test_what_the_client_reads(report_page: tuple[str, Path]) -> None:
    lang, page = report_page
    html = page.read_text(encoding="utf-8")
    assert "<h1>coffee-shop-launch</h1>" in html and '<p class="brand">Acme Coffee</p>' in html
    assert html.count('<img class="logo" src="data:image/svg+xml;base64,') == 1
    # texts and photos of the posts, embedded
    assert "single-origin Ethiopian roast" in html
    thumbnails = re.findall(r'<div class="pics"><img src="data:image/jpeg;base64,', html)
    assert len(thumbnails) >= 10
    assert all(src.startswith("data:image/") for src in re.findall(r'src="([^"]*)"', html))
    # local times with the zone named, never UTC
    assert "2027-03-01 09:00 EST" in html and " UTC" not in html
    assert ("heures de America/Montreal" if lang == "fr" else "times in America/Montreal") in html
    # the outbox and the webhook: said once, and left out of engagement
    notice = re.findall(r'<p class="notice" id="no-engagement">([^<]*)</p>', html)
    assert len(notice) == 1 and "outbox:newsletter, webhook:zapier" in notice[0]
    best = html.split('<ul class="best">', 1)[1].split("</ul>", 1)[0]
    assert "outbox:" not in best and "webhook:" not in best and "x:acme" in best
    # only the metrics a network gave: every one here is given by one of them
    for metric in ("views", "bookmarks", "clicks") if lang == "en" else ("vues", "clics"):
        assert f">{metric}</th>" in html
    if lang == "fr":
        assert ">publiée<" in html and "Réalisé avec socialpost" in html and ">lundi</text>" in html
        assert "Social media report" not in html and ">published<" not in html


def pdf_pages(pdf: Path) -> int:
    """How many pages a PDF printed by Chromium has: its page objects (``/Type /Page``; Chromium
    writes them uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))


def _colours(shot: Path) -> dict[tuple[int, int, int], int]:
    with Image.open(shot) as image:
        found = image.convert("RGB").getcolors(maxcolors=2_000_000) or []
    return {rgb: count for count, rgb in found}


def _near(colours: dict[tuple[int, int, int], int], target: tuple[int, int, int], within: int = 6) -> int:
    return sum(n for rgb, n in colours.items() if all(abs(a - b) <= within for a, b in zip(rgb, target, strict=True)))


@pytest.mark.parametrize("width", [400, 800, 1280])
def test_the_layout_fits_at_every_width(report_page: tuple[str, Path], tmp_path: Path, width: int) -> None:
    _lang, page = report_page
    measured = browser.measure(page, width)
    assert measured["viewport_width"] == width
    assert measured["scroll_width"] == width, measured  # no horizontal scrolling
    assert measured["overflowing"] == [], measured["overflowing"]  # nothing wider than the window, no chart cut

    shot = browser.screenshot(page, tmp_path / f"report-{width}.png", width, 1600)
    with Image.open(shot) as image:
        assert image.size == (width, 1600)
        stripe = image.convert("RGB").getpixel((width // 2, 14 if width <= 640 else 26))
    assert stripe == BRAND  # the brand's colour on top
    colours = _colours(shot)
    assert len(colours) > 200  # text, pictures and charts, not a blank page
    assert _near(colours, BRAND) > 3000  # the trend's bars, in the brand's colour, in the first 1600 px
    greens = [(0x13, 0x7A, 0x34), (0x34, 0xA0, 0x4F), (0x6C, 0xC1, 0x7C), (0xA8, 0xDC, 0xB0)]
    assert sum(_near(colours, g, 2) for g in greens) > 500  # heatmap cells


def test_it_prints_on_a4(report_page: tuple[str, Path], tmp_path: Path) -> None:
    _lang, page = report_page
    pdf = browser.print_pdf(page, tmp_path / "report.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = pdf_pages(pdf)
    assert 3 <= pages <= 12, pages  # 75 posts on two columns of cards; not one page a post, nor everything cut
    boxes = {
        tuple(round(float(n)) for n in box.split()[-2:]) for box in re.findall(rb"/MediaBox\s*\[([\d.\s]+)\]", data)
    }
    assert boxes == {(595, 842)}, boxes  # A4 portrait, in points

    # the print layout, laid out on screen at A4's printable width, fits it
    printed = page.read_text(encoding="utf-8").replace("@media print{", "@media all{")
    assert printed != page.read_text(encoding="utf-8")
    as_printed = tmp_path / "as-printed.html"
    as_printed.write_text(printed, encoding="utf-8")
    measured = browser.measure(as_printed, A4_PRINTABLE)
    assert measured["scroll_width"] == A4_PRINTABLE and measured["overflowing"] == [], measured


@LANGS
def test_accounts_without_engagement_are_said_once(store: Store, settings: Settings, tmp_path: Path, lang: str) -> None:
    from tests.test_report import Seeder

    seed = Seeder(store)
    for day in range(5):
        for account in ("outbox:newsletter", "webhook:zapier"):
            due = START + day * (NOW - START) / 9
            seed.post("launch", f"p{day}", account, payload={"text": f"Post {day}"}, due=due)
    page = tmp_path / "silent.html"
    _write(settings, lang, page)
    html = page.read_text(encoding="utf-8")
    notice = re.findall(r'<p class="notice" id="no-engagement">([^<]*)</p>', html)
    assert len(notice) == 1 and notice[0].startswith("outbox:newsletter, webhook:zapier ")
    assert html.count("outbox:newsletter, webhook:zapier") == 1
    assert 'class="chart' not in html and '<ul class="best">' not in html  # no charts, no best times
    assert "n/a" not in html and "n.d." not in html  # no column of "not available"
    assert measured_fits(page, 400)


def measured_fits(page: Path, width: int) -> bool:
    measured = browser.measure(page, width)
    return bool(measured["scroll_width"] == width and not measured["overflowing"])


def test_the_measure_notices_a_chart_too_wide_and_a_clipped_box(tmp_path: Path) -> None:
    """The layout checks above are not vacuous: the page the issue described (a 1100 px chart, a
    table cut off by its box) is caught at 400 px."""
    page = tmp_path / "old.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body><svg class="chart trend" width="1100" height="200"><rect width="1100" height="10"/></svg>'
        '<div class="box" style="width:200px;overflow:hidden"><table><tr><td>'
        + "x" * 300
        + "</td></tr></table></div>"
        # a cut the page means (the calendar's chips): one line ended with "…" is not a clipped box
        + '<span class="chip" style="display:block;width:100px;overflow:hidden;white-space:nowrap;'
        + 'text-overflow:ellipsis">'
        + "y" * 300
        + "</span></body></html>",
        encoding="utf-8",
    )
    measured = browser.measure(page, 400)
    assert measured["scroll_width"] > 400
    assert "svg.chart.trend" in measured["overflowing"] and "div.box" in measured["overflowing"]
    assert "span.chip" not in measured["overflowing"], measured["overflowing"]
