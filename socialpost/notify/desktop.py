"""This machine's notifications: notify-send (libnotify) on Linux, osascript on macOS. None found
is not an error: ``doctor`` says so, and the channel's messages fail with that fix."""

from __future__ import annotations

import shutil
import subprocess
import sys

from socialpost.errors import NotificationFailed
from socialpost.i18n import _
from socialpost.notify.messages import Message

BODY_MOST = 800  # desktop bubbles show a few lines


def notifier() -> str | None:
    """The path of this platform's notifier program, or None."""
    if sys.platform == "darwin":
        return shutil.which("osascript")
    return shutil.which("notify-send")


def install_hint() -> str:
    if sys.platform == "darwin":
        return _("osascript comes with macOS: check that /usr/bin is on the daemon's PATH.")
    return _("Install notify-send (Debian/Ubuntu: sudo apt install libnotify-bin; Fedora: libnotify).")


def send(message: Message) -> None:
    program = notifier()
    if program is None:
        raise NotificationFailed(
            _("desktop: no notifier program on this machine."),
            hint=install_hint(),
        )
    body = message.text()
    body = body if len(body) <= BODY_MOST else body[: BODY_MOST - 1] + "…"
    if sys.platform == "darwin":  # the texts as arguments, never inside the script
        command = [
            program,
            "-e",
            "on run argv",
            "-e",
            "display notification (item 2 of argv) with title (item 1 of argv)",
            "-e",
            "end run",
            message.title,
            body,
        ]
    else:
        urgency = "critical" if message.kind in ("failed", "unknown", "daemon_down") else "normal"
        command = [program, "--app-name=socialpost", f"--urgency={urgency}", "--", message.title, body]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NotificationFailed(
            _("desktop: {program} did not run ({reason}).").format(program=program, reason=exc),
            hint=_("Fix: run socialpost notify test --channel desktop in the session that runs the daemon."),
        ) from None
    if done.returncode != 0:
        raise NotificationFailed(
            _("desktop: {program} failed: {error}").format(
                program=program, error=(done.stderr or done.stdout).strip()[:300] or done.returncode
            ),
            hint=_("Fix: a daemon run as a service has no desktop session; use an e-mail or webhook channel there."),
        )
