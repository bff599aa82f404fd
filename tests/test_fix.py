"""`socialpost fix FILE`: the safe fixes the advice offers, written in the file as a user runs it."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from socialpost.campaign import advice
from socialpost.campaign.fix import plan
from socialpost.cli import fix as fix_command

NNBSP, NBSP = "\u202f", "\u00a0"

CAFE = """\
# Le café de Sherbrooke: la campagne de décembre
campaign: cafe
timezone: America/Montreal
language: fr
utm: {source: "{network}"}
accounts: [outbox:cafe]
posts:
  - id: ouverture   # la grande nouvelle
    at: 2027-06-01 09:00
    text: "Nous ouvrons demain ! Qu'en pensez-vous ?"   # garder les guillemets
  - id: menu
    at: 2027-06-02 09:00
    text: Le « menu » est sur cafe-sherbrooke.ca/menu, lequel préférez-vous ?
  - id: horaires
    at: 2027-06-03 09:00
    language: fr-CA
    thread:
      - 'Horaires : 8 h à 17 h ! Et vous ?'
      - |
        Deuxième partie ; à bientôt !
        Dites-nous !
  - id: english
    at: 2027-06-04 09:00
    language: en
    text: Come by ! What do you think ?
  - id: calme
    at: 2027-06-05 09:00
    quiet: [french-typography, link-without-utm]
    text: On ne touche pas ! Voyez cafe.ca, ok ?
