"""Real headless Chromium for the pages socialpost writes (report, calendar, previews).

Debian's ``chromium`` package (``scripts/test-services.sh`` installs it in CI); no Playwright and no
browser download. Chromium is driven through its DevTools protocol over a pipe
(``--remote-debugging-pipe``: fd 3 carries commands in, fd 4 answers out, each message a JSON text
ended by a NUL byte), because a headless window cannot be made narrower than 500 px from the command
line while the device-metrics override lays a page out at any width. Every run gets its own
throw-away profile, and no host name resolves, so a page that asked for anything outside its own
file would get nothing.

* :func:`screenshot` — a PNG of the page in a viewport ``width`` × ``height`` CSS pixels;
* :func:`print_pdf` — the page printed to PDF as Chromium prints it (the page's own print CSS:
  paper size and margins from its ``@page``);
* :func:`measure` — the page laid out at ``width``: its scroll width and the elements wider than the
  viewport or clipped.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing resolves, so nothing could leave
]
TIMEOUT = 90.0

# Run in the page once it has loaded: what does not fit, as short selector paths.
_MEASURE = """
(() => {
  const name = (el) => {
    let out = el.tagName.toLowerCase();
    if (el.id) out += "#" + el.id;
    const cls = el.getAttribute("class");
    if (cls) out += "." + cls.trim().split(/\\s+/).join(".");
    return out;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) parts.unshift(name(e));
    return parts.join(" > ");
  };
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    let bad = box.right > width + 1 || box.left < -1;  // reaches past the viewport
    // its content clipped by its box (not a cut the page means, which ends with an ellipsis)
    if (!bad && !(el instanceof SVGElement) && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 &&
        /(hidden|clip|scroll|auto)/.test(style.overflowX) && style.textOverflow !== "ellipsis")
      bad = true;  // its content clipped by its box (not a text cut with "…" on purpose)
    if (!bad && el.tagName.toLowerCase() === "svg" && el.parentElement) {  // a chart wider than its box
      const outer = el.parentElement.getBoundingClientRect();
      bad = box.right > outer.right + 1 || box.left < outer.left - 1;
    }
    if (bad && !found.includes(path(el))) found.push(path(el));
  }
  return {scroll_width: document.documentElement.scrollWidth, viewport_width: width, overflowing: found};
})()
"""


def chromium() -> str:
    """The Chromium to drive: /usr/bin/chromium, else ``chromium`` on PATH. Skips the test when there
    is none, except under ``CI=true`` where that is a failure (CI installs it)."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    found = shutil.which("chromium")
    if found:
        return found
    reason = "headless Chromium is not installed (Debian: apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; CI must install it")
    pytest.skip(reason)


class _DevTools:
    """One headless Chromium and one page of it, spoken to over the DevTools pipe."""

    def __init__(self, process: subprocess.Popen[bytes], commands: int, answers: int) -> None:
        self.process = process
        self.commands = commands
        self.answers = answers
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session = ""

    def send(self, method: str, params: dict[str, Any] | None = None, *, page: bool = True) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if page and self.session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.commands, data) :]
        while True:
            answer = self._receive()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise AssertionError(f"chromium refused {method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def wait_for(self, event: str) -> None:
        while True:
            for index, seen in enumerate(self.events):
                if seen.get("method") == event:
                    del self.events[: index + 1]
                    return
            self.events.append(self._receive())

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.answers], [], [], max(left, 0))
            if not ready:
                raise AssertionError("chromium did not answer in time")
            chunk = os.read(self.answers, 1 << 20)
            if not chunk:
                raise AssertionError("chromium closed the DevTools pipe (it crashed or did not start)")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(message)
        return parsed


@contextmanager
def _page(html: Path, width: int, height: int) -> Iterator[_DevTools]:
    """``html`` loaded in a headless Chromium page laid out ``width`` × ``height`` CSS pixels."""
    browser = chromium()
    commands_in, commands_out = os.pipe()  # we write commands, Chromium reads them on fd 3
    answers_in, answers_out = os.pipe()  # Chromium writes answers on fd 4, we read them

    def descriptors() -> None:  # in the child, before exec: the pipe's ends as fds 3 and 4
        low_in, low_out = os.dup(commands_in), os.dup(answers_out)  # never clobbered by the dup2s below
        os.dup2(low_in, 3)
        os.dup2(low_out, 4)

    with tempfile.TemporaryDirectory(prefix="socialpost-chromium-") as profile:
        process = subprocess.Popen(
            [browser, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=descriptors,
        )
        os.close(commands_in)
        os.close(answers_out)
        tools = _DevTools(process, commands_out, answers_in)
        try:
            target = tools.send("Target.createTarget", {"url": "about:blank"}, page=False)["targetId"]
            tools.session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True}, page=False)[
                "sessionId"
            ]
            tools.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            tools.send("Page.enable")
            tools.send("Page.navigate", {"url": html.resolve().as_uri()})
            tools.wait_for("Page.loadEventFired")
            yield tools
        finally:
            with suppress(AssertionError, OSError):
                tools.send("Browser.close", page=False)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            os.close(commands_out)
            os.close(answers_in)


def screenshot(html: Path, out: Path, width: int, height: int = 900) -> Path:
    """A PNG of ``html`` in a viewport ``width`` × ``height`` (CSS pixels, scale 1)."""
    with _page(html, width, height) as page:
        data = page.send("Page.captureScreenshot", {"format": "png"})["data"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(data))
    return out


def print_pdf(html: Path, out: Path) -> Path:
    """``html`` printed to PDF by Chromium: paper and margins from the page's ``@page`` (A4 when it
    says none), backgrounds printed, no header or footer of Chromium's own."""
    with _page(html, 1280, 900) as page:
        data = page.send(
            "Page.printToPDF",
            {
                "paperWidth": 8.27,  # A4, in inches, for a page that names no size
                "paperHeight": 11.69,
                "preferCSSPageSize": True,
                "printBackground": True,
                "displayHeaderFooter": False,
            },
        )["data"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(data))
    return out


def measure(html: Path, width: int) -> dict[str, Any]:
    """``{"scroll_width", "viewport_width", "overflowing"}`` of ``html`` laid out ``width`` CSS
    pixels wide; ``overflowing`` lists the visible elements (short selector paths such as
    ``div.wide > svg.chart.trend``) that reach past the viewport, are clipped by their own box (a
    text cut with an ellipsis on purpose is not), or (a chart) are wider than the box that holds them."""
    with _page(html, width, 900) as page:
        answer = page.send("Runtime.evaluate", {"expression": _MEASURE, "returnByValue": True})
    if "exceptionDetails" in answer:
        raise AssertionError(f"the measuring script failed: {answer['exceptionDetails']}")
    result: dict[str, Any] = answer["result"]["value"]
    return result
