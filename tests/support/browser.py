"""Headless Chromium for the tests of the pages socialpost writes (calendar, previews, report).

No Playwright, no browser download: the Chromium of the machine (``scripts/test-services.sh``
installs it in CI), driven by its command line. Each call gets its own profile folder, so tests
running at once never share one.

* :func:`screenshot` — the page at a width, as a PNG (the viewport: ``width`` × ``height``);
* :func:`print_pdf` — the page printed (A4 unless its print CSS says otherwise);
* :func:`measure` — the page laid out at a width: how wide it is, and which elements are wider
  than the viewport or clipped. A copy of the page gets a script that writes its measurements
  into the DOM when the page has loaded; ``--dump-dom`` gives them back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from html import unescape
from pathlib import Path
from typing import Any

import pytest

TIMEOUT = 90  # seconds for one Chromium run (a shared, busy machine)
HEIGHT = 900
# Headless Chromium does not make a window narrower than this: a narrower page is laid out in an
# <iframe> of the width asked for (its own viewport: media queries see that width), in a frame page.
MIN_WINDOW = 500

_MEASURE = r"""
<script>
window.addEventListener("load", function () {
  var root = document.documentElement;
  var vw = root.clientWidth;
  function name(el) {
    var s = el.tagName.toLowerCase();
    if (el.id) { s += "#" + el.id; }
    if (el.classList && el.classList.length) { s += "." + Array.prototype.join.call(el.classList, "."); }
    return s;
  }
  function path(el) {
    var parts = [];
    while (el && el !== document.body && parts.length < 4) { parts.unshift(name(el)); el = el.parentElement; }
    return parts.join(" > ");
  }
  var found = [];
  var all = document.body.querySelectorAll("*");
  for (var i = 0; i < all.length; i++) {
    var el = all[i];
    if (el.id === "__socialpost_measure__") { continue; }
    var style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") { continue; }
    var r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) { continue; }
    var wide = r.right > vw + 1 || r.left < -1;
    var hides = /(hidden|clip)/.test(style.overflowX) && style.textOverflow !== "ellipsis";
    var clipped = hides && el.scrollWidth > el.clientWidth + 1;
    if (wide || clipped) {
      var p = path(el);
      if (found.indexOf(p) < 0) { found.push(p); }
    }
  }
  var text = JSON.stringify({scroll_width: root.scrollWidth, viewport_width: vw, overflowing: found});
  if (window.parent !== window) { window.parent.postMessage(text, "*"); return; }
  var out = document.createElement("pre");
  out.id = "__socialpost_measure__";
  out.textContent = text;
  document.body.appendChild(out);
});
</script>
"""

_RECEIVE = """<script>window.addEventListener("message", function (event) {
  var out = document.createElement("pre"); out.id = "__socialpost_measure__";
  out.textContent = event.data; document.body.appendChild(out);
});</script>"""


def _frame(page: Path, width: int, height: int, *, receive: bool = False) -> str:
    """A page showing ``page`` in an <iframe> ``width`` × ``height`` at its top left corner."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#fff}'
        f"iframe{{border:0;width:{width}px;height:{height}px;display:block}}</style></head><body>"
        + (_RECEIVE if receive else "")
        + f'<iframe src="{page.as_uri()}"></iframe></body></html>'
    )


def chromium() -> str:
    """The Chromium to drive: /usr/bin/chromium, else ``chromium`` (or ``chromium-browser``) on
    PATH. The test is skipped, saying why, on a machine without one (CI installs it)."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium on this machine (scripts/test-services.sh installs it)")


def _run(args: list[str], *, profile: Path) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",  # root in containers
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if result.returncode != 0:
        raise AssertionError(f"chromium failed ({result.returncode}): {result.stderr[-2000:]}")
    return result


def screenshot(html: Path, out: Path, width: int, height: int = HEIGHT) -> Path:
    """The page as Chromium shows it in a ``width`` × ``height`` window, written to ``out`` (PNG)."""
    out = out.resolve()
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="socialpost-chromium-") as folder:
        target = html.resolve()
        if width < MIN_WINDOW:
            target = Path(folder) / "frame.html"
            target.write_text(_frame(html.resolve(), width, height), encoding="utf-8")
        _run(
            [
                f"--window-size={max(width, MIN_WINDOW)},{height}",
                "--virtual-time-budget=3000",  # the page (and its frame) loaded and painted first
                f"--screenshot={out}",
                target.as_uri(),
            ],
            profile=Path(folder) / "profile",
        )
    if not out.is_file():
        raise AssertionError(f"chromium wrote no screenshot at {out}")
    if width < MIN_WINDOW:
        from PIL import Image

        with Image.open(out) as shot:
            shot.crop((0, 0, width, height)).save(out)
    return out


def print_pdf(html: Path, out: Path) -> Path:
    """The page printed to PDF by Chromium (no header or footer), written to ``out``."""
    out = out.resolve()
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="socialpost-chromium-") as profile:
        _run(
            ["--no-pdf-header-footer", f"--print-to-pdf={out}", html.resolve().as_uri()],
            profile=Path(profile),
        )
    if not out.is_file():
        raise AssertionError(f"chromium wrote no PDF at {out}")
    return out


def measure(html: Path, width: int) -> dict[str, Any]:
    """The page laid out ``width`` px wide: ``scroll_width`` (the document's), ``viewport_width``,
    and ``overflowing``: a selector for each element wider than the viewport (or beyond its left
    edge) or whose content is clipped by its own ``overflow`` (an ellipsis is a choice, not a clip)."""
    page = html.read_text(encoding="utf-8")
    marked = page.replace("</body>", _MEASURE + "</body>") if "</body>" in page else page + _MEASURE
    with tempfile.TemporaryDirectory(prefix="socialpost-chromium-") as folder:
        copy = Path(folder) / html.name
        copy.write_text(marked, encoding="utf-8")
        target = copy
        if width < MIN_WINDOW:
            target = Path(folder) / "frame.html"
            target.write_text(_frame(copy, width, HEIGHT, receive=True), encoding="utf-8")
        result = _run(
            [
                f"--window-size={max(width, MIN_WINDOW)},{HEIGHT}",
                "--allow-file-access-from-files",
                "--virtual-time-budget=5000",
                "--dump-dom",
                target.as_uri(),
            ],
            profile=Path(folder) / "profile",
        )
    found = re.search(r'<pre id="__socialpost_measure__">(.*?)</pre>', result.stdout, re.DOTALL)
    if found is None:
        raise AssertionError("the measuring script did not run: " + result.stdout[-500:])
    data: dict[str, Any] = json.loads(unescape(found.group(1)))
    return data
