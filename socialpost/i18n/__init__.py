"""Translation of everything a user reads (gettext catalogues built with Babel).

Library code marks its messages with ``_("…")`` (translated at once, in the active language) or,
for text defined at import time such as tables of advice, ``N_("…")`` (marked for the catalogue,
translated where it is shown). Placeholders are named and filled with ``str.format`` after
translation — ``_("{count} posts queued").format(count=n)`` — so a translator can move them.

The language is chosen once per run, highest first: ``--lang``, ``language:`` in the config file,
then the environment as gettext reads it (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``).
Anything not translated, and any language without a catalogue, falls back to English.

This module only uses the standard library, so ``socialpost --help`` stays fast; numbers and dates
are formatted by ``socialpost.i18n.formats`` (Babel), imported only where they are shown.
"""

from __future__ import annotations

import gettext as _gettext
import os
import sys
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "socialpost"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
#: Languages with a catalogue (English is the source language and needs none).
LANGUAGES = ("en", "fr")
ENV_LANGUAGE = "SOCIALPOST_LANG"

_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_language = DEFAULT_LANGUAGE
_locale = "en"  # the full locale (fr_CA) used to format numbers and dates


def _(message: str) -> str:
    """``message`` in the active language (English when it has no translation)."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the active language."""
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (text defined at import time)."""
    return message


def language() -> str:
    """The active catalogue language: ``en`` or ``fr``."""
    return _language


def locale_name() -> str:
    """The active locale for numbers and dates (``en``, ``fr``, ``fr_CA``…)."""
    return _locale


def parse_locale(value: str | None) -> tuple[str, str] | None:
    """(language, locale) for a POSIX or BCP 47 value such as ``fr_CA.UTF-8`` or ``fr-CA``.

    None when ``value`` names no language we have, or is the ``C``/``POSIX`` locale (which means
    "no preference", so the next source is asked).
    """
    if not value:
        return None
    code = value.split(".", 1)[0].split("@", 1)[0].replace("-", "_").strip()
    if not code or code in {"C", "POSIX"}:
        return None
    lang, _sep, region = code.partition("_")
    lang = lang.lower()
    if lang not in LANGUAGES:
        return None
    return lang, f"{lang}_{region.upper()}" if region else lang


def from_environment(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The language the locale environment asks for; None when it asks for none we have.

    Read as gettext reads it: ``LANGUAGE`` (a list of preferences, such
    as ``fr:en``), ``LC_ALL``, ``LC_MESSAGES``, ``LANG``. ``LANGUAGE=fr`` with ``LANG=fr_CA.UTF-8``
    formats numbers and dates for Canada.
    """
    env = os.environ if environ is None else environ
    locale_value = next((env[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(name)), None)
    from_locale = parse_locale(locale_value)
    for item in env.get("LANGUAGE", "").split(":"):
        found = parse_locale(item)
        if found:
            return from_locale if from_locale and from_locale[0] == found[0] and "_" in from_locale[1] else found
    return from_locale


def choose(option: str | None, config: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The language to use, highest first: ``--lang``, ``$SOCIALPOST_LANG``, the config file, the locale."""
    env = os.environ if environ is None else environ
    for value in (option, env.get(ENV_LANGUAGE), config):
        if value and parse_locale(value):
            return value
    found = from_environment(env)
    return found[1] if found else None


def activate(value: str | None) -> str:
    """Make ``value`` (``fr``, ``fr_CA.UTF-8``, ``en``…; None: English) the active language.

    Returns the catalogue language in use. Click's own messages ("Usage:", "Missing argument") are
    translated from the same catalogue.
    """
    global _translation, _language, _locale
    parsed = parse_locale(value) or (DEFAULT_LANGUAGE, "en")
    _language, _locale = parsed
    if _language == DEFAULT_LANGUAGE:
        # English keeps socialpost's own shapes (2026-11-26 09:05, 1,234.5) in every region: the
        # ISO dates and 24-hour times are what its tables and tests are written in.
        _locale = "en"
    if _language == DEFAULT_LANGUAGE:
        _translation = _gettext.NullTranslations()
    else:
        _translation = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[_language], fallback=True)
    _translate_click()
    return _language


def _translate_click() -> None:
    """Point click's gettext calls at our catalogue.

    Click calls the standard library's global ``gettext`` (bound in each of its modules as ``_``
    and ``ngettext`` at import time), which reads the process-wide domain; rebinding those two
    names in click's modules keeps our choice of language local to socialpost.
    """
    for name, module in list(sys.modules.items()):
        if name == "click" or name.startswith("click."):
            if callable(getattr(module, "_", None)):
                setattr(module, "_", _)  # noqa: B010 - a module attribute named _
            if callable(getattr(module, "ngettext", None)):
                setattr(module, "ngettext", ngettext)  # noqa: B010


def supported(value: str) -> bool:
    """Whether ``value`` names a language with a catalogue (or English)."""
    return parse_locale(value) is not None
