"""Language choice, the French catalogue's completeness, and numbers and dates per language."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from socialpost import i18n
from socialpost.i18n import _, catalogue, formats


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr_CA.UTF-8", ("fr", "fr_CA")),
        ("fr-CA", ("fr", "fr_CA")),
        ("fr", ("fr", "fr")),
        ("FR_fr.utf8@euro", ("fr", "fr_FR")),
        ("en_US.UTF-8", ("en", "en_US")),
        ("C.UTF-8", None),
        ("POSIX", None),
        ("de_DE.UTF-8", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_locale(value: str | None, expected: tuple[str, str] | None) -> None:
    assert i18n.parse_locale(value) == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fr_CA.UTF-8"}, ("fr", "fr_CA")),
        ({"LC_ALL": "fr_FR.UTF-8", "LANG": "en_US.UTF-8"}, ("fr", "fr_FR")),
        ({"LC_MESSAGES": "en_CA.UTF-8", "LANG": "fr_CA.UTF-8"}, ("en", "en_CA")),
        ({"LANGUAGE": "fr:en", "LANG": "en_US.UTF-8"}, ("fr", "fr")),
        ({"LANGUAGE": "fr", "LANG": "fr_CA.UTF-8"}, ("fr", "fr_CA")),
        ({"LANGUAGE": "de:fr"}, ("fr", "fr")),
        ({"LANG": "de_DE.UTF-8"}, None),
        ({"LANG": "C.UTF-8"}, None),
        ({}, None),
    ],
)
def test_language_from_environment(environ: dict[str, str], expected: tuple[str, str] | None) -> None:
    assert i18n.from_environment(environ) == expected


def test_precedence_option_then_socialpost_lang_then_config_then_locale() -> None:
    env = {"LANG": "fr_CA.UTF-8"}
    assert i18n.choose("en", "fr", {**env, "SOCIALPOST_LANG": "fr"}) == "en"
    assert i18n.choose(None, "en", {**env, "SOCIALPOST_LANG": "fr_FR"}) == "fr_FR"
    assert i18n.choose(None, "en", env) == "en"
    assert i18n.choose(None, None, env) == "fr_CA"
    assert i18n.choose(None, "de", env) == "fr_CA"  # an unknown config value does not hide the locale
    assert i18n.choose(None, None, {"LANG": "de_DE.UTF-8"}) is None


def test_activate_switches_catalogue_and_falls_back_to_english() -> None:
    assert i18n.activate("fr_CA.UTF-8") == "fr"
    assert (i18n.language(), i18n.locale_name()) == ("fr", "fr_CA")
    assert _("interrupted.") != "interrupted."
    assert _("a message no catalogue has") == "a message no catalogue has"
    assert i18n.activate("de_DE") == "en"
    assert _("interrupted.") == "interrupted."
    assert i18n.activate(None) == "en"


def test_click_messages_follow_the_language() -> None:
    import click.core

    i18n.activate("fr")
    french = click.core._("Show this message and exit.")
    i18n.activate("en")
    assert french != "Show this message and exit."
    assert click.core._("Show this message and exit.") == "Show this message and exit."


def test_french_catalogue_is_complete_and_compiled() -> None:
    """Every message a user can read has a French translation with the same placeholders.

    Fails when someone adds or changes a user-facing string without translating it; the fix is
    `python scripts/i18n.py update`, then translating the new entries in the French .po file
    (docs/translating.md).
    """
    problems = catalogue.problems("fr")
    assert not problems, "\n".join(problems[:40]) + (f"\n… and {len(problems) - 40} more" if len(problems) > 40 else "")


def test_catalogue_check_catches_a_missing_translation_and_a_broken_placeholder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from babel.messages.catalog import Catalog

    locale_dir = tmp_path / "locale"
    monkeypatch.setattr(catalogue, "po_file", lambda lang: locale_dir / lang / "x.po")
    monkeypatch.setattr(catalogue, "mo_file", lambda lang: locale_dir / lang / "x.mo")
    template = Catalog()
    template.add("posts {count} queued", None, [("socialpost/a.py", 1)])
    template.add("nothing to do", None, [("socialpost/b.py", 2)])
    template.add("sent {n} posts", None, [("socialpost/c.py", 3)])
    monkeypatch.setattr(catalogue, "extract", lambda **_: template)
    french = Catalog(locale="fr")
    french.add("posts {count} queued", "{nombre} publications en file")
    french.add("sent {n} posts", "{n} publications envoyées")
    catalogue.write_catalog(french, catalogue.po_file("fr"))
    catalogue.compile_catalog(french, catalogue.mo_file("fr"))
    found = catalogue.problems("fr")
    assert any("placeholders differ" in p and "socialpost/a.py:1" in p for p in found)
    assert any("not translated" in p and "nothing to do" in p for p in found)
    assert not any("sent {n} posts" in p for p in found)
    assert not any("out of date" in p for p in found)

    french["sent {n} posts"].string = "{n} publications parties"  # the .po changes, the .mo is not rebuilt
    catalogue.write_catalog(french, catalogue.po_file("fr"))
    assert any("out of date" in p for p in catalogue.problems("fr"))


def test_placeholders() -> None:
    assert catalogue.placeholders("{a} and {b!r} and {c:>4}") == {"a", "b", "c"}
    assert catalogue.placeholders("no fields, {{escaped}}") == set()
    assert catalogue.placeholders("broken {a") == {"<unbalanced braces>"}


def test_numbers_per_language() -> None:
    assert (formats.integer(1234567), formats.decimal(1234.56), formats.percent(0.125)) == (
        "1,234,567",
        "1,234.6",
        "12.5%",
    )
    i18n.activate("fr_CA.UTF-8")
    assert formats.integer(1234567) == "1\u00a0234\u00a0567"
    assert formats.decimal(1234.56, 2) == "1\u00a0234,56"
    assert formats.percent(0.125) == "12,5\u00a0%"
    i18n.activate("fr_FR")
    assert formats.integer(1234) == "1\u202f234"


@pytest.mark.parametrize("locale", ["en_US.UTF-8", "en_ZA.UTF-8", "en_GB", "C.UTF-8"])
def test_english_in_every_region_keeps_the_same_shapes(locale: str) -> None:
    i18n.activate(locale)
    assert (i18n.language(), i18n.locale_name()) == ("en", "en")
    when = datetime(2026, 11, 26, 9, 5, 30)
    assert (formats.datetime_text(when), formats.date_text(date(2026, 11, 26))) == (
        "2026-11-26 09:05",
        "Thu 2026-11-26",
    )
    assert (formats.decimal(1234.5), formats.percent(0.125)) == ("1,234.5", "12.5%")


def test_dates_per_language() -> None:
    when = datetime(2026, 11, 26, 9, 5, 30)
    assert formats.datetime_text(when) == "2026-11-26 09:05"
    assert formats.date_text(date(2026, 11, 26)) == "Thu 2026-11-26"
    assert formats.weekday_name(0) == "Mon"
    i18n.activate("fr_CA")
    assert formats.datetime_text(when) == "2026-11-26 09 h 05"
    assert formats.date_text(date(2026, 11, 26)) == "jeu. 26 nov. 2026"
    assert formats.weekday_name(0, short=False) == "lundi"


def test_config_language_is_used_and_validated(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("language: fr_CA\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "socialpost", "--config", str(config), "--help"],
        capture_output=True,
        text=True,
        env=_env(LANG="en_US.UTF-8"),
        check=False,
    )
    assert result.returncode == 0
    assert "Usage:" not in result.stdout, result.stdout

    config.write_text("language: klingon\n", encoding="utf-8")
    from socialpost.errors import ConfigError
    from socialpost.settings.config import load_settings

    with pytest.raises(ConfigError) as excinfo:
        load_settings(str(config), {})
    assert f"{config}:1:11" in str(excinfo.value)
    assert "unknown language 'klingon'" in str(excinfo.value)


def test_bad_lang_option_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "socialpost", "--lang", "klingon", "status"],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert result.returncode == 2
    assert "unknown language 'klingon'" in result.stderr
    assert "Traceback" not in result.stderr


def _env(**extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k not in {"LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"}}
    env.update(extra)
    return env
