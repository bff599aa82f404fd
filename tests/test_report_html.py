"""`socialpost report --html`: one self-contained file, checked as text and opened in real headless Chromium.

Chromium is Debian's ``chromium`` package (``apt-get install -y chromium``; tests/support/browser.py
finds it). Without it the browser tests are skipped with the reason, except under ``CI=true`` where
that is a failure. The layout at three widths and the printed PDF: tests/test_report_browser.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from socialpost.store.db import Store
from tests.support.browser import FLAGS, chromium
from tests.test_report import T0, Seeder, seeded

URL = re.compile(r"""https?://[^\s"'<>)]+""")


@pytest.fixture
def report_file(run_cli, store: Store, tmp_path: Path) -> Iterator[Path]:
    seed = Seeder(store)
    seeded(seed)
    for i in range(12):  # enough history for heatmap cells and best-time advice on one account
        due = T0 + timedelta(days=7 * (i % 4) + 1, hours=(i % 3) * 2)  # Tuesdays 09:00, 11:00, 13:00
        post = seed.post("autumn", f"tip{i}", "mastodon:shop", due=due)
        seed.snapshot(post, due + timedelta(days=2), views=None, likes=i % 5, reposts=1, replies=0, quotes=0)
    seed.post("autumn", "broken", "mastodon:shop", due=T0, status="unknown", reason="timed out <b>while</b> sending")
    path = tmp_path / "report.html"
    result = run_cli("report", "--html", str(path))
    assert result.exit_code == 0, result.stderr
    assert f"wrote {path}" in result.stdout
    yield path


def test_html_is_self_contained(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for forbidden in ("<script", "<link", "<iframe", "<object", "<embed", "@import", "url("):
        assert forbidden not in page.lower(), forbidden
    # pictures (thumbnails, the logo) are embedded, never fetched
    assert all(src.startswith("data:image/") for src in re.findall(r'src="([^"]*)"', page))
    # the only web addresses are the posts' own links, as <a href>
    urls = set(URL.findall(page))
    links = set(re.findall(r'<a href="(https?://[^"]+)"', page))
    assert urls == links
    assert all(u.startswith("https://social.example/") for u in urls)
    # everything from the store is escaped
    assert "<b>while</b>" not in page and "&lt;b&gt;while&lt;/b&gt;" in page
    # each chart twice: the wide shape and the narrow one (the page shows one by the window's width)
    assert page.count('class="cell"') == 2 * 7 * 24 and page.count('class="bar"') >= 10
    assert "did not go out as planned" in page and "st-unknown" in page and "st-failed" in page
    assert "mastodon:shop: best times, from 12 posts" in page


def test_html_renders_in_headless_chromium_without_a_request(report_file: Path, tmp_path: Path) -> None:
    browser = chromium()
    profile = tmp_path / "profile"
    netlog = tmp_path / "netlog.json"
    url = report_file.resolve().as_uri()
    common = [browser, *FLAGS, f"--user-data-dir={profile}"]

    dom = subprocess.run(
        [*common, f"--log-net-log={netlog}", "--dump-dom", url], capture_output=True, text=True, timeout=90
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert len(re.findall(r'<svg class="chart trend"', html)) == 2
    assert len(re.findall(r'<svg class="chart heatmap', html)) == 2
    assert len(re.findall(r'<rect class="cell"', html)) == 2 * 168
    assert len(re.findall(r'<rect class="bar"', html)) >= 10

    # nothing but the file itself was requested
    outside = _requested_outside(netlog)
    assert not outside, outside

    shot = tmp_path / "report.png"
    taken = subprocess.run(
        [*common, f"--screenshot={shot}", "--window-size=1200,1600", "--hide-scrollbars", url],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1200, 1600)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 50  # text, tables and charts, not a blank page
    greens = {(0x34, 0xA0, 0x4F), (0x13, 0x7A, 0x34), (0x6C, 0xC1, 0x7C), (0xA8, 0xDC, 0xB0)}
    painted = sum(count for count, rgb in colours if rgb in greens)
    assert painted > 500  # the bars and heatmap cells were drawn


def test_the_request_check_notices_a_remote_image(tmp_path: Path) -> None:
    """The net-log check above is not vacuous: a page with a remote image is caught."""
    browser = chromium()
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><img src="http://leak.invalid/pixel.png"><p>hi</p>', encoding="utf-8")
    netlog = tmp_path / "netlog.json"
    subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={tmp_path / 'p'}", f"--log-net-log={netlog}", "--dump-dom", page.as_uri()],
        capture_output=True,
        timeout=90,
    )
    assert "http://leak.invalid/pixel.png" in _requested_outside(netlog)


def _requested_outside(netlog: Path) -> set[str]:
    """Every address in Chromium's net-log that is not the page's own file.

    Chromium's own background services (component updater, network time) may try to call home; the
    host resolver rule in FLAGS makes those fail before any packet leaves, and they are not the page's
    doing, so they are left out. The page itself must ask for nothing (the posts' links are <a href>,
    followed only on a click)."""
    log = json.loads(_close_netlog(netlog.read_text(encoding="utf-8")))
    requested = {
        str(event["params"]["url"])
        for event in log.get("events", [])
        if isinstance(event.get("params"), dict) and "url" in event["params"]
    }
    own = re.compile(r"^https?://[^/]*(google\.com|googleapis\.com|gstatic\.com)/")
    return {u for u in requested if not u.startswith(("file:", "data:", "about:", "chrome:")) and not own.match(u)}


def _close_netlog(text: str) -> str:
    """Chromium may stop before closing the net-log's JSON; close it the way its docs say to."""
    text = text.rstrip()
    if text.endswith("}"):
        try:
            json.loads(text)
            return text
        except ValueError:
            pass
    return text.rstrip(",") + "]}"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_empty_report_says_what_to_do(run_cli, tmp_path: Path, lang: str) -> None:
    page = tmp_path / "empty.html"
    assert run_cli("--lang", lang, "report", "--html", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    said = "planifiez une campagne" if lang == "fr" else "schedule a campaign (socialpost schedule FILE)"
    assert said in html and "<table" not in html and 'class="chart' not in html
