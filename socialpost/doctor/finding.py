"""The doctor's one finding type: what a check looked at, what it found and, when something is
wrong, the fix; and the wording the checks share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from socialpost.i18n import _

Status = Literal["ok", "warning", "problem"]
RECONNECT = "socialpost accounts add {network} {name}"


@dataclass(frozen=True)
class Finding:
    """One thing the doctor looked at: what it found and, when something is wrong, the fix."""

    check: str  # "config", "secrets-permissions", "database", "account:x:acme", … (see README)
    status: Status
    message: str
    fix: str | None = None  # None when status is "ok"

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status, "message": self.message, "fix": self.fix}


def ok(check: str, message: str) -> Finding:
    return Finding(check, "ok", message)


def warning(check: str, message: str, fix: str) -> Finding:
    return Finding(check, "warning", message, fix)


def problem(check: str, message: str, fix: str) -> Finding:
    return Finding(check, "problem", message, fix)


def crashed(check: str, exc: BaseException) -> Finding:
    return problem(
        check,
        _("the {check} check could not run: {error}").format(
            check=check, error=f"{exc.__class__.__name__}: {first_line(str(exc))}"
        ),
        _(
            "This is a bug in socialpost; please report it with this message "
            "(set SOCIALPOST_DEBUG=1 and run the failing command to see more)."
        ),
    )


def first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:300]


def local_when(instant: datetime, campaign_zone: str = "") -> str:
    """A time for people, in its campaign's zone or the user's, the zone named (socialpost.localtime)."""
    from socialpost.localtime import local_text, reader_zone

    return local_text(instant, reader_zone(campaign_zone))
