"""The saved session of a Bluesky account: ``<data_dir>/sessions/bluesky-<name>.session`` (mode
0600), so that the account does not log in (30 per 5 minutes) at every run."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from socialpost.networks.base import Network
from socialpost.networks.bluesky.settings import BlueskySettings
from socialpost.privatefiles import write_private

log = logging.getLogger("socialpost.networks.bluesky")

SESSION_FORMAT = 1


class SessionState(Network):
    """Reading, writing and forgetting the saved session (the same file and format as ever)."""

    settings: BlueskySettings

    @property
    def session_path(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", self.account.split(":", 1)[-1])
        return self.context.data_dir / "sessions" / f"bluesky-{safe}.session"

    def _load_session(self) -> str | None:
        try:
            document = json.loads(self.session_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.info("%s: ignoring an unreadable saved session", self.account)
            return None
        if (
            not isinstance(document, dict)
            or document.get("format") != SESSION_FORMAT
            or document.get("handle") != self.settings.handle
            or document.get("pds_url") != self.settings.pds_url
            or not isinstance(document.get("session"), str)
        ):
            return None  # another handle or PDS: log in afresh
        return str(document["session"])

    def _save_session(self, session_string: str) -> None:
        path = self.session_path
        document = {
            "format": SESSION_FORMAT,
            "handle": self.settings.handle,
            "pds_url": self.settings.pds_url,
            "session": session_string,
        }
        try:
            write_private(path, json.dumps(document))
        except OSError as exc:  # posting still works; we just log in again next time
            log.warning("%s: could not save the Bluesky session (%s)", self.account, exc.__class__.__name__)

    def forget_session(self) -> None:
        try:
            self.session_path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("%s: could not remove the saved session (%s)", self.account, exc.__class__.__name__)
