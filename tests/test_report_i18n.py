"""`socialpost report` in French: headings, advice and flags translated, numbers and dates written
the French way (``12 345``, ``4,33 %``); ``--json`` and ``--csv`` the same bytes in every language.
(English is pinned byte for byte by tests/test_report_pinned.py.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from socialpost import i18n
from socialpost.report.besttimes import BestTimes, Slot, format_measure
from socialpost.store.db import Store
from tests.conftest import FakeClock
from tests.test_report import T0, Seeder
from tests.test_report_pinned import NOW, seed_store

NARROW_NBSP = "\u202f"  # French (fr) groups digits with it
NBSP = "\u00a0"  # before "%" in French, and between digit groups in fr_CA


@pytest.fixture
def seeded(store: Store, clock: FakeClock) -> Store:
    seed_store(store)
    seed = Seeder(store)
    seed.count = 1000  # after seed_store's posts (their idempotency keys)
    big = seed.post("autumn", "d1", "x:acme", due=T0 + timedelta(days=3))
    seed.snapshot(big, T0 + timedelta(days=4), views=12_345, likes=1_234, reposts=5, replies=6, quotes=0)
    clock.set(NOW)
    return store


def test_the_people_view_in_french(seeded: Store, run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # wide enough for tables
    result = run_cli("--lang", "fr", "report")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for heading in ("publication", "compte", "état", "vues", "« J'aime »", "partages", "réponses", "croissance"):
        assert f" {heading} " in out, heading
    assert "vues +500, interactions +12" in out  # a1's growth
    assert "autumn — 1 sur 1 envoyées" in out
    assert f"12{NARROW_NBSP}345" in out and f"1{NARROW_NBSP}234" in out  # not 12,345
    assert f"4,33{NBSP}%" in out  # a1: 39 / 900, not 4.33%
    assert f"Totaux : vues 12{NARROW_NBSP}345, « J'aime » 1{NARROW_NBSP}234" in out
    assert "n.d." in out and "n/a" not in out
    assert "3 publications ne sont pas parties comme prévu (1 failed, 1 held, 1 unknown)" in out  # states stay
    assert "Interactions par jour" in out and "Heure de la semaine" in out
    assert "lun. " in out and "Mon " not in out
    assert "09:00:00 EST" in out and "2027-03-01" in out  # the table's local times: ISO date, 24-hour time
    for english in ("account", "Totals", "engagement rate", "did not go out", "Best time", "sent (local time)"):
        assert english not in out, english


def test_the_people_view_as_lists_in_french(seeded: Store, run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # too narrow for the tables: each post on a line, figures under it
    out = run_cli("--lang", "fr", "report", "--no-charts").stdout
    assert "a1 · x:acme · sent · 2027-03-01 09:00:00 EST\n" in out  # 14:00 UTC in the campaign's zone
    assert (
        f"    vues 900 · « J'aime » 31 · partages 4 · réponses 3 · citations 1 · clics 12 · taux 4,33{NBSP}% ·" in out
    )
    assert "    croissance : vues +500, interactions +12" in out
    assert "b2 · x:acme · sent" in out and "réponses n.d." in out
    assert "état" not in out and "views" not in out and "growth" not in out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 100


def test_grouped_views_in_french(seeded: Store, run_cli: Any) -> None:
    out = run_cli("--lang", "fr", "report", "--by", "network").stdout
    assert "Par réseau" in out
    assert all(heading in out for heading in ("réseau", "publications", "envoyées", "non parties", "taux"))
    assert f"13{NARROW_NBSP}296" in out  # x's views: 900 + 0 + 51 + 12,345
    by_post = run_cli("--lang", "fr", "report", "--by", "post", "--sort", "views", "--top", "2").stdout
    assert "26 publications, les 2 meilleures par views" in by_post  # the sort key is the option's value


def test_canadian_french_groups_digits_with_a_no_break_space(seeded: Store, run_cli: Any) -> None:
    out = run_cli("--lang", "fr_CA", "report", "--no-charts").stdout
    assert f"12{NBSP}345" in out and "Totaux" in out


def test_the_html_page_in_french(seeded: Store, run_cli: Any, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    result = run_cli("--lang", "fr", "report", "--html", str(page))
    assert result.stdout.strip() == f"{page} écrit (26 publications)"
    html = page.read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html><html lang="fr">')
    headings = ("<h1>Rapport des réseaux sociaux</h1>", "<h2>Tendance</h2>", "<h2>Par campagne</h2>")
    for text in (*headings, ">publiée<", ">échec<"):
        assert text in html, text
    assert f"<b>13{NARROW_NBSP}296</b>" in html  # every post's views, the card on top
    assert f"4,33{NBSP}%" in html and ">lundi</text>" in html
    assert "Social media report" not in html and ">Monday<" not in html and ">published<" not in html
    assert "Réalisé avec socialpost" in html and "voir la publication" in html


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--json"),
        ("report", "--csv"),
        ("report", "--by", "network", "--json"),
        ("report", "--by", "day", "--csv"),
        ("report", "--by", "post", "--json"),
    ],
)
def test_machine_output_is_the_same_in_every_language(seeded: Store, run_cli: Any, args: tuple[str, ...]) -> None:
    english = run_cli(*args)
    french = run_cli("--lang", "fr", *args)
    assert english.exit_code == french.exit_code == 0
    assert french.stdout == english.stdout


def test_errors_in_french(seeded: Store, run_cli: Any) -> None:
    result = run_cli("--lang", "fr", "report", "--since", "hier")
    assert result.exit_code == 2
    assert "n'est ni une date, ni une heure, ni une durée. Solution : écrivez-le comme" in result.stderr
    both = run_cli("--lang", "fr", "report", "--json", "--csv")
    assert "choisissez --json ou --csv" in both.stderr


def test_best_time_advice_in_french() -> None:
    slots = [Slot(weekday=1, hour=10, posts=4, median=0.125), Slot(weekday=4, hour=23, posts=2, median=0.05)]
    advice = BestTimes("x:acme", "rate", sample=12, needed=10, slots=slots)
    waiting = BestTimes("x:acme", "interactions", sample=3, needed=10, slots=[])
    assert advice.describe().startswith("x:acme: best times, from 12 posts: Tuesday 10:00–11:00")
    i18n.activate("fr")
    assert advice.describe() == (
        "x:acme : meilleurs moments, d'après 12 publications : mardi de 10 h à 11 h (taux d'engagement médian "
        f"12,5{NBSP}%, 4 publications) ; vendredi de 23 h à 00 h (taux d'engagement médian 5,0{NBSP}%, "
        "2 publications)"
    )
    assert waiting.describe().startswith("x:acme : pas encore assez d'historique pour un conseil (3 sur 10")
    assert (
        format_measure(2.5, "interactions") == "2,5" and format_measure(1234.0, "interactions") == f"1{NARROW_NBSP}234"
    )
