"""Public holidays of a campaign's ``country:`` (ISO 3166, with an optional subdivision such as
CA-QC), from the ``holidays`` package, for the ``holiday`` writing advice.

The country is never guessed from the language: ``fr-CA`` is written in Québec, New Brunswick,
Ontario and Manitoba, whose holidays differ, and ``fr`` in four countries. No ``country:``, no
holiday advice. The package is imported only when a campaign sets a country.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import cache, lru_cache

from socialpost.i18n import _
from socialpost.settings.closest import suggest
from socialpost.settings.quoting import clip

_CODE = re.compile(r"([A-Z]{2})(?:-([A-Z0-9]{1,3}))?")


def split(code: str) -> tuple[str, str | None]:
    """``CA-QC`` → (``CA``, ``QC``); ``FR`` → (``FR``, None)."""
    country, _dash, subdivision = code.partition("-")
    return country, subdivision or None


@cache
def _supported() -> dict[str, list[str]]:
    import holidays

    return {code: list(subdivisions) for code, subdivisions in holidays.list_supported_countries().items()}


def unknown_country(code: str) -> str | None:
    """Why ``code`` (upper case) cannot be used as a campaign's country, with the fix; None when it can."""
    if not _CODE.fullmatch(code):
        return _(
            "'{value}' is not a country code. Fix: write an ISO 3166 code like CA, FR or BE, with a subdivision "
            "after a dash if you want its holidays too, like CA-QC"
        ).format(value=clip(code))
    country, subdivision = split(code)
    supported = _supported()
    if country not in supported:
        return _(
            "the public holidays of '{country}' are not known: it is not an ISO 3166 country code the holidays "
            "data has.{hint} Fix: write an ISO 3166 code like CA, FR or BE"
        ).format(country=country, hint=suggest(country, supported))
    subdivisions = supported[country]
    if subdivision is not None and subdivision not in subdivisions:
        return _(
            "{country} has no subdivision '{subdivision}' in the holidays data.{hint} Fix: use one of {known}"
        ).format(
            country=country,
            subdivision=subdivision,
            hint=suggest(subdivision, subdivisions),
            known=clip(", ".join(subdivisions), 200) or _("none (write the country alone)"),
        )
    return None


def holidays_on(code: str, days: Iterable[date], language: str | None) -> dict[date, str]:
    """The public holidays among ``days`` in ``code``'s country (and subdivision), named in
    ``language`` when the holidays data has it (else in the country's own language)."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    calendar = _calendar(code, tuple(sorted({day.year for day in wanted})), language)
    return {day: str(calendar[day]) for day in wanted if day in calendar}


@lru_cache(maxsize=32)
def _calendar(code: str, years: tuple[int, ...], language: str | None) -> dict[date, str]:
    import holidays

    country, subdivision = split(code)
    spoken = _language(holidays.country_holidays(country).supported_languages, language)
    found = holidays.country_holidays(country, subdiv=subdivision, years=years, language=spoken)
    return dict(found.items())


def _language(supported: Iterable[str], language: str | None) -> str | None:
    """The holidays data's language closest to a campaign's (``fr-CA`` → ``fr``, ``en`` → ``en_CA``)."""
    if not language:
        return None
    tag = language.replace("-", "_").lower()
    base = tag.split("_")[0]
    by_lower = {item.lower(): item for item in supported}
    for candidate in (tag, base):
        if candidate in by_lower:
            return by_lower[candidate]
    return next((item for lower, item in sorted(by_lower.items()) if lower.startswith(f"{base}_")), None)
