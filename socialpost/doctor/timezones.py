"""Time-zone data: installed, and every scheduled campaign's zone loads."""

from __future__ import annotations

from collections.abc import Sequence

from socialpost.doctor.finding import Finding, ok, problem
from socialpost.i18n import _

ZONES = ("America/Montreal", "Europe/Paris")  # zones every install must be able to load


def check_timezones(zones: Sequence[str], campaign_zones: Sequence[str]) -> list[Finding]:
    """The time-zone database is installed, and every scheduled campaign's zone loads."""
    from zoneinfo import ZoneInfo

    missing = []
    for name in zones:
        try:
            ZoneInfo(name)
        except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError, OSError: all mean "missing"
            missing.append(name)
    if missing:
        return [
            problem(
                "timezones",
                _(
                    "the time-zone database is missing: {zones} cannot be loaded, so no campaign time can be converted."
                ).format(zones=", ".join(missing)),
                _(
                    "Install it: pip install tzdata (in socialpost's environment), or on Debian/Ubuntu: "
                    "sudo apt install tzdata"
                ),
            )
        ]
    findings = []
    for name in sorted(set(campaign_zones)):
        try:
            ZoneInfo(name)
        except Exception:  # noqa: BLE001 - see above
            findings.append(
                problem(
                    "timezones",
                    _("a scheduled campaign uses the time zone '{zone}', which this machine cannot load.").format(
                        zone=name
                    ),
                    _(
                        "Update the time-zone data (pip install -U tzdata), or correct 'timezone:' in the campaign "
                        "and run socialpost schedule FILE again."
                    ),
                )
            )
    return findings or [ok("timezones", _("time-zone data is installed"))]
