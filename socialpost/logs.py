"""Log set-up for the daemon: readable lines for people, JSON lines for machines.

Both formatters blank registered secrets (``socialpost.redaction``) out of the whole line,
exception text included, and neither lets a control character from outside act on the terminal
(the text format shows it as a visible escape; JSON escapes it, see ``socialpost.terminal``).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from socialpost.redaction import protect_http_loggers, redact
from socialpost.terminal import json_safe, printable


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the post when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        post = getattr(record, "post", None)
        if post is not None:
            entry["post"] = post
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json_safe(redact(json.dumps(entry, ensure_ascii=False)))


class TextFormatter(logging.Formatter):
    """``HH:MM:SS ZONE message`` (and the traceback under it), secrets blanked, controls shown. The
    time is in the user's zone (``timezone:`` in the config, else the machine's), named: ``EST``,
    ``CET``, ``UTC``, or the IANA name where the abbreviation is shared (socialpost.localtime)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        from socialpost.localtime import user_zone, zone_label

        moment = datetime.fromtimestamp(record.created, user_zone())
        return f"{moment:%H:%M:%S} {zone_label(moment)}"

    def format(self, record: logging.LogRecord) -> str:
        return printable(redact(super().format(record)))


def configure(*, verbose: bool = False, json_lines: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger("socialpost")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    protect_http_loggers()  # their records reach other handlers (Python's last resort) unformatted
    if not verbose:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.WARNING)