"""

FIXED = (
    CAFE.replace("demain ! Qu'en pensez-vous ?", f"demain{NNBSP}! Qu'en pensez-vous{NNBSP}?")
    .replace(
        "Le « menu » est sur cafe-sherbrooke.ca/menu, lequel préférez-vous ?",
        f"Le «{NBSP}menu{NBSP}» est sur https://cafe-sherbrooke.ca/menu, lequel préférez-vous{NNBSP}?",
    )
    .replace("'Horaires : 8 h à 17 h ! Et vous ?'", f"'Horaires{NBSP}: 8 h à 17 h! Et vous?'")  # Québec: none
    .replace("Deuxième partie ; à bientôt !\n        Dites-nous !", "Deuxième partie; à bientôt!\n        Dites-nous!")
    .replace("Come by ! What do you think ?", "Come by! What do you think?")
)


@pytest.fixture
def cafe(write: Any) -> Path:
    path: Path = write("cafe.yaml", CAFE)
    return path


def _rules(run_cli: Any, path: Path) -> set[str]:
    result = run_cli("validate", str(path), "--json")
    return {w["rule"] for w in json.loads(result.stdout)["warnings"]}


def test_dry_run_shows_the_diff_and_writes_nothing(run_cli: Any, cafe: Path) -> None:
    result = run_cli("fix", "--dry-run", str(cafe))
    assert result.exit_code == 0, result.stderr
    assert cafe.read_text(encoding="utf-8") == CAFE
    assert f"--- {cafe}" in result.stdout and f"+++ {cafe}" in result.stdout
    assert '-    text: "Nous ouvrons demain ! Qu\'en pensez-vous ?"   # garder les guillemets' in result.stdout
    assert '+    text: "Nous ouvrons demain⸱! Qu\'en pensez-vous⸱?"   # garder les guillemets' in result.stdout
    assert "⍽ marks a no-break space and ⸱ a narrow no-break space" in result.stdout
    assert f"{cafe}:13:11: link-without-utm" in result.stdout
    assert "Dry run: nothing was written." in result.stdout


def test_yes_writes_every_safe_fix_keeping_comments_quotes_and_layout(run_cli: Any, cafe: Path) -> None:
    assert {"french-typography", "link-without-utm"} <= _rules(run_cli, cafe)
    result = run_cli("fix", "--yes", str(cafe))
    assert result.exit_code == 0, result.stderr
    assert f"Fixed 5 texts in {cafe}." in result.stdout
    assert cafe.read_text(encoding="utf-8") == FIXED
    # the advice that had a fix is gone (the quieted post keeps its text and says nothing)
    assert not {"french-typography", "link-without-utm"} & _rules(run_cli, cafe)
    again = run_cli("fix", str(cafe))  # no terminal needed: nothing to ask
    assert again.exit_code == 0 and again.stdout.strip() == f"Nothing to fix in {cafe}."


def test_without_a_terminal_it_refuses_unless_yes(run_cli: Any, cafe: Path) -> None:
    result = run_cli("fix", str(cafe))
    assert result.exit_code == 2
    assert "there is no terminal to ask whether to write these changes." in result.stderr
    assert "Run again with --yes to write them, or with --dry-run to only see them." in result.stderr
    assert cafe.read_text(encoding="utf-8") == CAFE
    french = run_cli("--lang", "fr", "fix", str(cafe))
    assert french.exit_code == 2
    assert "il n'y a pas de terminal pour demander s'il faut écrire ces modifications." in french.stderr


def test_it_asks_in_a_terminal(run_cli: Any, cafe: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fix_command, "_can_ask", lambda: True)
    declined = run_cli("fix", str(cafe), input="n\n")
    assert declined.exit_code == 0 and "Write these 6 changes? [y/N]" in declined.stdout
    assert "Nothing was written." in declined.stdout and cafe.read_text(encoding="utf-8") == CAFE
    accepted = run_cli("--lang", "fr", "fix", str(cafe), input="y\n")
    assert "Écrire ces 6 modifications?" in accepted.stdout
    assert accepted.exit_code == 0 and "5 textes corrigés dans" in accepted.stdout
    assert cafe.read_text(encoding="utf-8") == FIXED


def test_crlf_bom_and_mode_are_kept(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "windows.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + CAFE.replace("\n", "\r\n").encode("utf-8"))
    path.chmod(0o640)
    assert run_cli("fix", "--yes", str(path)).exit_code == 0
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw[3:].decode("utf-8") == FIXED.replace("\n", "\r\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_symbolic_link_stays_a_link(run_cli: Any, cafe: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to(cafe)
    assert run_cli("fix", "--yes", str(link)).exit_code == 0
    assert link.is_symlink() and cafe.read_text(encoding="utf-8") == FIXED


def test_a_text_that_cannot_be_edited_in_place_is_left_and_reported(run_cli: Any, write: Any) -> None:
    text = CAFE.replace(
        'text: "Nous ouvrons demain ! Qu\'en pensez-vous ?"', 'text: "Nous ouvrons demain\\x20! Qu\'en pensez-vous ?"'
    )
    path = write("escape.yaml", text)
    result = run_cli("fix", "--yes", str(path))
    assert result.exit_code == 0
    assert f"warning [french-typography]: {path}:10:11: this text cannot be fixed automatically" in result.stderr
    assert "Fix: edit it by hand: Nous ouvrons demain⸱! Qu'en pensez-vous⸱?" in result.stderr
    written = path.read_text(encoding="utf-8")
    assert "demain\\x20! Qu'en pensez-vous ?\"" in written  # left as it was …
    assert f"Le «{NBSP}menu{NBSP}»" in written  # … the others fixed


def test_a_file_that_does_not_load_is_refused_with_its_errors(run_cli: Any, write: Any) -> None:
    path = write("broken.yaml", CAFE.replace("  - id: menu", "  - id:menu"))
    result = run_cli("fix", "--yes", str(path))
    assert result.exit_code == 2
    assert f"{path}:11:7: 'id:menu' has no space after ':'" in result.stderr


def test_accounts_that_are_not_set_up_do_not_stop_fixing(run_cli: Any, write: Any) -> None:
    path = write("draft.yaml", CAFE.replace("[outbox:cafe]", "[mastodon:cafe, x:cafe]"))
    validated = run_cli("validate", str(path))  # a draft: accounts not connected yet are warned about
    assert validated.exit_code == 0 and validated.stderr.count("warning [not-connected]") == 2
    assert run_cli("fix", "--yes", str(path)).exit_code == 0
    assert "Nous ouvrons demain\u202f!" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("language", "before", "after"),
    [
        (
            "fr",
            "Bon ! Oui ? Non ; Heures : 8 h « ici »",
            f"Bon{NNBSP}! Oui{NNBSP}? Non{NNBSP}; Heures{NBSP}: 8 h «{NBSP}ici{NBSP}»",
        ),
        ("fr-CA", "Bon ! Oui ? Non ; Heures : 8 h « ici »", f"Bon! Oui? Non; Heures{NBSP}: 8 h «{NBSP}ici{NBSP}»"),
        ("en", "Good ! Yes ? No ; Hours : 8 « here »", "Good! Yes? No; Hours: 8 « here »"),
        ("fr", f"Déjà bien{NBSP}! Et 10:30 :) https://e.com/a ?b", f"Déjà bien{NBSP}! Et 10:30 :) https://e.com/a ?b"),
    ],
)
def test_typography_follows_the_language(language: str, before: str, after: str) -> None:
    style = advice.typography_style(before, language)
    assert advice.fix_typography(before, style) == after
    assert advice.fix_typography(after, style) == after  # a second run finds nothing
    flagged = any(a.rule == "french-typography" for a in advice.advise_text(before, network="x", language=language))
    assert flagged == (before != after)


def test_the_advice_no_longer_asks_to_type_code_points(run_cli: Any, cafe: Path) -> None:
    result = run_cli("validate", str(cafe))
    line = next(line for line in result.stderr.splitlines() if "[french-typography]" in line)
    assert "U+202F" not in line and "run socialpost fix FILE" in line
    french = run_cli("--lang", "fr", "validate", str(cafe))
    line = next(line for line in french.stderr.splitlines() if "[french-typography]" in line)
    assert "U+202F" not in line and "lancez socialpost fix FICHIER" in line


def test_plan_lists_each_change_with_its_rule(cafe: Path) -> None:
    planned = plan(cafe)
    assert [(c.line, c.rule) for c in planned.changes] == [
        (10, "french-typography"),
        (13, "french-typography"),
        (13, "link-without-utm"),
        (18, "french-typography"),
        (19, "french-typography"),
        (25, "french-typography"),
    ]
