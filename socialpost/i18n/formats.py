"""Numbers and dates written the way the active language writes them.

English keeps the shapes socialpost has always printed (``1,234``, ``12.5%``, ``2026-11-26 09:05``)
without loading Babel; other languages take their separators and date patterns from Babel's CLDR
data (``1 234``, ``12,5 %``, ``jeu. 26 nov. 2026 09 h 05`` in French). Machine output (``--json``,
``--csv``) never goes through here: it stays locale-neutral.

The symbols are looked up once per locale, so formatting a large report costs a string replace
per number, not a CLDR lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from socialpost import i18n


@dataclass(frozen=True)
class _Symbols:
    decimal: str
    group: str
    percent_prefix: str
    percent_suffix: str


_ENGLISH = _Symbols(decimal=".", group=",", percent_prefix="", percent_suffix="%")


@lru_cache(maxsize=8)
def _symbols(locale: str) -> _Symbols:
    if locale == "en":
        return _ENGLISH
    from babel import Locale

    loc = Locale.parse(locale)
    symbols = loc.number_symbols.get("latn", loc.number_symbols)
    pattern = loc.percent_formats[None].pattern.split(";")[0]
    prefix, _sep, rest = pattern.partition("#")
    suffix = rest[rest.rfind("0") + 1 :]
    return _Symbols(
        decimal=symbols["decimal"],
        group=symbols["group"],
        percent_prefix=prefix,
        percent_suffix=suffix.replace("%", symbols.get("percentSign", "%")),
    )


def _localise(text: str, symbols: _Symbols) -> str:
    if symbols is _ENGLISH:
        return text
    return text.replace(",", "\0").replace(".", symbols.decimal).replace("\0", symbols.group)


def integer(value: int) -> str:
    """``1,234`` / ``1 234``."""
    return _localise(f"{value:,}", _symbols(i18n.locale_name()))


def decimal(value: float, digits: int = 1) -> str:
    """``1,234.5`` / ``1 234,5`` with ``digits`` after the separator."""
    return _localise(f"{value:,.{digits}f}", _symbols(i18n.locale_name()))


def percent(ratio: float, digits: int = 1) -> str:
    """``12.5%`` / ``12,5 %`` for a ratio of 0.125."""
    symbols = _symbols(i18n.locale_name())
    return f"{symbols.percent_prefix}{_localise(f'{ratio * 100:,.{digits}f}', symbols)}{symbols.percent_suffix}"


def date_text(value: date) -> str:
    """A day, unambiguous in every language: ``Thu 2026-11-26`` / ``jeu. 26 nov. 2026``."""
    locale = i18n.locale_name()
    if locale == "en":
        return value.strftime("%a %Y-%m-%d")
    from babel.dates import format_date

    return format_date(value, "EEE d MMM y", locale=locale)


def datetime_text(value: datetime, *, seconds: bool = False) -> str:
    """A wall-clock time as shown in tables: ``2026-11-26 09:05`` / ``2026-11-26 09 h 05``.

    The date stays ISO-ordered in every language so columns sort and align; the time follows the
    language's habit (French writes ``09 h 05``).
    """
    locale = i18n.locale_name()
    if locale == "en":
        return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    from babel.dates import format_time

    time_part = format_time(value, "HH:mm:ss" if seconds else "short", locale=locale)
    return f"{value:%Y-%m-%d} {time_part}"


def weekday_name(index: int, *, short: bool = True) -> str:
    """Monday = 0: ``Mon`` / ``lun.``."""
    locale = i18n.locale_name()
    if locale == "en":
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        long_names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        return names[index] if short else long_names[index]
    from babel.dates import get_day_names

    return str(get_day_names("abbreviated" if short else "wide", context="format", locale=locale)[index])


def day_month(value: date) -> str:
    """A day of a chart's axis, short: ``Mar 3`` / ``3 mars``."""
    locale = i18n.locale_name()
    if locale == "en":
        return f"{value:%b} {value.day}"
    from babel.dates import format_date

    return str(format_date(value, "d MMM", locale=locale))


def month_title(value: date) -> str:
    """A month and its year, for a calendar's heading: ``March 2027`` / ``Mars 2027``."""
    locale = i18n.locale_name()
    if locale == "en":
        return value.strftime("%B %Y")
    from babel.dates import format_date

    text = str(format_date(value, "LLLL y", locale=locale))
    return text[:1].upper() + text[1:]  # a heading: "Mars 2027"


def time_text(value: datetime) -> str:
    """A wall-clock time alone: ``09:05`` / ``09 h 05`` (as :func:`datetime_text` writes it)."""
    locale = i18n.locale_name()
    if locale == "en":
        return value.strftime("%H:%M")
    from babel.dates import format_time

    return str(format_time(value, "short", locale=locale))
